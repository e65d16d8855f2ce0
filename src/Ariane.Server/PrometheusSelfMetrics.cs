using System.Collections.Concurrent;
using System.Globalization;
using Ariane.Discovery;
using Ariane.Exposition;
using Ariane.Scrape;
using Ariane.Server.Api.V1;
using Ariane.Storage;

namespace Ariane.Server;

/// <summary>
/// HTTP requests served, by handler (the route pattern, so the label set stays bounded whatever the URLs) and status
/// code: <c>prometheus_http_requests_total</c> and <c>prometheus_http_request_duration_seconds</c>, as Prometheus's
/// web handler instruments itself. (Prometheus's <c>prometheus_http_response_size_bytes</c> is left out: most answers
/// are streamed without a known length, and a histogram of zeros would mislead.)
/// </summary>
public sealed class HttpRequestMetrics
{
    // Prometheus's buckets for these two histograms (web/web.go).
    private static readonly double[] DurationBuckets = [0.1, 0.2, 0.4, 1, 3, 8, 20, 60, 120];

    private readonly ConcurrentDictionary<(string Handler, int Code), long[]> _requests = new();
    private readonly ConcurrentDictionary<string, FixedHistogram> _byHandler = new(StringComparer.Ordinal);

    /// <summary>Records one answered request.</summary>
    public void Observe(string handler, int code, TimeSpan took)
    {
        var counter = _requests.GetOrAdd((handler, code), static _ => new long[1]);
        Interlocked.Increment(ref counter[0]);
        _byHandler.GetOrAdd(handler, static _ => new FixedHistogram(DurationBuckets)).Observe(took.TotalSeconds);
    }

    /// <summary>The handler label for a route pattern: Prometheus spells route parameters <c>:name</c>, ASP.NET <c>{name}</c>.</summary>
    public static string HandlerLabel(string? pattern)
    {
        if (string.IsNullOrEmpty(pattern))
        {
            return "other";
        }
        var sb = new System.Text.StringBuilder(pattern.Length);
        for (int i = 0; i < pattern.Length; i++)
        {
            if (pattern[i] == '{')
            {
                int end = pattern.IndexOf('}', i);
                if (end > i)
                {
                    sb.Append(':').Append(pattern, i + 1, end - i - 1);
                    i = end;
                    continue;
                }
            }
            sb.Append(pattern[i]);
        }
        return sb.ToString();
    }

    /// <summary>Writes both families.</summary>
    public void Write(TextExpositionWriter w)
    {
        var keys = new List<(string Handler, int Code)>(_requests.Keys);
        keys.Sort((a, b) => a.Handler != b.Handler ? string.CompareOrdinal(a.Handler, b.Handler) : a.Code.CompareTo(b.Code));
        w.Family("prometheus_http_requests_total", "counter", "Counter of HTTP requests.");
        foreach (var k in keys)
        {
            w.Sample("prometheus_http_requests_total", ["code", "handler"], [k.Code.ToString(CultureInfo.InvariantCulture), k.Handler],
                Interlocked.Read(ref _requests[k][0]));
        }
        var handlers = new List<string>(_byHandler.Keys);
        handlers.Sort(StringComparer.Ordinal);
        w.Family("prometheus_http_request_duration_seconds", "histogram", "Histogram of latencies for HTTP requests.");
        foreach (var h in handlers)
        {
            _byHandler[h].Write(w, "prometheus_http_request_duration_seconds", ["handler"], [h]);
        }
    }
}

/// <summary>
/// The query engine's timings by phase (<c>prometheus_engine_query_duration_seconds{slice}</c>: queue_time,
/// prepare_time, inner_eval, result_sort) and its load (<c>prometheus_engine_queries</c>), as Prometheus's engine.
/// </summary>
public sealed class EngineMetrics
{
    private static readonly string[] Slices = ["inner_eval", "prepare_time", "queue_time", "result_sort"];
    private static readonly double[] Quantiles = [0.5, 0.9, 0.99];
    private readonly SlidingSummary[] _slices = [new(), new(), new(), new()];
    private long _running;

    /// <summary>Queries running or waiting for a slot now.</summary>
    public long Running => Interlocked.Read(ref _running);

    /// <summary>Marks a query as started (running or queued).</summary>
    public void Begin() => Interlocked.Increment(ref _running);

    /// <summary>Marks a query as done.</summary>
    public void End() => Interlocked.Decrement(ref _running);

