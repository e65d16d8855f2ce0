using System.Diagnostics;
using Ariane.Config;

namespace Ariane.Tests.Config;

/// <summary>
/// The same configs given to Prometheus's own promtool (the Debian package, when installed): whatever Ariane rejects,
/// Prometheus must reject too, and whatever Prometheus accepts, Ariane must accept.
/// </summary>
public sealed class PromtoolDifferentialTests : IDisposable
{
    // Fields added after Prometheus 2.42, the version the Debian peer ships.
    private static readonly string[] NewerThanPeer = ["scrape_protocols"];

    private readonly string _dir = Directory.CreateTempSubdirectory("ariane-promtool").FullName;

    public void Dispose() => Directory.Delete(_dir, true);

    private static string? Promtool() => File.Exists("/usr/bin/promtool") ? "/usr/bin/promtool" : null;

    private bool PromtoolAccepts(string tool, string yaml)
    {
        string path = Path.Combine(_dir, "prometheus.yml");
        File.WriteAllText(path, yaml);
        var psi = new ProcessStartInfo(tool, ["check", "config", path]) { RedirectStandardOutput = true, RedirectStandardError = true };
        using var p = Process.Start(psi)!;
        p.StandardOutput.ReadToEnd();
        p.StandardError.ReadToEnd();
        p.WaitForExit();
        return p.ExitCode == 0;
    }

    [Theory]
    [MemberData(nameof(ConfigLoaderTests.Errors), MemberType = typeof(ConfigLoaderTests))]
    public void PrometheusRejectsWhatArianeRejects(string yaml, int line, int column, string reason)
    {
        _ = (line, column, reason);
        if (Promtool() is not { } tool || Array.Exists(NewerThanPeer, f => yaml.Contains(f, StringComparison.Ordinal)))
        {
            return;
        }
        Assert.False(PromtoolAccepts(tool, yaml), "promtool accepted a config Ariane rejects:\n" + yaml);
    }

    [Theory]
    [MemberData(nameof(Relabel.RelabelerTests.Invalid), MemberType = typeof(Relabel.RelabelerTests))]
    public void PrometheusRejectsInvalidRelabelConfigs(string yaml, string message)
    {
        _ = message;
        if (Promtool() is { } tool)
        {
            Assert.False(PromtoolAccepts(tool, Relabel.RelabelerTests.InJob(yaml)), "promtool accepted:\n" + yaml);
        }
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
        if (Promtool() is { } tool)
        {
            Assert.True(PromtoolAccepts(tool, yaml), "promtool rejects:\n" + yaml);
        }
        ConfigLoader.Load(yaml, "prometheus.yml");
    }
}
