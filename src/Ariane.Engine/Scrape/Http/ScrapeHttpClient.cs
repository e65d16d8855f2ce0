using System.Buffers;
using System.Net;
using System.Net.Sockets;
using System.Text;
using Ariane.Config;
using Ariane.Storage;

namespace Ariane.Scrape;

/// <summary>
/// The HTTP/1.1 client of one scrape pool: a GET over a pooled keep-alive connection, with blocking socket calls on
/// the scraping thread. <see cref="HttpClient"/> serves the same requests, but a socket it has once read
/// asynchronously (its pool checks idle connections with an asynchronous read) is watched by the runtime's epoll
/// thread for good, and every response then wakes that thread and a thread-pool worker before the scraping thread:
/// on the ingestion benchmark those wake-ups were a large part of the CPU. Here a socket is only ever read with
/// blocking calls, so a response wakes the thread waiting for it and nothing else.
/// <para>
/// It does what the scrape configuration offers: TLS (tls_config, through <see cref="ScrapeTls"/>), basic auth,
/// authorization and bearer tokens (credential files re-read on every request), follow_redirects (up to 10, the
/// Authorization header dropped on the way, as <see cref="HttpClient"/> does), Content-Length, chunked and
/// read-to-close bodies. The deadline is a cancellation token: when it fires, the connection is closed under the
/// blocked call. Connection errors read as <see cref="HttpClient"/>'s: "Connection refused (host:port)".
/// </para>
/// </summary>
internal sealed class ScrapeHttpClient : IDisposable
{
    private const int MaxRedirects = 10;
    private const int MaxHeaderBytes = 64 * 1024;
    private static readonly long IdleTimeoutTicks = TimeSpan.FromMinutes(5).Ticks;

    private readonly HttpClientConfig _cfg;
    private readonly ScrapeTls _tls;
    private readonly string _userAgent;
    private readonly TimeProvider _time;
    private readonly Dictionary<string, Stack<Connection>> _idle = new(StringComparer.Ordinal);
    private long _lastSweep;
    private bool _disposed;

    public ScrapeHttpClient(HttpClientConfig cfg, TimeProvider time)
    {
        _cfg = cfg;
        _time = time;
        _tls = new ScrapeTls(cfg.TlsConfig);
        _userAgent = "Ariane/" + typeof(ScrapeHttpClient).Assembly.GetName().Version;
    }

    /// <summary>
    /// Sends a GET for <paramref name="url"/> with the extra header lines <paramref name="headers"/> (each ending in
    /// CRLF) and returns the response once its headers are in; its body is read from <see cref="Response.Body"/>.
    /// </summary>
    public Response Get(Uri url, string headers, CancellationToken ct)
    {
        bool authorize = true;
        for (int redirects = 0; ; redirects++)
        {
            var resp = GetOnce(url, headers, authorize, ct);
            if (!_cfg.FollowRedirects || redirects == MaxRedirects || !IsRedirect(resp.StatusCode) || resp.Location is null)
            {
                return resp;
            }
            var next = new Uri(url, resp.Location);
            resp.Dispose();
            if (next.Scheme != Uri.UriSchemeHttp && next.Scheme != Uri.UriSchemeHttps)
            {
                throw new HttpRequestException($"The redirect to {next} is not supported.");
            }
            url = next;
            authorize = false;
        }
    }

    private static bool IsRedirect(int status) => status is 301 or 302 or 303 or 307 or 308;

    private Response GetOnce(Uri url, string headers, bool authorize, CancellationToken ct)
    {
        string key = url.Scheme + "://" + url.Authority;
        byte[] request = BuildRequest(url, headers, authorize, out int requestLength);
        try
        {
            // A pooled connection the target closed meanwhile fails before any byte of the response: try a new one.
#pragma warning disable CA2000 // TrySend owns the connection: it disposes it on failure and hands it to the Response, which the caller disposes
            while (TakeIdle(key) is { } pooled)
            {
                if (TrySend(pooled, request, requestLength, ct, out var resp))
                {
                    return resp;
                }
            }
            var conn = Connect(url, key, ct);
            if (!TrySend(conn, request, requestLength, ct, out var fresh))
            {
                throw new HttpRequestException("The response ended prematurely.");
            }
            return fresh;
#pragma warning restore CA2000
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(request);
        }
    }

