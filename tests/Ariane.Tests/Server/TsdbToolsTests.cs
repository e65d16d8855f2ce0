using System.Globalization;
using System.Text;
using Ariane.Model;
using Ariane.Server.Cli;
using Ariane.Storage;
using Ariane.Tests.Support;
using Ariane.TextParse;
using Ariane.Tsdb;
using Ariane.Tsdb.Blocks;

namespace Ariane.Tests.Server;

/// <summary>Go's formatting as promtool prints it.</summary>
public class GoFormatTests
{
    [Theory]
    [InlineData(0, "0s")]
    [InlineData(500, "500ms")]
    [InlineData(1_000, "1s")]
    [InlineData(1_500, "1.5s")]
    [InlineData(90_000, "1m30s")]
    [InlineData(7_200_000, "2h0m0s")]
    [InlineData(7_199_999, "1h59m59.999s")]
    [InlineData(6_360_001, "1h46m0.001s")]
    [InlineData(-1_500, "-1.5s")]
    public void Durations(long ms, string expected) => Assert.Equal(expected, GoFormat.Duration(ms));

    [Theory]
    [InlineData(0, "0B")]
    [InlineData(1, "1B")]
    [InlineData(1025, "1KiB1B")]
    [InlineData(1048577, "1MiB1B")]
    [InlineData(1536, "1KiB512B")]
    [InlineData(3L << 30, "3GiB")]
    public void Sizes(long n, string expected) => Assert.Equal(expected, GoFormat.Base2Bytes(n));

    [Theory]
    [InlineData(0.0, "0")]
    [InlineData(-0.0, "-0")]
    [InlineData(1.0, "1")]
    [InlineData(0.5, "0.5")]
    [InlineData(100000.0, "100000")]
    [InlineData(123456.7, "123456.7")]
    [InlineData(1e6, "1e+06")]
    [InlineData(123456789.0, "1.23456789e+08")]
    [InlineData(1e21, "1e+21")]
    [InlineData(1e100, "1e+100")]
    [InlineData(0.0001, "0.0001")]
    [InlineData(1e-5, "1e-05")]
    [InlineData(-2.5, "-2.5")]
    [InlineData(0.1 + 0.2, "0.30000000000000004")]
    [InlineData(double.NaN, "NaN")]
    [InlineData(double.PositiveInfinity, "+Inf")]
    [InlineData(double.NegativeInfinity, "-Inf")]
    public void FloatsLikePercentG(double v, string expected) => Assert.Equal(expected, GoFormat.FloatG(v));

    [Theory]
    [InlineData("plain", "\"plain\"")]
    [InlineData("a\"b\\c\nd\te", "\"a\\\"b\\\\c\\nd\\te\"")]
    [InlineData("\u0001", "\"\\x01\"")]
    [InlineData("héllo ☃", "\"héllo ☃\"")]
    public void QuotesLikeStrconv(string s, string expected) => Assert.Equal(expected, GoFormat.Quote(s));

    [Fact]
    public void TablesPadLikeTabwriter()
    {
        string t = GoFormat.Table([["A", "BB", "C"], ["longer cell value", "x", "last"]], 13, 2);
        Assert.Equal("A                  BB           C\nlonger cell value  x            last\n", t);
    }

    [Theory]
    [InlineData(0, 2)]
    [InlineData(3, 2)]
    [InlineData(6, 6)]
    [InlineData(17, 6)]
    [InlineData(18, 18)]
    [InlineData(24 * 365, 4374)]
    public void BlockDurationsLikePromtool(int maxHours, int expectedHours) =>
        Assert.Equal(TimeSpan.FromHours(expectedHours), OpenMetricsBackfill.BlockDuration(TimeSpan.FromHours(maxHours)));
}

/// <summary>Backfilling: samples in any order into one block per aligned window, memory bounded by spilling.</summary>
public class BackfillTests
{
    private static readonly TimeProvider Time = TimeProvider.System;

