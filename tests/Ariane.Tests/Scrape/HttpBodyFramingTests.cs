using System.Text;
using Ariane.Scrape;
using Ariane.Storage;

namespace Ariane.Tests.Scrape;

/// <summary>
/// The scrape client's response reader and body streams without a socket: heads and bodies that arrive a few bytes
/// at a time (so every line, chunk size and CRLF is cut somewhere), chunk extensions and trailers, the bytes after a
/// body left for the next response, and malformed framing failing with a clear error.
/// </summary>
public sealed class HttpBodyFramingTests
{
    // The sizes the wire hands the bytes over in: one at a time up to more than a whole response.
    private static readonly int[] PieceSizes = [1, 2, 3, 5, 7, 64, 4096];

    private const string Next = "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok";

    /// <summary>Each of the piece sizes, for the theories that take one.</summary>
    public static TheoryData<int> Pieces
    {
        get
        {
            var data = new TheoryData<int>();
            foreach (int piece in PieceSizes)
            {
                data.Add(piece);
            }
            return data;
        }
    }

    /// <summary>Chunked bodies and what they decode to, each handed over in every piece size.</summary>
    public static TheoryData<string, string, int> Chunked
    {
        get
        {
            var data = new TheoryData<string, string, int>();
            foreach (int piece in PieceSizes)
            {
                data.Add("4\r\nWiki\r\n5\r\npedia\r\nE\r\n in\r\n\r\nchunks.\r\n0\r\n\r\n", "Wikipedia in\r\n\r\nchunks.", piece);
                // Chunk extensions are ignored, trailers skipped.
                data.Add("4;name=value\r\nWiki\r\na ; quoted=\"x;y\"\r\n0123456789\r\n0;last\r\nX-Trailer: 1\r\nExpires: never\r\n\r\n", "Wiki0123456789", piece);
                // Bare line feeds, upper-case hex and leading zeros.
                data.Add("0000A\n0123456789\n1F\r\n" + new string('x', 31) + "\n0\n\n", "0123456789" + new string('x', 31), piece);
            }
            return data;
        }
    }

    [Theory]
    [MemberData(nameof(Chunked))]
    public void DecodesChunksCutAnywhere(string chunks, string decoded, int piece)
    {
        var (body, reader) = Open("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n" + chunks + Next, piece);
        Assert.IsType<ChunkedBodyStream>(body);
        Assert.Equal(decoded, ReadAll(body, 3)); // reads also end inside chunks
        Assert.True(body.Complete);
        AssertNextResponse(reader);
    }

    [Theory]
    // A size line with no hexadecimal digit, or with more than fit, is not a chunk size.
    [InlineData("zz\r\nabc\r\n0\r\n\r\n", "The response has an invalid chunk size.")]
    [InlineData("\r\nabc\r\n0\r\n\r\n", "The response has an invalid chunk size.")]
    [InlineData(";ext\r\n", "The response has an invalid chunk size.")]
    [InlineData("1000000000000000\r\n", "The response has an invalid chunk size.")]
    // A chunk's data must end with its line end.
    [InlineData("3\r\nabcd\r\n0\r\n\r\n", "The response has an invalid chunk terminator.")]
    [InlineData("3\r\nabc\r0\r\n\r\n", "The response has an invalid chunk terminator.")]
    // The connection ends inside the framing or the data.
    [InlineData("", "The response ended prematurely.")]
    [InlineData("3", "The response ended prematurely.")]
    [InlineData("3;ext", "The response ended prematurely.")]
    [InlineData("3\r\nab", "The response ended prematurely.")]
    [InlineData("3\r\nabc\r\n0\r\nX-Trailer: 1\r\n", "The response ended prematurely.")]
    public void RefusesMalformedChunks(string chunks, string error)
    {
        foreach (int piece in new[] { 1, 4096 })
        {
            var (body, _) = Open("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n" + chunks, piece);
            var e = Assert.Throws<IOException>(() => ReadAll(body, 4096));
            Assert.Equal(error, e.Message);
            Assert.False(body.Complete);
        }
    }

    [Theory]
    [MemberData(nameof(Pieces))]
    public void ReadsContentLengthBytesAndLeavesTheRest(int piece)
    {
        var (body, reader) = Open("HTTP/1.1 200 OK\r\nContent-Length: 11\r\n\r\nhello world" + Next, piece);
        Assert.IsType<ContentLengthBodyStream>(body);
        Assert.Equal("hello world", ReadAll(body, 4));
        Assert.True(body.Complete);
        AssertNextResponse(reader);
    }

    [Fact]
    public void AContentLengthBodyCutShortIsAnError()
    {
        var (body, _) = Open("HTTP/1.1 200 OK\r\nContent-Length: 11\r\n\r\nhello", 2);
        var e = Assert.Throws<IOException>(() => ReadAll(body, 4096));
        Assert.Equal("The response ended prematurely.", e.Message);
        Assert.False(body.Complete);
    }

