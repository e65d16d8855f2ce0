using Ariane.Model;
using Ariane.Storage;
using Ariane.Tests.Support;
using Ariane.Tsdb;
using Ariane.Tsdb.Blocks;
using Microsoft.Extensions.Time.Testing;

namespace Ariane.Tests.Tsdb;

public sealed class DbTests : IDisposable
{
    private const long Hour = 3_600_000;
    private readonly TempDir _dir = new();
    private readonly FakeTimeProvider _time = new(DateTimeOffset.FromUnixTimeMilliseconds(1_700_000_000_000));
    private readonly List<string> _log = [];

    public void Dispose() => _dir.Dispose();

    private TsdbOptions Options(TimeSpan? retention = null, long retentionSize = 0) => new()
    {
        Path = _dir.Path,
        BlockRange = TimeSpan.FromHours(1),
        RetentionTime = retention ?? TimeSpan.Zero,
        RetentionSize = retentionSize,
        CompactionInterval = TimeSpan.Zero, // the tests call Compact themselves
        WalSyncInterval = TimeSpan.Zero,
    };

    private Db Open(TsdbOptions? o = null) => Db.Open(o ?? Options(), _time, new ListLogger(_log));

    private static Labels Series(int i) => Labels.FromStrings("__name__", "m", "i", i.ToString("D3", System.Globalization.CultureInfo.InvariantCulture), "job", i % 2 == 0 ? "a" : "b");

    // Appends samples of `series` series every 15 s over [from, to), one commit per step, value = f(series, t).
    private static void Fill(IAppendable db, int series, long from, long to)
    {
        var refs = new ulong[series];
        var labels = new Labels[series];
        for (int i = 0; i < series; i++)
        {
            labels[i] = Series(i);
        }
        // Off the block boundaries by 7 s, so that no block or checkpoint starts exactly at a sample.
        for (long t = from + Offset; t < to; t += 15_000)
        {
            var app = db.Appender();
            for (int i = 0; i < series; i++)
            {
                Assert.Equal(AppendStatus.Ok, app.Append(ref refs[i], labels[i], t, Value(i, t)));
            }
            app.Commit();
        }
    }

    private const long Offset = 7_000;

    private static double Value(int i, long t) => i * 1000.0 + t / 15_000 + (i % 3 == 0 ? 0.25 : 0);

    // Checks that every series has exactly the samples of [from, to) and nothing else.
    private static void AssertHolds(IQuerierSource db, int series, long from, long to, long qmin = long.MinValue, long qmax = long.MaxValue, params LabelMatcher[] ms)
    {
        using var q = db.Querier(qmin, qmax);
        var set = q.Select(false, ms);
        int n = 0;
        long lo = Math.Max(from, qmin), hi = Math.Min(to - 1, qmax);
        while (set.MoveNext())
        {
            var s = set.Current;
            Assert.Equal(Series(n), s.Labels);
            int i = n++;
            var it = s.Iterator();
            long expect = lo + (15_000 - ((lo - Offset) % 15_000 + 15_000) % 15_000) % 15_000;
            while (it.Next())
            {
                Assert.Equal(expect, it.T);
                Assert.Equal(Value(i, it.T), it.V);
                expect += 15_000;
            }
            Assert.True(expect > hi, $"series {i} ends at {expect - 15_000}, expected samples up to {hi}");
        }
        Assert.Equal(series, n);
    }

    [Fact]
    public void The_head_is_cut_into_blocks_and_queries_see_everything_once()
    {
        using (var db = Open())
        {
            Fill(db, 20, 0, 4 * Hour);
            db.Compact();
            // The head spans 4 h > 1.5 h: cut [0,1h), [1h,2h), [2h, 3h); the head keeps [3h, 4h).
            Assert.Equal(3, db.HeadCompactions);
            Assert.Equal(3, db.Blocks.Count);
            Assert.Equal(3 * Hour, db.Head.MinValidTime);
            AssertHolds(db, 20, 0, 4 * Hour);
            AssertHolds(db, 20, 0, 4 * Hour, Hour / 2, 3 * Hour + 100_000); // across blocks and the head
            var app = db.Appender();
            ulong r = 0;
            Assert.Equal(AppendStatus.OutOfBounds, app.Append(ref r, Series(0), 2 * Hour, 1));
            app.Rollback();
            Assert.Equal(1, db.Head.OutOfBoundsSamples);
        }
        // The WAL now starts with a checkpoint; after a restart the data are the same.
        Assert.Single(Directory.GetDirectories(Path.Combine(_dir.Path, "wal"), "checkpoint.*"));
        using (var db = Open())
        {
            Assert.Equal(3, db.Blocks.Count);
            Assert.Equal(3 * Hour, db.Head.MinValidTime);
            AssertHolds(db, 20, 0, 4 * Hour);
            Fill(db, 20, 4 * Hour, 5 * Hour);
            db.Compact();
            AssertHolds(db, 20, 0, 5 * Hour);
        }
        using (var db = Open())
        {
            AssertHolds(db, 20, 0, 5 * Hour);
        }
    }

