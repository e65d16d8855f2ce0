using Ariane.Logging;
using Microsoft.Extensions.Logging;

namespace Ariane.Tsdb;

/// <summary>
/// The TSDB's log lines (database, head, WAL, snapshots), event ids 1000–1999: the message says what happened and
/// the <c>key={Value}</c> placeholders are the line's fields (<c>ulid</c>, <c>segment</c>, <c>err</c>, ...), as
/// Prometheus's tsdb logs them. The server's formatters print them as logfmt or JSON fields.
/// </summary>
[LogEventIds(1000, 1999)]
internal static partial class TsdbLog
{
    // 1000–1019: the database (blocks, compaction, retention, snapshots, deletion).

    [LoggerMessage(EventId = 1001, Level = LogLevel.Information, Message = "Deleted a block already compacted into a newer block ulid={Ulid}")]
    public static partial void CompactedBlockDeleted(ILogger log, string ulid);

    [LoggerMessage(EventId = 1002, Level = LogLevel.Warning, Message = "Could not move a damaged block aside ulid={Ulid} err={Err}")]
    public static partial void QuarantineMoveFailed(ILogger log, string ulid, string err);

    [LoggerMessage(EventId = 1003, Level = LogLevel.Warning, Message = "Block is damaged and was moved aside, its data are not served ulid={Ulid} dir={Dir} reason={Reason}")]
    public static partial void BlockQuarantined(ILogger log, string ulid, string dir, string reason);

    [LoggerMessage(EventId = 1004, Level = LogLevel.Warning, Message = "Compaction failed err={Err}")]
    public static partial void CompactionFailed(ILogger log, string err);

    [LoggerMessage(EventId = 1005, Level = LogLevel.Information, Message = "Loaded new block ulid={Ulid} mint={Mint} maxt={Maxt} series={Series}")]
    public static partial void NewBlockLoaded(ILogger log, string ulid, long mint, long maxt, long series);

    [LoggerMessage(EventId = 1006, Level = LogLevel.Information, Message = "Head truncated, no samples to write mint={Mint} maxt={Maxt}")]
    public static partial void HeadTruncatedEmpty(ILogger log, long mint, long maxt);

    [LoggerMessage(EventId = 1007, Level = LogLevel.Information, Message = "Head compaction wrote block, head truncated ulid={Ulid} mint={Mint} maxt={Maxt} series={Series} samples={Samples} duration_ms={DurationMs}")]
    public static partial void HeadCompacted(ILogger log, string ulid, long mint, long maxt, long series, long samples, long durationMs);

    [LoggerMessage(EventId = 1008, Level = LogLevel.Information, Message = "Blocks compacted into a new block blocks={Blocks} ulid={Ulid} mint={Mint} maxt={Maxt} block_level={BlockLevel} duration_ms={DurationMs}")]
    public static partial void BlocksCompacted(ILogger log, int blocks, string ulid, long mint, long maxt, int blockLevel, long durationMs);

    [LoggerMessage(EventId = 1009, Level = LogLevel.Information, Message = "Deleting blocks older than the retention time blocks={Blocks} retention={Retention}")]
    public static partial void TimeRetention(ILogger log, int blocks, TimeSpan retention);

    [LoggerMessage(EventId = 1010, Level = LogLevel.Information, Message = "Deleting the oldest blocks to stay under the retention size blocks={Blocks} retention_size={RetentionSize}")]
    public static partial void SizeRetention(ILogger log, int blocks, long retentionSize);

    [LoggerMessage(EventId = 1011, Level = LogLevel.Information, Message = "Snapshot written dir={Dir} blocks={Blocks} duration_ms={DurationMs}")]
    public static partial void SnapshotWritten(ILogger log, string dir, int blocks, long durationMs);

