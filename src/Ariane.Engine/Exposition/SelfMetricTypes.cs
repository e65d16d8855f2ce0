namespace Ariane.Exposition;

/// <summary>
/// A summary for Ariane's own /metrics: a cumulative count and sum, and quantiles over the most recent observations
/// (the last <see cref="Window"/> ones no older than <see cref="MaxAge"/>), which is what Prometheus's client
/// summaries approximate with their sliding ten-minute window. Thread-safe; observing takes a short lock.
/// </summary>
public sealed class SlidingSummary
{
    /// <summary>Observations kept for the quantiles.</summary>
    public const int Window = 1024;

    /// <summary>How long an observation counts for the quantiles, as Prometheus's default summary max age.</summary>
    public static readonly TimeSpan MaxAge = TimeSpan.FromMinutes(10);

    private readonly double[] _values = new double[Window];
    private readonly long[] _at = new long[Window];
    private readonly object _gate = new();
    private int _next;
    private int _filled;
    private long _count;
    private double _sum;

    /// <summary>Observations so far.</summary>
    public long Count
    {
        get
        {
            lock (_gate)
            {
                return _count;
            }
        }
    }

    /// <summary>Records one observation made at <paramref name="nowMs"/> (Unix milliseconds).</summary>
    public void Observe(double value, long nowMs)
    {
        lock (_gate)
        {
            _values[_next] = value;
            _at[_next] = nowMs;
            _next = (_next + 1) % Window;
            _filled = Math.Min(_filled + 1, Window);
            _count++;
            _sum += value;
        }
    }

    /// <summary>
    /// Writes the summary's samples (<c>name{quantile=…}</c>, <c>name_sum</c>, <c>name_count</c>) with the given labels
    /// before the quantile label; the caller writes the family's HELP and TYPE lines. A quantile with no recent
    /// observation is NaN, as in Prometheus.
    /// </summary>
    public void Write(TextExpositionWriter w, string name, ReadOnlySpan<string> labelNames, ReadOnlySpan<string> labelValues, ReadOnlySpan<double> quantiles, long nowMs)
    {
        double[] recent;
        long count;
        double sum;
        lock (_gate)
        {
            count = _count;
            sum = _sum;
            long oldest = nowMs - (long)MaxAge.TotalMilliseconds;
            int n = 0;
            recent = new double[_filled];
            for (int i = 0; i < _filled; i++)
            {
                if (_at[i] >= oldest)
                {
                    recent[n++] = _values[i];
                }
            }
            Array.Resize(ref recent, n);
        }
        Array.Sort(recent);
        var names = new string[labelNames.Length + 1];
        var values = new string[labelNames.Length + 1];
        labelNames.CopyTo(names);
        labelValues.CopyTo(values);
        names[^1] = "quantile";
        foreach (double q in quantiles)
        {
            values[^1] = TextExpositionWriter.FormatValue(q);
            double v = recent.Length == 0 ? double.NaN : recent[Math.Clamp((int)Math.Ceiling(q * recent.Length) - 1, 0, recent.Length - 1)];
            w.Sample(name, names, values, v);
        }
        w.Sample(name + "_sum", labelNames, labelValues, sum);
        w.Sample(name + "_count", labelNames, labelValues, count);
    }
}

/// <summary>A cumulative histogram with fixed upper bounds, for Ariane's own /metrics. Thread-safe.</summary>
public sealed class FixedHistogram(double[] upperBounds)
{
    private readonly double[] _bounds = upperBounds;
    private readonly long[] _counts = new long[upperBounds.Length];
    private readonly object _gate = new();
    private long _count;
    private double _sum;

    /// <summary>Records one observation.</summary>
    public void Observe(double value)
    {
        lock (_gate)
        {
            for (int i = 0; i < _bounds.Length; i++)
            {
                if (value <= _bounds[i])
                {
                    _counts[i]++;
                    break;
                }
            }
            _count++;
            _sum += value;
        }
    }

    /// <summary>Writes <c>name_bucket{…,le=…}</c> (cumulative, with +Inf), <c>name_sum</c> and <c>name_count</c>.</summary>
    public void Write(TextExpositionWriter w, string name, ReadOnlySpan<string> labelNames, ReadOnlySpan<string> labelValues)
    {
        long[] counts;
        long count;
        double sum;
        lock (_gate)
        {
            counts = (long[])_counts.Clone();
            count = _count;
            sum = _sum;
        }
        var names = new string[labelNames.Length + 1];
        var values = new string[labelNames.Length + 1];
        labelNames.CopyTo(names);
        labelValues.CopyTo(values);
        names[^1] = "le";
        long cumulative = 0;
        for (int i = 0; i < _bounds.Length; i++)
        {
            cumulative += counts[i];
            values[^1] = TextExpositionWriter.FormatValue(_bounds[i]);
            w.Sample(name + "_bucket", names, values, cumulative);
        }
        values[^1] = "+Inf";
        w.Sample(name + "_bucket", names, values, count);
        w.Sample(name + "_sum", labelNames, labelValues, sum);
        w.Sample(name + "_count", labelNames, labelValues, count);
    }
}
