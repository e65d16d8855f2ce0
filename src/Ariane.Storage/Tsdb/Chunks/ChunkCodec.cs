using Ariane.Tsdb.Blocks;

namespace Ariane.Tsdb.Chunks;

/// <summary>
/// The one way to decode a block chunk, whatever its encoding: block queriers, verification and the tsdb tools go
/// through it.
/// </summary>
internal static class ChunkDecoder
{
    [ThreadStatic]
    private static byte[]? t_xorScratch;

    /// <summary>
    /// Decodes the <paramref name="count"/> samples of a chunk of encoding <paramref name="encoding"/> whose data is
    /// <paramref name="data"/> into <paramref name="ts"/> and <paramref name="vs"/> (each at least
    /// <paramref name="count"/> long). <paramref name="minT"/> and <paramref name="maxT"/> are the chunk's first and
    /// last timestamps as the index's chunk meta holds them (<see cref="ChunkEncoding.DeltaIndexTimes"/> does not
    /// store them). Reads nothing past <paramref name="data"/>; allocation-free once warm.
    /// </summary>
    /// <exception cref="InvalidDataException">An unknown encoding, or data that do not hold the samples.</exception>
    public static void Decode(ChunkEncoding encoding, ReadOnlySpan<byte> data, int count, long minT, long maxT, Span<long> ts, Span<double> vs)
    {
        if ((uint)count > (uint)ts.Length || (uint)count > (uint)vs.Length)
        {
            throw new ArgumentException($"{count} samples do not fit the buffers");
        }
        switch (encoding)
        {
            case ChunkEncoding.Xor:
                // The XOR decoder reads whole 64-bit words, possibly past the chunk's end: decode from a padded copy.
                var buf = t_xorScratch;
                if (buf is null || buf.Length < data.Length + 8)
                {
                    buf = t_xorScratch = new byte[Math.Max(512, data.Length + 8)];
                }
                data.CopyTo(buf);
                buf.AsSpan(data.Length, 8).Clear();
                XorDecoder.Decode(buf, 0, count, ts, vs);
                break;
            case ChunkEncoding.Delta:
            case ChunkEncoding.DeltaIndexTimes:
                try
                {
                    DeltaChunk.Decode(data, count, minT, maxT, encoding == ChunkEncoding.DeltaIndexTimes, ts, vs);
                }
                catch (IndexOutOfRangeException)
                {
                    throw new InvalidDataException("delta chunk: truncated");
                }
                catch (ArgumentOutOfRangeException)
                {
                    throw new InvalidDataException("delta chunk: truncated");
                }
                break;
            default:
                throw new InvalidDataException($"unknown chunk encoding {(byte)encoding}");
        }
    }
}

/// <summary>
/// Encodes a block chunk in the smallest of the encodings that hold its samples exactly: <see cref="DeltaChunk"/>
/// when the values are decimals and it is no larger, else XOR. Reuses its buffers; one writer at a time.
/// </summary>
internal sealed class ChunkEncoder
{
    private readonly long[] _scratch;
    private readonly byte[] _delta;
    private XorAppender _xor = new(256);

    public ChunkEncoder(int maxSamples = XorAppender.SamplesPerChunk)
    {
        _scratch = new long[maxSamples];
        _delta = new byte[DeltaChunk.MaxSize(maxSamples)];
    }

    /// <summary>Whether a delta encoding may be chosen (false: XOR only, as before it existed).</summary>
    public bool AllowDelta { get; init; } = true;

    /// <summary>
    /// Whether the delta encoding leaves the first and last timestamps to the index
    /// (<see cref="ChunkEncoding.DeltaIndexTimes"/>, what block writers use) rather than storing the first one
    /// (<see cref="ChunkEncoding.Delta"/>, format 1).
    /// </summary>
    public bool TimesInIndex { get; init; } = true;

    /// <summary>
    /// Encodes the samples (timestamps increasing, at most the constructor's <c>maxSamples</c>) and returns the
    /// encoding chosen; <paramref name="data"/> is valid until the next call.
    /// </summary>
    public ChunkEncoding Encode(ReadOnlySpan<long> ts, ReadOnlySpan<double> vs, out ReadOnlySpan<byte> data)
    {
        Array.Clear(_xor.Data, 0, Math.Min(_xor.Data.Length, _xor.ByteLength + 1));
        _xor = new XorAppender(0) { Data = _xor.Data };
        for (int i = 0; i < ts.Length; i++)
        {
            _xor.Append(ts[i], vs[i]);
        }
        int xorLen = _xor.ByteLength;
        if (AllowDelta)
        {
            int len = DeltaChunk.TryEncode(ts, vs, _scratch, _delta, TimesInIndex);
            if (len >= 0 && len <= xorLen)
            {
                data = _delta.AsSpan(0, len);
                return TimesInIndex ? ChunkEncoding.DeltaIndexTimes : ChunkEncoding.Delta;
            }
        }
        data = _xor.Used;
        return ChunkEncoding.Xor;
    }
}
