using System.Text.Json;
using Ariane.Model;
using Ariane.Scrape;
using Ariane.Storage;

namespace Ariane.Server.Api.V1;

/// <summary>Prometheus's series, labels, label values, targets and metadata endpoints.</summary>
public static class MetadataApi
{
    /// <summary>Maps the endpoints onto the app.</summary>
    public static void Map(IEndpointRouteBuilder app, IQuerierSource storage, ScrapeManager scrape)
    {
        var s = new MetadataDeps(storage, scrape);
        app.MapMethods("/api/v1/series", ["GET", "POST"], ctx => Guard(ctx, () => Series(ctx, s)));
        app.MapMethods("/api/v1/labels", ["GET", "POST"], ctx => Guard(ctx, () => LabelNames(ctx, s)));
        app.MapGet("/api/v1/label/{name}/values", ctx => Guard(ctx, () => LabelValues(ctx, s)));
        app.MapGet("/api/v1/targets", ctx => Guard(ctx, () => Targets(ctx, s)));
        app.MapGet("/api/v1/metadata", ctx => Guard(ctx, () => Metadata(ctx, s)));
    }

    /// <summary>Runs a handler and turns <see cref="ApiException"/> and any other failure into Prometheus's error shape (never a bare 500).</summary>
    public static async Task Guard(HttpContext ctx, Func<Task> handler)
    {
        try
        {
            await handler().ConfigureAwait(false);
        }
        catch (ApiException e)
        {
            await ApiResponse.Error(ctx, e.Type, e.Message).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (ctx.RequestAborted.IsCancellationRequested)
        {
        }
        catch (BadHttpRequestException e)
        {
            await ApiResponse.Error(ctx, ApiErrorType.BadData, e.Message).ConfigureAwait(false);
        }
        catch (System.Text.RegularExpressions.RegexMatchTimeoutException e)
        {
            // .NET regexes backtrack where Prometheus's RE2 does not; a pathological pattern times out instead of hanging.
            await ApiResponse.Error(ctx, ApiErrorType.Execution, "regular expression took too long to match: " + e.Pattern).ConfigureAwait(false);
        }
        catch (InsufficientExecutionStackException)
        {
            await ApiResponse.Error(ctx, ApiErrorType.BadData, "invalid parameter \"query\": expression is too deeply nested").ConfigureAwait(false);
        }
        catch (InvalidDataException e)
        {
            await ApiResponse.Error(ctx, ApiErrorType.BadData, e.Message).ConfigureAwait(false);
        }
        catch (Exception e) when (!ctx.Response.HasStarted)
        {
            await ApiResponse.Error(ctx, ApiErrorType.Internal, e.Message).ConfigureAwait(false);
        }
    }

    private static async Task<(long Start, long End)> RangeAsync(HttpContext ctx)
    {
        long start = ApiParams.ParseTime(await ApiParams.GetAsync(ctx, "start").ConfigureAwait(false), "start", ApiParams.MinTimeMs);
        long end = ApiParams.ParseTime(await ApiParams.GetAsync(ctx, "end").ConfigureAwait(false), "end", ApiParams.MaxTimeMs);
        if (end < start)
        {
            throw new ApiException(ApiErrorType.BadData, "invalid parameter \"end\": end timestamp must not be before start time");
        }
        return (start, end);
    }

    private static async Task Series(HttpContext ctx, MetadataDeps s)
    {
        var matches = await ApiParams.GetAllAsync(ctx, "match[]").ConfigureAwait(false);
        if (matches.Count == 0)
        {
            throw new ApiException(ApiErrorType.BadData, "no match[] parameter provided");
        }
        var sets = ApiParams.ParseMatchers(matches);
        var (start, end) = await RangeAsync(ctx).ConfigureAwait(false);
        int limit = ApiParams.ParseLimit(await ApiParams.GetAsync(ctx, "limit").ConfigureAwait(false));
        var found = new HashSet<Labels>();
        using (var q = s.Storage.Querier(start, end))
        {
            foreach (var set in sets)
            {
                var ss = q.Select(false, set);
                while (ss.MoveNext())
                {
                    found.Add(ss.Current.Labels);
                }
            }
        }
        var sorted = new List<Labels>(found);
        sorted.Sort();
        List<string>? warnings = null;
        if (limit > 0 && sorted.Count > limit)
        {
            sorted.RemoveRange(limit, sorted.Count - limit);
            warnings = ["results truncated due to limit"];
        }
        await ApiResponse.Success(ctx, w =>
        {
            w.WriteStartArray();
            foreach (var l in sorted)
            {
                ApiResponse.WriteLabels(w, l);
            }
            w.WriteEndArray();
        }, warnings).ConfigureAwait(false);
    }

    private static async Task LabelNames(HttpContext ctx, MetadataDeps s)
    {
        var sets = ApiParams.ParseMatchers(await ApiParams.GetAllAsync(ctx, "match[]").ConfigureAwait(false));
        var (start, end) = await RangeAsync(ctx).ConfigureAwait(false);
        int limit = ApiParams.ParseLimit(await ApiParams.GetAsync(ctx, "limit").ConfigureAwait(false));
        var names = new SortedSet<string>(StringComparer.Ordinal);
        using (var q = s.Storage.Querier(start, end))
        {
            if (sets.Count == 0)
            {
                names.UnionWith(q.LabelNames());
            }
            foreach (var set in sets)
            {
                names.UnionWith(q.LabelNames(set));
            }
        }
        await WriteStrings(ctx, names, limit).ConfigureAwait(false);
    }

    private static async Task LabelValues(HttpContext ctx, MetadataDeps s)
    {
        string name = (string)ctx.Request.RouteValues["name"]!;
        if (name.StartsWith("U__", StringComparison.Ordinal))
        {
            name = DecodeUtf8LabelName(name);
        }
        if (!Labels.IsValidLabelName(name) && !(name.Length > 0 && System.Text.Unicode.Utf8.IsValid(System.Text.Encoding.UTF8.GetBytes(name))))
        {
            throw new ApiException(ApiErrorType.BadData, $"invalid label name: \"{name}\"");
        }
        var sets = ApiParams.ParseMatchers(await ApiParams.GetAllAsync(ctx, "match[]").ConfigureAwait(false));
        var (start, end) = await RangeAsync(ctx).ConfigureAwait(false);
        int limit = ApiParams.ParseLimit(await ApiParams.GetAsync(ctx, "limit").ConfigureAwait(false));
        var values = new SortedSet<string>(StringComparer.Ordinal);
        using (var q = s.Storage.Querier(start, end))
        {
            if (sets.Count == 0)
            {
                values.UnionWith(q.LabelValues(name));
            }
            foreach (var set in sets)
            {
                values.UnionWith(q.LabelValues(name, set));
            }
        }
        await WriteStrings(ctx, values, limit).ConfigureAwait(false);
    }

    /// <summary>Decodes Prometheus's <c>U__</c> escaping of UTF-8 label names in URL paths (<c>_2e_</c> is '.', <c>__</c> is '_').</summary>
    internal static string DecodeUtf8LabelName(string escaped)
    {
        var s = escaped.AsSpan(3);
        var sb = new System.Text.StringBuilder();
        for (int i = 0; i < s.Length; i++)
        {
            if (s[i] != '_')
            {
                sb.Append(s[i]);
                continue;
            }
            if (i + 1 < s.Length && s[i + 1] == '_')
            {
                sb.Append('_');
                i++;
                continue;
            }
            int end = s[(i + 1)..].IndexOf('_');
            if (end <= 0 || !int.TryParse(s.Slice(i + 1, end), System.Globalization.NumberStyles.HexNumber, null, out int cp)
                || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF))
            {
                return escaped;
            }
            sb.Append(char.ConvertFromUtf32(cp));
            i += end + 1;
        }
        return sb.ToString();
    }

