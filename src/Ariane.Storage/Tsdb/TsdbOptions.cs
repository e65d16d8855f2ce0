namespace Ariane.Tsdb;

/// <summary>Settings of the embedded TSDB; the defaults here are the one place they are chosen.</summary>
public sealed class TsdbOptions
{
    /// <summary>The data folder (the WAL lives in its <c>wal/</c> subfolder). Created when missing.</summary>
    public string Path { get; set; } = "data";

    /// <summary>
    /// How often the WAL is fsynced in the background. Committed samples reach the operating system at once
    /// (they survive a killed process); this bounds what a machine crash or power cut can lose.
    /// Zero or negative turns the timer off (fsync only at segment cut, <see cref="Head.Sync"/> and shutdown).
    /// </summary>
    public TimeSpan WalSyncInterval { get; set; } = TimeSpan.FromSeconds(1);

    /// <summary>A new WAL segment file starts when the current one would grow past this size (128 MiB as Prometheus).</summary>
    public long WalSegmentSize { get; set; } = 128L << 20;

    /// <summary>How many rows each top-N table of the head's <c>Stats</c> keeps (10 as Prometheus's status page).</summary>
    public int StatsLimit { get; set; } = 10;

    /// <summary>The time range of a block cut from the head (2 h as Prometheus; <c>--storage.tsdb.min-block-duration</c>).</summary>
    public TimeSpan BlockRange { get; set; } = TimeSpan.FromHours(2);

    /// <summary>
    /// The largest block compaction makes (<c>--storage.tsdb.max-block-duration</c>); zero means 10% of the
    /// retention time, at most 31 days, as Prometheus.
    /// </summary>
    public TimeSpan MaxBlockRange { get; set; }

    /// <summary>Blocks whose data are all older than this before the newest sample are deleted; zero keeps them.</summary>
    public TimeSpan RetentionTime { get; set; } = TimeSpan.FromDays(15);

    /// <summary>The most bytes blocks and WAL may take; the oldest blocks go first. Zero means no limit.</summary>
    public long RetentionSize { get; set; }

    /// <summary>How often the database checks whether to cut, compact or delete blocks (1 minute as Prometheus).</summary>
    public TimeSpan CompactionInterval { get; set; } = TimeSpan.FromMinutes(1);

    /// <summary>
    /// How far behind the newest sample of the head an out-of-order sample is still accepted
    /// (<c>storage.tsdb.out_of_order_time_window</c> in prometheus.yml); zero refuses every out-of-order sample.
    /// </summary>
    public TimeSpan OutOfOrderTimeWindow { get; set; }

    /// <summary>
    /// Do not take the data folder's <c>lock</c> file (<c>--storage.tsdb.no-lockfile</c>): for file systems without
    /// flock, or a caller that guarantees by other means that only one database opens the folder.
    /// </summary>
    public bool NoLockfile { get; set; }

    /// <summary>
    /// How far ahead of the wall clock a sample may be (<c>--storage.tsdb.max-future-time</c>); later ones are refused as
    /// <see cref="Storage.AppendStatus.TooFarInFuture"/>. The same allowance caps the "newest time" that cutting the head
    /// and time retention go by, so that one sample dated far ahead (remote write, a scrape with timestamps, a block
    /// moved in) can neither cut the head up to its time nor make retention delete everything else.
    /// </summary>
    public TimeSpan MaxFutureTime { get; set; } = DefaultMaxFutureTime;

    /// <summary>
    /// 10 minutes: what Prometheus allows scrapes and remote write (its fixed <c>maxAheadTime</c>) and Mimir's default
    /// <c>creation_grace_period</c>; VictoriaMetrics allows 2 days, which is still enough to cut a day of blocks.
    /// </summary>
    public static readonly TimeSpan DefaultMaxFutureTime = TimeSpan.FromMinutes(10);

    /// <summary>The newest timestamp (ms) accepted at wall-clock time <paramref name="nowMs"/>, without overflowing.</summary>
    public static long LatestValidTime(long nowMs, TimeSpan maxFuture)
    {
        long ahead = Math.Max(0, (long)maxFuture.TotalMilliseconds); // TimeSpan.MaxValue is about 9.2e14 ms: no overflow
        return nowMs > long.MaxValue - ahead ? long.MaxValue : nowMs + ahead;
    }
}