    internal static Dictionary<string, List<(long T, double V)>> ReadAll(string dir)
    {
        var result = new Dictionary<string, List<(long, double)>>();
        foreach (var d in Directory.GetDirectories(dir))
        {
            if (!Ulid.IsValid(Path.GetFileName(d)))
            {
                continue;
            }
            var b = Block.Open(d);
            try
            {
                using var q = b.Querier(long.MinValue, long.MaxValue);
                var set = q.Select(true);
                while (set.MoveNext())
                {
                    var key = set.Current.Labels.ToString();
                    if (!result.TryGetValue(key, out var list))
                    {
                        result[key] = list = [];
                    }
                    var it = set.Current.Iterator();
                    while (it.Next())
                    {
                        list.Add((it.T, it.V));
                    }
                }
            }
            finally
            {
                b.Close();
            }
        }
        foreach (var l in result.Values)
        {
            l.Sort();
        }
        return result;
    }

    [Fact]
    public void SamplesInAnyOrderBecomeOneBlockPerWindowThroughSpillFiles()
    {
        using var dir = new TempDir();
        long h2 = 2 * 3600_000;
        var expected = new Dictionary<string, List<(long, double)>>();
        var rnd = new Random(3);
        // A tiny spill buffer, so that every window is spilled many times.
        using (var bf = new BlockBackfiller(dir.Path, TimeSpan.FromHours(2), Time, spillBufferBytes: 1000))
        {
            var samples = new List<(Labels L, long T, double V)>();
            for (int s = 0; s < 20; s++)
            {
                var l = Labels.FromStrings("__name__", "m", "s", s.ToString(CultureInfo.InvariantCulture));
                var list = new List<(long, double)>();
                for (long t = 10 * h2 + s * 1000; t < 13 * h2 + 5000; t += 60_000)
                {
                    double v = rnd.NextDouble();
                    samples.Add((l, t, v));
                    list.Add((t, v));
                }
                expected[l.ToString()] = list;
            }
            // Shuffled: windows and series interleaved, each series' samples out of order.
            foreach (var (l, t, v) in samples.OrderBy(_ => rnd.Next()))
            {
                bf.Add(bf.SeriesId(l), t, v);
            }
            Assert.Equal(20, bf.SeriesCount);
            var blocks = bf.Finish();
            Assert.Equal(4, blocks.Count); // windows 10, 11, 12 and the 5 s of 13
            Assert.All(blocks, b => Assert.Equal(0, b.ConflictingSamples));
            for (int i = 0; i < blocks.Count; i++)
            {
                var m = blocks[i].Meta;
                Assert.Equal((10 + i) * h2, m.MinTime - m.MinTime % h2);
                Assert.True(m.MaxTime <= (11 + i) * h2 + 1, "a block stays inside its window");
            }
            Assert.Equal(samples.Count, blocks.Sum(b => b.Meta.NumSamples));
        }
        Assert.Equal(expected, ReadAll(dir.Path));
        // Nothing but blocks is left behind.
        Assert.All(Directory.GetDirectories(dir.Path), d => Assert.True(Ulid.IsValid(Path.GetFileName(d)), d));
    }

    [Fact]
    public void RepeatedTimestampsKeepTheFirstAndCountConflicts()
    {
        using var dir = new TempDir();
        var l = Labels.FromStrings("__name__", "m");
        var got = BlockBackfiller.WriteBlock(dir.Path, [Series(l, (1000, 1), (2000, 2), (1000, 9), (2000, 2), (3000, 3))], Time);
        Assert.NotNull(got);
        Assert.Equal(1, got.Value.ConflictingSamples);
        Assert.Equal(3, got.Value.Meta.NumSamples);
        Assert.Equal(1000, got.Value.Meta.MinTime);
        Assert.Equal(3001, got.Value.Meta.MaxTime);
        Assert.Equal([(1000L, 1.0), (2000L, 2.0), (3000L, 3.0)], ReadAll(dir.Path)[l.ToString()]);
    }

    [Fact]
    public void NothingToWriteWritesNothing()
    {
        using var dir = new TempDir();
        Assert.Null(BlockBackfiller.WriteBlock(dir.Path, [], Time));
        using var bf = new BlockBackfiller(dir.Path, TimeSpan.FromHours(2), Time);
        Assert.Empty(bf.Finish());
        Assert.Empty(Directory.GetDirectories(dir.Path));
    }

