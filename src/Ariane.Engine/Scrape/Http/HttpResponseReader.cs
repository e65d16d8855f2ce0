namespace Ariane.Scrape;

/// <summary>
/// Reads a connection's responses through one buffer: the head up to its empty line, then the body's bytes (first
/// those that came in with the head, then straight from the stream) and its chunk framing a byte at a time.
/// </summary>
internal sealed class HttpResponseReader(Stream stream)
{
    /// <summary>The most a response head may take, as <see cref="HttpClient"/>'s default limit.</summary>
    public const int MaxHeaderBytes = 64 * 1024;

    private byte[] _buffer = new byte[4096];
    private int _start;
    private int _end;

    /// <summary>Forgets what is buffered, before the next request's response.</summary>
    public void Reset() => _start = _end = 0;

    /// <summary>Reads the status line and headers; false if the stream ended before any byte of them.</summary>
    public bool ReadHead(out ResponseHead head)
    {
        // Bytes already read after a previous head (an informational response's) are the start of this one.
        if (_start > 0)
        {
            _buffer.AsSpan(_start, _end - _start).CopyTo(_buffer);
            _end -= _start;
            _start = 0;
        }
        int scanned = 0;
        while (true)
        {
            int end = _buffer.AsSpan(scanned, _end - scanned).IndexOf("\r\n\r\n"u8);
            if (end >= 0)
            {
                end += scanned;
                head = ResponseHead.Parse(_buffer.AsSpan(0, end + 2));
                _start = end + 4; // what follows is the start of the body
                return true;
            }
            scanned = Math.Max(0, _end - 3);
            if (_end == _buffer.Length)
            {
                if (_buffer.Length >= MaxHeaderBytes)
                {
                    throw new HttpRequestException($"The HTTP response headers length exceeded the set limit of {MaxHeaderBytes} bytes.");
                }
                Array.Resize(ref _buffer, _buffer.Length * 2); // rare: headers beyond 4 KiB
            }
            int n = stream.Read(_buffer, _end, _buffer.Length - _end);
            if (n == 0)
            {
                if (_end == 0)
                {
                    head = default;
                    return false;
                }
                throw new HttpRequestException("The response ended prematurely.");
            }
            _end += n;
        }
    }

    /// <summary>Reads body bytes: first what came with the head, then straight from the stream; 0 at its end.</summary>
    public int Read(Span<byte> dst)
    {
        if (_start < _end)
        {
            int k = Math.Min(dst.Length, _end - _start);
            _buffer.AsSpan(_start, k).CopyTo(dst);
            _start += k;
            return k;
        }
        return stream.Read(dst);
    }

    /// <summary>Reads one byte of body framing (chunk sizes), through the buffer; -1 at the stream's end.</summary>
    public int ReadByte()
    {
        if (_start == _end)
        {
            _start = 0;
            _end = stream.Read(_buffer, 0, _buffer.Length);
            if (_end == 0)
            {
                return -1;
            }
        }
        return _buffer[_start++];
    }
}
