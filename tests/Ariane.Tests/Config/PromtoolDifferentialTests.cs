using System.Diagnostics;
using System.Text.RegularExpressions;
using Ariane.Config;
using Ariane.Rules;
using Ariane.Tests.Rules;
using Ariane.Tests.Support;

namespace Ariane.Tests.Config;

/// <summary>
/// The same configs given to Prometheus's own promtool (Debian's package 'prometheus', which test.sh installs, so
/// without it these tests fail rather than pass untested): whatever Ariane rejects, Prometheus must reject too, and
/// whatever Prometheus accepts, Ariane must accept.
/// </summary>
public sealed class PromtoolDifferentialTests : IDisposable
{
    // Fields added after Prometheus 2.42, the version the Debian peer ships.
    private static readonly string[] NewerThanPeer = ["scrape_protocols"];

    private readonly string _dir = Directory.CreateTempSubdirectory("ariane-promtool").FullName;

    public void Dispose() => Directory.Delete(_dir, true);

    private static string Promtool()
    {
        const string Tool = "/usr/bin/promtool";
        Assert.True(File.Exists(Tool), "promtool is missing: ./test.sh installs the Debian package 'prometheus'");
        return Tool;
    }

    private bool PromtoolAccepts(string tool, string yaml) => PromtoolCheckConfig(tool, yaml).Code == 0;

    // promtool check config on the YAML: its exit code and standard error.
    private (int Code, string Err) PromtoolCheckConfig(string tool, string yaml)
    {
        string path = Path.Combine(_dir, "prometheus.yml");
        File.WriteAllText(path, yaml);
        var (code, _, err) = Promtool(tool, "check", "config", path);
        return (code, err);
    }

    [Theory]
    [MemberData(nameof(ConfigLoaderTests.Errors), MemberType = typeof(ConfigLoaderTests))]
    public void PrometheusRejectsWhatArianeRejects(string yaml, int line, int column, string reason)
    {
        _ = (line, column, reason);
        string tool = Promtool();
        if (Array.Find(NewerThanPeer, f => yaml.Contains(f, StringComparison.Ordinal)) is { } newer)
        {
            // The peer cannot judge a field it does not know: it must refuse the field itself, so that the day the
            // Debian peer knows it this fails and the row is compared like the others.
            var (code, err) = PromtoolCheckConfig(tool, yaml);
            Assert.True(code == 1 && err.Contains($"field {newer} not found", StringComparison.Ordinal), $"promtool now knows {newer}: remove it from NewerThanPeer\n{err}");
            return;
        }
        Assert.False(PromtoolAccepts(tool, yaml), "promtool accepted a config Ariane rejects:\n" + yaml);
    }

    [Theory]
    [MemberData(nameof(Relabel.RelabelerTests.Invalid), MemberType = typeof(Relabel.RelabelerTests))]
    public void PrometheusRejectsInvalidRelabelConfigs(string yaml, string message)
    {
        _ = message;
        Assert.False(PromtoolAccepts(Promtool(), Relabel.RelabelerTests.InJob(yaml)), "promtool accepted:\n" + yaml);
    }

    [Theory]
    [InlineData("scrape_configs:\n- job_name: a\n  relabel_configs:\n  - action: uppercase\n    source_labels: [a]\n    target_label: ${1}\n")]
    [InlineData("global:\n  external_labels:\n    a: \"\"\n    __name__: x\n")]
    [InlineData("scrape_configs:\n- job_name: 123\n  honor_labels: yes\n  scheme: ftp\n")]
    [InlineData("scrape_configs:\n- job_name: a\n  static_configs:\n  - targets: [a:1]\n    labels: {a: 1}\n")]
    [InlineData("remote_write:\n- url: \"not a url\"\n")]
    [InlineData("scrape_configs:\n- job_name: a\n  relabel_configs:\n  - regex:\n    target_label: x\n")]
    [InlineData("scrape_configs:\n- job_name: a\n  scrape_interval: 1h30m\n  scrape_timeout: 1h\n  body_size_limit: 1GiB\n")]
    [InlineData("scrape_configs:\n- &a\n  job_name: a\n  scrape_interval: 7s\n- <<: *a\n  job_name: b\n")]
    public void ArianeAcceptsWhatPrometheusAccepts(string yaml)
    {
        Assert.True(PromtoolAccepts(Promtool(), yaml), "promtool rejects:\n" + yaml);
        ConfigLoader.Load(yaml, "prometheus.yml");
    }

    // promtool check rules on a file: its exit code, standard output and standard error.
    private static (int Code, string Out, string Err) Promtool(string tool, params string[] args)
    {
        var psi = new ProcessStartInfo(tool, args) { RedirectStandardOutput = true, RedirectStandardError = true };
        using var p = Process.Start(psi)!;
        var stdout = p.StandardOutput.ReadToEndAsync();
        string stderr = p.StandardError.ReadToEnd();
        p.WaitForExit();
        return (p.ExitCode, stdout.Result, stderr);
    }

    [Theory]
    [MemberData(nameof(RuleFileLoaderTests.Bad), MemberType = typeof(RuleFileLoaderTests))]
    public void Bad_rule_files_fail_in_promtool_with_the_same_essential_error(string yaml, string error)
    {
        string tool = Promtool();
        string path = Path.Combine(_dir, "rules.yml");
        File.WriteAllText(path, yaml);
        var (code, stdout, stderr) = Promtool(tool, "check", "rules", path);
        Assert.Equal(1, code);
        Assert.StartsWith("Checking " + path, stdout, StringComparison.Ordinal);
        Assert.Contains("  FAILED:", stderr, StringComparison.Ordinal);
        // The reason without Ariane's file:line:column (promtool prints "file: line:col:" or "line N:" around it).
        string essential = Regex.Replace(error, @"^rules\.yml:(\d+:\d+: )?", "");
        Assert.Contains(essential, stderr, StringComparison.Ordinal);
        Assert.False(RuleFileLoader.Load(yaml, "rules.yml", legacyNames: true).Success);
    }

    [Fact]
    public void Good_rule_files_pass_in_both_with_the_same_rule_count()
    {
        string tool = Promtool();
        string dir = Path.Combine(TestPaths.Conformance, "rules", "testdata");
        var files = new List<(string Path, string Yaml)>();
        foreach (string f in RuleFileLoaderTests.ConformanceGood)
        {
            // features.yml uses functions and modifiers newer than the Debian peer (Prometheus 2.42).
            if (f != "features.yml")
            {
                files.Add((Path.Combine(dir, f), File.ReadAllText(Path.Combine(dir, f))));
            }
        }
        string good = Path.Combine(_dir, "good.yml");
        File.WriteAllText(good, RuleFileLoaderTests.Good);
        files.Add((good, RuleFileLoaderTests.Good));
        foreach (var (path, yaml) in files)
        {
            var (code, stdout, stderr) = Promtool(tool, "check", "rules", path);
            Assert.True(code == 0, path + ": " + stderr);
            var ariane = RuleFileLoader.Load(yaml, path, legacyNames: true);
            Assert.True(ariane.Success, path + ": " + string.Join("\n", ariane.Errors));
            // The same report, duplicate-rules lint included (promtool's default).
            Assert.Equal((stdout, stderr), ariane.Report(path));
        }
        foreach (var (f, _) in RuleFileLoaderTests.ConformanceBad)
        {
            Assert.Equal(1, Promtool(tool, "check", "rules", Path.Combine(dir, f)).Code);
        }
    }
}
