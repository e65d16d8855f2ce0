using Ariane.Model;
using Ariane.Storage;
using Ariane.Tests.Support;
using Ariane.Tsdb;
using Ariane.Tsdb.Blocks;
using Microsoft.Extensions.Time.Testing;

namespace Ariane.Tests.Tsdb;

/// <summary>
/// The database's data-safety rules with a fake clock: samples far ahead of the clock are refused and cannot decide
/// head cutting or retention for the others (not even one already on disk), the data folder is locked, and a folder
/// that Prometheus wrote is refused before a byte of it changes.
/// </summary>
public sealed class DataSafetyTests : IDisposable
{
    private const long Hour = 3_600_000;
    private const long Now = 1_700_000_000_000;
    private static readonly long Year2200 = new DateTimeOffset(2200, 1, 1, 0, 0, 0, TimeSpan.Zero).ToUnixTimeMilliseconds();
    private readonly TempDir _dir = new();
    private readonly FakeTimeProvider _time = new(DateTimeOffset.FromUnixTimeMilliseconds(Now));
    private readonly List<string> _log = [];

    public void Dispose() => _dir.Dispose();

    private TsdbOptions Options(TimeSpan? maxFuture = null) => new()
    {
        Path = _dir.Path,
        BlockRange = TimeSpan.FromHours(1),
        RetentionTime = TimeSpan.FromDays(15),
        CompactionInterval = TimeSpan.Zero, // the tests call Compact themselves
        WalSyncInterval = TimeSpan.Zero,
        MaxFutureTime = maxFuture ?? TsdbOptions.DefaultMaxFutureTime,
    };

    private Db Open(TsdbOptions? o = null) => Db.Open(o ?? Options(), _time, new ListLogger(_log));

    private static readonly Labels Current = Labels.FromStrings("__name__", "current", "job", "a");
    private static readonly Labels Future = Labels.FromStrings("__name__", "future", "job", "a");

    // One sample a minute of the "current" series over [from, to).
    private static void Fill(IAppendable db, long from, long to)
    {
        ulong r = 0;
        for (long t = from; t < to; t += 60_000)
        {
            var app = db.Appender();
            Assert.Equal(AppendStatus.Ok, app.Append(ref r, Current, t, t / 60_000));
            app.Commit();
        }
    }

    private static AppendStatus AppendOne(IAppendable db, Labels l, long t, double v = 1)
    {
        var app = db.Appender();
        ulong r = 0;
        var status = app.Append(ref r, l, t, v);
        app.Commit();
        return status;
    }

    private static int Count(IQuerierSource db, Labels l, long mint = long.MinValue, long maxt = long.MaxValue)
    {
        using var q = db.Querier(mint, maxt);
        var set = q.Select(false, LabelMatcher.Eq("__name__", l.Name));
        int n = 0;
        while (set.MoveNext())
        {
            var it = set.Current.Iterator();
            while (it.Next())
            {
                n++;
            }
        }
        return n;
    }

    [Fact]
    public void Samples_further_ahead_than_the_allowance_are_refused_and_counted()
    {
        using var db = Open();
        Assert.Equal(AppendStatus.Ok, AppendOne(db, Future, Now + 9 * 60_000));
        foreach (long t in new[] { Now + 11 * 60_000, Now + 20 * 24 * Hour, Year2200, long.MaxValue })
        {
            Assert.Equal(AppendStatus.TooFarInFuture, AppendOne(db, Future, t));
        }
        Assert.Equal(4, db.Head.TooFarInFutureSamples);
        Assert.Equal(0, db.Head.OutOfBoundsSamples);
        Assert.Equal(Now + 9 * 60_000, db.Head.MaxTime);
        // The allowance moves with the clock.
        _time.Advance(TimeSpan.FromMinutes(5));
        Assert.Equal(AppendStatus.Ok, AppendOne(db, Future, Now + 11 * 60_000));
        Assert.Equal(Now + 5 * 60_000 + 10 * 60_000, db.Head.MaxValidTime);
    }

    [Fact]
    public void Future_samples_leave_earlier_data_ingestion_and_retention_alone_also_after_a_restart()
    {
        using (var db = Open())
        {
            Fill(db, Now - 3 * Hour, Now);
            foreach (long t in new[] { Now + 20 * 24 * Hour, Year2200, long.MaxValue })
            {
                Assert.Equal(AppendStatus.TooFarInFuture, AppendOne(db, Future, t));
            }
            db.Compact();
            Assert.Equal(0, db.TimeRetentionDeletions);
            Assert.True(db.Head.MinValidTime < Now, $"the head was cut up to {db.Head.MinValidTime}");
            Assert.Equal(180, Count(db, Current));
            Assert.Equal(AppendStatus.Ok, AppendOne(db, Current, Now + 1000));
        }
        _time.Advance(TimeSpan.FromMinutes(1));
        using (var db = Open())
        {
            Assert.Equal(181, Count(db, Current));
            Assert.Equal(0, Count(db, Future));
            Assert.Equal(AppendStatus.Ok, AppendOne(db, Current, Now + 60_000));
        }
    }

