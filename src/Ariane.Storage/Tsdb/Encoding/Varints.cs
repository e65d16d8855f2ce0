using System.Runtime.CompilerServices;

namespace Ariane.Tsdb;

/// <summary>What <see cref="Varints.TryRead"/> found.</summary>
internal enum VarintStatus : byte
{
    /// <summary>A whole varint was read.</summary>
    Ok,

    /// <summary>The data end before the varint's last byte.</summary>
    Truncated,

    /// <summary>More than <see cref="Varints.MaxLength"/> bytes: it does not fit 64 bits.</summary>
    TooLong,
}

/// <summary>
/// Unsigned LEB128 varints as Go's <c>encoding/binary</c> writes them, and signed ones in zigzag form: the one
/// implementation behind the WAL records, the block index, tombstones, chunk data and the head's chunk headers.
/// Readers of each format wrap <see cref="TryRead"/> to throw their own exception (a WAL record's is not a block's).
/// </summary>
internal static class Varints
{
    /// <summary>The most bytes a 64-bit varint takes.</summary>
    public const int MaxLength = 10;

    /// <summary>Writes <paramref name="value"/> at <paramref name="pos"/> (room for <see cref="MaxLength"/> bytes) and advances it.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void Write(Span<byte> dst, ref int pos, ulong value)
    {
        while (value >= 0x80)
        {
            dst[pos++] = (byte)(value | 0x80);
            value >>= 7;
        }
        dst[pos++] = (byte)value;
    }

    /// <summary>Writes <paramref name="value"/> in zigzag form at <paramref name="pos"/> and advances it.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void WriteSigned(Span<byte> dst, ref int pos, long value) => Write(dst, ref pos, ZigZag(value));

    /// <summary>Bytes <paramref name="value"/> takes as a varint.</summary>
    public static int Size(ulong value)
    {
        int n = 1;
        while (value >= 0x80)
        {
            value >>= 7;
            n++;
        }
        return n;
    }

    /// <summary>Maps a signed value to an unsigned one with small magnitudes small (0, -1, 1, -2 → 0, 1, 2, 3).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static ulong ZigZag(long value) => (ulong)((value << 1) ^ (value >> 63));

    /// <summary>The inverse of <see cref="ZigZag"/>.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static long UnZigZag(ulong value) => (long)(value >> 1) ^ -(long)(value & 1);

    /// <summary>
    /// Reads the varint at <paramref name="pos"/> and advances past it, in data this process wrote itself (the head's
    /// memory): running past the end or past 64 bits is a bug, reported as <see cref="InvalidDataException"/>.
    /// </summary>
    public static ulong Read(ReadOnlySpan<byte> data, ref int pos) =>
        TryRead(data, ref pos, out ulong value) == VarintStatus.Ok ? value : throw new InvalidDataException("bad varint in memory");

    /// <summary>
    /// Reads the varint at <paramref name="pos"/> and advances past it; on <see cref="VarintStatus.Truncated"/> or
    /// <see cref="VarintStatus.TooLong"/>, <paramref name="value"/> is 0 and <paramref name="pos"/> undefined.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static VarintStatus TryRead(ReadOnlySpan<byte> data, ref int pos, out ulong value)
    {
        ulong v = 0;
        for (int shift = 0; shift < 64; shift += 7)
        {
            if ((uint)pos >= (uint)data.Length)
            {
                value = 0;
                return VarintStatus.Truncated;
            }
            byte b = data[pos++];
            v |= (ulong)(b & 0x7F) << shift;
            if (b < 0x80)
            {
                value = v;
                return VarintStatus.Ok;
            }
        }
        value = 0;
        return VarintStatus.TooLong;
    }
}
