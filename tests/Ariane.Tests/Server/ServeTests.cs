using System.Net;
using System.Text;
using System.Text.Json;
using Ariane.Tests.Support;

namespace Ariane.Tests.Server;

/// <summary>End-to-end: the real server process, over real HTTP on loopback.</summary>
public class ServeTests(SharedServer shared) : IClassFixture<SharedServer>
{
    private readonly SharedServer _shared = shared;

    private static async Task<JsonElement> GetData(HttpClient c, string url)
    {
        using var r = await c.GetAsync(url);
        string body = await r.Content.ReadAsStringAsync();
        Assert.True(r.StatusCode == HttpStatusCode.OK, $"{url}: {(int)r.StatusCode} {body}");
        var doc = JsonDocument.Parse(body);
        Assert.Equal("success", doc.RootElement.GetProperty("status").GetString());
        return doc.RootElement.GetProperty("data").Clone();
    }

    [Fact]
    public async Task DefaultConfigScrapesItselfAndTheHostAndStopsCleanly()
    {
        using var dir = new TempDir();
        await using var s = await ServerProcess.StartAsync(dir.Path);
        await s.EventuallyAsync(async () =>
        {
            var d = await GetData(s.Client, "/api/v1/targets");
            var active = d.GetProperty("activeTargets").EnumerateArray().ToList();
            return active.Count == 2 && active.All(t => t.GetProperty("health").GetString() == "up");
        }, TimeSpan.FromSeconds(45), "both default targets (ariane, node) are up");

        var series = await GetData(s.Client, "/api/v1/series?match[]=up");
        Assert.Equal(new[] { "ariane", "node" }, series.EnumerateArray().Select(e => e.GetProperty("job").GetString()).OrderBy(x => x).ToArray());
        var names = (await GetData(s.Client, "/api/v1/label/__name__/values")).EnumerateArray().Select(e => e.GetString()).ToHashSet();
        foreach (var n in new[] { "node_cpu_seconds_total", "node_memory_MemTotal_bytes", "scrape_duration_seconds", "scrape_samples_scraped",
                     "scrape_samples_post_metric_relabeling", "scrape_series_added", "process_resident_memory_bytes", "ariane_tsdb_head_series" })
        {
            Assert.Contains(n, names);
        }
        var md = await GetData(s.Client, "/api/v1/metadata?metric=node_cpu_seconds_total");
        Assert.Equal("counter", md.GetProperty("node_cpu_seconds_total")[0].GetProperty("type").GetString());
        var labels = (await GetData(s.Client, "/api/v1/labels?match[]=up")).EnumerateArray().Select(e => e.GetString()).ToArray();
        Assert.Equal(new[] { "__name__", "instance", "job" }, labels);
        Assert.Contains("job_name: node", (await GetData(s.Client, "/api/v1/status/config")).GetProperty("yaml").GetString());
        Assert.Equal(dir.Path, (await GetData(s.Client, "/api/v1/status/flags")).GetProperty("storage.tsdb.path").GetString());
        Assert.True((await GetData(s.Client, "/api/v1/status/tsdb")).GetProperty("headStats").GetProperty("numSeries").GetInt64() > 100);
        Assert.False(string.IsNullOrEmpty((await GetData(s.Client, "/api/v1/status/buildinfo")).GetProperty("version").GetString()));
        Assert.True((await GetData(s.Client, "/api/v1/status/runtimeinfo")).GetProperty("reloadConfigSuccess").GetBoolean());

        s.Signal(15);
        Assert.Equal(0, await s.WaitExitAsync(TimeSpan.FromSeconds(30)));
    }

    [Theory]
    [InlineData("/api/v1/series", 400, "no match[] parameter provided")]
    [InlineData("/api/v1/series?match[]=up{", 400, "parse error")]
    [InlineData("/api/v1/series?match[]=up&start=abc", 400, "invalid parameter \\\"start\\\"")]
    [InlineData("/api/v1/labels?limit=-1", 400, "limit")]
    [InlineData("/api/v1/label/__name__/values?match[]={}", 400, "at least one non-empty matcher")]
    [InlineData("/api/v1/series?match[]=up&start=10&end=5", 400, "end timestamp must not be before start time")]
    public async Task BadInputGetsPrometheusErrors(string url, int status, string fragment)
    {
        var s = await _shared.GetAsync();
        using var r = await s.Client.GetAsync(url, TestContext.Current.CancellationToken);
        string body = await r.Content.ReadAsStringAsync(TestContext.Current.CancellationToken);
        Assert.Equal(status, (int)r.StatusCode);
        Assert.Contains("\"status\":\"error\"", body);
        Assert.Contains("\"errorType\":\"bad_data\"", body);
        Assert.Contains(fragment, body);
    }

