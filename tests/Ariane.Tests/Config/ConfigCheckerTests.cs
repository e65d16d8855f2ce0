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

public sealed class ScrapeConfigFilesAndRedactionTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("ariane-scf").FullName;

    public void Dispose() => Directory.Delete(_dir, true);

    [Fact]
    public void ScrapeConfigFilesAddJobsWithTheirOwnFolder()
    {
        Directory.CreateDirectory(Path.Combine(_dir, "jobs"));
        File.WriteAllText(Path.Combine(_dir, "jobs", "a.yml"),
            "scrape_configs:\n  - job_name: from-file\n    file_sd_configs:\n      - files: [t/*.json]\n");
        File.WriteAllText(Path.Combine(_dir, "prometheus.yml"),
            "global:\n  scrape_interval: 20s\nscrape_config_files: [jobs/*.yml]\nscrape_configs:\n  - job_name: main\n");
        var c = ConfigLoader.LoadFile(Path.Combine(_dir, "prometheus.yml"));
        Assert.Equal(["main", "from-file"], c.ScrapeConfigs.Select(s => s.JobName));
        Assert.Equal(TimeSpan.FromSeconds(20), c.ScrapeConfigs[1].ScrapeInterval);
        Assert.Equal(Path.Combine(_dir, "jobs", "t/*.json"), c.ScrapeConfigs[1].FileSdConfigs[0].Files[0]);
    }

    [Fact]
    public void DuplicateJobInScrapeConfigFileIsReportedInThatFile()
    {
        string job = Path.Combine(_dir, "b.yml");
        File.WriteAllText(job, "scrape_configs:\n  - job_name: main\n");
        File.WriteAllText(Path.Combine(_dir, "prometheus.yml"), "scrape_config_files: [b.yml]\nscrape_configs:\n  - job_name: main\n");
        var e = Assert.Throws<ConfigException>(() => ConfigLoader.LoadFile(Path.Combine(_dir, "prometheus.yml")));
        Assert.Equal($"{job}:2:15: found multiple scrape configs with job name \"main\"", e.Message);
    }

    [Fact]
    public void RedactedSourceHidesSecrets()
    {
        var c = ConfigLoader.Load("""
            scrape_configs:
              - job_name: a
                basic_auth: {username: u, password: hunter2}
              - job_name: b
                authorization:
                  credentials: tok3n
              - job_name: c
                oauth2: {client_id: x, client_secret: s3cr3t, token_url: "http://t/"}
            """, "t.yml");
        Assert.Contains("hunter2", c.Source, StringComparison.Ordinal);
        Assert.DoesNotContain("hunter2", c.RedactedSource, StringComparison.Ordinal);
        Assert.DoesNotContain("tok3n", c.RedactedSource, StringComparison.Ordinal);
        Assert.DoesNotContain("s3cr3t", c.RedactedSource, StringComparison.Ordinal);
        Assert.Contains("<secret>", c.RedactedSource, StringComparison.Ordinal);
        Assert.Contains("username: u", c.RedactedSource, StringComparison.Ordinal);
        // The redacted text is still a loadable config.
        Assert.Equal(3, ConfigLoader.Load(c.RedactedSource, "r.yml").ScrapeConfigs.Count);
    }
}
