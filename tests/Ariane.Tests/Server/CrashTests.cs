using System.Collections.Concurrent;
using System.Text.Json;
using Ariane.Model;
using Ariane.Tests.Support;
using Ariane.Tsdb;
using Microsoft.Extensions.Logging;

namespace Ariane.Tests.Server;

/// <summary>Durability: SIGKILL during heavy ingestion loses nothing that was acknowledged.</summary>
public class CrashTests
{
    [Fact]
    public async Task KillDuringIngestionLosesNoAcknowledgedSample()
    {
        using var dir = new TempDir();
        string cfg = Path.Combine(dir.Path, "empty.yml");
        await File.WriteAllTextAsync(cfg, "global:\n  scrape_interval: 15s\n", TestContext.Current.CancellationToken);
        string data = Path.Combine(dir.Path, "data");
        const int SeriesCount = 500;
        var acked = new ConcurrentBag<(int Series, long T)>();
        int rejected = 0;
        await using (var s = await ServerProcess.StartAsync(data, $"--config.file={cfg}", "--web.enable-remote-write-receiver"))
        {
            using var stop = new CancellationTokenSource();
            async Task Writer(int writer)
            {
                for (long step = 0; !stop.IsCancellationRequested; step++)
                {
                    long t = 1_700_000_000_000 + step * 1000;
                    var batch = new (string[], (long, double)[])[SeriesCount / 2];
                    for (int i = 0; i < batch.Length; i++)
                    {
                        int id = writer * batch.Length + i;
                        batch[i] = (["__name__", "crash_test_total", "series", id.ToString()], [(t, id + step)]);
                    }
                    int code;
                    try
                    {
                        code = await RemoteWriteClient.SendAsync(s.Client, batch);
                    }
                    catch (HttpRequestException)
                    {
                        return; // the server died mid-request: not acknowledged
                    }
                    if (code == 204)
                    {
                        for (int i = 0; i < batch.Length; i++)
                        {
                            acked.Add((writer * batch.Length + i, t));
                        }
                    }
                    else
                    {
                        Interlocked.Increment(ref rejected);
                    }
                }
            }
            var writers = new[] { Task.Run(() => Writer(0), TestContext.Current.CancellationToken), Task.Run(() => Writer(1), TestContext.Current.CancellationToken) };
            // Kill while the writers are still going, once enough is acknowledged to check after the restart.
            await s.EventuallyAsync(() => Task.FromResult(acked.Count > SeriesCount * 20), TimeSpan.FromSeconds(60), "the writers have 10,000 samples acknowledged");
            s.Signal(9);
            await s.WaitExitAsync(TimeSpan.FromSeconds(20));
            stop.Cancel();
            await Task.WhenAll(writers);
        }
        Assert.Equal(0, rejected);
        Assert.True(acked.Count > SeriesCount * 5, $"only {acked.Count} samples acknowledged before the kill");

        // A torn write at the end of the log (as a crash mid-write leaves it) is cut off with a warning at start-up.
        string lastSegment = Directory.GetFiles(Path.Combine(data, "wal")).Where(f => Path.GetFileName(f).All(char.IsAsciiDigit)).Max()!;
        await using (var f = new FileStream(lastSegment, FileMode.Append))
        {
            f.Write([0x02, 0x00, 0x10, 0x00, 0x00, 0xde, 0xad, 0xbe, 0xef, 0x01, 0x02]);
        }

        // Restart: the server replays the WAL and serves every series.
        await using (var s = await ServerProcess.StartAsync(data, $"--config.file={cfg}"))
        {
            Assert.Contains("truncated it there", s.Output);
            using var r = await s.Client.GetAsync("/api/v1/series?match[]=crash_test_total", TestContext.Current.CancellationToken);
            var doc = JsonDocument.Parse(await r.Content.ReadAsStringAsync(TestContext.Current.CancellationToken));
            Assert.Equal(SeriesCount, doc.RootElement.GetProperty("data").GetArrayLength());
            s.Signal(15);
            Assert.Equal(0, await s.WaitExitAsync(TimeSpan.FromSeconds(30)));
        }

        // Every acknowledged sample is there, with its value.
        using var db = Db.Open(new TsdbOptions { Path = data, CompactionInterval = TimeSpan.Zero }, TimeProvider.System);
        var have = new Dictionary<(int, long), double>();
        using (var q = db.Querier(long.MinValue, long.MaxValue))
        {
            var ss = q.Select(false, LabelMatcher.Eq("__name__", "crash_test_total"));
            while (ss.MoveNext())
            {
                int id = int.Parse(ss.Current.Labels.Get("series"));
                var it = ss.Current.Iterator();
                while (it.Next())
                {
                    have[(id, it.T)] = it.V;
                }
            }
        }
        int missing = 0;
        foreach (var (id, t) in acked)
        {
            long step = (t - 1_700_000_000_000) / 1000;
            if (!have.TryGetValue((id, t), out double v) || v != id + step)
            {
                missing++;
            }
        }
        SuiteReport.Write("crash-sigkill", $"SIGKILL during ingestion: {acked.Count} acknowledged samples, {missing} missing after restart");
        Assert.Equal(0, missing);
    }