    [Fact]
    public async Task BadConfigFailsWithFileLineAndColumn()
    {
        using var dir = new TempDir();
        string cfg = Path.Combine(dir.Path, "prometheus.yml");
        await File.WriteAllTextAsync(cfg, "global:\n  scrape_intervall: 15s\n", TestContext.Current.CancellationToken);
        await using var s = ServerProcess.Launch(Path.Combine(dir.Path, "data"), ["serve"], [$"--config.file={cfg}"], out _);
        Assert.Equal(1, await s.WaitExitAsync(TimeSpan.FromSeconds(60)));
        Assert.Contains("prometheus.yml:2:3", s.Output);

        await using var check = ServerProcess.Launch(dir.Path, ["check", "config", cfg], [], out _, addDefaults: false);
        Assert.Equal(1, await check.WaitExitAsync(TimeSpan.FromSeconds(60)));
        Assert.Contains("prometheus.yml:2:3", check.Output);

        await File.WriteAllTextAsync(cfg, "scrape_configs:\n  - job_name: x\n    static_configs:\n      - targets: ['127.0.0.1:1']\n", TestContext.Current.CancellationToken);
        await using var ok = ServerProcess.Launch(dir.Path, ["check", "config", cfg], [], out _, addDefaults: false);
        Assert.Equal(0, await ok.WaitExitAsync(TimeSpan.FromSeconds(60)));
        Assert.Contains("SUCCESS", ok.Output);
    }

    [Fact]
    public async Task ReloadRejectsABadConfigAndKeepsTheOldOne()
    {
        using var dir = new TempDir();
        string cfg = Path.Combine(dir.Path, "prometheus.yml");
        static string Job(string name) => $"global:\n  scrape_interval: 1s\nscrape_configs:\n  - job_name: {name}\n    static_configs:\n      - targets: ['127.0.0.1:1']\n";
        await File.WriteAllTextAsync(cfg, Job("first"), TestContext.Current.CancellationToken);
        await using var s = await ServerProcess.StartAsync(Path.Combine(dir.Path, "data"), $"--config.file={cfg}", "--web.enable-lifecycle",
            "--storage.tsdb.retention.time=30d", "--web.external-url", "http://example/");
        Assert.Contains("not applied yet", s.Output);
        Assert.Equal("30d", (await GetData(s.Client, "/api/v1/status/flags")).GetProperty("storage.tsdb.retention.time").GetString());

        await File.WriteAllTextAsync(cfg, "scrape_configs: [\n", TestContext.Current.CancellationToken);
        using (var r = await s.Client.PostAsync("/-/reload", null, TestContext.Current.CancellationToken))
        {
            Assert.Equal(HttpStatusCode.InternalServerError, r.StatusCode);
        }
        var pools = (await GetData(s.Client, "/api/v1/targets")).GetProperty("activeTargets").EnumerateArray()
            .Select(t => t.GetProperty("scrapePool").GetString()).ToArray();
        Assert.Equal(new[] { "first" }, pools);
        Assert.False((await GetData(s.Client, "/api/v1/status/runtimeinfo")).GetProperty("reloadConfigSuccess").GetBoolean());

        await File.WriteAllTextAsync(cfg, Job("second"), TestContext.Current.CancellationToken);
        s.Signal(1); // SIGHUP
        await s.EventuallyAsync(async () =>
        {
            var d = await GetData(s.Client, "/api/v1/targets");
            return d.GetProperty("activeTargets").EnumerateArray().Select(t => t.GetProperty("scrapePool").GetString()).SequenceEqual(["second"]);
        }, TimeSpan.FromSeconds(20), "SIGHUP reloads the config");
        await s.EventuallyAsync(async () =>
        {
            var d = await GetData(s.Client, "/api/v1/targets");
            var t = d.GetProperty("activeTargets")[0];
            return t.GetProperty("health").GetString() == "down" && t.GetProperty("lastError").GetString()!.Length > 0;
        }, TimeSpan.FromSeconds(20), "an unreachable target is down with a lastError");
    }