    /// <summary>Records one evaluated query's phases.</summary>
    public void Observe(TimeSpan queue, TimeSpan prepare, TimeSpan innerEval, TimeSpan resultSort, long nowMs)
    {
        _slices[0].Observe(innerEval.TotalSeconds, nowMs);
        _slices[1].Observe(prepare.TotalSeconds, nowMs);
        _slices[2].Observe(queue.TotalSeconds, nowMs);
        _slices[3].Observe(resultSort.TotalSeconds, nowMs);
    }

    /// <summary>Writes the engine's families.</summary>
    public void Write(TextExpositionWriter w, int maxConcurrency, long nowMs)
    {
        w.Family("prometheus_engine_query_duration_seconds", "summary", "Query timings");
        for (int i = 0; i < Slices.Length; i++)
        {
            _slices[i].Write(w, "prometheus_engine_query_duration_seconds", ["slice"], [Slices[i]], Quantiles, nowMs);
        }
        w.Single("prometheus_engine_queries", "gauge", "The current number of queries being executed or waiting.", Running);
        w.Single("prometheus_engine_queries_concurrent_max", "gauge", "The max number of concurrent queries.", maxConcurrency);
    }
}

/// <summary>
/// Ariane's own metrics under the <c>prometheus_*</c> names that Prometheus uses for the same things, so that the
/// Prometheus mixin's alerts and the kube-prometheus "Prometheus / Overview" dashboard find their series. A family is
/// written only where Ariane has the thing it measures; zero-valued families stand for events Ariane's design cannot
/// produce yet but whose absence would make an alert or panel silently useless (each says so below).
/// </summary>
internal static class PrometheusSelfMetrics
{
    private static readonly double[] IntervalQuantiles = [0.01, 0.05, 0.5, 0.9, 0.99];
    private static readonly double[] SyncQuantiles = [0.01, 0.05, 0.5, 0.9, 0.99];

    /// <summary>The server's build, configuration and readiness under Prometheus's names.</summary>
    public static void WriteServer(TextExpositionWriter w, ServerState s)
    {
        w.Family("prometheus_build_info", "gauge", "A metric with a constant '1' value labeled by version, revision, branch, goversion from which prometheus was built, and the goos and goarch for the build.");
        w.Sample("prometheus_build_info", ["branch", "goarch", "goos", "goversion", "revision", "version"],
            [BuildInfo.Branch, System.Runtime.InteropServices.RuntimeInformation.OSArchitecture.ToString().ToLowerInvariant() switch { "x64" => "amd64", var a => a },
             "linux", "dotnet" + Environment.Version, BuildInfo.Revision, StatusApi.Version], 1);

        w.Single("prometheus_config_last_reload_successful", "gauge", "Whether the last configuration reload attempt was successful.", s.LastReloadSuccess ? 1 : 0);
        w.Single("prometheus_config_last_reload_success_timestamp_seconds", "gauge", "Timestamp of the last successful configuration reload.", s.LastConfigTime.ToUnixTimeMilliseconds() / 1000.0);
        w.Single("prometheus_ready", "gauge", "Whether Prometheus startup was fully completed and the server is ready for normal operation.", s.Ready ? 1 : 0);
    }

