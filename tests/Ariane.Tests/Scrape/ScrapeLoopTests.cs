using System.IO.Compression;
using Ariane.Config;
using Ariane.Discovery;
using Ariane.Model;
using Ariane.Scrape;
using Ariane.Tests.Support;
using Ariane.Tsdb;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Time.Testing;

namespace Ariane.Tests.Scrape;

/// <summary>The scrape loop against real HTTP targets, good and hostile, appending into a real head.</summary>
public sealed class ScrapeLoopTests : IAsyncLifetime
{
    private const long T0 = 1_700_000_000_000;
    private readonly TempDir _dir = new();
    private readonly FakeTimeProvider _time = new(DateTimeOffset.FromUnixTimeMilliseconds(T0));
    private Head _head = null!;
    private TestTargetServer _server = null!;
    private string _body = "";
    private string _halfway = "good";

    public async ValueTask InitializeAsync()
    {
        _head = Head.Open(new TsdbOptions { Path = _dir.Path, WalSyncInterval = TimeSpan.Zero }, _time);
        _server = await TestTargetServer.StartAsync(new()
        {
            ["/metrics"] = TestTargetServer.Text(() => _body),
            ["/hang"] = async ctx => await Task.Delay(TimeSpan.FromSeconds(30), ctx.RequestAborted),
            ["/stall"] = async ctx =>
            {
                // Headers and the start of a body, then nothing: the deadline must still end the scrape.
                ctx.Response.ContentType = "text/plain; version=0.0.4";
                ctx.Response.ContentLength = 1000;
                await ctx.Response.Body.WriteAsync("m 1\n"u8.ToArray());
                await ctx.Response.Body.FlushAsync();
                await Task.Delay(TimeSpan.FromSeconds(30), ctx.RequestAborted);
            },
            ["/slow"] = ctx =>
            {
                // The target takes 1.25 s on the loop's clock to answer.
                _time.Advance(TimeSpan.FromMilliseconds(1250));
                return TestTargetServer.Text(() => "m 1\n")(ctx);
            },
            ["/garbage"] = TestTargetServer.Text(() => "this is { not a metric\n"),
            ["/error"] = ctx => { ctx.Response.StatusCode = 500; return Task.CompletedTask; },
            ["/big"] = TestTargetServer.Text(() => string.Concat(Enumerable.Range(0, 1000).Select(i => $"m{i} {i}\n"))),
            ["/gzip"] = async ctx =>
            {
                ctx.Response.ContentType = "text/plain; version=0.0.4";
                ctx.Response.Headers.ContentEncoding = "gzip";
                var ms = new MemoryStream();
                using (var gz = new GZipStream(ms, CompressionLevel.Fastest, leaveOpen: true))
                {
                    gz.Write("zipped_metric 42\n"u8);
                }
                await ctx.Response.Body.WriteAsync(ms.ToArray());
            },
            ["/halfway"] = async ctx =>
            {
                // 40,000 good lines (about 600 KiB, many parse windows), then whatever _halfway says goes wrong.
                ctx.Response.ContentType = "text/plain; version=0.0.4";
                if (_halfway == "good")
                {
                    await ctx.Response.Body.WriteAsync("kept 1\n"u8.ToArray());
                    return;
                }
                var sb = new System.Text.StringBuilder();
                for (int i = 0; i < 40_000; i++)
                {
                    sb.Append("half_").Append(i).Append(' ').Append(i).Append('\n');
                }
                await ctx.Response.Body.WriteAsync(System.Text.Encoding.ASCII.GetBytes(sb.ToString()));
                await ctx.Response.Body.FlushAsync();
                switch (_halfway)
                {
                    case "parse":
                        await ctx.Response.Body.WriteAsync("half_bad {{{\n"u8.ToArray());
                        break;
                    case "cut":
                        ctx.Abort();
                        break;
                    case "stall":
                        await Task.Delay(TimeSpan.FromSeconds(30), ctx.RequestAborted);
                        break;
                }
            },
            ["/omst"] = TestTargetServer.Text(() => _body, "application/openmetrics-text; version=1.0.0; charset=utf-8"),
            ["/om"] = TestTargetServer.Text(() => "# TYPE c counter\n# HELP c A counter.\nc_total 3 1700000000.5\n# EOF\n",
                "application/openmetrics-text; version=1.0.0; charset=utf-8"),
        });
    }

