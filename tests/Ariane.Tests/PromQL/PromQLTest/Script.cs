using Ariane.Model;

namespace Ariane.Tests.PromQL.PromQLTest;

/// <summary>A parsed promqltest file: its name and its commands in file order.</summary>
public sealed record TestScript(string Name, IReadOnlyList<ScriptCommand> Commands)
{
    /// <summary>The eval commands, in file order.</summary>
    public IEnumerable<EvalCommand> Evals => Commands.OfType<EvalCommand>();
}

/// <summary>One command of a script; <see cref="Line"/> is the 1-based line of its header.</summary>
public abstract record ScriptCommand(int Line);

/// <summary><c>clear</c>: drop all loaded data.</summary>
public sealed record ClearCommand(int Line) : ScriptCommand(Line);

/// <summary><c>load &lt;interval&gt;</c> or <c>load_with_nhcb &lt;interval&gt;</c> with its series lines.</summary>
public sealed record LoadCommand(int Line, long IntervalMs, bool WithNhcb, IReadOnlyList<LoadSeries> Series) : ScriptCommand(Line)
{
    /// <summary>True when any loaded value is a native histogram literal.</summary>
    public bool HasHistograms => Series.Any(s => s.HasHistograms);

    /// <summary>True when any series carries an <c>@st</c> start-timestamp line.</summary>
    public bool HasStartTimestamps => Series.Any(s => s.StartOffsetsMs is not null);
}

/// <summary>
/// One series of a load block: sample i (unless omitted) goes to t = i·interval. <see cref="StartOffsetsMs"/>
/// comes from the <c>@st</c> line before it (one entry per value, null where that sample has no start timestamp).
/// </summary>
public sealed record LoadSeries(int Line, Labels Labels, IReadOnlyList<SequenceValue> Values, IReadOnlyList<long?>? StartOffsetsMs)
{
    /// <summary>True when any value is a native histogram.</summary>
    public bool HasHistograms => Values.Any(v => v.Histogram is not null);
}

/// <summary>
/// One expanded item of a value sequence: omitted (<c>_</c>), a float (including the stale marker), or a
/// native histogram literal.
/// </summary>
public readonly record struct SequenceValue(bool Omitted, double Value, HistogramLiteral? Histogram)
{
    /// <summary>The <c>_</c> slot: no sample here.</summary>
    public static SequenceValue None => new(true, 0, null);

    /// <summary>A float sample.</summary>
    public static SequenceValue Float(double v) => new(false, v, null);

    /// <summary>A native histogram sample.</summary>
    public static SequenceValue Of(HistogramLiteral h) => new(false, 0, h);

    /// <summary>Prints as in a script (<c>_</c>, <c>stale</c>, <c>1.5</c>, <c>{{...}}</c>).</summary>
    public override string ToString() =>
        Omitted ? "_" : Histogram is not null ? Histogram.ToString() : SeriesDescParser.FormatFloat(Value);
}

/// <summary>Which query an eval runs.</summary>
public enum EvalKind
{
    /// <summary><c>eval instant at T expr</c>.</summary>
    Instant,
    /// <summary><c>eval range from A to B step S expr</c>.</summary>
    Range,
}

/// <summary>What an <c>expect</c> line checks.</summary>
public enum ExpectKind
{
    /// <summary><c>expect fail</c>.</summary>
    Fail,
    /// <summary><c>expect warn</c>.</summary>
    Warn,
    /// <summary><c>expect info</c>.</summary>
    Info,
}

/// <summary>
/// One <c>expect fail|warn|info</c> line: with neither <see cref="Message"/> nor <see cref="Regex"/> it matches
/// any error or annotation; <see cref="Message"/> must be equal; <see cref="Regex"/> is unanchored.
/// </summary>
public sealed record Expectation(ExpectKind Kind, string? Message, string? Regex)
{
    /// <summary>True when <paramref name="text"/> satisfies this expectation.</summary>
    public bool Matches(string text) =>
        Message is not null ? string.Equals(Message, text, StringComparison.Ordinal)
        : Regex is null || RegexFactory.Unanchored(Regex).IsMatch(text);

    /// <summary>Prints as the expect line.</summary>
    public override string ToString() =>
        "expect " + Kind.ToString().ToLowerInvariant() + (Message is not null ? " msg: " + Message : Regex is not null ? " regex: " + Regex : "");
}

/// <summary>An <c>expect range vector from A to B step S</c> line: the instant query returns a matrix.</summary>
public readonly record struct RangeVectorExpectation(long StartMs, long EndMs, long StepMs);

/// <summary>One expected series line of an eval: labels and one value (instant) or one value per step.</summary>
public sealed record ExpectedSeries(int Line, Labels Labels, IReadOnlyList<SequenceValue> Values);

/// <summary>
/// An <c>eval</c> command with everything its block says. For instant evals <see cref="StartMs"/> is the
/// evaluation time and <see cref="EndMs"/> equals it; for range evals the three times give the query range.
/// </summary>
public sealed record EvalCommand(int Line, EvalKind Kind, string Expr, long StartMs, long EndMs, long StepMs) : ScriptCommand(Line)
{
    /// <summary>The evaluation time of an instant eval.</summary>
    public long AtMs => StartMs;

    /// <summary>The expected series, in listed order.</summary>
    public List<ExpectedSeries> Series { get; } = [];

    /// <summary>The expected scalar, when a number-only line was given.</summary>
    public double? Scalar { get; set; }

    /// <summary>The expected string (<c>expect string "..."</c>).</summary>
    public string? String { get; set; }

    /// <summary>Set by <c>expect range vector ...</c>.</summary>
    public RangeVectorExpectation? RangeVector { get; set; }

    /// <summary><c>expect ordered</c> or <c>eval_ordered</c>.</summary>
    public bool Ordered { get; set; }

    /// <summary><c>expect fail ...</c>, <c>eval_fail</c> (with <c>expected_fail_message/regexp</c>).</summary>
    public Expectation? Fail { get; set; }

    /// <summary>The <c>expect warn ...</c> lines (and <c>eval_warn</c>).</summary>
    public List<Expectation> Warn { get; } = [];

    /// <summary>The <c>expect info ...</c> lines (and <c>eval_info</c>).</summary>
    public List<Expectation> Info { get; } = [];

    /// <summary><c>expect no_warn</c>.</summary>
    public bool NoWarn { get; set; }

    /// <summary><c>expect no_info</c>.</summary>
    public bool NoInfo { get; set; }

    /// <summary>The deprecated header variant used (<c>fail</c>, <c>warn</c>, <c>info</c>, <c>ordered</c>), or null.</summary>
    public string? Deprecated { get; set; }

    /// <summary>True when any expected value is a native histogram.</summary>
    public bool ExpectsHistograms => Series.Any(s => s.Values.Any(v => v.Histogram is not null));

    /// <summary>True when annotations are checked at all (any warn, info, no_warn or no_info expectation).</summary>
    public bool ChecksAnnotations => Warn.Count > 0 || Info.Count > 0 || NoWarn || NoInfo;

    /// <summary>The header as <c>file:line</c> readers will look for it.</summary>
    public override string ToString() =>
        Kind == EvalKind.Instant ? $"eval instant at {AtMs}ms {Expr}" : $"eval range from {StartMs}ms to {EndMs}ms step {StepMs}ms {Expr}";
}
