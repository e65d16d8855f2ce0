using System.Buffers.Binary;
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
}

/// <summary>
/// One series in the head: its labels, its finished chunks packed one after another in a single byte array
/// (one object instead of one per chunk: per-series memory is what limits a head), and the open head chunk.
/// Writes and snapshots lock the series object itself. A finished-chunk array is never changed once
/// published (a cut or a truncation makes a new one), and the head chunk only gains bits, so a snapshot
/// stays valid while the writer goes on.
/// </summary>
internal sealed class MemSeries
{
    /// <summary>Bytes before each packed chunk: data length (u16), sample count (u8), max time (i64).</summary>
    public const int PackedHeader = 11;

    public readonly ulong Ref;
    public readonly Labels Labels;

    /// <summary>The next series in the same hash bucket of <see cref="StripeSeries"/>.</summary>
    public MemSeries? NextInHash;

    private byte[] _sealed = [];
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

    /// <summary>Appends a sample; the caller holds the lock on this series.</summary>
    public SampleResult Append(long t, double v)
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
        _head.Append(t, v);
        // Publish the new newest timestamp for lock-free Check readers.
        Volatile.Write(ref _head.MaxT, t);
        return SampleResult.Appended;
    }

    private void CutHeadChunk()
    {
        var used = _head.Used;
        var packed = new byte[_sealed.Length + PackedHeader + used.Length];
        _sealed.CopyTo(packed, 0);
        var hdr = packed.AsSpan(_sealed.Length, PackedHeader);
        BinaryPrimitives.WriteUInt16LittleEndian(hdr, (ushort)used.Length);
        hdr[2] = (byte)_head.Count;
        BinaryPrimitives.WriteInt64LittleEndian(hdr[3..], _head.MaxT);
        used.CopyTo(packed.AsSpan(_sealed.Length + PackedHeader));
        Volatile.Write(ref _sealed, packed);
        long maxT = _head.MaxT;
        // The next chunk will likely be about as big as this one.
        var next = new XorAppender(used.Length + 8) { MaxT = maxT };
        _head = next;
    }

    /// <summary>Drops finished chunks that end before <paramref name="mint"/>; returns how many. Caller holds the lock.</summary>
    public int TruncateChunksBefore(long mint)
    {
        int pos = 0, drop = 0;
        while (pos < _sealed.Length && PackedChunk.Read(_sealed, pos).MaxT < mint)
        {
            pos = PackedChunk.Read(_sealed, pos).Next;
            drop++;
        }
        if (drop > 0)
        {
            _sealed = _sealed.AsSpan(pos).ToArray();
        }
        return drop;
    }

    /// <summary>Takes a consistent view of the samples for a querier. Caller holds the lock.</summary>
    public SeriesSnapshot Snapshot() => new(_sealed, _head.Data, _head.Count, _head.MinT, _head.MaxT);

    /// <summary>Number of chunks including the open one. Caller holds the lock.</summary>
    public int ChunkCount
    {
        get
        {
            int n = _head.Count > 0 ? 1 : 0;
            for (int pos = 0; pos < _sealed.Length; pos = PackedChunk.Read(_sealed, pos).Next)
            {
                n++;
            }
            return n;
        }
    }

    /// <summary>Bytes held by chunk data, headers included. Caller holds the lock.</summary>
    public long ChunkBytes() => _head.Data.Length + _sealed.Length;
}

/// <summary>The header of one packed chunk and where its data and the next chunk start.</summary>
internal readonly record struct PackedChunk(int DataOffset, int Count, long MaxT, int Next)
{
    public static PackedChunk Read(byte[] packed, int pos)
    {
        int len = BinaryPrimitives.ReadUInt16LittleEndian(packed.AsSpan(pos));
        int count = packed[pos + 2];
        long maxT = BinaryPrimitives.ReadInt64LittleEndian(packed.AsSpan(pos + 3));
        int data = pos + MemSeries.PackedHeader;
        return new PackedChunk(data, count, maxT, data + len);
    }
}

/// <summary>An immutable view of a series' samples at one moment.</summary>
internal readonly record struct SeriesSnapshot(byte[] Sealed, byte[] HeadData, int HeadCount, long HeadMinT, long HeadMaxT)
{
    public bool IsEmpty => HeadCount == 0 && Sealed.Length == 0;

    /// <summary>The oldest timestamp, or long.MaxValue when empty.</summary>
    public long MinT => Sealed.Length > 0 ? XorIterator.FirstTimestamp(Sealed, MemSeries.PackedHeader) : HeadCount > 0 ? HeadMinT : long.MaxValue;

    /// <summary>The newest timestamp, or long.MinValue when empty.</summary>
    public long MaxT => HeadCount > 0 ? HeadMaxT : long.MinValue;
}
