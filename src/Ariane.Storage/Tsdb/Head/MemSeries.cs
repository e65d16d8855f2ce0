using Ariane.Model;
using Ariane.Tsdb.Chunks;

namespace Ariane.Tsdb;

/// <summary>What happened to a sample applied to a series.</summary>
internal enum SampleResult : byte
{
    Appended,
    SameSample,
    OutOfOrder,
    DuplicateTimestamp,
    OutOfBounds,
    TooOld,
}

/// <summary>
/// One series in the head: its labels, its finished chunks and the open head chunk.
/// <para>
/// Finished chunks are packed one after another (a small header each, see <see cref="PackedChunk"/>) into
/// segments: byte arrays of at most <see cref="SegmentChunks"/> chunks or <see cref="SegmentBytes"/> bytes
/// (one object per segment instead of one per chunk: per-series memory is what limits a head). The newest
/// segment, still taking chunks, is <c>_open</c>; the full ones before it are the leading non-null slots of
/// <c>_closed</c> (null while there are none, so a series of a few hours costs one array, as a single packed
/// array did). A cut copies at most the open segment (bounded), and when that is full stores it in the next
/// free slot of <c>_closed</c>, which doubles when full, so a cut costs O(1) amortised however long the series is.
/// </para>
/// <para>
/// Writes and snapshots lock the series object itself. Nothing a snapshot can see is ever changed: a
/// segment is never changed once published (a cut or a truncation makes a new one), a snapshot of
/// <c>_closed</c> carries its count of filled slots and the writer only fills slots past it, and the head
/// chunk only gains bits; so a snapshot stays valid while the writer goes on.
/// </para>
/// </summary>
internal sealed partial class MemSeries
{
    /// <summary>Most chunks packed in one segment.</summary>
    public const int SegmentChunks = 8;

    /// <summary>A segment takes no more chunks once another would take it past this many bytes (it always takes one).</summary>
    public const int SegmentBytes = 2048;

    public readonly ulong Ref;
    public readonly Labels Labels;

    /// <summary>The next series in the same hash bucket of <see cref="StripeSeries"/>.</summary>
    public MemSeries? NextInHash;

    /// <summary>
    /// The appender batch that last took an in-order sample of this series, and that sample's slot in its pending list,
    /// so that the batch can check a later sample against its own uncommitted ones (<see cref="Check"/> sees only
    /// committed samples). Written without the lock by whichever batch appends; a batch trusts it only when the slot
    /// holds this series, so a race with another batch costs only the check, never a wrong answer about another series.
    /// </summary>
    public int PendingBatch, PendingIndex;

    private byte[][]? _closed;  // full segments, oldest first, then null slots; never all null (null instead); implies _open is set
    private byte[]? _open;      // the newest segment, null while there are no finished chunks
    private XorAppender _head;

    public MemSeries(ulong seriesRef, Labels labels)
    {
        Ref = seriesRef;
        Labels = labels;
        _head = new XorAppender(0);
        _head.MaxT = long.MinValue;
    }

    /// <summary>Checks a sample against the committed state without the lock (a hint; Append decides).</summary>
    public SampleResult Check(long t, double v)
    {
        long last = Volatile.Read(ref _head.MaxT);
        if (t > last)
        {
            return SampleResult.Appended;
        }
        if (t < last)
        {
            return SampleResult.OutOfOrder;
        }
        return BitConverter.DoubleToUInt64Bits(v) == _head.LastValueBits ? SampleResult.SameSample : SampleResult.DuplicateTimestamp;
    }

    /// <summary>
    /// Appends a sample with start timestamp <paramref name="st"/> (0: none, see <see cref="StartTimes"/>); the
    /// caller holds the lock on this series.
    /// </summary>
    public SampleResult Append(long t, double v, long st = 0)
    {
        // The head chunk is never empty once the series has a sample (a cut is followed by an append at once),
        // so its MaxT and last value are the series' newest sample.
        long last = _head.MaxT;
        if (t <= last)
        {
            if (t < last)
            {
                return SampleResult.OutOfOrder;
            }
            return BitConverter.DoubleToUInt64Bits(v) == _head.LastValueBits ? SampleResult.SameSample : SampleResult.DuplicateTimestamp;
        }
        if (_head.Count >= XorAppender.SamplesPerChunk)
        {
            CutHeadChunk();
        }
        if (st != 0 || _extras is { St.Head: not null })
        {
            AppendStartTime(t, st);
        }
        _head.Append(t, v);
        // Publish the new newest timestamp for lock-free Check readers.
        Volatile.Write(ref _head.MaxT, t);
        return SampleResult.Appended;
    }