    /// <summary>
    /// SIGKILL while the server cuts blocks, compacts them and deletes them for retention (10-minute blocks,
    /// 3-hour retention, remote-written data 10 minutes a request, so passes run all the time), several times in
    /// a row: every restart opens, and every acknowledged sample retention must keep is there.
    /// </summary>
    [Fact]
    public async Task KillDuringCompactionAndRetentionLosesNoCommittedSample()
    {
        using var dir = new TempDir();
        string cfg = Path.Combine(dir.Path, "empty.yml");
        await File.WriteAllTextAsync(cfg, "global:\n  scrape_interval: 15s\n", TestContext.Current.CancellationToken);
        string data = Path.Combine(dir.Path, "data");
        string[] args = [$"--config.file={cfg}", "--web.enable-remote-write-receiver", "--storage.tsdb.min-block-duration=10m",
            "--storage.tsdb.max-block-duration=90m", "--storage.tsdb.retention.time=3h"];
        // One writer: in-order samples more than half a block range behind the newest are refused (as Prometheus),
        // so two writers drifting apart by a request (10 minutes of data) would see refusals.
        const int SeriesPerWriter = 100, Steps = 40;
        const long Step = 15_000, Start = 1_700_000_000_000;
        var acked = new ConcurrentDictionary<(int Series, long T), double>();
        var next = new long[] { Start, Start };
        int kills = 0, blocksWritten = 0, compacted = 0, retained = 0;
        var rnd = new Random(42);
        // At least 4 rounds, more (up to 10) until each kind of pass has run in some round.
        for (int round = 0; round < 10 && (round < 4 || blocksWritten == 0 || compacted == 0 || retained == 0); round++)
        {
            await using var s = await ServerProcess.StartAsync(data, args);
            using var stop = new CancellationTokenSource();
            async Task Writer(int w)
            {
                while (!stop.IsCancellationRequested)
                {
                    long t0 = next[w];
                    next[w] = t0 + Steps * Step; // never reuse a time that may have been written partly
                    var batch = new (string[], (long, double)[])[SeriesPerWriter];
                    for (int i = 0; i < SeriesPerWriter; i++)
                    {
                        int id = w * SeriesPerWriter + i;
                        var samples = new (long, double)[Steps];
                        for (int k = 0; k < Steps; k++)
                        {
                            long t = t0 + k * Step;
                            samples[k] = (t, id * 1e6 + (t - Start) / Step);
                        }
                        batch[i] = (["__name__", "compaction_crash_total", "series", id.ToString(System.Globalization.CultureInfo.InvariantCulture)], samples);
                    }
                    int code;
                    try
                    {
                        code = await RemoteWriteClient.SendAsync(s.Client, batch);
                    }
                    catch (HttpRequestException)
                    {
                        return;
                    }
                    catch (TaskCanceledException)
                    {
                        return;
                    }
                    Assert.Equal(204, code);
                    await Task.Delay(10); // let compaction keep up, so that every kind of pass runs
                    foreach (var (labels, samples) in batch)
                    {
                        int id = int.Parse(labels[3], System.Globalization.CultureInfo.InvariantCulture);
                        foreach (var (t, v) in samples)
                        {
                            acked[(id, t)] = v;
                        }
                    }
                }
            }
            var writers = new[] { Task.Run(() => Writer(0), TestContext.Current.CancellationToken) };
            await Task.Delay(TimeSpan.FromMilliseconds(1500 + rnd.Next(2500)), TestContext.Current.CancellationToken);
            s.Signal(9);
            kills++;
            await s.WaitExitAsync(TimeSpan.FromSeconds(20));
            stop.Cancel();
            await Task.WhenAll(writers);
            string log = s.Output;
            blocksWritten += Count(log, "wrote block");
            compacted += Count(log, "compacted ");
            retained += Count(log, "older than the retention time");
        }
        Assert.True(blocksWritten > 0 && compacted > 0 && retained > 0,
            $"the runs did not exercise everything: {blocksWritten} blocks cut, {compacted} compactions, {retained} retention passes");

        // Reopen in-process (no compaction) and check every acknowledged sample newer than the retention horizon.
        var warnings = new List<string>();
        using var db = Db.Open(new TsdbOptions { Path = data, CompactionInterval = TimeSpan.Zero }, TimeProvider.System, new ListLogger(warnings, LogLevel.Warning));
        long newest = Math.Max(db.Head.MaxTime, db.Blocks.Count > 0 ? db.Blocks[^1].Meta.MaxTime : long.MinValue);
        long horizon = newest - (long)TimeSpan.FromHours(3).TotalMilliseconds;
        var have = new Dictionary<(int, long), double>();
        using (var q = db.Querier(long.MinValue, long.MaxValue))
        {
            var ss = q.Select(false, LabelMatcher.Eq("__name__", "compaction_crash_total"));
            while (ss.MoveNext())
            {
                int id = int.Parse(ss.Current.Labels.Get("series"), System.Globalization.CultureInfo.InvariantCulture);
                var it = ss.Current.Iterator();
                long prev = long.MinValue;
                while (it.Next())
                {
                    Assert.True(it.T > prev, "samples out of order or duplicated");
                    prev = it.T;
                    have[(id, it.T)] = it.V;
                }
            }
        }
        int missing = 0, checkedCount = 0;
        long missMin = long.MaxValue, missMax = long.MinValue;
        foreach (var ((id, t), v) in acked)
        {
            if (t < horizon)
            {
                continue;
            }
            checkedCount++;
            if (!have.TryGetValue((id, t), out double got) || got != v)
            {
                missing++;
                missMin = Math.Min(missMin, t);
                missMax = Math.Max(missMax, t);
            }
        }
        if (missing > 0)
        {
            var sb = new System.Text.StringBuilder();
            sb.Append($"missing t in [{(missMin - Start) / 60000}m, {(missMax - Start) / 60000}m]; horizon {(horizon - Start) / 60000}m; newest {(newest - Start) / 60000}m; head minValid {(db.Head.MinValidTime - Start) / 60000}m min {(db.Head.MinTime - Start) / 60000}m; blocks:");
            foreach (var b in db.Blocks)
            {
                sb.Append($" [{(b.Meta.MinTime - Start) / 60000}m,{(b.Meta.MaxTime - Start) / 60000}m)L{b.Meta.Level}");
            }
            sb.Append("; warnings: ").AppendJoin(" | ", warnings).Append("; wal: ").AppendJoin(" ", Directory.GetFileSystemEntries(Path.Combine(data, "wal")).Select(Path.GetFileName));
            Assert.Fail(sb.ToString());
        }
        SuiteReport.Write("crash-compaction", $"SIGKILL during compaction and retention: {kills} kills, {blocksWritten} blocks cut, {compacted} compactions, " +
            $"{retained} retention deletions logged; {checkedCount} acknowledged samples within retention checked, {missing} missing; {db.Blocks.Count} blocks after restart");
        Assert.Equal(0, missing);
        Assert.True(checkedCount > 10_000, $"only {checkedCount} samples checked");
    }

    private static int Count(string text, string what)
    {
        int n = 0;
        for (int i = text.IndexOf(what, StringComparison.Ordinal); i >= 0; i = text.IndexOf(what, i + 1, StringComparison.Ordinal))
        {
            n++;
        }
        return n;
    }
}