    private bool TrySend(Connection conn, byte[] request, int requestLength, CancellationToken ct, out Response resp)
    {
        resp = null!;
        var abort = ct.UnsafeRegister(static c => ((Connection)c!).Dispose(), conn);
        try
        {
            ct.ThrowIfCancellationRequested();
            conn.Stream.Write(request, 0, requestLength);
            conn.Start = conn.End = 0;
            bool got;
            ResponseHead head;
            // Informational responses (103 Early Hints, a 100 Continue nobody asked for) precede the real one.
            while ((got = conn.ReadHead(out head)) && head.Status is >= 100 and < 200 and not 101)
            {
            }
            if (!got)
            {
                abort.Dispose();
                conn.Dispose();
                ct.ThrowIfCancellationRequested(); // the deadline closed it
                return false;
            }
            resp = new Response(this, conn, head, abort);
            return true;
        }
        catch (Exception e) when (e is IOException or SocketException or ObjectDisposedException)
        {
            abort.Dispose();
            conn.Dispose();
            if (conn.Reused && !ct.IsCancellationRequested)
            {
                return false;
            }
            ct.ThrowIfCancellationRequested();
            throw new HttpRequestException(e.Message, e);
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            abort.Dispose();
            conn.Dispose();
            ct.ThrowIfCancellationRequested(); // the deadline closed it
            throw;
        }
    }

    private byte[] BuildRequest(Uri url, string headers, bool authorize, out int length)
    {
        var sb = new StringBuilder(256);
        sb.Append("GET ").Append(url.PathAndQuery).Append(" HTTP/1.1\r\nHost: ")
            .Append(url.HostNameType == UriHostNameType.IPv6 ? url.Host : url.IdnHost); // an IPv6 literal in brackets
        if (!url.IsDefaultPort)
        {
            sb.Append(':').Append(url.Port);
        }
        sb.Append("\r\nUser-Agent: ").Append(_userAgent).Append("\r\n").Append(headers);
        if (authorize && Authorization() is { } auth)
        {
            sb.Append("Authorization: ").Append(auth).Append("\r\n");
        }
        sb.Append("\r\n");
        string text = sb.ToString();
        byte[] buf = ArrayPool<byte>.Shared.Rent(Encoding.UTF8.GetMaxByteCount(text.Length));
        length = Encoding.UTF8.GetBytes(text, buf);
        return buf;
    }

    /// <summary>The Authorization header's value from the config, credential files read now so rotation is picked up.</summary>
    private string? Authorization()
    {
        if (_cfg.BasicAuth is { } basic)
        {
            string password = basic.PasswordFile is { Length: > 0 } pf ? File.ReadAllText(pf).TrimEnd('\n', '\r') : basic.Password ?? "";
            return "Basic " + Convert.ToBase64String(Encoding.UTF8.GetBytes(basic.Username + ":" + password));
        }
        if (_cfg.Authorization is { } auth)
        {
            string cred = auth.CredentialsFile is { Length: > 0 } cf ? File.ReadAllText(cf).TrimEnd('\n', '\r') : auth.Credentials ?? "";
            return (string.IsNullOrEmpty(auth.Type) ? "Bearer" : auth.Type) + " " + cred;
        }
        if (!string.IsNullOrEmpty(_cfg.BearerToken) || !string.IsNullOrEmpty(_cfg.BearerTokenFile))
        {
            string cred = _cfg.BearerTokenFile is { Length: > 0 } bf ? File.ReadAllText(bf).TrimEnd('\n', '\r') : _cfg.BearerToken ?? "";
            return "Bearer " + cred;
        }
        return null;
    }

