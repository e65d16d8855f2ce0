using Ariane.Model;
using Ariane.Storage;

namespace Ariane.Tests.PromQL.PromQLTest;

/// <summary>
/// The seam between the promqltest runner and a PromQL engine: the runner loads the script's samples into a
/// fresh TSDB head per file and per <c>clear</c>, and asks the engine for instant and range queries over it.
/// Plugging the real engine in is one class implementing this interface.
/// </summary>
/// <remarks>
/// The engine is expected to run with the settings of FORMAT.md §9 (5m lookback, 1m default subquery step,
/// delayed name removal, experimental functions and syntax enabled). A query that fails — to parse or to
/// evaluate — is reported through <see cref="TestQueryResult.Error"/>, never thrown; an exception escaping the
/// engine fails that eval with the exception in the reason. Native-histogram samples are never loaded yet:
/// evals that touch them are not sent to the engine.
/// </remarks>
public interface IPromQLTestEngine
{
    /// <summary>Runs <paramref name="expr"/> as an instant query at <paramref name="timeMs"/>.</summary>
    TestQueryResult Instant(IQuerierSource storage, string expr, long timeMs);

    /// <summary>Runs <paramref name="expr"/> as a range query over [start, end] every <paramref name="stepMs"/>; the result is a matrix.</summary>
    TestQueryResult Range(IQuerierSource storage, string expr, long startMs, long endMs, long stepMs);

    /// <summary>
    /// Rewrites <paramref name="expr"/> so that every vector selector, matrix selector and subquery without an
    /// <c>@</c> modifier gets <c>@ t</c> (t in ms; selectors inside a subquery that already has <c>@</c> are
    /// left alone), printing the result back as PromQL. Returns null when the engine cannot (no AST yet), which
    /// turns the @-invariance check of FORMAT.md §8 off.
    /// </summary>
    string? RewriteWithAt(string expr, long timeMs);
}

/// <summary>What kind of value a query returned.</summary>
public enum TestResultKind
{
    /// <summary>A scalar: <see cref="TestQueryResult.Scalar"/>.</summary>
    Scalar,
    /// <summary>An instant vector: each series has exactly one point.</summary>
    Vector,
    /// <summary>A range vector (matrix): each series has its points in time order.</summary>
    Matrix,
    /// <summary>A string: <see cref="TestQueryResult.String"/>.</summary>
    String,
}

/// <summary>One float point of a result series.</summary>
public readonly record struct TestPoint(long T, double V)
{
    /// <summary>Prints as <c>v @t</c>.</summary>
    public override string ToString() => $"{SeriesDescParser.FormatFloat(V)} @{T}";
}

/// <summary>One series of a result: its labels and its float points (one for a vector element).</summary>
public sealed record TestSeries(Labels Labels, IReadOnlyList<TestPoint> Points)
{
    /// <summary>Prints as <c>{labels} v @t, ...</c>.</summary>
    public override string ToString() => Labels + " " + string.Join(", ", Points);
}

/// <summary>
/// The outcome of one query as the runner compares it: a value of some <see cref="Kind"/>, or an
/// <see cref="Error"/> message (then the value is ignored). Annotations are the API-rendered strings,
/// e.g. <c>PromQL warning: encountered a mix of histograms and floats for aggregation (1:5)</c>.
/// </summary>
public sealed record TestQueryResult(
    TestResultKind Kind,
    IReadOnlyList<TestSeries> Series,
    TestPoint Scalar,
    string? String,
    string? Error,
    IReadOnlyList<string> Warnings,
    IReadOnlyList<string> Infos)
{
    /// <summary>A failed query (annotations gathered before the failure may be passed on).</summary>
    public static TestQueryResult Failed(string error, IReadOnlyList<string>? warnings = null, IReadOnlyList<string>? infos = null) =>
        new(TestResultKind.Vector, [], default, null, error, warnings ?? [], infos ?? []);

    /// <summary>A scalar result.</summary>
    public static TestQueryResult OfScalar(long t, double v, IReadOnlyList<string>? warnings = null, IReadOnlyList<string>? infos = null) =>
        new(TestResultKind.Scalar, [], new TestPoint(t, v), null, null, warnings ?? [], infos ?? []);

    /// <summary>A string result.</summary>
    public static TestQueryResult OfString(string s, IReadOnlyList<string>? warnings = null, IReadOnlyList<string>? infos = null) =>
        new(TestResultKind.String, [], default, s, null, warnings ?? [], infos ?? []);

    /// <summary>An instant-vector result; each series must carry exactly one point.</summary>
    public static TestQueryResult OfVector(IReadOnlyList<TestSeries> series, IReadOnlyList<string>? warnings = null, IReadOnlyList<string>? infos = null) =>
        new(TestResultKind.Vector, series, default, null, null, warnings ?? [], infos ?? []);

    /// <summary>A matrix result, in the order the engine returns it (the runner checks range results are label-sorted).</summary>
    public static TestQueryResult OfMatrix(IReadOnlyList<TestSeries> series, IReadOnlyList<string>? warnings = null, IReadOnlyList<string>? infos = null) =>
        new(TestResultKind.Matrix, series, default, null, null, warnings ?? [], infos ?? []);

    /// <summary>Prints the value (or error) for failure messages.</summary>
    public override string ToString() =>
        Error is not null ? "error: " + Error
        : Kind switch
        {
            TestResultKind.Scalar => "scalar " + SeriesDescParser.FormatFloat(Scalar.V),
            TestResultKind.String => "string \"" + String + "\"",
            _ => Kind.ToString().ToLowerInvariant() + (Series.Count == 0 ? " (empty)" : ":\n    " + string.Join("\n    ", Series)),
        };
}
