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
}
