using System.Collections.Concurrent;
using System.Globalization;
using Ariane.Model;
using Ariane.Storage;
using Ariane.Tests.Support;
using Ariane.Tsdb;

namespace Ariane.Tests.Server;

/// <summary>
/// Data for the backup and crash tests: history written straight into a data folder (blocks, a WAL checkpoint and
/// segments, as a server that ran for hours leaves them), then live remote-write ingestion whose acknowledged samples
/// are recorded, and a check that a data folder holds all of it.
/// </summary>
internal static class AdminTestData
{
    public const long T0 = 1_700_000_000_000;
    public const long Hour = 3_600_000;

    /// <summary>
    /// History: series <c>history_total{i}</c> every 15 s over [T0 - hours, T0), value = i * 1e6 + t / 15 s; cut into
    /// blocks (the head keeps the last hour, checkpointed) unless <paramref name="compact"/> is false (all in the WAL).
    /// </summary>
    public static void WriteHistory(string data, int series, int hours, bool compact = true)
    {
        using var db = Db.Open(new TsdbOptions
        {
            Path = data,
            BlockRange = TimeSpan.FromHours(1),
            RetentionTime = TimeSpan.Zero,
            CompactionInterval = TimeSpan.Zero,
            WalSyncInterval = TimeSpan.Zero,
        }, TimeProvider.System);
        var refs = new ulong[series];
        var labels = new Labels[series];
        for (int i = 0; i < series; i++)
        {
            labels[i] = Labels.FromStrings("__name__", "history_total", "i", i.ToString(CultureInfo.InvariantCulture));
        }
        for (long t = T0 - hours * Hour; t < T0; t += 15_000)
        {
            var app = db.Appender();
            for (int i = 0; i < series; i++)
            {
                Assert.Equal(AppendStatus.Ok, app.Append(ref refs[i], labels[i], t, HistoryValue(i, t)));
            }
            app.Commit();
        }
        if (compact)
        {
            db.Compact();
            Assert.NotEmpty(db.Blocks);
        }
    }

    public static double HistoryValue(int i, long t) => i * 1e6 + t / 15_000;

    public static double LiveValue(int i, long t) => i * 1e3 + (t - T0) / 1000;

    /// <summary>Remote-writes <c>live_total{i}</c> for <paramref name="series"/> series, one step a second of sample time, until cancelled; records what the server acknowledged.</summary>
    public static async Task IngestAsync(HttpClient c, int series, int writer, int writers, ConcurrentBag<(int I, long T)> acked, CancellationToken stop)
    {
        int per = series / writers;
        for (long step = 0; !stop.IsCancellationRequested; step++)
        {
            long t = T0 + step * 1000;
            var batch = new (string[], (long, double)[])[per];
            for (int k = 0; k < per; k++)
            {
                int i = writer * per + k;
                batch[k] = (["__name__", "live_total", "i", i.ToString(CultureInfo.InvariantCulture)], [(t, LiveValue(i, t))]);
            }
            int code;
            try
            {
                code = await RemoteWriteClient.SendAsync(c, batch);
            }
            catch (HttpRequestException)
            {
                return; // the server went away mid-request: not acknowledged
            }
            catch (TaskCanceledException)
            {
                return;
            }
            if (code != 204)
            {
                throw new InvalidOperationException($"remote write answered {code}");
            }
            for (int k = 0; k < per; k++)
            {
                acked.Add((writer * per + k, t));
            }
        }
    }

