using Ariane.Model;
using Ariane.Storage;
using Ariane.Tsdb.Blocks;
using Ariane.Tsdb.Wal;

namespace Ariane.Tsdb;

// Deleted intervals of head series (delete_series). The samples stay in memory; queriers skip them, so a head
// compaction writes its blocks without them. Each deletion is logged to the WAL as a tombstones record before it
// is applied, replayed at open, and copied into every checkpoint while it still covers samples of the head.
public sealed partial class Head
{
    private readonly Lock _deletedLock = new();

    // Copied on write: readers take the reference and never see it change. Null while nothing is deleted, so the
    // querier's check costs one read.
    private Dictionary<ulong, Interval[]>? _deleted;

    /// <summary>Series with deleted intervals in the head.</summary>
    public int TombstonedSeries => Volatile.Read(ref _deleted)?.Count ?? 0;

    /// <summary>The deleted intervals of a series (sorted, disjoint), or null.</summary>
    internal Interval[]? DeletedIntervals(ulong seriesRef)
    {
        var d = Volatile.Read(ref _deleted);
        return d is not null && d.TryGetValue(seriesRef, out var ivs) ? ivs : null;
    }

    /// <summary>
    /// Deletes the samples in [<paramref name="mint"/>, <paramref name="maxt"/>] of the series matching every
    /// matcher, as Prometheus's head does: the interval is first clamped to the head's current time range (its
    /// out-of-order samples included), so samples appended later past its newest sample are kept. The deletion is in the WAL when this returns.
    /// Returns how many series it touched.
    /// </summary>
    public int Delete(long mint, long maxt, ReadOnlySpan<LabelMatcher> matchers)
    {
        ObjectDisposedException.ThrowIf(Volatile.Read(ref _disposed) != 0, this);
        // Out-of-order samples may be older than the oldest in-order one; nothing before QueryMinTime is served.
        mint = Math.Max(mint, Math.Max(Math.Min(MinTime, OutOfOrderMinTime), QueryMinTime));
        maxt = Math.Min(maxt, MaxTime);
        if (mint > maxt)
        {
            return 0;
        }
        var hits = new List<ulong>();
        foreach (ulong r in Postings.Select(matchers, Series))
        {
            var s = Series.GetByRef(r);
            if (s is null)
            {
                continue;
            }
            var snap = s.SnapshotLocked(out var ooo);
            if ((!snap.IsEmpty && snap.MinT <= maxt && snap.MaxT >= mint) || ArraySampleIterator.AnyIn(ooo.T, mint, maxt))
            {
                hits.Add(r);
            }
        }
        if (hits.Count == 0)
        {
            return 0;
        }
        using var buf = new WalBuffer(64 + hits.Count * 24);
        buf.BeginRecord(WalRecordType.Tombstones);
        foreach (ulong r in hits)
        {
            buf.WriteUvarint(r);
            buf.WriteVarint(mint);
            buf.WriteVarint(maxt);
        }
        buf.EndRecord();
        CommitLock.EnterReadLock();
        try
        {
            _wal!.Log(buf.Written);
            foreach (ulong r in hits)
            {
                AddDeleted(r, new Interval(mint, maxt));
            }
        }
        finally
        {
            CommitLock.ExitReadLock();
        }
        return hits.Count;
    }

    private void AddDeleted(ulong seriesRef, Interval iv)
    {
        lock (_deletedLock)
        {
            var cur = _deleted;
            var next = cur is null ? new Dictionary<ulong, Interval[]>() : new Dictionary<ulong, Interval[]>(cur);
            next[seriesRef] = Intervals.Add(next.GetValueOrDefault(seriesRef), iv);
            Volatile.Write(ref _deleted, next);
        }
    }

    // After a truncation at mint: intervals wholly before it cover nothing the head still serves.
    private void TruncateDeleted(long mint)
    {
        lock (_deletedLock)
        {
            var cur = _deleted;
            if (cur is null)
            {
                return;
            }
            var next = new Dictionary<ulong, Interval[]>(cur.Count);
            foreach (var (r, ivs) in cur)
            {
                var kept = Intervals.From(ivs, mint);
                if (kept.Length > 0 && Series.GetByRef(r) is not null)
                {
                    next[r] = kept;
                }
            }
            Volatile.Write(ref _deleted, next.Count == 0 ? null : next);
        }
    }

