using System.Diagnostics.CodeAnalysis;
using Ariane.Config;
using Ariane.Discovery;
using Ariane.Model;
using Ariane.Storage;
using Microsoft.Extensions.Logging;

namespace Ariane.Scrape;

/// <summary>A target discovery offered that relabelling dropped, kept for the targets API.</summary>
public sealed record DroppedTarget(Labels DiscoveredLabels, string ScrapePool);

/// <summary>
/// Owns one scrape pool per job: turns each job's discovered target groups into targets and keeps one
/// <see cref="ScrapeLoop"/> running per target, starting and stopping loops as discovery and config change.
/// </summary>
public sealed class ScrapeManager : IAsyncDisposable
{
    private readonly IAppendable _storage;
    private readonly TimeProvider _time;
    private readonly ILogger _log;
    private readonly SemaphoreSlim _gate = new(1, 1);
    private readonly ScrapeScheduler _scheduler;
    private readonly ITargetDiscovery _discovery;
    private readonly DiscoveryManager? _ownDiscovery;
    private Dictionary<string, ScrapePool> _pools = new(StringComparer.Ordinal);
    private bool _disposed;

    /// <summary>
    /// Whether scrapes take OpenMetrics <c>_created</c> samples as start timestamps (<c>--enable-feature=st-storage</c>);
    /// applies to scrape loops started afterwards.
    /// </summary>
    public bool StartTimestamps { get; init; }

    /// <summary>
    /// Creates an idle manager that logs to <paramref name="log"/> (<see cref="ScrapeLog"/>: failed scrapes and invalid
    /// targets as warnings, a target up again as info, each scrape and discovery update at debug), and so do its
    /// discoverers (<see cref="DiscoveryLog"/>). Its jobs' targets come from <paramref name="discovery"/> (the server's
    /// discovery module), or, when none is given, from a discovery manager of its own that it stops with itself.
    /// </summary>
    public ScrapeManager(IAppendable storage, TimeProvider time, ILogger log, ITargetDiscovery? discovery = null)
    {
        _storage = storage;
        _time = time;
        _log = log;
        _scheduler = new ScrapeScheduler(time, log);
        if (discovery is null)
        {
            _ownDiscovery = new DiscoveryManager("scrape", log);
            discovery = _ownDiscovery;
        }
        _discovery = discovery;
    }

    /// <summary>The pools by job name, for the targets and metadata APIs.</summary>
    public IReadOnlyCollection<ScrapePool> Pools
    {
        get
        {
            var pools = _pools;
            return pools.Values;
        }
    }

    /// <summary>
    /// Makes the running pools match <paramref name="config"/>: a job whose configuration is unchanged keeps its
    /// loops (so reloading does not reset staleness tracking); changed jobs are rebuilt; removed jobs stopped. Discovery
    /// is told the jobs first; a rebuilt pool starts from the targets discovery already knows.
    /// </summary>
    public async Task ApplyConfigAsync(PrometheusConfig config)
    {
        await _gate.WaitAsync().ConfigureAwait(false);
        try
        {
            if (_disposed)
            {
                // A reload (SIGHUP runs it on its own task) that lands during shutdown: storage is about to close.
                return;
            }
            var sets = new List<DiscoverySet>(config.ScrapeConfigs.Count);
            foreach (var sc in config.ScrapeConfigs)
            {
                sets.Add(DiscoverySet.For(sc, _time));
            }
            await _discovery.ApplyConfigAsync(sets).ConfigureAwait(false);
            var next = new Dictionary<string, ScrapePool>(StringComparer.Ordinal);
            foreach (var sc in config.ScrapeConfigs)
            {
                if (_pools.TryGetValue(sc.JobName, out var existing) && existing.SameConfig(sc))
                {
                    next[sc.JobName] = existing;
                    continue;
                }
                var pool = new ScrapePool(sc, _storage, _scheduler, _time, _log)
                {
                    StartTimestamps = StartTimestamps,
                };
                next[sc.JobName] = pool;
                pool.Start(_discovery);
            }
            foreach (var (name, pool) in _pools)
            {
                if (!next.TryGetValue(name, out var kept) || !ReferenceEquals(kept, pool))
                {
                    await pool.DisposeAsync(markStale: true).ConfigureAwait(false);
                }
            }
            _pools = next;
        }
        finally
        {
            _gate.Release();
        }
    }

    /// <summary>Stops every loop without staleness markers (server shutdown).</summary>
    public async ValueTask DisposeAsync()
    {
        await _gate.WaitAsync().ConfigureAwait(false);
        try
        {
            if (_disposed)
            {
                return;
            }
            _disposed = true;
            foreach (var pool in _pools.Values)
            {
                await pool.DisposeAsync(markStale: false).ConfigureAwait(false);
            }
            _pools = new(StringComparer.Ordinal);
            _scheduler.Dispose();
            if (_ownDiscovery is not null)
            {
                await _ownDiscovery.DisposeAsync().ConfigureAwait(false);
            }
        }
        finally
        {
            _gate.Release();
        }
    }
}

/// <summary>The targets of one job and their loops, fed by the job's discovery set.</summary>
[SuppressMessage("Design", "CA1001", Justification = "Disposed by DisposeAsync(markStale), which ScrapeManager calls on every pool it drops or holds at its own disposal; the flag is why the pool is not IDisposable")]
public sealed class ScrapePool
{
    private readonly ScrapeConfig _config;
    private readonly string _configText;
    private readonly IAppendable _storage;
    private readonly ScrapeScheduler _scheduler;
    private readonly TimeProvider _time;
    private readonly ILogger _log;
    private readonly ScrapeHttpClient _client;
    private readonly object _sync = new();
    private readonly Dictionary<string, IReadOnlyList<TargetGroup>> _groupsByProvider = new(StringComparer.Ordinal);
    private IDisposable? _discovery;
    // Stops of targets that discovery removed (they write staleness markers once their running scrape ended): awaited
    // by DisposeAsync, so that nothing the pool started writes after it returned and the server closes storage.
    private readonly List<Task> _stopping = [];
    private Dictionary<string, ScrapeLoop> _loops = new(StringComparer.Ordinal);
    private List<DroppedTarget> _dropped = [];

