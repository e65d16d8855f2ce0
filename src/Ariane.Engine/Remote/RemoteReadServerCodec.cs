using System.Buffers;
using System.Buffers.Binary;
using System.Numerics;
using System.Text;
using Ariane.Model;

namespace Ariane.Remote;

/// <summary>The <c>ReadHints</c> of a remote-read query: what the client's PromQL engine will do with the series.</summary>
public sealed record RemoteReadHints(long StartMs, long EndMs, long StepMs, string Func, IReadOnlyList<string> Grouping, bool By, long RangeMs);

/// <summary>One query of a remote-read request: a time range (inclusive, ms), matchers that must all match, and hints.</summary>
public sealed record RemoteReadQuery(long StartMs, long EndMs, LabelMatcher[] Matchers, RemoteReadHints? Hints);

/// <summary>A decoded <c>ReadRequest</c>: its queries and the response types the client accepts, in its order of preference.</summary>
public sealed record RemoteReadRequest(IReadOnlyList<RemoteReadQuery> Queries, IReadOnlyList<int> AcceptedResponseTypes);

/// <summary>The server half of the remote-read wire format (one codec with the client half in <see cref="RemoteReadCodec"/>).</summary>
public static partial class RemoteReadCodec
{
    /// <summary><c>ReadRequest.ResponseType.SAMPLES</c>: one snappy-compressed ReadResponse.</summary>
    public const int Samples = 0;

    /// <summary><c>ReadRequest.ResponseType.STREAMED_XOR_CHUNKS</c>: framed ChunkedReadResponse messages.</summary>
    public const int StreamedXorChunks = 1;

    /// <summary><c>Chunk.Encoding.XOR</c>.</summary>
    public const int XorEncoding = 1;

    /// <summary>Decodes a ReadRequest (already snappy-decompressed).</summary>
    /// <exception cref="RemoteReadException">The bytes are not a valid ReadRequest, or a matcher is invalid.</exception>
    public static RemoteReadRequest DecodeRequest(ReadOnlySpan<byte> body)
    {
        var queries = new List<RemoteReadQuery>();
        var types = new List<int>();
        try
        {
            var r = new ProtoReader(body);
            while (!r.AtEnd)
            {
                var (field, wire) = r.ReadTag();
                if (field == 1 && wire == 2)
                {
                    queries.Add(DecodeQuery(r.ReadBytes()));
                }
                else if (field == 2 && wire == 0)
                {
                    types.Add((int)r.ReadVarint());
                }
                else if (field == 2 && wire == 2)
                {
                    var packed = new ProtoReader(r.ReadBytes());
                    while (!packed.AtEnd)
                    {
                        types.Add((int)packed.ReadVarint());
                    }
                }
                else
                {
                    r.Skip(wire);
                }
            }
        }
        catch (RemoteWriteException e)
        {
            throw new RemoteReadException("invalid remote-read request: " + e.Message);
        }
        return new RemoteReadRequest(queries, types);
    }

    private static RemoteReadQuery DecodeQuery(ReadOnlySpan<byte> b)
    {
        long start = 0, end = 0;
        var matchers = new List<LabelMatcher>();
        RemoteReadHints? hints = null;
        var r = new ProtoReader(b);
        while (!r.AtEnd)
        {
            var (field, wire) = r.ReadTag();
            switch (field, wire)
            {
                case (1, 0): start = (long)r.ReadVarint(); break;
                case (2, 0): end = (long)r.ReadVarint(); break;
                case (3, 2): matchers.Add(DecodeMatcher(r.ReadBytes())); break;
                case (4, 2): hints = DecodeHints(r.ReadBytes()); break;
                default: r.Skip(wire); break;
            }
        }
        return new RemoteReadQuery(start, end, [.. matchers], hints);
    }

    private static LabelMatcher DecodeMatcher(ReadOnlySpan<byte> b)
    {
        int type = 0;
        string name = "", value = "";
        var r = new ProtoReader(b);
        while (!r.AtEnd)
        {
            var (field, wire) = r.ReadTag();
            switch (field, wire)
            {
                case (1, 0): type = (int)r.ReadVarint(); break;
                case (2, 2): name = Encoding.UTF8.GetString(r.ReadBytes()); break;
                case (3, 2): value = Encoding.UTF8.GetString(r.ReadBytes()); break;
                default: r.Skip(wire); break;
            }
        }
        var mt = type switch
        {
            0 => MatcherType.Equal,
            1 => MatcherType.NotEqual,
            2 => MatcherType.Regex,
            3 => MatcherType.NotRegex,
            _ => throw new RemoteReadException($"invalid matcher type {type}"),
        };
        try
        {
            return new LabelMatcher(mt, name, value);
        }
        catch (Exception e) when (e is ArgumentException or NotSupportedException)
        {
            throw new RemoteReadException($"invalid matcher {name}: {e.Message}");
        }
    }