    private static SeriesSamples Series(Labels l, params (long T, double V)[] samples)
    {
        var s = new SeriesSamples(l);
        foreach (var (t, v) in samples)
        {
            s.Add(t, v);
        }
        return s;
    }
}

/// <summary>The tsdb commands in-process: create-blocks-from openmetrics, list, analyze, dump.</summary>
public class TsdbCommandTests
{
    // 6 h of two counters and a gauge, starting on a window boundary plus 40 minutes.
    internal static string SampleFile(long baseSeconds = 1_700_000_000)
    {
        var sb = new StringBuilder();
        sb.Append("# HELP http_requests_total Requests.\n# TYPE http_requests_total counter\n");
        foreach (var code in new[] { "200", "500" })
        {
            for (long i = 0; i < 6 * 3600; i += 60)
            {
                sb.Append(CultureInfo.InvariantCulture, $"http_requests_total{{code=\"{code}\",path=\"/a\\\"b\\\\c\\nd\"}} {i * 3 + (code == "500" ? 1 : 0)} {baseSeconds + i}\n");
            }
        }
        sb.Append("# TYPE temp gauge\n");
        string[] values = ["0.5", "123456789", "1e6", "100000", "1e-5", "0.0001", "-2.5", "NaN", "+Inf", "-Inf", "1e21", "123456.7"];
        int k = 0;
        for (long i = 0; i < 5 * 3600; i += 300)
        {
            sb.Append(CultureInfo.InvariantCulture, $"temp{{host=\"h1\"}} {values[k++ % values.Length]} {baseSeconds + i}.5\n");
        }
        sb.Append("# EOF\n");
        return sb.ToString();
    }

    private static (int Rc, string Out, string Err) Run(Func<TextWriter, TextWriter, int> f)
    {
        var o = new StringWriter();
        var e = new StringWriter();
        int rc = f(o, e);
        return (rc, o.ToString(), e.ToString());
    }

    private static (int Rc, string Out, string Err) Backfill(string file, string dir, bool human = false) =>
        Run((o, e) => OpenMetricsBackfill.Run(file, dir, human, quiet: false, TimeSpan.FromHours(2), o, e, TimeProvider.System));

    [Fact]
    public void CreateBlocksListAnalyzeDump()
    {
        using var dir = new TempDir();
        string file = Path.Combine(dir.Path, "in.om");
        File.WriteAllText(file, SampleFile());
        string data = Path.Combine(dir.Path, "data");
        var (rc, output, err) = Backfill(file, data);
        Assert.True(rc == 0, err);
        var lines = output.TrimEnd('\n').Split('\n');
        Assert.Equal(5, lines.Length); // header + 4 windows (22:13, 00:00, 02:00, 04:00)
        Assert.StartsWith("BLOCK ULID                  MIN TIME       MAX TIME       DURATION     NUM SAMPLES  NUM CHUNKS   NUM SERIES   SIZE", lines[0]);
        Assert.Matches(@"^[0-9A-Z]{26}  1700000000000  1700006360001  1h46m0\.001s  236          3            3            \d+$", lines[1]);

        (rc, output, err) = Run((o, e) => TsdbCommand.List(data, human: true, o, e));
        Assert.True(rc == 0, err);
        Assert.Contains("2023-11-14 22:13:20 +0000 UTC  2023-11-14 23:59:20 +0000 UTC  1h46m0.001s", output);
        Assert.Matches(@"\d+(KiB\d+)?B\n", output);

        (rc, output, err) = Run((o, e) => TsdbCommand.Analyze(data, "", 20, extended: true, o, e));
        Assert.True(rc == 0, err);
        Assert.Contains("Duration: 12m0.001s\nSeries: 2\nLabel names: 3\n", output);
        Assert.Contains("\nHighest cardinality labels:\n2 code\n1 __name__\n1 path\n", output);
        Assert.Contains("\nHighest cardinality metric names:\n2 http_requests_total\n", output);
        Assert.Contains("Fullness: Amount of samples in chunks (100% is 240 samples)\n     10%: ", output);
        Assert.DoesNotContain("Bytes of", output, StringComparison.Ordinal); // an Ariane extension, only when asked

        (rc, output, err) = Run((o, e) => TsdbCommand.Analyze(data, "", 20, extended: false, o, e, bytes: true));
        Assert.True(rc == 0, err);
        Assert.Contains("\nBytes of block ", output);
        Assert.Contains("\nBytes of every block in " + data + ":\nBlocks: 4, ", output);

        (rc, output, err) = Run((o, e) => TsdbCommand.Dump(data, 1_700_004_500_000, 1_700_004_560_000, "http_requests_total{code=\"200\"}", o, e));
        Assert.True(rc == 0, err);
        Assert.Equal(
            "{__name__=\"http_requests_total\", code=\"200\", path=\"/a\\\"b\\\\c\\nd\"} 13500 1700004500000\n" +
            "{__name__=\"http_requests_total\", code=\"200\", path=\"/a\\\"b\\\\c\\nd\"} 13680 1700004560000\n", output);

        (rc, output, err) = Run((o, e) => TsdbCommand.Dump(data, long.MinValue, long.MaxValue, TsdbCommand.DefaultDumpMatch, o, e));
        Assert.True(rc == 0, err);
        Assert.Equal(2 * 360 + 60, output.Split('\n', StringSplitOptions.RemoveEmptyEntries).Length);
        Assert.Contains("{__name__=\"temp\", host=\"h1\"} 1.23456789e+08 1700000300500\n", output);
        Assert.Contains("{__name__=\"temp\", host=\"h1\"} 1e-05 1700001200500\n", output);

        (rc, _, err) = Run((o, e) => TsdbCommand.Analyze(data, "01ARZ3NDEKTSV4RRFFQ69G5FAV", 20, false, o, e));
        Assert.Equal(1, rc);
        Assert.Contains("block 01ARZ3NDEKTSV4RRFFQ69G5FAV not found", err);
    }

