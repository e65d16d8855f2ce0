using System.Globalization;
using System.Text;
using System.Threading.Channels;
using Ariane.Config;
using Ariane.Model;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace Ariane.Discovery;

/// <summary>
/// <c>file_sd_configs</c>: reads target groups from JSON or YAML files (globs allowed in the last path element),
/// re-reads them every refresh interval and promptly when a watched folder changes, adds <c>__meta_filepath</c>,
/// and keeps a file's last good groups when it becomes unreadable or invalid.
/// </summary>
public sealed class FileDiscoverer : IDiscoverer
{
    /// <summary>The label naming the file a target came from.</summary>
    public const string FilePathLabel = "__meta_filepath";

    private readonly FileSdConfig _cfg;
    private readonly TimeProvider _time;
    private readonly ILogger _log;
    private readonly Channel<IReadOnlyList<TargetGroup>> _updates = Channel.CreateBounded<IReadOnlyList<TargetGroup>>(
        new BoundedChannelOptions(1) { FullMode = BoundedChannelFullMode.DropOldest, SingleReader = false, SingleWriter = true });
    private readonly Channel<bool> _wake = Channel.CreateBounded<bool>(
        new BoundedChannelOptions(1) { FullMode = BoundedChannelFullMode.DropWrite });
    private readonly Dictionary<string, List<TargetGroup>> _lastGood = new(StringComparer.Ordinal);
    // Started by the run, stopped by the run's end and by DisposeAsync, which shutdown calls at the same time: the list
    // is only touched under _watchersGate, and once stopped no watcher is started any more.
    private readonly List<FileSystemWatcher> _watchers = [];
    private readonly Lock _watchersGate = new();
    private bool _watchersStopped;
    private readonly Lock _gate = new();
    private string? _lastSignature;

    /// <summary>Creates a discoverer that logs each file that fails to load to <paramref name="log"/> (<see cref="DiscoveryLog"/>).</summary>
    public FileDiscoverer(FileSdConfig cfg, TimeProvider time, ILogger? log = null)
    {
        _cfg = cfg;
        _time = time;
        _log = log ?? NullLogger.Instance;
    }

    /// <inheritdoc/>
    public ChannelReader<IReadOnlyList<TargetGroup>> Updates => _updates.Reader;

    /// <inheritdoc/>
    public async Task RunAsync(CancellationToken ct)
    {
        try
        {
            StartWatchers();
            Refresh();
            while (!ct.IsCancellationRequested)
            {
                using (var wait = CancellationTokenSource.CreateLinkedTokenSource(ct))
                {
                    var delay = Task.Delay(_cfg.RefreshInterval, _time, wait.Token);
                    var wake = _wake.Reader.WaitToReadAsync(wait.Token).AsTask();
                    await Task.WhenAny(delay, wake).ConfigureAwait(false);
                    await wait.CancelAsync().ConfigureAwait(false);
                }
                ct.ThrowIfCancellationRequested();
                while (_wake.Reader.TryRead(out _))
                {
                }
                Refresh();
            }
        }
        catch (OperationCanceledException) when (ct.IsCancellationRequested)
        {
        }
        finally
        {
            StopWatchers();
            _updates.Writer.TryComplete();
        }
    }

    /// <summary>Reads every file now and publishes a snapshot if anything changed (the first call always publishes).</summary>
    public IReadOnlyList<TargetGroup> Refresh()
    {
        lock (_gate)
        {
            return RefreshLocked();
        }
    }

