using System.Diagnostics;
using Ariane.Exposition;
using Ariane.Host;
using Ariane.Scrape;
using Ariane.Server.Api.V1;
using Ariane.Server.Modules;
using Ariane.Storage;

namespace Ariane.Server;

/// <summary>
/// Serves Ariane's own metrics at /metrics (every module's collector: ariane_*, prometheus_*, process_*, dotnet_*) and
/// the host's at /node/metrics (node_exporter's names), both in Prometheus text format; holds the writers of the
/// ariane_* families the modules call.
/// </summary>
public static class MetricsEndpoints
{
    /// <summary>
    /// Maps <c>/metrics</c>: every module's collector, in the modules' start order (each writes whole families, so the
    /// families of different modules never interleave).
    /// </summary>
    public static void Map(IEndpointRouteBuilder app, IReadOnlyList<IServerModule> modules)
    {
        app.MapGet("/metrics", async ctx =>
        {
            ctx.Response.ContentType = TextExpositionWriter.ContentType;
            var w = new TextExpositionWriter(ctx.Response.BodyWriter);
            foreach (var m in modules)
            {
                m.WriteMetrics(w);
            }
            await ctx.Response.BodyWriter.FlushAsync(ctx.RequestAborted).ConfigureAwait(false);
        });
    }

    /// <summary>Maps <c>/node/metrics</c>: the host's figures under node_exporter's names.</summary>
    public static void MapNode(IEndpointRouteBuilder app, TimeProvider time)
    {
        var host = new HostCollector(time);
        app.MapGet("/node/metrics", async ctx =>
        {
            ctx.Response.ContentType = TextExpositionWriter.ContentType;
            host.WriteTo(ctx.Response.BodyWriter);
            await ctx.Response.BodyWriter.FlushAsync(ctx.RequestAborted).ConfigureAwait(false);
        });
    }

    /// <summary>The server's own build and configuration state (<c>ariane_build_info</c>, <c>ariane_config_*</c>).</summary>
    internal static void WriteServer(TextExpositionWriter w, ServerState s)
    {
        w.Family("ariane_build_info", "gauge", "A metric with a constant '1' value labeled by version, revision, branch and runtime version.");
        w.Sample("ariane_build_info", ["version", "revision", "branch", "goversion"],
            [StatusApi.Version, BuildInfo.Revision, BuildInfo.Branch, "dotnet" + Environment.Version], 1);
        w.Single("ariane_config_last_reload_successful", "gauge", "Whether the last configuration reload attempt was successful.", s.LastReloadSuccess ? 1 : 0);
        w.Single("ariane_config_last_reload_success_timestamp_seconds", "gauge", "Timestamp of the last successful configuration reload.", s.LastConfigTime.ToUnixTimeMilliseconds() / 1000.0);
    }

