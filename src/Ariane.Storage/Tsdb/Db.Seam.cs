using System.Globalization;
using Ariane.Model;
using Ariane.Storage;
using Microsoft.Extensions.Logging;

namespace Ariane.Tsdb;

/// <summary>
/// Opens the database behind the storage seam: what the server calls instead of naming <see cref="Db"/>, so that it
/// sees only <see cref="ITsdbStorage"/> (Storage/TsdbSeam.cs). Offline tools (backfill, <c>tsdb analyze</c>, migrate)
/// open <see cref="Db"/> itself.
/// </summary>
public static class TsdbStorage
{
    /// <summary>
    /// Opens the database in <see cref="TsdbOptions.Path"/> (blocks opened, WAL replayed, compaction timer started);
    /// see <see cref="Db.Open(TsdbOptions, TimeProvider, ILogger?)"/> for what it refuses and logs. The
    /// caller owns the result and disposes it last.
    /// </summary>
    public static ITsdbStorage Open(TsdbOptions options, TimeProvider time, ILogger? log = null) =>
        Db.Open(options, time, log);
}

// The seam's admin and statistics members, each a thin call into the database's own: explicit, so that the
// database's public surface (used by the offline tools and the tests) stays as it is.
public sealed partial class Db : ITsdbStorage
{
    string IStorageAdmin.Snapshot(bool withHead)
    {
        // The name as Prometheus makes it: UTC time, then 16 hex digits of a random non-negative 63-bit number.
        string name = _time.GetUtcNow().UtcDateTime.ToString("yyyyMMdd'T'HHmmss'Z'", CultureInfo.InvariantCulture) + "-" +
            Random.Shared.NextInt64().ToString("x16", CultureInfo.InvariantCulture);
        Snapshot(System.IO.Path.Combine(System.IO.Path.GetFullPath(_options.Path), SnapshotsDir, name), withHead);
        return name;
    }

    int IStorageAdmin.DeleteSeries(long mint, long maxt, ReadOnlySpan<LabelMatcher> matchers) => Delete(mint, maxt, matchers);

    int IStorageAdmin.CleanTombstones() => CleanTombstones();

#pragma warning disable CA2000 // the backup set passes to the wrapper, which the caller disposes; the wrapper's constructor cannot throw
    IPreparedBackup IStorageAdmin.PrepareBackup() => new PreparedBackup(PrepareBackup());
#pragma warning restore CA2000

    TimeSpan IStorageAdmin.OutOfOrderTimeWindow
    {
        get => Head.OutOfOrderTimeWindow;
        set => Head.OutOfOrderTimeWindow = value;
    }

    TsdbStats IStorageStats.Stats()
    {
        var head = Head;
        var blocks = Blocks;
        long blockBytes = 0, blockSamples = 0;
        foreach (var b in blocks)
        {
            blockBytes += b.Size;
            blockSamples += b.Meta.NumSamples;
        }
        long headMin = head.MinTime == long.MaxValue ? 0 : head.MinTime;
        var quarantined = Quarantined;
        var q = new QuarantinedBlockInfo[quarantined.Count];
        for (int i = 0; i < q.Length; i++)
        {
            q[i] = new QuarantinedBlockInfo(quarantined[i].Ulid, quarantined[i].Path, quarantined[i].Reason);
        }
        return new TsdbStats
        {
            HeadSeries = head.NumSeries,
            SeriesCreated = head.SeriesCreated,
            SamplesAppended = head.SamplesAppended,
            OutOfOrderSamples = head.OutOfOrderSamples,
            DuplicateSamples = head.DuplicateSamples,
            OutOfBoundsSamples = head.OutOfBoundsSamples,
            TooOldSamples = head.TooOldSamples,
            TooFarInFutureSamples = head.TooFarInFutureSamples,
            OutOfOrderSamplesAppended = head.OutOfOrderSamplesAppended,
            HeadMinTime = headMin,
            HeadMaxTime = head.MaxTime == long.MinValue ? 0 : head.MaxTime,
            HeadChunks = head.NumChunks(),
            WalFsyncs = head.WalFsyncs,
            WalBytesWritten = head.WalBytesWritten,
            WalCorruptionsRepaired = head.WalCorruptionsRepaired,
            WalWriteFailures = head.WalWriteFailures,
            WalSizeBytes = WalSize(),
            Checkpoints = head.Checkpoints,
            BlocksLoaded = blocks.Count,
            BlockBytes = blockBytes,
            BlockSamples = blockSamples,
            BlocksMinTime = blocks.Count == 0 ? 0 : blocks[0].Meta.MinTime,
            BlocksMaxTime = blocks.Count == 0 ? 0 : blocks[^1].Meta.MaxTime,
            LowestTimestamp = blocks.Count > 0 ? blocks[0].Meta.MinTime : headMin,
            Compactions = Compactions,
            CompactionsFailed = CompactionsFailed,
            HeadTruncations = HeadCompactions,
            TimeRetentions = TimeRetentionDeletions,
            SizeRetentions = SizeRetentionDeletions,
            Quarantined = q,
        };
    }

    CardinalityStats IStorageStats.Cardinality(int limit)
    {
        var st = Head.Stats(limit);
        bool empty = st.NumSeries == 0;
        return new CardinalityStats(st.NumSeries, st.NumLabelPairs, st.ChunkCount, empty ? 0 : st.MinTime, empty ? 0 : st.MaxTime,
            Rows(st.SeriesCountByMetricName), Rows(st.LabelValueCountByLabelName), Rows(st.MemoryInBytesByLabelName), Rows(st.SeriesCountByLabelValuePair));
    }

    private static CardinalityRow[] Rows(IReadOnlyList<LabelStat> stats)
    {
        var rows = new CardinalityRow[stats.Count];
        for (int i = 0; i < rows.Length; i++)
        {
            rows[i] = new CardinalityRow(stats[i].Name, stats[i].Value);
        }
        return rows;
    }

    /// <summary>A <see cref="BackupSet"/> behind the seam: the archive is written in <see cref="BackupArchive"/>'s layout.</summary>
    private sealed class PreparedBackup(BackupSet set) : IPreparedBackup
    {
        public string StagingDir => set.Dir;

        public int FileCount => set.Files.Count;

        public long TotalBytes => set.TotalBytes;

        public Task WriteArchiveAsync(Stream target, BackupConfigPart? config, string producerVersion, DateTimeOffset now, CancellationToken ct) =>
            BackupArchive.WriteAsync(target, set, config, producerVersion, now, ct);

        public void Dispose() => set.Dispose();
    }
}