    private void CutHeadChunk()
    {
        var used = _head.Used;
        long maxT = _head.MaxT;
        int size = PackedChunk.Size(used, maxT);
        var open = _open;
        if (open is not null && open.Length + size <= SegmentBytes && PackedChunk.CountIn(open) < SegmentChunks)
        {
            // Room in the open segment: a new one with the chunk added (the old one may be in a snapshot).
            var seg = new byte[open.Length + size];
            open.CopyTo(seg, 0);
            PackedChunk.Write(seg.AsSpan(open.Length), used, _head.Count, maxT);
            _open = seg;
        }
        else
        {
            if (open is not null)
            {
                var closed = _closed;
                int n = Filled(closed);
                if (closed is null || n == closed.Length)
                {
                    // Start with room for 3 (a day of 15 s data at 8 chunks a segment), then double.
                    var grown = new byte[n == 0 ? 3 : n * 2][];
                    closed?.CopyTo(grown, 0);
                    _closed = closed = grown;
                }
                closed[n] = open;
            }
            var seg = new byte[size];
            PackedChunk.Write(seg, used, _head.Count, maxT);
            _open = seg;
        }
        if (_extras is { St: not null })
        {
            CloseStartTimes(_head.MinT);
        }
        // The next chunk will likely be about as big as this one.
        _head = new XorAppender(used.Length + 8) { MaxT = maxT };
    }

    /// <summary>Drops finished chunks that end before <paramref name="mint"/>; returns how many. Caller holds the lock.</summary>
    public int TruncateChunksBefore(long mint)
    {
        int dropped = TruncateSegmentsBefore(mint);
        if (dropped > 0 && _extras is { St: not null })
        {
            TruncateStartTimes();
        }
        return dropped;
    }

    private int TruncateSegmentsBefore(long mint)
    {
        if (_open is null)
        {
            return 0;
        }
        var closed = _closed;
        int nClosed = Filled(closed);
        int drop = 0;
        for (int i = 0; i <= nClosed; i++)
        {
            var seg = i < nClosed ? closed![i] : _open;
            int pos = 0, dropped = 0;
            while (pos < seg.Length)
            {
                var c = PackedChunk.Read(seg, pos);
                if (c.MaxT >= mint)
                {
                    break;
                }
                pos = c.Next;
                dropped++;
            }
            drop += dropped;
            if (pos == seg.Length)
            {
                continue; // the whole segment goes
            }
            if (i == 0 && dropped == 0)
            {
                return 0;
            }
            // Segments before i go; segment i keeps its chunks from pos on (re-packed if some went).
            var kept = dropped == 0 ? seg : seg.AsSpan(pos).ToArray();
            if (i == nClosed)
            {
                _closed = null;
                _open = kept;
            }
            else
            {
                var rest = new byte[nClosed - i][];
                Array.Copy(closed!, i, rest, 0, rest.Length);
                rest[0] = kept;
                _closed = rest;
            }
            return drop;
        }
        _closed = null;
        _open = null;
        return drop;
    }

    /// <summary>Takes a consistent view of the samples for a querier. Caller holds the lock.</summary>
    public SeriesSnapshot Snapshot() => new(_closed, Filled(_closed), _open, _head.Data, _head.Count, _head.MinT, _head.MaxT, _extras is { St: not null } ? StartTimesSnapshot() : null);

    /// <summary>How many leading slots of <paramref name="closed"/> hold a segment (the rest are null).</summary>
    private static int Filled(byte[][]? closed)
    {
        if (closed is null)
        {
            return 0;
        }
        int lo = 0, hi = closed.Length; // slots below lo are filled, slots from hi on are null
        while (lo < hi)
        {
            int mid = (lo + hi) >>> 1;
            if (closed[mid] is null)
            {
                hi = mid;
            }
            else
            {
                lo = mid + 1;
            }
        }
        return lo;
    }

    /// <summary>Number of chunks including the open one. Caller holds the lock.</summary>
    public int ChunkCount
    {
        get
        {
            int n = _head.Count > 0 ? 1 : 0;
            for (int i = 0; i < Filled(_closed); i++)
            {
                n += PackedChunk.CountIn(_closed![i]);
            }
            if (_open is not null)
            {
                n += PackedChunk.CountIn(_open);
            }
            return n;
        }
    }