    [Fact]
    public void A_far_future_sample_already_held_neither_cuts_the_head_up_to_it_nor_drives_retention()
    {
        // As a data folder written before such samples were refused: the allowance off, a sample dated 2200.
        using (var db = Open(Options(TimeSpan.MaxValue)))
        {
            Fill(db, Now - 3 * Hour, Now);
            Assert.Equal(AppendStatus.Ok, AppendOne(db, Future, Year2200));
        }
        using (var db = Open())
        {
            db.Compact();
            Assert.Equal(0, db.TimeRetentionDeletions);
            Assert.True(db.Head.MinValidTime <= Now, $"the head was cut up to {db.Head.MinValidTime}");
            Assert.Equal(180, Count(db, Current));
            Assert.Equal(1, Count(db, Future));
            Assert.Equal(AppendStatus.Ok, AppendOne(db, Current, Now + 1000));
            // Months later by the clock, retention goes by the clock's allowance, not by 2200.
            _time.Advance(TimeSpan.FromDays(10));
            Fill(db, Now + 10 * 24 * Hour - 2 * Hour, Now + 10 * 24 * Hour);
            db.Compact();
            Assert.Equal(0, db.TimeRetentionDeletions);
            Assert.Equal(180, Count(db, Current, Now - 3 * Hour, Now - 1));
        }
    }

    [Fact]
    public void A_far_future_block_on_disk_neither_deletes_current_blocks_nor_stops_ingestion()
    {
        // Current data cut into blocks, then a block dated 2200 moved in (or cut before such samples were refused).
        using (var db = Open())
        {
            Fill(db, Now - 4 * Hour, Now);
            db.Compact();
            Assert.True(db.Blocks.Count >= 2);
        }
        var future = new ArraySeries(Future, [Year2200, Year2200 + 60_000], [1, 2], 2);
        Assert.NotNull(BlockWriter.Write(_dir.Path, Year2200, Year2200 + 60_001, new ListSeriesSet([future]), BlockLineage.Fresh, _time));
        using (var db = Open())
        {
            db.Compact();
            Assert.Equal(0, db.TimeRetentionDeletions);
            Assert.Contains(db.Blocks, b => b.Meta.MinTime == Year2200);
            Assert.Equal(240, Count(db, Current));
            Assert.Equal(2, Count(db, Future));
            Assert.True(db.Head.MinValidTime <= Now + 10 * 60_000, $"the head refuses samples before {db.Head.MinValidTime}");
            Assert.Equal(AppendStatus.Ok, AppendOne(db, Current, Now + 1000));
        }
    }

    [Fact]
    public void A_second_database_on_the_same_folder_is_refused_naming_the_holder()
    {
        using (var db = Open())
        {
            var e = Assert.Throws<DataDirLockedException>(() => Open());
            Assert.Equal(Environment.ProcessId, e.HolderPid);
            Assert.Contains($"process {Environment.ProcessId}", e.Message);
            Assert.Contains(_dir.Path, e.Message);
        }
        // Released with the database; the file stays, naming its last holder.
        using (Open())
        {
        }
        Assert.True(File.Exists(Path.Combine(_dir.Path, DataDirLock.FileName)));
    }

    [Fact]
    public async Task A_lock_this_process_releases_a_moment_later_is_waited_for_not_refused()
    {
        // As when a database was just closed while a child process forked at that moment still shares the lock's open
        // file until it executes its program (seen on a loaded CI machine: a reopen refused, naming this process).
        var held = DataDirLock.Acquire(_dir.Path);
        var ct = TestContext.Current.CancellationToken;
        var release = Task.Run(async () =>
        {
            await Task.Delay(300, ct);
            held.Dispose();
        }, ct);
        using (var again = DataDirLock.Acquire(_dir.Path))
        {
            Assert.True(release.IsCompleted || await Task.WhenAny(release, Task.Delay(5000, TestContext.Current.CancellationToken)) == release);
        }
        await release;
    }

    [Fact]
    public void No_lockfile_takes_no_lock()
    {
        var o = Options();
        o.NoLockfile = true;
        using (Db.Open(o, _time))
        {
        }
        Assert.False(File.Exists(Path.Combine(_dir.Path, DataDirLock.FileName)));
    }

    [Fact]
    public void An_ariane_folder_without_any_marker_opens_and_a_damaged_wal_keeps_its_repair()
    {
        using (var db = Open())
        {
            Fill(db, Now - Hour, Now);
        }
        // Garbage after the last record of the newest segment, as a torn write leaves: repaired, not "foreign".
        string seg = Directory.GetFiles(Path.Combine(_dir.Path, "wal")).Where(f => Path.GetFileName(f).All(char.IsDigit)).Max()!;
        File.AppendAllText(seg, "\u0001\u0007garbage-not-a-record");
        Assert.Empty(ForeignDataDir.PrometheusSigns(_dir.Path));
        using (var db = Open())
        {
            Assert.Equal(60, Count(db, Current));
        }
    }

    [Fact]
    public void A_prometheus_block_moved_into_an_ariane_folder_is_quarantined_as_before_not_a_reason_to_refuse_the_folder()
    {
        using (var db = Open())
        {
            Fill(db, Now - Hour, Now);
        }
        string ulid = Ulid.New(Now);
        string block = Path.Combine(_dir.Path, ulid);
        Directory.CreateDirectory(Path.Combine(block, "chunks"));
        File.WriteAllText(Path.Combine(block, BlockMeta.FileName), $"{{\"ulid\":\"{ulid}\",\"minTime\":0,\"maxTime\":1000,\"stats\":{{}},\"compaction\":{{\"level\":1,\"sources\":[\"{ulid}\"]}},\"version\":1}}");
        File.WriteAllBytes(Path.Combine(block, "index"), [0xBA, 0xAA, 0xD7, 0x00, 2, 0, 0, 0]);
        File.WriteAllBytes(Path.Combine(block, "chunks", "000001"), [0x85, 0xBD, 0x40, 0xDD, 1, 0, 0, 0]);
        Assert.NotEmpty(ForeignDataDir.PrometheusSigns(_dir.Path));
        Assert.Empty(ForeignDataDir.ForeignSigns(_dir.Path));
        using (var db = Open())
        {
            Assert.Equal(60, Count(db, Current));
            Assert.Contains(db.Quarantined, q => q.Ulid == ulid);
        }
    }
}
