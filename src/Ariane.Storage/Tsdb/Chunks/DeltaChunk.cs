using System.Buffers.Binary;
using System.Numerics;
using System.Runtime.CompilerServices;

namespace Ariane.Tsdb.Chunks;

/// <summary>
/// The block chunk encoding for values that are decimals (integers, or m × 10^-e for a small e): timestamps and
/// values as deltas from the previous sample, each stream's deltas stored as (delta − the chunk's smallest delta)
/// in a fixed number of bits per sample (frame of reference). Counters, histogram buckets, integer and
/// fixed-decimal gauges take a few bits a sample, a constant value or a regular scrape interval none. The
/// layout is in docs/format/block.md. Only finite values are accepted (NaN, the stale marker and ±Inf go to
/// XOR), and every sample is checked by decoding it while encoding, so decoding is bit-exact; the arithmetic
/// used (one IEEE division or addition per value) gives the same bits on every platform .NET runs on.
/// Two layouts: <see cref="ChunkEncoding.Delta"/> holds its first timestamp, and
/// <see cref="ChunkEncoding.DeltaIndexTimes"/> takes its first and last timestamps from the index's chunk
/// meta (so it stores neither, nor the interval when every interval is the same).
/// </summary>
internal static class DeltaChunk
{
    /// <summary>The largest decimal exponent e (values m / 10^e); 10^e is exact as a double up to 22.</summary>
    public const int MaxExponent = 18;

    /// <summary>Mode bit of the value header: values are a running sum of decimal increments added as doubles.</summary>
    public const byte Accumulated = 0x80;

    /// <summary>The widest field (bits); a chunk that would need more is left to XOR.</summary>
    public const int MaxWidth = 56;

    private const long MaxMantissa = 1L << 53;

    private static readonly double[] Pow10 = MakePow10();

    private static double[] MakePow10()
    {
        var p = new double[MaxExponent + 1];
        double x = 1;
        for (int i = 0; i <= MaxExponent; i++)
        {
            p[i] = x;
            x *= 10;
        }
        return p;
    }

    /// <summary>An upper bound of the encoded size of <paramref name="count"/> samples.</summary>
    public static int MaxSize(int count) => 48 + (2 * count * MaxWidth + 7) / 8 + 8;

    /// <summary>
    /// Encodes the samples into <paramref name="dst"/> (at least <see cref="MaxSize"/> bytes); the encoded length,
    /// or -1 when the samples do not fit this encoding (a non-finite value, values that are not decimals with at
    /// most <see cref="MaxExponent"/> places either way, or deltas too wide). <paramref name="m"/> is scratch of at
    /// least <c>ts.Length</c> entries. Timestamps must increase.
    /// </summary>
    public static int TryEncode(ReadOnlySpan<long> ts, ReadOnlySpan<double> vs, Span<long> m, Span<byte> dst) =>
        TryEncode(ts, vs, m, dst, timesInIndex: false);

