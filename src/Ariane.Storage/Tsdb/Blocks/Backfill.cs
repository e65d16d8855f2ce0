using Ariane.Model;

namespace Ariane.Tsdb.Blocks;

/// <summary>The samples of one series gathered in memory, in arrival order, before they are written to a block.</summary>
internal sealed class SeriesSamples(Labels labels)
{
    public Labels Labels { get; } = labels;

    public long[] T { get; private set; } = new long[8];

    public double[] V { get; private set; } = new double[8];

    public int Count { get; private set; }

    public void Add(long t, double v)
    {
        if (Count == T.Length)
        {
            var nt = new long[T.Length * 2];
            var nv = new double[T.Length * 2];
            T.AsSpan(0, Count).CopyTo(nt);
            V.AsSpan(0, Count).CopyTo(nv);
            T = nt;
            V = nv;
        }
        T[Count] = t;
        V[Count] = v;
        Count++;
    }

    /// <summary>
    /// Sorts by time (the first sample of a timestamp, in arrival order, is kept; later ones are removed) and
    /// returns how many samples were removed because they repeated a timestamp with another value.
    /// </summary>
    public int SortAndDedupe()
    {
        bool sorted = true;
        for (int i = 1; i < Count && sorted; i++)
        {
            sorted = T[i] > T[i - 1];
        }
        if (!sorted)
        {
            // Stable: order by time, then arrival, so that the first sample of a repeated timestamp wins.
            var order = new (long T, int I)[Count];
            for (int i = 0; i < Count; i++)
            {
                order[i] = (T[i], i);
            }
            Array.Sort(order);
            var nt = new long[Count];
            var nv = new double[Count];
            for (int i = 0; i < Count; i++)
            {
                nt[i] = order[i].T;
                nv[i] = V[order[i].I];
            }
            T = nt;
            V = nv;
        }
        int n = 0, conflicts = 0;
        for (int i = 0; i < Count; i++)
        {
            if (n > 0 && T[i] == T[n - 1])
            {
                if (BitConverter.DoubleToUInt64Bits(V[i]) != BitConverter.DoubleToUInt64Bits(V[n - 1]))
                {
                    conflicts++;
                }
                continue;
            }
            T[n] = T[i];
            V[n] = V[i];
            n++;
        }
        Count = n;
        return conflicts;
    }
}

/// <summary>What writing one block of gathered samples did.</summary>
internal readonly record struct BackfillBlock(BlockMeta Meta, int ConflictingSamples);

/// <summary>
/// Writes blocks of history (backfill): from series gathered in memory (<see cref="WriteBlock"/>), or from samples
/// arriving in any order over any time range (<see cref="Add(int, long, double)"/>, then <see cref="Finish"/>), cut
/// into windows aligned to the block duration, one block per window that has samples.
/// </summary>
/// <remarks>
/// Memory stays bounded by one window, not by the input: samples are appended to a spill file per window (in
/// <c>backfill-&lt;ulid&gt;.tmp/</c> under the output folder, deleted at the end; a crash leaves a <c>.tmp</c>
/// folder that opening the database removes) through in-memory buffers of at most <c>spillBufferBytes</c> in all;
/// <see cref="Finish"/> then reads one window at a time. What stays in memory throughout is one copy of each
/// series' labels.
/// </remarks>
internal sealed class BlockBackfiller : IDisposable
{
    private const int DefaultSpillBufferBytes = 32 << 20;

    private readonly string _outDir;
    private readonly string _spillDir;
    private readonly long _range;
    private readonly long _spillBufferBytes;
    private readonly TimeProvider _time;
    private readonly Dictionary<Labels, int> _ids = [];
    private readonly List<Labels> _labels = [];
    private readonly Dictionary<long, ByteBuffer> _pending = [];
    private readonly HashSet<long> _spilled = [];
    private long _pendingBytes;
    private bool _disposed;

    public BlockBackfiller(string outDir, TimeSpan blockDuration, TimeProvider time, long spillBufferBytes = DefaultSpillBufferBytes)
    {
        _range = (long)blockDuration.TotalMilliseconds;
        if (_range <= 0)
        {
            throw new ArgumentOutOfRangeException(nameof(blockDuration), "the block duration must be positive");
        }
        _outDir = outDir;
        _time = time;
        _spillBufferBytes = spillBufferBytes;
        Directory.CreateDirectory(outDir);
        long now = time.GetUtcNow().ToUnixTimeMilliseconds();
        LatestAllowed = TsdbOptions.LatestValidTime(now, TsdbOptions.DefaultMaxFutureTime);
        _spillDir = Path.Combine(outDir, "backfill-" + Ulid.New(now) + BlockWriter.TmpSuffix);
        Directory.CreateDirectory(_spillDir);
    }

    /// <summary>Samples added.</summary>
    public long Samples { get; private set; }

    /// <summary>
    /// The newest timestamp a caller should add (ms): by default the clock plus <see cref="TsdbOptions.DefaultMaxFutureTime"/>,
    /// as the head accepts, so that a backfill cannot write blocks that reach far ahead of the clock.
    /// </summary>
    public long LatestAllowed { get; init; }

    /// <summary>Distinct series seen.</summary>
    public int SeriesCount => _labels.Count;

    /// <summary>The oldest and newest timestamps added (long.MaxValue and long.MinValue before any).</summary>
    public long MinTime { get; private set; } = long.MaxValue;

    /// <inheritdoc cref="MinTime"/>
    public long MaxTime { get; private set; } = long.MinValue;

