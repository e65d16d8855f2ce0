using System.Buffers.Binary;

namespace Ariane.Remote;

/// <summary>
/// A strict decoder of snappy's block format (the framing remote write uses), which refuses every body whose declared
/// length does not match what its elements produce, as Go's snappy package (and so Prometheus) does: a lenient decoder
/// would store a silently truncated or padded request.
/// </summary>
public static class SnappyBlock
{
    /// <summary>The error text of Go's snappy package for any malformed block, which Prometheus answers with.</summary>
    public const string CorruptInput = "snappy: corrupt input";

    // The most output one input byte can produce: a copy with a 2-byte offset is 3 bytes long and yields up to 64.
    private const int MaxExpansionNumerator = 64, MaxExpansionDenominator = 3;

    /// <summary>
    /// Reads the declared decoded length from the preamble. False when the preamble is malformed (an empty body among
    /// others), when it declares more than the format allows (2^32 - 1), or more than the rest of the block could
    /// produce, so that no buffer is ever sized by a length the data cannot back.
    /// </summary>
    public static bool TryGetDecodedLength(ReadOnlySpan<byte> block, out long length, out int preambleLength)
    {
        length = 0;
        preambleLength = 0;
        ulong v = 0;
        for (int i = 0; i < 5; i++)
        {
            if (i >= block.Length)
            {
                return false;
            }
            byte b = block[i];
            v |= (ulong)(b & 0x7F) << (7 * i);
            if (b < 0x80)
            {
                if (v > uint.MaxValue)
                {
                    return false;
                }
                long payload = block.Length - (i + 1);
                if ((long)v > payload * MaxExpansionNumerator / MaxExpansionDenominator)
                {
                    return false;
                }
                length = (long)v;
                preambleLength = i + 1;
                return true;
            }
        }
        return false;
    }

    /// <summary>
    /// Decodes <paramref name="block"/> (preamble included) into <paramref name="output"/>, which must be exactly the
    /// declared length (see <see cref="TryGetDecodedLength"/>). Throws <see cref="InvalidDataException"/> with
    /// <see cref="CorruptInput"/> and the reason when the block is malformed or decodes to another length.
    /// </summary>
    public static void Decode(ReadOnlySpan<byte> block, Span<byte> output)
    {
        if (!TryGetDecodedLength(block, out long declared, out int s))
        {
            throw Corrupt("invalid or impossible decoded length");
        }
        if (declared != output.Length)
        {
            throw new ArgumentException("the output must be exactly the declared decoded length", nameof(output));
        }
        int d = 0;
        while (s < block.Length)
        {
            byte tag = block[s];
            int length, offset;
            switch (tag & 3)
            {
                case 0:
                    {
                        long n = tag >> 2;
                        if (n < 60)
                        {
                            s++;
                        }
                        else
                        {
                            // 60..63: the length minus one follows in 1..4 little-endian bytes.
                            int extra = (int)n - 59;
                            if (extra > block.Length - s - 1)
                            {
                                throw Corrupt("truncated literal length");
                            }
                            n = 0;
                            for (int k = extra; k >= 1; k--)
                            {
                                n = (n << 8) | block[s + k];
                            }
                            s += 1 + extra;
                        }
                        n++;
                        if (n > block.Length - s)
                        {
                            throw Corrupt("literal runs past the end of the input");
                        }
                        if (n > output.Length - d)
                        {
                            throw Corrupt("data longer than the declared length");
                        }
                        block.Slice(s, (int)n).CopyTo(output[d..]);
                        s += (int)n;
                        d += (int)n;
                        continue;
                    }
                case 1:
                    if (block.Length - s < 2)
                    {
                        throw Corrupt("truncated copy");
                    }
                    length = 4 + ((tag >> 2) & 7);
                    offset = ((tag & 0xE0) << 3) | block[s + 1];
                    s += 2;
                    break;
                case 2:
                    if (block.Length - s < 3)
                    {
                        throw Corrupt("truncated copy");
                    }
                    length = 1 + (tag >> 2);
                    offset = BinaryPrimitives.ReadUInt16LittleEndian(block.Slice(s + 1, 2));
                    s += 3;
                    break;
                default:
                    if (block.Length - s < 5)
                    {
                        throw Corrupt("truncated copy");
                    }
                    length = 1 + (tag >> 2);
                    uint o = BinaryPrimitives.ReadUInt32LittleEndian(block.Slice(s + 1, 4));
                    offset = o > int.MaxValue ? int.MaxValue : (int)o;
                    s += 5;
                    break;
            }
            if (offset <= 0 || offset > d)
            {
                throw Corrupt("copy offset out of range");
            }
            if (length > output.Length - d)
            {
                throw Corrupt("data longer than the declared length");
            }
            int from = d - offset;
            if (offset >= length)
            {
                output.Slice(from, length).CopyTo(output[d..]);
                d += length;
            }
            else
            {
                // An overlapping copy repeats the last `offset` bytes: copy the pattern in chunks that double, each
                // a whole number of periods, so every chunk's source lies before its destination.
                int end = d + length;
                while (d < end)
                {
                    int chunk = Math.Min(d - from, end - d);
                    output.Slice(from, chunk).CopyTo(output[d..]);
                    d += chunk;
                }
            }
        }
        if (d != output.Length)
        {
            throw Corrupt("data shorter than the declared length");
        }
    }

    private static InvalidDataException Corrupt(string why) => new(CorruptInput + ": " + why);
}
