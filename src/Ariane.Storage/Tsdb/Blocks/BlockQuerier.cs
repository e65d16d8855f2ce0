using System.Runtime.CompilerServices;
using Ariane.Model;
using Ariane.Storage;
using Ariane.Tsdb.Chunks;

namespace Ariane.Tsdb.Blocks;

/// <summary>Resolves label matchers to a block's sorted series ids, as <see cref="MemPostings.Select"/> does for the head.</summary>
internal static class BlockPostings
{
    public static uint[] Select(IndexReader ix, ReadOnlySpan<LabelMatcher> matchers)
    {
        uint[]? acc = null;
        foreach (var m in matchers)
        {
            if (m.MatchesEmpty)
            {
                continue;
            }
            var u = m.Type == MatcherType.Equal ? ix.Postings(m.Name, m.Value) : Union(ix, m, invert: false);
            acc = acc is null ? u : Intersect(acc, u);
            if (acc.Length == 0)
            {
                return acc;
            }
        }
        acc ??= ix.AllPostings();
        foreach (var m in matchers)
        {
            if (!m.MatchesEmpty)
            {
                continue;
            }
            var sub = Union(ix, m, invert: true);
            if (sub.Length > 0)
            {
                acc = Subtract(acc, sub);
            }
        }
        return acc;
    }

    private static uint[] Union(IndexReader ix, LabelMatcher m, bool invert)
    {
        var lists = new List<uint[]>();
        ix.PostingsMatching(m.Name, v => m.Matches(v) != invert, lists);
        if (lists.Count == 0)
        {
            return [];
        }
        if (lists.Count == 1)
        {
            return lists[0];
        }
        int total = 0;
        foreach (var l in lists)
        {
            total += l.Length;
        }
        var all = new uint[total];
        int at = 0;
        foreach (var l in lists)
        {
            l.CopyTo(all, at);
            at += l.Length;
        }
        Array.Sort(all);
        int n = 0;
        for (int i = 0; i < all.Length; i++)
        {
            if (n == 0 || all[n - 1] != all[i])
            {
                all[n++] = all[i];
            }
        }
        return n == all.Length ? all : all[..n];
    }

    private static uint[] Intersect(uint[] a, uint[] b)
    {
        var r = new uint[Math.Min(a.Length, b.Length)];
        int i = 0, j = 0, n = 0;
        while (i < a.Length && j < b.Length)
        {
            if (a[i] < b[j])
            {
                i++;
            }
            else if (a[i] > b[j])
            {
                j++;
            }
            else
            {
                r[n++] = a[i];
                i++;
                j++;
            }
        }
        return n == r.Length ? r : r[..n];
    }

    private static uint[] Subtract(uint[] a, uint[] b)
    {
        var r = new uint[a.Length];
        int j = 0, n = 0;
        foreach (uint x in a)
        {
            while (j < b.Length && b[j] < x)
            {
                j++;
            }
            if (j < b.Length && b[j] == x)
            {
                continue;
            }
            r[n++] = x;
        }
        return n == r.Length ? r : r[..n];
    }
}

/// <summary>Reads one block over [mint, maxt]. Series come in label order (the block's ids are in label order).</summary>
internal sealed class BlockQuerier : IQuerier
{
    private readonly Block _block;
    private readonly long _mint;
    private readonly long _maxt;
    private int _disposed;

    public BlockQuerier(Block block, long mint, long maxt)
    {
        _block = block;
        // Clamp to the block's own range: its MaxTime is exclusive.
        _mint = Math.Max(mint, block.Meta.MinTime);
        _maxt = Math.Min(maxt, block.Meta.MaxTime - 1);
    }