    /// <summary>The id of a series, for <see cref="Add(int, long, double)"/>; the same labels give the same id.</summary>
    public int SeriesId(Labels labels)
    {
        if (!_ids.TryGetValue(labels, out int id))
        {
            id = _labels.Count;
            _labels.Add(labels);
            _ids.Add(labels, id);
        }
        return id;
    }

    /// <summary>Adds a sample of series <paramref name="id"/>; samples may come in any order.</summary>
    public void Add(int id, long t, double v)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        long w = WindowStart(t);
        if (!_pending.TryGetValue(w, out var buf))
        {
            buf = new ByteBuffer(4096);
            _pending.Add(w, buf);
        }
        int before = buf.Length;
        buf.Uvarint((uint)id);
        buf.Varint(t - w);
        buf.U64(BitConverter.DoubleToUInt64Bits(v));
        _pendingBytes += buf.Length - before;
        Samples++;
        MinTime = Math.Min(MinTime, t);
        MaxTime = Math.Max(MaxTime, t);
        if (_pendingBytes >= _spillBufferBytes)
        {
            Spill();
        }
    }

    private long WindowStart(long t)
    {
        long r = t % _range;
        return t - (r < 0 ? r + _range : r);
    }

    private string SpillFile(long window) => Path.Combine(_spillDir, window.ToString(System.Globalization.CultureInfo.InvariantCulture));

    private void Spill()
    {
        foreach (var (w, buf) in _pending)
        {
            using var f = new FileStream(SpillFile(w), FileMode.Append, FileAccess.Write, FileShare.None, 1 << 16);
            f.Write(buf.Span);
            _spilled.Add(w);
        }
        _pending.Clear();
        _pendingBytes = 0;
    }

    /// <summary>
    /// Writes one block per window, oldest first, calling <paramref name="written"/> after each, and removes the spill
    /// files. The backfiller cannot be used afterwards.
    /// </summary>
    public List<BackfillBlock> Finish(Action<BackfillBlock>? written = null)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        Spill();
        var windows = new List<long>(_spilled);
        windows.Sort();
        var result = new List<BackfillBlock>();
        foreach (long w in windows)
        {
            var series = ReadWindow(w);
            File.Delete(SpillFile(w));
            if (WriteBlock(_outDir, series, _time) is { } b)
            {
                result.Add(b);
                written?.Invoke(b);
            }
        }
        Dispose();
        return result;
    }

    private List<SeriesSamples> ReadWindow(long w)
    {
        var byId = new Dictionary<int, SeriesSamples>();
        using var f = new FileStream(SpillFile(w), FileMode.Open, FileAccess.Read, FileShare.Read, 1 << 16);
        var buf = new byte[1 << 16];
        int have = 0;
        while (true)
        {
            int n = f.Read(buf, have, buf.Length - have);
            have += n;
            if (have == 0)
            {
                break;
            }
            // Decode whole records; a record is at most 5 + 10 + 8 bytes, so keep any shorter tail for the next read.
            int pos = 0;
            while (have - pos >= 23 || (n == 0 && pos < have))
            {
                var r = new ByteReader(buf.AsSpan(pos, have - pos));
                int id = (int)r.Uvarint();
                long t = w + r.Varint();
                double v = BitConverter.UInt64BitsToDouble(r.U64());
                pos += r.Position;
                if (!byId.TryGetValue(id, out var s))
                {
                    s = new SeriesSamples(_labels[id]);
                    byId.Add(id, s);
                }
                s.Add(t, v);
            }
            Buffer.BlockCopy(buf, pos, buf, 0, have - pos);
            have -= pos;
            if (n == 0)
            {
                break;
            }
        }
        return [.. byId.Values];
    }

    /// <summary>
    /// Writes the gathered series as one block spanning their samples (the block's max time is the newest sample
    /// plus 1 ms, as promtool's blocks); series may come in any order, samples in any order. Returns null when there
    /// is no sample.
    /// </summary>
    public static BackfillBlock? WriteBlock(string outDir, List<SeriesSamples> series, TimeProvider time)
    {
        series.Sort(static (a, b) => a.Labels.CompareTo(b.Labels));
        var merged = new List<SeriesSamples>(series.Count);
        foreach (var s in series)
        {
            if (merged.Count > 0 && merged[^1].Labels.Equals(s.Labels))
            {
                // The same series twice (a remote-read answer may repeat one): fold it into the first.
                for (int i = 0; i < s.Count; i++)
                {
                    merged[^1].Add(s.T[i], s.V[i]);
                }
                continue;
            }
            merged.Add(s);
        }
        int conflicts = 0;
        long mint = long.MaxValue, maxt = long.MinValue;
        var list = new List<Storage.ISeries>(merged.Count);
        foreach (var s in merged)
        {
            conflicts += s.SortAndDedupe();
            if (s.Count == 0)
            {
                continue;
            }
            mint = Math.Min(mint, s.T[0]);
            maxt = Math.Max(maxt, s.T[s.Count - 1]);
            list.Add(new ArraySeries(s.Labels, s.T, s.V, s.Count));
        }
        if (list.Count == 0)
        {
            return null;
        }
        var meta = BlockWriter.Write(outDir, mint, maxt + 1, new ListSeriesSet(list), BlockLineage.Fresh, time);
        return meta is null ? null : new BackfillBlock(meta, conflicts);
    }

    /// <summary>Deletes the spill files.</summary>
    public void Dispose()
    {
        if (_disposed)
        {
            return;
        }
        _disposed = true;
        _pending.Clear();
        try
        {
            if (Directory.Exists(_spillDir))
            {
                Directory.Delete(_spillDir, recursive: true);
            }
        }
        catch (IOException)
        {
        }
    }
}
