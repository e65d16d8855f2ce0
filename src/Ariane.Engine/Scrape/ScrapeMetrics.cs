using System.Collections.Concurrent;
using Ariane.Exposition;
using Ariane.Storage;

namespace Ariane.Scrape;

/// <summary>
/// The scrape layer's counters and timings for Ariane's own /metrics, under what Prometheus calls them
/// (<c>prometheus_target_*</c>). Process-wide, like Prometheus's default registry: there is one scrape manager per
/// server, and a counter must survive a pool being rebuilt by a reload.
/// </summary>
public static class ScrapeMetrics
{
    private static long _outOfOrder;
    private static long _outOfBounds;
    private static long _duplicate;
    private static long _sampleLimit;
    private static long _bodySizeLimit;
    private static long _labelLimits;

    /// <summary>Actual intervals between scrapes, by configured interval (<c>prometheus_target_interval_length_seconds</c>).</summary>
    public static ConcurrentDictionary<string, SlidingSummary> Intervals { get; } = new(StringComparer.Ordinal);

    /// <summary>Time to apply a discovery update to a pool, by job (<c>prometheus_target_sync_length_seconds</c>).</summary>
    public static ConcurrentDictionary<string, SlidingSummary> SyncLength { get; } = new(StringComparer.Ordinal);

    /// <summary>Scraped samples refused as out of order.</summary>
    public static long SampleOutOfOrder => Interlocked.Read(ref _outOfOrder);

    /// <summary>Scraped samples refused as older than the head accepts.</summary>
    public static long SampleOutOfBounds => Interlocked.Read(ref _outOfBounds);

    /// <summary>Scraped samples refused for a duplicate timestamp with another value.</summary>
    public static long SampleDuplicateTimestamp => Interlocked.Read(ref _duplicate);

    /// <summary>Scrapes failed for exceeding <c>sample_limit</c>.</summary>
    public static long ExceededSampleLimit => Interlocked.Read(ref _sampleLimit);

    /// <summary>Scrapes failed for exceeding <c>body_size_limit</c>.</summary>
    public static long ExceededBodySizeLimit => Interlocked.Read(ref _bodySizeLimit);

    /// <summary>Scrapes failed for exceeding <c>label_limit</c>, <c>label_name_length_limit</c> or <c>label_value_length_limit</c>.</summary>
    public static long ExceededLabelLimits => Interlocked.Read(ref _labelLimits);

    /// <summary>Counts a scraped sample that storage refused.</summary>
    public static void Rejected(AppendStatus status)
    {
        switch (status)
        {
            case AppendStatus.OutOfOrder or AppendStatus.TooOld: Interlocked.Increment(ref _outOfOrder); break;
            case AppendStatus.OutOfBounds: Interlocked.Increment(ref _outOfBounds); break;
            case AppendStatus.DuplicateTimestamp: Interlocked.Increment(ref _duplicate); break;
        }
    }

    /// <summary>Counts a failed scrape by the limit it exceeded, if any (the scrape errors name the limit).</summary>
    public static void Failed(string error)
    {
        if (error.Contains("sample limit", StringComparison.Ordinal))
        {
            Interlocked.Increment(ref _sampleLimit);
        }
        else if (error.Contains("body size limit", StringComparison.Ordinal))
        {
            Interlocked.Increment(ref _bodySizeLimit);
        }
        else if (error.Contains("label_limit", StringComparison.Ordinal) || error.Contains("label_name_length_limit", StringComparison.Ordinal)
            || error.Contains("label_value_length_limit", StringComparison.Ordinal))
        {
            Interlocked.Increment(ref _labelLimits);
        }
    }

    /// <summary>Records the time between the starts of two consecutive scrapes of a target.</summary>
    public static void ObserveInterval(TimeSpan configured, TimeSpan actual, long nowMs)
    {
        string key = FormatInterval(configured);
        Intervals.GetOrAdd(key, static _ => new SlidingSummary()).Observe(actual.TotalSeconds, nowMs);
    }

    /// <summary>Records how long a pool took to apply a discovery update.</summary>
    public static void ObserveSync(string job, TimeSpan took, long nowMs) =>
        SyncLength.GetOrAdd(job, static _ => new SlidingSummary()).Observe(took.TotalSeconds, nowMs);

    /// <summary>An interval as Prometheus's model.Duration prints it (15s, 1m, 1m30s), the label value Prometheus uses.</summary>
    public static string FormatInterval(TimeSpan d)
    {
        long ms = (long)d.TotalMilliseconds;
        if (ms == 0)
        {
            return "0s";
        }
        var sb = new System.Text.StringBuilder();
        void Part(long unit, string suffix)
        {
            if (ms >= unit)
            {
                sb.Append(ms / unit).Append(suffix);
                ms %= unit;
            }
        }
        Part(365L * 24 * 3600_000, "y");
        Part(7L * 24 * 3600_000, "w");
        Part(24L * 3600_000, "d");
        Part(3600_000, "h");
        Part(60_000, "m");
        Part(1000, "s");
        Part(1, "ms");
        return sb.ToString();
    }
}
