using System.Text;
using Ariane.Config;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace Ariane.Discovery;

/// <summary>
/// One named set of discoverers (a scrape job, later an <c>alerting.alertmanagers</c> entry): its name, a fingerprint
/// of its discovery configuration (a set whose fingerprint is unchanged keeps running across reloads) and how to make
/// its discoverers, given the manager's logger.
/// </summary>
public sealed record DiscoverySet(string Name, string Fingerprint, Func<ILogger, List<IDiscoverer>> Create)
{
    /// <summary>The set of a scrape job: its <c>static_configs</c> and <c>file_sd_configs</c>.</summary>
    public static DiscoverySet For(ScrapeConfig cfg, TimeProvider time) =>
        new(cfg.JobName, FingerprintOf(cfg.StaticConfigs, cfg.FileSdConfigs), log => Discoverers.For(cfg, time, log));

    /// <summary>
    /// Appends what decides a discovery set's targets (every static group, every file list and its refresh interval)
    /// to <paramref name="sb"/>; two configurations with the same text discover the same targets.
    /// </summary>
    public static StringBuilder AppendFingerprint(StringBuilder sb, List<StaticConfig> statics, List<FileSdConfig> files)
    {
        foreach (var s in statics)
        {
            sb.Append("|s:").AppendJoin(',', s.Targets).Append(s.Labels);
        }
        foreach (var f in files)
        {
            sb.Append("|f:").AppendJoin(',', f.Files).Append(f.RefreshInterval.Ticks);
        }
        return sb;
    }

    private static string FingerprintOf(List<StaticConfig> statics, List<FileSdConfig> files) =>
        AppendFingerprint(new StringBuilder(), statics, files).ToString();
}

/// <summary>Receives one provider's complete current groups (a snapshot, not a delta) of the set it is attached to.</summary>
public delegate void TargetGroupSink(string provider, IReadOnlyList<TargetGroup> groups);

/// <summary>
/// The discovery seam: what a consumer of targets (the scrape manager, later the notifier) sees of discovery. The
/// consumer says which sets to discover and attaches to a set by name to receive its groups.
/// </summary>
public interface ITargetDiscovery
{
    /// <summary>The manager's name, as Prometheus labels its discovery managers (<c>scrape</c>, <c>notify</c>).</summary>
    string Name { get; }

    /// <summary>
    /// Makes the running sets match <paramref name="sets"/>: a set with an unchanged fingerprint keeps its discoverers
    /// and its last groups; a changed one restarts; a set no longer listed stops.
    /// </summary>
    Task ApplyConfigAsync(IReadOnlyList<DiscoverySet> sets);

    /// <summary>
    /// Sends <paramref name="sink"/> the set's current groups (one call per provider that has reported), then every
    /// update until the returned handle is disposed. Calls for one set never overlap.
    /// </summary>
    IDisposable Attach(string set, TargetGroupSink sink);
}

/// <summary>
/// Runs the discoverers of every set and keeps each provider's latest groups, so that a consumer attaching later (a
/// scrape pool rebuilt on reload) starts from what is already known instead of waiting for the next refresh. One
/// manager per consumer, as in Prometheus (<c>scrape</c>; <c>notify</c> when alerting comes).
/// </summary>
/// <remarks>
/// Threading: each set has its own lock; a provider's update, an attach and a detach of one set take it, so a sink
/// sees one set's snapshots in order and never two at once. <see cref="ApplyConfigAsync"/> and
/// <see cref="DisposeAsync"/> are serialised by a gate. A set's discoverers run on the thread pool (one reading task
/// and one running task each) until the set stops.
/// </remarks>
public sealed class DiscoveryManager : ITargetDiscovery, IAsyncDisposable
{
    private readonly SemaphoreSlim _gate = new(1, 1);
    private readonly object _sync = new();
    private readonly Dictionary<string, SetState> _sets = new(StringComparer.Ordinal);
    private bool _disposed;

