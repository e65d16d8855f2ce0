using Ariane.Model;
using Ariane.Storage;
using Ariane.Tests.Support;
using Ariane.Tsdb;
using Ariane.Tsdb.Blocks;
using Microsoft.Extensions.Time.Testing;

namespace Ariane.Tests.Tsdb;

/// <summary>Blocks written by earlier versions of the format still open, read and compact into the current one.</summary>
public class BlockFormatCompatTests
{
    // Copies the checked-in block into a fresh data folder (tests never write into the source tree).
    private static string CopyFixture(string dataDir)
    {
        string src = Directory.GetDirectories(BlockFormatFixture.Folder).Single();
        string dst = Path.Combine(dataDir, Path.GetFileName(src));
        foreach (string f in Directory.GetFiles(src, "*", SearchOption.AllDirectories))
        {
            string to = Path.Combine(dst, Path.GetRelativePath(src, f));
            Directory.CreateDirectory(Path.GetDirectoryName(to)!);
            File.Copy(f, to);
        }
        return dst;
    }

    private static byte FileVersion(string path) => File.ReadAllBytes(path)[4];

    // The querier holds exactly the fixture's series (those of one instance when given) and samples, bit for bit.
    private static void AssertHoldsFixture(IQuerier q, string? instance = null)
    {
        var want = BlockFormatFixture.Series().Where(s => instance is null || s.Labels.Get("instance") == instance).ToList();
        var set = q.Select(true, instance is null ? [] : [new LabelMatcher(MatcherType.Equal, "instance", instance)]);
        int i = 0;
        while (set.MoveNext())
        {
            Assert.True(i < want.Count, "more series than written: " + set.Current.Labels);
            var (labels, ts, vs) = want[i++];
            Assert.Equal(labels.ToString(), set.Current.Labels.ToString());
            var got = TempHead.Samples(set.Current);
            Assert.Equal(ts.Length, got.Count);
            for (int k = 0; k < ts.Length; k++)
            {
                Assert.Equal(ts[k], got[k].T);
                Assert.Equal(BitConverter.DoubleToInt64Bits(vs[k]), BitConverter.DoubleToInt64Bits(got[k].V));
            }
        }
        Assert.Equal(want.Count, i);
    }

    [Fact]
    public void A_version_1_block_opens_and_reads_every_sample()
    {
        using var dir = new TempDir();
        var b = Block.Open(CopyFixture(dir.Path));
        try
        {
            Assert.Equal(1, FileVersion(Path.Combine(b.Dir, "index")));
            Assert.Equal(1, FileVersion(Path.Combine(b.Dir, "chunks", "000001")));
            Assert.Null(b.Verify());
            using var q = b.Querier(long.MinValue, long.MaxValue);
            AssertHoldsFixture(q);
            Assert.Equal(["a", "b"], q.LabelValues("instance"));
            var buckets = q.Select(true, new LabelMatcher(MatcherType.Equal, "__name__", "latency_seconds_bucket"), new LabelMatcher(MatcherType.NotEqual, "le", "+Inf"));
            int n = 0;
            while (buckets.MoveNext())
            {
                n++;
            }
            Assert.Equal(3, n);
        }
        finally
        {
            b.Close();
        }
    }

    [Fact]
    public void A_version_1_block_compacts_into_the_current_format()
    {
        using var dir = new TempDir();
        CopyFixture(dir.Path);
        // A block of the current format overlapping the old one, so that the database merges the two.
        var series = BlockFormatFixture.Series();
        var renamed = series.Select(s => (ISeries)new ArraySeries(
            Labels.FromStrings("__name__", s.Labels.Get("__name__"), "instance", "c"), s.T, s.V, s.T.Length)).ToList();
        renamed = [.. renamed.GroupBy(s => s.Labels.ToString()).Select(g => g.First()).OrderBy(s => s.Labels)];
        Assert.NotNull(BlockWriter.Write(dir.Path, BlockFormatFixture.MinTime, BlockFormatFixture.MaxTime, new ListSeriesSet(renamed), BlockLineage.Fresh, TimeProvider.System));
        var options = new TsdbOptions
        {
            Path = dir.Path,
            BlockRange = TimeSpan.FromHours(2),
            CompactionInterval = TimeSpan.Zero,
            WalSyncInterval = TimeSpan.Zero,
        };
        var time = new FakeTimeProvider(DateTimeOffset.FromUnixTimeMilliseconds(BlockFormatFixture.MaxTime + 3_600_000));
        using (var db = Db.Open(options, time))
        {
            Assert.Equal(2, db.Blocks.Count);
            db.Compact();
            var b = Assert.Single(db.Blocks);
            Assert.Equal(IndexWriter.Version, FileVersion(Path.Combine(b.Dir, "index")));
            Assert.Equal(ChunkWriter.Version, FileVersion(Path.Combine(b.Dir, "chunks", "000001")));
            Assert.Null(b.Verify());
            using var q = b.Querier(long.MinValue, long.MaxValue);
            AssertHoldsFixture(q, "a");
            using var q2 = b.Querier(long.MinValue, long.MaxValue);
            AssertHoldsFixture(q2, "b");
        }
        // And after a restart.
        using (var db = Db.Open(options, time))
        {
            var b = Assert.Single(db.Blocks);
            using var q = b.Querier(long.MinValue, long.MaxValue);
            AssertHoldsFixture(q, "a");
        }
    }

    [Fact]
    public void The_byte_breakdown_adds_up_to_the_files_in_both_formats()
    {
        using var dir = new TempDir();
        var old = Block.Open(CopyFixture(dir.Path));
        string rewritten = Path.Combine(dir.Path, "new");
        Directory.CreateDirectory(rewritten);
        BlockMeta? meta;
        using (var q = old.Querier(long.MinValue, long.MaxValue))
        {
            meta = BlockWriter.Write(rewritten, old.Meta.MinTime, old.Meta.MaxTime, q.Select(true), BlockLineage.Fresh, TimeProvider.System);
        }
        var cur = Block.Open(Path.Combine(rewritten, meta!.Ulid));
        try
        {
            foreach (var b in new[] { old, cur })
            {
                var m = new BlockBytes();
                m.Measure(b);
                Assert.Equal(new FileInfo(Path.Combine(b.Dir, "index")).Length, m.Index);
                Assert.Equal(Directory.GetFiles(Path.Combine(b.Dir, "chunks")).Sum(f => new FileInfo(f).Length), m.Chunks);
                Assert.Equal(b.Meta.NumSeries, m.SeriesEntries);
                Assert.Equal(b.Meta.NumChunks, m.ChunkMetas);
                Assert.Equal(b.Meta.NumSamples, m.Samples);
                Assert.True(m.DeltaRecords > 0 && m.XorRecords > 0);
                Assert.Contains("| **total** | ", m.Render(), StringComparison.Ordinal);
            }
            // The current format is smaller, in the index and in the chunks.
            var (o, c) = (new BlockBytes(), new BlockBytes());
            o.Measure(old);
            c.Measure(cur);
            Assert.True(c.Index < o.Index, $"index {c.Index} >= {o.Index}");
            Assert.True(c.Chunks < o.Chunks, $"chunks {c.Chunks} >= {o.Chunks}");
        }
        finally
        {
            old.Close();
            cur.Close();
        }
    }
}
