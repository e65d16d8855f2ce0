using Ariane.Model;
using Ariane.Tsdb.Chunks;

namespace Ariane.Tsdb;

/// <summary>A finished, immutable chunk of one series.</summary>
internal readonly record struct ChunkMeta(byte[] Data, int Count, long MinT, long MaxT);

/// <summary>What happened to a sample applied to a series.</summary>
internal enum SampleResult : byte
{
    Appended,
    SameSample,
    OutOfOrder,
    DuplicateTimestamp,
}

/// <summary>
/// One series in the head: its labels and its samples as finished chunks plus the open head chunk.
/// Writes and snapshots lock the series object itself; the chunk arrays are append-only prefixes, so a
/// snapshot (array, count) stays valid while the writer goes on.
/// </summary>
internal sealed class MemSeries
{
    public readonly ulong Ref;
    public readonly Labels Labels;

    /// <summary>The next series with the same label hash (collisions are rare; a chain is enough).</summary>
    public MemSeries? NextInHash;

    private ChunkMeta[] _chunks = [];
    private int _numChunks;
    private XorAppender _head;
    private long _lastT = long.MinValue;
    private ulong _lastVBits;

    public MemSeries(ulong seriesRef, Labels labels)
    {
        Ref = seriesRef;
        Labels = labels;
        _head = new XorAppender(0);
    }

    /// <summary>The newest committed timestamp (long.MinValue when empty); read without the lock as a hint.</summary>
    public long LastT => Volatile.Read(ref _lastT);

    /// <summary>The newest committed value's bits; pairs with <see cref="LastT"/> only under the lock.</summary>
    public ulong LastValueBits => Volatile.Read(ref _lastVBits);

    /// <summary>Checks a sample against the committed state without the lock (a hint; Append decides).</summary>
    public SampleResult Check(long t, double v)
    {
        long last = LastT;
        if (t > last)
        {
            return SampleResult.Appended;
        }
        if (t < last)
        {
            return SampleResult.OutOfOrder;
        }
        return BitConverter.DoubleToUInt64Bits(v) == LastValueBits ? SampleResult.SameSample : SampleResult.DuplicateTimestamp;
    }

    /// <summary>Appends a sample; the caller holds the lock on this series.</summary>
    public SampleResult Append(long t, double v)
    {
        if (t <= _lastT)
        {
            if (t < _lastT)
            {
                return SampleResult.OutOfOrder;
            }
            return BitConverter.DoubleToUInt64Bits(v) == _lastVBits ? SampleResult.SameSample : SampleResult.DuplicateTimestamp;
        }
        if (_head.Count >= XorAppender.SamplesPerChunk)
        {
            CutHeadChunk();
        }
        _head.Append(t, v);
        _lastVBits = BitConverter.DoubleToUInt64Bits(v);
        Volatile.Write(ref _lastT, t);
        return SampleResult.Appended;
    }

    private void CutHeadChunk()
    {
        var done = _head.Trimmed();
        if (_numChunks == _chunks.Length)
        {
            // A new array, not a resize in place: snapshots keep reading the old one.
            var grown = new ChunkMeta[_chunks.Length == 0 ? 2 : _chunks.Length * 2];
            Array.Copy(_chunks, grown, _numChunks);
            _chunks = grown;
        }
        _chunks[_numChunks] = new ChunkMeta(done, _head.Count, _head.MinT, _head.MaxT);
        Volatile.Write(ref _numChunks, _numChunks + 1);
        // The next chunk will likely be about as big as this one.
        _head = new XorAppender(done.Length + 8);
    }

    /// <summary>Drops finished chunks that end before <paramref name="mint"/>; returns how many. Caller holds the lock.</summary>
    public int TruncateChunksBefore(long mint)
    {
        int drop = 0;
        while (drop < _numChunks && _chunks[drop].MaxT < mint)
        {
            drop++;
        }
        if (drop == 0)
        {
            return 0;
        }
        var kept = new ChunkMeta[Math.Max(2, _numChunks - drop)];
        Array.Copy(_chunks, drop, kept, 0, _numChunks - drop);
        _chunks = kept;
        _numChunks -= drop;
        return drop;
    }

    /// <summary>Takes a consistent view of the samples for a querier. Caller holds the lock.</summary>
    public SeriesSnapshot Snapshot() => new(_chunks, _numChunks, _head.Data, _head.Count, _head.MinT, _head.MaxT);

    /// <summary>Number of chunks including the open one. Caller holds the lock.</summary>
    public int ChunkCount => _numChunks + (_head.Count > 0 ? 1 : 0);

    /// <summary>Approximate bytes held by chunk data. Caller holds the lock.</summary>
    public long ChunkBytes()
    {
        long n = _head.Data.Length;
        for (int i = 0; i < _numChunks; i++)
        {
            n += _chunks[i].Data.Length;
        }
        return n;
    }
}

/// <summary>An immutable view of a series' samples at one moment.</summary>
internal readonly record struct SeriesSnapshot(ChunkMeta[] Chunks, int NumChunks, byte[] HeadData, int HeadCount, long HeadMinT, long HeadMaxT)
{
    /// <summary>The oldest timestamp, or long.MaxValue when empty.</summary>
    public long MinT => NumChunks > 0 ? Chunks[0].MinT : HeadCount > 0 ? HeadMinT : long.MaxValue;

    /// <summary>The newest timestamp, or long.MinValue when empty.</summary>
    public long MaxT => HeadCount > 0 ? HeadMaxT : NumChunks > 0 ? Chunks[NumChunks - 1].MaxT : long.MinValue;
}
