using System.Text;
using Ariane.Scrape;

namespace Ariane.Tests.Scrape;

/// <summary>
/// The scrape client's response-head parser on its own: odd but valid status lines and headers, what decides
/// keep-alive and framing, and the status lines and Content-Lengths it refuses with <see cref="HttpClient"/>'s words.
/// </summary>
public sealed class ResponseHeadTests
{
    // The parser takes the status line and the header lines, each ending in CRLF, without the empty line.
    private static ResponseHead Parse(string text) => ResponseHead.Parse(Encoding.UTF8.GetBytes(text));

    [Theory]
    [InlineData("HTTP/1.1 200 OK\r\n", 200, "OK")]
    [InlineData("HTTP/1.1 404\r\n", 404, null)] // no reason phrase at all
    [InlineData("HTTP/1.1 404 \r\n", 404, null)] // an empty one
    [InlineData("HTTP/1.1 503 Service Unavailable Now\r\n", 503, "Service Unavailable Now")]
    [InlineData("HTTP/1.0 301 Moved\r\n", 301, "Moved")]
    [InlineData("HTTP/1.1 599 x\r\n", 599, "x")]
    public void ParsesStatusLines(string text, int status, string? reason)
    {
        var head = Parse(text);
        Assert.Equal(status, head.Status);
        Assert.Equal(reason, head.Reason);
    }

    [Theory]
    [InlineData("HTTP/2 200 OK")]
    [InlineData("HTTP/1.1 20 OK")]
    [InlineData("HTTP/1.1 2x0 OK")]
    [InlineData("HTTP/1.1 +20 OK")]
    [InlineData("HTTP/1.1200 OK")]
    [InlineData("HTTP/1.1  200 OK")]
    [InlineData("ICY 200 OK")]
    [InlineData("")]
    public void RefusesInvalidStatusLines(string line)
    {
        var e = Assert.Throws<HttpRequestException>(() => Parse(line + "\r\nContent-Length: 0\r\n"));
        Assert.Equal($"Received an invalid status line: '{line}'.", e.Message);
    }

    [Fact]
    public void ReadsTheHeadersTheScrapeUsesWhateverTheirCaseAndSpacing()
    {
        var head = Parse("HTTP/1.1 302 Found\r\n"
            + "content-TYPE:\ttext/plain; version=0.0.4 \r\n"
            + "CONTENT-ENCODING: gzip\r\n"
            + "Location:/elsewhere?x=1\r\n"
            + "Content-Length:  12\r\n"
            + "X-Other: ignored\r\n");
        Assert.Equal("text/plain; version=0.0.4", head.ContentType);
        Assert.Equal("gzip", head.ContentEncoding);
        Assert.Equal("/elsewhere?x=1", head.Location);
        Assert.Equal(12, head.ContentLength);
        Assert.False(head.Chunked);
        Assert.True(head.KeepAlive);
    }

    [Fact]
    public void SkipsHeaderLinesWithoutAName()
    {
        var head = Parse("HTTP/1.1 200 OK\r\nno colon here\r\n: no name\r\n\tfolded: continuation\r\nContent-Length: 3\r\n");
        Assert.Equal(3, head.ContentLength);
        Assert.Null(head.ContentType);
    }

    [Theory]
    [InlineData("12a")]
    [InlineData("-1")]
    [InlineData("+1")]
    [InlineData("")]
    [InlineData("99999999999999999999")]
    public void RefusesAnInvalidContentLength(string value)
    {
        var e = Assert.Throws<HttpRequestException>(() => Parse($"HTTP/1.1 200 OK\r\nContent-Length: {value}\r\n"));
        Assert.Equal("The response has an invalid Content-Length.", e.Message);
    }

    [Theory]
    // The framing: the last transfer coding decides; chunked overrides a Content-Length; no length reads to the close.
    [InlineData("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n", true, -1, true)]
    [InlineData("HTTP/1.1 200 OK\r\nTransfer-Encoding: gzip, Chunked\r\n", true, -1, true)]
    [InlineData("HTTP/1.1 200 OK\r\nContent-Length: 5\r\nTransfer-Encoding: chunked\r\n", true, -1, true)]
    [InlineData("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked, gzip\r\n", false, -1, false)]
    [InlineData("HTTP/1.1 200 OK\r\n", false, -1, false)]
    [InlineData("HTTP/1.1 204 No Content\r\n", false, -1, true)]
    [InlineData("HTTP/1.1 304 Not Modified\r\n", false, -1, true)]
    [InlineData("HTTP/1.1 103 Early Hints\r\n", false, -1, true)]
    // Keep-alive: HTTP/1.1 unless "close" is among the Connection tokens; HTTP/1.0 only with "keep-alive".
    [InlineData("HTTP/1.1 200 OK\r\nContent-Length: 1\r\nConnection: Keep-Alive, CLOSE\r\n", false, 1, false)]
    [InlineData("HTTP/1.1 200 OK\r\nContent-Length: 1\r\nConnection: upgrade\r\n", false, 1, true)]
    [InlineData("HTTP/1.1 200 OK\r\nContent-Length: 1\r\nConnection: closed\r\n", false, 1, true)]
    [InlineData("HTTP/1.0 200 OK\r\nContent-Length: 1\r\n", false, 1, false)]
    [InlineData("HTTP/1.0 200 OK\r\nContent-Length: 1\r\nConnection: keep-alive\r\n", false, 1, true)]
    [InlineData("HTTP/1.0 200 OK\r\nConnection: keep-alive\r\n", false, -1, false)]
    public void DecidesFramingAndKeepAlive(string text, bool chunked, long length, bool keepAlive)
    {
        var head = Parse(text);
        Assert.Equal(chunked, head.Chunked);
        Assert.Equal(length, head.ContentLength);
        Assert.Equal(keepAlive, head.KeepAlive);
    }
}