    /// <summary>
    /// As <see cref="TryEncode(ReadOnlySpan{long}, ReadOnlySpan{double}, Span{long}, Span{byte})"/>; with
    /// <paramref name="timesInIndex"/> in the layout of <see cref="ChunkEncoding.DeltaIndexTimes"/>, whose
    /// decoder is given the first and last timestamps.
    /// </summary>
    public static int TryEncode(ReadOnlySpan<long> ts, ReadOnlySpan<double> vs, Span<long> m, Span<byte> dst, bool timesInIndex)
    {
        int n = ts.Length;
        if (n == 0 || n != vs.Length || m.Length < n)
        {
            return -1;
        }
        for (int i = 0; i < n; i++)
        {
            if (!double.IsFinite(vs[i]))
            {
                return -1;
            }
        }
        // Values: exact decimals m / 10^e, else a running sum of decimal increments, else not this encoding.
        byte mode;
        if (Exact(vs, m, out int e))
        {
            mode = (byte)e;
        }
        else if (Accumulating(vs, m, out e))
        {
            mode = (byte)(Accumulated | e);
        }
        else
        {
            return -1;
        }

        int pos = 0;
        if (!timesInIndex)
        {
            pos += PutVarint(dst[pos..], ts[0]);
        }
        long tdMin = 0, vdMin = 0;
        int tw = 0, vw = 0;
        if (n > 1)
        {
            long lo = long.MaxValue, hi = long.MinValue;
            for (int i = 1; i < n; i++)
            {
                long d = unchecked(ts[i] - ts[i - 1]);
                if (d <= 0)
                {
                    return -1; // out of order, or so far apart that the difference overflows
                }
                lo = Math.Min(lo, d);
                hi = Math.Max(hi, d);
            }
            tdMin = lo;
            tw = Width((ulong)(hi - lo));
            if (tw > MaxWidth)
            {
                return -1;
            }
            if (timesInIndex)
            {
                // The interval is implied by the first and last timestamps when it never varies.
                dst[pos++] = (byte)tw;
                if (tw > 0)
                {
                    pos += PutVarint(dst[pos..], tdMin);
                }
            }
            else
            {
                pos += PutVarint(dst[pos..], tdMin);
                dst[pos++] = (byte)tw;
            }
        }
        dst[pos++] = mode;
        if ((mode & Accumulated) != 0)
        {
            BinaryPrimitives.WriteUInt64LittleEndian(dst[pos..], BitConverter.DoubleToUInt64Bits(vs[0]));
            pos += 8;
        }
        else
        {
            pos += PutVarint(dst[pos..], m[0]);
        }
        if (n > 1)
        {
            // For exact decimals m holds the mantissas, for accumulated values the increments (m[0] unused).
            bool exact = (mode & Accumulated) == 0;
            long lo = long.MaxValue, hi = long.MinValue;
            for (int i = 1; i < n; i++)
            {
                long d = exact ? m[i] - m[i - 1] : m[i];
                lo = Math.Min(lo, d);
                hi = Math.Max(hi, d);
            }
            vdMin = lo;
            vw = Width((ulong)(hi - lo));
            if (vw > MaxWidth)
            {
                return -1;
            }
            pos += PutVarint(dst[pos..], vdMin);
            dst[pos++] = (byte)vw;

            // The bit stream, least significant bit first: n − 1 timestamp fields, then n − 1 value fields.
            ulong acc = 0;
            int bits = 0;
            if (tw > 0)
            {
                for (int i = 1; i < n; i++)
                {
                    acc |= (ulong)(ts[i] - ts[i - 1] - tdMin) << bits;
                    bits += tw;
                    while (bits >= 8)
                    {
                        dst[pos++] = (byte)acc;
                        acc >>= 8;
                        bits -= 8;
                    }
                }
            }
            if (vw > 0)
            {
                for (int i = 1; i < n; i++)
                {
                    long d = exact ? m[i] - m[i - 1] : m[i];
                    acc |= (ulong)(d - vdMin) << bits;
                    bits += vw;
                    while (bits >= 8)
                    {
                        dst[pos++] = (byte)acc;
                        acc >>= 8;
                        bits -= 8;
                    }
                }
            }
            if (bits > 0)
            {
                dst[pos++] = (byte)acc;
            }
        }
        return pos;
    }

