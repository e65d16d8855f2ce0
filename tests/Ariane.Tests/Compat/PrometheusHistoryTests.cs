using System.Diagnostics;
using System.Globalization;
using System.Text;
using Ariane.Model;
using Ariane.Server.Cli;
using Ariane.Tests.Server;
using Ariane.Tests.Support;
using Ariane.Tsdb;

namespace Ariane.Tests.Compat;

/// <summary>
/// The history tools against the real Prometheus 2.42 and its promtool (Debian package): the same OpenMetrics file
/// backfilled by both dumps the same samples and lists the same blocks; migrate copies what a running Prometheus holds
/// (in its blocks and in its head) into a data folder that Ariane's database opens with every sample.
/// </summary>
public class PrometheusHistoryTests
{
    private const string Promtool = "/usr/bin/promtool";
    private const string Prometheus = "/usr/bin/prometheus";

    private static string RunTool(params string[] args)
    {
        var psi = new ProcessStartInfo(Promtool) { RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var a in args)
        {
            psi.ArgumentList.Add(a);
        }
        using var p = Process.Start(psi)!;
        var errTask = p.StandardError.ReadToEndAsync();
        string output = p.StandardOutput.ReadToEnd();
        p.WaitForExit();
        Assert.True(p.ExitCode == 0, $"promtool {string.Join(' ', args)} failed: {errTask.Result}");
        return output;
    }

    private static string Capture(Func<TextWriter, TextWriter, int> f)
    {
        var o = new StringWriter();
        var e = new StringWriter();
        Assert.True(f(o, e) == 0, e.ToString());
        return o.ToString();
    }

    private static string[] SortedLines(string s)
    {
        var lines = s.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Array.Sort(lines, StringComparer.Ordinal);
        return lines;
    }

    [Fact]
    public void BackfillDumpListAndAnalyzeMatchPromtool()
    {
        Assert.True(File.Exists(Promtool), "promtool is missing: ./test.sh installs the Debian package 'prometheus'");
        using var dir = new TempDir();
        string file = Path.Combine(dir.Path, "in.om");
        File.WriteAllText(file, TsdbCommandTests.SampleFile());
        string ours = Path.Combine(dir.Path, "ours"), theirs = Path.Combine(dir.Path, "theirs");
        string ourOut = Capture((o, e) => OpenMetricsBackfill.Run(file, ours, false, false, TimeSpan.FromHours(2), o, e, TimeProvider.System));
        string theirOut = RunTool("tsdb", "create-blocks-from", "openmetrics", file, theirs);
        Directory.CreateDirectory(Path.Combine(theirs, "wal")); // promtool's dump wants one

        // Same blocks: every column but the id and the size (the formats differ).
        static string Columns(string table) => string.Join('\n', table.Split('\n', StringSplitOptions.RemoveEmptyEntries).Skip(1)
            .Select(l => string.Join(' ', l.Split(' ', StringSplitOptions.RemoveEmptyEntries)[1..^1])));
        Assert.Equal(Columns(theirOut), Columns(ourOut));
        Assert.Equal(theirOut.Split('\n')[0], ourOut.Split('\n')[0]);
        Assert.Equal(Columns(RunTool("tsdb", "list", "-r", theirs)), Columns(Capture((o, e) => TsdbCommand.List(ours, true, o, e))));

        // Same samples, printed the same way.
        string theirDump = RunTool("tsdb", "dump", theirs);
        string ourDump = Capture((o, e) => TsdbCommand.Dump(ours, long.MinValue, long.MaxValue, TsdbCommand.DefaultDumpMatch, o, e));
        Assert.Equal(SortedLines(theirDump), SortedLines(ourDump));
        Assert.Equal(2 * 360 + 60, SortedLines(ourDump).Length);

        // Same analysis of the newest block, up to the order of ties (promtool's is random).
        string theirAnalysis = RunTool("tsdb", "analyze", theirs);
        string ourAnalysis = Capture((o, e) => TsdbCommand.Analyze(ours, "", 20, false, o, e));
        static string[][] Sections(string s) => s.Split("\n\n").Select(sec => SortedLines(string.Join('\n', sec.Split('\n').Where(l => !l.StartsWith("Block ID:", StringComparison.Ordinal))))).ToArray();
        Assert.Equal(Sections(theirAnalysis), Sections(ourAnalysis));
        SuiteReport.Write("compat-promtool-tsdb", $"promtool 2.42 tsdb create-blocks-from/list/dump/analyze: same {SortedLines(ourDump).Length} samples in the same blocks as Ariane's");
    }

