using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using Ariane.Tests.Support;

namespace Ariane.Tests.Compat;

/// <summary>
/// The real Prometheus 2.42 (Debian package) as Ariane's client (issue 10, item 16): it federates from Ariane's
/// <c>/federate</c> with <c>honor_labels: true</c> and stores the same series Ariane has, and with an empty local TSDB
/// and <c>remote_read</c> pointed at Ariane's <c>/api/v1/read</c> it answers queries over data only Ariane holds with
/// Ariane's samples. (Prometheus 2.42's remote-read client asks for SAMPLES only, streamed chunks came to its client in
/// 2.55; <c>RemoteReadStreamedTests</c> reads the streamed answer with a decoder written from Prometheus's.)
/// </summary>
public class PrometheusFederateRemoteReadTests
{
    [Fact]
    public async Task RealPrometheusFederatesAndRemoteReadsFromAriane()
    {
        Assert.True(File.Exists("/usr/bin/prometheus"), "/usr/bin/prometheus is missing: ./test.sh installs the Debian package 'prometheus'");
        using var dir = new TempDir();
        string arianeCfg = Path.Combine(dir.Path, "ariane.yml");
        await File.WriteAllTextAsync(arianeCfg, "global:\n  scrape_interval: 15s\n", TestContext.Current.CancellationToken);
        await using var ariane = await ServerProcess.StartAsync(Path.Combine(dir.Path, "ariane"), "--web.enable-remote-write-receiver", $"--config.file={arianeCfg}");

        long now = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds();
        // Federated: recent samples of job "src". Remote read only: two hours of an hour ago, 15 s apart, odd values.
        Assert.Equal(204, await RemoteWriteClient.SendAsync(ariane.Client,
            (["__name__", "fed_requests_total", "job", "src", "instance", "a:1", "path", "/x"], [(now - 20_000, 41), (now - 5_000, 42.5)]),
            (["__name__", "fed_requests_total", "job", "src", "instance", "b:1", "path", "/y"], [(now - 5_000, 7)]),
            (["__name__", "fed_up", "job", "src"], [(now - 5_000, 1)])));
        long rrStart = (now - 3 * 3_600_000) / 15_000 * 15_000;
        var rng = new Random(42);
        var rrSamples = Enumerable.Range(0, 480).Select(i => (T: rrStart + i * 15_000L, V: Math.Round(rng.NextDouble() * 1000, 3))).ToArray();
        Assert.Equal(204, await RemoteWriteClient.SendAsync(ariane.Client,
            (["__name__", "rr_only_temperature", "job", "sensors", "room", "kitchen"], rrSamples),
            (["__name__", "rr_only_temperature", "job", "sensors", "room", "hall"], rrSamples.Select(x => (x.T, x.V * 2)).ToArray())));

        int promPort = ServerProcess.FreePort();
        string promCfg = Path.Combine(dir.Path, "prometheus.yml");
        await File.WriteAllTextAsync(promCfg, $$"""
            global:
              scrape_interval: 1s
            scrape_configs:
              - job_name: federate
                honor_labels: true
                metrics_path: /federate
                params:
                  'match[]': ['{job="src"}']
                static_configs:
                  - targets: ['127.0.0.1:{{ariane.Port}}']
            remote_read:
              - url: http://127.0.0.1:{{ariane.Port}}/api/v1/read
                read_recent: true
            """, TestContext.Current.CancellationToken);
        var psi = new ProcessStartInfo("/usr/bin/prometheus") { RedirectStandardError = true, RedirectStandardOutput = true };
        psi.ArgumentList.Add($"--config.file={promCfg}");
        psi.ArgumentList.Add($"--storage.tsdb.path={Path.Combine(dir.Path, "prom")}");
        psi.ArgumentList.Add($"--web.listen-address=127.0.0.1:{promPort}");
        using var prom = Process.Start(psi)!;
        var promLog = new System.Text.StringBuilder();
        prom.ErrorDataReceived += (_, e) => { lock (promLog) { promLog.AppendLine(e.Data); } };
        prom.BeginErrorReadLine();
        prom.BeginOutputReadLine();
        try
        {
            using var pc = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{promPort}"), Timeout = TimeSpan.FromSeconds(30) };

            // Federation: once scraped, Prometheus's series of job "src" are Ariane's, labels unchanged.
            var expected = await SeriesAsync(ariane.Client, "{job=\"src\"}");
            Assert.Equal(3, expected.Count);
            await ariane.EventuallyAsync(async () =>
            {
                try
                {
                    return (await LatestAsync(pc, "{job=\"src\"}")).Keys.ToHashSet().SetEquals(expected);
                }
                catch (HttpRequestException)
                {
                    return false;
                }
            }, TimeSpan.FromSeconds(90), "Prometheus has scraped Ariane's /federate\n" + promLog);
            var latest = await LatestAsync(pc, "{job=\"src\"}");
            Assert.Equal(42.5, latest["__name__=fed_requests_total,instance=a:1,job=src,path=/x"]);
            Assert.Equal(7, latest["__name__=fed_requests_total,instance=b:1,job=src,path=/y"]);
            // The series without an instance stays without one: Ariane sent instance="", which honor_labels keeps empty.
            Assert.Equal(1, latest["__name__=fed_up,job=src"]);

            // Remote read (SAMPLES, what Prometheus 2.42 asks for): a range query over data only Ariane has.
            string q = $"/api/v1/query_range?query=rr_only_temperature&start={rrStart / 1000}&end={(rrStart + 479 * 15_000L) / 1000}&step=15";
            using var r = await pc.GetAsync(q, TestContext.Current.CancellationToken);
            string body = await r.Content.ReadAsStringAsync(TestContext.Current.CancellationToken);
            Assert.True(r.IsSuccessStatusCode, body + "\n" + promLog);
            var result = JsonDocument.Parse(body).RootElement.GetProperty("data").GetProperty("result");
            Assert.Equal(2, result.GetArrayLength());
            foreach (var series in result.EnumerateArray())
            {
                double factor = series.GetProperty("metric").GetProperty("room").GetString() == "hall" ? 2 : 1;
                var values = series.GetProperty("values").EnumerateArray().ToArray();
                Assert.Equal(rrSamples.Length, values.Length);
                for (int i = 0; i < values.Length; i++)
                {
                    Assert.Equal(rrSamples[i].T / 1000.0, values[i][0].GetDouble());
                    Assert.Equal(rrSamples[i].V * factor, double.Parse(values[i][1].GetString()!, CultureInfo.InvariantCulture));
                }
            }
            SuiteReport.Write("compat-prometheus-federate-remote-read",
                $"Prometheus 2.42 federating from Ariane (honor_labels): {expected.Count} series stored as Ariane has them; " +
                $"remote read (SAMPLES, Prometheus 2.42's only type) into an empty Prometheus: 2 series × {rrSamples.Length} samples answered exactly");
        }
        finally
        {
            prom.Kill();
            await prom.WaitForExitAsync(TestContext.Current.CancellationToken);
        }
    }

    private static string Key(JsonElement metric) =>
        string.Join(",", metric.EnumerateObject().Select(p => p.Name + "=" + p.Value.GetString()).OrderBy(x => x, StringComparer.Ordinal));

    private static async Task<HashSet<string>> SeriesAsync(HttpClient c, string match)
    {
        string body = await c.GetStringAsync("/api/v1/series?match[]=" + Uri.EscapeDataString(match));
        return JsonDocument.Parse(body).RootElement.GetProperty("data").EnumerateArray().Select(Key).ToHashSet();
    }

    private static async Task<Dictionary<string, double>> LatestAsync(HttpClient c, string selector)
    {
        string body = await c.GetStringAsync("/api/v1/query?query=" + Uri.EscapeDataString(selector));
        var d = new Dictionary<string, double>();
        foreach (var s in JsonDocument.Parse(body).RootElement.GetProperty("data").GetProperty("result").EnumerateArray())
        {
            d[Key(s.GetProperty("metric"))] = double.Parse(s.GetProperty("value")[1].GetString()!, CultureInfo.InvariantCulture);
        }
        return d;
    }
}
