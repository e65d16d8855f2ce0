using Ariane.Config;
using Ariane.Model;
using Ariane.Relabel;

namespace Ariane.Discovery;

/// <summary>The outcome of labelling one discovered target.</summary>
/// <param name="Target">
/// The target's labels after relabelling, <c>__meta_*</c> removed but the other <c>__</c> labels kept
/// (<c>__address__</c>, <c>__scheme__</c>, <c>__metrics_path__</c>, <c>__param_*</c>, <c>__scrape_interval__</c>,
/// <c>__scrape_timeout__</c>) so the scraper can build its URL; null when dropped or invalid.
/// </param>
/// <param name="Final">The labels attached to scraped series: <see cref="Target"/> without any <c>__</c> label; null when dropped or invalid.</param>
/// <param name="Discovered">The labels before relabelling (for the targets page and <c>/api/v1/targets</c>).</param>
/// <param name="Error">Why the target is invalid, or null (a relabel drop is not an error).</param>
public readonly record struct TargetLabelResult(Labels? Target, Labels? Final, Labels Discovered, string? Error)
{
    /// <summary>True when relabelling dropped the target without error.</summary>
    public bool Dropped => Target is null && Error is null;
}

/// <summary>Turns discovered targets into scrape targets, as Prometheus's <c>scrape.PopulateLabels</c>.</summary>
public static class TargetLabeler
{
    /// <summary><c>__address__</c>: host:port of the target.</summary>
    public const string AddressLabel = "__address__";

    /// <summary><c>__scheme__</c>.</summary>
    public const string SchemeLabel = "__scheme__";

    /// <summary><c>__metrics_path__</c>.</summary>
    public const string MetricsPathLabel = "__metrics_path__";

    /// <summary><c>__scrape_interval__</c>.</summary>
    public const string ScrapeIntervalLabel = "__scrape_interval__";

    /// <summary><c>__scrape_timeout__</c>.</summary>
    public const string ScrapeTimeoutLabel = "__scrape_timeout__";

    /// <summary>Prefix of URL parameter labels.</summary>
    public const string ParamLabelPrefix = "__param_";

    /// <summary>Prefix of discovery metadata labels, removed after relabelling.</summary>
    public const string MetaLabelPrefix = "__meta_";

    /// <summary>Prefix of every reserved label.</summary>
    public const string ReservedLabelPrefix = "__";

    /// <summary>Labels one target of a group: target labels win over group labels.</summary>
    public static TargetLabelResult Populate(Labels target, Labels group, ScrapeConfig cfg)
    {
        var b = group.ToBuilder();
        foreach (var l in target)
        {
            b.Set(l.Name, l.Value);
        }
        return Populate(b.Build(), cfg);
    }

    /// <summary>Labels a target whose group and target labels are already merged.</summary>
    public static TargetLabelResult Populate(Labels discovered, ScrapeConfig cfg)
    {
        var lb = discovered.ToBuilder();
        SetIfMissing(lb, "job", cfg.JobName);
        SetIfMissing(lb, ScrapeIntervalLabel, PromDuration.Format(cfg.ScrapeInterval));
        SetIfMissing(lb, ScrapeTimeoutLabel, PromDuration.Format(cfg.ScrapeTimeout));
        SetIfMissing(lb, MetricsPathLabel, cfg.MetricsPath);
        SetIfMissing(lb, SchemeLabel, cfg.Scheme);
        foreach (var (name, values) in cfg.Params)
        {
            if (values.Count > 0)
            {
                SetIfMissing(lb, ParamLabelPrefix + name, values[0]);
            }
        }
        var before = lb.Build();
        if (!Relabeler.ProcessBuilder(lb, cfg.RelabelConfigs))
        {
            return new TargetLabelResult(null, null, before, null);
        }
        string addr = lb.Get(AddressLabel);
        if (addr.Length == 0)
        {
            return Invalid(before, "no address");
        }
        if (addr.Contains('/', StringComparison.Ordinal))
        {
            return Invalid(before, $"\"{Echo.Truncate(addr)}\" is not a valid hostname");
        }
        string interval = lb.Get(ScrapeIntervalLabel);
        if (!PromDuration.TryParse(interval, out var iv))
        {
            return Invalid(before, $"error parsing scrape interval: not a valid duration string: \"{Echo.Truncate(interval)}\"");
        }
        if (iv == TimeSpan.Zero)
        {
            return Invalid(before, "scrape interval cannot be 0");
        }
        string timeout = lb.Get(ScrapeTimeoutLabel);
        if (!PromDuration.TryParse(timeout, out var to))
        {
            return Invalid(before, $"error parsing scrape timeout: not a valid duration string: \"{Echo.Truncate(timeout)}\"");
        }
        if (to == TimeSpan.Zero)
        {
            return Invalid(before, "scrape timeout cannot be 0");
        }
        if (to > iv)
        {
            return Invalid(before, $"scrape timeout cannot be greater than scrape interval (\"{Echo.Truncate(timeout)}\" > \"{Echo.Truncate(interval)}\")");
        }
        lb.RemoveWhere(static l => l.Name.StartsWith(MetaLabelPrefix, StringComparison.Ordinal));
        if (lb.Get("instance").Length == 0)
        {
            lb.Set("instance", addr);
        }
        var target = lb.Build();
        foreach (var l in target)
        {
            if (!Labels.IsValidLabelName(l.Name))
            {
                return Invalid(before, $"invalid label name \"{Echo.Truncate(l.Name)}\"");
            }
        }
        lb.RemoveWhere(static l => l.Name.StartsWith(ReservedLabelPrefix, StringComparison.Ordinal));
        return new TargetLabelResult(target, lb.Build(), before, null);
    }

    /// <summary>The URL to scrape for a target's labels (<see cref="TargetLabelResult.Target"/>): scheme, address, path and <c>__param_*</c> values.</summary>
    public static Uri ScrapeUrl(Labels target, ScrapeConfig cfg)
    {
        // As Prometheus's Target.URL: a __param_ label replaces the first configured value; keys are sorted.
        var ps = new SortedDictionary<string, List<string>>(StringComparer.Ordinal);
        foreach (var (name, vals) in cfg.Params)
        {
            ps[name] = [.. vals];
        }
        foreach (var l in target)
        {
            if (l.Name.StartsWith(ParamLabelPrefix, StringComparison.Ordinal))
            {
                string name = l.Name.Substring(ParamLabelPrefix.Length);
                if (ps.TryGetValue(name, out var vals) && vals.Count > 0)
                {
                    vals[0] = l.Value;
                }
                else
                {
                    ps[name] = [l.Value];
                }
            }
        }
        var query = new System.Text.StringBuilder();
        foreach (var (name, vals) in ps)
        {
            foreach (string v in vals)
            {
                AppendParam(query, name, v);
            }
        }
        var ub = new UriBuilder(target.Get(SchemeLabel) + "://" + target.Get(AddressLabel))
        {
            Path = target.Get(MetricsPathLabel),
            Query = query.ToString(),
        };
        return ub.Uri;
    }

    private static void AppendParam(System.Text.StringBuilder q, string name, string value)
    {
        if (q.Length > 0)
        {
            q.Append('&');
        }
        q.Append(Uri.EscapeDataString(name)).Append('=').Append(Uri.EscapeDataString(value));
    }

    private static TargetLabelResult Invalid(Labels discovered, string error) => new(null, null, discovered, error);

    private static void SetIfMissing(LabelsBuilder lb, string name, string value)
    {
        if (lb.Get(name).Length == 0)
        {
            lb.Set(name, value);
        }
    }
}
