using System.Diagnostics;
using Ariane.Model;
using Ariane.Tests.Support;
using Ariane.Tsdb;

namespace Ariane.Tests.Server;

/// <summary>
/// A full disk: appends fail with a clear error and a metric, ingestion resumes by itself when space returns,
/// and nothing written before is damaged. The disk is a 16 MB tmpfs the test mounts: it needs root, as this
/// machine's and CI's test runs have; run as another user it is skipped with that reason, and as root a mount that
/// fails is a failure.
/// </summary>
public sealed class DiskFullTests : IDisposable
{
    private readonly TempDir _dir = new();
    private readonly string _mnt;
    private bool _mounted;

    public DiskFullTests()
    {
        _mnt = Path.Combine(_dir.Path, "mnt");
        Directory.CreateDirectory(_mnt);
    }

    public void Dispose()
    {
        if (_mounted)
        {
            Run("umount", "-l", _mnt);
        }
        _dir.Dispose();
    }

    private static int Run(string file, params string[] args)
    {
        var psi = new ProcessStartInfo(file) { RedirectStandardError = true, RedirectStandardOutput = true };
        foreach (var a in args)
        {
            psi.ArgumentList.Add(a);
        }
        using var p = Process.Start(psi)!;
        p.WaitForExit();
        return p.ExitCode;
    }

    [Fact]
    public async Task A_full_disk_refuses_appends_clearly_and_ingestion_resumes_when_space_returns()
    {
        Assert.SkipUnless(Environment.IsPrivilegedProcess, "not root: the test mounts a 16 MB tmpfs as the full disk, which needs root");
        Assert.True(Run("mount", "-t", "tmpfs", "-o", "size=16m", "tmpfs", _mnt) == 0, "mount -t tmpfs failed (the test needs root)");
        _mounted = true;
        string data = Path.Combine(_mnt, "data");
        string cfg = Path.Combine(_dir.Path, "empty.yml");
        await File.WriteAllTextAsync(cfg, "global:\n  scrape_interval: 15s\n", TestContext.Current.CancellationToken);
        var acked = new List<long>();
        int failed = 0;
        string? failure = null;
        long t = 1_700_000_000_000;
        await using (var s = await ServerProcess.StartAsync(data, $"--config.file={cfg}", "--web.enable-remote-write-receiver"))
        {
            async Task<int> Send()
            {
                var batch = new (string[], (long, double)[])[100];
                for (int i = 0; i < batch.Length; i++)
                {
                    batch[i] = (["__name__", "disk_full_test", "series", i.ToString(System.Globalization.CultureInfo.InvariantCulture)], [(t, t / 1000.0 + i)]);
                }
                var (code, body) = await RemoteWriteClient.SendWithBodyAsync(s.Client, batch);
                if (code == 204)
                {
                    acked.Add(t);
                }
                else
                {
                    failed++;
                    failure ??= body;
                }
                t += 1000;
                return code;
            }
            for (int i = 0; i < 20; i++)
            {
                Assert.Equal(204, await Send());
            }
            // Fill the disk but for 64 KB.
            string filler = Path.Combine(_mnt, "filler");
            long free = new DriveInfo(_mnt).AvailableFreeSpace;
            await using (var f = new FileStream(filler, FileMode.CreateNew))
            {
                var chunk = new byte[1 << 16];
                for (long left = free - (64 << 10); left > 0; left -= chunk.Length)
                {
                    try
                    {
                        f.Write(chunk, 0, (int)Math.Min(chunk.Length, left));
                    }
                    catch (IOException)
                    {
                        break;
                    }
                }
            }
            int sent = 0;
            while (failed < 5 && sent++ < 2000)
            {
                await Send();
            }
            Assert.True(failed >= 5, "the disk never filled up");
            Assert.Equal(500, await Send());
            Assert.Contains("No space left on device", failure, StringComparison.Ordinal);
            Assert.Contains("write-ahead log write failed", failure, StringComparison.Ordinal);
            string metrics = await s.Client.GetStringAsync("/metrics", TestContext.Current.CancellationToken);
            Assert.Matches(@"(?m)^ariane_tsdb_wal_writes_failed_total [1-9]", metrics);

            // Space returns: the next writes succeed without a restart.
            File.Delete(filler);
            int before = acked.Count;
            for (int i = 0; i < 20; i++)
            {
                Assert.Equal(204, await Send());
            }
            Assert.Equal(before + 20, acked.Count);
            // The failure is logged once when it starts (not once per refused commit) and once when it ends.
            string log = s.Output;
            Assert.Equal(1, System.Text.RegularExpressions.Regex.Count(log, "msg=\"WAL write failed"));
            Assert.Contains("No space left on device", log, StringComparison.Ordinal);
            Assert.Matches(@"msg=""WAL writes succeed again"" failed_commits=[1-9]", log);
            s.Signal(15);
            Assert.Equal(0, await s.WaitExitAsync(TimeSpan.FromSeconds(30)));
        }

        // Everything acknowledged, before and after the disk was full, is there after a restart.
        var have = new HashSet<(int, long)>();
        using (var db = Db.Open(new TsdbOptions { Path = data, CompactionInterval = TimeSpan.Zero }, TimeProvider.System))
        using (var q = db.Querier(long.MinValue, long.MaxValue))
        {
            var ss = q.Select(false, LabelMatcher.Eq("__name__", "disk_full_test"));
            while (ss.MoveNext())
            {
                int id = int.Parse(ss.Current.Labels.Get("series"), System.Globalization.CultureInfo.InvariantCulture);
                var it = ss.Current.Iterator();
                while (it.Next())
                {
                    Assert.Equal(it.T / 1000.0 + id, it.V);
                    have.Add((id, it.T));
                }
            }
        }
        int missing = 0;
        foreach (long ts in acked)
        {
            for (int i = 0; i < 100; i++)
            {
                if (!have.Contains((i, ts)))
                {
                    missing++;
                }
            }
        }
        SuiteReport.Write("disk-full", $"full disk (16 MB tmpfs): {failed} remote writes refused with 500 \"{failure?.Trim()}\"; ingestion resumed when space returned; " +
            $"{acked.Count * 100} acknowledged samples, {missing} missing after restart");
        Assert.Equal(0, missing);
    }
}
