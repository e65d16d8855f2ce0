namespace Ariane.PromQL.Ast;

/// <summary>
/// A PromQL function's signature: argument types, how many extra arguments it accepts and its result type.
/// <see cref="Variadic"/> is 0 for a fixed argument list, n &gt; 0 when the last argument type may repeat up to n more
/// times (so the last argument is optional), and -1 when it may repeat without limit.
/// </summary>
public sealed class FunctionDef
{
    /// <summary>Creates a definition.</summary>
    public FunctionDef(string name, ExprType[] argTypes, int variadic, ExprType returnType, bool experimental)
    {
        Name = name;
        ArgTypes = argTypes;
        Variadic = variadic;
        ReturnType = returnType;
        Experimental = experimental;
    }

    /// <summary>The function name.</summary>
    public string Name { get; }

    /// <summary>The argument types in order.</summary>
    public IReadOnlyList<ExprType> ArgTypes { get; }

    /// <summary>0: fixed; n &gt; 0: the last argument is optional and may repeat up to n times; -1: unlimited.</summary>
    public int Variadic { get; }

    /// <summary>The result type.</summary>
    public ExprType ReturnType { get; }

    /// <summary>True for functions behind Prometheus's <c>promql-experimental-functions</c> feature flag.</summary>
    public bool Experimental { get; }

    /// <inheritdoc/>
    public override string ToString() => Name;
}

/// <summary>Every function Prometheus 3.x knows, including the experimental ones.</summary>
public static class Functions
{
    private const ExprType V = ExprType.InstantVector;
    private const ExprType M = ExprType.RangeVector;
    private const ExprType S = ExprType.Scalar;
    private const ExprType Str = ExprType.String;

    private static readonly Dictionary<string, FunctionDef> ByName = Build();

    /// <summary>All definitions by name.</summary>
    public static IReadOnlyDictionary<string, FunctionDef> All => ByName;

    /// <summary>Looks a function up by its exact (case-sensitive) name.</summary>
    public static bool TryGet(string name, out FunctionDef def) => ByName.TryGetValue(name, out def!);

    /// <summary>Returns the named function; throws <see cref="KeyNotFoundException"/> when there is none.</summary>
    public static FunctionDef Get(string name) => ByName[name];

    private static FunctionDef F(string name, ExprType ret, int variadic, bool experimental, params ExprType[] args) =>
        new(name, args, variadic, ret, experimental);

    private static Dictionary<string, FunctionDef> Build()
    {
        FunctionDef[] defs =
        [
            F("abs", V, 0, false, V),
            F("absent", V, 0, false, V),
            F("absent_over_time", V, 0, false, M),
            F("acos", V, 0, false, V),
            F("acosh", V, 0, false, V),
            F("asin", V, 0, false, V),
            F("asinh", V, 0, false, V),
            F("atan", V, 0, false, V),
            F("atanh", V, 0, false, V),
            F("avg_over_time", V, 0, false, M),
            F("ceil", V, 0, false, V),
            F("changes", V, 0, false, M),
            F("clamp", V, 0, false, V, S, S),
            F("clamp_max", V, 0, false, V, S),
            F("clamp_min", V, 0, false, V, S),
            F("cos", V, 0, false, V),
            F("cosh", V, 0, false, V),
            F("count_over_time", V, 0, false, M),
            F("days_in_month", V, 1, false, V),
            F("day_of_month", V, 1, false, V),
            F("day_of_week", V, 1, false, V),
            F("day_of_year", V, 1, false, V),
            F("deg", V, 0, false, V),
            F("delta", V, 0, false, M),
            F("deriv", V, 0, false, M),
            F("double_exponential_smoothing", V, 0, true, M, S, S),
            F("end", S, 0, true),
            F("exp", V, 0, false, V),
            F("first_over_time", V, 0, false, M),
            F("floor", V, 0, false, V),
            F("histogram_avg", V, 0, false, V),
            F("histogram_count", V, 0, false, V),
            F("histogram_fraction", V, 0, false, S, S, V),
            F("histogram_quantile", V, 0, false, S, V),
            F("histogram_quantiles", V, 9, true, V, Str, S, S),
            F("histogram_stddev", V, 0, false, V),
            F("histogram_stdvar", V, 0, false, V),
            F("histogram_sum", V, 0, false, V),
            F("hour", V, 1, false, V),
            F("idelta", V, 0, false, M),
            F("increase", V, 0, false, M),
            F("info", V, 1, true, V, V),
            F("irate", V, 0, false, M),
            F("label_join", V, -1, false, V, Str, Str, Str),
            F("label_replace", V, 0, false, V, Str, Str, Str, Str),
            F("last_over_time", V, 0, false, M),
            F("ln", V, 0, false, V),
            F("log10", V, 0, false, V),
            F("log2", V, 0, false, V),
            F("mad_over_time", V, 0, true, M),
            F("max_of", S, 0, true, S, S),
            F("max_over_time", V, 0, false, M),
            F("min_of", S, 0, true, S, S),
            F("min_over_time", V, 0, false, M),
            F("minute", V, 1, false, V),
            F("month", V, 1, false, V),
            F("pi", S, 0, false),
            F("predict_linear", V, 0, false, M, S),
            F("present_over_time", V, 0, false, M),
            F("quantile_over_time", V, 0, false, S, M),
            F("rad", V, 0, false, V),
            F("range", S, 0, true),
            F("rate", V, 0, false, M),
            F("resets", V, 0, false, M),
            F("round", V, 1, false, V, S),
            F("scalar", S, 0, false, V),
            F("sgn", V, 0, false, V),
            F("sin", V, 0, false, V),
            F("sinh", V, 0, false, V),
            F("sort", V, 0, false, V),
            F("sort_by_label", V, -1, true, V, Str),
            F("sort_by_label_desc", V, -1, true, V, Str),
            F("sort_desc", V, 0, false, V),
            F("sqrt", V, 0, false, V),
            F("start", S, 0, true),
            F("start_timestamp", V, 0, true, V),
            F("stddev_over_time", V, 0, false, M),
            F("stdvar_over_time", V, 0, false, M),
            F("step", S, 0, true),
            F("sum_over_time", V, 0, false, M),
            F("tan", V, 0, false, V),
            F("tanh", V, 0, false, V),
            F("time", S, 0, false),
            F("timestamp", V, 0, false, V),
            F("ts_of_first_over_time", V, 0, true, M),
            F("ts_of_last_over_time", V, 0, true, M),
            F("ts_of_max_over_time", V, 0, true, M),
            F("ts_of_min_over_time", V, 0, true, M),
            F("vector", V, 0, false, S),
            F("year", V, 1, false, V),
        ];
        var d = new Dictionary<string, FunctionDef>(defs.Length, StringComparer.Ordinal);
        foreach (var f in defs)
        {
            d.Add(f.Name, f);
        }
        return d;
    }
}