    /// <summary>The database's figures under Prometheus's names (<c>prometheus_tsdb_*</c>).</summary>
    public static void WriteTsdb(TextExpositionWriter w, TsdbStats db)
    {
        w.Single("prometheus_tsdb_head_series", "gauge", "Total number of series in the head block.", db.HeadSeries);
        w.Single("prometheus_tsdb_head_series_created_total", "counter", "Total number of series created in the head", db.SeriesCreated);
        w.Single("prometheus_tsdb_head_chunks", "gauge", "Total number of chunks in the head block.", db.HeadChunks);
        w.Family("prometheus_tsdb_head_samples_appended_total", "counter", "Total number of appended samples.");
        w.Sample("prometheus_tsdb_head_samples_appended_total", ["type"], ["float"], db.SamplesAppended);
        w.Single("prometheus_tsdb_head_min_time", "gauge", "Minimum time bound of the head block.", db.HeadMinTime);
        w.Single("prometheus_tsdb_head_max_time", "gauge", "Maximum timestamp of the head block.", db.HeadMaxTime);
        w.Family("prometheus_tsdb_out_of_order_samples_total", "counter", "Total number of out of order samples ingestion failed attempts due to out of order being disabled.");
        w.Sample("prometheus_tsdb_out_of_order_samples_total", ["type"], ["float"], db.OutOfOrderSamples);
        w.Family("prometheus_tsdb_out_of_bound_samples_total", "counter", "Total number of out of bound samples ingestion failed attempts with out of order support disabled.");
        w.Sample("prometheus_tsdb_out_of_bound_samples_total", ["type"], ["float"], db.OutOfBoundsSamples);
        w.Family("prometheus_tsdb_too_old_samples_total", "counter", "Total number of out of order samples ingestion failed attempts with out of support enabled, but sample outside of time window.");
        w.Sample("prometheus_tsdb_too_old_samples_total", ["type"], ["float"], db.TooOldSamples);
        w.Single("prometheus_tsdb_head_truncations_total", "counter", "Total number of head truncations attempted.", db.HeadTruncations);
        w.Single("prometheus_tsdb_compactions_total", "counter", "Total number of compactions that were executed for the partition.", db.Compactions);
        w.Single("prometheus_tsdb_compactions_failed_total", "counter", "Total number of compactions that failed for the partition.", db.CompactionsFailed);
        // Ariane changes its block list in memory as it writes, compacts or deletes blocks; it never re-reads the
        // folder at run time, which is the "reload" that can fail in Prometheus. Both counters are kept so that the
        // mixin's PrometheusTSDBReloadsFailing alert has its series (and stays quiet for the right reason).
        w.Single("prometheus_tsdb_reloads_total", "counter", "Number of times the database reloaded block data from disk.", 1 + db.Compactions + db.HeadTruncations + db.TimeRetentions + db.SizeRetentions);
        w.Single("prometheus_tsdb_reloads_failures_total", "counter", "Number of times the database failed to reloadBlocks block data from disk.", 0);
        w.Single("prometheus_tsdb_blocks_loaded", "gauge", "Number of currently loaded data blocks", db.BlocksLoaded);
        w.Single("prometheus_tsdb_storage_blocks_bytes", "gauge", "The number of bytes that are currently used for local storage by all blocks.", db.BlockBytes);
        w.Single("prometheus_tsdb_lowest_timestamp", "gauge", "Lowest timestamp value stored in the database. The unit is decided by the library consumer.", db.LowestTimestamp);
        w.Single("prometheus_tsdb_time_retentions_total", "counter", "The number of times that blocks were deleted because the maximum time limit was exceeded.", db.TimeRetentions);
        w.Single("prometheus_tsdb_size_retentions_total", "counter", "The number of times that blocks were deleted because the maximum number of bytes was exceeded.", db.SizeRetentions);
        w.Single("prometheus_tsdb_checkpoint_creations_total", "counter", "Total number of checkpoint creations attempted.", db.Checkpoints);
        w.Single("prometheus_tsdb_wal_corruptions_total", "counter", "Total number of WAL corruptions.", db.WalCorruptionsRepaired);
        w.Single("prometheus_tsdb_wal_writes_failed_total", "counter", "Total number of write log writes that failed.", db.WalWriteFailures);
        w.Family("prometheus_tsdb_wal_fsync_duration_seconds", "summary", "Duration of write log fsync.");
        // Ariane counts fsyncs but does not time them; the count is what rate() over the family's _count reads.
        w.Sample("prometheus_tsdb_wal_fsync_duration_seconds_sum", 0);
        w.Sample("prometheus_tsdb_wal_fsync_duration_seconds_count", db.WalFsyncs);
        w.Single("prometheus_tsdb_wal_storage_size_bytes", "gauge", "Size of the write log directory.", db.WalSizeBytes);
    }