    private readonly ILogger _log;

    /// <summary>Creates an idle manager whose discoverers log to <paramref name="log"/> (<see cref="DiscoveryLog"/>).</summary>
    public DiscoveryManager(string name, ILogger? log = null)
    {
        Name = name;
        _log = log ?? NullLogger.Instance;
    }

    /// <inheritdoc/>
    public string Name { get; }

    /// <summary>True until the manager is disposed.</summary>
    public bool Running => !Volatile.Read(ref _disposed);

    /// <inheritdoc/>
    public async Task ApplyConfigAsync(IReadOnlyList<DiscoverySet> sets)
    {
        await _gate.WaitAsync().ConfigureAwait(false);
        try
        {
            if (_disposed)
            {
                return;
            }
            var wanted = new Dictionary<string, DiscoverySet>(StringComparer.Ordinal);
            foreach (var s in sets)
            {
                wanted[s.Name] = s;
            }
            var stopping = new List<Run>();
            var starting = new List<(SetState, Run)>();
            lock (_sync)
            {
                foreach (var (name, state) in _sets)
                {
                    if (state.Run is { } run && (!wanted.TryGetValue(name, out var w) || w.Fingerprint != run.Fingerprint))
                    {
                        lock (state)
                        {
                            state.Run = null;
                            state.Latest.Clear();
                        }
                        stopping.Add(run);
                    }
                }
                foreach (var s in sets)
                {
                    var state = StateOf(s.Name);
                    if (state.Run is null)
                    {
                        var run = new Run(s.Fingerprint, s.Create(_log));
                        lock (state)
                        {
                            state.Run = run;
                        }
                        starting.Add((state, run));
                    }
                }
                RemoveIdle();
            }
            foreach (var run in stopping)
            {
                await run.StopAsync().ConfigureAwait(false);
            }
            foreach (var (state, run) in starting)
            {
                Start(state, run);
            }
        }
        finally
        {
            _gate.Release();
        }
    }

    /// <inheritdoc/>
    public IDisposable Attach(string set, TargetGroupSink sink)
    {
        SetState state;
        lock (_sync)
        {
            state = StateOf(set);
            lock (state)
            {
                state.Sinks.Add(sink);
                foreach (var (provider, groups) in state.Latest)
                {
                    sink(provider, groups);
                }
            }
        }
        return new Attachment(this, set, state, sink);
    }

    /// <summary>
    /// The number of targets each running set's providers currently report (duplicates included), by set name, for
    /// <c>prometheus_sd_discovered_targets</c>.
    /// </summary>
    public List<KeyValuePair<string, int>> DiscoveredTargets()
    {
        var result = new List<KeyValuePair<string, int>>();
        lock (_sync)
        {
            foreach (var (name, state) in _sets)
            {
                if (state.Run is null)
                {
                    continue;
                }
                int n = 0;
                lock (state)
                {
                    foreach (var groups in state.Latest.Values)
                    {
                        foreach (var g in groups)
                        {
                            n += g.Targets.Count;
                        }
                    }
                }
                result.Add(new(name, n));
            }
        }
        result.Sort(static (a, b) => string.CompareOrdinal(a.Key, b.Key));
        return result;
    }

    /// <summary>Stops every set's discoverers; attached sinks receive nothing more.</summary>
    public async ValueTask DisposeAsync()
    {
        await _gate.WaitAsync().ConfigureAwait(false);
        try
        {
            if (_disposed)
            {
                return;
            }
            Volatile.Write(ref _disposed, true);
            var runs = new List<Run>();
            lock (_sync)
            {
                foreach (var state in _sets.Values)
                {
                    lock (state)
                    {
                        if (state.Run is { } run)
                        {
                            runs.Add(run);
                        }
                        state.Run = null;
                        state.Latest.Clear();
                        state.Sinks.Clear();
                    }
                }
                _sets.Clear();
            }
            foreach (var run in runs)
            {
                await run.StopAsync().ConfigureAwait(false);
            }
        }
        finally
        {
            _gate.Release();
        }
    }

