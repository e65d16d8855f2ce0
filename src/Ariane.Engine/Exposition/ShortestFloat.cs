using System.Numerics;
using System.Runtime.CompilerServices;

namespace Ariane.Exposition;

/// <summary>
/// Shortest round-trip decimal digits of a double (the fewest digits that parse back to the same double, and of those
/// the closest to it), computed with 128-bit fixed-point powers of five as in Ulf Adams's Ryū (PLDI 2018), and Go's
/// <c>strconv.FormatFloat</c> spellings of them, which is how Prometheus writes sample values.
/// </summary>
/// <remarks>
/// .NET's own shortest round-trip formatting costs several hundred nanoseconds a value on this machine, a quarter of
/// the server's CPU when it answers a large range query; this takes a few tens.
/// </remarks>
public static class ShortestFloat
{
    private const int MantissaBits = 52;
    private const int ExponentBias = 1023;

    /// <summary>Bits kept of each power of five and of each inverse power of five.</summary>
    private const int PowBits = 125;

    private const int PowCount = 326;
    private const int InvCount = 342;

    // 5^i scaled to exactly PowBits bits (top bits kept), and floor(2^(bitlength(5^i) - 1 + PowBits) / 5^i) + 1, as
    // high and low 64-bit halves.
    private static readonly ulong[] PowHi = new ulong[PowCount];
    private static readonly ulong[] PowLo = new ulong[PowCount];
    private static readonly ulong[] InvHi = new ulong[InvCount];
    private static readonly ulong[] InvLo = new ulong[InvCount];

#pragma warning disable CA1810 // the tables are computed once, which a static constructor says most plainly
    static ShortestFloat()
#pragma warning restore CA1810
    {
        BigInteger mask = (BigInteger.One << 64) - 1;
        BigInteger p = BigInteger.One;
        for (int i = 0; i < InvCount; i++)
        {
            int bits = (int)p.GetBitLength();
            if (i < PowCount)
            {
                BigInteger v = bits >= PowBits ? p >> (bits - PowBits) : p << (PowBits - bits);
                PowHi[i] = (ulong)(v >> 64);
                PowLo[i] = (ulong)(v & mask);
            }
            BigInteger inv = (BigInteger.One << (bits - 1 + PowBits)) / p + 1;
            InvHi[i] = (ulong)(inv >> 64);
            InvLo[i] = (ulong)(inv & mask);
            p *= 5;
        }
    }

