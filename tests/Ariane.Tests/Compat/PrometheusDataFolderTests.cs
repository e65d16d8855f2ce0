using System.Diagnostics;
using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using Ariane.Tests.Support;
using Ariane.Tsdb;

namespace Ariane.Tests.Compat;

/// <summary>
/// Ariane pointed at a real Prometheus 2.42 data folder (Debian package; blocks from promtool, a WAL, chunks_head/,
/// queries.active and lock from a Prometheus that ran on it) refuses to start, says how to migrate, and leaves every
/// byte and every file name of the folder as it was.
/// </summary>
public class PrometheusDataFolderTests
{
    private const string Promtool = "/usr/bin/promtool";
    private const string Prometheus = "/usr/bin/prometheus";

    // Every file and folder under dir, with a hash of each file's bytes.
    private static SortedDictionary<string, string> Snapshot(string dir)
    {
        var result = new SortedDictionary<string, string>(StringComparer.Ordinal);
        foreach (var d in Directory.EnumerateDirectories(dir, "*", SearchOption.AllDirectories))
        {
            result[Path.GetRelativePath(dir, d) + "/"] = "";
        }
        foreach (var f in Directory.EnumerateFiles(dir, "*", SearchOption.AllDirectories))
        {
            result[Path.GetRelativePath(dir, f)] = Convert.ToHexString(SHA256.HashData(File.ReadAllBytes(f)));
        }
        return result;
    }

    private static string MakePrometheusFolder(string root)
    {
        string data = Path.Combine(root, "prom");
        long now = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds() / 60_000 * 60_000;
        var om = new StringBuilder("# TYPE old gauge\n");
        for (long t = now - 8 * 3_600_000; t < now - 4 * 3_600_000; t += 60_000)
        {
            om.Append(CultureInfo.InvariantCulture, $"old{{job=\"x\"}} {t % 97} {t / 1000}\n");
        }
        om.Append("# EOF\n");
        string omFile = Path.Combine(root, "old.om");
        File.WriteAllText(omFile, om.ToString());
        using (var tool = Process.Start(new ProcessStartInfo(Promtool, ["tsdb", "create-blocks-from", "openmetrics", omFile, data]) { RedirectStandardOutput = true, RedirectStandardError = true })!)
        {
            tool.StandardOutput.ReadToEnd();
            tool.WaitForExit();
            Assert.Equal(0, tool.ExitCode);
        }
        int port = ServerProcess.FreePort();
        string cfg = Path.Combine(root, "prometheus.yml");
        File.WriteAllText(cfg, "global:\n  scrape_interval: 1h\n");
        var psi = new ProcessStartInfo(Prometheus, [$"--config.file={cfg}", $"--storage.tsdb.path={data}", $"--web.listen-address=127.0.0.1:{port}", "--web.enable-remote-write-receiver"])
        {
            RedirectStandardError = true,
            RedirectStandardOutput = true,
        };
        using var prom = Process.Start(psi)!;
        var log = new StringBuilder();
        prom.ErrorDataReceived += (_, e) => { lock (log) { log.AppendLine(e.Data); } };
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
                    using var r = client.GetAsync("/-/ready").GetAwaiter().GetResult();
                    if (r.IsSuccessStatusCode)
                    {
                        break;
                    }
                }
                catch (HttpRequestException)
                {
                }
                Assert.True(sw.Elapsed < TimeSpan.FromSeconds(60) && !prom.HasExited, "Prometheus did not get ready:\n" + log);
                Thread.Sleep(200);
            }
            // Samples into its head, so that its WAL holds records.
            var samples = new List<(long, double)>();
            for (long t = now - 10 * 60_000; t <= now; t += 15_000)
            {
                samples.Add((t, t % 13));
            }
            Assert.Equal(204, RemoteWriteClient.SendAsync(client, (["__name__", "recent", "job", "x"], [.. samples])).GetAwaiter().GetResult());
        }
        finally
        {
            prom.Kill(); // as a crash leaves it: lock and queries.active stay
            prom.WaitForExit();
        }
        return data;
    }

    [Fact]
    public async Task Ariane_refuses_a_prometheus_data_folder_without_changing_a_byte()
    {
        Assert.True(File.Exists(Prometheus) && File.Exists(Promtool), "prometheus is missing: ./test.sh installs the Debian package 'prometheus'");
        using var dir = new TempDir();
        string data = MakePrometheusFolder(dir.Path);
        foreach (var expected in new[] { "wal", "chunks_head" })
        {
            Assert.True(Directory.Exists(Path.Combine(data, expected)), expected + " missing: " + string.Join(", ", Directory.EnumerateFileSystemEntries(data)));
        }
        Assert.True(File.Exists(Path.Combine(data, "queries.active")));
        if (!File.Exists(Path.Combine(data, "lock")))
        {
            // Left by a Prometheus that holds or held the folder (an empty file); this one took none or removed it.
            File.WriteAllBytes(Path.Combine(data, "lock"), []);
        }
        var before = Snapshot(data);

        var signs = ForeignDataDir.PrometheusSigns(data);
        Assert.Contains(signs, s => s.StartsWith("chunks_head/", StringComparison.Ordinal));
        Assert.Contains(signs, s => s.StartsWith("block ", StringComparison.Ordinal));
        Assert.Contains(signs, s => s.StartsWith("wal/", StringComparison.Ordinal));

        await using (var s = ServerProcess.Launch(data, ["serve"], [], out _))
        {
            Assert.Equal(1, await s.WaitExitAsync(TimeSpan.FromSeconds(60)));
            Assert.Contains("is a Prometheus data folder", s.Output);
            Assert.Contains("./ariane migrate prometheus", s.Output);
        }
        Assert.Equal(before, Snapshot(data));

        // In process too, and the backfill tool will not write Ariane's blocks into it either.
        Assert.Throws<ForeignDataDirectoryException>(() => Db.Open(new TsdbOptions { Path = data }, TimeProvider.System));
        string om = Path.Combine(dir.Path, "new.om");
        File.WriteAllText(om, "a 1 1700000000\n# EOF\n");
        var err = new StringWriter();
        Assert.Equal(1, Ariane.Server.Cli.OpenMetricsBackfill.Run(om, data, false, true, TimeSpan.FromHours(2), TextWriter.Null, err, TimeProvider.System));
        Assert.Contains("is a Prometheus data folder", err.ToString());
        Assert.Equal(before, Snapshot(data));
        SuiteReport.Write("compat-prometheus-folder",
            $"a Prometheus 2.42 data folder ({before.Count} files and folders; found: {string.Join("; ", signs)}): serve exits 1 with a migrate hint, not a byte changed");
    }
}