    public async ValueTask DisposeAsync()
    {
        await _server.DisposeAsync();
        _head.Dispose();
        _dir.Dispose();
    }

    private ScrapeLoop Loop(string yamlExtra = "", string path = "/metrics", string timeout = "10s", ILogger? log = null)
    {
        var cfg = ConfigLoader.Load($"""
            scrape_configs:
              - job_name: test
                scrape_interval: 15s
                scrape_timeout: {timeout}
                metrics_path: {path}
            {yamlExtra}
                static_configs:
                  - targets: ['{_server.Address}']
            """, "test.yml").ScrapeConfigs[0];
        var g = StaticDiscovery.Groups(cfg)[0];
        var res = TargetLabeler.Populate(g.Targets[0], g.Labels, cfg);
        var target = new ScrapeTarget(res.Final!, res.Target!, res.Discovered, cfg);
        return new ScrapeLoop(target, _head, new ScrapeHttpClient(cfg.HttpClient, _time), _time, log);
    }

    private List<(long T, double V)> Samples(string selector)
    {
        using var q = _head.Querier(long.MinValue, long.MaxValue);
        var ss = q.Select(true, Ariane.PromQL.Parser.SelectorParser.Parse(selector));
        var list = new List<(long, double)>();
        while (ss.MoveNext())
        {
            var it = ss.Current.Iterator();
            while (it.Next())
            {
                list.Add((it.T, it.V));
            }
        }
        return list;
    }

    private List<(long T, double V, long St)> SamplesWithStart(string selector)
    {
        using var q = _head.Querier(long.MinValue, long.MaxValue);
        var ss = q.Select(true, Ariane.PromQL.Parser.SelectorParser.Parse(selector));
        var list = new List<(long, double, long)>();
        while (ss.MoveNext())
        {
            var it = ss.Current.Iterator();
            while (it.Next())
            {
                list.Add((it.T, it.V, it.ST));
            }
        }
        return list;
    }

    [Fact]
    public void WithStartTimestampParsingCreatedSamplesBecomeTheStartTimesOfTheirSeries()
    {
        _body = """
            # TYPE c counter
            c_total{a="1"} 5
            c_created{a="1"} 1699999000.5
            c_total{a="2"} 7
            # TYPE h histogram
            h_bucket{le="1",x="y"} 1
            h_bucket{x="y",le="+Inf"} 2
            h_count{x="y"} 2
            h_sum{x="y"} 3
            h_created{x="y"} 1699999100
            # TYPE s summary
            s{quantile="0.5"} 1
            s_count 3
            s_sum 4
            s_created 1699999200
            # TYPE g gauge
            g 1
            # EOF

            """;
        var plain = Loop(path: "/omst");
        plain.ScrapeOnce(TestContext.Current.CancellationToken);
        Assert.Equal([(T0, 1699999000.5, 0L)], SamplesWithStart("c_created"));
        Assert.Equal([(T0, 5.0, 0L)], SamplesWithStart("c_total{a=\"1\"}"));

        _time.Advance(TimeSpan.FromSeconds(15));
        long t1 = T0 + 15_000;
        plain.ParseStartTimestamps = true;
        plain.ScrapeOnce(TestContext.Current.CancellationToken);
        Assert.Equal([(T0, 5.0, 0L), (t1, 5.0, 1699999000500L)], SamplesWithStart("c_total{a=\"1\"}"));
        Assert.Equal([(T0, 7.0, 0L), (t1, 7.0, 0L)], SamplesWithStart("c_total{a=\"2\"}"));
        foreach (string h in new[] { "h_bucket{le=\"1\"}", "h_bucket{le=\"+Inf\"}", "h_count", "h_sum" })
        {
            Assert.Equal(1699999100000L, SamplesWithStart(h)[^1].St);
        }
        foreach (string q in new[] { "s", "s_count", "s_sum" })
        {
            Assert.Equal(1699999200000L, SamplesWithStart(q)[^1].St);
        }
        Assert.Equal([(T0, 1.0, 0L), (t1, 1.0, 0L)], SamplesWithStart("g"));
        // The _created series got no sample in the second scrape (it went stale: a marker at t1).
        Assert.Equal(T0, SamplesWithStart("c_created")[0].T);
        Assert.True(Ariane.Model.SampleValue.IsStaleNaN(SamplesWithStart("c_created")[^1].V));
        Assert.Equal([(t1, 10.0, 0L)], SamplesWithStart("scrape_samples_scraped").Where(x => x.T == t1));
    }