    /// <summary>Whether its scrape loops take OpenMetrics <c>_created</c> samples as start timestamps.</summary>
    internal bool StartTimestamps { get; init; }

    internal ScrapePool(ScrapeConfig config, IAppendable storage, ScrapeScheduler scheduler, TimeProvider time, ILogger log)
    {
        _config = config;
        _configText = ScrapeConfigFingerprint.Of(config);
        _storage = storage;
        _scheduler = scheduler;
        _time = time;
        _log = log;
        _client = new ScrapeHttpClient(config.HttpClient, time);
    }

    /// <summary>The job name.</summary>
    public string JobName => _config.JobName;

    /// <summary>The job's configuration.</summary>
    public ScrapeConfig Config => _config;

    /// <summary>The active targets.</summary>
    public IReadOnlyList<ScrapeTarget> ActiveTargets
    {
        get
        {
            lock (_sync)
            {
                var list = new List<ScrapeTarget>(_loops.Count);
                foreach (var l in _loops.Values)
                {
                    list.Add(l.Target);
                }
                return list;
            }
        }
    }

    /// <summary>Targets relabelling dropped.</summary>
    public IReadOnlyList<DroppedTarget> DroppedTargets
    {
        get
        {
            lock (_sync)
            {
                return _dropped;
            }
        }
    }

    internal bool SameConfig(ScrapeConfig other) => string.Equals(_configText, ScrapeConfigFingerprint.Of(other), StringComparison.Ordinal);

    /// <summary>Attaches the pool to its job's discovery set: the targets known so far arrive at once, then every update.</summary>
    internal void Start(ITargetDiscovery discovery)
    {
        _discovery = discovery.Attach(_config.JobName, Sync);
    }

    /// <summary>Replaces one provider's groups and reconciles the loops.</summary>
    internal void Sync(string provider, IReadOnlyList<TargetGroup> groups)
    {
        long began = _time.GetTimestamp();
        List<ScrapeLoop> toStop = [];
        if (_log.IsEnabled(LogLevel.Debug))
        {
            int n = 0;
            foreach (var g in groups)
            {
                n += g.Targets.Count;
            }
            ScrapeLog.DiscoveryUpdate(_log, _config.JobName, provider, groups.Count, n);
        }
        lock (_sync)
        {
            _groupsByProvider[provider] = groups;
            var next = new Dictionary<string, ScrapeLoop>(StringComparer.Ordinal);
            var dropped = new List<DroppedTarget>();
            foreach (var gs in _groupsByProvider.Values)
            {
                foreach (var g in gs)
                {
                    foreach (var t in g.Targets)
                    {
                        var res = TargetLabeler.Populate(t, g.Labels, _config);
                        if (res.Target is null || res.Final is null)
                        {
                            if (res.Error is not null)
                            {
                                ScrapeLog.InvalidTarget(_log, _config.JobName, res.Error);
                            }
                            dropped.Add(new DroppedTarget(res.Discovered, _config.JobName));
                            continue;
                        }
                        var target = new ScrapeTarget(res.Final, res.Target, res.Discovered, _config);
                        string key = target.Key;
                        if (next.ContainsKey(key))
                        {
                            continue;
                        }
                        if (_loops.TryGetValue(key, out var loop))
                        {
                            next[key] = loop;
                        }
                        else
                        {
                            var nl = new ScrapeLoop(target, _storage, _client, _time, _log)
                            {
                                ParseStartTimestamps = StartTimestamps,
                            };
                            next[key] = nl;
                            nl.Start(_scheduler);
                        }
                    }
                }
            }
            foreach (var (key, loop) in _loops)
            {
                if (!next.ContainsKey(key))
                {
                    toStop.Add(loop);
                }
            }
            _loops = next;
            _dropped = dropped;
        }
        ScrapeMetrics.ObserveSync(_config.JobName, _time.GetElapsedTime(began), _time.GetUtcNow().ToUnixTimeMilliseconds());
        if (toStop.Count == 0)
        {
            return;
        }
        // Started outside the lock: a stop that finds no running scrape commits its staleness markers right here.
        var stops = new List<Task>(toStop.Count);
        foreach (var l in toStop)
        {
            stops.Add(l.StopAsync(markStale: true));
        }
        lock (_sync)
        {
            _stopping.RemoveAll(static t => t.IsCompleted);
            _stopping.AddRange(stops);
        }
    }

    internal async Task DisposeAsync(bool markStale)
    {
        // Detached first: once this returns, discovery calls Sync no more, so no loop starts after the stops below.
        _discovery?.Dispose();
        List<ScrapeLoop> loops;
        List<Task> stopping;
        lock (_sync)
        {
            loops = [.. _loops.Values];
            _loops = new(StringComparer.Ordinal);
            stopping = [.. _stopping];
            _stopping.Clear();
        }
        var stops = new List<Task>(loops.Count + stopping.Count);
        stops.AddRange(stopping);
        foreach (var l in loops)
        {
            stops.Add(l.StopAsync(markStale));
        }
        await Task.WhenAll(stops).ConfigureAwait(false);
        _client.Dispose();
    }
}
