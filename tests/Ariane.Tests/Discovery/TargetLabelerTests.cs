using Ariane.Config;
using Ariane.Discovery;
using Ariane.Model;

namespace Ariane.Tests.Discovery;

public class TargetLabelerTests
{
    private static ScrapeConfig Job(string yaml) =>
        ConfigLoader.Load("scrape_configs:\n" + yaml, "t.yml").ScrapeConfigs[0];

    private static List<TargetLabelResult> All(ScrapeConfig sc)
    {
        var res = new List<TargetLabelResult>();
        foreach (var g in StaticDiscovery.Groups(sc))
        {
            foreach (var t in g.Targets)
            {
                res.Add(TargetLabeler.Populate(t, g.Labels, sc));
            }
        }
        return res;
    }

    [Fact]
    public void StaticTargetsGetJobInstanceAndGroupLabels()
    {
        var sc = Job("""
            - job_name: node
              scrape_interval: 30s
              static_configs:
                - targets: ['a:9100', 'b:9100']
                  labels: {env: prod}
                - targets: ['c:9100']
            """);
        var groups = StaticDiscovery.Groups(sc);
        Assert.Equal(["0", "1"], groups.Select(g => g.Source));
        var r = All(sc);
        Assert.Equal(3, r.Count);
        Assert.Equal(Labels.FromStrings("env", "prod", "instance", "a:9100", "job", "node"), r[0].Final);
        Assert.Equal(Labels.FromStrings("instance", "c:9100", "job", "node"), r[2].Final);
        Assert.Equal(
            Labels.FromStrings("__address__", "a:9100", "__metrics_path__", "/metrics", "__scheme__", "http",
                "__scrape_interval__", "30s", "__scrape_timeout__", "10s", "env", "prod", "job", "node", "instance", "a:9100"),
            r[0].Target);
        Assert.Equal(
            Labels.FromStrings("__address__", "a:9100", "__metrics_path__", "/metrics", "__scheme__", "http",
                "__scrape_interval__", "30s", "__scrape_timeout__", "10s", "env", "prod", "job", "node"),
            r[0].Discovered);
        Assert.Equal("http://a:9100/metrics", TargetLabeler.ScrapeUrl(r[0].Target!, sc).ToString());
    }

    [Fact]
    public void TargetLabelsWinOverGroupLabelsAndConfigDefaults()
    {
        var sc = Job("- job_name: j");
        var target = Labels.FromStrings("__address__", "h:1", "env", "target", "job", "custom", "__metrics_path__", "/x");
        var r = TargetLabeler.Populate(target, Labels.FromStrings("env", "group", "team", "t"), sc);
        Assert.Equal(Labels.FromStrings("env", "target", "team", "t", "job", "custom", "instance", "h:1"), r.Final);
        Assert.Equal("/x", r.Target!.Get("__metrics_path__"));
    }

    [Fact]
    public void RelabelKeepAndDrop()
    {
        var sc = Job("""
            - job_name: j
              static_configs:
                - targets: ['keep-1:80', 'drop-1:80', 'keep-2:80']
              relabel_configs:
                - source_labels: [__address__]
                  regex: keep-.*
                  action: keep
                - source_labels: [__address__]
                  regex: (.*)-2:80
                  target_label: instance
                  replacement: second-$1
            """);
        var r = All(sc);
        Assert.False(r[0].Dropped);
        Assert.True(r[1].Dropped);
        Assert.Null(r[1].Error);
        Assert.Equal("drop-1:80", r[1].Discovered.Get("__address__"));
        Assert.Equal("second-keep", r[2].Final!.Get("instance"));
    }

