using System.Buffers.Binary;
using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace Ariane.Tsdb.Chunks;

// The Gorilla encoding as Prometheus's XOR chunk uses it: the first timestamp as a signed varint and the
// first value as 64 raw bits; the second timestamp as a varint delta; later timestamps as a delta of deltas
// in buckets of 0/14/17/20/64 bits; every later value XORed with the previous one, reusing the previous
// window of meaningful bits when it fits. Bits are written most significant first.

/// <summary>
/// Appends samples to an in-memory XOR chunk in place. A mutable struct: keep it in a field and call it
/// there. One writer at a time; readers that took (Data, Count) earlier may decode concurrently, because bits
/// once written never change and a grown buffer is a new array.
/// </summary>
internal struct XorAppender
{
    /// <summary>Samples per chunk, as in Prometheus.</summary>
    public const int SamplesPerChunk = 120;

    /// <summary>The bit stream; may be longer than needed.</summary>
    public byte[] Data;

    /// <summary>Bits written.</summary>
    public int Bits;

    /// <summary>Samples written (at most <see cref="SamplesPerChunk"/>; a byte keeps the per-series struct small).</summary>
    public byte Count;

    /// <summary>Last timestamp.</summary>
    public long MaxT;

    private long _tDelta;
    private ulong _v;
    private byte _leading;
    private byte _trailing;

    /// <summary>Starts an empty chunk with a buffer of <paramref name="capacity"/> bytes.</summary>
    public XorAppender(int capacity)
    {
        Data = capacity == 0 ? [] : new byte[capacity];
        _leading = 0xFF;
    }

    /// <summary>The first timestamp (decoded from the chunk; the head keeps no field for it).</summary>
    public readonly long MinT => Count == 0 ? long.MaxValue : XorIterator.FirstTimestamp(Data, 0);

    /// <summary>Bytes in use.</summary>
    public readonly int ByteLength => (Bits + 7) >> 3;

    /// <summary>The last value's bits.</summary>
    public readonly ulong LastValueBits => _v;

    /// <summary>Appends a sample; the caller guarantees that <paramref name="t"/> is after <see cref="MaxT"/>.</summary>
    public void Append(long t, double v)
    {
        ulong vb = BitConverter.DoubleToUInt64Bits(v);
        if (Count == 0)
        {
            WriteVarint(t);
            WriteBits(vb, 64);
            _v = vb;
        }
        else if (Count == 1)
        {
            long d = t - MaxT;
            WriteVarint(d);
            _tDelta = d;
            WriteValue(vb);
        }
        else
        {
            long d = t - MaxT;
            long dod = d - _tDelta;
            if (dod == 0)
            {
                WriteBits(0, 1);
            }
            else if (InRange(dod, 14))
            {
                WriteBits(0b10, 2);
                WriteBits((ulong)dod & ((1UL << 14) - 1), 14);
            }
            else if (InRange(dod, 17))
            {
                WriteBits(0b110, 3);
                WriteBits((ulong)dod & ((1UL << 17) - 1), 17);
            }
            else if (InRange(dod, 20))
            {
                WriteBits(0b1110, 4);
                WriteBits((ulong)dod & ((1UL << 20) - 1), 20);
            }
            else
            {
                WriteBits(0b1111, 4);
                WriteBits((ulong)dod, 64);
            }
            _tDelta = d;
            WriteValue(vb);
        }
        MaxT = t;
        Count++;
    }

    /// <summary>The used bytes.</summary>
    public readonly ReadOnlySpan<byte> Used => new(Data, 0, ByteLength);

    /// <summary>A copy of the used bytes, for a chunk that will not grow any more.</summary>
    public readonly byte[] Trimmed()
    {
        int n = ByteLength;
        if (n == Data.Length)
        {
            return Data;
        }
        var b = new byte[n];
        Array.Copy(Data, b, n);
        return b;
    }

    private static bool InRange(long x, int nbits) => x >= -((1L << (nbits - 1)) - 1) && x <= 1L << (nbits - 1);

    private void WriteValue(ulong vb)
    {
        ulong delta = vb ^ _v;
        _v = vb;
        if (delta == 0)
        {
            WriteBits(0, 1);
            return;
        }
        int leading = BitOperations.LeadingZeroCount(delta);
        int trailing = BitOperations.TrailingZeroCount(delta);
        if (leading >= 32)
        {
            leading = 31; // five bits hold it
        }
        if (_leading != 0xFF && leading >= _leading && trailing >= _trailing)
        {
            WriteBits(0b10, 2);
            WriteBits(delta >> _trailing, 64 - _leading - _trailing);
            return;
        }
        _leading = (byte)leading;
        _trailing = (byte)trailing;
        int sig = 64 - leading - trailing;
        WriteBits(0b11, 2);
        WriteBits((ulong)leading, 5);
        WriteBits(sig == 64 ? 0UL : (ulong)sig, 6);
        WriteBits(delta >> trailing, sig);
    }