    /// <summary>
    /// Opens the data folder and checks it holds every history sample and every live sample in
    /// <paramref name="acked"/>, with its value; returns the number of live samples it holds.
    /// </summary>
    public static long AssertHolds(string data, int historySeries, int hours, IEnumerable<(int I, long T)> acked)
    {
        using var db = Db.Open(new TsdbOptions { Path = data, RetentionTime = TimeSpan.Zero, CompactionInterval = TimeSpan.Zero, WalSyncInterval = TimeSpan.Zero }, TimeProvider.System);
        var live = new Dictionary<(int, long), double>();
        long historySamples = 0;
        using (var q = db.Querier(long.MinValue, long.MaxValue))
        {
            var ss = q.Select(false, LabelMatcher.Eq("__name__", "history_total"));
            int n = 0;
            while (ss.MoveNext())
            {
                n++;
                int i = int.Parse(ss.Current.Labels.Get("i"), CultureInfo.InvariantCulture);
                var it = ss.Current.Iterator();
                long expect = T0 - hours * Hour;
                while (it.Next())
                {
                    Assert.Equal(expect, it.T);
                    Assert.Equal(HistoryValue(i, it.T), it.V);
                    expect += 15_000;
                    historySamples++;
                }
                Assert.Equal(T0, expect);
            }
            Assert.Equal(historySeries, n);
            ss = q.Select(false, LabelMatcher.Eq("__name__", "live_total"));
            while (ss.MoveNext())
            {
                int i = int.Parse(ss.Current.Labels.Get("i"), CultureInfo.InvariantCulture);
                var it = ss.Current.Iterator();
                while (it.Next())
                {
                    live[(i, it.T)] = it.V;
                }
            }
        }
        Assert.Equal(historySeries * hours * 240L, historySamples);
        int missing = 0;
        foreach (var (i, t) in acked)
        {
            if (!live.TryGetValue((i, t), out double v) || v != LiveValue(i, t))
            {
                missing++;
            }
        }
        Assert.Equal(0, missing);
        return live.Count;
    }

    public static async Task<string> EmptyConfig(string dir)
    {
        string cfg = Path.Combine(dir, "prometheus.yml");
        await File.WriteAllTextAsync(cfg, "global:\n  scrape_interval: 15s\n  external_labels:\n    backup: test\n");
        return cfg;
    }
}

/// <summary>ariane backup and ariane restore against a real server that keeps ingesting.</summary>
public class BackupTests
{
    private const int HistorySeries = 50;
    private const int Hours = 4;
    private const int LiveSeries = 200;

    [Fact]
    public async Task A_backup_taken_during_ingestion_restores_every_sample_acknowledged_before_it()
    {
        using var dir = new TempDir();
        string data = Path.Combine(dir.Path, "data");
        string restored = Path.Combine(dir.Path, "restored");
        string archive = Path.Combine(dir.Path, "backup.tar.gz");
        string cfg = await AdminTestData.EmptyConfig(dir.Path);
        AdminTestData.WriteHistory(data, HistorySeries, Hours);

        var acked = new ConcurrentBag<(int I, long T)>();
        (int, long)[] before;
        long liveAfterRestore;
        int duringBackup;
        await using (var s = await ServerProcess.StartAsync(data, $"--config.file={cfg}", "--web.enable-admin-api", "--web.enable-remote-write-receiver"))
        {
            using var stop = new CancellationTokenSource();
            var writers = new[]
            {
                Task.Run(() => AdminTestData.IngestAsync(s.Client, LiveSeries, 0, 2, acked, stop.Token), TestContext.Current.CancellationToken),
                Task.Run(() => AdminTestData.IngestAsync(s.Client, LiveSeries, 1, 2, acked, stop.Token), TestContext.Current.CancellationToken),
            };
            await s.EventuallyAsync(() => Task.FromResult(acked.Count > LiveSeries * 20), TimeSpan.FromSeconds(60), "ingestion is under way");
            // Everything acknowledged up to here must be in the backup; ingestion goes on while it runs.
            before = [.. acked];
            var cli = ServerProcess.Launch(dir.Path, ["backup", "--server", $"http://127.0.0.1:{s.Port}", archive], [], out _, addDefaults: false);
            await using (cli)
            {
                Assert.True(await cli.WaitExitAsync(TimeSpan.FromSeconds(120)) == 0, cli.Output);
                Assert.Contains("backup: wrote " + archive, cli.Output);
            }
            duringBackup = acked.Count - before.Length;
            stop.Cancel();
            await Task.WhenAll(writers);
            Assert.Empty(Directory.GetDirectories(Path.Combine(data, "snapshots"))); // the staging links are gone
        }

        // Restore into a new folder; a second restore into it is refused, and allowed with --force.
        for (int round = 0; round < 3; round++)
        {
            string[] args = round == 2 ? ["restore", archive, "--storage.tsdb.path", restored, "--force"] : ["restore", archive, "--storage.tsdb.path", restored];
            var cli = ServerProcess.Launch(dir.Path, args, [], out _, addDefaults: false);
            await using (cli)
            {
                int rc = await cli.WaitExitAsync(TimeSpan.FromSeconds(120));
                Assert.True(rc == (round == 1 ? 1 : 0), cli.Output);
                if (round == 1)
                {
                    Assert.Contains("not empty", cli.Output);
                }
            }
        }
        string restoredConfig = Path.Combine(restored, "config", "prometheus.yml");
        Assert.Equal(await File.ReadAllTextAsync(cfg, TestContext.Current.CancellationToken), await File.ReadAllTextAsync(restoredConfig, TestContext.Current.CancellationToken));

        // A server starts on the restored folder with the restored configuration and serves every series.
        await using (var s = await ServerProcess.StartAsync(restored, $"--config.file={restoredConfig}"))
        {
            using var r = await s.Client.GetAsync($"/api/v1/series?match[]=history_total&match[]=live_total&start={(AdminTestData.T0 - Hours * AdminTestData.Hour) / 1000}&end={(AdminTestData.T0 / 1000) + 86_400}", TestContext.Current.CancellationToken);
            var doc = System.Text.Json.JsonDocument.Parse(await r.Content.ReadAsStringAsync(TestContext.Current.CancellationToken));
            Assert.Equal(HistorySeries + LiveSeries, doc.RootElement.GetProperty("data").GetArrayLength());
            using var cfgResp = await s.Client.GetAsync("/api/v1/status/config", TestContext.Current.CancellationToken);
            Assert.Contains("backup: test", await cfgResp.Content.ReadAsStringAsync(TestContext.Current.CancellationToken));
            s.Signal(15);
            Assert.Equal(0, await s.WaitExitAsync(TimeSpan.FromSeconds(30)));
        }
        liveAfterRestore = AdminTestData.AssertHolds(restored, HistorySeries, Hours, before);
        SuiteReport.Write("backup-restore", $"backup during ingestion: {before.Length} samples acknowledged before the backup, all restored " +
            $"({duringBackup} more acknowledged while it ran, {liveAfterRestore} live samples in the restored folder), plus {HistorySeries * Hours * 240} history samples in blocks");
    }

