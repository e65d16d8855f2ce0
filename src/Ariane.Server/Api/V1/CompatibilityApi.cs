using System.Globalization;
using System.Text.Json;
using Ariane.Model;
using Ariane.PromQL.Parser;
using Ariane.Scrape;
using Ariane.Server.Cli;

namespace Ariane.Server.Api.V1;

/// <summary>
/// Prometheus endpoints that clients (Grafana, the Prometheus UI, promtool, exporters' tooling) call and that Ariane
/// answers from the state it has: target metadata, scrape pools, the WAL replay status, exemplars (none are stored
/// yet, so always empty) and Alertmanagers (none until alerting exists).
/// </summary>
public static class CompatibilityApi
{
    /// <summary>Maps the endpoints onto the app.</summary>
    public static void Map(IEndpointRouteBuilder app, ScrapeManager scrape, ServeOptions options)
    {
        var s = new CompatibilityDeps(scrape, options);
        app.MapGet("/api/v1/targets/metadata", ctx => MetadataApi.Guard(ctx, () => TargetMetadata(ctx, s)));
        app.MapGet("/api/v1/scrape_pools", ctx => MetadataApi.Guard(ctx, () => ScrapePools(ctx, s)));
        app.MapGet("/api/v1/targets/relabel_steps", ctx => MetadataApi.Guard(ctx, () => RelabelSteps(ctx, s)));
        app.MapGet("/api/v1/status/walreplay", ctx => MetadataApi.Guard(ctx, () => WalReplay(ctx, s)));
        app.MapMethods("/api/v1/query_exemplars", ["GET", "POST"], ctx => MetadataApi.Guard(ctx, () => QueryExemplars(ctx)));
        app.MapGet("/api/v1/alertmanagers", ctx => MetadataApi.Guard(ctx, () => ApiResponse.Success(ctx, w =>
        {
            w.WriteStartObject();
            w.WriteStartArray("activeAlertmanagers"u8);
            w.WriteEndArray();
            w.WriteStartArray("droppedAlertmanagers"u8);
            w.WriteEndArray();
            w.WriteEndObject();
        })));
    }

    /// <summary>
    /// /api/v1/targets/metadata: the metadata each active target exposed at its last scrape, one entry per (target,
    /// metric), filtered by <c>match_target</c> (a selector over the target's labels) and <c>metric</c>, at most
    /// <c>limit</c> entries (as Prometheus, the limit is checked per target, so it is never cut inside a target's list).
    /// </summary>
    private static async Task TargetMetadata(HttpContext ctx, CompatibilityDeps s)
    {
        int limit = -1;
        string? limitText = await ApiParams.GetAsync(ctx, "limit").ConfigureAwait(false);
        if (!string.IsNullOrEmpty(limitText) && !int.TryParse(limitText, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out limit))
        {
            throw new ApiException(ApiErrorType.BadData, "limit must be a number");
        }
        string matchTarget = await ApiParams.GetAsync(ctx, "match_target").ConfigureAwait(false) ?? "";
        LabelMatcher[] matchers = [];
        if (matchTarget.Length > 0)
        {
            try
            {
                matchers = SelectorParser.Parse(matchTarget);
            }
            catch (PromQLParseException e)
            {
                throw new ApiException(ApiErrorType.BadData, "invalid parameter \"match_target\": " + e.Message);
            }
        }
        string metric = await ApiParams.GetAsync(ctx, "metric").ConfigureAwait(false) ?? "";
        var pools = new List<ScrapePool>(s.Scrape.Pools);
        pools.Sort((a, b) => string.CompareOrdinal(a.JobName, b.JobName));
        await ApiResponse.Success(ctx, w =>
        {
            w.WriteStartArray();
            int n = 0;
            foreach (var pool in pools)
            {
                foreach (var t in pool.ActiveTargets)
                {
                    if (limit >= 0 && n >= limit)
                    {
                        break;
                    }
                    if (!MatchesAll(t.Labels, matchers))
                    {
                        continue;
                    }
                    var md = t.Metadata;
                    if (metric.Length > 0)
                    {
                        if (md.TryGetValue(metric, out var one))
                        {
                            WriteEntry(w, t.Labels, null, one);
                            n++;
                        }
                        continue;
                    }
                    var names = new List<string>(md.Keys);
                    names.Sort(StringComparer.Ordinal);
                    foreach (var name in names)
                    {
                        WriteEntry(w, t.Labels, name, md[name]);
                        n++;
                    }
                }
            }
            w.WriteEndArray();
        }).ConfigureAwait(false);
    }

