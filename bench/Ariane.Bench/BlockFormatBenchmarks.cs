using Ariane.Model;
using Ariane.Storage;
using Ariane.Tsdb.Blocks;
using BenchmarkDotNet.Attributes;

namespace Ariane.Bench;

/// <summary>
/// Block format figures on real blocks: <c>block-bytes --from DIR [--to DIR]</c> rewrites every block of DIR (a
/// storage.sh snapshot, say) with the current block writer and prints where the bytes go before and after; and
/// <see cref="BlockReadBenchmarks"/> times the index and chunk reads of the two.
/// </summary>
internal static class BlockRewrite
{
    /// <summary>Opens the blocks of <paramref name="dir"/>, oldest first.</summary>
    public static List<Block> Open(string dir)
    {
        var blocks = new List<Block>();
        foreach (string d in Directory.GetDirectories(dir))
        {
            if (File.Exists(Path.Combine(d, BlockMeta.FileName)))
            {
                blocks.Add(Block.Open(d));
            }
        }
        blocks.Sort((a, b) => a.Meta.MinTime.CompareTo(b.Meta.MinTime));
        return blocks;
    }

    /// <summary>Writes each block of <paramref name="from"/> anew into <paramref name="to"/>, as compaction would.</summary>
    public static void Rewrite(string from, string to)
    {
        Directory.CreateDirectory(to);
        foreach (var b in Open(from))
        {
            using (var q = b.Querier(b.Meta.MinTime, b.Meta.MaxTime - 1))
            {
                BlockWriter.Write(to, b.Meta.MinTime, b.Meta.MaxTime, q.Select(true),
                    new BlockLineage(b.Meta.Level, b.Meta.Sources, b.Meta.Parents), TimeProvider.System);
            }
            b.Close();
        }
    }

    /// <summary><c>block-bytes --from DIR [--to DIR]</c>.</summary>
    public static void Run(string[] args)
    {
        string from = "", to = "";
        for (int i = 1; i + 1 < args.Length; i += 2)
        {
            switch (args[i])
            {
                case "--from":
                    from = args[i + 1];
                    break;
                case "--to":
                    to = args[i + 1];
                    break;
            }
        }
        bool keep = to.Length > 0;
        if (!keep)
        {
            to = Path.Combine(Path.GetTempPath(), "ariane-block-bytes-" + Guid.NewGuid().ToString("N"));
        }
        try
        {
            Rewrite(from, to);
            foreach (var (title, dir) in new[] { ("as found", from), ("rewritten by the current writer", to) })
            {
                var m = new BlockBytes();
                foreach (var b in Open(dir))
                {
                    m.Measure(b);
                    b.Close();
                }
                Console.WriteLine($"{dir} ({title}):");
                Console.WriteLine(m.Render());
            }
        }
        finally
        {
            if (!keep && Directory.Exists(to))
            {
                Directory.Delete(to, true);
            }
        }
    }
}

/// <summary>
/// Index and chunk reads of the largest block of a storage.sh snapshot, in the format it was written in ("found", set
/// ARIANE_BENCH_BLOCKS to the snapshot folder) and rewritten by the current writer ("current"): postings lookups and
/// intersections, every series entry with its chunk metas, and every sample decoded through the block querier.
/// </summary>
[MemoryDiagnoser]
public class BlockReadBenchmarks
{
    private string _tmp = "";
    private Block _block = null!;
    private readonly List<ChunkMeta> _metas = [];
    private uint[] _all = [];
    private string _instance = "";

    /// <summary>Which format: the snapshot's blocks as found, or rewritten by the current writer.</summary>
    [Params("found", "current")]
    public string Format { get; set; } = "current";

    [GlobalSetup]
    public void Setup()
    {
        string from = Environment.GetEnvironmentVariable("ARIANE_BENCH_BLOCKS")
            ?? throw new InvalidOperationException("set ARIANE_BENCH_BLOCKS to a folder of blocks (a storage.sh snapshot)");
        string dir = from;
        if (Format == "current")
        {
            _tmp = dir = Path.Combine(Path.GetTempPath(), "ariane-block-read-" + Guid.NewGuid().ToString("N"));
            BlockRewrite.Rewrite(from, dir);
        }
        var blocks = BlockRewrite.Open(dir);
        blocks.Sort((a, b) => b.Meta.NumSamples.CompareTo(a.Meta.NumSamples));
        _block = blocks[0];
        for (int i = 1; i < blocks.Count; i++)
        {
            blocks[i].Close();
        }
        _all = _block.Index.AllPostings();
        _instance = _block.Index.LabelValues("instance")[3];
    }

    [GlobalCleanup]
    public void Cleanup()
    {
        _block.Close();
        if (_tmp.Length > 0)
        {
            Directory.Delete(_tmp, true);
        }
    }

    /// <summary>The postings list of one metric (1,920 series).</summary>
    [Benchmark]
    public int PostingsList() => _block.Index.Postings("__name__", "http_request_duration_seconds_bucket").Length;

    /// <summary>The postings list of one instance (201 series).</summary>
    [Benchmark]
    public int PostingsInstance() => _block.Index.Postings("instance", _instance).Length;

    /// <summary>One metric of one instance: two lists intersected (1,920 and 201 series).</summary>
    [Benchmark]
    public int PostingsIntersect() => _block.MatchingSeries(
    [
        new LabelMatcher(MatcherType.Equal, "__name__", "http_request_duration_seconds_bucket"),
        new LabelMatcher(MatcherType.Equal, "instance", _instance),
    ]).Length;

    /// <summary>A regular expression over a label's values, united, then intersected with a job.</summary>
    [Benchmark]
    public int PostingsRegex() => _block.MatchingSeries(
    [
        new LabelMatcher(MatcherType.Regex, "__name__", "http_.*|node_cpu_seconds_total"),
        new LabelMatcher(MatcherType.Equal, "job", "api"),
    ]).Length;

    /// <summary>Every series id of the block.</summary>
    [Benchmark]
    public int AllPostings() => _block.Index.AllPostings().Length;

    /// <summary>Every series entry: labels and chunk metas.</summary>
    [Benchmark]
    public int SeriesEntries()
    {
        int n = 0;
        foreach (uint id in _all)
        {
            _metas.Clear();
            _block.Index.Series(id, _metas);
            n += _metas.Count;
        }
        return n;
    }

    /// <summary>Every sample of the block through a block querier (chunk reads, CRCs, decoding).</summary>
    [Benchmark]
    public double DecodeAll()
    {
        using var q = _block.Querier(long.MinValue, long.MaxValue);
        var set = q.Select(false);
        double sum = 0;
        ISampleIterator? it = null;
        while (set.MoveNext())
        {
            it = set.Current.Iterator(it);
            while (it.Next())
            {
                sum += it.V;
            }
        }
        return sum;
    }

}