    [Fact]
    public void Bulk_reads_and_reused_iterators_see_every_sample_of_blocks_and_head_once()
    {
        using var db = Open();
        Fill(db, 20, 0, 4 * Hour);
        db.Compact();
        Assert.Equal(3, db.Blocks.Count);
        // Five more series only in the head, and deleted samples in a block for some of the old ones.
        Fill(db, 25, 4 * Hour, 4 * Hour + Hour / 2);
        var deleted = new Interval(Hour + 600_000, Hour + 1_200_000);
        var block = db.Blocks[1];
        var add = new List<KeyValuePair<uint, Interval>>();
        foreach (uint id in block.MatchingSeries([LabelMatcher.Eq("job", "a")]))
        {
            add.Add(new(id, deleted));
        }
        block.AddTombstones(add);
        var ranges = new (long Min, long Max)[]
        {
            (long.MinValue, long.MaxValue), (0, 4 * Hour), (Hour / 2, 3 * Hour + 100_000), (Hour + 7_000, 2 * Hour + 7_000),
            (3 * Hour - 1, 3 * Hour + 1), (2 * Hour + 22_000, 2 * Hour + 22_000), (4 * Hour - 60_000, 5 * Hour),
        };
        foreach (var (qmin, qmax) in ranges)
        {
            foreach (int batch in new[] { 1, 7, 120, 121, 1000 })
            {
                using var q = db.Querier(qmin, qmax);
                var set = q.Select(false);
                ISampleIterator? reused = null;
                var ts = new long[batch];
                var vs = new double[batch];
                int n = 0;
                while (set.MoveNext())
                {
                    var s = set.Current;
                    int i = n++;
                    var want = new List<(long, double)>();
                    long from = i < 20 ? 0 : 4 * Hour, to = 4 * Hour + Hour / 2;
                    for (long t = from + Offset; t < to; t += 15_000)
                    {
                        if (t >= qmin && t <= qmax && !(i % 2 == 0 && deleted.Contains(t)))
                        {
                            want.Add((t, Value(i, t)));
                        }
                    }
                    // Next, through an iterator reused from the previous series.
                    var it = reused = s.Iterator(reused);
                    var got = new List<(long, double)>();
                    while (it.Next())
                    {
                        got.Add((it.T, it.V));
                    }
                    Assert.Equal(want, got);
                    // Seek to a sample, then bulk reads up to a bound, through a fresh iterator and a reused one.
                    long lo = want.Count > 2 ? want[1].Item1 - 1 : long.MinValue, hi = want.Count > 3 ? want[^2].Item1 : long.MaxValue;
                    var expect = want.FindAll(x => x.Item1 >= lo && x.Item1 <= hi);
                    foreach (var bulk in new[] { s.Iterator(), reused = s.Iterator(reused) })
                    {
                        got.Clear();
                        if (bulk.Seek(lo) && bulk.T <= hi)
                        {
                            got.Add((bulk.T, bulk.V));
                            int k;
                            do
                            {
                                k = bulk.Read(hi, ts, vs);
                                for (int j = 0; j < k; j++)
                                {
                                    got.Add((ts[j], vs[j]));
                                }
                                if (k > 0)
                                {
                                    Assert.Equal((ts[k - 1], vs[k - 1]), (bulk.T, bulk.V));
                                }
                            }
                            while (k == batch);
                        }
                        Assert.Equal(expect, got);
                    }
                }
                Assert.True(n >= 20 || qmax < 4 * Hour);
            }
        }
    }

