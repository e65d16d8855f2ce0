using Ariane.Model;
using Ariane.Storage;
using Ariane.Tests.Support;
using Ariane.Tsdb;
using Microsoft.Extensions.Time.Testing;

namespace Ariane.Tests.Tsdb;

/// <summary>delete_series, clean_tombstones, snapshots and backup staging at the storage level.</summary>
public sealed class AdminTests : IDisposable
{
    private const long Minute = 60_000;
    private const long Hour = 60 * Minute;
    private const int SeriesCount = 6;
    private readonly TempDir _dir = new();
    private readonly FakeTimeProvider _time = new(DateTimeOffset.FromUnixTimeMilliseconds(1_700_000_000_000));
    private readonly List<string> _log = [];

    public void Dispose() => _dir.Dispose();

    private TsdbOptions Options(string? path = null) => new()
    {
        Path = path ?? Path.Combine(_dir.Path, "data"),
        BlockRange = TimeSpan.FromHours(1),
        RetentionTime = TimeSpan.Zero,
        CompactionInterval = TimeSpan.Zero,
        WalSyncInterval = TimeSpan.Zero,
    };

    private Db Open(string? path = null) => Db.Open(Options(path), _time, new ListLogger(_log));

    private static Labels Series(int i) => Labels.FromStrings("__name__", "m", "i", i.ToString(System.Globalization.CultureInfo.InvariantCulture));

    private static double Value(int i, long t) => i * 1e6 + t / 15_000;

    private static void Fill(IAppendable db, long from, long to)
    {
        var refs = new ulong[SeriesCount];
        for (long t = from; t < to; t += 15_000)
        {
            var app = db.Appender();
            for (int i = 0; i < SeriesCount; i++)
            {
                Assert.Equal(AppendStatus.Ok, app.Append(ref refs[i], Series(i), t, Value(i, t)));
            }
            app.Commit();
        }
    }

    // Every sample of every series as (series, t) → v.
    private static Dictionary<(int, long), double> All(IQuerierSource db)
    {
        var all = new Dictionary<(int, long), double>();
        using var q = db.Querier(long.MinValue, long.MaxValue);
        var set = q.Select(true);
        while (set.MoveNext())
        {
            int i = int.Parse(set.Current.Labels.Get("i"), System.Globalization.CultureInfo.InvariantCulture);
            var it = set.Current.Iterator();
            while (it.Next())
            {
                Assert.True(all.TryAdd((i, it.T), it.V), $"sample ({i}, {it.T}) twice");
            }
        }
        return all;
    }

    // What All should give after filling [from, to) and deleting the given (series, interval) pairs.
    private static Dictionary<(int, long), double> Expected(long from, long to, params (int Series, long Min, long Max)[] deleted)
    {
        var all = new Dictionary<(int, long), double>();
        for (long t = from; t < to; t += 15_000)
        {
            for (int i = 0; i < SeriesCount; i++)
            {
                bool gone = false;
                foreach (var d in deleted)
                {
                    gone |= d.Series == i && t >= d.Min && t <= d.Max;
                }
                if (!gone)
                {
                    all[(i, t)] = Value(i, t);
                }
            }
        }
        return all;
    }

    private static void AssertSame(Dictionary<(int, long), double> expected, Dictionary<(int, long), double> actual)
    {
        Assert.Equal(expected.Count, actual.Count);
        foreach (var (k, v) in expected)
        {
            Assert.True(actual.TryGetValue(k, out double got) && got == v, $"sample {k} missing or wrong");
        }
    }

    [Fact]
    public void Deleting_in_the_head_hides_the_samples_survives_a_restart_and_a_head_compaction()
    {
        // Two deletions: one in the part of the head that will be cut into a block, one in the part it keeps
        // (which must then be carried by the WAL checkpoint).
        var deleted = new[] { (1, 20 * Minute, 30 * Minute), (2, 70 * Minute, 80 * Minute) };
        using (var db = Open())
        {
            Fill(db, 0, 100 * Minute);
            Assert.Equal(1, db.Delete(20 * Minute, 30 * Minute, [LabelMatcher.Eq("i", "1")]));
            Assert.Equal(1, db.Delete(70 * Minute, 80 * Minute, [LabelMatcher.Eq("i", "2")]));
            Assert.Equal(0, db.Delete(0, 100 * Minute, [LabelMatcher.Eq("i", "nope")]));
            AssertSame(Expected(0, 100 * Minute, deleted), All(db));
        }
        using (var db = Open())
        {
            Assert.Equal(2, db.Head.TombstonedSeries);
            AssertSame(Expected(0, 100 * Minute, deleted), All(db));
            db.Compact(); // cuts [0, 1h): the block is written without the deleted samples
            Assert.Single(db.Blocks);
            Assert.Equal(SeriesCount * 240 - 41, db.Blocks[0].Meta.NumSamples);
            Assert.Equal(1, db.Head.TombstonedSeries); // the first deletion is in the block now
            AssertSame(Expected(0, 100 * Minute, deleted), All(db));
        }
        Assert.Single(Directory.GetDirectories(Path.Combine(_dir.Path, "data", "wal"), "checkpoint.*"));
        using (var db = Open())
        {
            AssertSame(Expected(0, 100 * Minute, deleted), All(db));
        }
    }

