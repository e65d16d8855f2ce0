using Ariane.Model;

namespace Ariane.Storage;

// What the server needs of the time-series database beyond appending and querying: the admin operations of the HTTP
// API and the figures /metrics and /api/v1/status/* show. With IStorage (Interfaces.cs) this is all the server sees;
// Ariane.Tsdb.TsdbStorage.Open is the only place that names the database's own types.

/// <summary>
/// The database as the server holds it: appends and queriers (<see cref="IStorage"/>), the admin operations and the
/// statistics. Every member is safe for concurrent use. The server owns it: <see cref="IDisposable.Dispose"/> stops
/// compaction, syncs and closes the WAL and releases the data folder's lock; it is called once, last, at shutdown.
/// </summary>
public interface ITsdbStorage : IStorage, IStorageAdmin, IStorageStats, IDisposable
{
}

/// <summary>
/// The admin API's operations (<c>/api/v1/admin/tsdb/*</c>) and the one setting a configuration reload changes. Safe
/// for concurrent use: the operations that change what is stored take the database's compaction lock, so that
/// neither they nor a compaction see the other half-way. They block on disk I/O; callers run them off request threads.
/// </summary>
public interface IStorageAdmin
{
    /// <summary>
    /// Writes a snapshot into a new folder under the data folder's <c>snapshots/</c>, named as Prometheus names them
    /// (UTC time, then 16 hex digits of a random number), and returns that name: hard links of every block's files
    /// and, when <paramref name="withHead"/>, the head's samples as one more block. The folder is a data folder.
    /// Throws <see cref="IOException"/> or <see cref="UnauthorizedAccessException"/> when the disk refuses.
    /// </summary>
    string Snapshot(bool withHead);

    /// <summary>
    /// Deletes the samples in [<paramref name="mint"/>, <paramref name="maxt"/>] (ms, closed) of every series matching
    /// all <paramref name="matchers"/>; queries stop returning them at once. Returns the number of series touched.
    /// </summary>
    int DeleteSeries(long mint, long maxt, ReadOnlySpan<LabelMatcher> matchers);

    /// <summary>Rewrites the blocks that hold tombstones without the deleted samples; returns the blocks rewritten.</summary>
    int CleanTombstones();

    /// <summary>
    /// Freezes the database's current state for a backup without stopping ingestion (every sample whose commit
    /// returned before the call is in it). The caller owns the result: it writes the archive with
    /// <see cref="IPreparedBackup.WriteArchiveAsync"/> and disposes it, which deletes the staging links.
    /// </summary>
    IPreparedBackup PrepareBackup();

    /// <summary>How far behind a series' newest sample a sample is still accepted (the configuration's
    /// <c>storage.tsdb.out_of_order_time_window</c>); a reload sets it, appends read it.</summary>
    TimeSpan OutOfOrderTimeWindow { get; set; }
}

/// <summary>
/// A consistent state of the database staged for a backup. Not thread safe: one request writes it, once. Disposing
/// deletes the staging folder (links only; the database's own files are untouched).
/// </summary>
public interface IPreparedBackup : IDisposable
{
    /// <summary>The staging folder (for the log).</summary>
    string StagingDir { get; }

    /// <summary>The data files in the backup: blocks, the WAL checkpoint and segments.</summary>
    int FileCount { get; }

    /// <summary>The bytes of the data files.</summary>
    long TotalBytes { get; }

    /// <summary>
    /// Writes the archive (<see cref="BackupArchive"/>'s layout: manifest, configuration entries, data files) to
    /// <paramref name="target"/>, which stays open. <paramref name="config"/> is null when the server runs without a
    /// configuration file.
    /// </summary>
    Task WriteArchiveAsync(Stream target, BackupConfigPart? config, string producerVersion, DateTimeOffset now, CancellationToken ct);
}

/// <summary>The database's figures, for /metrics and /api/v1/status/*. Safe for concurrent use.</summary>
public interface IStorageStats
{
    /// <summary>
    /// One snapshot of the counters and gauges, read now. It walks the head's series (chunk count) and the WAL folder
    /// (its size), so callers take it once per request, not once per figure.
    /// </summary>
    TsdbStats Stats();

    /// <summary>The head's totals and its top-<paramref name="limit"/> cardinality tables (<c>/api/v1/status/tsdb</c>).</summary>
    CardinalityStats Cardinality(int limit);
}

/// <summary>
/// The database's counters and gauges at one moment, computed in one place. Times are milliseconds since the epoch;
/// the head's and the blocks' bounds are 0 when there is nothing in them (as Prometheus reports them).
/// </summary>
public sealed record TsdbStats
{
    /// <summary>Series in the head.</summary>
    public long HeadSeries { get; init; }

