using System.Buffers;

namespace Ariane.Bench.Targets;

/// <summary>
/// One synthetic exporter: the values of every series in a <see cref="SeriesLayout"/>, moved on each scrape
/// (counters up, gauges on a random walk, histograms by a batch of new observations) and rendered as
/// Prometheus text format 0.0.4 into a pooled buffer.
/// </summary>
public sealed class SyntheticTarget
{
    // Share of a scrape's new observations that fall in each bucket (not cumulative), roughly log-normal.
    private static readonly double[] BucketShares = [0.02, 0.05, 0.12, 0.18, 0.22, 0.18, 0.11, 0.06, 0.03, 0.02, 0.007, 0.003];

    // A representative observation for each bucket, for the _sum.
    private static readonly double[] BucketMidpoints = [0.003, 0.008, 0.018, 0.04, 0.075, 0.18, 0.38, 0.75, 1.8, 3.8, 7.5, 15];

    private readonly SeriesLayout _layout;
    private readonly double[] _values;
    private readonly Random _random;
    private readonly int _capacity;
    private readonly Lock _lock = new();

    /// <summary>Creates a target with the layout's start values.</summary>
    public SyntheticTarget(SeriesLayout layout, int seed)
    {
        _layout = layout;
        _random = new Random(seed);
        _values = new double[layout.Count];
        int capacity = 0;
        for (int i = 0; i < layout.Count; i++)
        {
            _values[i] = layout.Starts[i];
            capacity += layout.Prefixes[i].Length + 32;
        }

        foreach (byte[] header in layout.Headers.Values)
        {
            capacity += header.Length;
        }

        _capacity = capacity;
    }

    /// <summary>
    /// Advances every value by one scrape and renders the exposition into a buffer rented from
    /// <see cref="ArrayPool{T}.Shared"/>; the caller returns it.
    /// </summary>
    public byte[] Scrape(out int length)
    {
        byte[] buffer = ArrayPool<byte>.Shared.Rent(_capacity);
        lock (_lock)
        {
            Advance();
            length = Render(buffer);
        }

        return buffer;
    }

    private void Advance()
    {
        IReadOnlyList<SeriesKind> kinds = _layout.Kinds;
        IReadOnlyList<double> rates = _layout.Rates;
        for (int i = 0; i < _values.Length; i++)
        {
            switch (kinds[i])
            {
                case SeriesKind.Counter:
                    double rate = rates[i];
                    double increment = Math.Abs(rate) * (0.5 + _random.NextDouble());
                    _values[i] += rate < 0 ? Math.Round(increment) : increment;
                    break;
                case SeriesKind.Gauge:
                    double step = _values[i] * rates[i] * (2 * _random.NextDouble() - 1);
                    double next = Math.Abs(_values[i] + step);
                    _values[i] = _values[i] >= 1000 ? Math.Round(next) : next;
                    break;
                case SeriesKind.Bucket:
                    i = AdvanceHistogram(i);
                    break;
                default:
                    break;
            }
        }
    }

    // Adds a batch of observations to the histogram whose first bucket is at index first; returns the index of
    // its _count, the last series of the group.
    private int AdvanceHistogram(int first)
    {
        int observations = 20 + _random.Next(180);
        double cumulative = 0;
        double sum = 0;
        for (int b = 0; b < BucketShares.Length; b++)
        {
            double added = Math.Round(observations * BucketShares[b] * (0.5 + _random.NextDouble()));
            cumulative += added;
            sum += added * BucketMidpoints[b] * (0.8 + 0.4 * _random.NextDouble());
            _values[first + b] += cumulative;
        }

        int sumIndex = first + BucketShares.Length;
        _values[sumIndex] += sum;
        _values[sumIndex + 1] += cumulative;
        return sumIndex + 1;
    }

    private int Render(byte[] buffer)
    {
        Span<byte> span = buffer;
        int position = 0;
        IReadOnlyList<byte[]> prefixes = _layout.Prefixes;
        IReadOnlyDictionary<int, byte[]> headers = _layout.Headers;
        for (int i = 0; i < _values.Length; i++)
        {
            if (headers.TryGetValue(i, out byte[]? header))
            {
                header.CopyTo(span[position..]);
                position += header.Length;
            }

            byte[] prefix = prefixes[i];
            prefix.CopyTo(span[position..]);
            position += prefix.Length;
            if (!SeriesLayout.TryFormat(_values[i], span[position..], out int written))
            {
                throw new InvalidOperationException("render buffer too small");
            }

            position += written;
            span[position++] = (byte)'\n';
        }

        return position;
    }
}
