using System.Runtime.CompilerServices;
using Ariane.Model;
using Ariane.Storage;
using Ariane.Tsdb.Chunks;

namespace Ariane.Tsdb;

/// <summary>Reads the head over [mint, maxt]: postings resolve the matchers, snapshots pin each series' samples.</summary>
internal sealed class HeadQuerier(Head head, long mint, long maxt) : IQuerier
{
    private bool Overlaps => (head.MinTime <= maxt && head.MaxTime >= mint) || head.OutOfOrderMinTime <= maxt;

    public ISeriesSet Select(bool sorted, params ReadOnlySpan<LabelMatcher> matchers)
    {
        var result = new List<HeadSeries>();
        if (!Overlaps)
        {
            return new HeadSeriesSet(result);
        }
        var refs = head.Postings.Select(matchers, head.Series);
        foreach (ulong r in refs)
        {
            var s = head.Series.GetByRef(r);
            if (s is null)
            {
                continue;
            }
            var snap = s.SnapshotLocked(out var ooo);
            bool inOrder = !(snap.IsEmpty || snap.MaxT < mint || snap.MinT > maxt);
            bool withOoo = ArraySampleIterator.AnyIn(ooo.T, mint, maxt);
            if (!withOoo && !inOrder)
            {
                continue;
            }
            var deleted = head.DeletedIntervals(r);
            if (deleted is not null)
            {
                long lo = snap.IsEmpty ? long.MaxValue : snap.MinT, hi = snap.IsEmpty ? long.MinValue : snap.MaxT;
                if (withOoo)
                {
                    lo = Math.Min(lo, ooo.T[0]);
                    hi = Math.Max(hi, ooo.T[^1]);
                }
                if (Intervals.Covers(deleted, Math.Max(mint, lo), Math.Min(maxt, hi)))
                {
                    continue; // every sample in range was deleted
                }
            }
            // The head keeps packed labels; queries read them label by label, so they get the plain form.
            result.Add(withOoo
                ? new HeadSeries(s.Labels.Unpacked(), snap, mint, maxt, ooo.T, ooo.V, deleted)
                : new HeadSeries(s.Labels.Unpacked(), snap, mint, maxt, deleted: deleted));
        }
        if (sorted)
        {
            result.Sort(static (a, b) => a.Labels.CompareTo(b.Labels));
        }
        return new HeadSeriesSet(result);
    }

    public IReadOnlyList<string> LabelValues(string name, params ReadOnlySpan<LabelMatcher> matchers)
    {
        if (!Overlaps)
        {
            return [];
        }
        if (matchers.IsEmpty)
        {
            return head.Postings.Values(name);
        }
        var set = new HashSet<string>(StringComparer.Ordinal);
        foreach (ulong r in head.Postings.Select(matchers, head.Series))
        {
            string v = head.Series.GetByRef(r)?.Labels.Get(name) ?? string.Empty;
            if (v.Length > 0)
            {
                set.Add(v);
            }
        }
        return SortedList(set);
    }

    public IReadOnlyList<string> LabelNames(params ReadOnlySpan<LabelMatcher> matchers)
    {
        if (!Overlaps)
        {
            return [];
        }
        if (matchers.IsEmpty)
        {
            return head.Postings.Names();
        }
        var set = new HashSet<string>(StringComparer.Ordinal);
        foreach (ulong r in head.Postings.Select(matchers, head.Series))
        {
            var s = head.Series.GetByRef(r);
            if (s is null)
            {
                continue;
            }
            var labels = new Labels.LabelReader(s.Labels);
            while (labels.Next(out string name, out _))
            {
                set.Add(name);
            }
        }
        return SortedList(set);
    }

    private static List<string> SortedList(HashSet<string> set)
    {
        var list = new List<string>(set);
        list.Sort(StringComparer.Ordinal);
        return list;
    }

    public void Dispose()
    {
    }
}

/// <summary>A read-once list of head series.</summary>
internal sealed class HeadSeriesSet(List<HeadSeries> series) : ISeriesSet
{
    private int _i = -1;

    public bool MoveNext() => ++_i < series.Count;

    public ISeries Current => series[_i];
}

/// <summary>One series as a querier saw it when Select ran (with its out-of-order samples, if any, sorted).</summary>
internal sealed class HeadSeries(Labels labels, SeriesSnapshot snapshot, long mint, long maxt, long[]? oooT = null, double[]? oooV = null, Blocks.Interval[]? deleted = null) : ISeries
{
    public Labels Labels => labels;

