using System.Diagnostics;
using System.Text.Json;
using Ariane.Tests.Support;

namespace Ariane.Tests.Compat;

/// <summary>The real Prometheus (Debian package) remote-writes into Ariane; Ariane ends up with the same series.</summary>
public class PrometheusRemoteWriteTests
{
    [Fact]
    public async Task RealPrometheusRemoteWritesIntoAriane()
    {
        Assert.True(File.Exists("/usr/bin/prometheus"), "/usr/bin/prometheus is missing: ./test.sh installs the Debian package 'prometheus'");
        using var dir = new TempDir();
        await using var ariane = await ServerProcess.StartAsync(Path.Combine(dir.Path, "ariane"), "--web.enable-remote-write-receiver",
            $"--config.file={WriteEmptyConfig(dir.Path)}");
        int promPort = ServerProcess.FreePort();
        string promCfg = Path.Combine(dir.Path, "prometheus.yml");
        await File.WriteAllTextAsync(promCfg, $"""
            global:
              scrape_interval: 1s
            scrape_configs:
              - job_name: prometheus
                static_configs:
                  - targets: ['127.0.0.1:{promPort}']
            remote_write:
              - url: http://127.0.0.1:{ariane.Port}/api/v1/write
                queue_config:
                  batch_send_deadline: 1s
                  max_samples_per_send: 500
            """, TestContext.Current.CancellationToken);
        var psi = new ProcessStartInfo("/usr/bin/prometheus")
        {
            RedirectStandardError = true,
            RedirectStandardOutput = true,
        };
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
            using var promClient = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{promPort}") };
            await ariane.EventuallyAsync(async () => (await SeriesAsync(ariane.Client, "prometheus_build_info")).Count > 0,
                TimeSpan.FromSeconds(90), "Prometheus's samples arrive by remote write");

            // Every series Prometheus has for its own job also exists in Ariane (remote write may lag a little).
            var expected = await SeriesAsync(promClient, "{job=\"prometheus\",__name__=~\"prometheus_tsdb_head.*|up|scrape_.*\"}");
            Assert.NotEmpty(expected);
            await ariane.EventuallyAsync(async () =>
            {
                var got = await SeriesAsync(ariane.Client, "{job=\"prometheus\",__name__=~\"prometheus_tsdb_head.*|up|scrape_.*\"}");
                return expected.IsSubsetOf(got);
            }, TimeSpan.FromSeconds(60), "Ariane holds every series Prometheus scraped");
            SuiteReport.Write("compat-prometheus-remote-write",
                $"Prometheus 2.x remote write into Ariane: {expected.Count} series of Prometheus's own job present in both");
        }
        finally
        {
            prom.Kill();
            await prom.WaitForExitAsync(TestContext.Current.CancellationToken);
        }
    }

    private static string WriteEmptyConfig(string dir)
    {
        string p = Path.Combine(dir, "ariane.yml");
        File.WriteAllText(p, "global:\n  scrape_interval: 15s\n");
        return p;
    }

    private static async Task<HashSet<string>> SeriesAsync(HttpClient c, string match)
    {
        using var r = await c.GetAsync("/api/v1/series?match[]=" + Uri.EscapeDataString(match));
        var doc = JsonDocument.Parse(await r.Content.ReadAsStringAsync());
        var set = new HashSet<string>();
        if (doc.RootElement.GetProperty("status").GetString() != "success")
        {
            return set;
        }
        foreach (var s in doc.RootElement.GetProperty("data").EnumerateArray())
        {
            set.Add(string.Join(",", s.EnumerateObject().Select(p => p.Name + "=" + p.Value.GetString()).OrderBy(x => x, StringComparer.Ordinal)));
        }
        return set;
    }
}
