using Ariane.Config;
using Ariane.Model;

namespace Ariane.Discovery;

/// <summary>A set of targets from one source (a static_configs entry, one group of one file) with labels shared by all.</summary>
public sealed class TargetGroup
{
    /// <summary>Identifies the group within its discoverer (Prometheus's <c>Source</c>: an index, or <c>file:index</c>).</summary>
    public string Source { get; set; } = string.Empty;

    /// <summary>The targets, each with at least <c>__address__</c>.</summary>
    public List<Labels> Targets { get; set; } = [];

    /// <summary>Labels for every target of the group (target labels win on conflict).</summary>
    public Labels Labels { get; set; } = Labels.Empty;

    /// <summary>Makes a group from a config-file group: each address becomes a target with <c>__address__</c>.</summary>
    public static TargetGroup From(StaticConfig sc, string source, Labels? extraGroupLabels = null)
    {
        var g = new TargetGroup { Source = source, Labels = sc.Labels };
        if (extraGroupLabels is not null && extraGroupLabels.Count > 0)
        {
            var b = sc.Labels.ToBuilder();
            foreach (var l in extraGroupLabels)
            {
                b.Set(l.Name, l.Value);
            }
            g.Labels = b.Build();
        }
        foreach (string t in sc.Targets)
        {
            g.Targets.Add(Labels.FromStrings(TargetLabeler.AddressLabel, t));
        }
        return g;
    }
}

/// <summary>
/// A source of targets. Each value on <see cref="Updates"/> is the complete current set of groups from this
/// discoverer (a snapshot, not a delta); the first is sent once the initial read is done. <see cref="RunAsync"/>
/// runs until cancelled, then completes the channel.
/// </summary>
public interface IDiscoverer : IAsyncDisposable
{
    /// <summary>Full snapshots of the discovered groups, newest last; a slow reader may skip to the latest.</summary>
    System.Threading.Channels.ChannelReader<IReadOnlyList<TargetGroup>> Updates { get; }

    /// <summary>Discovers until <paramref name="ct"/> is cancelled.</summary>
    Task RunAsync(CancellationToken ct);
}

/// <summary>The groups of a scrape job's <c>static_configs</c>.</summary>
public static class StaticDiscovery
{
    /// <summary>One group per static_configs entry, sourced by its index as in Prometheus.</summary>
    public static IReadOnlyList<TargetGroup> Groups(ScrapeConfig cfg) => Groups(cfg.StaticConfigs);

    /// <summary>One group per entry, sourced by its index.</summary>
    public static IReadOnlyList<TargetGroup> Groups(IReadOnlyList<StaticConfig> configs)
    {
        var list = new List<TargetGroup>(configs.Count);
        for (int i = 0; i < configs.Count; i++)
        {
            list.Add(TargetGroup.From(configs[i], i.ToString(System.Globalization.CultureInfo.InvariantCulture)));
        }
        return list;
    }
}