    public ISampleIterator Iterator(ISampleIterator? reuse = null)
    {
        if (deleted is not null)
        {
            return new DeletedSkippingIterator(Iterator(oooT, oooV), deleted);
        }
        if (oooT is not null)
        {
            return Iterator(oooT, oooV);
        }
        if (reuse is SeriesIterator it)
        {
            it.Reset(snapshot, mint, maxt);
            return it;
        }
        return new SeriesIterator(snapshot, mint, maxt);
    }

    private ISampleIterator Iterator(long[]? ooo, double[]? oooValues) => ooo is null
        ? new SeriesIterator(snapshot, mint, maxt)
        // In-order samples first on equal timestamps (an out-of-order sample never repeats one, but be safe).
        : new MergeIterator([new SeriesIterator(snapshot, mint, maxt), new ArraySampleIterator(ooo, oooValues!, mint, maxt)]);
}

/// <summary>
/// Walks a series snapshot's chunks in order (packed chunks segment by segment, then the head chunk), limited
/// to [mint, maxt], skipping whole chunks on Seek by their header's max time; decoding is the base class's.
/// </summary>
internal sealed class SeriesIterator : ChunkSeriesIterator
{
    private SeriesSnapshot _snap;
    private int _seg;           // index of the current segment; SegmentCount means the head chunk; -1 after it
    private byte[]? _segData;   // the current segment, null before the first
    private int _nextChunk;     // byte offset of the next packed chunk in _segData

    public SeriesIterator(SeriesSnapshot snapshot, long mint, long maxt) => Reset(snapshot, mint, maxt);

    public void Reset(SeriesSnapshot snapshot, long mint, long maxt)
    {
        _snap = snapshot;
        _seg = 0;
        _segData = null;
        _nextChunk = 0;
        ResetRange(mint, maxt);
    }

    protected override bool MayHaveStartTimes => _snap.Starts is not null;

    protected override bool DecodeStartTimes(ReadOnlySpan<long> ts, Span<long> sts) => _snap.Starts!.Fill(ts, sts);

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    protected override bool NextChunk(long minT, out ReadOnlySpan<byte> data, out int count, out long maxT)
    {
        data = default;
        count = 0;
        maxT = 0;
        if (_seg < 0)
        {
            return false;
        }
        int segments = _snap.SegmentCount;
        // Every chunk ends before the next one starts, so the rest of a segment can go unread when the next
        // segment starts at or before minT.
        while (_seg + 1 < segments && PackedChunk.FirstMinT(_snap.Segment(_seg + 1)) <= minT)
        {
            _seg++;
            _segData = null;
            _nextChunk = 0;
        }
        while (_seg < segments)
        {
            var seg = _segData ??= _snap.Segment(_seg);
            while (_nextChunk < seg.Length)
            {
                var c = PackedChunk.Read(seg, _nextChunk);
                _nextChunk = c.Next;
                if (c.MaxT < minT)
                {
                    continue;
                }
                data = seg.AsSpan(c.DataOffset);
                count = c.Count;
                maxT = c.MaxT;
                return true;
            }
            _seg++;
            _segData = null;
            _nextChunk = 0;
        }
        _seg = -1;
        if (_snap.HeadCount == 0 || _snap.HeadMaxT < minT || _snap.HeadMinT > Maxt)
        {
            return false;
        }
        data = _snap.HeadData;
        count = _snap.HeadCount;
        maxT = _snap.HeadMaxT;
        return true;
    }
}

/// <summary>Iterates sorted arrays of samples within [mint, maxt].</summary>
internal sealed class ArraySampleIterator(long[] ts, double[] vs, long mint, long maxt) : ISampleIterator
{
    private int _i = -1;

    /// <summary>True when some timestamp of the sorted <paramref name="ts"/> is in [mint, maxt].</summary>
    public static bool AnyIn(long[] ts, long mint, long maxt)
    {
        int i = Array.BinarySearch(ts, mint);
        if (i < 0)
        {
            i = ~i;
        }
        return i < ts.Length && ts[i] <= maxt;
    }

    public long T => ts[_i];

    public double V => vs[_i];

    public bool Next()
    {
        do
        {
            _i++;
        }
        while (_i < ts.Length && ts[_i] < mint);
        if (_i < ts.Length && ts[_i] <= maxt)
        {
            return true;
        }
        _i = ts.Length;
        return false;
    }

    public bool Seek(long t)
    {
        if (_i >= 0 && _i < ts.Length && ts[_i] >= t)
        {
            return true;
        }
        while (Next())
        {
            if (ts[_i] >= t)
            {
                return true;
            }
        }
        return false;
    }
}