    private List<TargetGroup> RefreshLocked()
    {
        var files = new List<string>();
        foreach (string pattern in _cfg.Files)
        {
            foreach (string f in FileGlob.Expand(pattern))
            {
                if (!files.Contains(f))
                {
                    files.Add(f);
                }
            }
        }
        var snapshot = new List<TargetGroup>();
        var present = new HashSet<string>(files, StringComparer.Ordinal);
        foreach (string f in files)
        {
            List<TargetGroup> groups;
            try
            {
                groups = Read(f);
                _lastGood[f] = groups;
            }
            catch (Exception e) when (e is ConfigException or IOException or UnauthorizedAccessException)
            {
                DiscoveryLog.FileReadFailed(_log, f, e.Message);
                if (!_lastGood.TryGetValue(f, out groups!))
                {
                    continue;
                }
            }
            snapshot.AddRange(groups);
        }
        // A file that disappeared takes its targets with it, as in Prometheus.
        var gone = new List<string>();
        foreach (string f in _lastGood.Keys)
        {
            if (!present.Contains(f))
            {
                gone.Add(f);
            }
        }
        foreach (string f in gone)
        {
            _lastGood.Remove(f);
        }
        string sig = Signature(snapshot);
        if (!string.Equals(sig, _lastSignature, StringComparison.Ordinal))
        {
            _lastSignature = sig;
            _updates.Writer.TryWrite(snapshot);
        }
        return snapshot;
    }

    private static List<TargetGroup> Read(string path)
    {
        var configs = TargetGroups.ParseFile(path);
        var list = new List<TargetGroup>(configs.Count);
        var meta = Labels.FromStrings(FilePathLabel, path);
        for (int i = 0; i < configs.Count; i++)
        {
            list.Add(TargetGroup.From(configs[i], path + ":" + i.ToString(CultureInfo.InvariantCulture), meta));
        }
        return list;
    }

    private static string Signature(List<TargetGroup> groups)
    {
        var sb = new StringBuilder();
        foreach (var g in groups)
        {
            sb.Append(g.Source).Append('\0').Append(g.Labels.ToString()).Append('\0');
            foreach (var t in g.Targets)
            {
                sb.Append(t.ToString()).Append('\0');
            }
            sb.Append('\n');
        }
        return sb.ToString();
    }

    private void StartWatchers()
    {
        var dirs = new HashSet<string>(StringComparer.Ordinal);
        foreach (string pattern in _cfg.Files)
        {
            string dir = Path.GetDirectoryName(Path.GetFullPath(pattern)) ?? ".";
            if (!dirs.Add(dir) || !Directory.Exists(dir))
            {
                continue;
            }
            try
            {
                var w = new FileSystemWatcher(dir)
                {
                    NotifyFilter = NotifyFilters.FileName | NotifyFilters.LastWrite | NotifyFilters.Size | NotifyFilters.CreationTime,
                    IncludeSubdirectories = false,
                };
                w.Changed += OnChange;
                w.Created += OnChange;
                w.Deleted += OnChange;
                w.Renamed += OnChange;
                w.Error += (_, e) => DiscoveryLog.WatcherFailed(_log, dir, e.GetException().Message);
                lock (_watchersGate)
                {
                    if (_watchersStopped)
                    {
                        w.Dispose();
                        return;
                    }
                    w.EnableRaisingEvents = true;
                    _watchers.Add(w);
                }
            }
            catch (Exception e) when (e is IOException or ArgumentException or PlatformNotSupportedException)
            {
                // The refresh interval still picks up changes; the watcher only makes it prompt.
                DiscoveryLog.CannotWatch(_log, dir, e.Message);
            }
        }
    }

    private void OnChange(object sender, FileSystemEventArgs e) => _wake.Writer.TryWrite(true);

    /// <summary>Stops and disposes the watchers; safe to call from several threads at once, and more than once.</summary>
    private void StopWatchers()
    {
        FileSystemWatcher[] watchers;
        lock (_watchersGate)
        {
            _watchersStopped = true;
            watchers = [.. _watchers];
            _watchers.Clear();
        }
        // Disposed outside the lock: a watcher's event handler may be running and must not wait for it.
        foreach (var w in watchers)
        {
            w.EnableRaisingEvents = false;
            w.Dispose();
        }
    }

    /// <inheritdoc/>
    public ValueTask DisposeAsync()
    {
        StopWatchers();
        _updates.Writer.TryComplete();
        return ValueTask.CompletedTask;
    }
}