    private List<Labels> Series(string selector)
    {
        using var q = _head.Querier(long.MinValue, long.MaxValue);
        var ss = q.Select(true, Ariane.PromQL.Parser.SelectorParser.Parse(selector));
        var list = new List<Labels>();
        while (ss.MoveNext())
        {
            list.Add(ss.Current.Labels);
        }
        return list;
    }

    [Fact]
    public async Task GoodScrapeAppendsSamplesAndSyntheticSeries()
    {
        _body = "# TYPE a counter\n# HELP a Help of a.\na{x=\"1\"} 1\na{x=\"2\"} 2\nb 3 1699999999000\n";
        var loop = Loop();
        loop.ScrapeOnce(TestContext.Current.CancellationToken);
        Assert.Equal([(T0, 1.0)], Samples("a{x=\"1\"}"));
        Assert.Equal([(1699999999000L, 3.0)], Samples("b"));
        Assert.Equal("{__name__=\"a\", instance=\"" + _server.Address + "\", job=\"test\", x=\"2\"}", Series("a{x=\"2\"}")[0].ToString());
        Assert.Equal([(T0, 1.0)], Samples("up"));
        Assert.Equal([(T0, 3.0)], Samples("scrape_samples_scraped"));
        Assert.Equal([(T0, 3.0)], Samples("scrape_samples_post_metric_relabeling"));
        Assert.Equal([(T0, 3.0)], Samples("scrape_series_added"));
        Assert.Single(Samples("scrape_duration_seconds"));
        Assert.Equal(TargetHealth.Up, loop.Target.Health);
        Assert.Equal(new MetricMetadata("counter", "Help of a.", ""), loop.Target.Metadata["a"]);

        _time.Advance(TimeSpan.FromSeconds(15));
        loop.ScrapeOnce(TestContext.Current.CancellationToken);
        Assert.Equal([(T0 + 15000, 0.0)], Samples("scrape_series_added").Skip(1).ToList());
    }

    [Fact]
    public void ScrapeDurationIsReadOnTheLoopsClock()
    {
        var loop = Loop(path: "/slow");
        loop.ScrapeOnce(TestContext.Current.CancellationToken);
        Assert.Equal([(T0, 1.0)], Samples("up"));
        Assert.Equal([(T0, 1.25)], Samples("scrape_duration_seconds"));
        Assert.Equal(TimeSpan.FromMilliseconds(1250), loop.Target.LastScrapeDuration);
    }

    [Fact]
    public void SamplesTooFarAheadOfTheClockAreDroppedAndCountedWithoutFailingTheScrape()
    {
        // As Prometheus treats them (out of bounds): the sample is dropped, the rest of the scrape is stored.
        _body = $"a 1\nfuture 2 {T0 + 20L * 86_400_000}\nb 3 {T0 - 1000}\n";
        var loop = Loop();
        loop.ScrapeOnce(TestContext.Current.CancellationToken);
        Assert.Equal([(T0, 1.0)], Samples("a"));
        Assert.Equal([(T0 - 1000, 3.0)], Samples("b"));
        Assert.Empty(Samples("future"));
        Assert.Equal([(T0, 1.0)], Samples("up"));
        Assert.Equal(TargetHealth.Up, loop.Target.Health);
        Assert.Equal(1, _head.TooFarInFutureSamples);
    }

