using Ariane.Config;
using Ariane.Discovery;
using Ariane.Model;
using Ariane.Scrape;
using Ariane.Storage;
using Ariane.Tests.Support;
using Microsoft.Extensions.Logging.Abstractions;

namespace Ariane.Tests.Scrape;

/// <summary>
/// Shutdown and reload races of the scrape side (issue 10 item 5): nothing a pool started may still write after the
/// manager's DisposeAsync returned (the server closes storage next), and a reload that lands during shutdown starts
/// nothing.
/// </summary>
public sealed class ScrapeShutdownTests
{
    /// <summary>Storage whose commits are slow and that records a commit arriving after it was closed.</summary>
    private sealed class SlowStorage : IAppendable
    {
        public volatile bool Closed;
        public volatile bool WrittenAfterClose;
        public int Commits;

        public IAppender Appender() => new App(this);

        private sealed class App(SlowStorage s) : IAppender
        {
            public AppendStatus Append(ref ulong seriesRef, Labels labels, long timestampMs, double value) => AppendStatus.Ok;

            public Labels? SeriesLabels(ulong seriesRef) => null;

            public void Commit()
            {
                Thread.Sleep(300);
                Interlocked.Increment(ref s.Commits);
                if (s.Closed)
                {
                    s.WrittenAfterClose = true;
                }
            }

            public void Rollback()
            {
            }
        }
    }

    private static ScrapeConfig Job(string targets, string interval = "1h") => ConfigLoader.Load($"""
        scrape_configs:
          - job_name: j
            scrape_interval: {interval}
            scrape_timeout: {interval}
            static_configs:
              - targets: [{targets}]
        """, "test.yml").ScrapeConfigs[0];

    [Fact]
    public async Task PoolDisposeWaitsForTheStopsOfTargetsDiscoveryRemoved()
    {
        // A target that an SD update removes is stopped with staleness markers once its running scrape has ended; that
        // stop used to run unobserved, so a shutdown right after the update closed storage under its commit.
        var entered = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        await using var server = await TestTargetServer.StartAsync(new()
        {
            ["/metrics"] = async ctx =>
            {
                entered.TrySetResult();
                await Task.Delay(TimeSpan.FromSeconds(30), ctx.RequestAborted);
            },
        });
        var storage = new SlowStorage();
        var cfg = Job($"'{server.Address}'", "2s");
        using var scheduler = new ScrapeScheduler(TimeProvider.System, NullLogger.Instance);
        var pool = new ScrapePool(cfg, storage, scheduler, TimeProvider.System, NullLogger.Instance);
        pool.Sync("sd/0", StaticDiscovery.Groups(cfg));
        await entered.Task.WaitAsync(TimeSpan.FromSeconds(20), TestContext.Current.CancellationToken); // a scrape is running
        pool.Sync("sd/0", []);
        Assert.Empty(pool.ActiveTargets);
        await pool.DisposeAsync(markStale: false);
        storage.Closed = true;
        // The removed target's stop (its staleness markers, in a 300 ms commit) has run by the time dispose returns:
        // counted at once, without waiting to see whether it lands later, so a dispose that does not wait fails here.
        Assert.True(Volatile.Read(ref storage.Commits) >= 1);
        Assert.False(storage.WrittenAfterClose);
    }

    [Fact]
    public async Task AReloadAfterShutdownStartsNothing()
    {
        // SIGHUP runs the reload on its own task: if it lands after the manager was disposed it must not start pools
        // (their loops would scrape into closed storage on a disposed scheduler).
        var storage = new SlowStorage();
        var manager = new ScrapeManager(storage, TimeProvider.System, NullLogger.Instance);
        var cfg = new PrometheusConfig { ScrapeConfigs = [Job("'127.0.0.1:9'")] };
        await manager.ApplyConfigAsync(cfg);
        Assert.Single(manager.Pools);
        await manager.DisposeAsync();
        await manager.ApplyConfigAsync(cfg);
        Assert.Empty(manager.Pools);
        await manager.DisposeAsync(); // twice is harmless
    }
}
