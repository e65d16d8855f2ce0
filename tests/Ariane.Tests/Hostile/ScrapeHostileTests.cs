using System.Diagnostics;
using System.IO.Compression;
using System.Text;
using Ariane.Config;
using Ariane.Discovery;
using Ariane.Scrape;
using Ariane.Tests.Support;
using Ariane.Tsdb;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Time.Testing;

namespace Ariane.Tests.Hostile;

/// <summary>
/// Hostile scrape targets (issue 10 items 11 and 13): an endless body, a gzip bomb and a 10 MB label value each fail
/// their scrape with a short error, within bounded memory and time. Each case adds a line to the suite report.
/// </summary>
[Trait("Suite", "Hostile")]
public sealed class ScrapeHostileTests : IAsyncLifetime
{
    private const long T0 = 1_700_000_000_000;
    private static readonly List<string> Report = [];
    private readonly TempDir _dir = new();
    private readonly FakeTimeProvider _time = new(DateTimeOffset.FromUnixTimeMilliseconds(T0));
    private readonly List<string> _logs = [];
    private Head _head = null!;
    private TestTargetServer _server = null!;

    /// <summary>200 MiB of exposition text, gzipped to a few hundred KiB: made once.</summary>
    private static readonly Lazy<byte[]> Bomb = new(() => Gzip(200 << 20));

    private static byte[] Gzip(int size)
    {
        var ms = new MemoryStream();
        using (var gz = new GZipStream(ms, CompressionLevel.Optimal, leaveOpen: true))
        {
            byte[] line = Encoding.ASCII.GetBytes("# padding padding padding padding padding padding padding padding\n");
            for (int n = 0; n < size; n += line.Length)
            {
                gz.Write(line);
            }
        }
        return ms.ToArray();
    }

    public async ValueTask InitializeAsync()
    {
        _head = Head.Open(new TsdbOptions { Path = _dir.Path, WalSyncInterval = TimeSpan.Zero }, _time);
        _server = await TestTargetServer.StartAsync(new()
        {
            ["/endless"] = async ctx =>
            {
                ctx.Response.ContentType = "text/plain; version=0.0.4";
                byte[] chunk = Encoding.ASCII.GetBytes(string.Concat(Enumerable.Repeat("endless_metric 1\n", 4096)));
                // Until the client hangs up (bounded anyway, so a broken client cannot keep the test running).
                for (int i = 0; i < 1_000_000 && !ctx.RequestAborted.IsCancellationRequested; i++)
                {
                    await ctx.Response.Body.WriteAsync(chunk, ctx.RequestAborted);
                }
            },
            ["/bomb"] = async ctx =>
            {
                ctx.Response.ContentType = "text/plain; version=0.0.4";
                ctx.Response.Headers.ContentEncoding = "gzip";
                await ctx.Response.Body.WriteAsync(Bomb.Value, ctx.RequestAborted);
            },
            ["/small-bomb"] = async ctx =>
            {
                ctx.Response.ContentType = "text/plain; version=0.0.4";
                ctx.Response.Headers.ContentEncoding = "gzip";
                await ctx.Response.Body.WriteAsync(Gzip(2 << 20), ctx.RequestAborted);
            },
            ["/long-value"] = TestTargetServer.Text(() => "m{big=\"" + new string('x', 10 << 20) + "\"} 1\n"),
        });
    }

    public async ValueTask DisposeAsync()
    {
        await _server.DisposeAsync();
        _head.Dispose();
        _dir.Dispose();
        lock (Report)
        {
            SuiteReport.Write("hostile-scrape", string.Join('\n', Report));
        }
    }

    private ScrapeLoop Loop(string path, string extra = "")
    {
        var cfg = ConfigLoader.Load($"""
            scrape_configs:
              - job_name: hostile
                scrape_interval: 2m
                scrape_timeout: 2m
                metrics_path: {path}
            {extra}
                static_configs:
                  - targets: ['{_server.Address}']
            """, "test.yml").ScrapeConfigs[0];
        var g = StaticDiscovery.Groups(cfg)[0];
        var res = TargetLabeler.Populate(g.Targets[0], g.Labels, cfg);
        var target = new ScrapeTarget(res.Final!, res.Target!, res.Discovered, cfg);
        return new ScrapeLoop(target, _head, new ScrapeHttpClient(cfg.HttpClient, _time), _time, new ListLogger(_logs, LogLevel.Warning));
    }