    public ISeriesSet Select(bool sorted, params ReadOnlySpan<LabelMatcher> matchers)
    {
        var result = new List<ISeries>();
        if (_mint > _maxt)
        {
            return new ListSeriesSet(result);
        }
        var ix = _block.Index;
        var tomb = _block.Tombstones;
        var ids = BlockPostings.Select(ix, matchers);
        var metas = new List<ChunkMeta>();
        foreach (uint id in ids)
        {
            metas.Clear();
            var labels = ix.Series(id, metas);
            int first = -1, last = -1;
            for (int i = 0; i < metas.Count; i++)
            {
                if (metas[i].MaxT >= _mint && metas[i].MinT <= _maxt)
                {
                    if (first < 0)
                    {
                        first = i;
                    }
                    last = i;
                }
            }
            if (first < 0)
            {
                continue;
            }
            var deleted = tomb.Get(id);
            if (deleted is not null && Covered(deleted, metas[first].MinT, metas[last].MaxT))
            {
                continue;
            }
            var chunks = metas.GetRange(first, last - first + 1).ToArray();
            result.Add(new BlockSeries(_block, labels, chunks, _mint, _maxt, deleted));
        }
        return new ListSeriesSet(result);
    }

    // True when the intervals cover [mint, maxt] entirely.
    private static bool Covered(Interval[] ivs, long mint, long maxt)
    {
        foreach (var iv in ivs)
        {
            if (iv.MinT <= mint && iv.MaxT >= maxt)
            {
                return true;
            }
        }
        return false;
    }

    public IReadOnlyList<string> LabelValues(string name, params ReadOnlySpan<LabelMatcher> matchers)
    {
        if (_mint > _maxt)
        {
            return [];
        }
        if (matchers.IsEmpty)
        {
            return _block.Index.LabelValues(name);
        }
        var set = new HashSet<string>(StringComparer.Ordinal);
        foreach (uint id in BlockPostings.Select(_block.Index, matchers))
        {
            string v = _block.Index.Series(id, null).Get(name);
            if (v.Length > 0)
            {
                set.Add(v);
            }
        }
        return Sorted(set);
    }

    public IReadOnlyList<string> LabelNames(params ReadOnlySpan<LabelMatcher> matchers)
    {
        if (_mint > _maxt)
        {
            return [];
        }
        if (matchers.IsEmpty)
        {
            return _block.Index.LabelNames();
        }
        var set = new HashSet<string>(StringComparer.Ordinal);
        foreach (uint id in BlockPostings.Select(_block.Index, matchers))
        {
            foreach (ref readonly var l in _block.Index.Series(id, null).AsSpan())
            {
                set.Add(l.Name);
            }
        }
        return Sorted(set);
    }

    private static List<string> Sorted(HashSet<string> set)
    {
        var list = new List<string>(set);
        list.Sort(StringComparer.Ordinal);
        return list;
    }

    public void Dispose()
    {
        if (Interlocked.Exchange(ref _disposed, 1) == 0)
        {
            _block.Release();
        }
    }
}

/// <summary>A read-once list of series.</summary>
internal sealed class ListSeriesSet(List<ISeries> series) : ISeriesSet
{
    private int _i = -1;

    public bool MoveNext() => ++_i < series.Count;

    public ISeries Current => series[_i];
}

/// <summary>One series of a block as a querier selected it: its chunks overlapping the range.</summary>
internal sealed class BlockSeries(Block block, Labels labels, ChunkMeta[] chunks, long mint, long maxt, Interval[]? deleted) : ISeries
{
    public Labels Labels => labels;

    public ISampleIterator Iterator(ISampleIterator? reuse = null)
    {
        if (reuse is BlockSeriesIterator it)
        {
            it.Reset(block, chunks, mint, maxt, deleted);
            return it;
        }
        return new BlockSeriesIterator(block, chunks, mint, maxt, deleted);
    }
}

/// <summary>
/// Walks a block series' chunks in order within [mint, maxt], skipping deleted intervals. Each chunk is read in
/// place from the memory map (its CRC checked) and decoded whole by the base class: no copy, no allocation per chunk.
/// </summary>
internal sealed class BlockSeriesIterator : ChunkSeriesIterator
{
    private Block _block = null!;
    private ChunkMeta[] _chunks = [];
    private Interval[]? _deleted;
    private int _next;
    private ChunkEncoding _enc;
    private int _length;
    private long _chunkMinT;
    private long _chunkMaxT;
    private byte[] _stCodes = [];
    private int _stLen = -1;    // length of the current chunk's start-timestamp codes in _stCodes, -1 when it has none

