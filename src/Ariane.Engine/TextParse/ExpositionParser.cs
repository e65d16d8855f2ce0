using Ariane.Model;

namespace Ariane.TextParse;

/// <summary>What the parser found at the current position of a scrape body.</summary>
public enum Entry
{
    /// <summary>Never returned by <see cref="ExpositionParser.Next"/>; the default value.</summary>
    Invalid,
    /// <summary>A <c># TYPE</c> line.</summary>
    Type,
    /// <summary>A <c># HELP</c> line.</summary>
    Help,
    /// <summary>A <c># UNIT</c> line (OpenMetrics only).</summary>
    Unit,
    /// <summary>Any other comment line (Prometheus text only; OpenMetrics allows no free comments).</summary>
    Comment,
    /// <summary>A sample line.</summary>
    Series,
    /// <summary>The end of the body (for OpenMetrics, the <c># EOF</c> line).</summary>
    EOF,
}

/// <summary>The metric types of the two text formats (Prometheus text's <c>untyped</c> is <see cref="Unknown"/>).</summary>
public enum MetricType
{
    /// <summary>No type given, <c>untyped</c> or <c>unknown</c>.</summary>
    Unknown,
    /// <summary>A monotonic counter.</summary>
    Counter,
    /// <summary>A gauge.</summary>
    Gauge,
    /// <summary>A cumulative histogram with <c>_bucket</c>, <c>_count</c> and <c>_sum</c>.</summary>
    Histogram,
    /// <summary>An OpenMetrics gauge histogram with <c>_bucket</c>, <c>_gcount</c> and <c>_gsum</c>.</summary>
    GaugeHistogram,
    /// <summary>A summary with quantiles, <c>_count</c> and <c>_sum</c>.</summary>
    Summary,
    /// <summary>An OpenMetrics info metric (<c>_info</c>, value 1).</summary>
    Info,
    /// <summary>An OpenMetrics state set (one sample per state, value 0 or 1).</summary>
    StateSet,
}

/// <summary>Thrown by <see cref="ExpositionParser.Next"/> on input the format does not allow; the message names the line.</summary>
public sealed class ExpositionParseException : Exception
{
    /// <summary>Creates the exception for a problem on 1-based line <paramref name="line"/>.</summary>
    public ExpositionParseException(int line, string problem)
        : base("line " + line.ToString(System.Globalization.CultureInfo.InvariantCulture) + ": " + problem)
    {
        Line = line;
        Problem = problem;
    }

    /// <summary>The 1-based line number of the offending line.</summary>
    public int Line { get; }

    /// <summary>The problem without the line prefix.</summary>
    public string Problem { get; }
}

/// <summary>An OpenMetrics exemplar attached to a sample: a trace's labels, its value and optional timestamp.</summary>
public readonly record struct Exemplar(Labels Labels, double Value, bool HasTimestamp, long TimestampMs);

/// <summary>The Accept header a scrape sends, as Prometheus 2.x/3.x sends it by default.</summary>
public static class AcceptHeader
{
    /// <summary>
    /// Prometheus's default scrape protocols (OpenMetricsText1.0.0, OpenMetricsText0.0.1, PrometheusText0.0.4) with
    /// their weights and the catch-all; protobuf is left out because Ariane does not parse it.
    /// </summary>
    public const string Value =
        "application/openmetrics-text;version=1.0.0;q=0.5,application/openmetrics-text;version=0.0.1;q=0.4,text/plain;version=0.0.4;q=0.3,*/*;q=0.2";
}

/// <summary>Pull parser over one scrape body; reusable via Reset to avoid allocation per scrape.</summary>
/// <remarks>
/// The body is not copied: spans handed out point into it and are valid until the next call to <see cref="Next"/>
/// or one of the <c>Reset</c> overloads. An instance is not thread safe.
/// </remarks>
public abstract class ExpositionParser
{
    /// <summary>
    /// Picks the parser for a response's Content-Type: <c>application/openmetrics-text</c> gives OpenMetrics, anything
    /// else (text/plain; version=0.0.4, empty, unknown) gives Prometheus text.
    /// </summary>
    public static ExpositionParser ForContentType(string? contentType) =>
        IsOpenMetricsContentType(contentType) ? new OpenMetricsParser(scrapeLenient: true) : new PromTextParser();

