using Ariane.Model;
using Ariane.Storage;
using Ariane.Tests.Support;
using Ariane.Tsdb;
using Microsoft.Extensions.Time.Testing;

namespace Ariane.Tests.Tsdb;

public sealed class OutOfOrderTests : IDisposable
{
    private const long Min = 60_000;
    private readonly TempDir _dir = new();
    private readonly FakeTimeProvider _time = new();

    public void Dispose() => _dir.Dispose();

    private Db Open(TimeSpan window) => Db.Open(new TsdbOptions
    {
        Path = _dir.Path,
        BlockRange = TimeSpan.FromHours(1),
        CompactionInterval = TimeSpan.Zero,
        WalSyncInterval = TimeSpan.Zero,
        OutOfOrderTimeWindow = window,
        RetentionTime = TimeSpan.Zero,
    }, _time);

    private static readonly Labels A = Labels.FromStrings("__name__", "m", "s", "a");
    private static readonly Labels B = Labels.FromStrings("__name__", "m", "s", "b");

    private static AppendStatus Add(IAppendable db, Labels l, long t, double v)
    {
        var app = db.Appender();
        ulong r = 0;
        var st = app.Append(ref r, l, t, v);
        app.Commit();
        return st;
    }

    private static List<(long T, double V)> Read(IQuerierSource db, Labels l, long mint = long.MinValue, long maxt = long.MaxValue)
    {
        using var q = db.Querier(mint, maxt);
        var set = q.Select(true, LabelMatcher.Eq("s", l.Get("s")));
        var list = new List<(long, double)>();
        while (set.MoveNext())
        {
            var it = set.Current.Iterator();
            while (it.Next())
            {
                list.Add((it.T, it.V));
            }
        }
        return list;
    }

    [Fact]
    public void Without_a_window_out_of_order_samples_are_refused()
    {
        using var db = Open(TimeSpan.Zero);
        Assert.Equal(AppendStatus.Ok, Add(db, A, 10 * Min, 1));
        Assert.Equal(AppendStatus.OutOfOrder, Add(db, A, 9 * Min, 2));
        Assert.Equal(1, db.Head.OutOfOrderSamples);
    }

    [Fact]
    public void Within_the_window_they_are_accepted_queryable_and_older_ones_refused_as_too_old()
    {
        using var db = Open(TimeSpan.FromMinutes(30));
        for (int i = 0; i <= 40; i += 2)
        {
            Assert.Equal(AppendStatus.Ok, Add(db, A, i * Min, i));
        }
        Assert.Equal(AppendStatus.Ok, Add(db, B, 40 * Min, 100));
        // Fill the odd minutes out of order, newest first, more than a buffer's worth across the series.
        for (int i = 39; i >= 11; i -= 2)
        {
            Assert.Equal(AppendStatus.Ok, Add(db, A, i * Min, i));
        }
        Assert.Equal(AppendStatus.TooOld, Add(db, A, 9 * Min, 9)); // 31 min behind the newest sample
        Assert.Equal(AppendStatus.Ok, Add(db, A, 21 * Min, 21));     // the same sample again
        Assert.Equal(AppendStatus.Ok, Add(db, A, 20 * Min, 20));     // the same as an in-order sample
        Assert.Equal(15, db.Head.OutOfOrderSamplesAppended);
        Assert.Equal(1, db.Head.TooOldSamples);
        var got = Read(db, A);
        var want = new List<(long, double)>();
        for (int i = 0; i <= 40; i++)
        {
            if (i % 2 == 0 || i >= 11)
            {
                want.Add((i * Min, i));
            }
        }
        Assert.Equal(want, got);
        Assert.Equal([(15 * Min, 15.0), (16 * Min, 16.0), (17 * Min, 17.0)], Read(db, A, 15 * Min, 17 * Min));
        // Another value at an out-of-order sample's timestamp is a duplicate.
        Assert.Equal(AppendStatus.Ok, Add(db, A, 13 * Min, 99)); // checked at commit, counted there
        Assert.Equal(13.0, Read(db, A, 13 * Min, 13 * Min)[0].V);
        Assert.Equal(1, db.Head.DuplicateSamples);
    }

    [Fact]
    public void Within_the_window_an_out_of_order_sample_behind_one_of_its_own_batch_is_kept()
    {
        using (var db = Open(TimeSpan.FromMinutes(30)))
        {
            Assert.Equal(AppendStatus.Ok, Add(db, A, 10 * Min, 10));
            var app = db.Appender();
            ulong r = 0;
            Assert.Equal(AppendStatus.Ok, app.Append(ref r, A, 20 * Min, 20));
            Assert.Equal(AppendStatus.Ok, app.Append(ref r, A, 15 * Min, 15)); // behind the batch's own 20, ahead of the stored 10
            Assert.Equal(AppendStatus.Ok, app.Append(ref r, A, 12 * Min, 12));
            app.Commit();
            Assert.Equal([(10 * Min, 10.0), (12 * Min, 12.0), (15 * Min, 15.0), (20 * Min, 20.0)], Read(db, A));
            Assert.Equal(2, db.Head.OutOfOrderSamplesAppended);
        }
        using (var db = Open(TimeSpan.FromMinutes(30)))
        {
            Assert.Equal([(10 * Min, 10.0), (12 * Min, 12.0), (15 * Min, 15.0), (20 * Min, 20.0)], Read(db, A));
        }
    }

    [Fact]
    public void They_survive_a_restart_and_a_compaction_into_blocks()
    {
        var want = new List<(long, double)>();
        using (var db = Open(TimeSpan.FromMinutes(50)))
        {
            for (int i = 0; i <= 200; i += 2)
            {
                Add(db, A, i * Min, i);
                if (i >= 50 && i % 10 == 0)
                {
                    // One minute back, out of order, every 10 minutes.
                    Assert.Equal(AppendStatus.Ok, Add(db, A, (i - 1) * Min, i - 1));
                }
            }
            for (int i = 0; i <= 200; i++)
            {
                if (i % 2 == 0 || (i >= 49 && (i + 1) % 10 == 0))
                {
                    want.Add((i * Min, i));
                }
            }
            Assert.Equal(want, Read(db, A));
        }
        using (var db = Open(TimeSpan.FromMinutes(50)))
        {
            Assert.Equal(want, Read(db, A)); // replayed from the WAL
            db.Compact();                    // cut [0,1h), [1h,2h): out-of-order samples go into the blocks
            Assert.Equal(2, db.Blocks.Count);
            Assert.Equal(want, Read(db, A));
            // More out-of-order samples after the cut, still within the head's range.
            Assert.Equal(AppendStatus.Ok, Add(db, A, 181 * Min, 181));
            Assert.Equal(AppendStatus.OutOfBounds, Add(db, A, 119 * Min, 119)); // in a block already
            want.Add((181 * Min, 181));
            want.Sort();
            Assert.Equal(want, Read(db, A));
        }
        using (var db = Open(TimeSpan.FromMinutes(50)))
        {
            Assert.Equal(want, Read(db, A)); // blocks, checkpoint (with its out-of-order record) and WAL
        }
    }
}