    [Theory]
    [MemberData(nameof(Pieces))]
    public void WithoutALengthTheBodyEndsWithTheConnection(int piece)
    {
        var (body, _) = Open("HTTP/1.1 200 OK\r\nConnection: close\r\n\r\nall of it\r\n\r\nuntil the end", piece);
        Assert.Equal("all of it\r\n\r\nuntil the end", ReadAll(body, 5));
        Assert.True(body.Complete);
    }

    [Theory]
    [InlineData("HTTP/1.1 204 No Content\r\n\r\n")]
    [InlineData("HTTP/1.1 304 Not Modified\r\nContent-Length: 10\r\n\r\n")]
    [InlineData("HTTP/1.1 204 No Content\r\nTransfer-Encoding: chunked\r\n\r\n")]
    [InlineData("HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n")]
    public void AnEmptyBodyIsCompleteBeforeAnyRead(string response)
    {
        var (body, reader) = Open(response + Next, 3);
        Assert.True(body.Complete);
        Assert.Equal("", ReadAll(body, 16));
        AssertNextResponse(reader);
    }

    [Theory]
    [MemberData(nameof(Pieces))]
    public void AnInformationalHeadIsFollowedByTheRealOne(int piece)
    {
        var reader = new HttpResponseReader(new PieceStream("HTTP/1.1 103 Early Hints\r\nLink: </a>\r\n\r\n" + Next, piece));
        Assert.True(reader.ReadHead(out var early));
        Assert.Equal(103, early.Status);
        AssertNextResponse(reader);
    }

    [Fact]
    public void HeadsGrowTheBufferUpToTheLimit()
    {
        string big = "X-Big: " + new string('b', 20_000) + "\r\n";
        var reader = new HttpResponseReader(new PieceStream("HTTP/1.1 200 OK\r\n" + big + "Content-Length: 2\r\n\r\nok", 1000));
        Assert.True(reader.ReadHead(out var head));
        Assert.Equal(2, head.ContentLength);
        Assert.Equal("ok", ReadAll(BodyStream.For(reader, head), 16));

        string huge = "X-Huge: " + new string('h', HttpResponseReader.MaxHeaderBytes) + "\r\n";
        reader = new HttpResponseReader(new PieceStream("HTTP/1.1 200 OK\r\n" + huge + "\r\n", 4096));
        var e = Assert.Throws<HttpRequestException>(() => reader.ReadHead(out _));
        Assert.Equal("The HTTP response headers length exceeded the set limit of 65536 bytes.", e.Message);
    }

    [Fact]
    public void AConnectionEndingBeforeOrInsideAHead()
    {
        // Before any byte: the caller may retry on a new connection (a pooled one the target had closed).
        Assert.False(new HttpResponseReader(new PieceStream("", 1)).ReadHead(out _));
        var e = Assert.Throws<HttpRequestException>(() => new HttpResponseReader(new PieceStream("HTTP/1.1 200 OK\r\n", 1)).ReadHead(out _));
        Assert.Equal("The response ended prematurely.", e.Message);
    }

    private static (BodyStream Body, HttpResponseReader Reader) Open(string response, int piece)
    {
        var reader = new HttpResponseReader(new PieceStream(response, piece));
        Assert.True(reader.ReadHead(out var head));
        return (BodyStream.For(reader, head), reader);
    }

    // Reads the body to its end through a destination of `size` bytes, so reads also end inside chunks.
    private static string ReadAll(Stream body, int size)
    {
        var text = new MemoryStream();
        var buf = new byte[size];
        int n;
        while ((n = body.Read(buf)) > 0)
        {
            text.Write(buf, 0, n);
        }
        return Encoding.UTF8.GetString(text.ToArray());
    }

    // After a body read whole, the same reader finds the next response on the connection intact.
    private static void AssertNextResponse(HttpResponseReader reader)
    {
        Assert.True(reader.ReadHead(out var head));
        Assert.Equal(200, head.Status);
        var body = BodyStream.For(reader, head);
        Assert.Equal("ok", ReadAll(body, 16));
        Assert.True(body.Complete);
    }

    /// <summary>A connection's bytes handed over at most <c>piece</c> at a time, as a network may.</summary>
    private sealed class PieceStream(string text, int piece) : ForwardReadStream
    {
        private readonly byte[] _bytes = Encoding.UTF8.GetBytes(text);
        private int _pos;

        public override int Read(Span<byte> buffer)
        {
            int n = Math.Min(Math.Min(piece, buffer.Length), _bytes.Length - _pos);
            _bytes.AsSpan(_pos, n).CopyTo(buffer);
            _pos += n;
            return n;
        }

        public override int Read(byte[] buffer, int offset, int count) => Read(buffer.AsSpan(offset, count));
    }
}
