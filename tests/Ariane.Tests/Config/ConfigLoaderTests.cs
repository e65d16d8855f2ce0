using Ariane.Config;
using Ariane.Model;
using Ariane.Relabel;
using Ariane.Tests.Support;

namespace Ariane.Tests.Config;

public class ConfigLoaderTests
{
    private static string TestData => Path.Combine(TestPaths.RepoRoot, "tests", "Ariane.Tests", "Config", "testdata");

    [Fact]
    public void LoadsARealisticConfig()
    {
        var c = ConfigLoader.LoadFile(Path.Combine(TestData, "conf.good.yml"));
        string dir = TestData;

        Assert.Equal(TimeSpan.FromSeconds(15), c.Global.ScrapeInterval);
        Assert.Equal(TimeSpan.FromSeconds(10), c.Global.ScrapeTimeout);
        Assert.Equal(TimeSpan.FromSeconds(30), c.Global.EvaluationInterval);
        Assert.Equal(Labels.FromStrings("monitor", "codelab", "foo", "bar"), c.Global.ExternalLabels);
        Assert.Equal(Path.Combine(dir, "query.log"), c.Global.QueryLogFile);
        Assert.Equal(15L << 20, c.Global.BodySizeLimit);
        Assert.Equal([Path.Combine(dir, "first.rules"), Path.Combine(dir, "my/*.rules")], c.RuleFiles);
        Assert.Equal(Path.GetFullPath(Path.Combine(dir, "conf.good.yml")), c.FilePath);
        Assert.Contains("codelab", c.Source, StringComparison.Ordinal);

        Assert.Equal(TimeSpan.FromMinutes(30), c.Storage!.OutOfOrderTimeWindow);
        Assert.Equal(100000L, c.Storage.MaxExemplars);
        Assert.Equal(2, c.RemoteWrite.Count);
        Assert.Equal("drop_expensive", c.RemoteWrite[0].Name);
        Assert.Equal(RelabelAction.Drop, c.RemoteWrite[0].WriteRelabelConfigs[0].Action);
        Assert.Equal("value", c.RemoteWrite[1].Headers["name"]);
        Assert.Equal(2, c.RemoteRead.Count);
        Assert.True(c.RemoteRead[0].ReadRecent);
        Assert.False(c.RemoteRead[0].HttpClient.EnableHttp2);
        Assert.Equal("special", c.RemoteRead[1].RequiredMatchers["job"]);

        Assert.Equal(
            ["prometheus", "service-x", "service-y", "service-z", "service-kubernetes", "service-legacy-bearer", "service-file"],
            c.ScrapeConfigs.Select(s => s.JobName));

        var p = c.ScrapeConfigs[0];
        Assert.True(p.HonorLabels);
        Assert.True(p.HonorTimestamps);
        Assert.Equal(TimeSpan.FromSeconds(15), p.ScrapeInterval);
        Assert.Equal(TimeSpan.FromSeconds(10), p.ScrapeTimeout);
        Assert.Equal("/metrics", p.MetricsPath);
        Assert.Equal("http", p.Scheme);
        Assert.Equal(1500, p.SampleLimit);
        Assert.Equal(15L << 20, p.BodySizeLimit);
        Assert.Equal(2, p.FileSdConfigs.Count);
        Assert.Equal(Path.Combine(dir, "foo/*.slow.json"), p.FileSdConfigs[0].Files[0]);
        Assert.Equal(TimeSpan.FromMinutes(10), p.FileSdConfigs[0].RefreshInterval);
        Assert.Equal(TimeSpan.FromMinutes(5), p.FileSdConfigs[1].RefreshInterval);
        Assert.Equal(["localhost:9090", "localhost:9191"], p.StaticConfigs[0].Targets);
        Assert.Equal(Labels.FromStrings("my", "label", "your", "label"), p.StaticConfigs[0].Labels);
        Assert.Equal(6, p.RelabelConfigs.Count);
        Assert.Equal(["job", "__meta_dns_name"], p.RelabelConfigs[0].SourceLabels);
        Assert.Equal("foo-${1}", p.RelabelConfigs[0].Replacement);
        Assert.Equal(string.Empty, p.RelabelConfigs[3].Regex);
        Assert.Equal(RelabelAction.KeepEqual, p.RelabelConfigs[4].Action);
        Assert.Equal("Bearer", p.Authorization!.Type);
        Assert.Equal(Path.Combine(dir, "valid_token_file"), p.Authorization.CredentialsFile);
        Assert.Equal("TLS10", p.TlsConfig!.MinVersion);

        var x = c.ScrapeConfigs[1];
        Assert.Equal("admin_name", x.BasicAuth!.Username);
        Assert.Equal("multiline\nmysecret\ntest", x.BasicAuth.Password);
        Assert.Equal(TimeSpan.FromSeconds(50), x.ScrapeInterval);
        Assert.Equal(TimeSpan.FromSeconds(5), x.ScrapeTimeout);
        Assert.Equal(["PrometheusText0.0.4"], x.ScrapeProtocols);
        Assert.Equal(10L << 20, x.BodySizeLimit);
        Assert.Equal(1000, x.SampleLimit);
        Assert.Equal(35, x.TargetLimit);
        Assert.Equal(210, x.LabelValueLengthLimit);
        Assert.Equal("/my_path", x.MetricsPath);
        Assert.Equal("https", x.Scheme);
        Assert.Equal(["dns_sd_configs"], x.UnsupportedDiscovery);
        Assert.Equal(8UL, x.RelabelConfigs[1].Modulus);
        Assert.Equal(RelabelAction.LabelKeep, x.RelabelConfigs[5].Action);
        Assert.Single(x.MetricRelabelConfigs);

        Assert.Equal(",", c.ScrapeConfigs[2].RelabelConfigs[0].Separator);
        Assert.Equal("mysecret", c.ScrapeConfigs[3].Authorization!.Credentials);
        Assert.Equal(Path.Combine(dir, "valid_cert_file"), c.ScrapeConfigs[3].TlsConfig!.CertFile);

        var legacy = c.ScrapeConfigs[5];
        Assert.Equal("legacy-token", legacy.BearerToken);
        Assert.Equal("legacy-token", legacy.Authorization!.Credentials);
        Assert.Equal(["http_2xx", "extra"], legacy.Params["module"]);
        Assert.False(legacy.HonorTimestamps);
        Assert.True(legacy.TrackTimestampsStaleness);
        Assert.False(legacy.EnableCompression);
        Assert.False(legacy.HttpClient.FollowRedirects);
        Assert.Equal("http://proxy.example.com:3128", legacy.HttpClient.ProxyUrl);

        Assert.Equal(TimeSpan.FromSeconds(5), c.ScrapeConfigs[6].ScrapeInterval);
        Assert.Equal(TimeSpan.FromSeconds(5), c.ScrapeConfigs[6].ScrapeTimeout);

        Assert.Equal(
            ["consul_sd_configs in scrape job \"service-y\"", "dns_sd_configs in scrape job \"service-x\"", "kubernetes_sd_configs in scrape job \"service-kubernetes\""],
            c.UnsupportedDiscovery.Order(StringComparer.Ordinal));

        var am = c.Alerting!.Alertmanagers[0];
        Assert.Equal("https", am.Scheme);
        Assert.Equal("/am", am.PathPrefix);
        Assert.Equal(TimeSpan.FromSeconds(15), am.Timeout);
        Assert.Equal(3, am.StaticConfigs[0].Targets.Count);
        Assert.Single(c.Alerting.AlertRelabelConfigs);
    }

