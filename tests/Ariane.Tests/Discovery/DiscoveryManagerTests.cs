using System.Collections.Concurrent;
using System.Threading.Channels;
using Ariane.Config;
using Ariane.Discovery;
using Ariane.Model;

namespace Ariane.Tests.Discovery;

/// <summary>
/// Issue 11, item 2: discovery is its own subsystem. The manager runs each named set's discoverers, keeps every
/// provider's latest groups, replays them to a consumer that attaches later, keeps a set with an unchanged fingerprint
/// running across reloads and restarts or stops the others.
/// </summary>
public sealed class DiscoveryManagerTests
{
    private static readonly TimeSpan Wait = TimeSpan.FromSeconds(20);

    /// <summary>A discoverer the test drives: each <see cref="Publish"/> is one snapshot.</summary>
    private sealed class Manual : IDiscoverer
    {
        private readonly Channel<IReadOnlyList<TargetGroup>> _updates = Channel.CreateUnbounded<IReadOnlyList<TargetGroup>>();

        public int Runs;

        public bool Disposed;

        public ChannelReader<IReadOnlyList<TargetGroup>> Updates => _updates.Reader;

        public void Publish(params string[] addresses) =>
            _updates.Writer.TryWrite([new TargetGroup { Source = "0", Targets = [.. addresses.Select(a => Labels.FromStrings("__address__", a))] }]);

        public async Task RunAsync(CancellationToken ct)
        {
            Interlocked.Increment(ref Runs);
            try
            {
                await Task.Delay(Timeout.Infinite, ct);
            }
            catch (OperationCanceledException)
            {
            }
        }

        public ValueTask DisposeAsync()
        {
            Disposed = true;
            _updates.Writer.TryComplete();
            return ValueTask.CompletedTask;
        }
    }

    /// <summary>Collects what a sink receives: the latest addresses per provider.</summary>
    private sealed class Sink
    {
        public readonly ConcurrentDictionary<string, string[]> Latest = new();

        public int Calls;

        public void Receive(string provider, IReadOnlyList<TargetGroup> groups)
        {
            Interlocked.Increment(ref Calls);
            Latest[provider] = [.. groups.SelectMany(g => g.Targets).Select(t => t.Get("__address__"))];
        }

        public async Task Until(Func<Sink, bool> ok)
        {
            using var cts = new CancellationTokenSource(Wait);
            while (!ok(this))
            {
                await Task.Delay(5, cts.Token);
            }
        }
    }

    private static DiscoverySet Set(string name, string fingerprint, Manual d) => new(name, fingerprint, _ => [d]);

    [Fact]
    public async Task A_consumer_attaching_later_gets_the_groups_already_discovered_at_once()
    {
        await using var m = new DiscoveryManager("scrape");
        var d = new Manual();
        await m.ApplyConfigAsync([Set("node", "a", d)]);
        var first = new Sink();
        using (m.Attach("node", first.Receive))
        {
            d.Publish("a:1", "b:1");
            await first.Until(s => s.Latest.TryGetValue("sd/0", out var t) && t.Length == 2);
        }
        var late = new Sink();
        using (m.Attach("node", late.Receive))
        {
            Assert.Equal(["a:1", "b:1"], late.Latest["sd/0"]); // replayed inside Attach, before any new update
        }
        Assert.Equal([new KeyValuePair<string, int>("node", 2)], m.DiscoveredTargets());
    }

    [Fact]
    public async Task An_unchanged_set_keeps_running_across_a_reload_and_a_changed_one_restarts()
    {
        await using var m = new DiscoveryManager("scrape");
        var keep = new Manual();
        var old = new Manual();
        await m.ApplyConfigAsync([Set("keep", "k", keep), Set("change", "c1", old)]);
        var sink = new Sink();
        using var attached = m.Attach("change", sink.Receive);
        old.Publish("old:1");
        await sink.Until(s => s.Latest.ContainsKey("sd/0"));

        var replacement = new Manual();
        var unused = new Manual();
        await m.ApplyConfigAsync([Set("keep", "k", unused), Set("change", "c2", replacement)]);
        Assert.False(keep.Disposed);
        Assert.Equal(0, unused.Runs); // the unchanged set's discoverers were not made again
        Assert.True(old.Disposed);
        old.Publish("stale:1"); // a snapshot from the stopped run never reaches the consumer
        replacement.Publish("new:1");
        await sink.Until(s => s.Latest["sd/0"] is ["new:1"]);
    }

    [Fact]
    public async Task A_set_no_longer_configured_stops_and_is_not_counted()
    {
        await using var m = new DiscoveryManager("scrape");
        var d = new Manual();
        await m.ApplyConfigAsync([Set("gone", "g", d)]);
        var sink = new Sink();
        using (m.Attach("gone", sink.Receive))
        {
            d.Publish("a:1");
            await sink.Until(s => s.Calls == 1);
        }
        await m.ApplyConfigAsync([]);
        Assert.True(d.Disposed);
        Assert.Empty(m.DiscoveredTargets());
    }

    [Fact]
    public async Task A_detached_consumer_receives_nothing_more()
    {
        await using var m = new DiscoveryManager("scrape");
        var d = new Manual();
        await m.ApplyConfigAsync([Set("node", "a", d)]);
        var sink = new Sink();
        var attached = m.Attach("node", sink.Receive);
        d.Publish("a:1");
        await sink.Until(s => s.Calls == 1);
        attached.Dispose();
        var other = new Sink();
        using (m.Attach("node", other.Receive))
        {
            d.Publish("b:1");
            await other.Until(s => s.Latest["sd/0"] is ["b:1"]);
        }
        Assert.Equal(1, sink.Calls);
    }

    [Fact]
    public async Task The_scrape_job_set_is_fingerprinted_by_its_discovery_configuration_only()
    {
        var a = new ScrapeConfig { JobName = "j", StaticConfigs = [new StaticConfig { Targets = ["a:1"] }] };
        var b = new ScrapeConfig { JobName = "j", StaticConfigs = [new StaticConfig { Targets = ["a:1"] }], ScrapeInterval = TimeSpan.FromSeconds(5) };
        var c = new ScrapeConfig { JobName = "j", StaticConfigs = [new StaticConfig { Targets = ["b:1"] }] };
        var time = TimeProvider.System;
        Assert.Equal(DiscoverySet.For(a, time).Fingerprint, DiscoverySet.For(b, time).Fingerprint);
        Assert.NotEqual(DiscoverySet.For(a, time).Fingerprint, DiscoverySet.For(c, time).Fingerprint);
        await using var m = new DiscoveryManager("scrape");
        await m.ApplyConfigAsync([DiscoverySet.For(a, time)]);
        var sink = new Sink();
        using (m.Attach("j", sink.Receive))
        {
            await sink.Until(s => s.Latest.TryGetValue("sd/0", out var t) && t is ["a:1"]);
        }
    }
}
