using System.Threading.Channels;
using Ariane.Config;
using Microsoft.Extensions.Logging;

namespace Ariane.Discovery;

/// <summary>An <see cref="IDiscoverer"/> over fixed groups (static_configs): publishes them once and waits for cancellation.</summary>
public sealed class StaticDiscoverer : IDiscoverer
{
    private readonly IReadOnlyList<TargetGroup> _groups;
    private readonly Channel<IReadOnlyList<TargetGroup>> _updates = Channel.CreateBounded<IReadOnlyList<TargetGroup>>(1);

    /// <summary>Wraps fixed groups.</summary>
    public StaticDiscoverer(IReadOnlyList<TargetGroup> groups)
    {
        _groups = groups;
    }

    /// <inheritdoc/>
    public ChannelReader<IReadOnlyList<TargetGroup>> Updates => _updates.Reader;

    /// <inheritdoc/>
    public async Task RunAsync(CancellationToken ct)
    {
        _updates.Writer.TryWrite(_groups);
        try
        {
            await Task.Delay(Timeout.Infinite, ct).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (ct.IsCancellationRequested)
        {
        }
        finally
        {
            _updates.Writer.TryComplete();
        }
    }

    /// <inheritdoc/>
    public ValueTask DisposeAsync()
    {
        _updates.Writer.TryComplete();
        return ValueTask.CompletedTask;
    }
}

/// <summary>Makes the discoverers of a scrape job (or an Alertmanager entry) from its config.</summary>
public static class Discoverers
{
    /// <summary>
    /// One <see cref="StaticDiscoverer"/> when the job has static_configs, and one <see cref="FileDiscoverer"/> per
    /// file_sd_configs entry; the job's other <c>*_sd_configs</c> are listed in <see cref="ScrapeConfig.UnsupportedDiscovery"/>.
    /// </summary>
    public static List<IDiscoverer> For(ScrapeConfig cfg, TimeProvider time, ILogger? log = null) =>
        For(cfg.StaticConfigs, cfg.FileSdConfigs, time, log);

    /// <summary>The discoverers of an Alertmanager entry of <c>alerting.alertmanagers</c>.</summary>
    public static List<IDiscoverer> For(AlertmanagerConfig cfg, TimeProvider time, ILogger? log = null) =>
        For(cfg.StaticConfigs, cfg.FileSdConfigs, time, log);

    private static List<IDiscoverer> For(List<StaticConfig> statics, List<FileSdConfig> files, TimeProvider time, ILogger? log)
    {
        var list = new List<IDiscoverer>(1 + files.Count);
        if (statics.Count > 0)
        {
            list.Add(new StaticDiscoverer(StaticDiscovery.Groups(statics)));
        }
        foreach (var f in files)
        {
            list.Add(new FileDiscoverer(f, time, log));
        }
        return list;
    }
}
