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
