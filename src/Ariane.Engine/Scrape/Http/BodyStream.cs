using Ariane.Storage;

namespace Ariane.Scrape;

/// <summary>A response body framed by Content-Length, chunked encoding, or the end of the connection.</summary>
internal sealed class BodyStream(HttpResponseReader reader, ResponseHead head) : ForwardReadStream
{
    private long _remaining = head.Chunked ? 0 : head.ContentLength; // of the body, or of the current chunk
    private bool _done = head.Status is 204 or 304 || head.ContentLength == 0;

    /// <summary>Whether the whole body has been read (so the connection may be reused).</summary>
    public bool Complete => _done;

    public override int Read(Span<byte> buffer)
    {
        if (_done || buffer.IsEmpty)
        {
            return 0;
        }
        if (head.Chunked)
        {
            if (_remaining == 0)
            {
                _remaining = NextChunkSize();
                if (_remaining == 0)
                {
                    SkipTrailers();
                    _done = true;
                    return 0;
                }
            }
        }
        else if (_remaining < 0)
        {
            int m = reader.Read(buffer);
            _done = m == 0;
            return m;
        }
        int n = reader.Read(buffer[..(int)Math.Min(buffer.Length, _remaining)]);
        if (n == 0)
        {
            throw new IOException("The response ended prematurely.");
        }
        _remaining -= n;
        if (_remaining == 0 && !head.Chunked)
        {
            _done = true;
        }
        else if (_remaining == 0)
        {
            ExpectCrlf();
        }
        return n;
    }

    private long NextChunkSize()
    {
        long size = 0;
        int digits = 0;
        int b;
        while ((b = reader.ReadByte()) >= 0)
        {
            int d = HexValue(b);
            if (d < 0)
            {
                break;
            }
            if (++digits > 15)
            {
                throw new IOException("The response has an invalid chunk size.");
            }
            size = size * 16 + d;
        }
        // Chunk extensions up to the line end are ignored.
        while (b >= 0 && b != '\n')
        {
            b = reader.ReadByte();
        }
        if (b < 0 || digits == 0)
        {
            throw new IOException("The response ended prematurely.");
        }
        return size;
    }

    private static int HexValue(int b) => b switch
    {
        >= '0' and <= '9' => b - '0',
        >= 'a' and <= 'f' => b - 'a' + 10,
        >= 'A' and <= 'F' => b - 'A' + 10,
        _ => -1,
    };

    private void ExpectCrlf()
    {
        int b = reader.ReadByte();
        if (b == '\r')
        {
            b = reader.ReadByte();
        }
        if (b != '\n')
        {
            throw new IOException("The response has an invalid chunk terminator.");
        }
    }

    private void SkipTrailers()
    {
        // Trailer lines until an empty one.
        while (true)
        {
            int len = 0, b;
            while ((b = reader.ReadByte()) >= 0 && b != '\n')
            {
                if (b != '\r')
                {
                    len++;
                }
            }
            if (b < 0)
            {
                throw new IOException("The response ended prematurely.");
            }
            if (len == 0)
            {
                return;
            }
        }
    }

    public override int Read(byte[] buffer, int offset, int count) => Read(buffer.AsSpan(offset, count));
}