    [Fact]
    public async Task Restore_refuses_a_truncated_archive_and_leaves_nothing_behind()
    {
        using var dir = new TempDir();
        string data = Path.Combine(dir.Path, "data");
        AdminTestData.WriteHistory(data, 5, 2);
        string archive = Path.Combine(dir.Path, "b.tar");
        await using (var s = await ServerProcess.StartAsync(data, $"--config.file={await AdminTestData.EmptyConfig(dir.Path)}", "--web.enable-admin-api"))
        {
            var cli = ServerProcess.Launch(dir.Path, ["backup", "--server", $"http://127.0.0.1:{s.Port}", archive], [], out _, addDefaults: false);
            await using (cli)
            {
                Assert.True(await cli.WaitExitAsync(TimeSpan.FromSeconds(120)) == 0, cli.Output);
            }
        }
        var bytes = await File.ReadAllBytesAsync(archive, TestContext.Current.CancellationToken);
        string cut = Path.Combine(dir.Path, "cut.tar");
        await File.WriteAllBytesAsync(cut, bytes[..(bytes.Length / 2)], TestContext.Current.CancellationToken);
        string target = Path.Combine(dir.Path, "restored");
        var restore = ServerProcess.Launch(dir.Path, ["restore", cut, "--storage.tsdb.path", target], [], out _, addDefaults: false);
        await using (restore)
        {
            Assert.Equal(1, await restore.WaitExitAsync(TimeSpan.FromSeconds(60)));
            Assert.Contains("cannot restore", restore.Output);
        }
        Assert.False(Directory.Exists(target));
        Assert.False(Directory.Exists(target + ".restore-tmp"));
    }

