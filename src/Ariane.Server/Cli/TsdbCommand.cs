using System.CommandLine;
using System.Globalization;
using System.Text;
using Ariane.Config;
using Ariane.Tsdb.Blocks;

namespace Ariane.Server.Cli;

/// <summary>
/// <c>ariane tsdb list|analyze|dump|create-blocks-from openmetrics</c>: promtool's tsdb tools for Ariane's data folder,
/// with promtool's arguments, flags and output. They read the block folders directly (and, for dump, a copy of the
/// WAL), so they work on the folder of a running server as well as on a stopped one.
/// </summary>
internal static partial class TsdbCommand
{
    /// <summary>promtool's default database path.</summary>
    public const string DefaultDbPath = "data/";

    public static Command Create()
    {
        var tsdb = new Command("tsdb", "Inspect and backfill the TSDB, as promtool tsdb does.");
        tsdb.Subcommands.Add(ListCommand());
        tsdb.Subcommands.Add(AnalyzeCommand());
        tsdb.Subcommands.Add(DumpCommand());
        tsdb.Subcommands.Add(CreateBlocksCommand());
        return tsdb;
    }

    private static Argument<string> DbPath() => new("db path")
    {
        Description = "Database path (default is " + DefaultDbPath + ").",
        Arity = ArgumentArity.ZeroOrOne,
        DefaultValueFactory = _ => DefaultDbPath,
    };

    private static Command ListCommand()
    {
        var human = new Option<bool>("--human-readable", "-r") { Description = "Print human readable values." };
        var path = DbPath();
        var cmd = new Command("list", "List tsdb blocks.") { human, path };
        cmd.SetAction(pr => List(pr.GetValue(path)!, pr.GetValue(human), Console.Out, Console.Error));
        return cmd;
    }

    private static Command AnalyzeCommand()
    {
        var path = DbPath();
        var id = new Argument<string>("block id") { Description = "Block to analyze (default is the last block).", Arity = ArgumentArity.ZeroOrOne, DefaultValueFactory = _ => "" };
        var limit = new Option<int>("--limit") { Description = "How many items to show in each list.", DefaultValueFactory = _ => 20 };
        var extended = new Option<bool>("--extended") { Description = "Run extended analysis." };
        var bytes = new Option<bool>("--bytes")
        {
            Description = "Ariane only: break down the bytes of the block's index and chunk files by part, then of every block of the folder.",
        };
        var cmd = new Command("analyze", "Analyze churn, label pair cardinality and compaction efficiency.") { path, id, limit, extended, bytes };
        cmd.SetAction(pr => Analyze(pr.GetValue(path)!, pr.GetValue(id)!, pr.GetValue(limit), pr.GetValue(extended), Console.Out, Console.Error, pr.GetValue(bytes)));
        return cmd;
    }

    private static Command DumpCommand()
    {
        var path = DbPath();
        var min = new Option<long>("--min-time") { Description = "Minimum timestamp to dump (milliseconds).", DefaultValueFactory = _ => long.MinValue };
        var max = new Option<long>("--max-time") { Description = "Maximum timestamp to dump (milliseconds).", DefaultValueFactory = _ => long.MaxValue };
        var match = new Option<string>("--match") { Description = "Series selector.", DefaultValueFactory = _ => DefaultDumpMatch };
        var cmd = new Command("dump", "Dump samples from a TSDB.") { path, min, max, match };
        cmd.SetAction(pr => Dump(pr.GetValue(path)!, pr.GetValue(min), pr.GetValue(max), pr.GetValue(match)!, Console.Out, Console.Error));
        return cmd;
    }

    private static Command CreateBlocksCommand()
    {
        var human = new Option<bool>("--human-readable", "-r") { Description = "Print human readable values.", Recursive = true };
        var quiet = new Option<bool>("--quiet", "-q") { Description = "Do not print created blocks.", Recursive = true };
        var maxBlock = new Option<string>("--max-block-duration")
        {
            Description = "Maximum duration created blocks may span. Anything less than 2h is ignored.",
            DefaultValueFactory = _ => "2h",
            Recursive = true,
        };
        var input = new Argument<string>("input file") { Description = "OpenMetrics file to read samples from." };
        var output = new Argument<string>("output directory") { Description = "Output directory for generated blocks.", Arity = ArgumentArity.ZeroOrOne, DefaultValueFactory = _ => DefaultDbPath };
        var om = new Command("openmetrics", "Import samples from OpenMetrics input and produce TSDB blocks.") { input, output };
        om.SetAction(pr =>
        {
            if (!PromDuration.TryParse(pr.GetValue(maxBlock)!, out var max) || max < TimeSpan.Zero)
            {
                Console.Error.WriteLine("error: invalid --max-block-duration " + pr.GetValue(maxBlock));
                return 2;
            }
            return OpenMetricsBackfill.Run(pr.GetValue(input)!, pr.GetValue(output)!, pr.GetValue(human), pr.GetValue(quiet), max, Console.Out, Console.Error, TimeProvider.System);
        });
        return new Command("create-blocks-from", "Import samples from input and produce TSDB blocks (backfill).") { human, quiet, maxBlock, om };
    }