    [Fact]
    public void Blocks_are_compacted_level_by_level_without_losing_a_sample()
    {
        using var db = Open();
        Fill(db, 10, 0, 12 * Hour);
        db.Compact();
        // 1 h blocks [0,10h); 3 h windows [0,3h), [3h,6h), [6h,9h) compacted once a newer block starts after them
        // (level 2), then the 9 h window [0,9h) out of those three (level 3); [9h,10h) is the newest, left alone.
        var shape = new List<string>();
        foreach (var b in db.Blocks)
        {
            shape.Add($"[{b.Meta.MinTime / Hour},{b.Meta.MaxTime / Hour})L{b.Meta.Level}");
        }
        Assert.Equal("[0,9)L3 [9,10)L1 [10,11)L1", string.Join(" ", shape));
        var big = db.Blocks[0].Meta;
        Assert.Equal((0L, 9 * Hour, 3, 9), (big.MinTime, big.MaxTime, big.Level, big.Sources.Count));
        Assert.Equal(3, big.Parents.Count);

        AssertHolds(db, 10, 0, 12 * Hour);
        // Parents are gone from disk.
        int dirs = 0;
        foreach (var d in Directory.GetDirectories(_dir.Path))
        {
            if (Ulid.IsValid(Path.GetFileName(d)))
            {
                dirs++;
            }
        }
        Assert.Equal(db.Blocks.Count, dirs);
    }

    [Fact]
    public void Retention_time_deletes_whole_old_blocks()
    {
        using var db = Open(Options(retention: TimeSpan.FromHours(4)));
        Fill(db, 5, 0, 10 * Hour);
        db.Compact();
        Assert.True(db.TimeRetentionDeletions > 0);
        Assert.True(db.Blocks[0].Meta.MaxTime > 10 * Hour - 4 * Hour - 1);
        long oldest = db.Blocks[0].Meta.MinTime;
        AssertHolds(db, 5, oldest, 10 * Hour);
    }

    [Fact]
    public void Retention_size_deletes_the_oldest_blocks_first()
    {
        using (var db = Open())
        {
            Fill(db, 50, 0, 8 * Hour);
            db.Compact();
        }
        long total = 0;
        var sizes = new List<long>();
        using (var db = Open())
        {
            foreach (var b in db.Blocks)
            {
                sizes.Add(b.Size);
                total += b.Size;
            }
            total += db.WalSize();
        }
        long limit = total - sizes[0] / 2; // one block too many
        using (var db = Open(Options(retentionSize: limit)))
        {
            db.Compact();
            Assert.Equal(1, db.SizeRetentionDeletions);
            Assert.Equal(sizes.Count - 1, db.Blocks.Count);
        }
    }

    [Fact]
    public void A_damaged_block_is_quarantined_and_the_rest_is_served()
    {
        string damaged;
        using (var db = Open())
        {
            Fill(db, 10, 0, 4 * Hour);
            db.Compact();
            damaged = db.Blocks[1].Dir;
        }
        string index = Path.Combine(damaged, "index");
        var bytes = File.ReadAllBytes(index);
        bytes[bytes.Length / 2] ^= 0xFF;
        File.WriteAllBytes(index, bytes);
        using (var db = Open())
        {
            var q = Assert.Single(db.Quarantined);
            Assert.Equal(Path.GetFileName(damaged), q.Ulid);
            Assert.Contains("checksum", q.Reason, StringComparison.Ordinal);
            Assert.True(Directory.Exists(Path.Combine(_dir.Path, Db.QuarantineDir, q.Ulid)));
            Assert.False(Directory.Exists(damaged));
            Assert.Contains(_log, l => l.Contains("damaged", StringComparison.Ordinal) && l.Contains(q.Ulid, StringComparison.Ordinal));
            Assert.Equal(2, db.Blocks.Count);
            AssertHolds(db, 10, 3 * Hour, 4 * Hour, 3 * Hour);
        }
    }

    [Fact]
    public void Leftovers_of_interrupted_writes_are_removed_at_open()
    {
        using (var db = Open())
        {
            Fill(db, 5, 0, 4 * Hour);
            db.Compact();
        }
        string tmp = Path.Combine(_dir.Path, Ulid.New(1) + BlockWriter.TmpSuffix);
        Directory.CreateDirectory(tmp);
        File.WriteAllText(Path.Combine(tmp, "index"), "half");
        string del = Path.Combine(_dir.Path, Ulid.New(2) + ".tmp-for-deletion");
        Directory.CreateDirectory(del);
        string cpTmp = Path.Combine(_dir.Path, "wal", "checkpoint.00000099.tmp");
        Directory.CreateDirectory(cpTmp);
        using (var db = Open())
        {
            Assert.False(Directory.Exists(tmp));
            Assert.False(Directory.Exists(del));
            Assert.False(Directory.Exists(cpTmp));
            AssertHolds(db, 5, 0, 4 * Hour);
        }
    }