    private static bool MatchesAll(Labels labels, LabelMatcher[] matchers)
    {
        foreach (var m in matchers)
        {
            if (!m.Matches(labels.Get(m.Name)))
            {
                return false;
            }
        }
        return true;
    }

    private static void WriteEntry(Utf8JsonWriter w, Labels target, string? metric, MetricMetadata md)
    {
        w.WriteStartObject();
        w.WritePropertyName("target"u8);
        ApiResponse.WriteLabels(w, target);
        if (metric is not null)
        {
            w.WriteString("metric"u8, metric);
        }
        w.WriteString("type"u8, md.Type);
        w.WriteString("help"u8, md.Help);
        w.WriteString("unit"u8, md.Unit);
        w.WriteEndObject();
    }

    private static Task ScrapePools(HttpContext ctx, CompatibilityDeps s)
    {
        var names = new List<string>();
        foreach (var pool in s.Scrape.Pools)
        {
            names.Add(pool.JobName);
        }
        names.Sort(StringComparer.Ordinal);
        return ApiResponse.Success(ctx, w =>
        {
            w.WriteStartObject();
            w.WriteStartArray("scrapePools"u8);
            foreach (var n in names)
            {
                w.WriteStringValue(n);
            }
            w.WriteEndArray();
            w.WriteEndObject();
        });
    }

    /// <summary>
    /// /api/v1/targets/relabel_steps?scrapePool=&lt;job&gt;&amp;labels=&lt;JSON object&gt;: runs the pool's
    /// <c>relabel_configs</c> on the given labels (a target's discovered labels, as <c>/api/v1/targets</c> lists them)
    /// one rule at a time and answers, as Prometheus 3 does, <c>{"steps": [{"rule": {...}, "output": {labels},
    /// "keep": bool}]}</c>, one entry per rule; from the rule that drops the target on, <c>keep</c> is false and
    /// <c>output</c> empty. The service-discovery page shows with it which rule dropped a target.
    /// </summary>
    private static async Task RelabelSteps(HttpContext ctx, CompatibilityDeps s)
    {
        string poolName = await ApiParams.GetAsync(ctx, "scrapePool").ConfigureAwait(false) ?? "";
        if (poolName.Length == 0)
        {
            throw new ApiException(ApiErrorType.BadData, "no scrapePool parameter provided");
        }
        string labelsText = await ApiParams.GetAsync(ctx, "labels").ConfigureAwait(false) ?? "";
        if (labelsText.Length == 0)
        {
            throw new ApiException(ApiErrorType.BadData, "no labels parameter provided");
        }
        Labels input = ParseLabelsObject(labelsText);
        ScrapePool? pool = null;
        foreach (var p in s.Scrape.Pools)
        {
            if (p.JobName == poolName)
            {
                pool = p;
                break;
            }
        }
        if (pool is null)
        {
            throw new ApiException(ApiErrorType.BadData, $"error retrieving scrape config: scrape pool \"{Echo.Truncate(poolName)}\" not found");
        }
        var steps = Ariane.Relabel.Relabeler.Steps(input, pool.Config.RelabelConfigs);
        await ApiResponse.Success(ctx, w =>
        {
            w.WriteStartObject();
            w.WriteStartArray("steps"u8);
            foreach (var step in steps)
            {
                w.WriteStartObject();
                w.WritePropertyName("rule"u8);
                WriteRelabelRule(w, step.Rule);
                w.WritePropertyName("output"u8);
                ApiResponse.WriteLabels(w, step.Output);
                w.WriteBoolean("keep"u8, step.Keep);
                w.WriteEndObject();
            }
            w.WriteEndArray();
            w.WriteEndObject();
        }).ConfigureAwait(false);
    }