    [Fact]
    public async Task VanishedSeriesGetStalenessMarkersButExplicitTimestampsDoNot()
    {
        _body = "a 1\nb 2\nc 3 1699999999000\n";
        var loop = Loop();
        loop.ScrapeOnce(TestContext.Current.CancellationToken);
        _body = "a 1\n";
        _time.Advance(TimeSpan.FromSeconds(15));
        loop.ScrapeOnce(TestContext.Current.CancellationToken);
        var b = Samples("b");
        Assert.Equal(2, b.Count);
        Assert.True(SampleValue.IsStaleNaN(b[1].V));
        Assert.Equal(T0 + 15000, b[1].T);
        Assert.Single(Samples("c"));
        Assert.Equal(2, Samples("a").Count(s => !double.IsNaN(s.V)));
    }

    [Fact]
    public async Task AFailedScrapeMakesEverythingStaleAndAStoppedTargetToo()
    {
        _body = "a 1\n";
        var loop = Loop();
        loop.ScrapeOnce(TestContext.Current.CancellationToken);
        _body = "garbage {{{\n";
        _time.Advance(TimeSpan.FromSeconds(15));
        loop.ScrapeOnce(TestContext.Current.CancellationToken);
        Assert.True(SampleValue.IsStaleNaN(Samples("a").Last().V));
        Assert.Equal(0.0, Samples("up").Last().V);
        Assert.Equal(TargetHealth.Down, loop.Target.Health);

        _body = "a 2\n";
        _time.Advance(TimeSpan.FromSeconds(15));
        loop.ScrapeOnce(TestContext.Current.CancellationToken);
        Assert.Equal(2.0, Samples("a").Last().V);
        _time.Advance(TimeSpan.FromSeconds(5));
        await loop.StopAsync(markStale: true);
        Assert.True(SampleValue.IsStaleNaN(Samples("a").Last().V));
        Assert.True(SampleValue.IsStaleNaN(Samples("up").Last().V));
    }

    [Fact]
    public void ATargetThatStaysDownIsLoggedWhenItGoesDownAndWhenItComesBack()
    {
        var log = new ListLogger(minLevel: LogLevel.Information);
        var loop = Loop(log: log);
        _body = "a 1\n";
        loop.ScrapeOnce(TestContext.Current.CancellationToken);
        _body = "garbage {{{\n";
        for (int i = 0; i < 5; i++)
        {
            _time.Advance(TimeSpan.FromSeconds(15));
            loop.ScrapeOnce(TestContext.Current.CancellationToken);
        }
        _body = "a 2\n";
        for (int i = 0; i < 3; i++)
        {
            _time.Advance(TimeSpan.FromSeconds(15));
            loop.ScrapeOnce(TestContext.Current.CancellationToken);
        }
        string s = Assert.Single(log.At(LogLevel.Warning));
        Assert.StartsWith($"Scrape failed target={loop.Target.Url} err=\"line 1:", s);
        Assert.Equal([$"Scrape target is up again target={loop.Target.Url}"], log.At(LogLevel.Information));
    }

    public static TheoryData<string, string, string, string> Hostile => new()
    {
        // path, timeout, extra config, expected lastError fragment
        { "/hang", "500ms", "", "context deadline exceeded" },
        { "/stall", "500ms", "", "context deadline exceeded" },
        { "/garbage", "10s", "", "line 1" },
        { "/error", "10s", "", "server returned HTTP status 500" },
        { "/big", "10s", "    body_size_limit: 100B", "body size limit exceeded" },
        { "/big", "10s", "    sample_limit: 10", "sample limit exceeded" },
        { "/metrics", "10s", "    label_limit: 3", "label_limit exceeded" },
        { "/metrics", "10s", "    label_value_length_limit: 5", "label_value_length_limit exceeded" },
        { "/metrics", "10s", "    label_name_length_limit: 3", "label_name_length_limit exceeded" },
    };

