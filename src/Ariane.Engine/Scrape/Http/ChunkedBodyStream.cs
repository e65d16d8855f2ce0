namespace Ariane.Scrape;

/// <summary>
/// A body in chunked transfer encoding, decoded as it is read: a hexadecimal size line (chunk extensions ignored),
/// that many bytes and a line end, until a zero-size chunk and the trailer lines, which are skipped.
/// </summary>
internal sealed class ChunkedBodyStream(HttpResponseReader reader, bool empty) : BodyStream(empty)
{
    private long _remaining; // of the current chunk

    /// <inheritdoc/>
    public override int Read(Span<byte> buffer)
    {
        if (Complete || buffer.IsEmpty)
        {
            return 0;
        }
        if (_remaining == 0)
        {
            _remaining = NextChunkSize();
            if (_remaining == 0)
            {
                SkipTrailers();
                Complete = true;
                return 0;
            }
        }
        int n = reader.Read(buffer[..(int)Math.Min(buffer.Length, _remaining)]);
        if (n == 0)
        {
            throw new IOException("The response ended prematurely.");
        }
        _remaining -= n;
        if (_remaining == 0)
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
        if (b < 0)
        {
            throw new IOException("The response ended prematurely.");
        }
        if (digits == 0)
        {
            // A whole line came, but no size in it: a malformed chunk, not a cut connection.
            throw new IOException("The response has an invalid chunk size.");
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
}