    /// <summary>Reads a JSON object of label names to string values (the <c>labels</c> parameter of relabel_steps).</summary>
    internal static Labels ParseLabelsObject(string text)
    {
        JsonDocument doc;
        try
        {
            doc = JsonDocument.Parse(text);
        }
        catch (JsonException e)
        {
            throw new ApiException(ApiErrorType.BadData, "error parsing labels: " + e.Message);
        }
        using (doc)
        {
            if (doc.RootElement.ValueKind != JsonValueKind.Object)
            {
                throw new ApiException(ApiErrorType.BadData, "error parsing labels: expected a JSON object of label names to string values");
            }
            var b = new LabelsBuilder();
            foreach (var p in doc.RootElement.EnumerateObject())
            {
                if (p.Value.ValueKind != JsonValueKind.String)
                {
                    throw new ApiException(ApiErrorType.BadData, $"error parsing labels: the value of \"{Echo.Truncate(p.Name)}\" is not a string");
                }
                b.Set(p.Name, p.Value.GetString()!);
            }
            return b.Build();
        }
    }

    /// <summary>
    /// One relabel rule as Prometheus 3 writes it in JSON: the YAML field names; <c>source_labels</c>, <c>modulus</c>
    /// and <c>target_label</c> left out when empty, the others always written.
    /// </summary>
    private static void WriteRelabelRule(Utf8JsonWriter w, Ariane.Relabel.RelabelConfig r)
    {
        w.WriteStartObject();
        if (r.SourceLabels.Count > 0)
        {
            w.WriteStartArray("source_labels"u8);
            foreach (var l in r.SourceLabels)
            {
                w.WriteStringValue(l);
            }
            w.WriteEndArray();
        }
        w.WriteString("separator"u8, r.Separator);
        w.WriteString("regex"u8, r.Regex);
        if (r.Modulus != 0)
        {
            w.WriteNumber("modulus"u8, r.Modulus);
        }
        if (r.TargetLabel.Length > 0)
        {
            w.WriteString("target_label"u8, r.TargetLabel);
        }
        w.WriteString("replacement"u8, r.Replacement);
        w.WriteString("action"u8, Ariane.Relabel.RelabelConfig.ActionName(r.Action));
        w.WriteEndObject();
    }

    /// <summary>
    /// /api/v1/status/walreplay: the first and last WAL segment and the one being replayed. The server answers only
    /// after the replay has finished, so <c>current</c> is always <c>max</c>, as Prometheus reports once it is done.
    /// </summary>
    private static Task WalReplay(HttpContext ctx, CompatibilityDeps s)
    {
        int min = 0, max = 0;
        bool any = false;
        string dir = Path.Combine(Path.GetFullPath(s.Options.StoragePath), "wal");
        if (Directory.Exists(dir))
        {
            foreach (var path in Directory.EnumerateFiles(dir))
            {
                string name = Path.GetFileName(path);
                if (name.Length == 8 && int.TryParse(name, NumberStyles.None, CultureInfo.InvariantCulture, out int seg))
                {
                    min = any ? Math.Min(min, seg) : seg;
                    max = any ? Math.Max(max, seg) : seg;
                    any = true;
                }
            }
        }
        return ApiResponse.Success(ctx, w =>
        {
            w.WriteStartObject();
            w.WriteNumber("min"u8, min);
            w.WriteNumber("max"u8, max);
            w.WriteNumber("current"u8, max);
            w.WriteEndObject();
        });
    }

    /// <summary>
    /// /api/v1/query_exemplars: validates start, end and query as Prometheus does, then answers an empty list, as
    /// Ariane does not store exemplars yet.
    /// </summary>
    private static async Task QueryExemplars(HttpContext ctx)
    {
        long start = ApiParams.ParseTime(await ApiParams.GetAsync(ctx, "start").ConfigureAwait(false), "start", ApiParams.MinTimeMs);
        long end = ApiParams.ParseTime(await ApiParams.GetAsync(ctx, "end").ConfigureAwait(false), "end", ApiParams.MaxTimeMs);
        if (end < start)
        {
            throw new ApiException(ApiErrorType.BadData, "end timestamp must not be before start timestamp");
        }
        string query = await ApiParams.GetAsync(ctx, "query").ConfigureAwait(false) ?? "";
        try
        {
            _ = PromQLParser.Parse(query);
        }
        catch (PromQLParseException e)
        {
            throw new ApiException(ApiErrorType.BadData, e.Message);
        }
        await ApiResponse.Success(ctx, w =>
        {
            w.WriteStartArray();
            w.WriteEndArray();
        }).ConfigureAwait(false);
    }
}

/// <summary>What the compatibility endpoints use: the scrape pools and the command-line settings.</summary>
internal sealed record CompatibilityDeps(ScrapeManager Scrape, ServeOptions Options);
