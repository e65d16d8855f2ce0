using System.IO.Compression;
using System.Text;
using Ariane.Model;
using Ariane.Tests.Support;
using Ariane.TextParse;

namespace Ariane.Tests.TextParse;

/// <summary>
/// A body streamed through the parser's window (issue 10 item 11) parses exactly as the whole body does: every entry,
/// every accessor (series bytes, value, timestamp, labels, exemplar, metadata, start timestamps) and every error,
/// whatever the window size and however the source hands out its bytes (1 to 7 at a time, so that lines split at
/// every position), for both formats, plain and gzipped; a line longer than the window's cap fails.
/// </summary>
public class StreamedParseTests
{
    private const string Prom = """
        # HELP http_requests_total The total number of "requests", with \\ and \n escapes.
        # TYPE http_requests_total counter
        http_requests_total{method="post",code="200"} 1027 1395066363000
        http_requests_total{method="post",code="400"}    3 1395066363000

        # A free comment.
        msdos_file_access_time_seconds{path="C:\\DIR\\FILE.TXT",error="Cannot find file:\n\"FILE.TXT\""} 1.458255915e9
        metric_without_timestamp_and_labels 12.47
        {"my.dotted.metric", a="b"} +Inf
        # TYPE rpc_duration_seconds summary
        rpc_duration_seconds{quantile="0.5"} 4773
        rpc_duration_seconds_sum 1.7560473e+07
        rpc_duration_seconds_count 2693
        nan_value NaN
        last_line_unterminated{x="y",} -Inf 1
        """;

    private const string OpenMetrics = """
        # TYPE acme_http_router_request_seconds summary
        # UNIT acme_http_router_request_seconds seconds
        # HELP acme_http_router_request_seconds Latency though all of ACME's HTTP request router.
        acme_http_router_request_seconds_sum{path="/api/v1",method="GET"} 9036.32
        acme_http_router_request_seconds_count{path="/api/v1",method="GET"} 807283.0
        acme_http_router_request_seconds_created{path="/api/v1",method="GET"} 1605281325.0
        acme_http_router_request_seconds_sum{path="/api/v2",method="POST"} 479.3
        acme_http_router_request_seconds_count{path="/api/v2",method="POST"} 34.0
        acme_http_router_request_seconds_created{path="/api/v2",method="POST"} 1605281325.0
        # TYPE foo counter
        # HELP foo A counter with an exemplar.
        foo_total 17.0 1520879607.789 # {trace_id="KOO5S4vxi0o"} 0.67
        foo_created 1520430000.123
        # TYPE hist histogram
        hist_bucket{le="0.1"} 8 # {id="a"} 0.05 123.456
        hist_bucket{le="+Inf"} 10
        hist_count 10
        hist_sum 1.5
        hist_created 1520430000
        # TYPE "quoted.name" gauge
        {"quoted.name",a="1"} 2
        # EOF

        """;

    public static TheoryData<string, string> Bodies() => new()
    {
        { "prom", Prom },
        { "prom", Prom + "\n" },
        { "prom", "" },
        { "prom", "\n\n" },
        { "prom", "m 1\n" },
        { "prom", "# TYPE m bogus\nm 1\n" },
        { "prom", "m 1\nm{a=\"unterminated} 1\n" },
        { "prom", "m 1\nm 1 2 3\n" },
        { "om", OpenMetrics },
        { "om", OpenMetrics.TrimEnd('\n') },
        { "om", OpenMetrics + "extra 1\n" },
        { "om", OpenMetrics.Replace("# EOF\n", "") },
        { "om", OpenMetrics.Replace("# EOF\n", "# EOF\n\n") },
        { "om", "# EOF" },
        { "om", "m 1" },
        { "om", "# TYPE m counter\n\nm_total 1\n# EOF\n" },
        { "om", "# TYPE m counter\nm_total 1 # {a=\"b\"}\n# EOF\n" },
        { "om-strict", OpenMetrics },
        { "om-strict", OpenMetrics.Replace("hist_bucket{le=\"0.1\"} 8", "hist_bucket{le=\"0.1\"} 11") },
        { "om-strict", "# TYPE a gauge\na 1\n# TYPE b gauge\nb 1\n# TYPE a gauge\n# EOF\n" },
        { "om-strict", "# TYPE a counter\na_total 1 2\na_total 1 1\n# EOF\n" },
    };