    /// <summary>True when the media type of <paramref name="contentType"/> is <c>application/openmetrics-text</c>.</summary>
    public static bool IsOpenMetricsContentType(string? contentType)
    {
        if (string.IsNullOrEmpty(contentType))
        {
            return false;
        }
        ReadOnlySpan<char> s = contentType.AsSpan();
        int semi = s.IndexOf(';');
        if (semi >= 0)
        {
            s = s[..semi];
        }
        return s.Trim().Equals("application/openmetrics-text", StringComparison.OrdinalIgnoreCase);
    }

    /// <summary>True for the OpenMetrics parser.</summary>
    public abstract bool IsOpenMetrics { get; }

    /// <summary>Starts over on a new body (the memory is not copied and must stay unchanged while parsing).</summary>
    public abstract void Reset(ReadOnlyMemory<byte> body);

    /// <summary>
    /// Starts over on a body read from <paramref name="source"/> through a window of <paramref name="window"/> bytes
    /// that grows only as far as the longest line needs, up to <paramref name="maxWindow"/> (a longer line fails the
    /// parse). Lines are parsed as they arrive; when the window ends inside a line the parser moves that line's start
    /// to the front and reads on. Exceptions of the source (a limit, a timeout, a cut connection) come out of
    /// <see cref="Next"/>. Spans handed out are valid until the next call to <see cref="Next"/>, as for a whole body.
    /// Call <see cref="ReleaseWindow"/> when done, to give the pooled window back.
    /// </summary>
    public abstract void Reset(Stream source, int window = 64 * 1024, int maxWindow = 16 << 20);

    /// <summary>Gives back the window of a streamed body (<see cref="Reset(Stream, int, int)"/>); the parser needs a Reset after it.</summary>
    public abstract void ReleaseWindow();

    /// <summary>Moves to the next entry; throws <see cref="ExpositionParseException"/> on invalid input.</summary>
    public abstract Entry Next();

    /// <summary>After <see cref="Entry.Series"/>: the raw bytes of the metric name and label set as written (a cache key).</summary>
    public abstract ReadOnlySpan<byte> Series();

    /// <summary>After <see cref="Entry.Series"/>: the sample value (any NaN is returned as Prometheus's normal NaN, never the stale marker).</summary>
    public abstract double Value { get; }

    /// <summary>After <see cref="Entry.Series"/>: whether the sample carried a timestamp.</summary>
    public abstract bool HasTimestamp { get; }

    /// <summary>After <see cref="Entry.Series"/>: the sample timestamp in milliseconds since the epoch.</summary>
    public abstract long TimestampMs { get; }

    /// <summary>After <see cref="Entry.Series"/>: clears <paramref name="into"/> and fills it with <c>__name__</c> and the unescaped labels in written order.</summary>
    public abstract void GetLabels(List<Label> into);

    /// <summary>After <see cref="Entry.Series"/>: the sample's exemplar, if it has one (OpenMetrics only).</summary>
    public abstract bool TryGetExemplar(out Exemplar exemplar);

    /// <summary>After <see cref="Entry.Type"/>, <see cref="Entry.Help"/> or <see cref="Entry.Unit"/>: the family name.</summary>
    public abstract ReadOnlySpan<byte> MetricFamily();

    /// <summary>After <see cref="Entry.Type"/>: the declared type.</summary>
    public abstract MetricType Type { get; }

    /// <summary>After <see cref="Entry.Help"/>: the unescaped help text; after <see cref="Entry.Unit"/>: the unit; after <see cref="Entry.Comment"/>: the comment.</summary>
    public abstract string Text { get; }

    /// <summary>
    /// After <see cref="Entry.Series"/>: whether the sample is the <c>_created</c> sample of a counter, histogram or
    /// summary, which start-timestamp parsing takes as its series' start time instead of a sample (OpenMetrics only).
    /// </summary>
    public virtual bool IsCreatedSample => false;

    /// <summary>
    /// After <see cref="Entry.Series"/>: the start timestamp (ms) of a counter's, histogram's or summary's sample, from
    /// the family's <c>_created</c> sample with the same labels; false when there is none (OpenMetrics only).
    /// </summary>
    public virtual bool TryGetStartTimestamp(out long ms)
    {
        ms = 0;
        return false;
    }
}
