using System.Net;
using System.Net.Sockets;
using System.Text;
using Ariane.Config;
using Ariane.Scrape;
using BenchmarkDotNet.Attributes;

namespace Ariane.Bench;

/// <summary>
/// The scrape client alone over loopback: one GET on a kept-alive connection and its 1000-series body read to the
/// end, framed by Content-Length or chunked, against a blocking in-process target that answers with prepared bytes
/// (so the figures are the client's: request, head, framing, pool).
/// </summary>
[MemoryDiagnoser]
public class ScrapeHttpBenchmarks
{
    private const int Series = 1000;
    private const string Headers = "Accept: text/plain;version=0.0.4\r\nAccept-Encoding: gzip\r\n";
    private readonly byte[] _buffer = new byte[64 * 1024];
    private Socket _listener = null!;
    private byte[] _lengthResponse = [];
    private byte[] _chunkedResponse = [];
    private ScrapeHttpClient _client = null!;
    private Uri _length = null!;
    private Uri _chunked = null!;

    /// <summary>Builds the two responses, starts the target and makes the first request of each kind.</summary>
    [GlobalSetup]
    public void Setup()
    {
        var sb = new StringBuilder();
        sb.Append("# HELP node_cpu_seconds_total Seconds the CPUs spent in each mode.\n# TYPE node_cpu_seconds_total counter\n");
        for (int i = 0; i < Series; i++)
        {
            sb.Append("node_cpu_seconds_total{cpu=\"").Append(i / 8).Append("\",mode=\"mode").Append(i % 8).Append("\"} ")
              .Append(1000.0 * i + 0.25).Append('\n');
        }
        byte[] body = Encoding.UTF8.GetBytes(sb.ToString());
        const string type = "Content-Type: text/plain; version=0.0.4; charset=utf-8\r\n";
        _lengthResponse = [.. Encoding.ASCII.GetBytes($"HTTP/1.1 200 OK\r\n{type}Content-Length: {body.Length}\r\n\r\n"), .. body];
        var chunked = new MemoryStream();
        chunked.Write(Encoding.ASCII.GetBytes($"HTTP/1.1 200 OK\r\n{type}Transfer-Encoding: chunked\r\n\r\n"));
        for (int at = 0; at < body.Length; at += 4096)
        {
            int n = Math.Min(4096, body.Length - at);
            chunked.Write(Encoding.ASCII.GetBytes($"{n:x}\r\n"));
            chunked.Write(body, at, n);
            chunked.Write("\r\n"u8);
        }
        chunked.Write("0\r\n\r\n"u8);
        _chunkedResponse = chunked.ToArray();

        _listener = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        _listener.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        _listener.Listen();
        new Thread(Accept) { IsBackground = true, Name = "bench-target" }.Start();
        int port = ((IPEndPoint)_listener.LocalEndPoint!).Port;
        _length = new Uri($"http://127.0.0.1:{port}/metrics");
        _chunked = new Uri($"http://127.0.0.1:{port}/chunked");
        _client = new ScrapeHttpClient(new HttpClientConfig(), TimeProvider.System);
        GetContentLength();
        GetChunked();
    }

    /// <summary>Stops the target and closes the client's connections.</summary>
    [GlobalCleanup]
    public void Cleanup()
    {
        _client.Dispose();
        _listener.Dispose();
    }

    /// <summary>One scrape's request and its Content-Length body.</summary>
    [Benchmark]
    public long GetContentLength() => Get(_length);

    /// <summary>One scrape's request and its chunked body (4 KiB chunks).</summary>
    [Benchmark]
    public long GetChunked() => Get(_chunked);

    private long Get(Uri url)
    {
        using var resp = _client.Get(url, Headers, CancellationToken.None);
        long total = 0;
        int n;
        while ((n = resp.Body.Read(_buffer)) > 0)
        {
            total += n;
        }
        return total;
    }

    private void Accept()
    {
        try
        {
            while (true)
            {
                var conn = _listener.Accept();
                new Thread(() => Serve(conn)) { IsBackground = true, Name = "bench-target" }.Start();
            }
        }
        catch (Exception e) when (e is SocketException or ObjectDisposedException)
        {
            // The listener closed at cleanup.
        }
    }

    // Answers each request (a GET without a body) once its empty line is in, by path.
    private void Serve(Socket conn)
    {
        var buf = new byte[8192];
        int have = 0;
        try
        {
            while (true)
            {
                int n = conn.Receive(buf, have, buf.Length - have, SocketFlags.None);
                if (n == 0)
                {
                    return;
                }
                have += n;
                int end = buf.AsSpan(0, have).IndexOf("\r\n\r\n"u8);
                if (end < 0)
                {
                    continue;
                }
                bool chunked = buf.AsSpan(0, end).StartsWith("GET /chunked"u8);
                conn.Send(chunked ? _chunkedResponse : _lengthResponse);
                buf.AsSpan(end + 4, have - end - 4).CopyTo(buf);
                have -= end + 4;
            }
        }
        catch (Exception e) when (e is SocketException or ObjectDisposedException)
        {
            // The client closed the connection.
        }
        finally
        {
            conn.Dispose();
        }
    }
}
