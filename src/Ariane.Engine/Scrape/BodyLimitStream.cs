namespace Ariane.Scrape;

/// <summary>
/// A scrape body as it is read (after decompression): counts the bytes and fails the read that goes past the body
/// size limit with Prometheus's "body size limit exceeded", so a streamed body is bounded however it is sent.
/// </summary>
internal sealed class BodyLimitStream(Stream inner, long limit) : Stream
{
    private long _read;

    /// <inheritdoc/>
    public override int Read(byte[] buffer, int offset, int count) => Count(inner.Read(buffer, offset, count));

    /// <inheritdoc/>
    public override int Read(Span<byte> buffer) => Count(inner.Read(buffer));

    private int Count(int n)
    {
        _read += n;
        if (_read > limit)
        {
            // Prometheus's words, so alerts and dashboards that match lastError keep working.
            throw new ScrapeException(ScrapeLoop.BodySizeLimitExceeded);
        }
        return n;
    }

    /// <inheritdoc/>
    public override bool CanRead => true;

    /// <inheritdoc/>
    public override bool CanSeek => false;

    /// <inheritdoc/>
    public override bool CanWrite => false;

    /// <inheritdoc/>
    public override long Length => throw new NotSupportedException();

    /// <inheritdoc/>
    public override long Position
    {
        get => _read;
        set => throw new NotSupportedException();
    }

    /// <inheritdoc/>
    public override void Flush()
    {
    }

    /// <inheritdoc/>
    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

    /// <inheritdoc/>
    public override void SetLength(long value) => throw new NotSupportedException();

    /// <inheritdoc/>
    public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();
}