    [LoggerMessage(EventId = 1012, Level = LogLevel.Information, Message = "Snapshot written, head written as a block dir={Dir} blocks={Blocks} head_ulid={HeadUlid} head_series={HeadSeries} head_samples={HeadSamples} duration_ms={DurationMs}")]
    public static partial void SnapshotWrittenWithHead(ILogger log, string dir, int blocks, string headUlid, long headSeries, long headSamples, long durationMs);

    [LoggerMessage(EventId = 1013, Level = LogLevel.Information, Message = "Deleted an unfinished snapshot or backup dir={Dir}")]
    public static partial void UnfinishedSnapshotDeleted(ILogger log, string dir);

    [LoggerMessage(EventId = 1014, Level = LogLevel.Information, Message = "Deleted series in blocks and head mint={Mint} maxt={Maxt} series={Series}")]
    public static partial void SeriesDeleted(ILogger log, long mint, long maxt, int series);

    [LoggerMessage(EventId = 1015, Level = LogLevel.Information, Message = "clean_tombstones deleted a block, every sample in it was deleted ulid={Ulid}")]
    public static partial void TombstonesBlockDeleted(ILogger log, string ulid);

    [LoggerMessage(EventId = 1016, Level = LogLevel.Information, Message = "clean_tombstones rewrote block ulid={Ulid} new_ulid={NewUlid} samples_dropped={SamplesDropped} duration_ms={DurationMs}")]
    public static partial void TombstonesBlockRewritten(ILogger log, string ulid, string newUlid, long samplesDropped, long durationMs);

    // 1020–1039: the head and its WAL.

    [LoggerMessage(EventId = 1020, Level = LogLevel.Warning, Message = "The head was cut ahead of the clock, accepting samples again cut_at={CutAt} accept_from={AcceptFrom}")]
    public static partial void HeadCutAheadOfClock(ILogger log, long cutAt, long acceptFrom);

    [LoggerMessage(EventId = 1021, Level = LogLevel.Warning, Message = "WAL samples referred to unknown series and were skipped samples={Samples}")]
    public static partial void UnknownSeriesRefs(ILogger log, long samples);

    [LoggerMessage(EventId = 1022, Level = LogLevel.Warning, Message = "WAL write failed, commits are refused until the disk takes writes again err={Err}")]
    public static partial void WalWriteFailed(ILogger log, string err);

    [LoggerMessage(EventId = 1023, Level = LogLevel.Warning, Message = "WAL writes still failing failed_commits={FailedCommits} err={Err}")]
    public static partial void WalWritesStillFailing(ILogger log, long failedCommits, string err);

    [LoggerMessage(EventId = 1024, Level = LogLevel.Warning, Message = "WAL writes succeed again failed_commits={FailedCommits}")]
    public static partial void WalWritesSucceedAgain(ILogger log, long failedCommits);

    [LoggerMessage(EventId = 1025, Level = LogLevel.Warning, Message = "WAL background fsync failed err={Err}")]
    public static partial void WalFsyncFailed(ILogger log, string err);

    [LoggerMessage(EventId = 1026, Level = LogLevel.Warning, Message = "WAL series ref defined twice with different labels, keeping the first ref={SeriesRef}")]
    public static partial void WalSeriesDefinedTwice(ILogger log, ulong seriesRef);

    [LoggerMessage(EventId = 1027, Level = LogLevel.Warning, Message = "WAL segment damaged, deleted it and the later segments; samples logged after this point are lost problem={Problem} segment={Segment} later_segments={LaterSegments}")]
    public static partial void WalSegmentDeleted(ILogger log, string problem, string segment, int laterSegments);

    [LoggerMessage(EventId = 1028, Level = LogLevel.Warning, Message = "WAL segment damaged, truncated it there and deleted the later segments; samples logged after this point are lost problem={Problem} segment={Segment} offset={Offset} later_segments={LaterSegments}")]
    public static partial void WalSegmentTruncated(ILogger log, string problem, string segment, long offset, int laterSegments);
}