    /// <summary>
    /// The shortest decimal <paramref name="digits"/> × 10^<paramref name="exponent"/> that reads back as
    /// <paramref name="value"/>'s magnitude. <paramref name="value"/> must be finite; zero gives 0 × 10^0.
    /// </summary>
    public static void Decimal(double value, out ulong digits, out int exponent)
    {
        ulong bits = BitConverter.DoubleToUInt64Bits(value);
        ulong fraction = bits & ((1UL << MantissaBits) - 1);
        int biased = (int)((bits >> MantissaBits) & 0x7FF);
        if (biased == 0 && fraction == 0)
        {
            digits = 0;
            exponent = 0;
            return;
        }

        // value = m2 × 2^e2, with two extra bits of room for the halfway points between neighbours.
        int e2;
        ulong m2;
        if (biased == 0)
        {
            e2 = 1 - ExponentBias - MantissaBits - 2;
            m2 = fraction;
        }
        else
        {
            e2 = biased - ExponentBias - MantissaBits - 2;
            m2 = (1UL << MantissaBits) | fraction;
        }

        // An integer below 2^53 is its own shortest spelling (no fewer digits lie within half a unit of it).
        if (biased != 0 && e2 + 2 <= 0 && e2 + 2 >= -MantissaBits)
        {
            int shift = -(e2 + 2);
            if ((m2 & ((1UL << shift) - 1)) == 0)
            {
                ulong n = m2 >> shift;
                int e = 0;
                while (n % 10 == 0)
                {
                    n /= 10;
                    e++;
                }
                digits = n;
                exponent = e;
                return;
            }
        }

        bool even = (m2 & 1) == 0;
        ulong mv = 4 * m2;
        uint mmShift = fraction != 0 || biased <= 1 ? 1u : 0u; // the lower neighbour is half as far at a power of two

        ulong vr, vp, vm;
        int e10;
        bool vmIsTrailingZeros = false, vrIsTrailingZeros = false;
        if (e2 >= 0)
        {
            int q = Log10Pow2(e2) - (e2 > 3 ? 1 : 0);
            e10 = q;
            int k = PowBits + Pow5Bits(q) - 1;
            int i = -e2 + q + k;
            ulong hi = InvHi[q], lo = InvLo[q];
            vr = MulShift(mv, hi, lo, i);
            vp = MulShift(mv + 2, hi, lo, i);
            vm = MulShift(mv - 1 - mmShift, hi, lo, i);
            if (q <= 21)
            {
                // Only here can the exact products end in q zeros (mv has at most 55 bits, 5^22 > 2^51).
                if (mv % 5 == 0)
                {
                    vrIsTrailingZeros = MultipleOfPowerOf5(mv, q);
                }
                else if (even)
                {
                    vmIsTrailingZeros = MultipleOfPowerOf5(mv - 1 - mmShift, q);
                }
                else
                {
                    vp -= MultipleOfPowerOf5(mv + 2, q) ? 1UL : 0UL;
                }
            }
        }
        else
        {
            int q = Log10Pow5(-e2) - (-e2 > 1 ? 1 : 0);
            e10 = q + e2;
            int i = -e2 - q;
            int k = Pow5Bits(i) - PowBits;
            int j = q - k;
            ulong hi = PowHi[i], lo = PowLo[i];
            vr = MulShift(mv, hi, lo, j);
            vp = MulShift(mv + 2, hi, lo, j);
            vm = MulShift(mv - 1 - mmShift, hi, lo, j);
            if (q <= 1)
            {
                // mv, mp and mm all end in at least one zero bit here, so the products end in q zeros.
                vrIsTrailingZeros = true;
                if (even)
                {
                    vmIsTrailingZeros = mmShift == 1;
                }
                else
                {
                    vp--;
                }
            }
            else if (q < 63)
            {
                vrIsTrailingZeros = (mv & ((1UL << q) - 1)) == 0;
            }
        }

        // Drop digits while the interval (vm, vp) still holds a shorter number.
        int removed = 0;
        ulong output;
        if (vmIsTrailingZeros || vrIsTrailingZeros)
        {
            uint lastRemoved = 0;
            while (vp / 10 > vm / 10)
            {
                vmIsTrailingZeros &= vm % 10 == 0;
                vrIsTrailingZeros &= lastRemoved == 0;
                lastRemoved = (uint)(vr % 10);
                vr /= 10;
                vp /= 10;
                vm /= 10;
                removed++;
            }
            if (vmIsTrailingZeros)
            {
                while (vm % 10 == 0)
                {
                    vrIsTrailingZeros &= lastRemoved == 0;
                    lastRemoved = (uint)(vr % 10);
                    vr /= 10;
                    vp /= 10;
                    vm /= 10;
                    removed++;
                }
            }
            if (vrIsTrailingZeros && lastRemoved == 5 && vr % 2 == 0)
            {
                lastRemoved = 4; // exactly halfway: round to even
            }
            output = vr + ((vr == vm && (!even || !vmIsTrailingZeros)) || lastRemoved >= 5 ? 1UL : 0UL);
        }
        else
        {
            bool roundUp = false;
            if (vp / 100 > vm / 100)
            {
                // Two digits at a time while possible: most values lose several.
                do
                {
                    roundUp = vr % 100 >= 50;
                    vr /= 100;
                    vp /= 100;
                    vm /= 100;
                    removed += 2;
                }
                while (vp / 100 > vm / 100);
            }
            if (vp / 10 > vm / 10)
            {
                roundUp = vr % 10 >= 5;
                vr /= 10;
                vp /= 10;
                vm /= 10;
                removed++;
            }
            output = vr + (vr == vm || roundUp ? 1UL : 0UL);
        }
        digits = output;
        exponent = e10 + removed;
    }

    /// <summary>
    /// The decimal exponent of <paramref name="value"/>'s shortest spelling in scientific notation (1.5e-07 gives -7;
    /// 0 gives 0), which decides between Go's <c>'e'</c> and <c>'f'</c> spellings for <c>%g</c> and <c>%v</c>.
    /// <paramref name="value"/> must be finite.
    /// </summary>
    public static int ScientificExponent(double value)
    {
        Decimal(value, out ulong digits, out int exponent);
        return digits == 0 ? 0 : exponent + CountDigits(digits) - 1;
    }