    private static RemoteReadHints DecodeHints(ReadOnlySpan<byte> b)
    {
        long step = 0, start = 0, end = 0, range = 0;
        string func = "";
        bool by = false;
        var grouping = new List<string>();
        var r = new ProtoReader(b);
        while (!r.AtEnd)
        {
            var (field, wire) = r.ReadTag();
            switch (field, wire)
            {
                case (1, 0): step = (long)r.ReadVarint(); break;
                case (2, 2): func = Encoding.UTF8.GetString(r.ReadBytes()); break;
                case (3, 0): start = (long)r.ReadVarint(); break;
                case (4, 0): end = (long)r.ReadVarint(); break;
                case (5, 2): grouping.Add(Encoding.UTF8.GetString(r.ReadBytes())); break;
                case (6, 0): by = r.ReadVarint() != 0; break;
                case (7, 0): range = (long)r.ReadVarint(); break;
                default: r.Skip(wire); break;
            }
        }
        return new RemoteReadHints(start, end, step, func, grouping, by, range);
    }

    /// <summary>Encodes a ReadResponse with one QueryResult per query, in order.</summary>
    public static byte[] EncodeResponse(IReadOnlyList<IReadOnlyList<RemoteReadSeries>> results)
    {
        var resp = new ArrayBufferWriter<byte>(4096);
        foreach (var series in results)
        {
            WriteBytes(resp, 1, EncodeQueryResult(series));
        }
        return resp.WrittenSpan.ToArray();
    }

    /// <summary>
    /// Encodes one ChunkedReadResponse frame body: one series (its labels and the given chunks, each
    /// (minT, maxT, XOR data)) for the query at <paramref name="queryIndex"/>.
    /// </summary>
    public static byte[] EncodeChunkedSeries(Labels labels, IReadOnlyList<(long MinT, long MaxT, byte[] Data)> chunks, long queryIndex)
    {
        var cs = new ArrayBufferWriter<byte>(256);
        foreach (var l in labels)
        {
            var lb = new ArrayBufferWriter<byte>(64);
            WriteString(lb, 1, l.Name);
            WriteString(lb, 2, l.Value);
            WriteBytes(cs, 1, lb.WrittenSpan);
        }
        foreach (var (minT, maxT, data) in chunks)
        {
            var cb = new ArrayBufferWriter<byte>(data.Length + 32);
            WriteTag(cb, 1, 0);
            WriteVarint(cb, (ulong)minT);
            WriteTag(cb, 2, 0);
            WriteVarint(cb, (ulong)maxT);
            WriteTag(cb, 3, 0);
            WriteVarint(cb, XorEncoding);
            WriteBytes(cb, 4, data);
            WriteBytes(cs, 2, cb.WrittenSpan);
        }
        var resp = new ArrayBufferWriter<byte>(cs.WrittenCount + 16);
        WriteBytes(resp, 1, cs.WrittenSpan);
        if (queryIndex != 0)
        {
            WriteTag(resp, 2, 0);
            WriteVarint(resp, (ulong)queryIndex);
        }
        return resp.WrittenSpan.ToArray();
    }

    /// <summary>The encoded size of a label set in a ChunkedSeries (what Prometheus subtracts from the frame budget).</summary>
    public static int LabelsSize(Labels labels)
    {
        int n = 0;
        foreach (var l in labels)
        {
            int name = Encoding.UTF8.GetByteCount(l.Name), value = Encoding.UTF8.GetByteCount(l.Value);
            n += 1 + VarintSize((ulong)name) + name + 1 + VarintSize((ulong)value) + value;
        }
        return n;
    }

    /// <summary>Writes a stream frame as Prometheus's ChunkedWriter does: uvarint length, CRC-32C (big-endian) of the message, the message.</summary>
    public static void WriteFrame(IBufferWriter<byte> w, ReadOnlySpan<byte> message, uint crc32c)
    {
        WriteVarint(w, (ulong)message.Length);
        var crc = w.GetSpan(4);
        BinaryPrimitives.WriteUInt32BigEndian(crc, crc32c);
        w.Advance(4);
        w.Write(message);
    }

    private static int VarintSize(ulong v) => v < 0x80 ? 1 : (BitOperations.Log2(v) / 7) + 1;

    private static byte[] EncodeQueryResult(IReadOnlyList<RemoteReadSeries> series)
    {
        var qr = new ArrayBufferWriter<byte>(1024);
        Span<byte> sample = stackalloc byte[8];
        var ts = new ArrayBufferWriter<byte>(256);
        var sb = new ArrayBufferWriter<byte>(20);
        foreach (var s in series)
        {
            ts.ResetWrittenCount();
            foreach (var l in s.Labels)
            {
                var lb = new ArrayBufferWriter<byte>(64);
                WriteString(lb, 1, l.Name);
                WriteString(lb, 2, l.Value);
                WriteBytes(ts, 1, lb.WrittenSpan);
            }
            for (int i = 0; i < s.Timestamps.Length; i++)
            {
                sb.ResetWrittenCount();
                WriteTag(sb, 1, 1);
                BinaryPrimitives.WriteUInt64LittleEndian(sample, BitConverter.DoubleToUInt64Bits(s.Values[i]));
                sb.Write(sample);
                if (s.Timestamps[i] != 0)
                {
                    WriteTag(sb, 2, 0);
                    WriteVarint(sb, (ulong)s.Timestamps[i]);
                }
                WriteBytes(ts, 2, sb.WrittenSpan);
            }
            WriteBytes(qr, 1, ts.WrittenSpan);
        }
        return qr.WrittenSpan.ToArray();
    }
}