    [Fact]
    public async Task MigrateCopiesEverySampleOfARunningPrometheus()
    {
        Assert.True(File.Exists(Prometheus) && File.Exists(Promtool), "prometheus is missing: ./test.sh installs the Debian package 'prometheus'");
        using var dir = new TempDir();
        long now = TimeProvider.System.GetUtcNow().ToUnixTimeMilliseconds() / 60_000 * 60_000;
        var expected = new Dictionary<string, List<(long T, double V)>>();
        void Expect(Labels l, long t, double v)
        {
            if (!expected.TryGetValue(l.ToString(), out var list))
            {
                expected[l.ToString()] = list = [];
            }
            list.Add((t, v));
        }

        // Older history goes into Prometheus's blocks through promtool; 3 series × 6 h at 30 s.
        var om = new StringBuilder("# TYPE old_counter counter\n");
        for (int s = 0; s < 3; s++)
        {
            var l = Labels.FromStrings("__name__", "old_counter_total", "instance", $"host-{s}", "job", "node");
            for (long t = now - 10 * 3600_000; t < now - 4 * 3600_000; t += 30_000)
            {
                double v = (t - now) / 1000.0 * (s + 1) + 0.25;
                om.Append(CultureInfo.InvariantCulture, $"old_counter_total{{instance=\"host-{s}\",job=\"node\"}} {v.ToString("R", CultureInfo.InvariantCulture)} {t / 1000}\n");
                Expect(l, t, v);
            }
        }
        om.Append("# EOF\n");
        string promData = Path.Combine(dir.Path, "prom");
        string omFile = Path.Combine(dir.Path, "old.om");
        File.WriteAllText(omFile, om.ToString());
        RunTool("tsdb", "create-blocks-from", "openmetrics", omFile, promData);

        int port = ServerProcess.FreePort();
        string cfg = Path.Combine(dir.Path, "prometheus.yml");
        File.WriteAllText(cfg, "global:\n  scrape_interval: 1h\n");
        var psi = new ProcessStartInfo(Prometheus) { RedirectStandardError = true, RedirectStandardOutput = true };
        foreach (var a in new[]
        {
            $"--config.file={cfg}", $"--storage.tsdb.path={promData}", $"--web.listen-address=127.0.0.1:{port}",
            "--web.enable-remote-write-receiver",
            // Smaller than a 2 h window of the old series (720 samples), so migrate must split its requests.
            "--storage.remote.read-sample-limit=500",
        })
        {
            psi.ArgumentList.Add(a);
        }
        using var prom = Process.Start(psi)!;
        var promLog = new StringBuilder();
        prom.ErrorDataReceived += (_, e) => { lock (promLog) { promLog.AppendLine(e.Data); } };
        prom.OutputDataReceived += (_, _) => { };
        prom.BeginErrorReadLine();
        prom.BeginOutputReadLine();
        try
        {
            using var client = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{port}"), Timeout = TimeSpan.FromSeconds(30) };
            var sw = Stopwatch.StartNew();
            while (true)
            {
                try
                {
                    using var r = await client.GetAsync("/-/ready", TestContext.Current.CancellationToken);
                    if (r.IsSuccessStatusCode)
                    {
                        break;
                    }
                }
                catch (HttpRequestException)
                {
                }
                Assert.True(sw.Elapsed < TimeSpan.FromSeconds(60) && !prom.HasExited, "Prometheus did not get ready:\n" + promLog);
                await Task.Delay(200, TestContext.Current.CancellationToken);
            }

            // Recent samples go into Prometheus's head through remote write.
            for (int s = 0; s < 2; s++)
            {
                var l = Labels.FromStrings("__name__", "recent_gauge", "k", $"v{s}");
                var samples = new List<(long, double)>();
                for (long t = now - 20 * 60_000; t <= now; t += 15_000)
                {
                    double v = Math.Sin(t / 60_000.0) * 100 + s;
                    samples.Add((t, v));
                    Expect(l, t, v);
                }
                Assert.Equal(204, await RemoteWriteClient.SendAsync(client, (["__name__", "recent_gauge", "k", $"v{s}"], [.. samples])));
            }

            // Ariane's database is open on the destination folder throughout, as a running server's would be.
            string data = Path.Combine(dir.Path, "ariane");
            var opts = new TsdbOptions { Path = data, CompactionInterval = TimeSpan.Zero };
            using (var db = Db.Open(opts, TimeProvider.System))
            {
                var o = new StringWriter();
                var e = new StringWriter();
                var progress = new StringWriter();
                int rc = await MigrateCommand.RunAsync(new MigrateOptions
                {
                    Url = $"http://127.0.0.1:{port}",
                    FromMs = now - 11 * 3600_000,
                    ToMs = now,
                    StoragePath = data,
                }, o, e, progress, TimeProvider.System, CancellationToken.None);
                Assert.True(rc == 0, e.ToString() + "\n" + promLog);
                Assert.Contains("window 1/", progress.ToString());
                Assert.DoesNotContain("warning", e.ToString()); // copying into the head's range is safe: blocks and head are merged
                Assert.Contains("BLOCK ULID", o.ToString());
                var summary = System.Text.RegularExpressions.Regex.Match(e.ToString(), @"into (\d+) block\(s\) .* with (\d+) remote-read request");
                Assert.True(summary.Success, e.ToString());
                int blocks = int.Parse(summary.Groups[1].Value, CultureInfo.InvariantCulture);
                Assert.True(int.Parse(summary.Groups[2].Value, CultureInfo.InvariantCulture) > 7, "windows over the sample limit are read in halves: " + e);
                Assert.True(blocks >= 4, o.ToString());

                // A running database picks the blocks up at its next compaction pass.
                Assert.Equal(blocks, db.LoadNewBlocks());
                Assert.Equal(expected, ReadAll(db));
            }
            // And a database opened afterwards has them all too.
            using (var db = Db.Open(opts, TimeProvider.System))
            {
                Assert.Equal(expected, ReadAll(db));
            }
            SuiteReport.Write("compat-prometheus-migrate",
                $"migrate from Prometheus 2.42 (remote read): {expected.Values.Sum(l => l.Count)} samples of {expected.Count} series from its blocks and head, all present in Ariane");
        }
        finally
        {
            prom.Kill();
            await prom.WaitForExitAsync(TestContext.Current.CancellationToken);
        }
    }

    private static Dictionary<string, List<(long T, double V)>> ReadAll(Db db)
    {
        var result = new Dictionary<string, List<(long, double)>>();
        using var q = db.Querier(long.MinValue, long.MaxValue);
        var set = q.Select(true, new LabelMatcher(MatcherType.Regex, "__name__", ".+"));
        while (set.MoveNext())
        {
            var list = new List<(long, double)>();
            var it = set.Current.Iterator();
            while (it.Next())
            {
                list.Add((it.T, it.V));
            }
            result[set.Current.Labels.ToString()] = list;
        }
        return result;
    }
}
