using System.Buffers;
using System.Collections.Concurrent;
using System.Diagnostics;
using System.Globalization;
using System.Net.Sockets;
using System.Text;
using Ariane.Tests.Support;

namespace Ariane.Tests.Hostile;

/// <summary>One server with the remote-write receiver and its default limits, shared by the hostile inputs.</summary>
public sealed class RemoteWriteHostileServer : IAsyncLifetime
{
    private readonly TempDir _dir = new();

    /// <summary>The server.</summary>
    public ServerProcess Server { get; private set; } = null!;

    /// <summary>A client with room for large bodies on a loaded machine.</summary>
    public HttpClient Client { get; private set; } = null!;

    /// <summary>What each input did, by input, for the suite report.</summary>
    public ConcurrentDictionary<string, string> Lines { get; } = new();

    public async ValueTask InitializeAsync()
    {
        Server = await ServerProcess.StartAsync(_dir.Path, "--web.enable-remote-write-receiver");
        Client = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{Server.Port}"), Timeout = TimeSpan.FromMinutes(3) };
    }

    public async ValueTask DisposeAsync()
    {
        Client.Dispose();
        await Server.DisposeAsync();
        _dir.Dispose();
    }
}

/// <summary>
/// Hostile remote-write requests (issue 10, items 4 and 12): each is refused with the right status and a reason, in
/// bounded time, and leaves the server's resident memory within a bound, measured from /proc/PID/status.
/// </summary>
[Trait("Suite", "Hostile")]
public class RemoteWriteHostileTests(RemoteWriteHostileServer fixture) : IClassFixture<RemoteWriteHostileServer>
{
    // Ten minutes ago: inside the head's window beside the server's own scrapes.
    private static readonly long T0 = (DateTimeOffset.UtcNow.ToUnixTimeSeconds() - 600) * 1000;
    private const int MiB = 1 << 20;

    /// <summary>A hostile input: the request is made by <c>Send</c>, which returns the status and body.</summary>
    public sealed record Input(string Name, int Status, string Text, int RssBoundMiB, Func<RemoteWriteHostileServer, Task<(int Code, string Body)>> Send)
    {
        public override string ToString() => Name;
    }

    public static TheoryData<Input> Inputs => new()
    {
        new Input("snappy body of 6 bytes declaring 2^31 bytes", 400, "snappy: corrupt input", 16,
            f => Post(f, [0x80, 0x80, 0x80, 0x80, 0x08, 0x00])),
        new Input("snappy body of 4 MiB declaring 2^32 - 1 bytes", 400, "snappy: corrupt input", 32,
            f => Post(f, Declaring(uint.MaxValue, 4 * MiB))),
        new Input("snappy body of 5 MiB declaring 100 MiB (the limit) it does not hold", 400, "snappy: corrupt input: data shorter than the declared length", 200,
            f => Post(f, Declaring(100 * MiB, 5 * MiB))),
        new Input("101 MiB of zeros compressed to 5 MB (a decompression bomb)", 413, "decompressed request of 105906176 bytes is over the limit of 104857600 bytes", 32,
            f => Post(f, Snappier.Snappy.CompressToArray(new byte[101 * MiB]))),
        new Input("Content-Length of 200 MiB, 10 bytes sent (raw socket)", 413, "request body of 209715200 bytes is over the limit of 104857600 bytes", 16,
            f => RawHeaderOnly(f, 200L * MiB)),
        new Input("chunked body of 101 MiB without a length (raw socket)", 413, "request body is over the limit of 104857600 bytes", 300,
            f => RawChunked(f, 101L * MiB)),
        new Input("one series with 10^6 labels (about 15 MB)", 400, "1 of 1 samples rejected (1 of 1 series refused); first: received a series whose number of labels exceeds the limit (actual: 1000001, limit: 30) series: '{__name__=\"hostile_labels\", l0=\"v\", l1=\"v\"", 100,
            f => Post(f, Snappy(Series("hostile_labels", 1_000_000, 1, 1)))),
        new Input("a label name of 10 MiB", 400, "1 of 1 samples rejected (1 of 1 series refused); first: received a series whose label name length exceeds the limit (actual: 10485760, limit: 1024), label: 'nnnn", 100,
            f => Post(f, Snappy(Series("hostile_name", 0, 1, 1, extraName: new string('n', 10 * MiB))))),
        new Input("a label value of 50 MiB", 400, "1 of 1 samples rejected (1 of 1 series refused); first: received a series whose label value length exceeds the limit (actual: 52428800, limit: 2048), label: 'big', value: 'vvvv", 200,
            f => Post(f, Snappy(Series("hostile_value", 0, 1, 1, extraName: "big", extraValue: new string('v', 50 * MiB))))),
        new Input("10,000 series of 31 labels each", 400, "10000 of 10000 samples rejected (10000 of 10000 series refused); first: received a series whose number of labels exceeds the limit (actual: 31, limit: 30)", 64,
            f => Post(f, Snappy(ManySeries(10_000, 30)))),
        new Input("10^6 samples of one series in reverse time order", 400, "999999 of 1000000 samples rejected; first: out of order sample for series {__name__=\"hostile_reverse\"} at timestamp", 100,
            f => Post(f, Snappy(Series("hostile_reverse", 0, 1_000_000, -1)))),
        new Input("10 MiB text/plain body (a cross-origin form post)", 415, "expected application/x-protobuf as the first (media) part, got text/plain content-type", 32,
            f => Post(f, new byte[10 * MiB], "text/plain")),
    };