    private void WriteVarint(long x)
    {
        ulong u = (ulong)((x << 1) ^ (x >> 63));
        while (u >= 0x80)
        {
            WriteBits((u & 0x7F) | 0x80, 8);
            u >>= 7;
        }
        WriteBits(u, 8);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private void WriteBits(ulong v, int n)
    {
        int need = (Bits + n + 7) >> 3;
        if (need > Data.Length)
        {
            Grow(need);
        }
        var data = Data;
        int pos = Bits;
        while (n > 0)
        {
            int free = 8 - (pos & 7);
            int take = free < n ? free : n;
            uint bits = (uint)(v >> (n - take)) & ((1u << take) - 1);
            // A read-modify-write of the last byte only adds bits after those already there, so a concurrent
            // reader that stops at an earlier sample reads the same bits before and after.
            data[pos >> 3] |= (byte)(bits << (free - take));
            pos += take;
            n -= take;
        }
        Bits = pos;
    }

    [MethodImpl(MethodImplOptions.NoInlining)]
    private void Grow(int need)
    {
        // Double, from 32 bytes. Only a series' first chunk grows much (later ones start at their predecessor's
        // size), and the head chunk of a busy series outlives a few collections, so every grow leaves an array
        // in gen2 for a full collection to free and marks a card that every young collection scans: doubling
        // makes about half as many grows as growing by half (a chunk of changing values is 0.5-1.5 KB).
        int size = Math.Max(need, Math.Max(32, Data.Length * 2));
        var b = new byte[size];
        Array.Copy(Data, b, Data.Length);
        Data = b;
    }
}

/// <summary>Decodes the first <c>count</c> samples of an XOR chunk without allocating.</summary>
internal struct XorIterator
{
    private readonly byte[] _data;
    private readonly int _count;
    private int _pos;
    private int _i;
    private long _t;
    private long _tDelta;
    private ulong _v;
    private byte _leading;
    private byte _trailing;

    /// <summary>Starts before the first sample of the chunk at byte <paramref name="offset"/> of <paramref name="data"/>.</summary>
    public XorIterator(byte[] data, int count, int offset = 0)
    {
        _data = data;
        _count = count;
        _pos = offset << 3;
    }

    /// <summary>The first timestamp of the chunk at byte <paramref name="offset"/> (a chunk starts with it as a varint).</summary>
    public static long FirstTimestamp(byte[] data, int offset)
    {
        var it = new XorIterator(data, 1, offset);
        return it.ReadVarint();
    }

    /// <summary>The current timestamp.</summary>
    public readonly long T => _t;

    /// <summary>The current value.</summary>
    public readonly double V => BitConverter.UInt64BitsToDouble(_v);

    /// <summary>Advances; false after the last sample.</summary>
    public bool Next()
    {
        if (_i >= _count)
        {
            return false;
        }
        if (_i == 0)
        {
            _t = ReadVarint();
            _v = ReadBits(64);
        }
        else if (_i == 1)
        {
            _tDelta = ReadVarint();
            _t += _tDelta;
            ReadValue();
        }
        else
        {
            long dod;
            if (ReadBits(1) == 0)
            {
                dod = 0;
            }
            else if (ReadBits(1) == 0)
            {
                dod = Signed(ReadBits(14), 14);
            }
            else if (ReadBits(1) == 0)
            {
                dod = Signed(ReadBits(17), 17);
            }
            else if (ReadBits(1) == 0)
            {
                dod = Signed(ReadBits(20), 20);
            }
            else
            {
                dod = (long)ReadBits(64);
            }
            _tDelta += dod;
            _t += _tDelta;
            ReadValue();
        }
        _i++;
        return true;
    }

    private static long Signed(ulong bits, int n) => bits > 1UL << (n - 1) ? (long)bits - (1L << n) : (long)bits;

    private void ReadValue()
    {
        if (ReadBits(1) == 0)
        {
            return;
        }
        if (ReadBits(1) != 0)
        {
            _leading = (byte)ReadBits(5);
            int sig = (int)ReadBits(6);
            if (sig == 0)
            {
                sig = 64;
            }
            _trailing = (byte)(64 - _leading - sig);
        }
        int n = 64 - _leading - _trailing;
        _v ^= ReadBits(n) << _trailing;
    }

