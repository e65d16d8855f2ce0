using Ariane.Model;
using Ariane.Storage;
using Ariane.Tests.Support;
using Ariane.Tsdb;

namespace Ariane.Tests.Tsdb;

/// <summary>WAL checkpoints keep the head's samples exactly, whatever their alignment to the truncation time.</summary>
public sealed class CheckpointTests : IDisposable
{
    private readonly TempDir _dir = new();

    public void Dispose() => _dir.Dispose();

    [Theory]
    [InlineData(0)]        // samples on the block boundary
    [InlineData(5_000)]    // the first sample kept comes 5 s after the truncation time
    [InlineData(14_999)]
    public void A_checkpoint_keeps_every_timestamp(long offset)
    {
        var options = new TsdbOptions
        {
            Path = _dir.Path,
            BlockRange = TimeSpan.FromHours(1),
            RetentionTime = TimeSpan.Zero,
            CompactionInterval = TimeSpan.Zero,
            WalSyncInterval = TimeSpan.Zero,
        };
        var expected = new List<(long, double)>();
        using (var db = Db.Open(options, TimeProvider.System))
        {
            ulong r = 0;
            var labels = Labels.FromStrings("__name__", "m");
            for (long t = offset; t < 3 * 3_600_000; t += 15_000)
            {
                var app = db.Appender();
                Assert.Equal(AppendStatus.Ok, app.Append(ref r, labels, t, t / 1000.0));
                app.Commit();
                expected.Add((t, t / 1000.0));
            }
            db.Compact(); // cuts [0, 1h) and [1h, 2h): the head's rest is checkpointed from 2 h on
            Assert.Equal(2, db.Blocks.Count);
        }
        using (var db = Db.Open(options, TimeProvider.System))
        {
            var got = new List<(long, double)>();
            using var q = db.Querier(long.MinValue, long.MaxValue);
            var set = q.Select(false);
            Assert.True(set.MoveNext());
            var it = set.Current.Iterator();
            while (it.Next())
            {
                got.Add((it.T, it.V));
            }
            Assert.Equal(expected, got);
        }
    }
}