    [Theory]
    [MemberData(nameof(Bodies))]
    public void ParsesAsTheWholeBodyThroughAnyWindowAndAnyReadSizes(string format, string text)
    {
        byte[] body = Encoding.UTF8.GetBytes(text);
        string whole = Transcript(Parser(format), p => p.Reset(body));
        foreach (int window in new[] { 1, 2, 3, 5, 8, 16, 64, 4096 })
        {
            for (int chunk = 1; chunk <= 7; chunk++)
            {
                string streamed = Transcript(Parser(format), p => p.Reset(new Trickle(body, chunk), window, 1 << 16));
                Assert.True(whole == streamed, $"window {window}, reads of {chunk} bytes:\n--- whole\n{whole}\n--- streamed\n{streamed}");
            }
        }
    }

    [Theory]
    [MemberData(nameof(Bodies))]
    public void ParsesAGzippedBodyAsTheWholeBody(string format, string text)
    {
        byte[] body = Encoding.UTF8.GetBytes(text);
        var ms = new MemoryStream();
        using (var gz = new GZipStream(ms, CompressionLevel.Fastest, leaveOpen: true))
        {
            gz.Write(body);
        }
        ms.Position = 0;
        using var unzip = new GZipStream(new Trickle(ms.ToArray(), 3), CompressionMode.Decompress);
        Assert.Equal(Transcript(Parser(format), p => p.Reset(body)), Transcript(Parser(format), p => p.Reset(unzip, 4, 1 << 16)));
    }

    [Fact]
    public void ParsesTheRealisticPayloadsAsTheWholeBody()
    {
        string dir = Path.Combine(TestPaths.Conformance, "openmetrics", "prometheus-textparse");
        foreach (string file in Directory.GetFiles(dir))
        {
            byte[] body = File.ReadAllBytes(file);
            string format = file.Contains(".om.", StringComparison.Ordinal) ? "om" : "prom";
            string whole = Transcript(Parser(format), p => p.Reset(body));
            foreach (int chunk in new[] { 1, 7, 4096 })
            {
                Assert.Equal(whole, Transcript(Parser(format), p => p.Reset(new Trickle(body, chunk), 16, 1 << 20)));
            }
        }
    }

    [Fact]
    public void StartTimestampsAreFoundBeyondTheWindow()
    {
        // The _created sample comes after 300 buckets: the window must read on to find it, and keeps the answer.
        var sb = new StringBuilder("# TYPE h histogram\n");
        for (int i = 0; i < 300; i++)
        {
            sb.Append("h_bucket{job=\"x\",le=\"").Append(i).Append("\"} ").Append(i).Append('\n');
        }
        sb.Append("h_bucket{job=\"x\",le=\"+Inf\"} 300\nh_count{job=\"x\"} 300\nh_sum{job=\"x\"} 1\nh_created{job=\"x\"} 1700000000.5\n# EOF\n");
        byte[] body = Encoding.UTF8.GetBytes(sb.ToString());
        string whole = Transcript(Parser("om"), p => p.Reset(body));
        Assert.Contains("st=1700000000500", whole);
        Assert.Equal(whole, Transcript(Parser("om"), p => p.Reset(new Trickle(body, 5), 8, 1 << 16)));
    }

    [Fact]
    public void ALineLongerThanTheWindowCapFails()
    {
        byte[] body = Encoding.UTF8.GetBytes("ok 1\nm{big=\"" + new string('x', 5000) + "\"} 1\nafter 1\n");
        var p = new PromTextParser();
        p.Reset(new Trickle(body, 100), 64, 4096);
        Assert.Equal(Entry.Series, p.Next());
        var e = Assert.Throws<ExpositionParseException>(() => p.Next());
        Assert.Equal("line 2: line longer than 4096 bytes (the parse window's limit)", e.Message);
        p.ReleaseWindow();

        // At the cap exactly it still parses.
        byte[] fits = Encoding.UTF8.GetBytes("m{big=\"" + new string('x', 4000) + "\"} 1\n");
        p.Reset(new Trickle(fits, 100), 64, 4096);
        Assert.Equal(Entry.Series, p.Next());
        Assert.Equal(Entry.EOF, p.Next());
    }

