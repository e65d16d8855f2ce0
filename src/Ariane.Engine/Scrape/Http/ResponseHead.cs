using System.Globalization;
using System.Text;

namespace Ariane.Scrape;

/// <summary>
/// The status line and the headers of an HTTP/1.x response that a scrape uses, parsed from the bytes of the head
/// without a string per header: only the values kept (reason, content type and encoding, location) become strings.
/// </summary>
internal struct ResponseHead
{
    /// <summary>The status code, e.g. 200.</summary>
    public int Status;

    /// <summary>The reason phrase as sent, or null when the status line has none.</summary>
    public string? Reason;

    /// <summary>The Content-Type header's value, or null.</summary>
    public string? ContentType;

    /// <summary>The Content-Encoding header's value (gzip is decoded by the scrape loop), or null.</summary>
    public string? ContentEncoding;

    /// <summary>The Location header's value (a redirect's target, possibly relative), or null.</summary>
    public string? Location;

    /// <summary>The Content-Length header's value, or -1 when there is none or the body is chunked.</summary>
    public long ContentLength;

    /// <summary>Whether the last transfer coding is chunked, which frames the body.</summary>
    public bool Chunked;

    /// <summary>Whether the connection may carry the next request once this body is read.</summary>
    public bool KeepAlive;

    /// <summary>
    /// Parses <paramref name="text"/>: the status line and the header lines, each ending in CRLF, without the empty
    /// line that ends the head. Header lines without a name are skipped, as lenient clients do; a status line that is
    /// not HTTP/1.x with three digits, or a Content-Length that is not a number, is an error.
    /// </summary>
    public static ResponseHead Parse(ReadOnlySpan<byte> text)
    {
        var head = new ResponseHead { ContentLength = -1 };
        int eol = text.IndexOf("\r\n"u8);
        var status = text[..eol];
        // HTTP/1.x SSS reason
        if (status.Length < 12 || !status.StartsWith("HTTP/1."u8) || status[8] != ' '
            || !int.TryParse(status.Slice(9, 3), NumberStyles.None, CultureInfo.InvariantCulture, out head.Status))
        {
            throw new HttpRequestException("Received an invalid status line: '" + Encoding.ASCII.GetString(status) + "'.");
        }
        bool http10 = status[7] == '0';
        head.Reason = status.Length > 13 ? Encoding.ASCII.GetString(status[13..]) : null;
        head.KeepAlive = !http10;
        var rest = text[(eol + 2)..];
        while (!rest.IsEmpty)
        {
            eol = rest.IndexOf("\r\n"u8);
            var line = rest[..eol];
            rest = rest[(eol + 2)..];
            int colon = line.IndexOf((byte)':');
            if (colon <= 0)
            {
                continue;
            }
            var name = line[..colon];
            var value = line[(colon + 1)..].Trim(" \t"u8);
            if (Ascii.EqualsIgnoreCase(name, "content-length"u8))
            {
                if (!long.TryParse(value, NumberStyles.None, CultureInfo.InvariantCulture, out head.ContentLength))
                {
                    throw new HttpRequestException("The response has an invalid Content-Length.");
                }
            }
            else if (Ascii.EqualsIgnoreCase(name, "transfer-encoding"u8))
            {
                // The last coding is the one that frames the body.
                head.Chunked = Ascii.EqualsIgnoreCase(value[(value.LastIndexOf((byte)',') + 1)..].Trim(" \t"u8), "chunked"u8);
            }
            else if (Ascii.EqualsIgnoreCase(name, "content-type"u8))
            {
                head.ContentType = Encoding.UTF8.GetString(value);
            }
            else if (Ascii.EqualsIgnoreCase(name, "content-encoding"u8))
            {
                head.ContentEncoding = Encoding.ASCII.GetString(value);
            }
            else if (Ascii.EqualsIgnoreCase(name, "location"u8))
            {
                head.Location = Encoding.UTF8.GetString(value);
            }
            else if (Ascii.EqualsIgnoreCase(name, "connection"u8))
            {
                if (HasToken(value, "close"u8))
                {
                    head.KeepAlive = false;
                }
                else if (http10 && HasToken(value, "keep-alive"u8))
                {
                    head.KeepAlive = true;
                }
            }
        }
        if (head.Chunked)
        {
            head.ContentLength = -1;
        }
        else if (head.ContentLength < 0 && head.Status is not (204 or 304) && head.Status >= 200)
        {
            head.KeepAlive = false; // the body ends when the connection does
        }
        return head;
    }

    private static bool HasToken(ReadOnlySpan<byte> list, ReadOnlySpan<byte> token)
    {
        foreach (var range in list.Split((byte)','))
        {
            if (Ascii.EqualsIgnoreCase(list[range].Trim(" \t"u8), token))
            {
                return true;
            }
        }
        return false;
    }
}