    // A configuration naming every kind of file: rules and file_sd targets by glob, TLS files, password, credential and
    // token files, one file outside the configuration's folder, and inline secrets.
    private static async Task<(string Config, string Outside)> ConfigWithFiles(string root)
    {
        string cfgDir = Path.Combine(root, "etc");
        Directory.CreateDirectory(Path.Combine(cfgDir, "rules"));
        Directory.CreateDirectory(Path.Combine(cfgDir, "targets"));
        Directory.CreateDirectory(Path.Combine(cfgDir, "tls"));
        string outside = Path.Combine(root, "elsewhere", "extra-rules.yml");
        Directory.CreateDirectory(Path.GetDirectoryName(outside)!);
        await File.WriteAllTextAsync(Path.Combine(cfgDir, "rules", "a.yml"), "groups:\n  - name: a\n    rules:\n      - record: a:up\n        expr: up\n");
        await File.WriteAllTextAsync(Path.Combine(cfgDir, "rules", "b.yml"), "groups: []\n");
        await File.WriteAllTextAsync(outside, "groups: []\n");
        await File.WriteAllTextAsync(Path.Combine(cfgDir, "targets", "t.json"), "[{\"targets\": [\"127.0.0.1:1\"]}]\n");
        using (var key = System.Security.Cryptography.ECDsa.Create())
        {
            var req = new System.Security.Cryptography.X509Certificates.CertificateRequest("CN=ariane-test", key, System.Security.Cryptography.HashAlgorithmName.SHA256);
            using var cert = req.CreateSelfSigned(DateTimeOffset.UtcNow.AddDays(-1), DateTimeOffset.UtcNow.AddDays(1));
            await File.WriteAllTextAsync(Path.Combine(cfgDir, "tls", "client.crt"), cert.ExportCertificatePem());
            await File.WriteAllTextAsync(Path.Combine(cfgDir, "tls", "ca.crt"), cert.ExportCertificatePem());
            await File.WriteAllTextAsync(Path.Combine(cfgDir, "tls", "client.key"), key.ExportPkcs8PrivateKeyPem());
        }
        await File.WriteAllTextAsync(Path.Combine(cfgDir, "password"), "file-password\n");
        await File.WriteAllTextAsync(Path.Combine(cfgDir, "credentials"), "file-credentials\n");
        await File.WriteAllTextAsync(Path.Combine(cfgDir, "token"), "file-token\n");
        string cfg = Path.Combine(cfgDir, "prometheus.yml");
        await File.WriteAllTextAsync(cfg, $$"""
            global:
              scrape_interval: 1h
            rule_files: ["rules/*.yml", "{{outside}}"]
            scrape_configs:
              - job_name: tls
                scheme: https
                tls_config: {ca_file: tls/ca.crt, cert_file: tls/client.crt, key_file: tls/client.key}
                basic_auth: {username: u, password_file: password}
                file_sd_configs: [{files: ["targets/*.json"]}]
              - job_name: inline
                basic_auth: {username: u, password: inline-password}
                static_configs: [{targets: ["127.0.0.1:1"]}]
              - job_name: creds
                authorization: {credentials_file: credentials}
                static_configs: [{targets: ["127.0.0.1:1"]}]
              - job_name: token
                bearer_token_file: token
                static_configs: [{targets: ["127.0.0.1:1"]}]
            """);
        return (cfg, outside);
    }

    private static async Task<Dictionary<string, string>> Entries(string archive)
    {
        var d = new Dictionary<string, string>(StringComparer.Ordinal);
        await using var fs = File.OpenRead(archive);
        using var tar = new System.Formats.Tar.TarReader(fs);
        while (await tar.GetNextEntryAsync() is { } e)
        {
            if (!e.Name.StartsWith("data/", StringComparison.Ordinal) && e.DataStream is { } data)
            {
                d[e.Name] = await new StreamReader(data).ReadToEndAsync();
            }
        }
        return d;
    }

