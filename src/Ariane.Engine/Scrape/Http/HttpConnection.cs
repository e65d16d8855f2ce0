using System.Net;
using System.Net.Sockets;

namespace Ariane.Scrape;

/// <summary>
/// One kept-alive connection to a target: the socket, its stream (plain or TLS) and the reader of its responses.
/// Disposing it closes the socket, which is also how a deadline interrupts a blocked read or write.
/// </summary>
internal sealed class HttpConnection(string key, Socket socket, Stream stream) : IDisposable
{
    /// <summary>The pool's key for the target, scheme://authority.</summary>
    public readonly string Key = key;

    /// <summary>The socket, polled by the pool to tell whether an idle connection was closed.</summary>
    public readonly Socket Socket = socket;

    /// <summary>The stream requests are written to: the socket's, or TLS over it.</summary>
    public readonly Stream Stream = stream;

    /// <summary>Reads the responses from <see cref="Stream"/>.</summary>
    public readonly HttpResponseReader Reader = new(stream);

    /// <summary>Whether it came from the pool, so a failure before the response may be retried on a new one.</summary>
    public bool Reused;

    /// <summary>When it went back to the pool, in UTC ticks.</summary>
    public long IdleSince;

    private int _disposed;

    /// <summary>Whether it is closed (by the deadline, an error or the pool).</summary>
    public bool Disposed => Volatile.Read(ref _disposed) != 0;

    /// <summary>
    /// Connects to <paramref name="url"/>'s host and port, then shakes hands with <paramref name="tls"/> for https.
    /// The deadline closes the socket under the connect; connection errors read as <see cref="HttpClient"/>'s.
    /// </summary>
    public static HttpConnection Open(Uri url, string key, ScrapeTls tls, CancellationToken ct)
    {
        string host = url.IdnHost;
        string address = url.HostNameType == UriHostNameType.IPv6 ? url.DnsSafeHost : host; // without the brackets
#pragma warning disable CA2000 // socket -> NetworkStream -> SslStream -> HttpConnection, each owning the last; a failed connect or handshake disposes what it made
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
            stream = tls.Authenticate(stream, address, ct);
        }
        return new HttpConnection(key, socket, stream);
#pragma warning restore CA2000
    }

    /// <summary>Closes the stream and the socket, once, from whichever thread comes first.</summary>
    public void Dispose()
    {
        if (Interlocked.Exchange(ref _disposed, 1) == 0)
        {
            Stream.Dispose();
            Socket.Dispose();
        }
    }
}