    [Fact]
    public void DumpReadsTheHeadThroughACopyOfTheWal()
    {
        using var dir = new TempDir();
        var opts = new TsdbOptions { Path = dir.Path, CompactionInterval = TimeSpan.Zero, WalSyncInterval = TimeSpan.Zero };
        using (var db = Db.Open(opts, TimeProvider.System))
        {
            var app = db.Appender();
            ulong r = 0;
            var l = Labels.FromStrings("__name__", "in_head", "job", "x");
            for (long t = 1000; t <= 5000; t += 1000)
            {
                Assert.Equal(AppendStatus.Ok, app.Append(ref r, l, t, t / 1000.0));
            }
            app.Commit();
            string walBefore = string.Join(",", Directory.GetFiles(Path.Combine(dir.Path, "wal"), "*", SearchOption.AllDirectories).Select(f => f + ":" + new FileInfo(f).Length));
            // While the database is open, as on a running server.
            var (rc, output, err) = Run((o, e) => TsdbCommand.Dump(dir.Path, 2000, 4000, TsdbCommand.DefaultDumpMatch, o, e));
            Assert.True(rc == 0, err);
            Assert.Equal("{__name__=\"in_head\", job=\"x\"} 2 2000\n{__name__=\"in_head\", job=\"x\"} 3 3000\n{__name__=\"in_head\", job=\"x\"} 4 4000\n", output);
            string walAfter = string.Join(",", Directory.GetFiles(Path.Combine(dir.Path, "wal"), "*", SearchOption.AllDirectories).Select(f => f + ":" + new FileInfo(f).Length));
            Assert.Equal(walBefore, walAfter);
        }
    }

    [Theory]
    [InlineData("m 1 1\n", 2, "missing \"# EOF\"")]
    [InlineData("m 1 1\nm 2\n# EOF\n", 2, "expected timestamp for series {__name__=\"m\"}, got none")]
    [InlineData("m 1 1\nm{a=\"1\" 2 2\n# EOF\n", 2, "")]
    [InlineData("# EOF\nm 1 1\n", 2, "after \"# EOF\"")]
    [InlineData("", 1, "missing \"# EOF\"")]
    [InlineData("m 1 1\nm 2 7258118400\n# EOF\n", 2, "at 7258118400000 is too far in the future (more than 10m after now)")]
    public void BadInputIsRefusedWithItsLineAndNoBlock(string text, int line, string problem)
    {
        using var dir = new TempDir();
        string file = Path.Combine(dir.Path, "in.om");
        File.WriteAllText(file, text);
        string data = Path.Combine(dir.Path, "data");
        var (rc, _, err) = Backfill(file, data);
        Assert.Equal(1, rc);
        Assert.Contains($"{file}: line {line}: ", err);
        Assert.Contains(problem, err);
        Assert.Empty(Directory.GetDirectories(data));
    }