    [Theory]
    [MemberData(nameof(Inputs))]
    public async Task IsRefusedInBoundedTimeAndMemory(Input input)
    {
        int pid = fixture.Server.Pid;
        long before = Status(pid, "VmRSS");
        var sw = Stopwatch.StartNew();
        var (code, body) = await input.Send(fixture);
        double seconds = sw.Elapsed.TotalSeconds;
        long after = Status(pid, "VmRSS"), peak = Status(pid, "VmHWM");
        long grew = (after - before) >> 10;
        string shown = body.Length > 160 ? body[..160] + "…" : body.TrimEnd();
        fixture.Lines[input.Name] = string.Create(CultureInfo.InvariantCulture,
            $"{input.Name}: HTTP {code} \"{shown}\" in {seconds:F1} s; RSS {before >> 10} -> {after >> 10} MiB (+{grew}, bound {input.RssBoundMiB}), peak RSS so far {peak >> 10} MiB");
        SuiteReport.Write("hostile-remotewrite",
            "remote write: hostile requests, each refused with its status and reason in bounded time and memory\n"
            + string.Join("\n", fixture.Lines.OrderBy(kv => kv.Key, StringComparer.Ordinal).Select(kv => "  " + kv.Value)));

        Assert.True(code == input.Status, $"{input.Name}: HTTP {code} {shown}");
        Assert.StartsWith(input.Text, body);
        Assert.True(body.Length < 1000, $"the answer echoes {body.Length} characters");
        Assert.True(seconds < 120, $"{input.Name}: {seconds:F1} s");
        Assert.True(grew <= input.RssBoundMiB, $"{input.Name}: resident memory grew by {grew} MiB, bound {input.RssBoundMiB} MiB");
        // The server still answers at once, and stored nothing of what it refused.
        using var ready = await fixture.Client.GetAsync("/-/ready", TestContext.Current.CancellationToken);
        Assert.Equal(System.Net.HttpStatusCode.OK, ready.StatusCode);
        string q = Uri.EscapeDataString("count({__name__=~\"hostile_.*\"})");
        string answer = await fixture.Client.GetStringAsync($"/api/v1/query?query={q}&time={T0 / 1000 + 60}", TestContext.Current.CancellationToken);
        Assert.Contains("\"result\":[]", answer);
    }