    /// <summary>Bytes held by chunk data, headers included. Caller holds the lock.</summary>
    public long ChunkBytes()
    {
        long n = _head.Data.Length + (_open?.Length ?? 0) + StartTimeBytes();
        for (int i = 0; i < Filled(_closed); i++)
        {
            n += _closed![i].Length;
        }
        return n;
    }
}

/// <summary>
/// One finished chunk packed in a segment: a header of data length (u16), sample count (u8) and
/// max time minus min time (unsigned LEB128 varint, about 3 bytes for a 120-sample chunk), then the XOR
/// chunk data, which starts with the min time as a varint. The max time is in the header so that Seek can
/// skip a chunk without decoding it.
/// </summary>
internal readonly record struct PackedChunk(int DataOffset, int Count, long MaxT, int Next)
{
    public static PackedChunk Read(byte[] seg, int pos)
    {
        int len = seg[pos] | (seg[pos + 1] << 8);
        int count = seg[pos + 2];
        pos += 3;
        ulong span = Varints.Read(seg, ref pos);
        int data = pos;
        long minT = MinT(seg, data);
        return new PackedChunk(data, count, unchecked(minT + (long)span), data + len);
    }

    /// <summary>The first timestamp of the chunk whose data start at <paramref name="data"/>.</summary>
    public static long MinT(byte[] seg, int data)
    {
        // The XOR chunk starts with a zigzag varint written from bit 0, so its bytes are a plain varint.
        return Varints.UnZigZag(Varints.Read(seg, ref data));
    }

    /// <summary>The first timestamp of the first chunk packed in <paramref name="seg"/>.</summary>
    public static long FirstMinT(byte[] seg)
    {
        int pos = 3;
        Varints.Read(seg, ref pos);
        return MinT(seg, pos);
    }

    /// <summary>Bytes the chunk with data <paramref name="data"/> and max time <paramref name="maxT"/> takes packed.</summary>
    public static int Size(ReadOnlySpan<byte> data, long maxT) =>
        3 + Varints.Size(TimeSpanOf(data, maxT)) + data.Length;

    /// <summary>Packs a chunk at the start of <paramref name="dst"/>, which is at least <see cref="Size"/> long.</summary>
    public static void Write(Span<byte> dst, ReadOnlySpan<byte> data, int count, long maxT)
    {
        dst[0] = (byte)data.Length;
        dst[1] = (byte)(data.Length >> 8);
        dst[2] = (byte)count;
        int pos = 3;
        Varints.Write(dst, ref pos, TimeSpanOf(data, maxT));
        data.CopyTo(dst[pos..]);
    }

    /// <summary>Number of chunks packed in <paramref name="seg"/>.</summary>
    public static int CountIn(byte[] seg)
    {
        int n = 0;
        for (int pos = 0; pos < seg.Length; n++)
        {
            int len = seg[pos] | (seg[pos + 1] << 8);
            pos += 3;
            Varints.Read(seg, ref pos);
            pos += len;
        }
        return n;
    }

    private static ulong TimeSpanOf(ReadOnlySpan<byte> data, long maxT)
    {
        int pos = 0;
        long minT = Varints.UnZigZag(Varints.Read(data, ref pos));
        return unchecked((ulong)(maxT - minT));
    }
}

/// <summary>
/// An immutable view of a series' samples at one moment: the first <paramref name="ClosedCount"/> slots of
/// <paramref name="Closed"/> (the writer may fill later slots), the open segment (or null when there are no
/// finished chunks), and the head chunk's data and bounds.
/// </summary>
internal readonly record struct SeriesSnapshot(byte[][]? Closed, int ClosedCount, byte[]? Open, byte[] HeadData, int HeadCount, long HeadMinT, long HeadMaxT, StartTimesView? Starts = null)
{
    public bool IsEmpty => HeadCount == 0 && Open is null;

    /// <summary>Number of segments (closed and open).</summary>
    public int SegmentCount => ClosedCount + (Open is null ? 0 : 1);

    /// <summary>Segment <paramref name="i"/>, oldest first, for i below <see cref="SegmentCount"/>.</summary>
    public byte[] Segment(int i) => i < ClosedCount ? Closed![i] : Open!;

    /// <summary>The oldest timestamp, or long.MaxValue when empty.</summary>
    public long MinT => Open is not null ? PackedChunk.FirstMinT(Segment(0)) : HeadCount > 0 ? HeadMinT : long.MaxValue;

    /// <summary>The newest timestamp, or long.MinValue when empty.</summary>
    public long MaxT => HeadCount > 0 ? HeadMaxT : long.MinValue;
}
