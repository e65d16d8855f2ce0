using System.Collections.Concurrent;
using System.Text.Json;
using Ariane.Model;
using Ariane.Tests.Support;
using Ariane.Tsdb;

namespace Ariane.Tests.Server;

/// <summary>Durability: SIGKILL during heavy ingestion loses nothing that was acknowledged.</summary>
public class CrashTests
{
    [Fact]
    public async Task KillDuringIngestionLosesNoAcknowledgedSample()
    {
        using var dir = new TempDir();
        string cfg = Path.Combine(dir.Path, "empty.yml");
        await File.WriteAllTextAsync(cfg, "global:\n  scrape_interval: 15s\n");
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
            var writers = new[] { Task.Run(() => Writer(0)), Task.Run(() => Writer(1)) };
            await Task.Delay(TimeSpan.FromSeconds(4));
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
            using var r = await s.Client.GetAsync("/api/v1/series?match[]=crash_test_total");
            var doc = JsonDocument.Parse(await r.Content.ReadAsStringAsync());
            Assert.Equal(SeriesCount, doc.RootElement.GetProperty("data").GetArrayLength());
            s.Signal(15);
            Assert.Equal(0, await s.WaitExitAsync(TimeSpan.FromSeconds(30)));
        }

        // Every acknowledged sample is there, with its value.
        using var head = Head.Open(new TsdbOptions { Path = data }, TimeProvider.System);
        var have = new Dictionary<(int, long), double>();
        using (var q = head.Querier(long.MinValue, long.MaxValue))
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
}