    [Fact]
    public void EmptyConfigGetsPrometheusDefaults()
    {
        var c = ConfigLoader.Load("", "empty.yml");
        Assert.Equal(TimeSpan.FromMinutes(1), c.Global.ScrapeInterval);
        Assert.Equal(TimeSpan.FromSeconds(10), c.Global.ScrapeTimeout);
        Assert.Equal(TimeSpan.FromMinutes(1), c.Global.EvaluationInterval);
        Assert.Empty(c.ScrapeConfigs);
    }

    [Theory]
    // global interval, global timeout, job interval, job timeout → effective job interval and timeout
    [InlineData(null, null, null, null, "1m", "10s")]
    [InlineData("5s", null, null, null, "5s", "5s")]
    [InlineData("30s", "20s", null, null, "30s", "20s")]
    [InlineData("30s", "20s", "10s", null, "10s", "10s")]
    [InlineData("30s", "20s", "1m", null, "1m", "20s")]
    [InlineData(null, null, "2s", "1s", "2s", "1s")]
    [InlineData("1m", null, "500ms", null, "500ms", "500ms")]
    public void InheritsIntervalAndTimeoutAsPrometheus(string? gi, string? gt, string? ji, string? jt, string wantI, string wantT)
    {
        string yaml = "global:\n" +
            (gi is null ? "" : $"  scrape_interval: {gi}\n") +
            (gt is null ? "" : $"  scrape_timeout: {gt}\n") +
            "scrape_configs:\n- job_name: j\n" +
            (ji is null ? "" : $"  scrape_interval: {ji}\n") +
            (jt is null ? "" : $"  scrape_timeout: {jt}\n");
        var sc = ConfigLoader.Load(yaml, "t.yml").ScrapeConfigs[0];
        Assert.Equal(wantI, PromDuration.Format(sc.ScrapeInterval));
        Assert.Equal(wantT, PromDuration.Format(sc.ScrapeTimeout));
    }