    private Connection Connect(Uri url, string key, CancellationToken ct)
    {
        string host = url.IdnHost;
        string address = url.HostNameType == UriHostNameType.IPv6 ? url.DnsSafeHost : host; // without the brackets
#pragma warning disable CA2000 // socket -> NetworkStream -> SslStream -> Connection, each owning the last; a failed connect or handshake disposes what it made
        var socket = new Socket(SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
        using (ct.UnsafeRegister(static s => ((Socket)s!).Dispose(), socket))
        {
            try
            {
                ct.ThrowIfCancellationRequested();
                socket.Connect(IPAddress.TryParse(address, out var ip) ? new IPEndPoint(ip, url.Port) : new DnsEndPoint(address, url.Port));
            }
            catch (Exception e) when (e is SocketException or ObjectDisposedException)
            {
                socket.Dispose();
                ct.ThrowIfCancellationRequested();
                // Worded as HttpClient words it: the error without the resolved end point, then host and port.
                var inner = e is SocketException se ? new SocketException((int)se.SocketErrorCode) : e;
                throw new HttpRequestException($"{inner.Message} ({host}:{url.Port})", inner);
            }
        }
        Stream stream = new NetworkStream(socket, ownsSocket: true);
        if (url.Scheme == Uri.UriSchemeHttps)
        {
            stream = _tls.Authenticate(stream, address, ct);
        }
        return new Connection(key, socket, stream);
#pragma warning restore CA2000
    }

    private Connection? TakeIdle(string key)
    {
        lock (_idle)
        {
            if (!_idle.TryGetValue(key, out var stack))
            {
                return null;
            }
            while (stack.TryPop(out var conn))
            {
                // Readable while idle means the target closed it (or sent something unasked): not reusable.
                bool closed;
                try
                {
                    closed = conn.Socket.Poll(0, SelectMode.SelectRead);
                }
                catch (Exception e) when (e is SocketException or ObjectDisposedException)
                {
                    closed = true;
                }
                if (closed)
                {
                    conn.Dispose();
                    continue;
                }
                conn.Reused = true;
                return conn;
            }
            return null;
        }
    }

    private void Release(Connection conn)
    {
        long now = _time.GetUtcNow().UtcTicks;
        conn.IdleSince = now;
        lock (_idle)
        {
            if (_disposed)
            {
                conn.Dispose();
                return;
            }
            if (!_idle.TryGetValue(conn.Key, out var stack))
            {
                _idle[conn.Key] = stack = new Stack<Connection>(1);
            }
            stack.Push(conn);
            if (now - _lastSweep > IdleTimeoutTicks / 4)
            {
                _lastSweep = now;
                Sweep(now);
            }
        }
    }

    // Closes connections idle for longer than the idle timeout (targets that went away); no timer needed.
    private void Sweep(long now)
    {
        List<string>? empty = null;
        foreach (var (key, stack) in _idle)
        {
            if (stack.Count > 0 && now - stack.Peek().IdleSince > IdleTimeoutTicks)
            {
                foreach (var c in stack)
                {
                    c.Dispose();
                }
                stack.Clear();
            }
            if (stack.Count == 0)
            {
                (empty ??= []).Add(key);
            }
        }
        if (empty is not null)
        {
            foreach (var k in empty)
            {
                _idle.Remove(k);
            }
        }
    }

    public void Dispose()
    {
        lock (_idle)
        {
            _disposed = true;
            foreach (var stack in _idle.Values)
            {
                foreach (var c in stack)
                {
                    c.Dispose();
                }
            }
            _idle.Clear();
        }
    }

    /// <summary>A response whose headers are in; dispose it to return its connection to the pool.</summary>
    internal sealed class Response : IDisposable
    {
        private readonly ScrapeHttpClient _owner;
        private readonly Connection _conn;
        private CancellationTokenRegistration _abort;
        private readonly ResponseHead _head;
        private readonly BodyStream _body;
        private bool _disposed;

        internal Response(ScrapeHttpClient owner, Connection conn, ResponseHead head, CancellationTokenRegistration abort)
        {
            _owner = owner;
            _conn = conn;
            _head = head;
            _abort = abort;
            _body = new BodyStream(conn, head);
        }

        public int StatusCode => _head.Status;

        /// <summary>The reason phrase the target sent, or the standard one for the status.</summary>
        public string ReasonPhrase => string.IsNullOrEmpty(_head.Reason) ? ReasonFor(_head.Status) : _head.Reason;

        public string? ContentType => _head.ContentType;

        public string? ContentEncoding => _head.ContentEncoding;

        public string? Location => _head.Location;

        /// <summary>The body, decoded from its transfer encoding (not from its content encoding).</summary>
        public Stream Body => _body;

        public void Dispose()
        {
            if (_disposed)
            {
                return;
            }
            _disposed = true;
            _abort.Dispose();
            if (_body.Complete && _head.KeepAlive && !_conn.Disposed)
            {
                _owner.Release(_conn);
            }
            else
            {
                _conn.Dispose();
            }
        }

        private static string ReasonFor(int status)
        {
            using var m = new HttpResponseMessage((HttpStatusCode)status);
            return m.ReasonPhrase ?? "";
        }
    }

    /// <summary>A socket with its stream (plain or TLS) and a read buffer for the response head.</summary>
    internal sealed class Connection(string key, Socket socket, Stream stream) : IDisposable
    {
        public readonly string Key = key;
        public readonly Socket Socket = socket;
        public readonly Stream Stream = stream;
        public byte[] Buffer = new byte[4096];
        public int Start;
        public int End;
        public bool Reused;
        public long IdleSince;
        private int _disposed;

        public bool Disposed => Volatile.Read(ref _disposed) != 0;

        /// <summary>Reads the status line and headers; false if the connection ended before any byte of them.</summary>
        public bool ReadHead(out ResponseHead head)
        {
            // Bytes already read after a previous head (an informational response's) are the start of this one.
            if (Start > 0)
            {
                Buffer.AsSpan(Start, End - Start).CopyTo(Buffer);
                End -= Start;
                Start = 0;
            }
            int scanned = 0;
            while (true)
            {
                int end = Buffer.AsSpan(scanned, End - scanned).IndexOf("\r\n\r\n"u8);
                if (end >= 0)
                {
                    end += scanned;
                    head = ResponseHead.Parse(Buffer.AsSpan(0, end + 2));
                    Start = end + 4; // what follows is the start of the body
                    return true;
                }
                scanned = Math.Max(0, End - 3);
                if (End == Buffer.Length)
                {
                    if (Buffer.Length >= MaxHeaderBytes)
                    {
                        throw new HttpRequestException($"The HTTP response headers length exceeded the set limit of {MaxHeaderBytes} bytes.");
                    }
                    Array.Resize(ref Buffer, Buffer.Length * 2); // rare: headers beyond 4 KiB
                }
                int n = Stream.Read(Buffer, End, Buffer.Length - End);
                if (n == 0)
                {
                    if (End == 0)
                    {
                        head = default;
                        return false;
                    }
                    throw new HttpRequestException("The response ended prematurely.");
                }
                End += n;
            }
        }

        /// <summary>Reads body bytes: first what came with the head, then straight from the stream.</summary>
        public int Read(Span<byte> dst)
        {
            if (Start < End)
            {
                int k = Math.Min(dst.Length, End - Start);
                Buffer.AsSpan(Start, k).CopyTo(dst);
                Start += k;
                return k;
            }
            return Stream.Read(dst);
        }

        /// <summary>Reads one byte of body framing (chunk sizes), through the buffer.</summary>
        public int ReadByte()
        {
            if (Start == End)
            {
                Start = 0;
                End = Stream.Read(Buffer, 0, Buffer.Length);
                if (End == 0)
                {
                    return -1;
                }
            }
            return Buffer[Start++];
        }

        public void Dispose()
        {
            if (Interlocked.Exchange(ref _disposed, 1) == 0)
            {
                Stream.Dispose();
                Socket.Dispose();
            }
        }
    }

    /// <summary>A response body framed by Content-Length, chunked encoding, or the end of the connection.</summary>
    private sealed class BodyStream(Connection conn, ResponseHead head) : ForwardReadStream
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
                int m = conn.Read(buffer);
                _done = m == 0;
                return m;
            }
            int n = conn.Read(buffer[..(int)Math.Min(buffer.Length, _remaining)]);
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
            while ((b = conn.ReadByte()) >= 0)
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
                b = conn.ReadByte();
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
            int b = conn.ReadByte();
            if (b == '\r')
            {
                b = conn.ReadByte();
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
                while ((b = conn.ReadByte()) >= 0 && b != '\n')
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
}