/// <summary>
/// Encodes samples as Prometheus's <c>chunkenc</c> XOR chunk, byte for byte: a 2-byte big-endian sample count, the
/// first timestamp as a signed varint and value as 64 bits, the second timestamp's delta as an unsigned varint, then
/// delta-of-delta timestamps (buckets of 14, 17, 20 and 64 bits) and XORed values. Ariane's own head and block chunks
/// differ (no count header; the second delta as a signed varint), so remote read re-encodes with this.
/// </summary>
public static class PrometheusXorChunk
{
    /// <summary>Samples per chunk when splitting a series, as Prometheus's head cuts them.</summary>
    public const int SamplesPerChunk = 120;

    /// <summary>Encodes the samples (timestamps ascending; at most 65,535).</summary>
    public static byte[] Encode(ReadOnlySpan<long> ts, ReadOnlySpan<double> vs)
    {
        var w = new BitWriter(16 + ts.Length * 4);
        w.WriteBits((ulong)ts.Length, 16);
        long prevT = 0, prevDelta = 0;
        ulong prevV = 0;
        int leading = 0xFF, trailing = 0;
        for (int i = 0; i < ts.Length; i++)
        {
            long t = ts[i];
            ulong v = BitConverter.DoubleToUInt64Bits(vs[i]);
            if (i == 0)
            {
                w.WriteUvarint((ulong)((t << 1) ^ (t >> 63)));
                w.WriteBits(v, 64);
            }
            else
            {
                long delta = t - prevT;
                if (i == 1)
                {
                    w.WriteUvarint((ulong)delta);
                }
                else
                {
                    long dod = delta - prevDelta;
                    if (dod == 0)
                    {
                        w.WriteBits(0, 1);
                    }
                    else if (InRange(dod, 14))
                    {
                        w.WriteBits(0b10, 2);
                        w.WriteBits((ulong)dod, 14);
                    }
                    else if (InRange(dod, 17))
                    {
                        w.WriteBits(0b110, 3);
                        w.WriteBits((ulong)dod, 17);
                    }
                    else if (InRange(dod, 20))
                    {
                        w.WriteBits(0b1110, 4);
                        w.WriteBits((ulong)dod, 20);
                    }
                    else
                    {
                        w.WriteBits(0b1111, 4);
                        w.WriteBits((ulong)dod, 64);
                    }
                }
                prevDelta = delta;
                ulong x = v ^ prevV;
                if (x == 0)
                {
                    w.WriteBits(0, 1);
                }
                else
                {
                    int lead = Math.Min(BitOperations.LeadingZeroCount(x), 31);
                    int trail = BitOperations.TrailingZeroCount(x);
                    if (leading != 0xFF && lead >= leading && trail >= trailing)
                    {
                        w.WriteBits(0b10, 2);
                        w.WriteBits(x >> trailing, 64 - leading - trailing);
                    }
                    else
                    {
                        leading = lead;
                        trailing = trail;
                        int sig = 64 - lead - trail;
                        w.WriteBits(0b11, 2);
                        w.WriteBits((ulong)lead, 5);
                        w.WriteBits(sig == 64 ? 0UL : (ulong)sig, 6);
                        w.WriteBits(x >> trail, sig);
                    }
                }
            }
            prevT = t;
            prevV = v;
        }
        return w.ToArray();
    }

    private static bool InRange(long x, int nbits) => x >= -((1L << (nbits - 1)) - 1) && x <= 1L << (nbits - 1);

    /// <summary>Writes bits most significant first.</summary>
    private struct BitWriter(int capacity)
    {
        private byte[] _data = new byte[Math.Max(8, capacity)];
        private long _bits;

        public void WriteBits(ulong v, int n)
        {
            if (n < 64)
            {
                v &= (1UL << n) - 1;
            }
            for (int i = n - 1; i >= 0; i--)
            {
                long byteIndex = _bits >> 3;
                if (byteIndex >= _data.Length)
                {
                    Array.Resize(ref _data, _data.Length * 2);
                }
                if (((v >> i) & 1) != 0)
                {
                    _data[byteIndex] |= (byte)(0x80 >> (int)(_bits & 7));
                }
                _bits++;
            }
        }

        public void WriteUvarint(ulong u)
        {
            while (u >= 0x80)
            {
                WriteBits((u & 0x7F) | 0x80, 8);
                u >>= 7;
            }
            WriteBits(u, 8);
        }

        public readonly byte[] ToArray() => _data.AsSpan(0, (int)((_bits + 7) >> 3)).ToArray();
    }
}