    /// <summary>Scrape pools, targets and discovery under Prometheus's names (<c>prometheus_target_*</c>, <c>prometheus_sd_*</c>).</summary>
    public static void WriteScrape(TextExpositionWriter w, ScrapeManager scrape, long now)
    {
        var pools = new List<ScrapePool>(scrape.Pools);
        pools.Sort((a, b) => string.CompareOrdinal(a.JobName, b.JobName));

        w.Family("prometheus_target_interval_length_seconds", "summary", "Actual intervals between scrapes.");
        var intervals = new List<string>(ScrapeMetrics.Intervals.Keys);
        intervals.Sort(StringComparer.Ordinal);
        foreach (var i in intervals)
        {
            ScrapeMetrics.Intervals[i].Write(w, "prometheus_target_interval_length_seconds", ["interval"], [i], IntervalQuantiles, now);
        }
        w.Family("prometheus_target_sync_length_seconds", "summary", "Actual interval to sync the scrape pool.");
        foreach (var p in pools)
        {
            if (ScrapeMetrics.SyncLength.TryGetValue(p.JobName, out var sum))
            {
                sum.Write(w, "prometheus_target_sync_length_seconds", ["scrape_job"], [p.JobName], SyncQuantiles, now);
            }
        }
        // Ariane validates every job when the configuration loads, so a pool never fails to sync at run time; the
        // counter exists, at zero, for the mixin's PrometheusTargetSyncFailure alert.
        w.Family("prometheus_target_sync_failed_total", "counter", "Total number of target sync failures.");
        foreach (var p in pools)
        {
            w.Sample("prometheus_target_sync_failed_total", "scrape_job", p.JobName, 0);
        }
        w.Single("prometheus_target_scrape_pools_total", "counter", "Total number of scrape pool creation attempts.", pools.Count);
        w.Single("prometheus_target_scrape_pools_failed_total", "counter", "Total number of scrape pool creations that failed.", 0);
        w.Family("prometheus_target_scrape_pool_targets", "gauge", "Current number of targets in this scrape pool.");
        var active = new List<IReadOnlyList<ScrapeTarget>>(pools.Count);
        foreach (var p in pools)
        {
            var targets = p.ActiveTargets;
            active.Add(targets);
            w.Sample("prometheus_target_scrape_pool_targets", "scrape_job", p.JobName, targets.Count);
        }
        w.Family("prometheus_target_metadata_cache_entries", "gauge", "Total number of metric metadata entries in the cache");
        for (int i = 0; i < pools.Count; i++)
        {
            long entries = 0;
            foreach (var t in active[i])
            {
                entries += t.Metadata.Count;
            }
            w.Sample("prometheus_target_metadata_cache_entries", "scrape_job", pools[i].JobName, entries);
        }
        // target_limit is not enforced yet, so no pool is ever over it (see docs/configuration.md).
        w.Single("prometheus_target_scrape_pool_exceeded_target_limit_total", "counter", "Total number of times scrape pools hit the target limit, during sync or config reload.", 0);
        w.Single("prometheus_target_scrape_pool_exceeded_label_limits_total", "counter", "Total number of times scrape pools hit the label limits, during sync or config reload.", ScrapeMetrics.ExceededLabelLimits);
        w.Single("prometheus_target_scrapes_exceeded_sample_limit_total", "counter", "Total number of scrapes that hit the sample limit and were rejected.", ScrapeMetrics.ExceededSampleLimit);
        w.Single("prometheus_target_scrapes_exceeded_body_size_limit_total", "counter", "Total number of scrapes that hit the body size limit", ScrapeMetrics.ExceededBodySizeLimit);
        w.Single("prometheus_target_scrapes_sample_duplicate_timestamp_total", "counter", "Total number of samples rejected due to duplicate timestamps but different values.", ScrapeMetrics.SampleDuplicateTimestamp);
        w.Single("prometheus_target_scrapes_sample_out_of_bounds_total", "counter", "Total number of samples rejected due to timestamp falling outside of the time bounds.", ScrapeMetrics.SampleOutOfBounds);
        w.Single("prometheus_target_scrapes_sample_out_of_order_total", "counter", "Total number of samples rejected due to not being out of the expected order.", ScrapeMetrics.SampleOutOfOrder);
    }

    /// <summary>
    /// Service discovery under Prometheus's names (<c>prometheus_sd_*</c>): the "scrape" manager, whose configs are the
    /// jobs, as Prometheus labels them; a job's count is every target its providers report (before relabelling).
    /// </summary>
    public static void WriteDiscovery(TextExpositionWriter w, DiscoveryManager scrape)
    {
        w.Family("prometheus_sd_discovered_targets", "gauge", "Current number of discovered targets.");
        foreach (var (job, n) in scrape.DiscoveredTargets())
        {
            w.Sample("prometheus_sd_discovered_targets", ["config", "name"], [job, scrape.Name], n);
        }
        w.Family("prometheus_sd_failed_configs", "gauge", "Current number of service discovery configurations that failed to load.");
        w.Sample("prometheus_sd_failed_configs", "name", scrape.Name, 0);
        // Static and file discovery do not refresh over the network; a file that cannot be read is logged and keeps
        // its last targets. The counter is there, at zero, for the mixin's PrometheusSDRefreshFailure alert.
        w.Family("prometheus_sd_refresh_failures_total", "counter", "Number of refresh failures for the given SD mechanism.");
        w.Sample("prometheus_sd_refresh_failures_total", ["config", "mechanism"], [scrape.Name, "file"], 0);
    }
}
