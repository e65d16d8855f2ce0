using Ariane.Tsdb.Chunks;

namespace Ariane.Tsdb;

// Out-of-order samples of a series: samples older than the series' newest one, accepted within the head's
// out-of-order window. They are rare, so they live apart from the in-order chunks, in an object only series
// that ever had one pay for: a sorted buffer of up to OooBufferCap samples, then immutable XOR chunks of
// sorted samples (which may overlap each other and the in-order chunks; queries merge them all).
internal sealed partial class MemSeries
{
    /// <summary>Samples held unencoded before they are cut into an out-of-order chunk (32 as Prometheus).</summary>
    public const int OooBufferCap = 32;

    /// <summary>The out-of-order part, kept in the series' <see cref="Extras"/>.</summary>
    private OooData? OooPart
    {
        get => _extras?.Ooo;
        set
        {
            if (value is not null)
            {
                (_extras ??= new Extras()).Ooo = value;
            }
            else if (_extras is not null)
            {
                _extras.Ooo = null;
                if (_extras.IsEmpty)
                {
                    _extras = null;
                }
            }
        }
    }

    /// <summary>True when the series holds out-of-order samples. Caller holds the lock.</summary>
    public bool HasOoo => OooPart is not null;

    /// <summary>The oldest out-of-order sample's time, or long.MaxValue. Caller holds the lock.</summary>
    public long OooMinT => OooPart?.MinT ?? long.MaxValue;

    /// <summary>
    /// Adds a sample older than the newest one. Same timestamp and value as an out-of-order sample already held
    /// is a no-op; the same timestamp with another value is refused. Caller holds the lock.
    /// </summary>
    public SampleResult AppendOoo(long t, double v)
    {
        // An in-order sample at that time already? (Rare enough to decode the chunk holding it.)
        var it = new SeriesIterator(Snapshot(), t, t);
        if (it.Next())
        {
            return BitConverter.DoubleToUInt64Bits(it.V) == BitConverter.DoubleToUInt64Bits(v) ? SampleResult.SameSample : SampleResult.DuplicateTimestamp;
        }
        var o = OooPart ??= new OooData();
        return o.Add(t, v);
    }

    /// <summary>
    /// Takes the series' lock for a snapshot of its in-order samples and a copy of its out-of-order ones (empty
    /// arrays when it has none), both of one moment: what queriers, deletion and checkpoints read.
    /// </summary>
    public SeriesSnapshot SnapshotLocked(out (long[] T, double[] V) ooo)
    {
        lock (this)
        {
            ooo = OooSnapshot();
            return Snapshot();
        }
    }

    /// <summary>Every out-of-order sample, sorted by time (a fresh copy for a querier). Caller holds the lock.</summary>
    public (long[] T, double[] V) OooSnapshot() => OooPart is null ? ([], []) : OooPart.All();

    /// <summary>Drops out-of-order samples before <paramref name="mint"/>; returns how many. Caller holds the lock.</summary>
    public int TruncateOooBefore(long mint)
    {
        if (OooPart is null || OooPart.MinT >= mint)
        {
            return 0;
        }
        var (ts, vs) = OooPart.All();
        int keep = 0;
        while (keep < ts.Length && ts[keep] < mint)
        {
            keep++;
        }
        int dropped = keep;
        if (keep == ts.Length)
        {
            OooPart = null;
            return dropped;
        }
        var o = new OooData();
        for (int i = keep; i < ts.Length; i++)
        {
            o.Add(ts[i], vs[i]);
        }
        OooPart = o;
        return dropped;
    }

    private sealed class OooData
    {
        private readonly long[] _t = new long[OooBufferCap];
        private readonly double[] _v = new double[OooBufferCap];
        private int _n;
        private List<(byte[] Data, int Count, long MinT, long MaxT)>? _chunks;

        public long MinT = long.MaxValue;

        public SampleResult Add(long t, double v)
        {
            int i = Array.BinarySearch(_t, 0, _n, t);
            if (i >= 0)
            {
                return BitConverter.DoubleToUInt64Bits(_v[i]) == BitConverter.DoubleToUInt64Bits(v) ? SampleResult.SameSample : SampleResult.DuplicateTimestamp;
            }
            if (_chunks is not null)
            {
                foreach (var c in _chunks)
                {
                    if (t >= c.MinT && t <= c.MaxT && Find(c.Data, c.Count, t, out ulong bits))
                    {
                        return bits == BitConverter.DoubleToUInt64Bits(v) ? SampleResult.SameSample : SampleResult.DuplicateTimestamp;
                    }
                }
            }
            i = ~i;
            Array.Copy(_t, i, _t, i + 1, _n - i);
            Array.Copy(_v, i, _v, i + 1, _n - i);
            _t[i] = t;
            _v[i] = v;
            _n++;
            MinT = Math.Min(MinT, t);
            if (_n == OooBufferCap)
            {
                var app = new XorAppender(OooBufferCap * 4);
                for (int k = 0; k < _n; k++)
                {
                    app.Append(_t[k], _v[k]);
                }
                (_chunks ??= []).Add((app.Trimmed(), _n, _t[0], _t[_n - 1]));
                _n = 0;
            }
            return SampleResult.Appended;
        }

        private static bool Find(byte[] data, int count, long t, out ulong bits)
        {
            var it = new XorIterator(data, count);
            while (it.Next())
            {
                if (it.T == t)
                {
                    bits = BitConverter.DoubleToUInt64Bits(it.V);
                    return true;
                }
            }
            bits = 0;
            return false;
        }

        // All samples merged into one sorted array (chunks may overlap; timestamps are unique across them).
        public (long[] T, double[] V) All()
        {
            int total = _n;
            if (_chunks is not null)
            {
                foreach (var c in _chunks)
                {
                    total += c.Count;
                }
            }
            var ts = new long[total];
            var vs = new double[total];
            Array.Copy(_t, ts, _n);
            Array.Copy(_v, vs, _n);
            int at = _n;
            if (_chunks is not null)
            {
                foreach (var c in _chunks)
                {
                    var it = new XorIterator(c.Data, c.Count);
                    while (it.Next())
                    {
                        ts[at] = it.T;
                        vs[at] = it.V;
                        at++;
                    }
                }
            }
            Array.Sort(ts, vs);
            return (ts, vs);
        }
    }
}
