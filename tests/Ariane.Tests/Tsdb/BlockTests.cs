using Ariane.Model;
using Ariane.Storage;
using Ariane.Tests.Support;
using Ariane.Tsdb.Blocks;

namespace Ariane.Tests.Tsdb;

public class BlockTests
{
    private static Labels L(params string[] nv) => Labels.FromStrings(nv);

    // A head with a mix of series: different label sets, gaps, a series that ends early, one starting late,
    // values that exercise the XOR encoding (integers, fractions, NaN, ±Inf, stale markers).
    private static TempHead Populated(int series = 50, int samples = 400)
    {
        var h = new TempHead();
        var rnd = new Random(7);
        for (int i = 0; i < series; i++)
        {
            var labels = L("__name__", i % 3 == 0 ? "up" : "node_cpu_seconds_total", "instance", $"host-{i % 7}", "job", i % 2 == 0 ? "node" : "api", "cpu", (i % 4).ToString(System.Globalization.CultureInfo.InvariantCulture), "i", i.ToString(System.Globalization.CultureInfo.InvariantCulture));
            var list = new List<(long, double)>();
            int start = i == 5 ? samples / 2 : 0, end = i == 6 ? samples / 3 : samples;
            double v = 0;
            for (int k = start; k < end; k++)
            {
                if (i == 8 && k % 10 == 3)
                {
                    continue; // gaps
                }
                v += i % 5 == 0 ? rnd.Next(0, 10) : rnd.NextDouble();
                double val = (i, k % 97) switch
                {
                    (9, 1) => double.NaN,
                    (9, 2) => double.PositiveInfinity,
                    (9, 3) => double.NegativeInfinity,
                    (10, 4) => SampleValue.StaleNaN,
                    _ => v,
                };
                list.Add((k * 15_000L + (i % 3), val));
            }
            h.Add(labels, [.. list]);
        }
        return h;
    }

    private static Block WriteBlock(TempHead h, string dir, long mint, long maxt)
    {
        using var q = h.Head.Querier(mint, maxt - 1);
        var meta = BlockWriter.Write(dir, mint, maxt, q.Select(true), BlockLineage.Fresh, TimeProvider.System);
        Assert.NotNull(meta);
        return Block.Open(Path.Combine(dir, meta.Ulid));
    }

    private static List<(string, List<(long T, double V)>)> Dump(IQuerier q, params LabelMatcher[] ms)
    {
        var set = q.Select(true, ms);
        var list = new List<(string, List<(long, double)>)>();
        while (set.MoveNext())
        {
            list.Add((set.Current.Labels.ToString(), TempHead.Samples(set.Current)));
        }
        return list;
    }

    private static void AssertSameSamples(List<(string, List<(long T, double V)>)> want, List<(string, List<(long T, double V)>)> got)
    {
        Assert.Equal(want.Count, got.Count);
        for (int i = 0; i < want.Count; i++)
        {
            Assert.Equal(want[i].Item1, got[i].Item1);
            Assert.Equal(want[i].Item2.Count, got[i].Item2.Count);
            for (int k = 0; k < want[i].Item2.Count; k++)
            {
                Assert.Equal(want[i].Item2[k].T, got[i].Item2[k].T);
                Assert.Equal(BitConverter.DoubleToInt64Bits(want[i].Item2[k].V), BitConverter.DoubleToInt64Bits(got[i].Item2[k].V));
            }
        }
    }

    [Fact]
    public void Block_holds_exactly_the_heads_samples_in_its_range()
    {
        using var h = Populated();
        using var dir = new TempDir();
        const long mint = 600_000, maxt = 4_500_000; // a range cutting chunks in the middle
        var b = WriteBlock(h, dir.Path, mint, maxt);
        try
        {
            Assert.Equal(mint, b.Meta.MinTime);
            Assert.Equal(maxt, b.Meta.MaxTime);
            using var hq = h.Head.Querier(mint, maxt - 1);
            using var bq = b.Querier(long.MinValue, long.MaxValue);
            var want = Dump(hq);
            AssertSameSamples(want, Dump(bq));
            long samples = 0;
            foreach (var (_, s) in want)
            {
                samples += s.Count;
            }
            Assert.Equal(samples, b.Meta.NumSamples);
            Assert.Equal(want.Count, b.Meta.NumSeries);

            // Sub-ranges, including ones cutting the block's edges.
            foreach (var (lo, hi) in new[] { (0L, 700_000L), (1_000_000L, 1_000_000L), (2_000_001L, 3_999_999L), (4_400_000L, 9_000_000L) })
            {
                using var hq2 = h.Head.Querier(Math.Max(lo, mint), Math.Min(hi, maxt - 1));
                using var bq2 = b.Querier(lo, hi);
                AssertSameSamples(Dump(hq2), Dump(bq2));
            }
        }
        finally
        {
            b.Close();
        }
    }

