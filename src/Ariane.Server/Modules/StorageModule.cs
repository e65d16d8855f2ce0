using Ariane.Config;
using Ariane.Exposition;
using Ariane.Model;
using Ariane.Server.Cli;
using Ariane.Storage;

namespace Ariane.Server.Modules;

/// <summary>
/// The storage module: opens the TSDB at start (blocks opened, WAL replayed) and syncs and closes it at stop, after
/// every other module has stopped. It is the storage seam the other modules hold (<see cref="ITsdbStorage"/>, each
/// member forwarded to the database once open), so that they can be built, and their routes mapped, before the
/// database opens. Its collector writes the <c>ariane_tsdb_*</c> and <c>prometheus_tsdb_*</c> families from one
/// <see cref="IStorageStats.Stats"/> snapshot.
/// </summary>
internal sealed class StorageModule(ServeOptions options, PrometheusConfig config, TimeProvider time, ILogger log, ILogger tsdbLog) : IServerModule, ITsdbStorage
{
    private ITsdbStorage? _db;
    private volatile bool _stopped;

    /// <inheritdoc/>
    public string Name => "storage";

    /// <inheritdoc/>
    public bool Healthy => _db is not null && !_stopped;

    private ITsdbStorage Db => _db ?? throw new InvalidOperationException("the storage is not open");

    /// <inheritdoc/>
    public void MapRoutes(IEndpointRouteBuilder routes)
    {
        // The storage's endpoints (admin, status) are part of the web API, which reaches it through the seam.
    }

    /// <inheritdoc/>
    public Task StartAsync(CancellationToken ct)
    {
        try
        {
            // The one place the server names the TSDB: everything else sees it through the storage seam.
            _db = Ariane.Tsdb.TsdbStorage.Open(new Ariane.Tsdb.TsdbOptions
            {
                Path = Path.GetFullPath(options.StoragePath),
                WalSyncInterval = options.WalSyncInterval,
                RetentionTime = options.RetentionTime,
                RetentionSize = options.RetentionSize,
                BlockRange = options.MinBlockDuration,
                MaxBlockRange = options.MaxBlockDuration,
                OutOfOrderTimeWindow = config.Storage?.OutOfOrderTimeWindow ?? TimeSpan.Zero,
                MaxFutureTime = options.MaxFutureTime,
                NoLockfile = options.NoLockfile,
            }, time, tsdbLog);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            ServerLog.StorageOpenFailed(log, e.Message);
            throw new ModuleStartException("opening storage failed", e);
        }
        var opened = _db.Stats();
        ServerLog.StorageStarted(log, Path.GetFullPath(options.StoragePath), opened.BlocksLoaded, opened.HeadSeries, PromDuration.Format(options.RetentionTime), options.RetentionSize);
        return Task.CompletedTask;
    }

    /// <inheritdoc/>
    public Task StopAsync(CancellationToken ct)
    {
        Dispose();
        return Task.CompletedTask;
    }

    /// <inheritdoc/>
    public void WriteMetrics(TextExpositionWriter w)
    {
        if (_db is not { } db || _stopped)
        {
            return;
        }
        // One snapshot for both the ariane_tsdb_* and the prometheus_tsdb_* families.
        var stats = db.Stats();
        MetricsEndpoints.WriteTsdb(w, stats);
        PrometheusSelfMetrics.WriteTsdb(w, stats);
    }

    /// <inheritdoc/>
    public IAppender Appender() => Db.Appender();

    /// <inheritdoc/>
    public IQuerier Querier(long mint, long maxt) => Db.Querier(mint, maxt);

    /// <inheritdoc/>
    public string Snapshot(bool withHead) => Db.Snapshot(withHead);

    /// <inheritdoc/>
    public int DeleteSeries(long mint, long maxt, ReadOnlySpan<LabelMatcher> matchers) => Db.DeleteSeries(mint, maxt, matchers);

    /// <inheritdoc/>
    public int CleanTombstones() => Db.CleanTombstones();

    /// <inheritdoc/>
    public IPreparedBackup PrepareBackup() => Db.PrepareBackup();

    /// <inheritdoc/>
    public TimeSpan OutOfOrderTimeWindow
    {
        get => Db.OutOfOrderTimeWindow;
        set => Db.OutOfOrderTimeWindow = value;
    }

    /// <inheritdoc/>
    public TsdbStats Stats() => Db.Stats();

    /// <inheritdoc/>
    public CardinalityStats Cardinality(int limit) => Db.Cardinality(limit);

    /// <summary>Fsyncs and closes the WAL, closes the blocks and releases the folder's lock (once; what <see cref="StopAsync"/> does).</summary>
    public void Dispose()
    {
        if (_db is { } db && !_stopped)
        {
            ServerLog.StorageClosing(log);
            _stopped = true;
            db.Dispose();
        }
    }
}
