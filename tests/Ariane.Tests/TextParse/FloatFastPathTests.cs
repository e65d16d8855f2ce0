using System.Globalization;
using System.Text;
using Ariane.TextParse;

namespace Ariane.Tests.TextParse;

public class FloatFastPathTests
{
    [Theory]
    [InlineData("0")]
    [InlineData("-0")]
    [InlineData("1")]
    [InlineData("123456789012345")]
    [InlineData("1234567890123456789")]
    [InlineData("0.1")]
    [InlineData("3.14159")]
    [InlineData("-2.5e-3")]
    [InlineData("1e22")]
    [InlineData("1e23")]
    [InlineData("4.35e-07")]
    [InlineData(".5")]
    [InlineData("5.")]
    [InlineData("1.7976931348623157e308")]
    [InlineData("0.000000000000000000000001")]
    [InlineData("12345.678901234567")]
    [InlineData("26069.712316872417")]
    [InlineData("9007199254740993")]
    [InlineData("9007199254740995")]
    [InlineData("9007199254740993.0000000001")]
    [InlineData("-0.30000000000000004")]
    [InlineData("1.0000000000000002220446049250313")]
    [InlineData("9999999999999999999")]
    [InlineData("9999999999999999999e19")]
    [InlineData("1.234567890123456789e-19")]
    [InlineData("4.9406564584124654e-324")]
    [InlineData("2.2250738585072011e-308")]
    public void AgreesWithTheGeneralParserBitForBit(string text)
    {
        Assert.True(LineParser.TryParseFloat(Encoding.ASCII.GetBytes(text), out double v));
        double expected = double.Parse(text, NumberStyles.Float, CultureInfo.InvariantCulture);
        Assert.Equal(BitConverter.DoubleToInt64Bits(expected), BitConverter.DoubleToInt64Bits(v));
    }

    [Fact]
    public void RandomDecimalsAgreeBitForBit()
    {
        var rng = new Random(7);
        for (int i = 0; i < 200_000; i++)
        {
            double x = (rng.NextDouble() - 0.5) * Math.Pow(10, rng.Next(-12, 16));
            string text = rng.Next(3) switch
            {
                0 => x.ToString("R", CultureInfo.InvariantCulture),
                1 => x.ToString("F" + rng.Next(0, 10), CultureInfo.InvariantCulture),
                _ => x.ToString("E" + rng.Next(0, 14), CultureInfo.InvariantCulture),
            };
            Assert.True(LineParser.TryParseFloat(Encoding.ASCII.GetBytes(text), out double v), text);
            double expected = double.Parse(text, NumberStyles.Float, CultureInfo.InvariantCulture);
            Assert.True(BitConverter.DoubleToInt64Bits(expected) == BitConverter.DoubleToInt64Bits(v), text);
        }
    }

    [Fact]
    public void LongMantissasAgreeBitForBit()
    {
        // 16 to 19 significant digits at every decimal exponent the exact path takes and a little beyond.
        var rng = new Random(11);
        var sb = new StringBuilder();
        for (int i = 0; i < 300_000; i++)
        {
            sb.Clear();
            int digits = rng.Next(16, 20);
            sb.Append((char)('1' + rng.Next(9)));
            for (int k = 1; k < digits; k++)
            {
                sb.Append((char)('0' + rng.Next(10)));
            }
            int point = rng.Next(0, digits + 1);
            if (point < digits)
            {
                sb.Insert(point, '.');
            }
            if (rng.Next(2) == 0)
            {
                sb.Append('e').Append(rng.Next(-25, 25));
            }
            string text = sb.ToString();
            Assert.True(LineParser.TryParseFloat(Encoding.ASCII.GetBytes(text), out double v), text);
            double expected = double.Parse(text, NumberStyles.Float, CultureInfo.InvariantCulture);
            Assert.True(BitConverter.DoubleToInt64Bits(expected) == BitConverter.DoubleToInt64Bits(v), text);
        }
    }

    [Fact]
    public void HalfwayCasesRoundToEven()
    {
        // Decimal renderings of doubles' exact midpoints: m + 1/2 ulp, for m with 53-bit mantissas near 2^53..2^64.
        var rng = new Random(5);
        for (int i = 0; i < 100_000; i++)
        {
            int scale = rng.Next(1, 12); // 2^53 * 2^scale: the midpoint is an integer below 2^64 or so
            ulong m = (1UL << 52) | ((ulong)rng.NextInt64() & ((1UL << 52) - 1));
            var mid = ((System.Numerics.BigInteger)(2 * m + 1)) << (scale - 1);
            string text = mid.ToString(CultureInfo.InvariantCulture);
            if (text.Length > 19)
            {
                continue;
            }
            string withPoint = text[..^3] + "." + text[^3..] + "e3";
            foreach (var t in new[] { text, withPoint })
            {
                Assert.True(LineParser.TryParseFloat(Encoding.ASCII.GetBytes(t), out double v), t);
                double expected = double.Parse(t, NumberStyles.Float, CultureInfo.InvariantCulture);
                Assert.True(BitConverter.DoubleToInt64Bits(expected) == BitConverter.DoubleToInt64Bits(v), t);
            }
        }
    }
}