    [Fact]
    public void GlobalLimitsAreInheritedAndOverridden()
    {
        var c = ConfigLoader.Load("""
            global:
              sample_limit: 10
              body_size_limit: 1KB
            scrape_configs:
              - job_name: a
              - job_name: b
                sample_limit: 20
            """, "t.yml");
        Assert.Equal(10, c.ScrapeConfigs[0].SampleLimit);
        Assert.Equal(1024, c.ScrapeConfigs[0].BodySizeLimit);
        Assert.Equal(20, c.ScrapeConfigs[1].SampleLimit);
    }

    [Fact]
    public void MergeKeysAndAnchorsWork()
    {
        var c = ConfigLoader.Load("""
            scrape_configs:
              - &base
                job_name: a
                scrape_interval: 7s
              - <<: *base
                job_name: b
            """, "t.yml");
        Assert.Equal(TimeSpan.FromSeconds(7), c.ScrapeConfigs[1].ScrapeInterval);
        Assert.Equal("b", c.ScrapeConfigs[1].JobName);
    }

    public static TheoryData<string, int, int, string> Errors => new()
    {
        { "global:\n  scrape_intervall: 1m\n", 2, 3, "field scrape_intervall not found in type config.GlobalConfig" },
        { "scrape_configs:\n  - job_name: a\n    scrape_intervall: 1m\n", 3, 5, "field scrape_intervall not found in type config.ScrapeConfig" },
        { "scrap_configs: []\n", 1, 1, "field scrap_configs not found in type config.Config" },
        { "global:\n  scrape_interval: 15x\n", 2, 20, "not a valid duration string: \"15x\"" },
        { "global:\n  scrape_interval: [1m]\n", 2, 20, "cannot unmarshal !!seq into string" },
        { "global:\n  scrape_interval: 1m\n  scrape_timeout: 2m\n", 3, 19, "global scrape timeout greater than scrape interval" },
        { "scrape_configs:\n- job_name: a\n  scrape_interval: 5s\n  scrape_timeout: 6s\n", 4, 19, "scrape timeout greater than scrape interval for scrape config with job name \"a\"" },
        { "scrape_configs:\n- job_name: a\n- job_name: a\n", 3, 13, "found multiple scrape configs with job name \"a\"" },
        { "scrape_configs:\n- scrape_interval: 5s\n", 2, 3, "job_name is empty" },
        { "scrape_configs:\n- job_name: a\n  sample_limit: lots\n", 3, 17, "cannot unmarshal !!str `lots` into uint" },
        { "scrape_configs:\n- job_name: a\n  honor_labels: maybe\n", 3, 17, "cannot unmarshal !!str `maybe` into bool" },
        { "scrape_configs:\n- job_name: a\n  body_size_limit: 10XB\n", 3, 20, "units: unknown unit XB in 10XB" },
        { "scrape_configs:\n- job_name: a\n  relabel_configs:\n  - source_labels: [a]\n    regex: '(unclosed'\n", 5, 12, "error parsing regexp: " },
        { "scrape_configs:\n- job_name: a\n  relabel_configs:\n  - source_labels: [0a]\n", 4, 21, "\"0a\" is not a valid label name" },
        { "scrape_configs:\n- job_name: a\n  relabel_configs:\n  - action: explode\n", 4, 13, "unknown relabel action \"explode\"" },
        { "scrape_configs:\n- job_name: a\n  relabel_configs:\n  - action: hashmod\n    target_label: x\n", 4, 5, "relabel configuration for hashmod requires non-zero modulus" },
        { "scrape_configs:\n- job_name: a\n  relabel_configs:\n  - sources: [a]\n", 4, 5, "field sources not found in type relabel.Config" },
        { "scrape_configs:\n- job_name: a\n  static_configs:\n  - targets: [a]\n    labelz: {}\n", 5, 5, "field labelz not found in type targetgroup.Group" },
        { "scrape_configs:\n- job_name: a\n  static_configs:\n  - targets: ['http://a:1/']\n", 4, 15, "\"http://a:1/\" is not a valid hostname" },
        { "scrape_configs:\n- job_name: a\n  static_configs:\n  - labels: {0x: y}\n", 4, 14, "\"0x\" is not a valid label name" },
        { "scrape_configs:\n- job_name: a\n  static_configs:\n  -\n", 4, 4, "empty or null section in static_configs" },
        { "scrape_configs:\n- job_name: a\n  file_sd_configs:\n  - files: ['foo/*/x.json']\n", 4, 13, "path name \"foo/*/x.json\" is not valid for file discovery" },
        { "scrape_configs:\n- job_name: a\n  file_sd_configs:\n  - files: ['x.txt']\n", 4, 13, "path name \"x.txt\" is not valid for file discovery" },
        { "scrape_configs:\n- job_name: a\n  file_sd_configs:\n  - refresh_interval: 1m\n", 4, 5, "file service discovery config must contain at least one path name" },
        { "scrape_configs:\n- job_name: a\n  kubernetes_sd_config: []\n", 3, 3, "field kubernetes_sd_config not found in type config.ScrapeConfig" },
        { "scrape_configs:\n- job_name: a\n  basic_auth: {username: u, password: p, password_file: f}\n", 3, 15, "at most one of basic_auth password & password_file must be configured" },
        { "scrape_configs:\n- job_name: a\n  bearer_token: t\n  basic_auth: {username: u}\n", 2, 3, "at most one of basic_auth, oauth2, bearer_token & bearer_token_file must be configured" },
        { "scrape_configs:\n- job_name: a\n  authorization: {type: Basic}\n", 3, 25, "authorization type cannot be set to \"basic\", use \"basic_auth\" instead" },
        { "scrape_configs:\n- job_name: a\n  tls_config: {min_version: TLS9}\n", 3, 29, "unknown TLS version: TLS9" },
        { "scrape_configs:\n- job_name: a\n  scrape_protocols: [Foo]\n", 3, 22, "unknown scrape protocol Foo, supported: [OpenMetricsText0.0.1 OpenMetricsText1.0.0 PrometheusProto PrometheusText0.0.4 PrometheusText1.0.0]" },
        { "scrape_configs:\n- job_name: a\n  relabel_configs:\n  -\n", 4, 4, "empty or null target relabeling rule in scrape config" },
        { "scrape_configs:\n- job_name: a\n  params: {a: b}\n", 3, 15, "cannot unmarshal !!str `b` into []string" },
        { "scrape_configs:\n- job_name: a\n  sample_limit: -1\n", 3, 17, "cannot unmarshal !!int `-1` into uint" },
        { "alerting:\n  alertmanagers:\n  - api_version: v3\n", 3, 18, "expected Alertmanager api version to be one of [v1 v2] but got v3" },
        { "global:\n  external_labels:\n    a-b: x\n", 3, 5, "\"a-b\" is not a valid label name" },
        { "global:\n  scrape_interval: 1m\n  scrape_interval: 2m\n", 3, 3, "yaml: mapping key \"scrape_interval\" already defined" },
        { "remote_write:\n- name: a\n", 2, 3, "url for remote_write is empty" },
        { "remote_write:\n- url: http://a/\n  queue_confg: {}\n", 3, 3, "field queue_confg not found in type config.RemoteWriteConfig" },
        { "alerting:\n  alertmanagers:\n  - static_config: []\n", 3, 5, "field static_config not found in type config.AlertmanagerConfig" },
        { "storage:\n  tsdb:\n    out_of_order_time_window: soon\n", 3, 31, "not a valid duration string: \"soon\"" },
        { "scrape_configs: {a: b}\n", 1, 17, "cannot unmarshal !!map into []*config.ScrapeConfig" },
        { "global: [\n", 2, 1, "yaml: " },
    };