    // The tombstones records of a checkpoint: every interval still reaching mint or later.
    private void LogDeleted(WalWriter w, long mint)
    {
        var cur = Volatile.Read(ref _deleted);
        if (cur is null)
        {
            return;
        }
        using var buf = new WalBuffer(64 << 10);
        foreach (var (r, ivs) in cur)
        {
            foreach (var iv in ivs)
            {
                if (iv.MaxT < mint)
                {
                    continue;
                }
                if (!buf.InRecord)
                {
                    buf.BeginRecord(WalRecordType.Tombstones);
                }
                buf.WriteUvarint(r);
                buf.WriteVarint(iv.MinT);
                buf.WriteVarint(iv.MaxT);
                if (buf.OpenPayloadLength > 1 << 20)
                {
                    buf.EndRecord();
                    w.Log(buf.Written);
                    buf.Clear();
                }
            }
        }
        if (buf.InRecord)
        {
            buf.EndRecord();
        }
        w.Log(buf.Written);
    }
}

/// <summary>Helpers for sorted, disjoint lists of closed intervals.</summary>
internal static class Intervals
{
    /// <summary>A new list with <paramref name="iv"/> merged into <paramref name="list"/> (touching intervals coalesce).</summary>
    public static Interval[] Add(Interval[]? list, Interval iv)
    {
        var result = new List<Interval>((list?.Length ?? 0) + 1);
        bool placed = false;
        foreach (var cur in list ?? [])
        {
            if (!placed && iv.MinT < cur.MinT)
            {
                Push(result, iv);
                placed = true;
            }
            Push(result, cur);
        }
        if (!placed)
        {
            Push(result, iv);
        }
        return [.. result];
    }

    private static void Push(List<Interval> result, Interval iv)
    {
        if (result.Count > 0)
        {
            var last = result[^1];
            // Overlapping or adjacent (MinT - 1 cannot overflow here: MinT == long.MinValue overlaps already).
            if (iv.MinT <= last.MaxT || iv.MinT - 1 == last.MaxT)
            {
                result[^1] = new Interval(last.MinT, Math.Max(last.MaxT, iv.MaxT));
                return;
            }
        }
        result.Add(iv);
    }

    /// <summary>The intervals that reach <paramref name="mint"/> or later.</summary>
    public static Interval[] From(Interval[] list, long mint)
    {
        int i = 0;
        while (i < list.Length && list[i].MaxT < mint)
        {
            i++;
        }
        return i == 0 ? list : list[i..];
    }

    /// <summary>True when one interval covers all of [mint, maxt].</summary>
    public static bool Covers(Interval[] list, long mint, long maxt)
    {
        foreach (var iv in list)
        {
            if (iv.MinT <= mint && iv.MaxT >= maxt)
            {
                return true;
            }
        }
        return false;
    }

    /// <summary>True when <paramref name="t"/> falls in one of the intervals.</summary>
    public static bool Contains(Interval[] list, long t)
    {
        foreach (var iv in list)
        {
            if (iv.MinT > t)
            {
                return false;
            }
            if (iv.MaxT >= t)
            {
                return true;
            }
        }
        return false;
    }
}

/// <summary>Skips the samples of another iterator that fall in deleted intervals.</summary>
internal sealed class DeletedSkippingIterator(ISampleIterator inner, Interval[] deleted) : ISampleIterator
{
    public long T => inner.T;

    public double V => inner.V;

    public long ST => inner.ST;

    public bool Next()
    {
        while (inner.Next())
        {
            if (!Intervals.Contains(deleted, inner.T))
            {
                return true;
            }
        }
        return false;
    }

    public bool Seek(long t)
    {
        if (!inner.Seek(t))
        {
            return false;
        }
        return !Intervals.Contains(deleted, inner.T) || Next();
    }
}
