using System.Diagnostics;
using System.Globalization;
using System.Net.Http.Headers;
using System.Text.Json;
using System.Text.RegularExpressions;
using Ariane.Tests.Support;

namespace Ariane.Tests.Scrape;

/// <summary>
/// End to end against a real OpenMetrics target: the official Python client (Debian's python3-prometheus-client),
/// which writes a <c>_created</c> sample for each counter and histogram. With <c>--enable-feature=st-storage</c> the
/// server keeps them as start timestamps, which <c>start_timestamp()</c> returns; the <c>_created</c> series are not
/// stored.
/// </summary>
public sealed class StartTimestampScrapeTests
{
    private const string Exporter = """
        import sys, time
        from prometheus_client import Counter, Histogram, start_http_server
        c = Counter('demo_requests', 'Requests served.', ['path'])
        c.labels('/a').inc(3)
        h = Histogram('demo_latency_seconds', 'Request latency.')
        h.observe(0.2)
        start_http_server(int(sys.argv[1]), addr='127.0.0.1')
        print('ready', flush=True)
        while True:
            time.sleep(0.5)
            c.labels('/a').inc()
        """;

    [Fact]
    public async Task CreatedSamplesOfARealClientBecomeStartTimestamps()
    {
        using var dir = new TempDir();
        string script = Path.Combine(dir.Path, "exporter.py");
        await File.WriteAllTextAsync(script, Exporter, TestContext.Current.CancellationToken);
        int port = ServerProcess.FreePort();
        using var py = Process.Start(new ProcessStartInfo("/usr/bin/python3")
        {
            ArgumentList = { script, port.ToString(CultureInfo.InvariantCulture) },
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        })!;
        try
        {
            string? line = await py.StandardOutput.ReadLineAsync(TestContext.Current.CancellationToken).AsTask().WaitAsync(TimeSpan.FromSeconds(30), TestContext.Current.CancellationToken);
            if (line != "ready")
            {
                py.Kill();
                Assert.Fail("the Python exporter did not start (test.sh installs python3-prometheus-client): " + await py.StandardError.ReadToEndAsync(TestContext.Current.CancellationToken));
            }

            // What the exporter says its series were created at.
            using var http = new HttpClient();
            var req = new HttpRequestMessage(HttpMethod.Get, $"http://127.0.0.1:{port}/metrics");
            req.Headers.Accept.Add(MediaTypeWithQualityHeaderValue.Parse("application/openmetrics-text; version=1.0.0"));
            using var resp = await http.SendAsync(req, TestContext.Current.CancellationToken);
            string om = await resp.Content.ReadAsStringAsync(TestContext.Current.CancellationToken);
            double counterCreated = Created(om, "demo_requests_created{path=\"/a\"}");
            double histogramCreated = Created(om, "demo_latency_seconds_created");

            string cfg = Path.Combine(dir.Path, "prometheus.yml");
            await File.WriteAllTextAsync(cfg, $"""
                scrape_configs:
                  - job_name: py
                    scrape_interval: 1s
                    static_configs:
                      - targets: ['127.0.0.1:{port}']
                """, TestContext.Current.CancellationToken);
            await using var s = await ServerProcess.StartAsync(Path.Combine(dir.Path, "data"), $"--config.file={cfg}", "--enable-feature=st-storage");
            await s.EventuallyAsync(async () => (await Query(s, "demo_requests_total")).Count > 0, TimeSpan.FromSeconds(30), "the counter is scraped");

            // In milliseconds, truncated as Prometheus's parser does (int64(seconds * 1000)).
            Assert.Equal((long)(counterCreated * 1000), Ms(Assert.Single(await Query(s, "start_timestamp(demo_requests_total)"))));
            Assert.Equal((long)(histogramCreated * 1000), Ms(Assert.Single(await Query(s, "start_timestamp(demo_latency_seconds_count)"))));
            Assert.Equal((long)(histogramCreated * 1000), Ms((await Query(s, "start_timestamp(demo_latency_seconds_bucket)")).Distinct().Single()));
            Assert.Empty(await Query(s, "demo_requests_created"));
            Assert.Empty(await Query(s, "{__name__=~\".*_created\"}"));
            // The gauge-like up series has none.
            Assert.Equal(0, Assert.Single(await Query(s, "start_timestamp(up{job=\"py\"})")));
        }
        finally
        {
            py.Kill();
            await py.WaitForExitAsync(TestContext.Current.CancellationToken);
        }
    }

    private static long Ms(double seconds) => (long)Math.Round(seconds * 1000);

    private static double Created(string om, string series)
    {
        var m = Regex.Match(om, "^" + Regex.Escape(series) + " (\\S+)$", RegexOptions.Multiline);
        Assert.True(m.Success, $"no {series} in the exporter's output:\n{om}");
        return double.Parse(m.Groups[1].Value, CultureInfo.InvariantCulture);
    }

    // The values of an instant query's result.
    private static async Task<List<double>> Query(ServerProcess s, string expr)
    {
        using var r = await s.Client.GetAsync("/api/v1/query?query=" + Uri.EscapeDataString(expr));
        string body = await r.Content.ReadAsStringAsync();
        Assert.True(r.IsSuccessStatusCode, body);
        using var doc = JsonDocument.Parse(body);
        var list = new List<double>();
        foreach (var e in doc.RootElement.GetProperty("data").GetProperty("result").EnumerateArray())
        {
            list.Add(double.Parse(e.GetProperty("value")[1].GetString()!, CultureInfo.InvariantCulture));
        }
        return list;
    }
}