    [Fact]
    public void Deleting_covers_out_of_order_samples_too()
    {
        var o = Options();
        o.OutOfOrderTimeWindow = TimeSpan.FromMinutes(30);
        var labels = Series(0);
        using (var db = Db.Open(o, _time, new ListLogger(_log)))
        {
            ulong r = 0;
            var app = db.Appender();
            foreach (long t in new[] { 0L, 60_000, 120_000, 180_000 })
            {
                Assert.Equal(AppendStatus.Ok, app.Append(ref r, labels, t * 10, 1));
            }
            app.Commit();
            app = db.Appender();
            Assert.Equal(AppendStatus.Ok, app.Append(ref r, labels, 900_000, 2)); // out of order, within the window
            Assert.Equal(AppendStatus.Ok, app.Append(ref r, labels, 1_500_000, 2));
            app.Commit();
            Assert.Equal(1, db.Delete(800_000, 1_000_000, [LabelMatcher.Eq("i", "0")]));
        }
        using (var db = Db.Open(o, _time, new ListLogger(_log)))
        {
            var ts = All(db).Keys.Select(k => k.Item2).Order().ToArray();
            Assert.Equal([0L, 600_000, 1_200_000, 1_500_000, 1_800_000], ts);
        }
    }

    [Fact]
    public void Deleting_in_blocks_writes_tombstones_and_clean_tombstones_rewrites_the_blocks()
    {
        string data = Path.Combine(_dir.Path, "data");
        string saved = Path.Combine(_dir.Path, "saved");
        var deleted = new[] { (3, 10 * Minute, 90 * Minute), (4, 0L, 200 * Minute) };
        string oldUlid;
        using (var db = Open())
        {
            Fill(db, 0, 200 * Minute);
            db.Compact();
            Assert.Equal(2, db.Blocks.Count); // [0,1h) [1h,2h); the head keeps [2h, 200m)
            db.Delete(10 * Minute, 90 * Minute, [LabelMatcher.Eq("i", "3")]);
            db.Delete(long.MinValue, long.MaxValue, [LabelMatcher.Eq("i", "4")]);
            Assert.Equal(2, db.Blocks[0].Meta.NumTombstones);
            Assert.True(File.Exists(Path.Combine(db.Blocks[0].Dir, "tombstones")));
            AssertSame(Expected(0, 200 * Minute, deleted), All(db));
            oldUlid = db.Blocks[0].Meta.Ulid;
            CopyDir(db.Blocks[0].Dir, Path.Combine(saved, oldUlid));
        }
        using (var db = Open())
        {
            // Tombstones are read back from the block.
            AssertSame(Expected(0, 200 * Minute, deleted), All(db));
            long before = db.Blocks[0].Meta.NumSamples;
            Assert.Equal(2, db.CleanTombstones());
            Assert.Equal(0, db.CleanTombstones());
            Assert.Equal(2, db.Blocks.Count);
            var m = db.Blocks[0].Meta;
            Assert.NotEqual(oldUlid, m.Ulid);
            Assert.Equal([oldUlid], m.Parents);
            Assert.Equal(0, m.NumTombstones);
            Assert.Equal(before - 240 - 200, m.NumSamples); // series 4 whole, series 3 [10m, 60m)
            Assert.False(Directory.Exists(Path.Combine(data, oldUlid)));
            AssertSame(Expected(0, 200 * Minute, deleted), All(db));
        }
        // A crash after the new block was written but before the old one was deleted: the old one goes at open.
        CopyDir(Path.Combine(saved, oldUlid), Path.Combine(data, oldUlid));
        using (var db = Open())
        {
            Assert.Equal(2, db.Blocks.Count);
            Assert.False(Directory.Exists(Path.Combine(data, oldUlid)));
            AssertSame(Expected(0, 200 * Minute, deleted), All(db));
        }
    }

