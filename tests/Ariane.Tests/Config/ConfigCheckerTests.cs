using Ariane.Config;

namespace Ariane.Tests.Config;

public sealed class ConfigCheckerTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("ariane-check").FullName;

    public void Dispose() => Directory.Delete(_dir, true);

    private string Write(string name, string text)
    {
        string p = Path.Combine(_dir, name);
        Directory.CreateDirectory(Path.GetDirectoryName(p)!);
        File.WriteAllText(p, text);
        return p;
    }

    [Fact]
    public void SucceedsWithRuleFilesAndSdFilesFound()
    {
        Write("rules/a.yml", "groups: []\n");
        Write("rules/b.yml", "groups: []\n");
        Write("targets/t.json", """[{"targets": ["a:1"], "labels": {"env": "prod"}}]""");
        string cfg = Write("prometheus.yml", """
            rule_files: ["rules/*.yml"]
            scrape_configs:
              - job_name: a
                file_sd_configs:
                  - files: [targets/*.json]
            """);
        var r = ConfigChecker.Check(cfg);
        Assert.True(r.Success, r.Summary());
        Assert.Equal(2, r.RuleFiles.Count);
        Assert.Contains("SUCCESS: 2 rule files found", r.Summary(), StringComparison.Ordinal);
        Assert.Contains("is valid prometheus config file syntax", r.Summary(), StringComparison.Ordinal);
    }

    [Fact]
    public void ReportsMissingFilesBadSdFilesAndUnsupportedDiscovery()
    {
        Write("targets/bad.yml", "- targets: [a:1]\n  lables: {}\n");
        string cfg = Write("prometheus.yml", """
            rule_files: [missing.rules, "none/*.rules"]
            scrape_configs:
              - job_name: a
                authorization: {credentials_file: nope}
                file_sd_configs:
                  - files: [targets/*.yml, gone.json]
                kubernetes_sd_configs: [{role: pod}]
            """);
        var r = ConfigChecker.Check(cfg);
        Assert.False(r.Success);
        Assert.Contains(r.Errors, e => e.Contains("rule file", StringComparison.Ordinal) && e.Contains("missing.rules", StringComparison.Ordinal));
        Assert.Contains(r.Errors, e => e.Contains("credentials file", StringComparison.Ordinal));
        Assert.Contains(r.Errors, e => e.Contains("bad.yml:2:3: field lables not found", StringComparison.Ordinal));
        Assert.Contains(r.Warnings, w => w.Contains("none/*.rules", StringComparison.Ordinal));
        Assert.Contains(r.Warnings, w => w.Contains("gone.json", StringComparison.Ordinal) && w.Contains("does not exist", StringComparison.Ordinal));
        Assert.Contains(r.Warnings, w => w.StartsWith("kubernetes_sd_configs", StringComparison.Ordinal));
        Assert.Contains("FAILED", r.Summary(), StringComparison.Ordinal);
    }

    [Fact]
    public void ReportsSyntaxErrorsWithPosition()
    {
        string cfg = Write("prometheus.yml", "global:\n  scrape_interval: 1x\n");
        var r = ConfigChecker.Check(cfg);
        Assert.False(r.Success);
        Assert.Equal($"{cfg}:2:20: not a valid duration string: \"1x\"", Assert.Single(r.Errors));
    }
}
