using System.Collections.Concurrent;
using System.Diagnostics;
using System.Net.Sockets;
using Ariane.Tests.Support;

namespace Ariane.Tests.Server;

/// <summary>
/// SIGKILL while a snapshot is being written and while a backup is being streamed: the server restarts with every
/// committed sample, and the half-made snapshot or backup staging is cleared away.
/// </summary>
public class AdminCrashTests
{
    private const int HistorySeries = 400;
    private const int Hours = 3;
    private const int BigHistorySeries = 1000;
    private const int BigHours = 4;
    private const int LiveSeries = 100;

    private static string[] Unfinished(string data)
    {
        string snaps = Path.Combine(data, "snapshots");
        return Directory.Exists(snaps) ? Directory.GetDirectories(snaps, "*.tmp") : [];
    }

    private static async Task<(ConcurrentBag<(int, long)> Acked, bool Mid)> KillDuring(string data, string cfg, Func<ServerProcess, Task> start, Func<bool> inProgress)
    {
        var acked = new ConcurrentBag<(int, long)>();
        bool mid;
        await using (var s = await ServerProcess.StartAsync(data, $"--config.file={cfg}", "--web.enable-admin-api", "--web.enable-remote-write-receiver"))
        {
            using var stop = new CancellationTokenSource();
            var writer = Task.Run(() => AdminTestData.IngestAsync(s.Client, LiveSeries, 0, 1, acked, stop.Token));
            await s.EventuallyAsync(() => Task.FromResult(acked.Count > LiveSeries * 10), TimeSpan.FromSeconds(60), "ingestion is under way");
            var operation = Task.Run(() => start(s));
            // Kill as soon as the operation's unfinished folder is there.
            var sw = Stopwatch.StartNew();
            while (!(mid = inProgress()) && sw.Elapsed < TimeSpan.FromSeconds(60) && !operation.IsCompleted)
            {
                Thread.Yield();
            }
            s.Signal(9);
            await s.WaitExitAsync(TimeSpan.FromSeconds(20));
            stop.Cancel();
            await writer;
            // A stalled reader does not notice the kill; it is left to time out on its own.
            if (await Task.WhenAny(operation, Task.Delay(TimeSpan.FromSeconds(2))) == operation)
            {
                try
                {
                    await operation;
                }
                catch (HttpRequestException)
                {
                }
                catch (IOException)
                {
                }
                catch (TaskCanceledException)
                {
                }
            }
        }
        return (acked, mid);
    }

    private static async Task RestartAndCheck(string data, string cfg, ConcurrentBag<(int, long)> acked, string what, int historySeries = HistorySeries, int hours = Hours)
    {
        await using (var s = await ServerProcess.StartAsync(data, $"--config.file={cfg}"))
        {
            Assert.Empty(Unfinished(data));
            s.Signal(15);
            Assert.Equal(0, await s.WaitExitAsync(TimeSpan.FromSeconds(30)));
        }
        long live = AdminTestData.AssertHolds(data, historySeries, hours, acked);
        SuiteReport.Write("crash-" + what, $"SIGKILL during {what}: {acked.Count} acknowledged samples and {historySeries * hours * 240} history samples, none missing after restart ({live} live samples kept)");
    }

    [Fact]
    public async Task Kill_during_a_snapshot_loses_no_committed_sample()
    {
        using var dir = new TempDir();
        string data = Path.Combine(dir.Path, "data");
        string cfg = await AdminTestData.EmptyConfig(dir.Path);
        AdminTestData.WriteHistory(data, HistorySeries, Hours); // the head keeps ~1.5 h of 400 series: writing it as a block takes a while
        var (acked, mid) = await KillDuring(data, cfg,
            async s =>
            {
                using var r = await s.Client.PostAsync("/api/v1/admin/tsdb/snapshot", null);
            },
            () => Unfinished(data).Length > 0);
        Assert.True(mid, "the kill did not land while the snapshot was being written");
        Assert.NotEmpty(Unfinished(data)); // what the kill left behind
        await RestartAndCheck(data, cfg, acked, "snapshot");
    }

    [Fact]
    public async Task Kill_during_a_backup_loses_no_committed_sample()
    {
        using var dir = new TempDir();
        string data = Path.Combine(dir.Path, "data");
        string cfg = await AdminTestData.EmptyConfig(dir.Path);
        // ~1M samples in the WAL (some 12 MB), read through a 4 KiB receive buffer: more than the sockets can hold, so
        // the server is still streaming when the reader stalls.
        AdminTestData.WriteHistory(data, BigHistorySeries, BigHours, compact: false);
        using var slow = new HttpClient(new SocketsHttpHandler
        {
            ConnectCallback = async (ctx, ct) =>
            {
                var sock = new Socket(SocketType.Stream, ProtocolType.Tcp) { ReceiveBufferSize = 4096 };
                await sock.ConnectAsync(ctx.DnsEndPoint, ct);
                return new NetworkStream(sock, ownsSocket: true);
            },
        })
        { Timeout = TimeSpan.FromSeconds(60) };
        var streaming = new TaskCompletionSource();
        var (acked, mid) = await KillDuring(data, cfg,
            async s =>
            {
                // A reader that takes the first bytes and then stalls, so the stream is mid-way when the kill comes.
                using var r = await slow.GetAsync($"http://127.0.0.1:{s.Port}/api/v1/admin/tsdb/backup", HttpCompletionOption.ResponseHeadersRead);
                var body = await r.Content.ReadAsStreamAsync();
                var buf = new byte[4096];
                await body.ReadAtLeastAsync(buf, buf.Length);
                streaming.TrySetResult();
                await Task.Delay(TimeSpan.FromSeconds(20));
            },
            () => streaming.Task.IsCompleted && Unfinished(data).Length > 0);
        Assert.True(mid, "the kill did not land while the backup was being streamed");
        await RestartAndCheck(data, cfg, acked, "backup", BigHistorySeries, BigHours);
    }
}