    // Every value is m / 10^e for one e (the smallest that works for all) with |m| <= 2^53: m in ms.
    private static bool Exact(ReadOnlySpan<double> vs, Span<long> ms, out int e)
    {
        e = 0;
        for (int i = 0; i < vs.Length; i++)
        {
            // A value exact at e is exact at every larger e (while the mantissa stays within 2^53), so the
            // exponent only grows; the pass below computes the mantissas at the final one and checks them all.
            while (!ExactAt(vs[i], e, out _))
            {
                if (++e > MaxExponent)
                {
                    return false;
                }
            }
        }
        for (int i = 0; i < vs.Length; i++)
        {
            if (!ExactAt(vs[i], e, out ms[i]))
            {
                return false;
            }
        }
        return true;
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static bool ExactAt(double v, int e, out long m)
    {
        double p = Pow10[e];
        double r = Math.Round(v * p);
        if (!(Math.Abs(r) <= MaxMantissa))
        {
            m = 0;
            return false;
        }
        m = (long)r;
        return BitConverter.DoubleToUInt64Bits(m / p) == BitConverter.DoubleToUInt64Bits(v);
    }

    // Every value is the previous one plus d / 10^e, added as doubles (a counter summed in floating point from
    // decimal increments): the increments d in ds[1..].
    private static bool Accumulating(ReadOnlySpan<double> vs, Span<long> ds, out int e)
    {
        for (e = 0; e <= MaxExponent; e++)
        {
            double p = Pow10[e];
            bool ok = true;
            for (int i = 1; i < vs.Length; i++)
            {
                double prev = vs[i - 1];
                double r = Math.Round((vs[i] - prev) * p);
                if (!(Math.Abs(r) <= MaxMantissa))
                {
                    ok = false;
                    break;
                }
                long d = (long)r;
                if (BitConverter.DoubleToUInt64Bits(prev + d / p) != BitConverter.DoubleToUInt64Bits(vs[i]))
                {
                    ok = false;
                    break;
                }
                ds[i] = d;
            }
            if (ok)
            {
                ds[0] = 0;
                return true;
            }
        }
        return false;
    }

    /// <summary>
    /// Decodes <paramref name="count"/> samples of a chunk whose data is <paramref name="data"/> into
    /// <paramref name="ts"/> and <paramref name="vs"/>. Reads nothing past <paramref name="data"/>.
    /// </summary>
    public static void Decode(ReadOnlySpan<byte> data, int count, Span<long> ts, Span<double> vs) =>
        Decode(data, count, 0, 0, timesInIndex: false, ts, vs);

    /// <summary>
    /// Decodes a chunk of either layout; <paramref name="minT"/> and <paramref name="maxT"/>, its first and last
    /// timestamps as the index holds them, are used when <paramref name="timesInIndex"/>.
    /// </summary>
    public static void Decode(ReadOnlySpan<byte> data, int count, long minT, long maxT, bool timesInIndex, Span<long> ts, Span<double> vs)
    {
        if (count <= 0)
        {
            return;
        }
        ts = ts[..count];
        vs = vs[..count];
        int pos = 0;
        long t = timesInIndex ? minT : GetVarint(data, ref pos);
        long tdMin = 0;
        int tw = 0;
        if (count > 1)
        {
            if (timesInIndex)
            {
                tw = data[pos++];
                tdMin = tw > 0 ? GetVarint(data, ref pos) : (maxT - minT) / (count - 1);
            }
            else
            {
                tdMin = GetVarint(data, ref pos);
                tw = data[pos++];
            }
        }
        byte mode = data[pos++];
        int e = mode & 0x1F;
        if (e > MaxExponent || tw > MaxWidth)
        {
            throw new InvalidDataException($"delta chunk: bad header (exponent {e}, width {tw})");
        }
        bool accumulated = (mode & Accumulated) != 0;
        long m = 0;
        double v;
        if (accumulated)
        {
            v = BitConverter.UInt64BitsToDouble(BinaryPrimitives.ReadUInt64LittleEndian(data[pos..]));
            pos += 8;
        }
        else
        {
            m = GetVarint(data, ref pos);
            v = e == 0 ? m : m / Pow10[e];
        }
        ts[0] = t;
        vs[0] = v;
        if (count == 1)
        {
            return;
        }
        long vdMin = GetVarint(data, ref pos);
        int vw = data[pos++];
        if (vw > MaxWidth)
        {
            throw new InvalidDataException($"delta chunk: bad value width {vw}");
        }
        var bits = data[pos..];
        int n = count - 1;
        if ((long)n * (tw + vw) > (long)bits.Length * 8)
        {
            throw new InvalidDataException("delta chunk: shorter than its header says");
        }

        // Timestamps.
        if (tw == 0)
        {
            for (int i = 1; i < count; i++)
            {
                t += tdMin;
                ts[i] = t;
            }
        }
        else
        {
            ulong mask = (1UL << tw) - 1;
            int off = 0;
            for (int i = 1; i < count; i++, off += tw)
            {
                t += tdMin + (long)(Field(bits, off) & mask);
                ts[i] = t;
            }
        }

        // Values.
        int voff = n * tw;
        ulong vmask = vw == 0 ? 0 : (1UL << vw) - 1;
        if (accumulated)
        {
            double p = Pow10[e];
            for (int i = 1; i < count; i++, voff += vw)
            {
                long d = vdMin + (vw == 0 ? 0 : (long)(Field(bits, voff) & vmask));
                v += d / p;
                vs[i] = v;
            }
        }
        else if (e == 0)
        {
            for (int i = 1; i < count; i++, voff += vw)
            {
                m += vdMin + (vw == 0 ? 0 : (long)(Field(bits, voff) & vmask));
                vs[i] = m;
            }
        }
        else
        {
            double p = Pow10[e];
            for (int i = 1; i < count; i++, voff += vw)
            {
                m += vdMin + (vw == 0 ? 0 : (long)(Field(bits, voff) & vmask));
                vs[i] = m / p;
            }
        }
    }

    /// <summary>
    /// Splits a chunk's bytes into its timestamp header, value header, timestamp fields and value fields (the last
    /// byte's padding counted with the value fields), for <c>tsdb analyze --bytes</c>.
    /// </summary>
    public static (int TimeHeader, int ValueHeader, int TimeBits, int ValueBits) Layout(ReadOnlySpan<byte> data, int count, bool timesInIndex)
    {
        int pos = 0;
        int tw = 0;
        if (!timesInIndex)
        {
            GetVarint(data, ref pos);
        }
        if (count > 1)
        {
            if (timesInIndex)
            {
                tw = data[pos++];
                if (tw > 0)
                {
                    GetVarint(data, ref pos);
                }
            }
            else
            {
                GetVarint(data, ref pos);
                tw = data[pos++];
            }
        }
        int timeHeader = pos;
        byte mode = data[pos++];
        if ((mode & Accumulated) != 0)
        {
            pos += 8;
        }
        else
        {
            GetVarint(data, ref pos);
        }
        if (count > 1)
        {
            GetVarint(data, ref pos);
            pos++;
        }
        int valueHeader = pos - timeHeader;
        int timeBits = (int)((long)Math.Max(0, count - 1) * tw / 8);
        return (timeHeader, valueHeader, timeBits, data.Length - pos - timeBits);
    }

    // The 57 or more bits from bit offset off, least significant first (the caller masks).
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static ulong Field(ReadOnlySpan<byte> bits, int off)
    {
        int at = off >> 3;
        if (at + 8 <= bits.Length)
        {
            return BinaryPrimitives.ReadUInt64LittleEndian(bits[at..]) >> (off & 7);
        }
        return FieldTail(bits, off);
    }

    private static ulong FieldTail(ReadOnlySpan<byte> bits, int off)
    {
        ulong w = 0;
        int at = off >> 3;
        for (int k = 0; k < 8 && at + k < bits.Length; k++)
        {
            w |= (ulong)bits[at + k] << (8 * k);
        }
        return w >> (off & 7);
    }

    private static int Width(ulong range) => 64 - BitOperations.LeadingZeroCount(range);

    private static int PutVarint(Span<byte> dst, long x)
    {
        int i = 0;
        Varints.WriteSigned(dst, ref i, x);
        return i;
    }

    private static long GetVarint(ReadOnlySpan<byte> data, ref int pos)
    {
        return Varints.TryRead(data, ref pos, out ulong u) switch
        {
            VarintStatus.Ok => Varints.UnZigZag(u),
            VarintStatus.Truncated => throw new InvalidDataException("delta chunk: truncated"),
            _ => throw new InvalidDataException("delta chunk: varint too long"),
        };
    }
}
