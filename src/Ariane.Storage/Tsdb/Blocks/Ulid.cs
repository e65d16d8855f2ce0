using System.Security.Cryptography;

namespace Ariane.Tsdb.Blocks;

/// <summary>
/// A ULID (48-bit millisecond timestamp, 80 random bits, 26 characters of Crockford base32): the name of a
/// block folder, so that folders sort by creation time as Prometheus's do.
/// </summary>
internal static class Ulid
{
    private const string Alphabet = "0123456789ABCDEFGHJKMNPQRSTVWXYZ";

    /// <summary>A new ULID for the moment <paramref name="unixMs"/>.</summary>
    public static string New(long unixMs)
    {
        Span<byte> b = stackalloc byte[16];
        ulong t = (ulong)unixMs;
        for (int i = 5; i >= 0; i--)
        {
            b[i] = (byte)t;
            t >>= 8;
        }
        RandomNumberGenerator.Fill(b[6..]);
        Span<char> c = stackalloc char[26];
        // 128 bits as 26 five-bit groups, most significant first (the first group has only 3 bits).
        UInt128 v = 0;
        for (int i = 0; i < 16; i++)
        {
            v = (v << 8) | b[i];
        }
        for (int i = 25; i >= 0; i--)
        {
            c[i] = Alphabet[(int)(v & 31)];
            v >>= 5;
        }
        return new string(c);
    }

    /// <summary>True when <paramref name="s"/> is 26 characters of the ULID alphabet.</summary>
    public static bool IsValid(ReadOnlySpan<char> s)
    {
        if (s.Length != 26 || s[0] > '7')
        {
            return false;
        }
        foreach (char ch in s)
        {
            if (!Alphabet.Contains(ch, StringComparison.Ordinal))
            {
                return false;
            }
        }
        return true;
    }
}