    [Fact]
    public async Task SigtermWhileFileSdFilesAreRewrittenExitsCleanly()
    {
        // Issue 10 item 5: SIGTERM while SD files were being rewritten crashed the shutdown ("Collection was modified")
        // half the time, exit 1 and storage not closed. Several rounds, each stopped in the middle of rewrites.
        for (int round = 0; round < 3; round++)
        {
            using var dir = new TempDir();
            var jobs = new StringBuilder("global:\n  scrape_interval: 1s\nscrape_configs:\n");
            for (int j = 0; j < 8; j++)
            {
                string sd = Path.Combine(dir.Path, "sd" + j);
                Directory.CreateDirectory(sd);
                await File.WriteAllTextAsync(Path.Combine(sd, "t.json"), "[{\"targets\": [\"127.0.0.1:1\"]}]", TestContext.Current.CancellationToken);
                jobs.Append($"  - job_name: j{j}\n    file_sd_configs:\n      - files: ['{sd}/*.json']\n");
            }
            string cfg = Path.Combine(dir.Path, "prometheus.yml");
            await File.WriteAllTextAsync(cfg, jobs.ToString(), TestContext.Current.CancellationToken);
            await using var s = await ServerProcess.StartAsync(Path.Combine(dir.Path, "data"), $"--config.file={cfg}");
            using var stop = new CancellationTokenSource();
            int rewrites = 0;
            var writer = Task.Run(async () =>
            {
                for (int n = 0; !stop.IsCancellationRequested && n < 100_000; n++)
                {
                    await File.WriteAllTextAsync(Path.Combine(dir.Path, "sd" + (n % 8), "t.json"), $"[{{\"targets\": [\"127.0.0.1:{1 + (n % 5)}\"]}}]");
                    Interlocked.Increment(ref rewrites);
                }
            }, TestContext.Current.CancellationToken);
            // Stop while the rewrites are under way: each folder's file rewritten a few dozen times already.
            await s.EventuallyAsync(() => Task.FromResult(Volatile.Read(ref rewrites) >= 200), TimeSpan.FromSeconds(30), "the SD files are being rewritten");
            s.Signal(15);
            int code = await s.WaitExitAsync(TimeSpan.FromSeconds(60));
            await stop.CancelAsync();
            await writer;
            Assert.True(code == 0, $"exit {code}\n{s.Output}");
            Assert.Contains("See you next time!", s.Output);
            Assert.DoesNotContain("Collection was modified", s.Output);
        }
    }

    [Fact]
    public async Task NonLoopbackListenWithTheOptOutLogsAWarning()
    {
        using var dir = new TempDir();
        int port = ServerProcess.FreePort();
        await using var s = ServerProcess.Launch(dir.Path, ["serve"],
            [$"--web.listen-address=0.0.0.0:{port}", "--web.allow-unauthenticated-public", $"--storage.tsdb.path={dir.Path}"], out _, addDefaults: false);
        await s.EventuallyAsync(() => Task.FromResult(s.Output.Contains("Server is ready", StringComparison.Ordinal)), TimeSpan.FromSeconds(60), "the server starts");
        Assert.Contains("level=warn source=main msg=\"Listening on 0.0.0.0:" + port + " beyond loopback without authentication: anyone who can reach it", s.Output);
        s.Signal(15);
        Assert.Equal(0, await s.WaitExitAsync(TimeSpan.FromSeconds(30)));
    }

    [Fact]
    public async Task NonLoopbackListenIsRefusedWithoutAuthentication()
    {
        using var dir = new TempDir();
        await using var s = ServerProcess.Launch(dir.Path, ["serve"], ["--web.listen-address=0.0.0.0:0"], out _, addDefaults: false);
        Assert.Equal(2, await s.WaitExitAsync(TimeSpan.FromSeconds(60)));
        Assert.Contains("refusing to listen", s.Output);
    }

    [Fact]
    public async Task UnknownFlagsAreRejected()
    {
        using var dir = new TempDir();
        await using var s = ServerProcess.Launch(dir.Path, ["serve"], ["--no.such.flag=1"], out _);
        Assert.Equal(2, await s.WaitExitAsync(TimeSpan.FromSeconds(60)));
        Assert.Contains("unknown flag --no.such.flag", s.Output);
    }
}

/// <summary>One server shared by the tests of a class that only read from it.</summary>
public sealed class SharedServer : IAsyncLifetime
{
    private readonly TempDir _dir = new();
    private ServerProcess? _server;
    private readonly SemaphoreSlim _gate = new(1, 1);

    /// <summary>Starts the server on first use.</summary>
    public async Task<ServerProcess> GetAsync()
    {
        await _gate.WaitAsync();
        try
        {
            return _server ??= await ServerProcess.StartAsync(_dir.Path, "--web.enable-remote-write-receiver");
        }
        finally
        {
            _gate.Release();
        }
    }

    public ValueTask InitializeAsync() => ValueTask.CompletedTask;

    public async ValueTask DisposeAsync()
    {
        if (_server is not null)
        {
            await _server.DisposeAsync();
        }
        _dir.Dispose();
    }
}
