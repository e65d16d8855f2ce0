using Ariane.Config;
using Ariane.Scrape;
using Ariane.Tests.Support;
using Ariane.Tsdb;
using Microsoft.Extensions.Logging;

namespace Ariane.Tests.Scrape;

/// <summary>
/// The scheduler under a real clock (it sleeps in real time): every target is scraped on its interval, a hanging
/// target holds up nobody else, and stopping waits for a running scrape without hanging.
/// </summary>
public sealed class ScrapeSchedulerTests : IAsyncLifetime
{
    private readonly TempDir _dir = new();
    private Head _head = null!;
    private TestTargetServer _server = null!;

    public async ValueTask InitializeAsync()
    {
        _head = Head.Open(new TsdbOptions { Path = _dir.Path, WalSyncInterval = TimeSpan.Zero }, TimeProvider.System);
        _server = await TestTargetServer.StartAsync(new()
        {
            ["/a"] = TestTargetServer.Text(() => "a 1\n"),
            ["/b"] = TestTargetServer.Text(() => "b 1\n"),
            ["/hang"] = async ctx => await Task.Delay(TimeSpan.FromSeconds(30), ctx.RequestAborted),
        });
    }

    public async ValueTask DisposeAsync()
    {
        await _server.DisposeAsync();
        _head.Dispose();
        _dir.Dispose();
    }

    private int Scrapes(string job)
    {
        using var q = _head.Querier(long.MinValue, long.MaxValue);
        var ss = q.Select(true, Ariane.PromQL.Parser.SelectorParser.Parse($"up{{job=\"{job}\"}}"));
        int n = 0;
        while (ss.MoveNext())
        {
            var it = ss.Current.Iterator();
            while (it.Next())
            {
                n++;
            }
        }
        return n;
    }

    [Fact]
    public async Task EveryTargetIsScrapedOnItsIntervalWhileAnotherHangs()
    {
        string Job(string name, string path, string timeout) => $"""
              - job_name: {name}
                scrape_interval: 300ms
                scrape_timeout: {timeout}
                metrics_path: {path}
                static_configs:
                  - targets: ['{_server.Address}']

            """;
        var cfg = ConfigLoader.Load("scrape_configs:\n" + Job("hang", "/hang", "250ms") + Job("a", "/a", "250ms") + Job("b", "/b", "250ms"),
            Path.Combine(_dir.Path, "p.yml"));
        var logs = new List<string>();
        var manager = new ScrapeManager(_head, TimeProvider.System, new ListLogger(logs, LogLevel.Warning));
        await manager.ApplyConfigAsync(cfg);
        var deadline = DateTime.UtcNow.AddSeconds(20);
        while ((Scrapes("a") < 8 || Scrapes("b") < 8 || Scrapes("hang") < 3) && DateTime.UtcNow < deadline)
        {
            await Task.Delay(100, TestContext.Current.CancellationToken);
        }
        var stop = manager.DisposeAsync().AsTask();
        Assert.Same(stop, await Task.WhenAny(stop, Task.Delay(TimeSpan.FromSeconds(5), TestContext.Current.CancellationToken)));
        Assert.True(Scrapes("a") >= 8, $"a scraped {Scrapes("a")} times");
        Assert.True(Scrapes("b") >= 8, $"b scraped {Scrapes("b")} times");
        Assert.True(Scrapes("hang") >= 3, $"hang scraped {Scrapes("hang")} times");
        lock (logs)
        {
            Assert.Contains(logs, l => l.Contains("context deadline exceeded", StringComparison.Ordinal));
        }
    }
}
