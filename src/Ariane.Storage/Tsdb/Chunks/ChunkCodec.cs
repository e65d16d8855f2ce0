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
    public static void Decode(ChunkEncoding encoding, ReadOnlySpan<byte> data, int count, long minT, long maxT, Span<long> ts, Span<double> vs) =>
        Decode(encoding, data, count, minT, maxT, ts, vs, default);

    /// <summary>
    /// <see cref="Decode(ChunkEncoding, ReadOnlySpan{byte}, int, long, long, Span{long}, Span{double})"/> that also
    /// decodes the start timestamps into <paramref name="sts"/> when it is not empty; true when the chunk has them
    /// (<paramref name="sts"/> is left alone otherwise).
    /// </summary>
    public static bool Decode(ChunkEncoding encoding, ReadOnlySpan<byte> data, int count, long minT, long maxT, Span<long> ts, Span<double> vs, Span<long> sts)
    {
        if ((uint)count > (uint)ts.Length || (uint)count > (uint)vs.Length)
        {
            throw new ArgumentException($"{count} samples do not fit the buffers");
        }
        if ((encoding & ChunkEncoding.StartTimesFlag) != 0)
        {
            data = SplitStartTimes(data, out var codes);
            DecodeBase(encoding & ~ChunkEncoding.StartTimesFlag, data, count, minT, maxT, ts, vs);
            if (!sts.IsEmpty)
            {
                StartTimes.Decode(codes, ts[..count], sts[..count]);
            }
            return true;
        }
        DecodeBase(encoding, data, count, minT, maxT, ts, vs);
        return false;
    }

    /// <summary>Splits the data of a chunk with <see cref="ChunkEncoding.StartTimesFlag"/> into its start-timestamp codes and the base encoding's data (returned).</summary>
    /// <exception cref="InvalidDataException">The codes' length runs past the data.</exception>
    public static ReadOnlySpan<byte> SplitStartTimes(ReadOnlySpan<byte> data, out ReadOnlySpan<byte> codes)
    {
        int pos = 0;
        if (Varints.TryRead(data, ref pos, out ulong len) != VarintStatus.Ok)
        {
            throw new InvalidDataException("start-timestamp column: bad length");
        }
        if (len > (ulong)(data.Length - pos))
        {
            throw new InvalidDataException("start-timestamp column: runs past the chunk");
        }
        codes = data.Slice(pos, (int)len);
        return data[(pos + (int)len)..];
    }

    private static void DecodeBase(ChunkEncoding encoding, ReadOnlySpan<byte> data, int count, long minT, long maxT, Span<long> ts, Span<double> vs)
    {
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
    private readonly byte[] _withSt;
    private XorAppender _xor = new(256);

    public ChunkEncoder(int maxSamples = XorAppender.SamplesPerChunk)
    {
        _scratch = new long[maxSamples];
        _delta = new byte[DeltaChunk.MaxSize(maxSamples)];
        _withSt = new byte[5 + (10 * maxSamples) + Math.Max(_delta.Length, 18 * maxSamples + 16)];
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
    /// Encodes the samples with their start timestamps <paramref name="sts"/> (0: none): as the plain form when
    /// none is set, else with <see cref="ChunkEncoding.StartTimesFlag"/>. <paramref name="data"/> is valid until the
    /// next call.
    /// </summary>
    public ChunkEncoding Encode(ReadOnlySpan<long> ts, ReadOnlySpan<double> vs, ReadOnlySpan<long> sts, out ReadOnlySpan<byte> data)
    {
        var enc = Encode(ts, vs, out var baseData);
        if (sts.IsEmpty || !StartTimes.Any(sts[..ts.Length]))
        {
            data = baseData;
            return enc;
        }
        // The codes first (after their length), so that the base data still end the chunk (the XOR decoder reads
        // whole words past its end).
        Span<byte> codes = _withSt.AsSpan(5, 10 * ts.Length);
        int codesLen = StartTimes.Encode(ts, sts[..ts.Length], codes);
        Span<byte> lenBytes = stackalloc byte[5];
        int lenLen = 0;
        Varints.Write(lenBytes, ref lenLen, (ulong)codesLen);
        // Move the codes right behind their length, then the base data after them.
        int start = 5 - lenLen;
        lenBytes[..lenLen].CopyTo(_withSt.AsSpan(start));
        baseData.CopyTo(_withSt.AsSpan(5 + codesLen));
        data = _withSt.AsSpan(start, lenLen + codesLen + baseData.Length);
        return enc | ChunkEncoding.StartTimesFlag;
    }

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
