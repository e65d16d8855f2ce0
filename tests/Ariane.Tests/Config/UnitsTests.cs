using Ariane.Config;

namespace Ariane.Tests.Config;

public class UnitsTests
{
    [Theory]
    [InlineData("0", 0L)]
    [InlineData("0s", 0L)]
    [InlineData("500ms", 500L)]
    [InlineData("15s", 15_000L)]
    [InlineData("1m", 60_000L)]
    [InlineData("1h30m", 5_400_000L)]
    [InlineData("1d", 86_400_000L)]
    [InlineData("1w", 604_800_000L)]
    [InlineData("1y", 31_536_000_000L)]
    [InlineData("1y2w3d4h5m6s7ms", 31_536_000_000L + 1_209_600_000L + 259_200_000L + 14_400_000L + 300_000L + 6_000L + 7L)]
    [InlineData("90m", 5_400_000L)]
    public void ParsesPrometheusDurations(string s, long ms)
    {
        Assert.True(PromDuration.TryParse(s, out var d), s);
        Assert.Equal(TimeSpan.FromMilliseconds(ms), d);
    }

    [Theory]
    [InlineData("")]
    [InlineData("15x")]
    [InlineData("1.5s")]
    [InlineData("-1s")]
    [InlineData("1s1m")]
    [InlineData("1m1m")]
    [InlineData("s")]
    [InlineData("1")]
    [InlineData(" 1s")]
    [InlineData("1ms1s")]
    public void RejectsInvalidDurations(string s)
    {
        Assert.False(PromDuration.TryParse(s, out _), s);
    }

    [Theory]
    [InlineData(0L, "0s")]
    [InlineData(15_000L, "15s")]
    [InlineData(5_400_000L, "1h30m")]
    [InlineData(500L, "500ms")]
    [InlineData(7_776_000_000L, "90d")]
    [InlineData(1_209_600_000L, "2w")]
    [InlineData(31_536_000_000L, "1y")]
    [InlineData(61_500L, "1m1s500ms")]
    public void FormatsAsPrometheus(long ms, string s)
    {
        Assert.Equal(s, PromDuration.Format(TimeSpan.FromMilliseconds(ms)));
    }

    // Prometheus's own cases (common/model's duration tests): the input, and the string model.Duration prints for
    // it. Weeks and years print only when they divide the whole duration: 3w2d1h prints as 23d1h, 8 days as 8d.
    [Theory]
    [InlineData("0s", "0s")]
    [InlineData("324ms", "324ms")]
    [InlineData("3s", "3s")]
    [InlineData("5m", "5m")]
    [InlineData("1h", "1h")]
    [InlineData("4d", "4d")]
    [InlineData("4d1h", "4d1h")]
    [InlineData("8d", "8d")]
    [InlineData("1w1d", "8d")]
    [InlineData("14d", "2w")]
    [InlineData("3w", "3w")]
    [InlineData("3w2d1h", "23d1h")]
    [InlineData("10y", "10y")]
    [InlineData("1y1d", "366d")]
    [InlineData("1y1w", "372d")]
    [InlineData("52w1d", "1y")]
    [InlineData("1d1ms", "1d1ms")]
    [InlineData("1h90m", "2h30m")]
    [InlineData("1m1s500ms", "1m1s500ms")]
    public void FormatsParsedDurationsAsPrometheus(string input, string printed)
    {
        var d = PromDuration.Parse(input);
        Assert.Equal(printed, PromDuration.Format(d));
        // What is printed parses back to the same duration.
        Assert.Equal(d, PromDuration.Parse(printed));
    }

    [Theory]
    [InlineData(1, "1ms")]
    [InlineData(999, "999ms")]
    [InlineData(-300_000, "-5m")]
    [InlineData(-691_200_000, "-8d")]
    public void FormatsMillisecondsAndSigns(long ms, string printed)
    {
        Assert.Equal(printed, PromDuration.Format(TimeSpan.FromMilliseconds(ms)));
    }

    [Fact]
    public void FormatCutsSubMillisecondsTowardZero()
    {
        Assert.Equal("1ms", PromDuration.Format(TimeSpan.FromTicks(19_999)));
        Assert.Equal("0s", PromDuration.Format(TimeSpan.FromTicks(9_999)));
        Assert.Equal("0s", PromDuration.Format(TimeSpan.FromTicks(-9_999)));
    }

    [Fact]
    public void FormatRoundTripsEveryWholeMillisecondDuration()
    {
        var rng = new Random(11);
        for (int i = 0; i < 10_000; i++)
        {
            // Up to about 300 years, whole milliseconds, with small values as likely as large ones.
            long ms = (long)Math.Pow(10, rng.NextDouble() * 13);
            var d = TimeSpan.FromMilliseconds(ms);
            string s = PromDuration.Format(d);
            Assert.True(PromDuration.TryParse(s, out var back), s);
            Assert.Equal(d, back);
        }
    }

    [Theory]
    [InlineData("0", 0L)]
    [InlineData("512B", 512L)]
    [InlineData("1KB", 1024L)]
    [InlineData("1KiB", 1024L)]
    [InlineData("10MB", 10L << 20)]
    [InlineData("1GiB", 1L << 30)]
    [InlineData("1.5KB", 1536L)]
    [InlineData("1GB512MB", (1L << 30) + (512L << 20))]
    [InlineData("2TB", 2L << 40)]
    public void ParsesBase2Sizes(string s, long bytes)
    {
        Assert.True(ByteSize.TryParse(s, out long b), s);
        Assert.Equal(bytes, b);
    }

    [Theory]
    [InlineData("")]
    [InlineData("10")]
    [InlineData("10XB")]
    [InlineData("10 MB")]
    [InlineData("MB")]
    [InlineData("10mb")]
    public void RejectsInvalidSizes(string s)
    {
        Assert.False(ByteSize.TryParse(s, out _), s);
    }
}