    [Theory]
    [InlineData(64)]
    [InlineData(100)]
    [InlineData(1 << 20)]
    public void PiecesCutAtLineEndsReadLikeTheWholeFile(int pieceSize)
    {
        using var dir = new TempDir();
        string file = Path.Combine(dir.Path, "in.om");
        string text = SampleFile();
        File.WriteAllText(file, text);
        using var bf = new BlockBackfiller(Path.Combine(dir.Path, "out"), TimeSpan.FromHours(2), TimeProvider.System);
        OpenMetricsBackfill.Read(file, bf, pieceSize);
        Assert.Equal(2 * 360 + 60, bf.Samples);
        Assert.Equal(3, bf.SeriesCount);
        Assert.Equal(1_700_000_000_000, bf.MinTime);

        // An error far into the file names its line in the file, not in the piece.
        var lines = text.Split('\n');
        lines[500] = "http_requests_total{code=\"200\"} oops 1";
        File.WriteAllText(file, string.Join('\n', lines));
        using var bf2 = new BlockBackfiller(Path.Combine(dir.Path, "out2"), TimeSpan.FromHours(2), TimeProvider.System);
        var e = Assert.Throws<ExpositionParseException>(() => OpenMetricsBackfill.Read(file, bf2, pieceSize));
        Assert.Equal(501, e.Line);
    }
}

/// <summary>The commands as a user types them: arguments and flags reach the right places.</summary>
public class TsdbCliProcessTests
{
    private static async Task<(int Rc, string Output)> Ariane(params string[] args)
    {
        await using var p = ServerProcess.Launch(".", args, [], out _, addDefaults: false);
        int rc = await p.WaitExitAsync(TimeSpan.FromSeconds(60));
        return (rc, p.Output);
    }

    [Fact]
    public async Task CreateBlocksListDumpAndMigrateFromTheCommandLine()
    {
        using var dir = new TempDir();
        string file = Path.Combine(dir.Path, "in.om");
        File.WriteAllText(file, TsdbCommandTests.SampleFile());
        string data = Path.Combine(dir.Path, "data");

        var (rc, output) = await Ariane("tsdb", "create-blocks-from", "openmetrics", "-r", "--max-block-duration", "6h", file, data);
        Assert.True(rc == 0, output);
        Assert.Contains("2023-11-14 22:13:20 +0000 UTC", output);
        Assert.Contains("4h12m0.001s", output); // the 6 h windows from 18:00 and 00:00 (the second as promtool cuts it)

        (rc, output) = await Ariane("tsdb", "dump", "--match", "temp", "--min-time", "1700000000500", "--max-time", "1700000300500", data);
        Assert.True(rc == 0, output);
        Assert.Equal("{__name__=\"temp\", host=\"h1\"} 0.5 1700000000500\n{__name__=\"temp\", host=\"h1\"} 1.23456789e+08 1700000300500\n", output.Replace("\r", "", StringComparison.Ordinal));

        (rc, output) = await Ariane("migrate", "prometheus", "--url", "http://127.0.0.1:1", "--from", "1700000000", "--to", "2023-11-14T23:00:00Z", "--storage.tsdb.path", data);
        Assert.Equal(1, rc);
        Assert.Contains("error: reading [1700000000000, 1700002800000] from http://127.0.0.1:1/api/v1/read", output);
        Assert.Contains("--from 1700000000", output);

        (rc, output) = await Ariane("migrate", "prometheus", "--from", "1700000000");
        Assert.NotEqual(0, rc);
        Assert.Contains("--url", output);
    }
}
