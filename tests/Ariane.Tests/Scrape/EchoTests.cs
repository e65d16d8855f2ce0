using System.Text;

namespace Ariane.Tests.Scrape;

/// <summary>The shortening of quoted input in errors and logs (issue 10 item 13).</summary>
public sealed class EchoTests
{
    [Theory]
    [InlineData("short", 10, "short")]
    [InlineData("0123456789", 10, "0123456789")]
    [InlineData("0123456789ab", 10, "0123456789… (12 bytes)")]
    [InlineData("ééééé", 2, "éé… (10 bytes)")]
    [InlineData("a😀b", 2, "a… (6 bytes)")] // a surrogate pair is never split
    public void TruncatesWithTheWholeLength(string input, int max, string expected)
    {
        Assert.Equal(expected, Echo.Truncate(input, max));
        Assert.Equal(expected, Echo.Truncate(Encoding.UTF8.GetBytes(input), max));
    }

    [Fact]
    public void TruncatesHugeUtf8WithoutDecodingItAll()
    {
        byte[] big = Encoding.UTF8.GetBytes(new string('x', 10 << 20));
        Assert.Equal(new string('x', Echo.MaxChars) + "… (10485760 bytes)", Echo.Truncate(big));
    }
}