    // Under _sync.
    private SetState StateOf(string name)
    {
        if (!_sets.TryGetValue(name, out var state))
        {
            state = new SetState();
            _sets[name] = state;
        }
        return state;
    }

    // Under _sync: forgets sets that neither run nor have a consumer.
    private void RemoveIdle()
    {
        List<string>? idle = null;
        foreach (var (name, state) in _sets)
        {
            if (state.Run is null && state.Sinks.Count == 0)
            {
                (idle ??= []).Add(name);
            }
        }
        if (idle is not null)
        {
            foreach (string name in idle)
            {
                _sets.Remove(name);
            }
        }
    }

    // Starts a run's discoverers: one task reads each discoverer's snapshots into its set, one runs it.
    private static void Start(SetState state, Run run)
    {
        for (int i = 0; i < run.Discoverers.Count; i++)
        {
            var d = run.Discoverers[i];
            string provider = "sd/" + i;
            run.Tasks.Add(Task.Run(async () =>
            {
                try
                {
                    await foreach (var groups in d.Updates.ReadAllAsync(run.Stop.Token).ConfigureAwait(false))
                    {
                        Deliver(state, run, provider, groups);
                    }
                }
                catch (OperationCanceledException)
                {
                }
            }));
            run.Tasks.Add(Task.Run(() => d.RunAsync(run.Stop.Token)));
        }
    }

    private static void Deliver(SetState state, Run run, string provider, IReadOnlyList<TargetGroup> groups)
    {
        lock (state)
        {
            if (!ReferenceEquals(state.Run, run))
            {
                return; // a snapshot of a run that has since been replaced or stopped
            }
            state.Latest[provider] = groups;
            foreach (var sink in state.Sinks)
            {
                sink(provider, groups);
            }
        }
    }

    private void Detach(string name, SetState state, TargetGroupSink sink)
    {
        lock (_sync)
        {
            lock (state)
            {
                state.Sinks.Remove(sink);
            }
            if (state.Run is null && state.Sinks.Count == 0 && _sets.TryGetValue(name, out var current) && ReferenceEquals(current, state))
            {
                _sets.Remove(name);
            }
        }
    }

    /// <summary>A set's consumers, its running discoverers and their latest groups. Locked on itself.</summary>
    private sealed class SetState
    {
        public Run? Run;
        public readonly Dictionary<string, IReadOnlyList<TargetGroup>> Latest = new(StringComparer.Ordinal);
        public readonly List<TargetGroupSink> Sinks = [];
    }

    /// <summary>One start of a set's discoverers, stopped as a whole when the set changes or goes.</summary>
    [System.Diagnostics.CodeAnalysis.SuppressMessage("Design", "CA1001", Justification = "StopAsync disposes the token source; every run that starts is stopped by ApplyConfigAsync or DisposeAsync")]
    private sealed class Run(string fingerprint, List<IDiscoverer> discoverers)
    {
        public readonly string Fingerprint = fingerprint;
        public readonly List<IDiscoverer> Discoverers = discoverers;
        public readonly CancellationTokenSource Stop = new();
        public readonly List<Task> Tasks = [];

        public async Task StopAsync()
        {
            await Stop.CancelAsync().ConfigureAwait(false);
            foreach (var d in Discoverers)
            {
                await d.DisposeAsync().ConfigureAwait(false);
            }
            try
            {
                await Task.WhenAll(Tasks).ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
            }
            Stop.Dispose();
        }
    }

    private sealed class Attachment(DiscoveryManager owner, string name, SetState state, TargetGroupSink sink) : IDisposable
    {
        private int _disposed;

        public void Dispose()
        {
            if (Interlocked.Exchange(ref _disposed, 1) == 0)
            {
                owner.Detach(name, state, sink);
            }
        }
    }
}