    [Theory]
    [MemberData(nameof(Errors))]
    public void ReportsErrorsWithExactPositions(string yaml, int line, int column, string reason)
    {
        var e = Assert.Throws<ConfigException>(() => ConfigLoader.Load(yaml, "prometheus.yml"));
        Assert.StartsWith(reason, e.Reason, StringComparison.Ordinal);
        Assert.Equal((line, column), (e.Line, e.Column));
        Assert.StartsWith($"prometheus.yml:{line}:{column}: ", e.Message, StringComparison.Ordinal);
    }

    [Theory]
    // Accepted by Prometheus (checked against promtool 2.42), so accepted here.
    [InlineData("global:\n  external_labels:\n    a: \"\"\n    __name__: x\n")]
    [InlineData("scrape_configs:\n- job_name: 123\n  honor_labels: yes\n  scheme: ftp\n")]
    [InlineData("scrape_configs:\n- job_name: a\n  static_configs:\n  - targets: [a:1]\n    labels: {a: 1}\n")]
    [InlineData("remote_write:\n- url: \"not a url\"\n")]
    [InlineData("scrape_configs:\n- job_name: a\n  relabel_configs:\n  - regex:\n    target_label: x\n")]
    public void AcceptsWhatPrometheusAccepts(string yaml)
    {
        ConfigLoader.Load(yaml, "prometheus.yml");
    }