    [Theory]
    [InlineData("")]
    [InlineData("__name__=up")]
    [InlineData("job=api")]
    [InlineData("job=")]
    [InlineData("job!=")]
    [InlineData("job=~.+")]
    [InlineData("job!~.+")]
    [InlineData("job=~.*")]
    [InlineData("instance=~host-[12],cpu!=3")]
    [InlineData("instance!~host-[12],job=node")]
    [InlineData("nope=x")]
    [InlineData("nope!=x")]
    [InlineData("cpu=~0|1|9,__name__!=up")]
    public void Matchers_select_the_same_series_as_the_head(string spec)
    {
        using var h = Populated(series: 40, samples: 20);
        using var dir = new TempDir();
        var b = WriteBlock(h, dir.Path, 0, 1_000_000);
        try
        {
            var ms = HeadTests.M(spec);
            using var hq = h.Head.Querier(0, 999_999);
            using var bq = b.Querier(0, 999_999);
            AssertSameSamples(Dump(hq, ms), Dump(bq, ms));
            Assert.Equal(hq.LabelNames(ms), bq.LabelNames(ms));
            Assert.Equal(hq.LabelValues("instance", ms), bq.LabelValues("instance", ms));
            Assert.Equal(hq.LabelValues("job", ms), bq.LabelValues("job", ms));
        }
        finally
        {
            b.Close();
        }
    }

    [Fact]
    public void An_empty_range_writes_no_block()
    {
        using var h = Populated(series: 3, samples: 10);
        using var dir = new TempDir();
        using var q = h.Head.Querier(10_000_000, 20_000_000);
        Assert.Null(BlockWriter.Write(dir.Path, 10_000_000, 20_000_001, q.Select(true), BlockLineage.Fresh, TimeProvider.System));
        Assert.Empty(Directory.GetFileSystemEntries(dir.Path));
    }

    [Fact]
    public void A_damaged_index_is_refused_at_open()
    {
        using var h = Populated(series: 10, samples: 50);
        using var dir = new TempDir();
        var b = WriteBlock(h, dir.Path, 0, 1_000_000);
        b.Close();
        string index = Path.Combine(b.Dir, "index");
        var bytes = File.ReadAllBytes(index);
        // Every byte of the index is covered by some checksum (or is series padding); flip a few in turn.
        foreach (int at in new[] { 5, 9, bytes.Length / 3, bytes.Length / 2, bytes.Length - 30, bytes.Length - 2 })
        {
            var copy = (byte[])bytes.Clone();
            copy[at] ^= 0x5A;
            File.WriteAllBytes(index, copy);
            var e = Assert.Throws<CorruptBlockException>(() => Block.Open(b.Dir));
            Assert.Contains("index", e.Message, StringComparison.Ordinal);
        }
    }

    [Fact]
    public void Series_with_identical_samples_share_chunk_records_and_read_back_whole()
    {
        using var h = new TempHead();
        var same = Enumerable.Range(0, 500).Select(k => (k * 15_000L, (double)(k / 7))).ToArray();
        var other = Enumerable.Range(0, 500).Select(k => (k * 15_000L, (double)(k / 5))).ToArray();
        h.Add(L("__name__", "b", "le", "10"), same);
        h.Add(L("__name__", "b", "le", "+Inf"), same);
        h.Add(L("__name__", "b", "le", "1"), other);
        h.Add(L("__name__", "c"), same);
        using var dir = new TempDir();
        var b = WriteBlock(h, dir.Path, 0, 10_000_000);
        try
        {
            using var hq = h.Head.Querier(0, 10_000_000);
            using var bq = b.Querier(0, 10_000_000);
            AssertSameSamples(Dump(hq), Dump(bq));
            Assert.Null(b.Verify());
            Assert.Equal(4 * 3, b.Meta.NumChunks); // 500 samples: chunks of 240, 240, 20
            // Only two distinct series' chunks are stored: 6 records of the 12.
            var refs = new HashSet<ulong>();
            var metas = new List<ChunkMeta>();
            foreach (uint id in b.Index.AllPostings())
            {
                metas.Clear();
                b.Index.Series(id, metas);
                foreach (var c in metas)
                {
                    refs.Add(c.Ref);
                }
            }
            Assert.Equal(6, refs.Count);
        }
        finally
        {
            b.Close();
        }
    }

    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    [InlineData(7)]
    [InlineData(1000)]
    public void Postings_of_every_label_pair_list_exactly_its_series(int n)
    {
        // Entries of varied lengths (so the ids' differences vary), lists dense, sparse, single and whole.
        var series = new List<ISeries>();
        for (int i = 0; i < n; i++)
        {
            var labels = L("__name__", "m", "edge", i == 0 || i == n - 1 ? "yes" : "no", "i", i.ToString("D5", System.Globalization.CultureInfo.InvariantCulture),
                "mod3", (i % 3).ToString(System.Globalization.CultureInfo.InvariantCulture), "pad", new string('x', i * 7919 % 300));
            series.Add(new ArraySeries(labels, [1000L + i], [i], 1));
        }
        series.Sort((a, b) => a.Labels.CompareTo(b.Labels));
        using var dir = new TempDir();
        var meta = BlockWriter.Write(dir.Path, 0, 10_000, new ListSeriesSet(series), BlockLineage.Fresh, TimeProvider.System);
        var b = Block.Open(Path.Combine(dir.Path, meta!.Ulid));
        try
        {
            var all = b.Index.AllPostings();
            Assert.Equal(n, all.Length);
            var byPair = new Dictionary<(string, string), List<uint>>();
            foreach (uint id in all)
            {
                foreach (var l in b.Index.Series(id, null))
                {
                    if (!byPair.TryGetValue((l.Name, l.Value), out var list))
                    {
                        byPair[(l.Name, l.Value)] = list = [];
                    }
                    list.Add(id);
                }
            }
            foreach (var ((name, value), ids) in byPair)
            {
                Assert.Equal(ids, b.Index.Postings(name, value));
            }
            Assert.Empty(b.Index.Postings("mod3", "3"));
            Assert.Empty(b.Index.Postings("nope", "0"));
        }
        finally
        {
            b.Close();
        }
    }

