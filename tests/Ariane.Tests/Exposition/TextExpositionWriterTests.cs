using System.Buffers;
using System.Text;
using Ariane.Exposition;

namespace Ariane.Tests.Exposition;

/// <summary>The text exposition writer: escaping, float spelling and line shapes.</summary>
public sealed class TextExpositionWriterTests
{
    private static string Write(Action<TextExpositionWriter> write)
    {
        var buffer = new ArrayBufferWriter<byte>();
        write(new TextExpositionWriter(buffer));
        return Encoding.UTF8.GetString(buffer.WrittenSpan);
    }

    [Theory]
    [InlineData(double.NaN, "NaN")]
    [InlineData(double.PositiveInfinity, "+Inf")]
    [InlineData(double.NegativeInfinity, "-Inf")]
    [InlineData(0.0, "0")]
    [InlineData(1.0, "1")]
    [InlineData(-2.5, "-2.5")]
    [InlineData(0.1, "0.1")]
    [InlineData(15.088000000000001, "15.088000000000001")]
    [InlineData(1e21, "1E+21")]
    [InlineData(1.5e-7, "1.5E-07")]
    [InlineData(762942464.0, "762942464")]
    public void FormatsFloatsAsPrometheus(double value, string text) =>
        Assert.Equal(text, TextExpositionWriter.FormatValue(value));

    [Fact]
    public void ShortestRoundTripSurvivesParsing()
    {
        foreach (double v in new[] { 0.1 + 0.2, Math.PI, double.MaxValue, double.Epsilon, -1.7954720435489845e+09 })
        {
            Assert.Equal(v, double.Parse(TextExpositionWriter.FormatValue(v), System.Globalization.CultureInfo.InvariantCulture));
        }
    }

    [Fact]
    public void WritesFamiliesAndSamples()
    {
        string text = Write(w =>
        {
            w.Family("up", "gauge", "Whether the target is up.");
            w.Sample("up", 1);
            w.Sample("up", "job", "node", 0);
            w.Sample("up", ["a", "b"], ["1", "2"], 3, 1700000000000);
            w.Sample("up", [("x", "y")], double.NaN);
        });
        Assert.Equal(
            "# HELP up Whether the target is up.\n# TYPE up gauge\nup 1\nup{job=\"node\"} 0\nup{a=\"1\",b=\"2\"} 3 1700000000000\nup{x=\"y\"} NaN\n",
            text);
    }

    [Fact]
    public void EscapesLabelValuesAndHelp()
    {
        string text = Write(w =>
        {
            w.Help("m", "a \\ back\nslash \"quoted\"");
            w.Sample("m", "path", "C:\\dir\n\"x\" é", 1);
        });
        Assert.Equal("# HELP m a \\\\ back\\nslash \"quoted\"\nm{path=\"C:\\\\dir\\n\\\"x\\\" é\"} 1\n", text);
    }

    [Fact]
    public void LongLabelValuesSpanBufferSegments()
    {
        string value = new('v', 100_000);
        string text = Write(w => w.Sample("m", "l", value, 1));
        Assert.Equal("m{l=\"" + value + "\"} 1\n", text);
    }

    [Fact]
    public void MismatchedLabelSpansThrow() =>
        Assert.Throws<ArgumentException>(() => Write(w => w.Sample("m", ["a"], [], 1)));
}