    /// <summary>Opens every block folder of <paramref name="dir"/>, sorted by min time; damaged ones are reported and skipped.</summary>
    internal static List<Block> OpenBlocks(string dir, TextWriter err, out bool anyDamaged)
    {
        anyDamaged = false;
        var blocks = new List<Block>();
        foreach (var d in Directory.GetDirectories(dir))
        {
            string name = Path.GetFileName(d);
            if (!Ulid.IsValid(name) || !File.Exists(Path.Combine(d, BlockMeta.FileName)))
            {
                continue;
            }
            try
            {
                blocks.Add(Block.Open(d));
            }
            catch (Exception e) when (e is CorruptBlockException or IOException or UnauthorizedAccessException)
            {
                err.WriteLine($"error: block {name} cannot be read: {e.Message}");
                anyDamaged = true;
            }
        }
        blocks.Sort(static (a, b) => a.Meta.MinTime != b.Meta.MinTime ? a.Meta.MinTime.CompareTo(b.Meta.MinTime) : string.CompareOrdinal(a.Meta.Ulid, b.Meta.Ulid));
        return blocks;
    }

    private static bool CheckDir(string dir, TextWriter err)
    {
        if (Directory.Exists(dir))
        {
            return true;
        }
        err.WriteLine($"error: {dir}: no such directory");
        return false;
    }

    /// <summary>The row promtool prints for a block: ULID, min and max time, duration, samples, chunks, series, size.</summary>
    internal static string[] BlockRow(BlockMeta meta, long size, bool human) =>
    [
        meta.Ulid,
        human ? GoFormat.UtcTime(meta.MinTime) : meta.MinTime.ToString(CultureInfo.InvariantCulture),
        human ? GoFormat.UtcTime(meta.MaxTime) : meta.MaxTime.ToString(CultureInfo.InvariantCulture),
        GoFormat.Duration(meta.MaxTime - meta.MinTime),
        meta.NumSamples.ToString(CultureInfo.InvariantCulture),
        meta.NumChunks.ToString(CultureInfo.InvariantCulture),
        meta.NumSeries.ToString(CultureInfo.InvariantCulture),
        human ? GoFormat.Base2Bytes(size) : size.ToString(CultureInfo.InvariantCulture),
    ];

    internal static readonly string[] BlockHeader = ["BLOCK ULID", "MIN TIME", "MAX TIME", "DURATION", "NUM SAMPLES", "NUM CHUNKS", "NUM SERIES", "SIZE"];

    /// <summary>Renders block rows as promtool's tabwriter does (minimum cell width 13, padding 2).</summary>
    internal static string BlockTable(IEnumerable<string[]> rows) => GoFormat.Table([.. rows], 13, 2);

    /// <summary><c>tsdb list</c>: one row per block, oldest first.</summary>
    public static int List(string dir, bool human, TextWriter o, TextWriter err)
    {
        if (!CheckDir(dir, err))
        {
            return 1;
        }
        var blocks = OpenBlocks(dir, err, out bool damaged);
        try
        {
            var rows = new List<string[]> { BlockHeader };
            foreach (var b in blocks)
            {
                rows.Add(BlockRow(b.Meta, b.Size, human));
            }
            o.Write(BlockTable(rows));
            return damaged ? 1 : 0;
        }
        finally
        {
            foreach (var b in blocks)
            {
                b.Close();
            }
        }
    }

    /// <summary><c>tsdb analyze</c>: churn and cardinality of one block (the newest by default), as promtool prints them.</summary>
    public static int Analyze(string dir, string blockId, int limit, bool extended, TextWriter o, TextWriter err, bool bytes = false)
    {
        if (!CheckDir(dir, err))
        {
            return 1;
        }
        var blocks = OpenBlocks(dir, err, out _);
        try
        {
            Block? block = blockId.Length > 0 ? blocks.Find(b => b.Meta.Ulid == blockId) : blocks.Count > 0 ? blocks[^1] : null;
            if (block is null)
            {
                err.WriteLine(blockId.Length > 0 ? $"error: block {blockId} not found in {dir}" : $"error: no block found in {dir}");
                return 1;
            }
            o.Write(BlockAnalysis.Render(block, limit, extended));
            if (bytes)
            {
                var one = new BlockBytes();
                one.Measure(block);
                o.Write("\nBytes of block " + block.Meta.Ulid + ":\n" + one.Render());
                var all = new BlockBytes();
                foreach (var b in blocks)
                {
                    all.Measure(b);
                }
                o.Write("\nBytes of every block in " + dir + ":\n" + all.Render());
            }
            return 0;
        }
        catch (CorruptBlockException e)
        {
            err.WriteLine("error: " + e.Message);
            return 1;
        }
        finally
        {
            foreach (var b in blocks)
            {
                b.Close();
            }
        }
    }
}

