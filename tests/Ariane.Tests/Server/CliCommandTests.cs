using System.Diagnostics;
using System.Text.Json;
using System.Text.RegularExpressions;
using Ariane.Server.Api.V1;
using Ariane.Server.Cli;
using Ariane.Tests.Rules;
using Ariane.Tests.Support;

namespace Ariane.Tests.Server;

/// <summary>The command line as users run it (the NativeAOT binary): check rules/config, flags, --server, restore, status.</summary>
public class CliCommandTests
{
    /// <summary>Runs the binary with <paramref name="args"/> (and extra environment); returns its exit code and output.</summary>
    internal static async Task<(int Code, string Out, string Err)> RunAsync(string cwd, string[] args, Dictionary<string, string>? env = null)
    {
        var psi = new ProcessStartInfo(ServerProcess.ServerBinary)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
            WorkingDirectory = cwd,
        };
        foreach (string a in args)
        {
            psi.ArgumentList.Add(a);
        }
        psi.Environment.Remove("ARIANE_SERVER");
        foreach (var (k, v) in env ?? [])
        {
            psi.Environment[k] = v;
        }
        using var p = Process.Start(psi)!;
        var stdout = p.StandardOutput.ReadToEndAsync();
        var stderr = p.StandardError.ReadToEndAsync();
        using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(120));
        try
        {
            await p.WaitForExitAsync(cts.Token);
        }
        catch (OperationCanceledException)
        {
            p.Kill();
            throw;
        }
        return (p.ExitCode, await stdout, await stderr);
    }

    private static (int Code, string Out, string Err) Promtool(string cwd, params string[] args)
    {
        var psi = new ProcessStartInfo("/usr/bin/promtool") { RedirectStandardOutput = true, RedirectStandardError = true, WorkingDirectory = cwd };
        foreach (string a in args)
        {
            psi.ArgumentList.Add(a);
        }
        using var p = Process.Start(psi)!;
        var stdout = p.StandardOutput.ReadToEndAsync();
        string stderr = p.StandardError.ReadToEnd();
        p.WaitForExit();
        return (p.ExitCode, stdout.Result, stderr);
    }

    [Fact]
    public async Task Check_rules_and_check_config_validate_rule_files_as_promtool_does()
    {
        using var dir = new TempDir();
        await File.WriteAllTextAsync(Path.Combine(dir.Path, "good.yml"), RuleFileLoaderTests.Good, TestContext.Current.CancellationToken);
        await File.WriteAllTextAsync(Path.Combine(dir.Path, "typo.yml"), "groups:\n  - name: g\n    rules:\n      - record: a\n        exprr: up\n", TestContext.Current.CancellationToken);
        await File.WriteAllTextAsync(Path.Combine(dir.Path, "dup.yml"), "groups:\n  - name: g\n    rules:\n      - record: a\n        expr: up\n      - record: a\n        expr: up\n", TestContext.Current.CancellationToken);
        await File.WriteAllTextAsync(Path.Combine(dir.Path, "bad.yml"), "rule_files: [good.yml, typo.yml]\n", TestContext.Current.CancellationToken);
        await File.WriteAllTextAsync(Path.Combine(dir.Path, "ok.yml"), "rule_files: [good.yml]\n", TestContext.Current.CancellationToken);
        // The peer is Debian's promtool, which test.sh installs: without it the test fails rather than checks half.
        Assert.True(File.Exists("/usr/bin/promtool"), "promtool is missing: ./test.sh installs the Debian package 'prometheus'");
        var cases = new (string[] Args, int Code, string Out, string Err)[]
        {
            (["check", "rules", "good.yml"], 0, "Checking good.yml\n  SUCCESS: 2 rules found\n\n", ""),
            (["check", "rules", "typo.yml"], 1, "Checking typo.yml\n\n", "field exprr not found in type rulefmt.RuleNode"),
            (["check", "rules", "good.yml", "typo.yml"], 1, "SUCCESS: 2 rules found", "FAILED:"),
            (["check", "rules", "dup.yml"], 0, "Checking dup.yml\n\n", "lint error 1 duplicate rule(s) found."),
            (["check", "rules", "--lint-fatal", "dup.yml"], 3, "Checking dup.yml", "lint error"),
            (["check", "rules", "--lint=none", "dup.yml"], 0, "SUCCESS: 2 rules found", ""),
            (["check", "config", "bad.yml"], 1, "Checking typo.yml", "field exprr not found"),
            (["check", "config", "ok.yml"], 0, "Checking good.yml\n  SUCCESS: 2 rules found", ""),
        };
        foreach (var (args, code, stdout, stderr) in cases)
        {
            var (c, o, e) = await RunAsync(dir.Path, args);
            string what = string.Join(' ', args) + "\n" + o + e;
            Assert.True(code == c, what);
            Assert.Contains(stdout, o, StringComparison.Ordinal);
            Assert.Contains(stderr, e, StringComparison.Ordinal);
            var (pc, po, pe) = Promtool(dir.Path, args);
            Assert.True(pc == c, $"promtool exits {pc}, ariane {c}: {what}\n--- promtool ---\n{po}{pe}");
            Assert.Contains(stdout, po, StringComparison.Ordinal);
            Assert.Contains(stderr, pe, StringComparison.Ordinal);
        }
    }

    [Fact]
    public async Task Unknown_flags_are_errors_not_file_names_or_expressions()
    {
        using var dir = new TempDir();
        await File.WriteAllTextAsync(Path.Combine(dir.Path, "p.yml"), "scrape_configs: []\n", TestContext.Current.CancellationToken);
        foreach (var args in new[]
        {
            new[] { "check", "config", "--bogus", "p.yml" },
            ["check", "rules", "--bogus=1", "p.yml"],
            ["query", "instant", "--bogus", "up"],
            ["restore", "--bogus"],
            ["backup", "--bogus"],
        })
        {
            var (code, stdout, stderr) = await RunAsync(dir.Path, args);
            Assert.True(code != 0, string.Join(' ', args) + ": exit 0\n" + stdout + stderr);
            Assert.Contains("unknown flag --bogus", stdout + stderr, StringComparison.Ordinal);
            Assert.DoesNotContain("Checking --bogus", stdout, StringComparison.Ordinal);
        }
        // A PromQL expression may start with a minus: it reaches the server (none listens here).
        var (c, o, e) = await RunAsync(dir.Path, ["query", "instant", "-up", "--server", $"127.0.0.1:{ServerProcess.FreePort()}"]);
        Assert.Equal(1, c);
        Assert.Contains("cannot reach", o + e, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Server_urls_work_without_a_scheme_and_from_ARIANE_SERVER()
    {
        using var dir = new TempDir();
        await using var s = await ServerProcess.StartAsync(Path.Combine(dir.Path, "data"));
        var withFlag = await RunAsync(dir.Path, ["query", "instant", "41 + 1", "--server", $"127.0.0.1:{s.Port}"]);
        Assert.True(withFlag.Code == 0, withFlag.Out + withFlag.Err);
        Assert.Contains("42", withFlag.Out, StringComparison.Ordinal);
        var fromEnv = await RunAsync(dir.Path, ["query", "instant", "41 + 1"], new() { ["ARIANE_SERVER"] = $"localhost:{s.Port}" });
        Assert.True(fromEnv.Code == 0, fromEnv.Out + fromEnv.Err);
        Assert.Contains("42", fromEnv.Out, StringComparison.Ordinal);
        var range = await RunAsync(dir.Path, ["query", "range", "1", "--step", "1h"], new() { ["ARIANE_SERVER"] = $"http://127.0.0.1:{s.Port}" });
        Assert.True(range.Code == 0, range.Out + range.Err);
        var bad = await RunAsync(dir.Path, ["query", "instant", "1", "--server", "http://"]);
        Assert.Equal(1, bad.Code);
        Assert.Contains("invalid --server URL", bad.Err, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Serve_help_lists_the_accepted_Prometheus_flags_and_no_stray_lines()
    {
        using var dir = new TempDir();
        var (code, stdout, stderr) = await RunAsync(dir.Path, ["serve", "--help"]);
        Assert.True(code == 0, stdout + stderr);
        Assert.Equal("", stderr);
        foreach (string flag in PrometheusFlags.WithValue)
        {
            Assert.Contains(flag, stdout, StringComparison.Ordinal);
        }
        foreach (string flag in PrometheusFlags.Booleans)
        {
            Assert.Contains(flag, stdout, StringComparison.Ordinal);
        }
        // Every line is a heading, a usage line, an option with its description or the continuation of one.
        foreach (string line in stdout.Split('\n'))
        {
            Assert.Matches(new Regex(@"^(|Description:|Usage:|Options:|Accepted Prometheus flags.*|  \S.*|\s{3,}\S.*|Start the server.*)$"), line);
        }
    }

    [Fact]
    public async Task Runtimeinfo_reports_the_retention_and_buildinfo_the_revision()
    {
        using var dir = new TempDir();
        await using var s = await ServerProcess.StartAsync(Path.Combine(dir.Path, "data"), "--storage.tsdb.retention.time=15d", "--storage.tsdb.retention.size=10GB");
        using var rt = JsonDocument.Parse(await s.Client.GetStringAsync("/api/v1/status/runtimeinfo", TestContext.Current.CancellationToken));
        Assert.Equal("15d or 10GiB", rt.RootElement.GetProperty("data").GetProperty("storageRetention").GetString());
        using var bi = JsonDocument.Parse(await s.Client.GetStringAsync("/api/v1/status/buildinfo", TestContext.Current.CancellationToken));
        var data = bi.RootElement.GetProperty("data");
        foreach (string field in new[] { "version", "revision", "branch", "buildUser", "buildDate", "goVersion" })
        {
            Assert.True(data.TryGetProperty(field, out _), field);
        }
        string revision = data.GetProperty("revision").GetString()!;
        // Outside a git checkout (a source archive) the build has no revision to check: the rest above has run.
        Assert.SkipUnless(Directory.Exists(Path.Combine(TestPaths.RepoRoot, ".git")) || File.Exists(Path.Combine(TestPaths.RepoRoot, ".git")),
            "not a git checkout: the build's revision, branch and date cannot be checked against the history");
        Assert.Matches("^[0-9a-f]{40}$", revision);
        // The binary may predate the newest commits (it is rebuilt only when a source changes): an ancestor of HEAD.
        var git = new ProcessStartInfo("git", ["merge-base", "--is-ancestor", revision, "HEAD"]) { WorkingDirectory = TestPaths.RepoRoot };
        using var p = Process.Start(git)!;
        p.WaitForExit();
        Assert.True(p.ExitCode == 0, $"revision {revision} is not a commit of this repository");
        Assert.NotEqual("", data.GetProperty("branch").GetString());
        Assert.Matches(@"^\d{8}-\d{2}:\d{2}:\d{2}$", data.GetProperty("buildDate").GetString()!);
    }

    [Theory]
    [InlineData("15d", "", "15d")]
    [InlineData("", "10GB", "10GiB")]
    [InlineData("30d", "512MB", "30d or 512MiB")]
    [InlineData("1w", "", "1w")]
    public void Storage_retention_reads_as_Prometheus_shows_it(string time, string size, string expected)
    {
        var o = new ServeOptions
        {
            RetentionTime = time.Length > 0 ? Ariane.Config.PromDuration.Parse(time) : TimeSpan.Zero,
            RetentionSize = size.Length > 0 && Ariane.Config.ByteSize.TryParse(size, out long b) ? b : 0,
        };
        Assert.Equal(expected, StatusApi.StorageRetention(o));
    }

    [Fact]
    public async Task Ignored_configuration_sections_are_warned_about_at_start_and_at_each_reload()
    {
        using var dir = new TempDir();
        string cfg = Path.Combine(dir.Path, "prometheus.yml");
        await File.WriteAllTextAsync(Path.Combine(dir.Path, "rules.yml"), RuleFileLoaderTests.Good, TestContext.Current.CancellationToken);
        await File.WriteAllTextAsync(cfg, "rule_files: [rules.yml]\nalerting:\n  alertmanagers:\n    - static_configs: [{targets: ['127.0.0.1:9093']}]\nremote_write: [{url: 'http://127.0.0.1:1/'}]\nscrape_configs: []\n", TestContext.Current.CancellationToken);
        await using var s = await ServerProcess.StartAsync(Path.Combine(dir.Path, "data"), $"--config.file={cfg}", "--web.enable-lifecycle");
        // Counted by line, so that the test holds whether the log renders the section inside the message or as a field.
        static int Count(string text, string section)
        {
            int n = 0;
            foreach (string line in text.Split('\n'))
            {
                n += line.Contains("accepted but not applied", StringComparison.Ordinal) && line.Contains(section + ":", StringComparison.Ordinal) ? 1 : 0;
            }
            return n;
        }
        string[] sections = ["rule_files", "alerting", "remote_write"];
        await s.EventuallyAsync(() => Task.FromResult(Array.TrueForAll(sections, x => Count(s.Output, x) >= 1)), TimeSpan.FromSeconds(30), "the start-up warnings");
        foreach (string section in sections)
        {
            Assert.Equal(1, Count(s.Output, section));
        }
        Assert.Equal(0, Count(s.Output, "remote_read"));
        using (var r = await s.Client.PostAsync("/-/reload", null, TestContext.Current.CancellationToken))
        {
            Assert.True(r.IsSuccessStatusCode);
        }
        await s.EventuallyAsync(() => Task.FromResult(Array.TrueForAll(sections, x => Count(s.Output, x) == 2)), TimeSpan.FromSeconds(30), "the warnings again at reload");
    }
}
