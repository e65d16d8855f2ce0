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
