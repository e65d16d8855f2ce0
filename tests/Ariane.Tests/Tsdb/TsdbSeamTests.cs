using Ariane.Model;
using Ariane.Storage;
using Ariane.Tests.Support;
using Ariane.Tsdb;
using Microsoft.Extensions.Time.Testing;

namespace Ariane.Tests.Tsdb;

/// <summary>
/// Issue 11: the storage seam the server holds (<see cref="ITsdbStorage"/>): the one statistics snapshot agrees with the
/// database's own figures, the admin operations work through it, and the backup archive names config entries as the
/// restore reads them back.
/// </summary>
public sealed class TsdbSeamTests : IDisposable
{
    private const long Hour = 3_600_000;
    private readonly TempDir _dir = new();
    private readonly FakeTimeProvider _time = new(DateTimeOffset.FromUnixTimeMilliseconds(1_700_000_000_000));

    public void Dispose() => _dir.Dispose();

    private TsdbOptions Options() => new()
    {
        Path = Path.Combine(_dir.Path, "data"),
        BlockRange = TimeSpan.FromHours(1),
        RetentionTime = TimeSpan.Zero,
        CompactionInterval = TimeSpan.Zero,
        WalSyncInterval = TimeSpan.Zero,
    };

    private static void Fill(IAppendable db, long from, long to)
    {
        var refs = new ulong[3];
        for (long t = from; t < to; t += 15_000)
        {
            var app = db.Appender();
            for (int i = 0; i < refs.Length; i++)
            {
                Assert.Equal(AppendStatus.Ok, app.Append(ref refs[i], Labels.FromStrings("__name__", "m", "i", i.ToString(System.Globalization.CultureInfo.InvariantCulture)), t, i + t));
            }
            app.Commit();
        }
    }

    [Fact]
    public void An_empty_database_reports_zero_bounds()
    {
        using var db = TsdbStorage.Open(Options(), _time);
        var st = db.Stats();
        Assert.Equal(0, st.HeadSeries);
        Assert.Equal(0, st.HeadMinTime);
        Assert.Equal(0, st.HeadMaxTime);
        Assert.Equal(0, st.BlocksLoaded);
        Assert.Equal(0, st.BlocksMinTime);
        Assert.Equal(0, st.LowestTimestamp);
        Assert.Empty(st.Quarantined);
        var card = db.Cardinality(10);
        Assert.Equal(0, card.NumSeries);
        Assert.Equal(0, card.MinTime);
        Assert.Equal(0, card.MaxTime);
    }

    [Fact]
    public void The_stats_snapshot_agrees_with_the_database()
    {
        using var db = Db.Open(Options(), _time);
        Fill(db, 0, 3 * Hour);
        db.Compact();
        Assert.NotEmpty(db.Blocks);
        var st = ((IStorageStats)db).Stats();
        Assert.Equal(db.Head.NumSeries, st.HeadSeries);
        Assert.Equal(db.Head.SamplesAppended, st.SamplesAppended);
        Assert.Equal(db.Head.MinTime, st.HeadMinTime);
        Assert.Equal(db.Head.MaxTime, st.HeadMaxTime);
        Assert.Equal(db.Head.NumChunks(), st.HeadChunks);
        Assert.Equal(db.Blocks.Count, st.BlocksLoaded);
        Assert.Equal(db.BlocksSize, st.BlockBytes);
        Assert.Equal(db.Blocks[0].Meta.MinTime, st.LowestTimestamp);
        Assert.Equal(db.Blocks[0].Meta.MinTime, st.BlocksMinTime);
        Assert.Equal(db.Blocks[^1].Meta.MaxTime, st.BlocksMaxTime);
        Assert.Equal(db.WalSize(), st.WalSizeBytes);
        Assert.Equal(db.HeadCompactions, st.HeadTruncations);
        Assert.Equal(db.Compactions, st.Compactions);
        var card = ((IStorageStats)db).Cardinality(10);
        Assert.Equal(3, card.NumSeries);
        Assert.Contains(card.SeriesCountByMetricName, r => r.Name == "m" && r.Value == 3);
    }

    [Fact]
    public void Admin_operations_work_through_the_seam()
    {
        using var db = TsdbStorage.Open(Options(), _time);
        Fill(db, 0, Hour);
        string name = db.Snapshot(withHead: true);
        Assert.Matches("^[0-9]{8}T[0-9]{6}Z-[0-9a-f]{16}$", name);
        Assert.True(Directory.Exists(Path.Combine(_dir.Path, "data", Db.SnapshotsDir, name)));
        Assert.Equal(1, db.DeleteSeries(0, Hour, [LabelMatcher.Eq("i", "1")]));
        db.OutOfOrderTimeWindow = TimeSpan.FromMinutes(5);
        Assert.Equal(TimeSpan.FromMinutes(5), db.OutOfOrderTimeWindow);
        using var backup = db.PrepareBackup();
        Assert.True(backup.FileCount > 0);
        Assert.True(Directory.Exists(backup.StagingDir));
    }

    [Theory]
    [InlineData("/etc/ariane/targets/a.json", "/etc/ariane/", "config/targets/a.json", "targets/a.json")]
    [InlineData("/srv/secrets/token", "/etc/ariane/", "config/external/srv/secrets/token", null)]
    public void Config_entries_are_named_as_the_restore_reads_them(string path, string configDir, string name, string? relative)
    {
        Assert.Equal(name, BackupArchive.ConfigEntryName(path, configDir));
        Assert.Equal(relative, BackupArchive.ConfigRelative(name));
    }
}