    /// <summary>Series created in the head since start.</summary>
    public long SeriesCreated { get; init; }

    /// <summary>Samples appended since start.</summary>
    public long SamplesAppended { get; init; }

    /// <summary>Samples refused for being older than their series' newest (out-of-order window not enabled).</summary>
    public long OutOfOrderSamples { get; init; }

    /// <summary>Samples refused for a duplicate timestamp with another value.</summary>
    public long DuplicateSamples { get; init; }

    /// <summary>Samples refused for being older than the head's minimum valid time.</summary>
    public long OutOfBoundsSamples { get; init; }

    /// <summary>Out-of-order samples refused for being older than the out-of-order window.</summary>
    public long TooOldSamples { get; init; }

    /// <summary>Samples refused for being further ahead of the clock than the storage allows.</summary>
    public long TooFarInFutureSamples { get; init; }

    /// <summary>Out-of-order samples appended (within the window).</summary>
    public long OutOfOrderSamplesAppended { get; init; }

    /// <summary>The head's lowest sample time, 0 when empty.</summary>
    public long HeadMinTime { get; init; }

    /// <summary>The head's highest sample time, 0 when empty.</summary>
    public long HeadMaxTime { get; init; }

    /// <summary>Chunks in the head.</summary>
    public long HeadChunks { get; init; }

    /// <summary>WAL fsyncs.</summary>
    public long WalFsyncs { get; init; }

    /// <summary>Bytes written to the WAL.</summary>
    public long WalBytesWritten { get; init; }

    /// <summary>WAL corruptions repaired at start-up.</summary>
    public long WalCorruptionsRepaired { get; init; }

    /// <summary>Commits refused because the WAL could not be written.</summary>
    public long WalWriteFailures { get; init; }

    /// <summary>Bytes of the WAL folder (segments and checkpoint).</summary>
    public long WalSizeBytes { get; init; }

    /// <summary>WAL checkpoints written.</summary>
    public long Checkpoints { get; init; }

    /// <summary>Blocks open (served).</summary>
    public int BlocksLoaded { get; init; }

    /// <summary>Bytes of the open blocks.</summary>
    public long BlockBytes { get; init; }

    /// <summary>Samples in the open blocks.</summary>
    public long BlockSamples { get; init; }

    /// <summary>The oldest block's start, 0 without blocks.</summary>
    public long BlocksMinTime { get; init; }

    /// <summary>The newest block's end, 0 without blocks.</summary>
    public long BlocksMaxTime { get; init; }

    /// <summary>The lowest timestamp stored: the oldest block's start, else the head's, else 0.</summary>
    public long LowestTimestamp { get; init; }

    /// <summary>Compactions (head and block) completed.</summary>
    public long Compactions { get; init; }

    /// <summary>Compactions that failed.</summary>
    public long CompactionsFailed { get; init; }

    /// <summary>Head truncations (blocks cut from the head).</summary>
    public long HeadTruncations { get; init; }

    /// <summary>Blocks deleted for being older than the retention time.</summary>
    public long TimeRetentions { get; init; }

    /// <summary>Blocks deleted to stay under the retention size.</summary>
    public long SizeRetentions { get; init; }

    /// <summary>Blocks moved aside at start-up because they failed their checks (not served).</summary>
    public IReadOnlyList<QuarantinedBlockInfo> Quarantined { get; init; } = [];
}

/// <summary>A block that failed to open and was moved aside: its ULID, where it is now, and why.</summary>
public sealed record QuarantinedBlockInfo(string Ulid, string Path, string Reason);

/// <summary>One row of a cardinality table: a name (metric, label, or label pair) and its count.</summary>
public readonly record struct CardinalityRow(string Name, long Value);

/// <summary>
/// The head's totals and top-N cardinality tables, shaped like Prometheus's <c>/api/v1/status/tsdb</c>. Times are
/// milliseconds, 0 when the head is empty.
/// </summary>
public sealed record CardinalityStats(
    long NumSeries,
    long NumLabelPairs,
    long ChunkCount,
    long MinTime,
    long MaxTime,
    IReadOnlyList<CardinalityRow> SeriesCountByMetricName,
    IReadOnlyList<CardinalityRow> LabelValueCountByLabelName,
    IReadOnlyList<CardinalityRow> MemoryInBytesByLabelName,
    IReadOnlyList<CardinalityRow> SeriesCountByLabelValuePair);
