using System.Globalization;
using System.Text;
using Ariane.Exposition;

namespace Ariane.Tests.Exposition;

/// <summary>
/// Shortest round-trip digits and Go's spellings of them: every value checked reads back as itself, has no more
/// digits than .NET's round-trip form, and the same digits whenever that form reads back (it does not always: .NET
/// 10 spells 2^-25 as 2.980232238769531E-08, which reads back as the double below).
/// </summary>
public sealed class ShortestFloatTests
{
    private static string Prometheus(double v)
    {
        Span<byte> buf = stackalloc byte[32];
        return Encoding.ASCII.GetString(buf[..ShortestFloat.FormatPrometheus(v, buf)]);
    }

    private static string Fixed(double v)
    {
        Span<byte> buf = stackalloc byte[400];
        return Encoding.ASCII.GetString(buf[..ShortestFloat.FormatFixed(v, buf)]);
    }

    // Expected texts are what Go's strconv.FormatFloat gives, as Prometheus's API prints values.
    [Theory]
    [InlineData(0.0, "0")]
    [InlineData(-0.0, "-0")]
    [InlineData(1.0, "1")]
    [InlineData(-2.5, "-2.5")]
    [InlineData(0.1, "0.1")]
    [InlineData(1.0 / 3, "0.3333333333333333")]
    [InlineData(2.0 / 3, "0.6666666666666666")]
    [InlineData(15.088000000000001, "15.088000000000001")]
    [InlineData(266.6666666666667, "266.6666666666667")]
    [InlineData(1e15, "1000000000000000")]
    [InlineData(123456789012345680.0, "123456789012345680")]
    [InlineData(9007199254740993.0, "9007199254740992")]
    [InlineData(1e20, "100000000000000000000")]
    [InlineData(1e21, "1e+21")]
    [InlineData(1.5e300, "1.5e+300")]
    [InlineData(1e-6, "0.000001")]
    [InlineData(1.234e-6, "0.000001234")]
    [InlineData(1e-7, "1e-07")]
    [InlineData(-1.5e-7, "-1.5e-07")]
    [InlineData(5e-324, "5e-324")]
    [InlineData(double.MaxValue, "1.7976931348623157e+308")]
    [InlineData(2.9802322387695312e-08, "2.9802322387695312e-08")]
    [InlineData(double.NaN, "NaN")]
    [InlineData(double.PositiveInfinity, "+Inf")]
    [InlineData(double.NegativeInfinity, "-Inf")]
    public void SpellsValuesAsPrometheusDoes(double value, string text) => Assert.Equal(text, Prometheus(value));

    [Theory]
    [InlineData(1e21, "1000000000000000000000")]
    [InlineData(1e-7, "0.0000001")]
    [InlineData(123.456, "123.456")]
    [InlineData(-0.5, "-0.5")]
    public void FixedHasNoExponent(double value, string text) => Assert.Equal(text, Fixed(value));

    [Fact]
    public void FixedSpellsTheExtremes()
    {
        Assert.Equal("17976931348623157" + new string('0', 292), Fixed(double.MaxValue));
        Assert.Equal("0." + new string('0', 323) + "5", Fixed(double.Epsilon));
    }

    [Fact]
    public void DigitsAreShortestAndReadBack()
    {
        var rnd = new Random(20261124);
        int checkedCount = 0;
        for (int i = 0; i < 200_000; i++)
        {
            Check(BitConverter.UInt64BitsToDouble((ulong)rnd.NextInt64()), ref checkedCount);
            Check(rnd.Next(1, 5000) / 15.0 * rnd.Next(1, 4), ref checkedCount);
            Check(rnd.NextDouble() * Math.Pow(10, rnd.Next(-30, 30)), ref checkedCount);
        }
        for (int e = -1074; e < 1024; e++)
        {
            double p = Math.Pow(2, e);
            long bits = BitConverter.DoubleToInt64Bits(p);
            Check(p, ref checkedCount);
            Check(BitConverter.Int64BitsToDouble(bits + 1), ref checkedCount);
            Check(BitConverter.Int64BitsToDouble(bits - 1), ref checkedCount);
        }
        for (int e = -323; e < 309; e++)
        {
            double p = double.Parse("1e" + e.ToString(CultureInfo.InvariantCulture), CultureInfo.InvariantCulture);
            long bits = BitConverter.DoubleToInt64Bits(p);
            Check(p, ref checkedCount);
            Check(BitConverter.Int64BitsToDouble(bits + 1), ref checkedCount);
            Check(BitConverter.Int64BitsToDouble(bits - 1), ref checkedCount);
        }
        for (ulong b = 1; b < 20_000; b++)
        {
            Check(BitConverter.UInt64BitsToDouble(b), ref checkedCount); // subnormals
        }
        Assert.True(checkedCount > 600_000, $"only {checkedCount} finite values checked");
    }

    private static void Check(double v, ref int checkedCount)
    {
        if (!double.IsFinite(v))
        {
            return;
        }
        checkedCount++;
        double abs = Math.Abs(v);
        ShortestFloat.Decimal(v, out ulong digits, out int exponent);
        string mine = digits.ToString(CultureInfo.InvariantCulture) + "E" + exponent.ToString(CultureInfo.InvariantCulture);
        Assert.True(double.Parse(mine, CultureInfo.InvariantCulture) == abs, $"{mine} does not read back as {abs:R}");
        Assert.True(digits == 0 || digits % 10 != 0, $"{mine} has trailing zeros");

        (ulong refDigits, int refExponent) = RoundTripForm(abs);
        string theirs = refDigits.ToString(CultureInfo.InvariantCulture) + "E" + refExponent.ToString(CultureInfo.InvariantCulture);
        if (double.Parse(theirs, CultureInfo.InvariantCulture) == abs)
        {
            Assert.True(refDigits == digits && refExponent == exponent, $"{abs:R}: {mine}, .NET {theirs}");
        }
        else
        {
            Assert.True(CountDigits(digits) <= CountDigits(refDigits) + 1, $"{abs:R}: {mine} is long against .NET's {theirs}");
        }

        // Go's spelling reads back too.
        Assert.True(double.Parse(Prometheus(v), CultureInfo.InvariantCulture) == v || v == 0, Prometheus(v));
    }

    /// <summary>.NET's "R" form of a positive value as digits without trailing zeros and a power of ten.</summary>
    private static (ulong Digits, int Exponent) RoundTripForm(double v)
    {
        string s = v.ToString("R", CultureInfo.InvariantCulture);
        int exponent = 0;
        int e = s.IndexOf('E', StringComparison.Ordinal);
        if (e >= 0)
        {
            exponent = int.Parse(s[(e + 1)..], CultureInfo.InvariantCulture);
            s = s[..e];
        }
        int dot = s.IndexOf('.', StringComparison.Ordinal);
        if (dot >= 0)
        {
            exponent -= s.Length - dot - 1;
            s = s.Remove(dot, 1);
        }
        ulong digits = ulong.Parse(s, CultureInfo.InvariantCulture);
        while (digits != 0 && digits % 10 == 0)
        {
            digits /= 10;
            exponent++;
        }
        return (digits, digits == 0 ? 0 : exponent);
    }

    private static int CountDigits(ulong v) => v.ToString(CultureInfo.InvariantCulture).Length;
}