    /// <summary>The database's figures under Ariane's names (<c>ariane_tsdb_*</c>).</summary>
    internal static void WriteTsdb(TextExpositionWriter w, TsdbStats db)
    {
        w.Single("ariane_tsdb_head_series", "gauge", "Total number of series in the head block.", db.HeadSeries);
        w.Single("ariane_tsdb_head_series_created_total", "counter", "Total number of series created in the head.", db.SeriesCreated);
        w.Single("ariane_tsdb_head_samples_appended_total", "counter", "Total number of appended samples.", db.SamplesAppended);
        w.Single("ariane_tsdb_out_of_order_samples_total", "counter", "Total number of out of order samples refused.", db.OutOfOrderSamples);
        w.Single("ariane_tsdb_duplicate_samples_total", "counter", "Total number of samples refused for a duplicate timestamp with another value.", db.DuplicateSamples);
        w.Single("ariane_tsdb_head_min_time", "gauge", "Minimum time bound of the head block (ms).", db.HeadMinTime);
        w.Single("ariane_tsdb_head_max_time", "gauge", "Maximum timestamp of the head block (ms).", db.HeadMaxTime);
        w.Single("ariane_tsdb_wal_fsync_total", "counter", "Total number of WAL fsyncs.", db.WalFsyncs);
        w.Single("ariane_tsdb_wal_written_bytes_total", "counter", "Total bytes written to the WAL.", db.WalBytesWritten);
        w.Single("ariane_tsdb_wal_corruptions_total", "counter", "Total number of WAL corruptions repaired at start-up.", db.WalCorruptionsRepaired);
        w.Single("ariane_tsdb_out_of_bound_samples_total", "counter", "Total number of samples refused for being older than the head's minimum valid time (already in blocks).", db.OutOfBoundsSamples);
        w.Single("ariane_tsdb_too_far_in_future_samples_total", "counter", "Total number of samples refused for being further ahead of the clock than --storage.tsdb.max-future-time.", db.TooFarInFutureSamples);
        w.Single("ariane_tsdb_wal_writes_failed_total", "counter", "Total number of commits refused because the WAL could not be written (full or failing disk).", db.WalWriteFailures);
        w.Single("ariane_tsdb_head_out_of_order_samples_appended_total", "counter", "Total number of appended out-of-order samples (within the out-of-order window).", db.OutOfOrderSamplesAppended);
        w.Single("ariane_tsdb_too_old_samples_total", "counter", "Total number of out-of-order samples refused for being older than the out-of-order window.", db.TooOldSamples);
        w.Single("ariane_tsdb_checkpoint_creations_total", "counter", "Total number of WAL checkpoints created.", db.Checkpoints);

        w.Single("ariane_tsdb_blocks_loaded", "gauge", "Number of currently loaded data blocks.", db.BlocksLoaded);
        w.Single("ariane_tsdb_storage_blocks_bytes", "gauge", "The number of bytes that are currently used for local storage by all blocks.", db.BlockBytes);
        w.Single("ariane_tsdb_lowest_timestamp", "gauge", "Lowest timestamp value stored in the database (ms).", db.LowestTimestamp);
        w.Single("ariane_tsdb_compactions_total", "counter", "Total number of compactions (head and block) that were executed.", db.Compactions);
        w.Single("ariane_tsdb_compactions_failed_total", "counter", "Total number of compactions that failed.", db.CompactionsFailed);
        w.Single("ariane_tsdb_head_truncations_total", "counter", "Total number of head truncations after cutting a block.", db.HeadTruncations);
        w.Single("ariane_tsdb_time_retentions_total", "counter", "The number of times that blocks were deleted because the maximum time limit was exceeded.", db.TimeRetentions);
        w.Single("ariane_tsdb_size_retentions_total", "counter", "The number of times that blocks were deleted because the maximum number of bytes was exceeded.", db.SizeRetentions);
        w.Single("ariane_tsdb_blocks_quarantined", "gauge", "Number of damaged blocks moved aside at start-up and not served.", db.Quarantined.Count);
    }

    /// <summary>Scrape pools and targets by health (<c>ariane_scrape_*</c>).</summary>
    internal static void WriteScrape(TextExpositionWriter w, ScrapeManager scrape)
    {
        int up = 0, down = 0, unknown = 0, pools = 0;
        foreach (var pool in scrape.Pools)
        {
            pools++;
            foreach (var t in pool.ActiveTargets)
            {
                switch (t.Health)
                {
                    case TargetHealth.Up: up++; break;
                    case TargetHealth.Down: down++; break;
                    default: unknown++; break;
                }
            }
        }
        w.Single("ariane_scrape_pools", "gauge", "Number of scrape pools (jobs).", pools);
        w.Family("ariane_scrape_targets", "gauge", "Number of active scrape targets by health.");
        w.Sample("ariane_scrape_targets", "health", "up", up);
        w.Sample("ariane_scrape_targets", "health", "down", down);
        w.Sample("ariane_scrape_targets", "health", "unknown", unknown);
    }

    /// <summary>The remote-write receiver's counters (<c>ariane_remote_write_*</c>).</summary>
    internal static void WriteRemoteWrite(TextExpositionWriter w, RemoteWriteStats rw)
    {
        w.Single("ariane_remote_write_requests_total", "counter", "Remote write requests received.", Interlocked.Read(ref rw.Requests));
        w.Single("ariane_remote_write_samples_total", "counter", "Samples appended from remote write.", Interlocked.Read(ref rw.SamplesIn));
        w.Single("ariane_remote_write_samples_rejected_total", "counter", "Remote-written samples refused by storage.", Interlocked.Read(ref rw.SamplesRejected));
        w.Single("ariane_remote_write_bad_requests_total", "counter", "Remote write requests answered with an error.", Interlocked.Read(ref rw.BadRequests));
    }