    [Fact]
    public void A_damaged_chunk_fails_the_read_with_a_clear_error()
    {
        using var h = Populated(series: 10, samples: 50);
        using var dir = new TempDir();
        var b = WriteBlock(h, dir.Path, 0, 1_000_000);
        b.Close();
        string chunk = Path.Combine(b.Dir, "chunks", "000001");
        var bytes = File.ReadAllBytes(chunk);
        bytes[bytes.Length / 2] ^= 0x10;
        File.WriteAllBytes(chunk, bytes);
        var b2 = Block.Open(b.Dir);
        try
        {
            using var q = b2.Querier(0, 1_000_000);
            var e = Assert.Throws<CorruptBlockException>(() => Dump(q));
            Assert.Contains("checksum", e.Message, StringComparison.Ordinal);
        }
        finally
        {
            b2.Close();
        }
    }

    [Fact]
    public void Tombstones_hide_deleted_samples_and_survive_reopen()
    {
        using var h = Populated(series: 10, samples: 100);
        using var dir = new TempDir();
        var b = WriteBlock(h, dir.Path, 0, 10_000_000);
        var ids = b.MatchingSeries([LabelMatcher.Eq("job", "api")]);
        Assert.NotEmpty(ids);
        var add = new List<KeyValuePair<uint, Interval>>();
        foreach (uint id in ids)
        {
            add.Add(new(id, new Interval(300_000, 600_000)));
        }
        b.AddTombstones(add);
        b.Close();
        var b2 = Block.Open(b.Dir);
        try
        {
            Assert.Equal(ids.Length, b2.Meta.NumTombstones);
            using var q = b2.Querier(0, 10_000_000);
            int kept = 0;
            foreach (var (labels, samples) in Dump(q))
            {
                bool inRange = samples.Exists(s => s.T >= 300_000 && s.T <= 600_000);
                if (labels.Contains("job=\"api\"", StringComparison.Ordinal))
                {
                    Assert.False(inRange, labels);
                    Assert.Contains(samples, s => s.T > 600_000);
                }
                else if (inRange)
                {
                    kept++;
                }
            }
            Assert.True(kept >= 4);
        }
        finally
        {
            b2.Close();
        }
    }

    [Fact]
    public void A_closed_block_stays_readable_until_its_last_querier_is_disposed()
    {
        using var h = Populated(series: 5, samples: 30);
        using var dir = new TempDir();
        var b = WriteBlock(h, dir.Path, 0, 1_000_000);
        var q = b.Querier(0, 1_000_000);
        b.Close();
        Assert.Throws<ObjectDisposedException>(() => b.Querier(0, 1));
        Assert.Equal(5, Dump(q).Count);
        q.Dispose();
    }

    [Fact]
    public void Ulids_are_26_characters_and_sort_by_time()
    {
        string a = Ulid.New(1_700_000_000_000), b = Ulid.New(1_700_000_000_001);
        Assert.True(Ulid.IsValid(a));
        Assert.Equal(26, a.Length);
        Assert.True(string.CompareOrdinal(a, b) < 0);
        Assert.False(Ulid.IsValid("not-a-ulid"));
    }
}
