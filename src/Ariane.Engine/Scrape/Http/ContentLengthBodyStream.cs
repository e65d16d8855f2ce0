namespace Ariane.Scrape;

/// <summary>
/// A body of Content-Length bytes, or, without a Content-Length, one that ends when the target closes the connection.
/// </summary>
internal sealed class ContentLengthBodyStream(HttpResponseReader reader, long length, bool empty) : BodyStream(empty)
{
    private long _remaining = length; // -1: to the end of the connection

    /// <inheritdoc/>
    public override int Read(Span<byte> buffer)
    {
        if (Complete || buffer.IsEmpty)
        {
            return 0;
        }
        if (_remaining < 0)
        {
            int m = reader.Read(buffer);
            Complete = m == 0;
            return m;
        }
        int n = reader.Read(buffer[..(int)Math.Min(buffer.Length, _remaining)]);
        if (n == 0)
        {
            throw new IOException("The response ended prematurely.");
        }
        _remaining -= n;
        if (_remaining == 0)
        {
            Complete = true;
        }
        return n;
    }
}
