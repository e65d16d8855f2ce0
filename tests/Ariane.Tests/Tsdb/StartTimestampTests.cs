using Ariane.Model;
using Ariane.Storage;
using Ariane.Tests.Support;
using Ariane.Tsdb;
using Ariane.Tsdb.Blocks;
using Ariane.Tsdb.Chunks;
using Microsoft.Extensions.Time.Testing;

namespace Ariane.Tests.Tsdb;

/// <summary>Start timestamps kept per sample through the head, the WAL, checkpoints, blocks and compaction.</summary>
public sealed class StartTimestampTests : IDisposable
{
    private const long Min = 60_000;
    private readonly TempDir _dir = new();
    private readonly FakeTimeProvider _time = new();

    public void Dispose() => _dir.Dispose();

    private Db Open() => Db.Open(new TsdbOptions
    {
        Path = _dir.Path,
        BlockRange = TimeSpan.FromHours(1),
        CompactionInterval = TimeSpan.Zero,
        WalSyncInterval = TimeSpan.Zero,
        RetentionTime = TimeSpan.Zero,
    }, _time);

    private static readonly Labels A = Labels.FromStrings("__name__", "m", "s", "a");
    private static readonly Labels B = Labels.FromStrings("__name__", "m", "s", "b");

    /// <summary>
    /// Series a: no start timestamps for 50 minutes, then a cumulative counter (one start), a delta series (start =
    /// previous sample), arbitrary ones, and gaps of none; sampled every minute (several head chunks, several blocks).
    /// </summary>
    private static long StartOf(int i) => i switch
    {
        < 50 => 0,
        < 150 => (50 * Min) - 30_000,
        < 250 => (i - 1) * Min,
        < 300 => i % 7 == 0 ? 0 : (i * Min) - (i * 37 % 1000) + 500,
        _ => i % 3 == 0 ? 0 : (i * Min) - 1,
    };

    private static List<(long T, double V, long St)> Want(int upTo)
    {
        var want = new List<(long, double, long)>();
        for (int i = 0; i < upTo; i++)
        {
            want.Add((i * Min, i, StartOf(i)));
        }
        return want;
    }

    private static void Load(IAppendable db, int from, int to)
    {
        for (int i = from; i < to; i++)
        {
            var app = db.Appender();
            ulong r = 0;
            Assert.Equal(AppendStatus.Ok, app.Append(ref r, A, i * Min, i, StartOf(i)));
            ulong rb = 0;
            Assert.Equal(AppendStatus.Ok, app.Append(ref rb, B, i * Min, -i));
            app.Commit();
        }
    }

    private static List<(long T, double V, long St)> Read(IQuerierSource db, Labels l)
    {
        using var q = db.Querier(long.MinValue, long.MaxValue);
        var set = q.Select(true, LabelMatcher.Eq("s", l.Get("s")));
        var list = new List<(long, double, long)>();
        while (set.MoveNext())
        {
            var it = set.Current.Iterator();
            while (it.Next())
            {
                list.Add((it.T, it.V, it.ST));
            }
        }
        return list;
    }

    // The bulk read, in small batches (so reads stop inside chunks), after a seek into the middle.
    private static List<(long T, double V, long St)> ReadBulk(IQuerierSource db, Labels l, long from)
    {
        using var q = db.Querier(long.MinValue, long.MaxValue);
        var set = q.Select(true, LabelMatcher.Eq("s", l.Get("s")));
        var list = new List<(long, double, long)>();
        var ts = new long[7];
        var vs = new double[7];
        var sts = new long[7];
        while (set.MoveNext())
        {
            var it = set.Current.Iterator();
            if (!it.Seek(from))
            {
                continue;
            }
            list.Add((it.T, it.V, it.ST));
            int n;
            do
            {
                n = it.Read(long.MaxValue, ts, vs, sts);
                for (int i = 0; i < n; i++)
                {
                    list.Add((ts[i], vs[i], sts[i]));
                }
            }
            while (n == ts.Length);
        }
        return list;
    }

    private static void Check(IQuerierSource db, int upTo)
    {
        var want = Want(upTo);
        Assert.Equal(want, Read(db, A));
        Assert.Equal(want.Where(w => w.T >= 117 * Min).ToList(), ReadBulk(db, A, 117 * Min));
        Assert.Equal(want.Select(w => (w.T, -w.V, 0L)).ToList(), Read(db, B));
        Assert.Equal(want.Select(w => (w.T, -w.V, 0L)).ToList(), ReadBulk(db, B, 0));
    }