    [Fact]
    public void A_snapshot_links_the_blocks_and_writes_the_head_as_a_block()
    {
        string snap = Path.Combine(_dir.Path, "data", Db.SnapshotsDir, "s1");
        string snapNoHead = Path.Combine(_dir.Path, "data", Db.SnapshotsDir, "s2");
        var deleted = new[] { (5, 150 * Minute, 160 * Minute) };
        using (var db = Open())
        {
            Fill(db, 0, 200 * Minute);
            db.Compact();
            db.Delete(150 * Minute, 160 * Minute, [LabelMatcher.Eq("i", "5")]);
            db.Snapshot(snap, withHead: true);
            db.Snapshot(snapNoHead, withHead: false);
            Assert.Throws<IOException>(() => db.Snapshot(snap, withHead: true));
            Fill(db, 200 * Minute, 210 * Minute); // after the snapshot: not in it
            Assert.Equal(3, Directory.GetDirectories(snap).Length);
            Assert.Equal(2, Directory.GetDirectories(snapNoHead).Length);
            Assert.False(Directory.Exists(snap + ".tmp"));
        }
        using (var db = Open(snap))
        {
            Assert.Equal(3, db.Blocks.Count);
            AssertSame(Expected(0, 200 * Minute, deleted), All(db));
        }
        using (var db = Open(snapNoHead))
        {
            AssertSame(Expected(0, 120 * Minute), All(db));
        }
        // The database itself is unchanged by all that.
        using (var db = Open())
        {
            AssertSame(Expected(0, 210 * Minute, deleted), All(db));
        }
    }

    [Fact]
    public void Unfinished_snapshots_and_backup_stagings_are_deleted_at_open()
    {
        string leftover = Path.Combine(_dir.Path, "data", Db.SnapshotsDir, "20240101T000000Z-0123456789abcdef.tmp");
        string done = Path.Combine(_dir.Path, "data", Db.SnapshotsDir, "20240101T000000Z-0123456789abcdef");
        Directory.CreateDirectory(leftover);
        Directory.CreateDirectory(done);
        File.WriteAllText(Path.Combine(leftover, "x"), "half");
        using var db = Open();
        Assert.False(Directory.Exists(leftover));
        Assert.True(Directory.Exists(done));
    }

    [Fact]
    public void A_backup_set_holds_exactly_the_state_when_it_was_prepared()
    {
        string copy = Path.Combine(_dir.Path, "restored");
        using (var db = Open())
        {
            Fill(db, 0, 150 * Minute);
            db.Compact(); // a block, a checkpoint, segments
            Fill(db, 150 * Minute, 160 * Minute);
            db.Delete(155 * Minute, 156 * Minute, [LabelMatcher.Eq("i", "0")]);
            using var set = db.PrepareBackup();
            Assert.StartsWith(Path.Combine(_dir.Path, "data", Db.SnapshotsDir), set.Dir);
            Fill(db, 160 * Minute, 200 * Minute); // goes on after the backup began: not in it
            db.Compact(); // and a compaction deletes old segments: the links keep them
            Assert.Contains(set.Files, f => f.Name.StartsWith("wal/checkpoint.", StringComparison.Ordinal));
            Assert.Contains(set.Files, f => f.Name.EndsWith("/index", StringComparison.Ordinal));
            foreach (var f in set.Files)
            {
                string dest = Path.Combine(copy, f.Name);
                Directory.CreateDirectory(Path.GetDirectoryName(dest)!);
                using var src = File.OpenRead(f.Path);
                using var dst = File.Create(dest);
                var buf = new byte[f.Length];
                src.ReadExactly(buf);
                dst.Write(buf);
            }
            set.Dispose();
            Assert.False(Directory.Exists(set.Dir));
        }
        using (var db = Open(copy))
        {
            AssertSame(Expected(0, 160 * Minute, (0, 155 * Minute, 156 * Minute)), All(db));
        }
    }

    private static void CopyDir(string from, string to)
    {
        Directory.CreateDirectory(to);
        foreach (var f in Directory.GetFiles(from))
        {
            File.Copy(f, Path.Combine(to, Path.GetFileName(f)));
        }
        foreach (var d in Directory.GetDirectories(from))
        {
            CopyDir(d, Path.Combine(to, Path.GetFileName(d)));
        }
    }
}