    /// <summary>
    /// Go's shortest <c>'f'</c> spelling (<see cref="FormatFixed"/>), or its <c>'e'</c> spelling
    /// (<see cref="FormatExponent"/>) when the scientific exponent is below <paramref name="minFixed"/> or at least
    /// <paramref name="maxFixed"/>; <c>NaN</c>, <c>+Inf</c>, <c>-Inf</c>. Go's <c>%g</c> is (-4, 6), its <c>%v</c>
    /// (-4, 21). Appended as text, for the cold paths that build strings (PromQL's printer, the CLI).
    /// </summary>
    public static void AppendGo(System.Text.StringBuilder sb, double value, int minFixed, int maxFixed)
    {
        if (!double.IsFinite(value))
        {
            sb.Append(double.IsNaN(value) ? "NaN" : value > 0 ? "+Inf" : "-Inf");
            return;
        }
        int exp = ScientificExponent(value);
        bool exponent = value != 0 && (exp < minFixed || exp >= maxFixed);
        // No exponent: up to 309 integer digits, or 324 places after the point.
        Span<byte> buf = stackalloc byte[400];
        int n = exponent ? FormatExponent(value, buf) : FormatFixed(value, buf);
        for (int i = 0; i < n; i++)
        {
            sb.Append((char)buf[i]);
        }
    }

    /// <summary>
    /// Writes <paramref name="value"/> as Prometheus's API does (Go's <c>'f'</c> format with the shortest digits, or
    /// <c>'e'</c> below 1e-6 and from 1e21; <c>NaN</c>, <c>+Inf</c>, <c>-Inf</c>) and returns the length. The
    /// destination needs 32 bytes.
    /// </summary>
    public static int FormatPrometheus(double value, Span<byte> destination)
    {
        if (!double.IsFinite(value))
        {
            return NonFinite(value, destination);
        }
        double abs = Math.Abs(value);
        return abs != 0 && (abs < 1e-6 || abs >= 1e21)
            ? FormatExponent(value, destination)
            : FormatFixed(value, destination);
    }

    /// <summary>
    /// Go's <c>strconv.FormatFloat(value, 'f', -1, 64)</c> for a finite value: no exponent, so up to 330 bytes for the
    /// extremes; 32 bytes hold every value of magnitude below 1e15 and at least 1e-6.
    /// </summary>
    public static int FormatFixed(double value, Span<byte> destination)
    {
        Decimal(value, out ulong digits, out int exponent);
        int n = 0;
        if (double.IsNegative(value))
        {
            destination[n++] = (byte)'-';
        }
        if (digits == 0)
        {
            destination[n++] = (byte)'0';
            return n;
        }
        int len = CountDigits(digits);
        int point = len + exponent; // digits before the decimal point
        if (point <= 0)
        {
            destination[n++] = (byte)'0';
            destination[n++] = (byte)'.';
            destination.Slice(n, -point).Fill((byte)'0');
            n += -point;
            WriteDigits(digits, destination.Slice(n, len));
            return n + len;
        }
        if (point < len)
        {
            // Digits one place to the right, then the integer part back over the gap, then the point.
            WriteDigits(digits, destination.Slice(n + 1, len));
            destination.Slice(n + 1, point).CopyTo(destination[n..]);
            destination[n + point] = (byte)'.';
            return n + len + 1;
        }
        WriteDigits(digits, destination.Slice(n, len));
        n += len;
        destination.Slice(n, point - len).Fill((byte)'0');
        return n + point - len;
    }

    /// <summary>Go's <c>strconv.FormatFloat(value, 'e', -1, 64)</c> for a finite value (<c>1.5e-07</c>, <c>1e+21</c>).</summary>
    public static int FormatExponent(double value, Span<byte> destination)
    {
        Decimal(value, out ulong digits, out int exponent);
        int n = 0;
        if (double.IsNegative(value))
        {
            destination[n++] = (byte)'-';
        }
        int len = CountDigits(digits);
        if (len > 1)
        {
            WriteDigits(digits, destination.Slice(n + 1, len));
            destination[n] = destination[n + 1];
            destination[n + 1] = (byte)'.';
            n += len + 1;
        }
        else
        {
            destination[n++] = (byte)('0' + (int)digits);
        }
        int e = digits == 0 ? 0 : exponent + len - 1;
        destination[n++] = (byte)'e';
        destination[n++] = e < 0 ? (byte)'-' : (byte)'+';
        e = Math.Abs(e);
        if (e >= 100)
        {
            destination[n++] = (byte)('0' + e / 100);
            e %= 100;
        }
        destination[n++] = (byte)('0' + e / 10);
        destination[n++] = (byte)('0' + e % 10);
        return n;
    }