    [Fact]
    [System.Runtime.Versioning.SupportedOSPlatform("linux")]
    public async Task A_backup_carries_the_files_the_configuration_names_and_its_secrets_only_when_asked()
    {
        using var dir = new TempDir();
        var (cfg, outside) = await ConfigWithFiles(dir.Path);
        string cfgDir = Path.GetDirectoryName(cfg)!;
        string plain = Path.Combine(dir.Path, "plain.tar");
        string secret = Path.Combine(dir.Path, "secret.tar");
        string backupOut, secretOut;
        await using (var s = await ServerProcess.StartAsync(Path.Combine(dir.Path, "data"), $"--config.file={cfg}", "--web.enable-admin-api"))
        {
            var (code, o, e) = await CliCommandTests.RunAsync(dir.Path, ["backup", "--server", $"127.0.0.1:{s.Port}", plain]);
            Assert.True(code == 0, o + e);
            backupOut = o;
            (code, o, e) = await CliCommandTests.RunAsync(dir.Path, ["backup", "--server", $"127.0.0.1:{s.Port}", "--include-secrets", secret]);
            Assert.True(code == 0, o + e);
            secretOut = o;
        }

        // Without --include-secrets: inline secrets masked, secret files left out, and the backup says so.
        var entries = await Entries(plain);
        Assert.Contains("<secret>", entries["config/prometheus.yml"], StringComparison.Ordinal);
        Assert.DoesNotContain("inline-password", entries["config/prometheus.yml"], StringComparison.Ordinal);
        foreach (string name in new[] { "config/rules/a.yml", "config/rules/b.yml", "config/targets/t.json", "config/tls/ca.crt", "config/tls/client.crt" })
        {
            Assert.Equal(await File.ReadAllTextAsync(Path.Combine(cfgDir, name["config/".Length..]), TestContext.Current.CancellationToken), entries[name]);
        }
        Assert.Equal("groups: []\n", entries["config/external/" + outside.TrimStart('/')]);
        foreach (string name in new[] { "config/tls/client.key", "config/password", "config/credentials", "config/token" })
        {
            Assert.False(entries.ContainsKey(name), name);
        }
        foreach (string text in entries.Values)
        {
            Assert.DoesNotContain("file-password", text, StringComparison.Ordinal);
            Assert.DoesNotContain("PRIVATE KEY", text, StringComparison.Ordinal);
        }
        Assert.Contains("secrets are replaced by <secret>", backupOut, StringComparison.Ordinal);
        // bearer_token_file is named as what Prometheus turns it into when loading: authorization.credentials_file.
        foreach (string f in new[] { "tls/client.key (tls_config.key_file)", "password (basic_auth.password_file)", "credentials (authorization.credentials_file)", "token (authorization.credentials_file)" })
        {
            Assert.Contains("secret file left out of the archive (backup --include-secrets keeps it): " + Path.Combine(cfgDir, f), backupOut, StringComparison.Ordinal);
        }

        // With --include-secrets: everything as it is on disk, and the backup warns.
        entries = await Entries(secret);
        Assert.Equal(await File.ReadAllTextAsync(cfg, TestContext.Current.CancellationToken), entries["config/prometheus.yml"]);
        Assert.Equal("file-password\n", entries["config/password"]);
        Assert.Contains("PRIVATE KEY", entries["config/tls/client.key"], StringComparison.Ordinal);
        Assert.Contains("holds the configuration's secrets in plain text", secretOut, StringComparison.Ordinal);

        // Restore beside the data: the configuration's files at the paths it names them by, the outside one inside the
        // data folder; restore repeats what was left out.
        string restored = Path.Combine(dir.Path, "restored");
        var r = await CliCommandTests.RunAsync(dir.Path, ["restore", plain, "--storage.tsdb.path", restored]);
        Assert.True(r.Code == 0, r.Out + r.Err);
        Assert.Equal(entries["config/rules/a.yml"], await File.ReadAllTextAsync(Path.Combine(restored, "config", "rules", "a.yml"), TestContext.Current.CancellationToken));
        Assert.True(File.Exists(Path.Combine(restored, "config", "tls", "client.crt")));
        Assert.False(File.Exists(Path.Combine(restored, "config", "password")));
        Assert.True(File.Exists(Path.Combine(restored, "config", "external", outside.TrimStart('/'))));
        Assert.Contains($"restored {outside} as {Path.Combine(restored, "config", "external", outside.TrimStart('/'))}", r.Out, StringComparison.Ordinal);
        Assert.Contains("secret file left out of the archive (backup --include-secrets keeps it): " + Path.Combine(cfgDir, "password"), r.Out, StringComparison.Ordinal);
        Assert.Contains("secrets are replaced by <secret>", r.Out, StringComparison.Ordinal);
        // The restored configuration checks (its rule files and targets are where it names them).
        var check = await CliCommandTests.RunAsync(dir.Path, ["check", "rules", Path.Combine(restored, "config", "rules", "a.yml")]);
        Assert.Equal(0, check.Code);

        // Restore with --config.file into a folder holding a file the configuration names: refused, nothing written;
        // with --force it is replaced.
        string userDir = Path.Combine(dir.Path, "user");
        Directory.CreateDirectory(Path.Combine(userDir, "rules"));
        await File.WriteAllTextAsync(Path.Combine(userDir, "rules", "a.yml"), "mine\n", TestContext.Current.CancellationToken);
        string target = Path.Combine(dir.Path, "restored2");
        r = await CliCommandTests.RunAsync(dir.Path, ["restore", secret, "--storage.tsdb.path", target, "--config.file", Path.Combine(userDir, "prometheus.yml")]);
        Assert.Equal(1, r.Code);
        Assert.Contains($"refusing to overwrite {Path.Combine(userDir, "rules", "a.yml")}", r.Err, StringComparison.Ordinal);
        Assert.Equal("mine\n", await File.ReadAllTextAsync(Path.Combine(userDir, "rules", "a.yml"), TestContext.Current.CancellationToken));
        Assert.False(Directory.Exists(target));
        Assert.False(File.Exists(Path.Combine(userDir, "prometheus.yml")));
        r = await CliCommandTests.RunAsync(dir.Path, ["restore", secret, "--storage.tsdb.path", target, "--config.file", Path.Combine(userDir, "prometheus.yml"), "--force"]);
        Assert.True(r.Code == 0, r.Out + r.Err);
        Assert.Equal(entries["config/rules/a.yml"], await File.ReadAllTextAsync(Path.Combine(userDir, "rules", "a.yml"), TestContext.Current.CancellationToken));
        Assert.Equal("file-password\n", await File.ReadAllTextAsync(Path.Combine(userDir, "password"), TestContext.Current.CancellationToken));
        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(Path.Combine(userDir, "password")));
        Assert.Equal(await File.ReadAllTextAsync(cfg, TestContext.Current.CancellationToken), await File.ReadAllTextAsync(Path.Combine(userDir, "prometheus.yml"), TestContext.Current.CancellationToken));
        Assert.False(Directory.Exists(Path.Combine(target, "config", "rules")));
    }

    [Fact]
    public async Task Restore_of_a_file_that_is_not_a_backup_says_so_and_writes_nothing()
    {
        using var dir = new TempDir();
        string text = Path.Combine(dir.Path, "notes.txt");
        await File.WriteAllTextAsync(text, "hello, this is not a backup\n", TestContext.Current.CancellationToken);
        string big = Path.Combine(dir.Path, "big.bin");
        await File.WriteAllBytesAsync(big, Enumerable.Repeat((byte)'x', 4096).ToArray(), TestContext.Current.CancellationToken);
        string tar = Path.Combine(dir.Path, "other.tar");
        await using (var fs = File.Create(tar))
        {
            using var w = new System.Formats.Tar.TarWriter(fs);
            var e = new System.Formats.Tar.PaxTarEntry(System.Formats.Tar.TarEntryType.RegularFile, "etc/hosts") { DataStream = new MemoryStream("127.0.0.1 localhost\n"u8.ToArray()) };
            w.WriteEntry(e);
        }
        string gz = Path.Combine(dir.Path, "notes.txt.gz");
        await using (var fs = File.Create(gz))
        {
            await using var z = new System.IO.Compression.GZipStream(fs, System.IO.Compression.CompressionLevel.Fastest);
            await z.WriteAsync("just text"u8.ToArray(), TestContext.Current.CancellationToken);
        }
        string empty = Path.Combine(dir.Path, "empty");
        await File.WriteAllBytesAsync(empty, [], TestContext.Current.CancellationToken);
        foreach (string f in new[] { text, big, tar, gz, empty })
        {
            string target = Path.Combine(dir.Path, "restored");
            var (code, stdout, stderr) = await CliCommandTests.RunAsync(dir.Path, ["restore", f, "--storage.tsdb.path", target]);
            Assert.True(code == 1, f + ": " + stdout + stderr);
            Assert.Contains($"{f} is not a backup written by 'ariane backup'", stderr, StringComparison.Ordinal);
            Assert.Contains("nothing was restored", stderr, StringComparison.Ordinal);
            Assert.False(Directory.Exists(target));
            Assert.False(Directory.Exists(target + ".restore-tmp"));
        }
    }
}
