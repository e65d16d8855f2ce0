namespace Ariane.Bench.Load;

/// <summary>
/// A deterministic data set for the side-by-side benchmarks: its series' labels (encoded once for remote write), its
/// sample grid (<see cref="Steps"/> samples every <see cref="IntervalMs"/> ending at the end time) and the values at each
/// step. The loader sends it, the in-process harness appends it to a head; every system gets the same samples.
/// </summary>
internal abstract class SeriesData
{
    private readonly List<byte[]> _labels = [];   // encoded Label messages of each series (TimeSeries field 1)
    private readonly List<(string Name, string Value)[]> _pairs = [];

    protected SeriesData(long endMs, double hours, long intervalMs)
    {
        IntervalMs = intervalMs;
        Steps = (int)(hours * 3600_000 / intervalMs);
        StartMs = endMs - (long)(Steps - 1) * intervalMs;
    }

    public int SeriesCount => _labels.Count;
    public long IntervalMs { get; }
    public long StartMs { get; }
    public int Steps { get; }

    /// <summary>An instant query that counts, at the last timestamp, every series of the set (the loader's <c>wait</c>).</summary>
    public abstract string CountQuery { get; }

    /// <summary>The labels of series <paramref name="s"/>, sorted by name (for loading the set in-process).</summary>
    public (string Name, string Value)[] LabelPairs(int s) => _pairs[s];

    /// <summary>Advances every series to step k (0 is the first sample) and returns the values.</summary>
    public abstract ReadOnlySpan<double> Step(int k);

    /// <summary>Whether series <paramref name="s"/> has a sample at step <paramref name="k"/> (all do, unless a set says otherwise).</summary>
    public virtual bool Present(int s, int k) => true;

    /// <summary>The number of samples of the whole set.</summary>
    public long SampleCount()
    {
        long n = 0;
        for (int s = 0; s < SeriesCount; s++)
        {
            for (int k = 0; k < Steps; k++)
            {
                n += Present(s, k) ? 1 : 0;
            }
        }

        return n;
    }

    /// <summary>Adds a series; <paramref name="pairs"/> is sorted here.</summary>
    protected void AddSeries(List<(string Name, string Value)> pairs)
    {
        pairs.Sort((a, b) => string.CompareOrdinal(a.Name, b.Name));
        var buf = new Proto();
        foreach (var (n, v) in pairs)
        {
            var l = new Proto();
            l.String(1, n);
            l.String(2, v);
            buf.Bytes(1, l.ToArray());
        }
        _labels.Add(buf.ToArray());
        _pairs.Add([.. pairs]);
    }

    /// <summary>A uniform double in [0, 1) from a seed, a key and a step (SplitMix64 finaliser).</summary>
    protected static double Uniform(ulong seed, ulong key, ulong step)
    {
        ulong z = seed * 0x9E3779B97F4A7C15UL ^ key * 0xBF58476D1CE4E5B9UL ^ step * 0x94D049BB133111EBUL;
        z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9UL;
        z = (z ^ (z >> 27)) * 0x94D049BB133111EBUL;
        z ^= z >> 31;
        return (z >> 11) * (1.0 / (1UL << 53));
    }

    /// <summary>
    /// A WriteRequest (uncompressed protobuf) holding, for every series, the samples of steps [from, to) it has; values
    /// is the row-major matrix (step - from) x series of the values produced by <see cref="Step"/>.
    /// </summary>
    public byte[] Encode(int from, int to, double[] values, Proto req, Proto ts)
    {
        req.Clear();
        int n = SeriesCount;
        for (int s = 0; s < n; s++)
        {
            ts.Clear();
            ts.Raw(_labels[s]);
            bool any = false;
            for (int k = from; k < to; k++)
            {
                if (!Present(s, k))
                {
                    continue;
                }

                any = true;
                // Sample: field 1 double value, field 2 int64 timestamp; 1 + 8 + 1 + varint bytes.
                long t = StartMs + (long)k * IntervalMs;
                ts.Tag(2, 2);
                ts.Varint((ulong)(10 + Proto.VarintSize((ulong)t)));
                ts.Tag(1, 1);
                ts.Double(values[(k - from) * n + s]);
                ts.Tag(2, 0);
                ts.Varint((ulong)t);
            }
            if (any)
            {
                req.Bytes(1, ts.Span);
            }
        }
        return req.ToArray();
    }
}

/// <summary>
/// The high-cardinality set of the vector-matching queries (issue 10): <c>lq{i, grp, mod}</c>, one series per
/// <c>i</c> (unique), 100 values of <c>grp</c>, 3 of <c>mod</c>, integer values 0..999 drawn afresh at every
/// step (so sums of products stay exact in any order and <c>lq &gt; 500</c> keeps about half). Every 50th series
/// starts half-way, so the matching sides' series are not present at every step.
/// </summary>
internal sealed class JoinDataSet : SeriesData
{
    public const int Groups = 100;
    public const int Mods = 3;

    private readonly double[] _values;
    private readonly ulong _seed;

    public JoinDataSet(int series, long endMs, double hours, long intervalMs, ulong seed)
        : base(endMs, hours, intervalMs)
    {
        _seed = seed;
        var ic = System.Globalization.CultureInfo.InvariantCulture;
        for (int s = 0; s < series; s++)
        {
            AddSeries(
            [
                ("__name__", "lq"),
                ("i", s.ToString(ic)),
                ("grp", "g" + (s % Groups).ToString("D2", ic)),
                ("mod", "m" + (s % Mods).ToString(ic)),
            ]);
        }
        _values = new double[series];
    }

    /// <inheritdoc/>
    public override string CountQuery => "count(lq)";

    /// <inheritdoc/>
    public override bool Present(int s, int k) => s % 50 != 0 || k >= Steps / 2;

    /// <inheritdoc/>
    public override ReadOnlySpan<double> Step(int k)
    {
        for (int s = 0; s < _values.Length; s++)
        {
            _values[s] = Math.Floor(1000 * Uniform(_seed, (ulong)s, (ulong)k));
        }

        return _values;
    }
}