    public BlockSeriesIterator(Block block, ChunkMeta[] chunks, long mint, long maxt, Interval[]? deleted) =>
        Reset(block, chunks, mint, maxt, deleted);

    public void Reset(Block block, ChunkMeta[] chunks, long mint, long maxt, Interval[]? deleted)
    {
        _block = block;
        _chunks = chunks;
        _deleted = deleted;
        _next = 0;
        ResetRange(mint, maxt);
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    protected override bool NextChunk(long minT, out ReadOnlySpan<byte> data, out int count, out long maxT)
    {
        while (_next < _chunks.Length)
        {
            var c = _chunks[_next++];
            if (c.MaxT < minT)
            {
                continue;
            }
            if (c.MinT > Maxt)
            {
                break;
            }
            // With the bytes after the chunk, the XOR decoder loads whole words up to its last sample.
            data = _block.Chunks.Read(c.Ref, 8, out _enc, out count, out _length);
            _stLen = -1;
            if ((_enc & ChunkEncoding.StartTimesFlag) != 0)
            {
                data = SplitStartTimes(data);
            }
            maxT = c.MaxT;
            _chunkMinT = c.MinT;
            _chunkMaxT = c.MaxT;
            return true;
        }
        _next = _chunks.Length;
        data = default;
        count = 0;
        maxT = 0;
        return false;
    }

    // Keeps the start-timestamp codes of a chunk that has them and returns its base data (the slack after it kept).
    private ReadOnlySpan<byte> SplitStartTimes(ReadOnlySpan<byte> data)
    {
        ReadOnlySpan<byte> rest, codes;
        try
        {
            rest = ChunkDecoder.SplitStartTimes(data[.._length], out codes);
        }
        catch (InvalidDataException e)
        {
            throw new CorruptBlockException($"{_block.Dir}: {e.Message}");
        }
        if (_stCodes.Length < codes.Length)
        {
            _stCodes = new byte[Math.Max(codes.Length, 2 * _stCodes.Length)];
        }
        codes.CopyTo(_stCodes);
        _stLen = codes.Length;
        int skip = _length - rest.Length;
        _length = rest.Length;
        _enc &= ~ChunkEncoding.StartTimesFlag;
        return data[skip..];
    }

    protected override bool MayHaveStartTimes => _stLen >= 0;

    protected override bool DecodeStartTimes(ReadOnlySpan<long> ts, Span<long> sts)
    {
        try
        {
            StartTimes.Decode(_stCodes.AsSpan(0, _stLen), ts, sts);
        }
        catch (InvalidDataException e)
        {
            throw new CorruptBlockException($"{_block.Dir}: {e.Message}");
        }
        return true;
    }

    protected override void Decode(ReadOnlySpan<byte> data, int count, Span<long> ts, Span<double> vs)
    {
        if (_enc == ChunkEncoding.Xor)
        {
            XorDecoder.Decode(data, count, ts, vs);
            return;
        }
        try
        {
            ChunkDecoder.Decode(_enc, data[.._length], count, _chunkMinT, _chunkMaxT, ts, vs);
        }
        catch (Exception e) when (e is InvalidDataException or ArgumentException)
        {
            throw new CorruptBlockException($"{_block.Dir}: {e.Message}");
        }
    }

    protected override int Filter(Span<long> ts, Span<double> vs, Span<long> sts, int n)
    {
        if (_deleted is null)
        {
            return n;
        }
        int k = 0;
        for (int i = 0; i < n; i++)
        {
            if (!IsDeleted(ts[i]))
            {
                ts[k] = ts[i];
                vs[k] = vs[i];
                if (!sts.IsEmpty)
                {
                    sts[k] = sts[i];
                }
                k++;
            }
        }
        return k;
    }

    private bool IsDeleted(long t)
    {
        foreach (var iv in _deleted!)
        {
            if (iv.Contains(t))
            {
                return true;
            }
        }
        return false;
    }
}