    // A value from /proc/PID/status, in kB.
    private static long Status(int pid, string field)
    {
        foreach (string line in File.ReadLines($"/proc/{pid}/status"))
        {
            if (line.StartsWith(field + ":", StringComparison.Ordinal))
            {
                return long.Parse(line.AsSpan(field.Length + 1).Trim().TrimEnd("kB").Trim(), CultureInfo.InvariantCulture);
            }
        }
        throw new InvalidOperationException($"no {field} in /proc/{pid}/status");
    }

    private static Task<(int Code, string Body)> Post(RemoteWriteHostileServer f, byte[] body, string contentType = "application/x-protobuf") =>
        RemoteWriteClient.SendRawAsync(f.Client, body, contentType);

    private static byte[] Snappy(ArrayBufferWriter<byte> request) => Snappier.Snappy.CompressToArray(request.WrittenSpan);

    // A snappy block that declares `declared` bytes and holds `literalBytes` bytes of one long literal.
    private static byte[] Declaring(uint declared, int literalBytes)
    {
        var w = new ArrayBufferWriter<byte>();
        Varint(w, declared);
        uint n = (uint)literalBytes - 1;
        w.Write([(byte)(63 << 2), (byte)n, (byte)(n >> 8), (byte)(n >> 16), (byte)(n >> 24)]);
        w.GetSpan(literalBytes)[..literalBytes].Fill((byte)'x');
        w.Advance(literalBytes);
        return w.WrittenSpan.ToArray();
    }

    // A WriteRequest of one series named `metric` with `labels` more labels l0..lN="v" (and an extra one), and
    // `samples` samples one millisecond apart, in time order (step 1) or reverse (step -1).
    private static ArrayBufferWriter<byte> Series(string metric, int labels, int samples, int step, string? extraName = null, string? extraValue = "v")
    {
        var ts = new ArrayBufferWriter<byte>();
        Label(ts, "__name__", metric);
        for (int i = 0; i < labels; i++)
        {
            Label(ts, "l" + i.ToString(CultureInfo.InvariantCulture), "v");
        }
        if (extraName is not null)
        {
            Label(ts, extraName, extraValue!);
        }
        for (int i = 0; i < samples; i++)
        {
            long t = T0 + (step > 0 ? i : samples - 1 - i);
            Sample(ts, t, i);
        }
        var req = new ArrayBufferWriter<byte>();
        Bytes(req, 1, ts.WrittenSpan);
        return req;
    }

    private static ArrayBufferWriter<byte> ManySeries(int series, int labels)
    {
        var req = new ArrayBufferWriter<byte>();
        var ts = new ArrayBufferWriter<byte>();
        for (int s = 0; s < series; s++)
        {
            ts.Clear();
            Label(ts, "__name__", "hostile_many_" + s.ToString(CultureInfo.InvariantCulture));
            for (int i = 0; i < labels; i++)
            {
                Label(ts, "l" + i.ToString(CultureInfo.InvariantCulture), "v");
            }
            Sample(ts, T0, s);
            Bytes(req, 1, ts.WrittenSpan);
        }
        return req;
    }

    private static void Label(ArrayBufferWriter<byte> w, string name, string value)
    {
        var l = new ArrayBufferWriter<byte>();
        Bytes(l, 1, Encoding.UTF8.GetBytes(name));
        Bytes(l, 2, Encoding.UTF8.GetBytes(value));
        Bytes(w, 1, l.WrittenSpan);
    }

    private static void Sample(ArrayBufferWriter<byte> w, long t, double v)
    {
        Span<byte> s = stackalloc byte[20];
        s[0] = (1 << 3) | 1;
        BitConverter.TryWriteBytes(s[1..], v);
        s[9] = 2 << 3;
        int n = 10;
        for (ulong x = (ulong)t; ; x >>= 7)
        {
            if (x < 0x80)
            {
                s[n++] = (byte)x;
                break;
            }
            s[n++] = (byte)(x | 0x80);
        }
        Bytes(w, 2, s[..n]);
    }

