using Ariane.Tsdb.Chunks;

namespace Ariane.Tsdb;

// Start timestamps of a series' in-order samples. Most series never have one, so they live apart from the chunks,
// in the same rarely-allocated Extras object as the out-of-order samples: a series without either pays one null
// reference. A series that has them keeps a start-timestamp column (see StartTimes) per chunk that had any: the
// head chunk's grows with it (samples before its first start timestamp get "none" codes), and is frozen with the
// chunk's first timestamp as its key when the chunk is cut. Out-of-order samples keep no start timestamp.
internal sealed partial class MemSeries
{
    private Extras? _extras;

    /// <summary>What only some series have: out-of-order samples, start timestamps.</summary>
    private sealed class Extras
    {
        public OooData? Ooo;
        public StartTimeColumns? St;

        public bool IsEmpty => Ooo is null && St is null;
    }

    /// <summary>The start-timestamp columns of a series. Written under the series' lock.</summary>
    private sealed class StartTimeColumns
    {
        /// <summary>Columns of finished chunks, oldest first; replaced, never changed, so snapshots may hold it.</summary>
        public StartTimeColumn[] Closed = [];

        /// <summary>The head chunk's codes, one per sample; null while none of its samples had a start timestamp.</summary>
        public byte[]? Head;

        /// <summary>Bytes of <see cref="Head"/> in use (a snapshot reads up to its own copy of this).</summary>
        public int HeadLen;

        public long PrevT;
        public long PrevSt;
    }

    /// <summary>Appends the start timestamp of the sample about to be appended at <paramref name="t"/>. Caller holds the lock.</summary>
    private void AppendStartTime(long t, long st)
    {
        var x = _extras ??= new Extras();
        var sc = x.St ??= new StartTimeColumns();
        int count = _head.Count;
        if (sc.Head is null)
        {
            // The chunk's earlier samples had none: their codes are zero bytes, which a new array holds already.
            sc.Head = new byte[Math.Max(32, count + 16)];
            sc.HeadLen = count;
            sc.PrevT = count > 0 ? _head.MaxT : 0;
            sc.PrevSt = 0;
        }
        ulong code = StartTimes.Code(t, st, sc.PrevT, sc.PrevSt, count == 0);
        if (sc.HeadLen + 10 > sc.Head.Length)
        {
            // A new array: a snapshot may be reading the old one (up to its own length).
            var grown = new byte[sc.Head.Length * 2];
            sc.Head.AsSpan(0, sc.HeadLen).CopyTo(grown);
            sc.Head = grown;
        }
        Varints.Write(sc.Head, ref sc.HeadLen, code);
        sc.PrevT = t;
        sc.PrevSt = st;
    }

    /// <summary>Freezes the head chunk's column, if it has one, under the chunk's first timestamp <paramref name="minT"/>. Caller holds the lock.</summary>
    private void CloseStartTimes(long minT)
    {
        var sc = _extras?.St;
        if (sc?.Head is null)
        {
            return;
        }
        var closed = new StartTimeColumn[sc.Closed.Length + 1];
        sc.Closed.CopyTo(closed, 0);
        closed[^1] = new StartTimeColumn(minT, sc.Head.AsSpan(0, sc.HeadLen).ToArray());
        sc.Closed = closed;
        sc.Head = null;
        sc.HeadLen = 0;
    }

    /// <summary>Drops the columns of chunks that were truncated away (those before the first chunk kept). Caller holds the lock.</summary>
    private void TruncateStartTimes()
    {
        var sc = _extras?.St;
        if (sc is null || sc.Closed.Length == 0)
        {
            return;
        }
        long first = _open is not null ? PackedChunk.FirstMinT(_closed is { } c && c[0] is not null ? c[0] : _open) : _head.Count > 0 ? _head.MinT : long.MaxValue;
        int drop = 0;
        while (drop < sc.Closed.Length && sc.Closed[drop].MinT < first)
        {
            drop++;
        }
        if (drop == 0)
        {
            return;
        }
        sc.Closed = sc.Closed[drop..];
        if (sc.Closed.Length == 0 && sc.Head is null)
        {
            _extras!.St = null;
            if (_extras.IsEmpty)
            {
                _extras = null;
            }
        }
    }

    /// <summary>The start timestamps a snapshot sees, or null when the series has none. Caller holds the lock.</summary>
    private StartTimesView? StartTimesSnapshot()
    {
        var sc = _extras?.St;
        return sc is null ? null : new StartTimesView(sc.Closed, sc.Head, sc.HeadLen, _head.MinT);
    }

    /// <summary>Bytes held by start-timestamp columns. Caller holds the lock.</summary>
    private long StartTimeBytes()
    {
        var sc = _extras?.St;
        if (sc is null)
        {
            return 0;
        }
        long n = sc.Head?.Length ?? 0;
        foreach (var c in sc.Closed)
        {
            n += c.Codes.Length;
        }
        return n;
    }
}

/// <summary>The start-timestamp column of a finished head chunk whose first timestamp is <paramref name="MinT"/>.</summary>
internal readonly record struct StartTimeColumn(long MinT, byte[] Codes);

/// <summary>An immutable view of a series' start-timestamp columns, taken with its <see cref="SeriesSnapshot"/>.</summary>
internal sealed class StartTimesView(StartTimeColumn[] closed, byte[]? head, int headLen, long headMinT)
{
    /// <summary>
    /// Fills <paramref name="sts"/> with the start timestamps of the decoded chunk <paramref name="ts"/> (its first
    /// timestamp identifies it); false, leaving <paramref name="sts"/> alone, when none of its samples has one.
    /// </summary>
    public bool Fill(ReadOnlySpan<long> ts, Span<long> sts)
    {
        if (ts.IsEmpty)
        {
            return false;
        }
        long minT = ts[0];
        ReadOnlySpan<byte> codes;
        if (head is not null && minT == headMinT)
        {
            codes = head.AsSpan(0, headLen);
        }
        else
        {
            int lo = 0, hi = closed.Length - 1;
            codes = default;
            while (lo <= hi)
            {
                int mid = (lo + hi) >>> 1;
                long m = closed[mid].MinT;
                if (m == minT)
                {
                    codes = closed[mid].Codes;
                    break;
                }
                if (m < minT)
                {
                    lo = mid + 1;
                }
                else
                {
                    hi = mid - 1;
                }
            }
            if (codes.IsEmpty)
            {
                return false;
            }
        }
        StartTimes.Decode(codes, ts, sts);
        return true;
    }
}