/// <summary>promtool's block analysis: label pairs and names by churn, by frequency, by value length, by cardinality.</summary>
internal static class BlockAnalysis
{
    public static string Render(Block block, int limit, bool extended)
    {
        var meta = block.Meta;
        var ix = block.Index;
        var sb = new StringBuilder();
        var inv = CultureInfo.InvariantCulture;
        long span = meta.MaxTime - meta.MinTime;
        sb.Append("Block ID: ").Append(meta.Ulid).Append('\n');
        sb.Append("Duration: ").Append(GoFormat.Duration(span)).Append('\n');
        sb.Append("Series: ").Append(meta.NumSeries.ToString(inv)).Append('\n');
        var names = ix.LabelNames();
        sb.Append("Label names: ").Append(names.Count.ToString(inv)).Append('\n');

        var labelsUncovered = new Dictionary<string, ulong>(StringComparer.Ordinal);
        var pairsUncovered = new Dictionary<string, ulong>(StringComparer.Ordinal);
        var pairsCount = new Dictionary<string, ulong>(StringComparer.Ordinal);
        long entries = 0;
        var chunks = new List<ChunkMeta>();
        foreach (uint id in ix.AllPostings())
        {
            chunks.Clear();
            var labels = ix.Series(id, chunks);
            // The part of the block's range this series does not cover.
            ulong uncovered = chunks.Count == 0 ? (ulong)span : (ulong)(span - (chunks[^1].MaxT - chunks[0].MinT));
            foreach (var l in labels)
            {
                string key = l.Name + "=" + l.Value;
                labelsUncovered[l.Name] = labelsUncovered.GetValueOrDefault(l.Name) + uncovered;
                pairsUncovered[key] = pairsUncovered.GetValueOrDefault(key) + uncovered;
                pairsCount[key] = pairsCount.GetValueOrDefault(key) + 1;
                entries++;
            }
        }
        sb.Append("Postings (unique label pairs): ").Append(pairsUncovered.Count.ToString(inv)).Append('\n');
        sb.Append("Postings entries (total label pairs): ").Append(entries.ToString(inv)).Append('\n');

        ulong Churn(ulong m) => span == 0 ? 0 : (ulong)((double)m / span);
        Print(sb, "Label pairs most involved in churning:", pairsUncovered.Select(kv => (kv.Key, Churn(kv.Value))), limit);
        Print(sb, "Label names most involved in churning:", labelsUncovered.Select(kv => (kv.Key, Churn(kv.Value))), limit);
        Print(sb, "Most common label pairs:", pairsCount.Select(kv => (kv.Key, kv.Value)), limit);
        Print(sb, "Label names with highest cumulative label value length:",
            names.Select(n => (n, (ulong)ix.LabelValues(n).Sum(v => (long)Encoding.UTF8.GetByteCount(v)))), limit);
        Print(sb, "Highest cardinality labels:", names.Select(n => (n, (ulong)ix.ValueCount(n))), limit);
        Print(sb, "Highest cardinality metric names:",
            ix.LabelValues(Model.Labels.MetricName).Select(n => (n, (ulong)ix.Postings(Model.Labels.MetricName, n).Length)), limit);
        if (extended)
        {
            Fullness(sb, block);
        }
        return sb.ToString();
    }

    // Largest first; ties by key, so the output is the same from run to run (promtool's order of ties is random).
    private static void Print(StringBuilder sb, string title, IEnumerable<(string Key, ulong Metric)> items, int limit)
    {
        sb.Append('\n').Append(title).Append('\n');
        foreach (var (key, metric) in items.OrderByDescending(x => x.Metric).ThenBy(x => x.Key, StringComparer.Ordinal).Take(Math.Max(0, limit)))
        {
            sb.Append(metric.ToString(CultureInfo.InvariantCulture)).Append(' ').Append(key).Append('\n');
        }
    }

    // promtool's --extended: how full the chunks are, in tenths of a full chunk (promtool's 120 samples; Ariane's
    // blocks hold up to 240 a chunk).
    private static void Fullness(StringBuilder sb, Block block)
    {
        const int maxSamples = BlockWriter.SamplesPerChunk, buckets = 10;
        var histogram = new int[buckets];
        int total = 0;
        var chunks = new List<ChunkMeta>();
        foreach (uint id in block.Index.AllPostings())
        {
            chunks.Clear();
            block.Index.Series(id, chunks);
            foreach (var c in chunks)
            {
                block.Chunks.Read(c.Ref, out _, out int count);
                double size = Math.Min(count, maxSamples);
                int bucket = Math.Max(0, (int)Math.Ceiling(buckets * size / maxSamples) - 1);
                histogram[bucket]++;
                total++;
            }
        }
        sb.Append("\nCompaction analysis:\n");
        sb.Append("Fullness: Amount of samples in chunks (100% is ").Append(maxSamples).Append(" samples)\n");
        for (int b = 0; b < buckets; b++)
        {
            int pct = total == 0 ? 0 : 100 * histogram[b] / total;
            sb.Append(((b + 1) * 10).ToString(CultureInfo.InvariantCulture).PadLeft(7)).Append("%: ").Append('#', pct).Append('\n');
        }
    }
}
