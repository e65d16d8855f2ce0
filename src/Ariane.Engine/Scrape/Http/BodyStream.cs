using Ariane.Storage;

namespace Ariane.Scrape;

/// <summary>
/// A response body as its framing delimits it (Content-Length, chunked encoding, or the end of the connection), read
/// through the connection's <see cref="HttpResponseReader"/>; <see cref="Complete"/> says whether the connection may
/// carry the next request.
/// </summary>
internal abstract class BodyStream : ForwardReadStream
{
    /// <summary>Starts a body: <paramref name="empty"/> for one that has no bytes at all.</summary>
    protected BodyStream(bool empty) => Complete = empty;

    /// <summary>Whether the whole body has been read (so the connection may be reused).</summary>
    public bool Complete { get; protected set; }

    /// <summary>The body of the response with <paramref name="head"/>, framed as the head says.</summary>
    public static BodyStream For(HttpResponseReader reader, in ResponseHead head)
    {
        bool empty = head.Status is 204 or 304 || head.ContentLength == 0;
        return head.Chunked ? new ChunkedBodyStream(reader, empty) : new ContentLengthBodyStream(reader, head.ContentLength, empty);
    }

    /// <inheritdoc/>
    public override int Read(byte[] buffer, int offset, int count) => Read(buffer.AsSpan(offset, count));
}