    private static Task WriteStrings(HttpContext ctx, IReadOnlyCollection<string> items, int limit)
    {
        List<string>? warnings = limit > 0 && items.Count > limit ? ["results truncated due to limit"] : null;
        return ApiResponse.Success(ctx, w =>
        {
            w.WriteStartArray();
            int n = 0;
            foreach (var v in items)
            {
                if (limit > 0 && n++ >= limit)
                {
                    break;
                }
                w.WriteStringValue(v);
            }
            w.WriteEndArray();
        }, warnings);
    }

    private static async Task Targets(HttpContext ctx, MetadataDeps s)
    {
        string state = (await ApiParams.GetAsync(ctx, "state").ConfigureAwait(false) ?? "any").ToLowerInvariant();
        if (state is not ("any" or "active" or "dropped"))
        {
            state = "any";
        }
        string? poolFilter = await ApiParams.GetAsync(ctx, "scrapePool").ConfigureAwait(false);
        var pools = new List<ScrapePool>(s.Scrape.Pools);
        pools.Sort((a, b) => string.CompareOrdinal(a.JobName, b.JobName));
        await ApiResponse.Success(ctx, w =>
        {
            w.WriteStartObject();
            w.WriteStartArray("activeTargets"u8);
            if (state is "any" or "active")
            {
                foreach (var pool in pools)
                {
                    if (poolFilter is not null && poolFilter != pool.JobName)
                    {
                        continue;
                    }
                    foreach (var t in pool.ActiveTargets)
                    {
                        WriteTarget(w, t, pool.JobName);
                    }
                }
            }
            w.WriteEndArray();
            w.WriteStartArray("droppedTargets"u8);
            if (state is "any" or "dropped")
            {
                foreach (var pool in pools)
                {
                    if (poolFilter is not null && poolFilter != pool.JobName)
                    {
                        continue;
                    }
                    foreach (var d in pool.DroppedTargets)
                    {
                        w.WriteStartObject();
                        w.WritePropertyName("discoveredLabels"u8);
                        ApiResponse.WriteLabels(w, d.DiscoveredLabels);
                        w.WriteString("scrapePool"u8, d.ScrapePool);
                        w.WriteEndObject();
                    }
                }
            }
            w.WriteEndArray();
            w.WriteStartObject("droppedTargetCounts"u8);
            foreach (var pool in pools)
            {
                w.WriteNumber(pool.JobName, pool.DroppedTargets.Count);
            }
            w.WriteEndObject();
            w.WriteEndObject();
        }).ConfigureAwait(false);
    }