    /// <summary>The process's figures (<c>process_*</c>), as every Prometheus client library writes them.</summary>
    internal static void WriteProcess(TextExpositionWriter w)
    {
        using var p = Process.GetCurrentProcess();
        w.Single("process_cpu_seconds_total", "counter", "Total user and system CPU time spent in seconds.", p.TotalProcessorTime.TotalSeconds);
        w.Single("process_resident_memory_bytes", "gauge", "Resident memory size in bytes.", p.WorkingSet64);
        w.Single("process_virtual_memory_bytes", "gauge", "Virtual memory size in bytes.", p.VirtualMemorySize64);
        w.Single("process_start_time_seconds", "gauge", "Start time of the process since unix epoch in seconds.", new DateTimeOffset(p.StartTime.ToUniversalTime()).ToUnixTimeMilliseconds() / 1000.0);
        int fds = 0;
        try
        {
            fds = Directory.GetFiles("/proc/self/fd").Length;
        }
        catch (IOException)
        {
        }
        catch (UnauthorizedAccessException)
        {
        }
        w.Single("process_open_fds", "gauge", "Number of open file descriptors.", fds);
        w.Single("process_max_fds", "gauge", "Maximum number of open file descriptors.", MaxFds());
        w.Single("process_threads", "gauge", "Number of OS threads in the process.", p.Threads.Count);
    }

    private static double MaxFds()
    {
        try
        {
            foreach (var line in File.ReadLines("/proc/self/limits"))
            {
                if (line.StartsWith("Max open files", StringComparison.Ordinal))
                {
                    var parts = line["Max open files".Length..].Split(' ', StringSplitOptions.RemoveEmptyEntries);
                    return double.TryParse(parts[0], System.Globalization.CultureInfo.InvariantCulture, out double v) ? v : double.PositiveInfinity;
                }
            }
        }
        catch (IOException)
        {
        }
        return double.NaN;
    }

    /// <summary>The runtime's figures (<c>dotnet_*</c>) and the memory housekeeping's.</summary>
    internal static void WriteRuntime(TextExpositionWriter w)
    {
        w.Family("dotnet_gc_collections_total", "counter", "Number of garbage collections by generation.");
        for (int g = 0; g <= GC.MaxGeneration; g++)
        {
            w.Sample("dotnet_gc_collections_total", "generation", g.ToString(System.Globalization.CultureInfo.InvariantCulture), GC.CollectionCount(g));
        }
        w.Single("dotnet_gc_heap_size_bytes", "gauge", "Bytes currently thought to be allocated on the managed heap.", GC.GetTotalMemory(false));
        // As of the last collection: what survived it, by generation (3 = large objects, 4 = pinned), and what the GC
        // holds from the OS; heap_size above also counts what was allocated since, garbage included.
        var info = GC.GetGCMemoryInfo();
        var generations = info.GenerationInfo;
        w.Family("dotnet_gc_generation_size_bytes", "gauge", "Bytes in each generation after the last garbage collection (3 = large object heap, 4 = pinned object heap).");
        for (int g = 0; g < generations.Length; g++)
        {
            w.Sample("dotnet_gc_generation_size_bytes", "generation", g.ToString(System.Globalization.CultureInfo.InvariantCulture), generations[g].SizeAfterBytes);
        }
        w.Single("dotnet_gc_heap_fragmented_bytes", "gauge", "Free space inside the managed heap after the last garbage collection.", info.FragmentedBytes);
        w.Single("dotnet_gc_heap_committed_bytes", "gauge", "Memory the garbage collector has committed from the operating system.", info.TotalCommittedBytes);
        w.Single("dotnet_gc_allocated_bytes_total", "counter", "Bytes allocated on the managed heap since the process started.", GC.GetTotalAllocatedBytes());
        w.Single("dotnet_gc_pause_seconds_total", "counter", "Total time the runtime paused for garbage collection.", GC.GetTotalPauseDuration().TotalSeconds);
        w.Single("ariane_memory_housekeeping_collections_total", "counter", "Background full collections started after bursts of work, so that their garbage does not stay resident.", MemoryHousekeeper.Collections);
        w.Single("ariane_buffer_pool_bytes", "gauge", "Bytes held by the pools of large buffers (request bodies, appender batches, WAL records).", BufferPools.HeldBytes);
        w.Single("dotnet_threadpool_threads", "gauge", "Number of thread pool threads.", ThreadPool.ThreadCount);
        w.Single("dotnet_threadpool_queue_length", "gauge", "Work items queued to the thread pool.", ThreadPool.PendingWorkItemCount);
    }
}