    private static int NonFinite(double value, Span<byte> destination)
    {
        ReadOnlySpan<byte> s = double.IsNaN(value) ? "NaN"u8 : value > 0 ? "+Inf"u8 : "-Inf"u8;
        s.CopyTo(destination);
        return s.Length;
    }

    /// <summary>Writes <paramref name="v"/>'s decimal digits to fill <paramref name="d"/> exactly, two at a time.</summary>
    private static void WriteDigits(ulong v, Span<byte> d)
    {
        ReadOnlySpan<byte> pairs = DigitPairs;
        int i = d.Length;
        while (v >= 100_000_000)
        {
            // Eight digits at a time in 32-bit arithmetic.
            ulong q = v / 100_000_000;
            uint r = (uint)(v - q * 100_000_000);
            v = q;
            for (int k = 0; k < 4; k++)
            {
                uint rq = r / 100;
                int pair = (int)(r - rq * 100) * 2;
                d[--i] = pairs[pair + 1];
                d[--i] = pairs[pair];
                r = rq;
            }
        }
        uint u = (uint)v;
        while (u >= 100)
        {
            uint q = u / 100;
            int pair = (int)(u - q * 100) * 2;
            d[--i] = pairs[pair + 1];
            d[--i] = pairs[pair];
            u = q;
        }
        if (u >= 10)
        {
            d[--i] = pairs[(int)u * 2 + 1];
            d[--i] = pairs[(int)u * 2];
        }
        else
        {
            d[--i] = (byte)('0' + u);
        }
    }

    private static ReadOnlySpan<byte> DigitPairs =>
        "00010203040506070809101112131415161718192021222324252627282930313233343536373839"u8 +
        "40414243444546474849505152535455565758596061626364656667686970717273747576777879"u8 +
        "8081828384858687888990919293949596979899"u8;

    private static int CountDigits(ulong v)
    {
        // Every ulong below 10^n has at most n digits: estimate from the bit length, then correct once.
        int estimate = ((BitOperations.Log2(v | 1) + 1) * 1233) >> 12;
        return estimate + (v >= PowersOfTen[estimate] ? 1 : 0);
    }

    private static readonly ulong[] PowersOfTen =
    [
        1, 10, 100, 1000, 10000, 100000, 1000000, 10000000, 100000000, 1000000000, 10000000000, 100000000000,
        1000000000000, 10000000000000, 100000000000000, 1000000000000000, 10000000000000000, 100000000000000000,
        1000000000000000000, 10000000000000000000,
    ];

    /// <summary>(m × (hi·2^64 + lo)) >> j, for j from 65 to 127 (m has at most 55 bits).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static ulong MulShift(ulong m, ulong hi, ulong lo, int j)
    {
        ulong high0 = Math.BigMul(m, lo, out _);
        ulong high2 = Math.BigMul(m, hi, out ulong low2);
        ulong sumLo = low2 + high0;
        ulong sumHi = high2 + (sumLo < low2 ? 1UL : 0UL);
        int s = j - 64;
        return (sumHi << (64 - s)) | (sumLo >> s);
    }

    /// <summary>Bit length of 5^e (ceil(e·log2 5), and 1 for e = 0), for e up to 3528.</summary>
    private static int Pow5Bits(int e) => (int)(((uint)e * 1217359) >> 19) + 1;

    /// <summary>floor(e·log10 2), for e up to 1650.</summary>
    private static int Log10Pow2(int e) => (int)(((uint)e * 78913) >> 18);

    /// <summary>floor(e·log10 5), for e up to 2620.</summary>
    private static int Log10Pow5(int e) => (int)(((uint)e * 732923) >> 20);

    private static bool MultipleOfPowerOf5(ulong value, int p)
    {
        int count = 0;
        while (value != 0 && value % 5 == 0)
        {
            value /= 5;
            count++;
            if (count >= p)
            {
                return true;
            }
        }
        return count >= p;
    }
}