    private static void Bytes(ArrayBufferWriter<byte> w, int field, ReadOnlySpan<byte> b)
    {
        Varint(w, (ulong)((field << 3) | 2));
        Varint(w, (ulong)b.Length);
        w.Write(b);
    }

    private static void Varint(ArrayBufferWriter<byte> w, ulong v)
    {
        while (v >= 0x80)
        {
            w.Write([(byte)(v | 0x80)]);
            v >>= 7;
        }
        w.Write([(byte)v]);
    }

    private const string Headers = "POST /api/v1/write HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/x-protobuf\r\nContent-Encoding: snappy\r\n";

    // Headers that announce `length` bytes, then 10 bytes: the answer must come from the headers alone.
    private static async Task<(int, string)> RawHeaderOnly(RemoteWriteHostileServer f, long length)
    {
        using var tcp = new TcpClient();
        await tcp.ConnectAsync("127.0.0.1", f.Server.Port);
        var stream = tcp.GetStream();
        await stream.WriteAsync(Encoding.ASCII.GetBytes(Headers + $"Content-Length: {length}\r\n\r\n0123456789"));
        return await ReadResponse(stream);
    }

    // A chunked body of `length` zero bytes, written while the answer is awaited; writing stops when the server closes.
    private static async Task<(int, string)> RawChunked(RemoteWriteHostileServer f, long length)
    {
        using var tcp = new TcpClient();
        await tcp.ConnectAsync("127.0.0.1", f.Server.Port);
        var stream = tcp.GetStream();
        await stream.WriteAsync(Encoding.ASCII.GetBytes(Headers + "Transfer-Encoding: chunked\r\n\r\n"));
        using var stop = new CancellationTokenSource();
        var writer = Task.Run(async () =>
        {
            var chunk = new byte[1 << 20];
            var head = Encoding.ASCII.GetBytes($"{chunk.Length:x}\r\n");
            var crlf = "\r\n"u8.ToArray();
            try
            {
                for (long sent = 0; sent < length && !stop.IsCancellationRequested; sent += chunk.Length)
                {
                    await stream.WriteAsync(head, stop.Token);
                    await stream.WriteAsync(chunk, stop.Token);
                    await stream.WriteAsync(crlf, stop.Token);
                }
                await stream.WriteAsync("0\r\n\r\n"u8.ToArray(), stop.Token);
            }
            catch (Exception e) when (e is IOException or OperationCanceledException or ObjectDisposedException)
            {
                // The server answered and closed the connection before the body ended: what a limit does.
            }
        });
        var answer = await ReadResponse(stream);
        await stop.CancelAsync();
        await writer;
        return answer;
    }

    // Reads one HTTP/1.1 response with a Content-Length (Kestrel's error answers) and returns its status and body.
    private static async Task<(int, string)> ReadResponse(NetworkStream stream)
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(2));
        var buf = new List<byte>();
        var one = new byte[4096];
        while (true)
        {
            string text = Encoding.ASCII.GetString([.. buf]);
            int end = text.IndexOf("\r\n\r\n", StringComparison.Ordinal);
            if (end >= 0)
            {
                var lines = text[..end].Split("\r\n");
                int code = int.Parse(lines[0].Split(' ')[1], CultureInfo.InvariantCulture);
                var lengthLine = lines.FirstOrDefault(l => l.StartsWith("Content-Length:", StringComparison.OrdinalIgnoreCase));
                int len = lengthLine is null ? 0 : int.Parse(lengthLine["Content-Length:".Length..].Trim(), CultureInfo.InvariantCulture);
                if (buf.Count >= end + 4 + len)
                {
                    return (code, Encoding.UTF8.GetString([.. buf.Skip(end + 4).Take(len)]));
                }
            }
            int n = await stream.ReadAsync(one, timeout.Token);
            if (n == 0)
            {
                throw new IOException("connection closed before a whole answer: " + text);
            }
            buf.AddRange(one.AsSpan(0, n));
        }
    }
}