    [Fact]
    public void They_survive_the_head_a_restart_a_compaction_a_checkpoint_and_a_deletion()
    {
        using (var db = Open())
        {
            Load(db, 0, 200);
            Check(db, 200); // head chunks (120 samples each), the open one with a late first start timestamp
        }
        using (var db = Open())
        {
            Check(db, 200); // replayed from the WAL
            Load(db, 200, 400);
            db.Compact(); // blocks of an hour; the head keeps the rest, its WAL checkpointed
            Assert.True(db.Blocks.Count >= 4);
            Check(db, 400);
            // tsdb analyze --bytes accounts for the start-timestamp columns, and for every byte.
            long withSt = 0;
            foreach (var b in db.Blocks)
            {
                var m = new BlockBytes();
                m.Measure(b);
                Assert.Equal(Directory.GetFiles(Path.Combine(b.Dir, "chunks")).Sum(f => new FileInfo(f).Length), m.Chunks);
                withSt += m.StartTimeRecords;
                Assert.Equal(m.StartTimeRecords > 0, m.StartTimeBytes > 0);
            }
            Assert.True(withSt >= 3);
        }
        using (var db = Open())
        {
            Check(db, 400); // blocks, checkpoint and WAL
            // A deleted interval inside a block: the start timestamps stay with their samples.
            db.Delete(100 * Min, 110 * Min, [LabelMatcher.Eq("s", "a")]);
            var want = Want(400).Where(w => w.T < 100 * Min || w.T > 110 * Min).ToList();
            Assert.Equal(want, Read(db, A));
            Assert.Equal(want.Where(w => w.T >= 117 * Min).ToList(), ReadBulk(db, A, 117 * Min));
        }
    }

    [Fact]
    public void Start_timestamps_too_far_from_their_sample_to_encode_are_dropped()
    {
        Assert.Equal(0, StartTimes.Sanitize(5, long.MinValue + 3));
        Assert.Equal(0, StartTimes.Sanitize(long.MaxValue, -5));
        Assert.Equal(0, StartTimes.Sanitize(0, StartTimes.MaxDistance));
        Assert.Equal(-7, StartTimes.Sanitize(1000, -7));
        Assert.Equal(StartTimes.MaxDistance - 1, StartTimes.Sanitize(0, StartTimes.MaxDistance - 1));
    }

    [Fact]
    public void Hostile_chunk_data_with_the_flag_fails_as_invalid_data_only()
    {
        var rnd = new Random(11);
        var ts = new long[BlockWriter.SamplesPerChunk];
        var vs = new double[BlockWriter.SamplesPerChunk];
        var sts = new long[BlockWriter.SamplesPerChunk];
        var good = new ChunkEncoder(BlockWriter.SamplesPerChunk);
        for (int i = 0; i < 100; i++)
        {
            ts[i] = i * 15_000L;
            vs[i] = i;
            sts[i] = i % 5 == 0 ? 0 : -1;
        }
        var enc = good.Encode(ts.AsSpan(0, 100), vs.AsSpan(0, 100), sts.AsSpan(0, 100), out var data);
        var valid = data.ToArray();
        for (int round = 0; round < 3000; round++)
        {
            byte[] bytes = round % 2 == 0 ? new byte[rnd.Next(0, 64)] : (byte[])valid.Clone();
            if (round % 2 == 0)
            {
                rnd.NextBytes(bytes);
            }
            else
            {
                for (int k = rnd.Next(1, 4); k > 0; k--)
                {
                    bytes[rnd.Next(bytes.Length)] = (byte)rnd.Next(256);
                }
            }
            int count = rnd.Next(1, BlockWriter.SamplesPerChunk + 1);
            try
            {
                ChunkDecoder.Decode(enc | (ChunkEncoding)(rnd.Next(4) & 3), bytes, count, 0, 100 * 15_000L, ts, vs, sts);
            }
            catch (InvalidDataException)
            {
            }
        }
    }

    [Fact]
    public void The_column_codes_round_trip()
    {
        var rnd = new Random(7);
        for (int round = 0; round < 200; round++)
        {
            int n = rnd.Next(1, 241);
            var ts = new long[n];
            var sts = new long[n];
            long t = rnd.NextInt64(-1L << 40, 1L << 40);
            for (int i = 0; i < n; i++)
            {
                t += rnd.Next(1, 100_000);
                ts[i] = t;
                sts[i] = rnd.Next(6) switch
                {
                    0 => 0,
                    1 => i > 0 ? sts[i - 1] : 1,
                    2 => i > 0 ? ts[i - 1] : t,
                    3 => t,
                    4 => t + rnd.Next(1, 10_000),
                    _ => StartTimes.Sanitize(t, rnd.NextInt64()),
                };
            }
            var codes = new byte[10 * n];
            int len = StartTimes.Encode(ts, sts, codes);
            var back = new long[n];
            StartTimes.Decode(codes.AsSpan(0, len), ts, back);
            Assert.Equal(sts, back);
            Assert.Throws<InvalidDataException>(() => StartTimes.Decode(codes.AsSpan(0, len - 1), ts, back));

            // The same through a block chunk, in whichever encoding the values get.
            var vs = new double[n];
            for (int i = 0; i < n; i++)
            {
                vs[i] = rnd.Next(2) == 0 ? i * 1.5 : rnd.NextDouble();
            }
            var enc = new ChunkEncoder(BlockWriter.SamplesPerChunk);
            var e = enc.Encode(ts, vs, sts, out var data);
            var dts = new long[n];
            var dvs = new double[n];
            var dsts = new long[n];
            bool has = ChunkDecoder.Decode(e, data, n, ts[0], ts[^1], dts, dvs, dsts);
            Assert.Equal(sts.Any(x => x != 0), has);
            Assert.Equal(has, (e & ChunkEncoding.StartTimesFlag) != 0);
            Assert.Equal(ts, dts);
            Assert.Equal(vs, dvs);
            Assert.Equal(has ? sts : new long[n], dsts);
        }
    }
}
