using System.Text;
using Ariane.Config;
using Ariane.Discovery;
using Ariane.Scrape;
using Ariane.Tsdb;
using BenchmarkDotNet.Attributes;

namespace Ariane.Bench;

/// <summary>
/// The scrape hot path without the network: parse a 1000-series node-like body and append it into a real head
/// (with its WAL), values changing every scrape, as the ingestion benchmark's targets do.
/// </summary>
[MemoryDiagnoser]
public class ScrapeAppendBenchmarks
{
    private const int Series = 1000;
    private readonly byte[][] _bodies = new byte[8][];
    private string _dir = "";
    private Head _head = null!;
    private ScrapeLoop _loop = null!;
    private long _ts = 1_700_000_000_000;
    private int _n;

    /// <summary>Builds the bodies, the head and the loop.</summary>
    [GlobalSetup]
    public void Setup()
    {
        var rng = new Random(1);
        for (int b = 0; b < _bodies.Length; b++)
        {
            var sb = new StringBuilder();
            sb.Append("# HELP node_cpu_seconds_total Seconds the CPUs spent in each mode.\n# TYPE node_cpu_seconds_total counter\n");
            for (int i = 0; i < Series; i++)
            {
                sb.Append("node_cpu_seconds_total{cpu=\"").Append(i / 8).Append("\",mode=\"mode").Append(i % 8).Append("\"} ")
                  .Append((1000.0 * i + b * rng.NextDouble()).ToString("R", System.Globalization.CultureInfo.InvariantCulture)).Append('\n');
            }
            _bodies[b] = Encoding.UTF8.GetBytes(sb.ToString());
        }
        _dir = Path.Combine(Path.GetTempPath(), "ariane-bench-" + Guid.NewGuid().ToString("N"));
        _head = Head.Open(new TsdbOptions { Path = _dir }, TimeProvider.System);
        var cfg = ConfigLoader.Load("scrape_configs:\n  - job_name: bench\n    static_configs:\n      - targets: ['127.0.0.1:1']\n", "bench.yml").ScrapeConfigs[0];
        var g = StaticDiscovery.Groups(cfg)[0];
        var res = TargetLabeler.Populate(g.Targets[0], g.Labels, cfg);
        _loop = new ScrapeLoop(new ScrapeTarget(res.Final!, res.Target!, res.Discovered, cfg), _head, new ScrapeHttpClient(cfg.HttpClient, TimeProvider.System), TimeProvider.System);
    }

    /// <summary>Removes the head's folder.</summary>
    [GlobalCleanup]
    public void Cleanup()
    {
        _head.Dispose();
        Directory.Delete(_dir, true);
    }

    /// <summary>One scrape's worth: 1000 samples parsed, looked up, appended and committed.</summary>
    [Benchmark(OperationsPerInvoke = Series)]
    public void ParseAndAppend1000()
    {
        var app = _head.Appender();
        _ts += 15_000;
        _loop.AppendBody(app, _bodies[_n++ & 7], "text/plain; version=0.0.4", _ts);
        app.Commit();
    }

    /// <summary>The same, with the body read from a stream through the parser's window, as a scrape does.</summary>
    [Benchmark(OperationsPerInvoke = Series)]
    public void ParseAndAppend1000Streamed()
    {
        var app = _head.Appender();
        _ts += 15_000;
        var body = _streams[_n++ & 7] ??= new MemoryStream(_bodies[(_n - 1) & 7], writable: false);
        body.Position = 0;
        _loop.AppendBody(app, body, "text/plain; version=0.0.4", _ts);
        app.Commit();
    }

    private readonly MemoryStream?[] _streams = new MemoryStream?[8];
}
