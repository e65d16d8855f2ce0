using System.Text;
using Ariane.Exposition;
using Ariane.Model;
using Ariane.PromQL.Ast;

namespace Ariane.PromQL.Engine;

/// <summary>The type of a query result, as the HTTP API names it (<c>resultType</c>).</summary>
public enum ResultType
{
    /// <summary><c>scalar</c></summary>
    Scalar,
    /// <summary><c>string</c></summary>
    String,
    /// <summary><c>vector</c>: an instant vector.</summary>
    Vector,
    /// <summary><c>matrix</c>: a range vector, or the result of a range query.</summary>
    Matrix,
}

/// <summary>One float point of a matrix series (time in ms).</summary>
public readonly record struct FloatPoint(long T, double F);

/// <summary>One element of an instant vector.</summary>
public readonly record struct VectorSample(Labels Metric, long T, double F);

/// <summary>One series of a matrix with its points in time order.</summary>
public sealed record MatrixSeries(Labels Metric, FloatPoint[] Points);

/// <summary>Prometheus's API error types (<c>errorType</c>).</summary>
public enum QueryErrorType
{
    /// <summary><c>bad_data</c>: the query does not parse or its arguments are invalid.</summary>
    BadData,
    /// <summary><c>execution</c>: evaluation failed (many-to-many matching, duplicate series, too many samples...).</summary>
    Execution,
    /// <summary><c>timeout</c></summary>
    Timeout,
    /// <summary><c>canceled</c></summary>
    Canceled,
    /// <summary><c>internal</c>: a bug.</summary>
    Internal,
}

/// <summary>A failed query: the error type and Prometheus's message.</summary>
public sealed record QueryError(QueryErrorType Type, string Message)
{
    /// <summary>The API name of <see cref="Type"/>: bad_data, execution, timeout, canceled, internal.</summary>
    public string TypeName => Type switch
    {
        QueryErrorType.BadData => "bad_data",
        QueryErrorType.Execution => "execution",
        QueryErrorType.Timeout => "timeout",
        QueryErrorType.Canceled => "canceled",
        _ => "internal",
    };
}

/// <summary>A warning or info annotation, with the position of the expression it is about.</summary>
public sealed record Annotation(bool IsInfo, string Message, PositionRange Position)
{
    /// <summary>
    /// Renders as the HTTP API does: <c>PromQL warning: message (line:col)</c>, the position being that of
    /// <see cref="Position"/>'s start in <paramref name="query"/> (1-based line and column).
    /// </summary>
    public string Render(string query)
    {
        var sb = new StringBuilder();
        sb.Append(IsInfo ? "PromQL info: " : "PromQL warning: ").Append(Message);
        int line = 1, col = 1;
        int end = Math.Min(Position.Start, query.Length);
        for (int i = 0; i < end; i++)
        {
            if (query[i] == '\n')
            {
                line++;
                col = 1;
            }
            else
            {
                col++;
            }
        }
        sb.Append(" (").Append(line).Append(':').Append(col).Append(')');
        return sb.ToString();
    }
}

/// <summary>
/// What a query returned: a value of <see cref="Type"/> or an <see cref="Error"/>, with the annotations gathered
/// (also on failure). Vector results keep the engine's order (sort functions); matrix results are sorted by labels.
/// </summary>
public sealed class QueryResult
{
    internal QueryResult(ResultType type) => Type = type;

    /// <summary>The value's type (meaningless when <see cref="Error"/> is set).</summary>
    public ResultType Type { get; }

    /// <summary>The API name of <see cref="Type"/> (<c>resultType</c>): scalar, string, vector, matrix.</summary>
    public string TypeName => Type switch
    {
        ResultType.Scalar => "scalar",
        ResultType.String => "string",
        ResultType.Vector => "vector",
        _ => "matrix",
    };

    /// <summary>The error, or null on success.</summary>
    public QueryError? Error { get; internal init; }

    /// <summary>The scalar's time (ms) for <see cref="ResultType.Scalar"/> and <see cref="ResultType.String"/>.</summary>
    public long T { get; internal init; }

    /// <summary>The scalar value.</summary>
    public double Scalar { get; internal init; }

    /// <summary>The string value.</summary>
    public string? String { get; internal init; }

    /// <summary>The instant vector (empty unless <see cref="ResultType.Vector"/>).</summary>
    public IReadOnlyList<VectorSample> Vector { get; internal init; } = [];

    /// <summary>The matrix (empty unless <see cref="ResultType.Matrix"/>).</summary>
    public IReadOnlyList<MatrixSeries> Matrix { get; internal init; } = [];

    /// <summary>Warnings, in the order they arose, without duplicates.</summary>
    public IReadOnlyList<Annotation> Warnings { get; internal init; } = [];

    /// <summary>Infos, in the order they arose, without duplicates.</summary>
    public IReadOnlyList<Annotation> Infos { get; internal init; } = [];

    /// <summary>What the query cost (samples, timings); null for a query that failed.</summary>
    public QueryStats? Stats { get; internal set; }

    internal static QueryResult Failed(QueryErrorType type, string message, IReadOnlyList<Annotation>? warnings = null, IReadOnlyList<Annotation>? infos = null) =>
        new(ResultType.Vector) { Error = new QueryError(type, message), Warnings = warnings ?? [], Infos = infos ?? [] };
}

/// <summary>An evaluation error carrying its API error type; the engine turns it into <see cref="QueryResult.Error"/>.</summary>
public sealed class PromQLEvalException : Exception
{
    /// <summary>Creates the error.</summary>
    public PromQLEvalException(QueryErrorType type, string message)
        : base(message) => Type = type;

    /// <summary>The API error type.</summary>
    public QueryErrorType Type { get; }
}

/// <summary>How the HTTP API prints sample values and times, as Prometheus does.</summary>
public static class ApiFormat
{
    /// <summary><c>NaN</c>, <c>+Inf</c> or <c>-Inf</c> as Prometheus prints them, or null for a finite value.</summary>
    public static string? NonFinite(double f) =>
        double.IsNaN(f) ? "NaN" : double.IsPositiveInfinity(f) ? "+Inf" : double.IsNegativeInfinity(f) ? "-Inf" : null;

    /// <summary>
    /// A sample value as the API's JSON string: <c>+Inf</c>, <c>-Inf</c>, <c>NaN</c>, otherwise the shortest
    /// round-tripping decimal, in exponent form below 1e-6 and from 1e21 on (<c>1e-07</c>, <c>1e+21</c>).
    /// </summary>
    public static string Value(double f)
    {
        Span<byte> buf = stackalloc byte[32];
        int n = ShortestFloat.FormatPrometheus(f, buf);
        return System.Text.Encoding.ASCII.GetString(buf[..n]);
    }

    /// <summary>A timestamp in ms as the API's seconds (<c>1700000000.123</c>).</summary>
    public static double Seconds(long ms) => ms / 1000.0;
}