    private long ReadVarint()
    {
        ulong u = 0;
        int shift = 0;
        while (true)
        {
            ulong b = ReadBits(8);
            u |= (b & 0x7F) << shift;
            if (b < 0x80)
            {
                break;
            }
            shift += 7;
        }
        return (long)(u >> 1) ^ -(long)(u & 1);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private ulong ReadBits(int n)
    {
        // One unaligned big-endian load holds at least 57 bits from the current position: enough for every field
        // but the rare 64-bit ones, which take the byte-wise path (as does the end of the buffer).
        int pos = _pos;
        int at = pos >> 3;
        var data = _data;
        if ((uint)(n - 1) < 56u && (uint)at + 8u <= (uint)data.Length)
        {
            ulong w = BinaryPrimitives.ReadUInt64BigEndian(data.AsSpan(at, 8));
            _pos = pos + n;
            return (w << (pos & 7)) >> (64 - n);
        }
        return ReadBitsSlow(n);
    }

    private ulong ReadBitsSlow(int n)
    {
        ulong r = 0;
        int pos = _pos;
        var data = _data;
        while (n > 0)
        {
            int avail = 8 - (pos & 7);
            int take = avail < n ? avail : n;
            uint b = data[pos >> 3];
            r = (r << take) | ((b >> (avail - take)) & ((1u << take) - 1));
            pos += take;
            n -= take;
        }
        _pos = pos;
        return r;
    }
}

/// <summary>
/// Decodes a whole XOR chunk at once into arrays: the same format as <see cref="XorIterator"/> reads, with the
/// decoder's state in locals, which is several times faster per sample than stepping an iterator held in a field.
/// </summary>
internal static class XorDecoder
{
    /// <summary>The most samples a chunk can hold (its count is one byte).</summary>
    public const int MaxSamples = 255;

    /// <summary>
    /// Decodes the first <paramref name="count"/> samples of the chunk at byte <paramref name="offset"/> of
    /// <paramref name="data"/> into <paramref name="ts"/> and <paramref name="vs"/> (each at least that long).
    /// </summary>
    public static void Decode(byte[] data, int offset, int count, Span<long> ts, Span<double> vs) =>
        Decode(data.AsSpan(offset), count, ts, vs);

    /// <summary>
    /// Decodes the first <paramref name="count"/> samples of the chunk that starts <paramref name="data"/> (which may
    /// run on past the chunk: the decoder then reads whole 64-bit words to its end) into <paramref name="ts"/> and
    /// <paramref name="vs"/>.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void Decode(ReadOnlySpan<byte> data, int count, Span<long> ts, Span<double> vs)
    {
        if (count <= 0)
        {
            return;
        }
        ts = ts[..count];
        vs = vs[..count];
        int pos = 0;
        long t = Varint(data, ref pos);
        ulong v = Bits(data, pos, 64);
        pos += 64;
        ts[0] = t;
        vs[0] = BitConverter.UInt64BitsToDouble(v);
        if (count == 1)
        {
            return;
        }
        long delta = Varint(data, ref pos);
        t += delta;
        int leading = 0, trailing = 0;
        v = Value(data, ref pos, v, ref leading, ref trailing);
        ts[1] = t;
        vs[1] = BitConverter.UInt64BitsToDouble(v);
        for (int i = 2; i < count; i++)
        {
            // One 64-bit load serves the sample's usual fields: at least 57 bits from pos are valid in w.
            ulong w = Window(data, pos);
            int avail = 64 - (pos & 7);
            if ((long)w >= 0)
            {
                // The usual delta of deltas at a regular interval: 0.
                pos += 1;
                w <<= 1;
                avail -= 1;
            }
            else
            {
                // 10 + 14 bits | 110 + 17 | 1110 + 20 | 1111 + 64.
                uint ctl = (uint)(w >> 60);
                long dod;
                if ((ctl & 0b0100) == 0)
                {
                    dod = Signed(Bits(data, pos + 2, 14), 14);
                    pos += 2 + 14;
                }
                else if ((ctl & 0b0010) == 0)
                {
                    dod = Signed(Bits(data, pos + 3, 17), 17);
                    pos += 3 + 17;
                }
                else if ((ctl & 0b0001) == 0)
                {
                    dod = Signed(Bits(data, pos + 4, 20), 20);
                    pos += 4 + 20;
                }
                else
                {
                    dod = (long)Bits(data, pos + 4, 64);
                    pos += 4 + 64;
                }
                delta += dod;
                w = Window(data, pos);
                avail = 64 - (pos & 7);
            }
            t += delta;
            // The value: 0: unchanged | 10: XOR within the previous window | 11 + 5 bits leading + 6 bits length.
            if ((long)w < 0)
            {
                int used = 2;
                if ((w & (1UL << 62)) != 0)
                {
                    uint hdr = (uint)(w >> 51) & 0x7FF;
                    leading = (int)(hdr >> 6);
                    int sig = (int)(hdr & 0x3F);
                    if (sig == 0)
                    {
                        sig = 64;
                    }
                    trailing = 64 - leading - sig;
                    used = 13;
                }
                int n = 64 - leading - trailing;
                ulong x;
                if (used + n <= avail)
                {
                    x = (w << used) >> (64 - n);
                }
                else
                {
                    x = Bits(data, pos + used, n);
                }
                pos += used + n;
                v ^= x << trailing;
            }
            else
            {
                pos += 1;
            }
            ts[i] = t;
            vs[i] = BitConverter.UInt64BitsToDouble(v);
        }
    }