    private static void WriteTarget(Utf8JsonWriter w, ScrapeTarget t, string pool)
    {
        w.WriteStartObject();
        w.WritePropertyName("discoveredLabels"u8);
        ApiResponse.WriteLabels(w, t.DiscoveredLabels);
        w.WritePropertyName("labels"u8);
        ApiResponse.WriteLabels(w, t.Labels);
        w.WriteString("scrapePool"u8, pool);
        w.WriteString("scrapeUrl"u8, t.Url.ToString());
        w.WriteString("globalUrl"u8, t.Url.ToString());
        w.WriteString("lastError"u8, t.LastError);
        w.WriteString("lastScrape"u8, ApiResponse.FormatTime(t.LastScrape));
        w.WriteNumber("lastScrapeDuration"u8, t.LastScrapeDuration.TotalSeconds);
        w.WriteString("health"u8, t.Health switch { TargetHealth.Up => "up", TargetHealth.Down => "down", _ => "unknown" });
        w.WriteString("scrapeInterval"u8, Ariane.Config.PromDuration.Format(t.Interval));
        w.WriteString("scrapeTimeout"u8, Ariane.Config.PromDuration.Format(t.Timeout));
        w.WriteEndObject();
    }

    private static async Task Metadata(HttpContext ctx, MetadataDeps s)
    {
        int limit = ApiParams.ParseLimit(await ApiParams.GetAsync(ctx, "limit").ConfigureAwait(false));
        string? perMetricText = await ApiParams.GetAsync(ctx, "limit_per_metric").ConfigureAwait(false);
        int perMetric = string.IsNullOrEmpty(perMetricText) ? 0 : ApiParams.ParseLimit(perMetricText);
        string? metric = await ApiParams.GetAsync(ctx, "metric").ConfigureAwait(false);
        var all = new SortedDictionary<string, List<MetricMetadata>>(StringComparer.Ordinal);
        foreach (var pool in s.Scrape.Pools)
        {
            foreach (var t in pool.ActiveTargets)
            {
                foreach (var (name, md) in t.Metadata)
                {
                    if (!string.IsNullOrEmpty(metric) && name != metric)
                    {
                        continue;
                    }
                    if (!all.TryGetValue(name, out var list))
                    {
                        all[name] = list = [];
                    }
                    if (!list.Contains(md))
                    {
                        list.Add(md);
                    }
                }
            }
        }
        await ApiResponse.Success(ctx, w =>
        {
            w.WriteStartObject();
            int n = 0;
            foreach (var (name, list) in all)
            {
                if (limit > 0 && n++ >= limit)
                {
                    break;
                }
                w.WriteStartArray(name);
                int k = 0;
                foreach (var md in list)
                {
                    if (perMetric > 0 && k++ >= perMetric)
                    {
                        break;
                    }
                    w.WriteStartObject();
                    w.WriteString("type"u8, md.Type);
                    w.WriteString("help"u8, md.Help);
                    w.WriteString("unit"u8, md.Unit);
                    w.WriteEndObject();
                }
                w.WriteEndArray();
            }
            w.WriteEndObject();
        }).ConfigureAwait(false);
    }
}

/// <summary>What the metadata endpoints use: queriers and the scrape pools (targets, their metadata).</summary>
internal sealed record MetadataDeps(IQuerierSource Storage, ScrapeManager Scrape);