    [Fact]
    public void ParamsBecomeLabelsAndUrlQuery()
    {
        var sc = Job("""
            - job_name: blackbox
              metrics_path: /probe
              params:
                module: [http_2xx, extra]
              static_configs:
                - targets: [example.com, other.org]
                  labels: {__param_foo: bar}
              relabel_configs:
                - source_labels: [__address__]
                  target_label: __param_target
                - source_labels: [__param_target]
                  target_label: instance
                - target_label: __address__
                  replacement: 127.0.0.1:9115
            """);
        var r = All(sc);
        Assert.Equal("http_2xx", r[0].Discovered.Get("__param_module"));
        Assert.Equal(Labels.FromStrings("instance", "example.com", "job", "blackbox"), r[0].Final);
        Assert.Equal("http://127.0.0.1:9115/probe?foo=bar&module=http_2xx&module=extra&target=example.com",
            TargetLabeler.ScrapeUrl(r[0].Target!, sc).ToString());
    }

    [Fact]
    public void MetaLabelsAreRemovedAfterRelabelling()
    {
        var sc = Job("""
            - job_name: j
              relabel_configs:
                - source_labels: [__meta_zone]
                  target_label: zone
            """);
        var r = TargetLabeler.Populate(Labels.FromStrings("__address__", "h:1", "__meta_zone", "eu"), Labels.Empty, sc);
        Assert.Equal("eu", r.Final!.Get("zone"));
        Assert.False(r.Target!.Has("__meta_zone"));
        Assert.True(r.Discovered.Has("__meta_zone"));
    }

    [Theory]
    [InlineData("- target_label: __address__\n      replacement: ''", "no address")]
    [InlineData("- target_label: __address__\n      replacement: 'http://h:1/x'", "\"http://h:1/x\" is not a valid hostname")]
    [InlineData("- target_label: __scrape_timeout__\n      replacement: 1m", "scrape timeout cannot be greater than scrape interval (\"1m\" > \"15s\")")]
    [InlineData("- target_label: __scrape_interval__\n      replacement: 0s", "scrape interval cannot be 0")]
    [InlineData("- target_label: __scrape_interval__\n      replacement: soon", "error parsing scrape interval: not a valid duration string: \"soon\"")]
    public void InvalidTargetsCarryAnError(string relabel, string error)
    {
        var sc = Job("- job_name: j\n  scrape_interval: 15s\n  relabel_configs:\n    " + relabel + "\n");
        var r = TargetLabeler.Populate(Labels.FromStrings("__address__", "h:1"), Labels.Empty, sc);
        Assert.Null(r.Target);
        Assert.Null(r.Final);
        Assert.False(r.Dropped);
        Assert.Equal(error, r.Error);
    }

    [Fact]
    public void InstanceIsKeptWhenSet()
    {
        var sc = Job("- job_name: j");
        var r = TargetLabeler.Populate(Labels.FromStrings("__address__", "h:1"), Labels.FromStrings("instance", "mine"), sc);
        Assert.Equal("mine", r.Final!.Get("instance"));
    }
}

public class DiscoverersTests
{
    [Fact]
    public async Task StaticAndFileDiscoverersComeFromTheJob()
    {
        var sc = ConfigLoader.Load("""
            scrape_configs:
              - job_name: j
                static_configs: [{targets: ['a:1']}]
                file_sd_configs: [{files: [x.json]}, {files: [y.yml]}]
            """, "t.yml").ScrapeConfigs[0];
        var ds = Discoverers.For(sc, TimeProvider.System);
        Assert.Equal(3, ds.Count);
        Assert.IsType<StaticDiscoverer>(ds[0]);
        using var cts = new CancellationTokenSource();
        var run = ds[0].RunAsync(cts.Token);
        var groups = await ds[0].Updates.ReadAsync(TestContext.Current.CancellationToken).AsTask().WaitAsync(TimeSpan.FromSeconds(10), TestContext.Current.CancellationToken);
        Assert.Equal("a:1", groups[0].Targets[0].Get("__address__"));
        await cts.CancelAsync();
        await run.WaitAsync(TimeSpan.FromSeconds(10), TestContext.Current.CancellationToken);
        foreach (var d in ds)
        {
            await d.DisposeAsync();
        }
    }
}