    [Fact]
    public void TheSourcesErrorComesOutOfNext()
    {
        var p = new PromTextParser();
        p.Reset(new Failing(Encoding.UTF8.GetBytes("a 1\nb 2\nc"), new IOException("connection reset")), 4, 64);
        Assert.Equal(Entry.Series, p.Next());
        Assert.Equal(Entry.Series, p.Next());
        Assert.Equal("connection reset", Assert.Throws<IOException>(() => p.Next()).Message);
        p.ReleaseWindow();
    }

    private static ExpositionParser Parser(string format) => format switch
    {
        "prom" => new PromTextParser(),
        "om" => new OpenMetricsParser(scrapeLenient: true),
        _ => new OpenMetricsParser(specStrict: true),
    };

    /// <summary>Everything the parser hands out, one line per entry, and the error it ends with.</summary>
    private static string Transcript(ExpositionParser p, Action<ExpositionParser> reset)
    {
        var sb = new StringBuilder();
        var labels = new List<Label>();
        try
        {
            reset(p);
            Entry e;
            while ((e = p.Next()) != Entry.EOF)
            {
                sb.Append(e).Append(' ');
                switch (e)
                {
                    case Entry.Series:
                        // Start timestamps first, as the scrape loop asks (they may read on in the window).
                        bool created = p.IsCreatedSample;
                        bool hasSt = p.TryGetStartTimestamp(out long st);
                        sb.Append(Encoding.UTF8.GetString(p.Series())).Append(" v=").Append(BitConverter.DoubleToInt64Bits(p.Value))
                          .Append(" ts=").Append(p.HasTimestamp ? p.TimestampMs : -1).Append(" created=").Append(created)
                          .Append(hasSt ? " st=" + st : "");
                        p.GetLabels(labels);
                        sb.Append(" labels=").AppendJoin(',', labels.Select(l => l.Name + "=" + l.Value));
                        if (p.TryGetExemplar(out var ex))
                        {
                            sb.Append(" exemplar=").Append(ex.Labels).Append(' ').Append(ex.Value).Append(' ').Append(ex.HasTimestamp ? ex.TimestampMs : -1);
                        }
                        break;
                    case Entry.Type:
                        sb.Append(Encoding.UTF8.GetString(p.MetricFamily())).Append(' ').Append(p.Type);
                        break;
                    default:
                        sb.Append(e is Entry.Comment ? "" : Encoding.UTF8.GetString(p.MetricFamily())).Append(" text=").Append(p.Text);
                        break;
                }
                sb.Append('\n');
            }
            sb.Append("EOF");
        }
        catch (ExpositionParseException x)
        {
            sb.Append("error: ").Append(x.Message);
        }
        finally
        {
            p.ReleaseWindow();
        }
        return sb.ToString();
    }

    /// <summary>Hands out at most a few bytes per read, as a slow connection does.</summary>
    private sealed class Trickle(byte[] data, int chunk) : MemoryStream(data, writable: false)
    {
        public override int Read(byte[] buffer, int offset, int count) => base.Read(buffer, offset, Math.Min(count, chunk));

        public override int Read(Span<byte> buffer) => base.Read(buffer[..Math.Min(buffer.Length, chunk)]);
    }

    /// <summary>Hands out its bytes, then fails as a cut connection does.</summary>
    private sealed class Failing(byte[] data, Exception error) : MemoryStream(data, writable: false)
    {
        public override int Read(byte[] buffer, int offset, int count)
        {
            int n = base.Read(buffer, offset, count);
            return n > 0 ? n : throw error;
        }
    }
}
