using System.Buffers;
using System.Net;
using System.Net.Sockets;
using System.Text;
using Ariane.Config;

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

    private readonly HttpClientConfig _cfg;
    private readonly ScrapeTls _tls;
    private readonly ConnectionPool _pool;
    private readonly string _userAgent;

    /// <summary>A client for the pool's <paramref name="cfg"/>; TLS files are read now, credential files per request.</summary>
    public ScrapeHttpClient(HttpClientConfig cfg, TimeProvider time)
    {
        _cfg = cfg;
        _tls = new ScrapeTls(cfg.TlsConfig);
        _pool = new ConnectionPool(time);
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
            while (_pool.TakeIdle(key) is { } pooled)
            {
                if (TrySend(pooled, request, requestLength, ct, out var resp))
                {
                    return resp;
                }
            }
            var conn = HttpConnection.Open(url, key, _tls, ct);
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

    private bool TrySend(HttpConnection conn, byte[] request, int requestLength, CancellationToken ct, out Response resp)
    {
        resp = null!;
        var abort = ct.UnsafeRegister(static c => ((HttpConnection)c!).Dispose(), conn);
        try
        {
            ct.ThrowIfCancellationRequested();
            conn.Stream.Write(request, 0, requestLength);
            conn.Reader.Reset();
            bool got;
            ResponseHead head;
            // Informational responses (103 Early Hints, a 100 Continue nobody asked for) precede the real one.
            while ((got = conn.Reader.ReadHead(out head)) && head.Status is >= 100 and < 200 and not 101)
            {
            }
            if (!got)
            {
                abort.Dispose();
                conn.Dispose();
                ct.ThrowIfCancellationRequested(); // the deadline closed it
                return false;
            }
            resp = new Response(_pool, conn, head, abort);
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

    /// <summary>Closes the pool's idle connections.</summary>
    public void Dispose() => _pool.Dispose();

    /// <summary>A response whose headers are in; dispose it to return its connection to the pool.</summary>
    internal sealed class Response : IDisposable
    {
        private readonly ConnectionPool _pool;
        private readonly HttpConnection _conn;
        private CancellationTokenRegistration _abort;
        private readonly ResponseHead _head;
        private readonly BodyStream _body;
        private bool _disposed;

        internal Response(ConnectionPool pool, HttpConnection conn, ResponseHead head, CancellationTokenRegistration abort)
        {
            _pool = pool;
            _conn = conn;
            _head = head;
            _abort = abort;
            _body = BodyStream.For(conn.Reader, head);
        }

        /// <summary>The status code of the final response (informational ones are skipped).</summary>
        public int StatusCode => _head.Status;

        /// <summary>The reason phrase the target sent, or the standard one for the status.</summary>
        public string ReasonPhrase => string.IsNullOrEmpty(_head.Reason) ? ReasonFor(_head.Status) : _head.Reason;

        /// <summary>The Content-Type header, which picks the exposition format; null without one.</summary>
        public string? ContentType => _head.ContentType;

        /// <summary>The Content-Encoding header (gzip is undone by the caller); null without one.</summary>
        public string? ContentEncoding => _head.ContentEncoding;

        /// <summary>The Location header of a redirect; null without one.</summary>
        public string? Location => _head.Location;

        /// <summary>The body, decoded from its transfer encoding (not from its content encoding).</summary>
        public Stream Body => _body;

        /// <summary>Returns the connection to the pool if the body was read whole and it may be kept alive; else closes it.</summary>
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
                _pool.Release(_conn);
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
}