    /// <summary>Scrapes once on a thread of its own and returns the bytes that thread allocated and the time it took.</summary>
    private static async Task<(long Allocated, TimeSpan Took)> ScrapeMeasured(ScrapeLoop loop)
    {
        return await Task.Factory.StartNew(() =>
        {
            long before = GC.GetAllocatedBytesForCurrentThread();
            var sw = Stopwatch.StartNew();
            loop.ScrapeOnce(default);
            return (GC.GetAllocatedBytesForCurrentThread() - before, sw.Elapsed);
        }, TaskCreationOptions.LongRunning);
    }

    private static void Record(string what, ScrapeLoop loop, long allocated, TimeSpan took)
    {
        lock (Report)
        {
            Report.Add($"scrape {what}: health={loop.Target.Health} lastError=\"{loop.Target.LastError}\" " +
                $"allocated={allocated >> 10} KiB took={took.TotalSeconds:F1}s");
        }
    }

    [Fact]
    public async Task AnEndlessBodyStopsAtTheDefaultLimit()
    {
        var loop = Loop("/endless");
        var (allocated, took) = await ScrapeMeasured(loop);
        Record("endless body, no body_size_limit", loop, allocated, took);
        Assert.Equal(TargetHealth.Down, loop.Target.Health);
        Assert.Equal("body size limit exceeded", loop.Target.LastError);
        // The body streams through the parser's 64 KiB window: nothing grows with it (256 MiB allocated when the body
        // was held whole, more than 2 GiB before the limit).
        Assert.True(allocated < 4L << 20, $"allocated {allocated >> 20} MiB");
    }

    [Fact]
    public async Task AGzipBombStopsAtTheDefaultLimitOfDecompressedBytes()
    {
        var loop = Loop("/bomb");
        var (allocated, took) = await ScrapeMeasured(loop);
        Record($"gzip bomb ({Bomb.Value.Length >> 10} KiB to 200 MiB), no body_size_limit", loop, allocated, took);
        Assert.Equal("body size limit exceeded", loop.Target.LastError);
        Assert.True(allocated < 4L << 20, $"allocated {allocated >> 20} MiB");
    }

    [Fact]
    public async Task AConfiguredLimitAppliesToTheDecompressedSize()
    {
        var loop = Loop("/small-bomb", "    body_size_limit: 1MiB");
        var (allocated, took) = await ScrapeMeasured(loop);
        Record("gzip body of 2 MiB decompressed, body_size_limit: 1MiB", loop, allocated, took);
        Assert.Equal("body size limit exceeded", loop.Target.LastError);
        Assert.True(allocated < 4L << 20, $"allocated {allocated >> 20} MiB");

        // Raised above the body, the same target is scraped.
        var raised = Loop("/small-bomb", "    body_size_limit: 3MiB");
        raised.ScrapeOnce(TestContext.Current.CancellationToken);
        Assert.Equal(TargetHealth.Up, raised.Target.Health);
    }