    [Fact]
    public void Parents_left_behind_by_an_interrupted_compaction_are_deleted_at_open()
    {
        var copies = new List<string>();
        using (var db = Open())
        {
            Fill(db, 5, 0, 4 * Hour);
            db.Compact();
            Assert.Equal(3, db.Blocks.Count);
            // Keep copies of the 1 h blocks, which a level-2 compaction will replace.
            foreach (var b in db.Blocks)
            {
                string copy = b.Dir + ".copy";
                CopyDir(b.Dir, copy);
                copies.Add(copy);
            }
            Fill(db, 5, 4 * Hour, 6 * Hour);
            db.Compact();
            Assert.Contains(db.Blocks, b => b.Meta.Level == 2);
        }
        // As if the compaction crashed after writing its block but before deleting its parents.
        foreach (var c in copies)
        {
            Directory.Move(c, c[..^".copy".Length]);
        }
        using (var db = Open())
        {
            foreach (var c in copies)
            {
                Assert.False(Directory.Exists(c[..^".copy".Length]));
            }
            AssertHolds(db, 5, 0, 6 * Hour);
        }
    }

    [Fact]
    public void Blocks_moved_into_the_data_folder_are_served_and_overlaps_compacted()
    {
        using var db = Open();
        Fill(db, 4, 10 * Hour, 11 * Hour);
        // A backfilled block of older data for the same series, and one overlapping it, made elsewhere.
        using var other = new TempHead();
        Fill(other.Head, 4, 0, 3 * Hour);
        foreach (var (lo, hi) in new[] { (0L, 2 * Hour), (Hour, 3 * Hour) })
        {
            using var q = other.Head.Querier(lo, hi - 1);
            Assert.NotNull(BlockWriter.Write(_dir.Path, lo, hi, q.Select(true), BlockLineage.Fresh, _time));
        }
        db.Compact();
        // Loaded, then merged into one block [0, 3h) because they overlap.
        var b = Assert.Single(db.Blocks);
        Assert.Equal((0L, 3 * Hour), (b.Meta.MinTime, b.Meta.MaxTime));
        AssertHolds(db, 4, 0, 3 * Hour, 0, 3 * Hour - 1);
        AssertHolds(db, 4, 10 * Hour, 11 * Hour, 10 * Hour);
    }

    [Fact]
    public void A_backfilled_block_newer_than_the_head_does_not_hide_the_heads_samples_after_a_restart()
    {
        using (var db = Open())
        {
            Fill(db, 4, 10 * Hour, 11 * Hour);
            // Other series backfilled over [10h, 12h): newer than everything in the head.
            using var other = new TempHead();
            var app = other.Head.Appender();
            ulong r = 0;
            for (long t = 10 * Hour; t < 12 * Hour; t += 60_000)
            {
                app.Append(ref r, Labels.FromStrings("__name__", "backfilled"), t, 1);
            }
            app.Commit();
            using var q = other.Head.Querier(10 * Hour, 12 * Hour - 1);
            Assert.NotNull(BlockWriter.Write(_dir.Path, 10 * Hour, 12 * Hour, q.Select(true), BlockLineage.Fresh, _time));
            db.Compact();
            Assert.Single(db.Blocks);
            AssertHolds(db, 4, 10 * Hour, 11 * Hour, 0, long.MaxValue, LabelMatcher.Eq("__name__", "m"));
        }
        using (var db = Open())
        {
            // No head cut happened (no checkpoint), so the whole WAL is the head's, whatever the blocks say.
            AssertHolds(db, 4, 10 * Hour, 11 * Hour, 0, long.MaxValue, LabelMatcher.Eq("__name__", "m"));
        }
    }

    [Fact]
    public void A_gap_in_the_head_is_jumped_not_walked_range_by_range()
    {
        using var db = Open();
        // One series sent a sample long ago; everything else is recent.
        var app = db.Appender();
        ulong r = 0;
        Assert.Equal(AppendStatus.Ok, app.Append(ref r, Labels.FromStrings("__name__", "old"), 0, 1));
        app.Commit();
        Fill(db, 3, 1000 * Hour, 1004 * Hour);
        db.Compact();
        // [0,1h) for the old sample, then straight to the recent data: [1000h,1001h) .. [1002h,1003h), the first two
        // compacted into their 3 h window; not a thousand empty ranges in between.
        var shape = new List<string>();
        foreach (var b in db.Blocks)
        {
            shape.Add($"[{b.Meta.MinTime / Hour},{b.Meta.MaxTime / Hour})");
        }
        Assert.Equal("[0,1) [1000,1002) [1002,1003)", string.Join(" ", shape));
        Assert.InRange(db.HeadCompactions, 1, 4);
        AssertHolds(db, 3, 1000 * Hour, 1004 * Hour, 0, long.MaxValue, LabelMatcher.Eq("__name__", "m"));
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
