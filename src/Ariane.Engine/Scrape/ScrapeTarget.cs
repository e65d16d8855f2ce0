using Ariane.Config;
using Ariane.Discovery;
using Ariane.Model;

namespace Ariane.Scrape;

/// <summary>Health of a target as the targets API reports it.</summary>
public enum TargetHealth
{
    /// <summary>Not scraped yet.</summary>
    Unknown,
    /// <summary>The last scrape succeeded.</summary>
    Up,
    /// <summary>The last scrape failed.</summary>
    Down,
}

/// <summary>Metadata of one metric family as the target exposed it.</summary>
public sealed record MetricMetadata(string Type, string Help, string Unit);

/// <summary>One scrape target: its labels, URL, and the state of its last scrape. Read by the API while the loop writes.</summary>
public sealed class ScrapeTarget
{
    private readonly object _gate = new();
    private Dictionary<string, MetricMetadata> _metadata = new(StringComparer.Ordinal);

    /// <summary>Creates a target from the labeller's result: final labels, target labels (with __ ones) and discovered labels.</summary>
    public ScrapeTarget(Labels labels, Labels targetLabels, Labels discovered, ScrapeConfig config)
    {
        Labels = labels;
        TargetLabels = targetLabels;
        DiscoveredLabels = discovered;
        Config = config;
        Url = TargetLabeler.ScrapeUrl(targetLabels, config);
        Interval = ParseDurationOr(targetLabels.Get(TargetLabeler.ScrapeIntervalLabel), config.ScrapeInterval);
        Timeout = ParseDurationOr(targetLabels.Get(TargetLabeler.ScrapeTimeoutLabel), config.ScrapeTimeout);
    }

    /// <summary>The target's labels after relabelling, reserved (__) labels included.</summary>
    public Labels TargetLabels { get; }

    /// <summary>The labels every sample of this target gets (job, instance, and relabelled target labels).</summary>
    public Labels Labels { get; }

    /// <summary>The labels before relabelling (for the targets API).</summary>
    public Labels DiscoveredLabels { get; }

    /// <summary>The job's scrape configuration.</summary>
    public ScrapeConfig Config { get; }

    /// <summary>The URL scraped.</summary>
    public Uri Url { get; }

    /// <summary>How often the target is scraped.</summary>
    public TimeSpan Interval { get; }

    /// <summary>How long a scrape may take.</summary>
    public TimeSpan Timeout { get; }

    /// <summary>The health after the last scrape.</summary>
    public TargetHealth Health { get; private set; }

    /// <summary>The error of the last scrape, or "".</summary>
    public string LastError { get; private set; } = "";

    /// <summary>When the last scrape started.</summary>
    public DateTimeOffset LastScrape { get; private set; }

    /// <summary>How long the last scrape took.</summary>
    public TimeSpan LastScrapeDuration { get; private set; }

    /// <summary>Identity used to keep a loop across reloads: labels plus the URL and timing.</summary>
    public string Key => Labels.ToString() + "|" + Url + "|" + Interval.Ticks + "|" + Timeout.Ticks;

    /// <summary>A snapshot of the metadata from the last scrape.</summary>
    public IReadOnlyDictionary<string, MetricMetadata> Metadata
    {
        get
        {
            lock (_gate)
            {
                return _metadata;
            }
        }
    }

    internal void Report(DateTimeOffset start, TimeSpan duration, string? error)
    {
        lock (_gate)
        {
            LastScrape = start;
            LastScrapeDuration = duration;
            LastError = error ?? "";
            Health = error is null ? TargetHealth.Up : TargetHealth.Down;
        }
    }

    internal void SetMetadata(Dictionary<string, MetricMetadata> md)
    {
        lock (_gate)
        {
            _metadata = md;
        }
    }

    private static TimeSpan ParseDurationOr(string text, TimeSpan fallback) =>
        text.Length > 0 && PromDuration.TryParse(text, out var d) ? d : fallback;
}