    /// <summary>The 64 bits from bit <paramref name="pos"/> on, of which at least the first 57 are the stream's (zeros past its end).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static ulong Window(ReadOnlySpan<byte> data, int pos)
    {
        int at = pos >> 3;
        if ((uint)at + 8u <= (uint)data.Length)
        {
            ulong w = Unsafe.ReadUnaligned<ulong>(ref Unsafe.Add(ref MemoryMarshal.GetReference(data), at));
            if (BitConverter.IsLittleEndian)
            {
                w = BinaryPrimitives.ReverseEndianness(w);
            }
            return w << (pos & 7);
        }
        return BitsSlow(data, pos, 64);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static ulong Value(ReadOnlySpan<byte> data, ref int pos, ulong v, ref int leading, ref int trailing)
    {
        // 0: unchanged | 10: XOR within the previous window | 11 + 5 bits leading + 6 bits length: a new window.
        uint ctl = (uint)Bits(data, pos, 2);
        if ((ctl & 0b10) == 0)
        {
            pos += 1;
            return v;
        }
        if (ctl == 0b11)
        {
            uint hdr = (uint)Bits(data, pos + 2, 11);
            leading = (int)(hdr >> 6);
            int sig = (int)(hdr & 0x3F);
            if (sig == 0)
            {
                sig = 64;
            }
            trailing = 64 - leading - sig;
            pos += 2 + 11;
        }
        else
        {
            pos += 2;
        }
        int n = 64 - leading - trailing;
        ulong x = Bits(data, pos, n);
        pos += n;
        return v ^ (x << trailing);
    }

    private static long Signed(ulong bits, int n) => bits > 1UL << (n - 1) ? (long)bits - (1L << n) : (long)bits;

    private static long Varint(ReadOnlySpan<byte> data, ref int pos)
    {
        ulong u = 0;
        int shift = 0;
        while (true)
        {
            ulong b = Bits(data, pos, 8);
            pos += 8;
            u |= (b & 0x7F) << shift;
            if (b < 0x80)
            {
                break;
            }
            shift += 7;
        }
        return (long)(u >> 1) ^ -(long)(u & 1);
    }

    /// <summary>The <paramref name="n"/> bits (0..64) at bit <paramref name="pos"/>, most significant first.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static ulong Bits(ReadOnlySpan<byte> data, int pos, int n)
    {
        int at = pos >> 3;
        if ((uint)(n - 1) < 56u && (uint)at + 8u <= (uint)data.Length)
        {
            ulong w = BinaryPrimitives.ReadUInt64BigEndian(data.Slice(at, 8));
            return (w << (pos & 7)) >> (64 - n);
        }
        return BitsSlow(data, pos, n);
    }

    private static ulong BitsSlow(ReadOnlySpan<byte> data, int pos, int n)
    {
        ulong r = 0;
        while (n > 0)
        {
            int avail = 8 - (pos & 7);
            int take = avail < n ? avail : n;
            // Past the end only when the caller peeks further than the chunk's last field: those bits read as zero.
            uint b = (uint)(pos >> 3) < (uint)data.Length ? data[pos >> 3] : 0u;
            r = (r << take) | ((b >> (avail - take)) & ((1u << take) - 1));
            pos += take;
            n -= take;
        }
        return r;
    }
}
