using System.Diagnostics;
using System.Globalization;
using Ariane.Model;
using Ariane.TextParse;
using BenchmarkDotNet.Attributes;

namespace Ariane.Bench;

/// <summary>
/// Parses alltypes.237mfs.prom.txt (and the OpenMetrics payload) as the scrape loop does: Next, Series, Value and
/// timestamp for every sample, labels only for the first scrape of a series (here: never, the cache-hit path) or
/// always (the cold path). MB/s and samples/s are printed from a Stopwatch pass in GlobalSetup.
/// </summary>
[MemoryDiagnoser]
public class TextParseBenchmarks
{
    private byte[] _prom = [];
    private byte[] _om = [];
    private readonly PromTextParser _promParser = new();
    private readonly OpenMetricsParser _omParser = new();
    private readonly List<Label> _labels = new(16);

    [GlobalSetup]
    public void Setup()
    {
        string dir = FindPayloads();
        _prom = File.ReadAllBytes(Path.Combine(dir, "alltypes.237mfs.prom.txt"));
        _om = File.ReadAllBytes(Path.Combine(dir, "alltypes.5mfs.om.txt"));
        Report("prom text, hot path", _prom, () => PromHotPath());
        Report("prom text, with labels", _prom, () => PromWithLabels());
        Report("openmetrics, hot path", _om, () => OpenMetricsHotPath());
        Report("prom text, hot path, streamed", _prom, () => PromHotPathStreamed());
    }

    private static void Report(string what, byte[] body, Func<int> run)
    {
        int samples = run();
        var sw = Stopwatch.StartNew();
        int rounds = 0;
        while (sw.ElapsedMilliseconds < 1000)
        {
            run();
            rounds++;
        }
        double s = sw.Elapsed.TotalSeconds;
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"// TextParse {what}: {body.Length * (double)rounds / s / 1e6:F1} MB/s, {samples * (double)rounds / s / 1e6:F2} M samples/s ({samples} samples, {body.Length} bytes per body)"));
    }

    private static string FindPayloads()
    {
        var d = new DirectoryInfo(AppContext.BaseDirectory);
        while (d is not null)
        {
            string candidate = Path.Combine(d.FullName, "..", "shared", "conformance", "openmetrics", "prometheus-textparse");
            if (File.Exists(Path.Combine(d.FullName, "Ariane.slnx")) && Directory.Exists(candidate))
            {
                return candidate;
            }
            d = d.Parent;
        }
        throw new DirectoryNotFoundException("../shared/conformance/openmetrics/prometheus-textparse beside the repository");
    }

    /// <summary>The steady-state scrape: every series is in the cache, so labels are never built.</summary>
    [Benchmark(Baseline = true)]
    public int PromHotPath()
    {
        _promParser.Reset(_prom);
        return DrainProm();
    }

    /// <summary>The hot path over the body as a scrape reads it: from a stream, through the parser's 64 KiB window.</summary>
    [Benchmark]
    public int PromHotPathStreamed()
    {
        _promStream ??= new MemoryStream(_prom, writable: false);
        _promStream.Position = 0;
        _promParser.Reset(_promStream);
        int n = DrainProm();
        _promParser.ReleaseWindow();
        return n;
    }

    // Reads every entry of the Prometheus-format parser as the scrape's hot path does (series, timestamp, value).
    private int DrainProm()
    {
        int n = 0;
        long acc = 0;
        Entry e;
        while ((e = _promParser.Next()) != Entry.EOF)
        {
            if (e == Entry.Series)
            {
                acc += _promParser.Series().Length + _promParser.TimestampMs + (long)_promParser.Value;
                n++;
            }
        }
        return n + (int)(acc & 1);
    }

    private MemoryStream? _promStream;

    /// <summary>The first scrape of a target: labels are built for every sample.</summary>
    [Benchmark]
    public int PromWithLabels()
    {
        _promParser.Reset(_prom);
        int n = 0;
        while (_promParser.Next() is var e && e != Entry.EOF)
        {
            if (e == Entry.Series)
            {
                _promParser.GetLabels(_labels);
                n++;
            }
        }
        return n;
    }

    /// <summary>OpenMetrics with its full validation, cache-hit path.</summary>
    [Benchmark]
    public int OpenMetricsHotPath()
    {
        _omParser.Reset(_om);
        int n = 0;
        long acc = 0;
        Entry e;
        while ((e = _omParser.Next()) != Entry.EOF)
        {
            if (e == Entry.Series)
            {
                acc += _omParser.Series().Length + _omParser.TimestampMs;
                n++;
            }
        }
        return n + (int)(acc & 1);
    }
}