    [Theory]
    [MemberData(nameof(Hostile))]
    public async Task HostileTargetsFailThatScrapeWithAClearError(string path, string timeout, string extra, string fragment)
    {
        _body = "m{label=\"toolongvalue\"} 1\n";
        var loop = Loop(extra, path, timeout);
        loop.ScrapeOnce(TestContext.Current.CancellationToken);
        Assert.Equal(TargetHealth.Down, loop.Target.Health);
        Assert.Contains(fragment, loop.Target.LastError);
        Assert.Equal([(T0, 0.0)], Samples("up"));
        Assert.Empty(Samples("{__name__=~\"m.*\"}"));
    }

    [Theory]
    [InlineData("limit", "    body_size_limit: 300KiB", "body size limit exceeded")]
    [InlineData("parse", "", "line 40001: ")]
    [InlineData("cut", "", "")]
    [InlineData("stall", "", "context deadline exceeded")]
    public void AScrapeThatFailsHalfWayThroughAStreamedBodyStoresNothingOfIt(string how, string extra, string fragment)
    {
        // The body is parsed and appended as it arrives: what was appended before the failure is rolled back, and the
        // failed scrape makes the previous one's series stale, as a failed scrape always does.
        var loop = Loop(extra, "/halfway", timeout: "3s");
        _halfway = "good";
        loop.ScrapeOnce(TestContext.Current.CancellationToken);
        Assert.Equal(TargetHealth.Up, loop.Target.Health);
        _halfway = how;
        _time.Advance(TimeSpan.FromSeconds(15));
        loop.ScrapeOnce(TestContext.Current.CancellationToken);
        Assert.Equal(TargetHealth.Down, loop.Target.Health);
        Assert.Contains(fragment, loop.Target.LastError);
        Assert.Empty(Samples("{__name__=~\"half_.*\"}"));
        Assert.True(SampleValue.IsStaleNaN(Samples("kept").Last().V));
        Assert.Equal([(T0, 1.0), (T0 + 15_000, 0.0)], Samples("up"));
        Assert.Equal(0.0, Samples("scrape_samples_scraped").Last().V);
    }

    [Fact]
    public async Task GzipAndOpenMetricsBodiesAreUnderstood()
    {
        var gz = Loop(path: "/gzip");
        gz.ScrapeOnce(TestContext.Current.CancellationToken);
        Assert.Equal([(T0, 42.0)], Samples("zipped_metric"));

        var om = Loop(path: "/om");
        om.ScrapeOnce(TestContext.Current.CancellationToken);
        Assert.Equal([(1700000000500L, 3.0)], Samples("c_total"));
        Assert.Equal("counter", om.Target.Metadata["c"].Type);
    }

    [Fact]
    public async Task HonorLabelsAndMetricRelabelling()
    {
        _body = "a{job=\"inner\"} 1\ndrop_me 2\n";
        var plain = Loop("    metric_relabel_configs:\n      - source_labels: [__name__]\n        regex: drop_me\n        action: drop");
        plain.ScrapeOnce(TestContext.Current.CancellationToken);
        Assert.Equal("inner", Series("a")[0].Get("exported_job"));
        Assert.Equal("test", Series("a")[0].Get("job"));
        Assert.Empty(Samples("drop_me"));
        Assert.Equal([(T0, 1.0)], Samples("scrape_samples_post_metric_relabeling"));
    }

    [Fact]
    public async Task HonorLabelsKeepsTheScrapedValue()
    {
        _body = "a{job=\"inner\"} 1\n";
        var honor = Loop("    honor_labels: true");
        honor.ScrapeOnce(TestContext.Current.CancellationToken);
        Assert.Equal("inner", Series("a")[0].Get("job"));
        Assert.Equal("", Series("a")[0].Get("exported_job"));
    }

    [Fact]
    public void InitialDelayIsAStableOffsetWithinTheInterval()
    {
        var loop = Loop();
        var d1 = loop.InitialDelay(_time.GetUtcNow());
        var d2 = loop.InitialDelay(_time.GetUtcNow().AddSeconds(15));
        Assert.InRange(d1, TimeSpan.Zero, TimeSpan.FromSeconds(15));
        Assert.Equal(d1, d2);
    }
}