    [Fact]
    public void LoadFileReportsTheGivenPath()
    {
        string dir = Directory.CreateTempSubdirectory("ariane-cfg").FullName;
        try
        {
            string path = Path.Combine(dir, "prometheus.yml");
            File.WriteAllText(path, "global:\n  scrape_interval: 15s\nscrape_configs:\n  - job_name: node\n    scrape_intervall: 1m\n");
            var e = Assert.Throws<ConfigException>(() => ConfigLoader.LoadFile(path));
            Assert.Equal($"{path}:5:5: field scrape_intervall not found in type config.ScrapeConfig", e.Message);
        }
        finally
        {
            Directory.Delete(dir, true);
        }
    }

    [Fact]
    public void DefaultConfigScrapesItselfAndTheHost()
    {
        var c = ConfigLoader.Default("127.0.0.1:9095");
        Assert.Equal(TimeSpan.FromSeconds(15), c.Global.ScrapeInterval);
        Assert.Equal(TimeSpan.FromSeconds(15), c.Global.EvaluationInterval);
        Assert.Equal(TimeSpan.FromSeconds(10), c.Global.ScrapeTimeout);
        Assert.Equal(2, c.ScrapeConfigs.Count);
        Assert.Equal("ariane", c.ScrapeConfigs[0].JobName);
        Assert.Equal("/metrics", c.ScrapeConfigs[0].MetricsPath);
        Assert.Equal(["127.0.0.1:9095"], c.ScrapeConfigs[0].StaticConfigs[0].Targets);
        Assert.Equal("node", c.ScrapeConfigs[1].JobName);
        Assert.Equal("/node/metrics", c.ScrapeConfigs[1].MetricsPath);
        Assert.Equal(["127.0.0.1:9095"], c.ScrapeConfigs[1].StaticConfigs[0].Targets);
        Assert.Contains("job_name: node", c.Source, StringComparison.Ordinal);
        Assert.Null(c.FilePath);
    }
}