    /// <summary>
    /// A real server scraping the endless body and the gzip bomb (no body_size_limit: the 100 MiB default) holds only
    /// its parse window: its peak resident memory, measured from /proc/PID/status with the peak reset after start-up,
    /// grows by far less than the limit, and both targets report Prometheus's error.
    /// </summary>
    [Fact]
    public async Task AServerScrapingAnEndlessBodyAndAGzipBombStaysFarBelowTheLimitInMemory()
    {
        _ = Bomb.Value;
        using var dir = new TempDir();
        string config = Path.Combine(dir.Path, "prometheus.yml");
        File.WriteAllText(config, $"""
            scrape_configs:
              - job_name: endless
                scrape_interval: 20s
                scrape_timeout: 20s
                metrics_path: /endless
                static_configs:
                  - targets: ['{_server.Address}']
              - job_name: bomb
                scrape_interval: 20s
                scrape_timeout: 20s
                metrics_path: /bomb
                static_configs:
                  - targets: ['{_server.Address}']
            """);
        await using var s = await ServerProcess.StartAsync(Path.Combine(dir.Path, "data"), "--config.file=" + config);
        // Let start-up settle, then forget its peak: what follows is the scrapes' own.
        await Task.Delay(TimeSpan.FromSeconds(2), TestContext.Current.CancellationToken);
        long baseline = ProcStatus(s.Pid, "VmRSS");
        File.WriteAllText($"/proc/{s.Pid}/clear_refs", "5");
        long sampledPeak = baseline;
        var sw = Stopwatch.StartNew();
        string endless = "", bomb = "";
        while (sw.Elapsed < TimeSpan.FromMinutes(3))
        {
            sampledPeak = Math.Max(sampledPeak, ProcStatus(s.Pid, "VmRSS"));
            string targets = await s.Client.GetStringAsync("/api/v1/targets", TestContext.Current.CancellationToken);
            endless = LastError(targets, "endless");
            bomb = LastError(targets, "bomb");
            if (endless.Length > 0 && bomb.Length > 0)
            {
                break;
            }
            await Task.Delay(50, TestContext.Current.CancellationToken);
        }
        long peak = Math.Max(sampledPeak, ProcStatus(s.Pid, "VmHWM"));
        long grew = (peak - baseline) >> 10;
        lock (Report)
        {
            Report.Add($"server scraping an endless body and a {Bomb.Value.Length >> 10} KiB gzip bomb (200 MiB), no body_size_limit: " +
                $"lastError endless=\"{endless}\" bomb=\"{bomb}\"; RSS {baseline >> 10} MiB, peak {peak >> 10} MiB (+{grew} MiB, bound 32 MiB)");
        }
        Assert.Equal("body size limit exceeded", endless);
        Assert.Equal("body size limit exceeded", bomb);
        Assert.True(grew < 32, $"peak resident memory grew by {grew} MiB");
    }

    // The lastError of the job's target in an /api/v1/targets answer ("" when it has none yet).
    private static string LastError(string targets, string job)
    {
        using var doc = System.Text.Json.JsonDocument.Parse(targets);
        foreach (var t in doc.RootElement.GetProperty("data").GetProperty("activeTargets").EnumerateArray())
        {
            if (t.GetProperty("scrapePool").GetString() == job)
            {
                return t.GetProperty("lastError").GetString() ?? "";
            }
        }
        return "";
    }

    // A value from /proc/PID/status, in kB.
    private static long ProcStatus(int pid, string field)
    {
        foreach (string line in File.ReadLines($"/proc/{pid}/status"))
        {
            if (line.StartsWith(field + ":", StringComparison.Ordinal))
            {
                return long.Parse(line.AsSpan(field.Length + 1).Trim().TrimEnd("kB").Trim(), System.Globalization.CultureInfo.InvariantCulture);
            }
        }
        throw new InvalidOperationException(field + " not in /proc status");
    }

    [Fact]
    public async Task ATenMegabyteLabelValueIsQuotedShortened()
    {
        var loop = Loop("/long-value", "    label_value_length_limit: 100");
        var (allocated, took) = await ScrapeMeasured(loop);
        Record("10 MiB label value, label_value_length_limit: 100", loop, allocated, took);
        string err = loop.Target.LastError;
        Assert.StartsWith("label_value_length_limit exceeded (metric: m, label name: big, value: \"xxxx", err);
        Assert.Contains("… (10485760 bytes)\", limit: 100)", err);
        Assert.True(err.Length < 400, $"lastError is {err.Length} characters");
        lock (_logs)
        {
            Assert.NotEmpty(_logs);
            Assert.All(_logs, l => Assert.True(l.Length < 1000, $"a log line of {l.Length} characters"));
        }
    }
}
