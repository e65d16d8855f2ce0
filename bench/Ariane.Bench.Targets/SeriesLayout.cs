using System.Globalization;
using System.Text;

namespace Ariane.Bench.Targets;

/// <summary>How a series' value moves from one scrape to the next.</summary>
public enum SeriesKind
{
    /// <summary>Increases by a random amount around a per-series rate.</summary>
    Counter,

    /// <summary>Random walk around its start value, never negative.</summary>
    Gauge,

    /// <summary>A cumulative <c>_bucket</c> of a classic histogram; moved by its group.</summary>
    Bucket,

    /// <summary>The <c>_sum</c> of a classic histogram; moved by its group.</summary>
    HistogramSum,

    /// <summary>The <c>_count</c> of a classic histogram; moved by its group.</summary>
    HistogramCount,
}

/// <summary>
/// The fixed shape of one synthetic target: every series' exposition prefix (name and labels, as UTF-8 bytes,
/// computed once), its kind and start value, plus the # HELP/# TYPE lines before each family.
/// </summary>
/// <remarks>
/// The mix imitates a node_exporter plus an instrumented HTTP service. For 1000 series per target it is:
/// 128 node_cpu_seconds_total counters (16 cpus x 8 modes), 64 node_network_* counters (8 devices),
/// 48 node_disk_* counters (8 disks), 40 node_memory_*_bytes gauges, 60 node_filesystem_* gauges
/// (12 mounts), 6 load/process gauges, 46 http_request_duration_seconds histograms of 14 series each
/// (12 buckets, _sum, _count) and the remainder as node_hwmon_temp_celsius gauges. Other sizes scale the
/// per-family cardinalities; the total is always exactly the requested series count.
/// </remarks>
public sealed class SeriesLayout
{
    /// <summary>Upper bounds of the histogram buckets, the last being +Inf.</summary>
    public static readonly string[] BucketBounds =
        ["0.005", "0.01", "0.025", "0.05", "0.1", "0.25", "0.5", "1", "2.5", "5", "10", "+Inf"];

    private static readonly string[] CpuModes = ["idle", "iowait", "irq", "nice", "softirq", "steal", "system", "user"];

    private static readonly string[] MemoryNames =
    [
        "Active", "Active_anon", "Active_file", "AnonHugePages", "AnonPages", "Bounce", "Buffers", "Cached",
        "CommitLimit", "Committed_AS", "DirectMap1G", "DirectMap2M", "DirectMap4k", "Dirty", "FileHugePages",
        "HugePages_Free", "HugePages_Rsvd", "HugePages_Surp", "HugePages_Total", "Hugepagesize", "Inactive",
        "Inactive_anon", "Inactive_file", "KReclaimable", "KernelStack", "Mapped", "MemAvailable", "MemFree",
        "MemTotal", "Mlocked", "NFS_Unstable", "PageTables", "Percpu", "SReclaimable", "SUnreclaim", "Shmem",
        "Slab", "SwapCached", "SwapFree", "SwapTotal",
    ];

    private static readonly string[] NetworkMetrics =
    [
        "receive_bytes", "transmit_bytes", "receive_packets", "transmit_packets",
        "receive_errs", "transmit_errs", "receive_drop", "transmit_drop",
    ];

    private static readonly string[] DiskMetrics =
    [
        "reads_completed", "writes_completed", "read_bytes", "written_bytes", "io_time_seconds", "read_time_seconds",
    ];

    private static readonly string[] FilesystemMetrics = ["avail_bytes", "size_bytes", "free_bytes", "files", "files_free"];

    private static readonly string[] HttpMethods = ["GET", "POST", "PUT", "DELETE"];

    private readonly List<byte[]> _prefixes = [];
    private readonly List<SeriesKind> _kinds = [];
    private readonly List<double> _starts = [];
    private readonly List<double> _rates = [];
    private readonly Dictionary<int, byte[]> _headers = [];
    private readonly Random _random;
    private int _budget;

    private SeriesLayout(int seriesCount, int seed)
    {
        _budget = seriesCount;
        _random = new Random(seed);
        Build(seriesCount);
    }

    /// <summary>Number of series.</summary>
    public int Count => _prefixes.Count;

    /// <summary><c>name{labels} </c> of each series, ready to be followed by the value.</summary>
    public IReadOnlyList<byte[]> Prefixes => _prefixes;

    /// <summary>Kind of each series.</summary>
    public IReadOnlyList<SeriesKind> Kinds => _kinds;

    /// <summary>Start value of each series.</summary>
    public IReadOnlyList<double> Starts => _starts;

    /// <summary>Mean increase per scrape (counters) or relative step (gauges) of each series.</summary>
    public IReadOnlyList<double> Rates => _rates;

    /// <summary>The # HELP and # TYPE lines to write before the series at that index.</summary>
    public IReadOnlyDictionary<int, byte[]> Headers => _headers;

    /// <summary>Builds the layout of a target with exactly <paramref name="seriesCount"/> series.</summary>
    public static SeriesLayout Create(int seriesCount, int seed) => new(seriesCount, seed);

    private void Build(int seriesCount)
    {
        double scale = seriesCount / 1000.0;
        int cpus = Math.Max(1, (int)Math.Round(16 * scale));
        int devices = Math.Max(1, (int)Math.Round(8 * scale));
        int disks = Math.Max(1, (int)Math.Round(8 * scale));
        int mounts = Math.Max(1, (int)Math.Round(12 * scale));

        Family("node_cpu_seconds_total", "Seconds the CPUs spent in each mode.", "counter");
        for (int cpu = 0; cpu < cpus; cpu++)
        {
            foreach (string mode in CpuModes)
            {
                Series(SeriesKind.Counter, $"node_cpu_seconds_total{{cpu=\"{cpu}\",mode=\"{mode}\"}}",
                    start: 1e5 * _random.NextDouble(), rate: mode == "idle" ? 12 : 0.5 * _random.NextDouble());
            }
        }

        foreach (string metric in NetworkMetrics)
        {
            string name = $"node_network_{metric}_total";
            Family(name, $"Network device statistic {metric}.", "counter");
            bool bytes = metric.EndsWith("bytes", StringComparison.Ordinal);
            bool rare = metric.EndsWith("errs", StringComparison.Ordinal) || metric.EndsWith("drop", StringComparison.Ordinal);
            for (int d = 0; d < devices; d++)
            {
                Series(SeriesKind.Counter, $"{name}{{device=\"eth{d}\"}}",
                    start: Math.Round(1e9 * _random.NextDouble()), rate: bytes ? 1e6 : rare ? 0.3 : 800, integral: true);
            }
        }

        foreach (string metric in DiskMetrics)
        {
            string name = $"node_disk_{metric}_total";
            Family(name, $"Disk statistic {metric}.", "counter");
            bool seconds = metric.EndsWith("seconds", StringComparison.Ordinal);
            for (int d = 0; d < disks; d++)
            {
                Series(SeriesKind.Counter, $"{name}{{device=\"sd{(char)('a' + (d % 26))}{d / 26}\"}}",
                    start: seconds ? 1e4 * _random.NextDouble() : Math.Round(1e8 * _random.NextDouble()),
                    rate: seconds ? 1.5 : metric.EndsWith("bytes", StringComparison.Ordinal) ? 5e5 : 100, integral: !seconds);
            }
        }

        foreach (string memory in MemoryNames)
        {
            string name = $"node_memory_{memory}_bytes";
            Family(name, $"Memory information field {memory}.", "gauge");
            Series(SeriesKind.Gauge, name, start: Math.Round(1e9 * (0.5 + _random.NextDouble())), rate: 0.002);
        }

        foreach (string metric in FilesystemMetrics)
        {
            string name = $"node_filesystem_{metric}";
            Family(name, $"Filesystem statistic {metric}.", "gauge");
            for (int m = 0; m < mounts; m++)
            {
                string mountpoint = m == 0 ? "/" : $"/mnt/data{m}";
                Series(SeriesKind.Gauge, $"{name}{{device=\"/dev/vd{m}\",fstype=\"ext4\",mountpoint=\"{mountpoint}\"}}",
                    start: Math.Round(1e10 * (0.5 + _random.NextDouble())), rate: 0.0005);
            }
        }

        foreach (string name in (string[])["node_load1", "node_load5", "node_load15", "node_procs_running", "node_procs_blocked", "node_context_switches"])
        {
            Family(name, $"System statistic {name}.", "gauge");
            Series(SeriesKind.Gauge, name, start: 1 + 4 * _random.NextDouble(), rate: 0.05);
        }

        int groupSize = BucketBounds.Length + 2;
        Family("http_request_duration_seconds", "Latency of HTTP requests.", "histogram");
        for (int h = 0; _budget >= groupSize; h++)
        {
            string labels = $"handler=\"/api/v{1 + (h / 16)}/resource{h % 16}\",method=\"{HttpMethods[h % HttpMethods.Length]}\"";
            foreach (string le in BucketBounds)
            {
                Series(SeriesKind.Bucket, $"http_request_duration_seconds_bucket{{{labels},le=\"{le}\"}}", 0, 0);
            }

            Series(SeriesKind.HistogramSum, $"http_request_duration_seconds_sum{{{labels}}}", 0, 0);
            Series(SeriesKind.HistogramCount, $"http_request_duration_seconds_count{{{labels}}}", 0, 0);
        }

        Family("node_hwmon_temp_celsius", "Hardware monitor temperature.", "gauge");
        for (int s = 0; _budget > 0; s++)
        {
            Series(SeriesKind.Gauge, $"node_hwmon_temp_celsius{{chip=\"platform_coretemp_{s / 8}\",sensor=\"temp{s % 8}\"}}",
                start: 40 + 20 * _random.NextDouble(), rate: 0.01);
        }

        if (Count != seriesCount)
        {
            throw new InvalidOperationException($"layout has {Count} series, wanted {seriesCount}");
        }
    }

    private void Family(string name, string help, string type)
    {
        if (_budget > 0)
        {
            _headers[_prefixes.Count] = Encoding.UTF8.GetBytes($"# HELP {name} {help}\n# TYPE {name} {type}\n");
        }
    }

    private void Series(SeriesKind kind, string text, double start, double rate, bool integral = false)
    {
        if (_budget <= 0)
        {
            return;
        }

        _budget--;
        _prefixes.Add(Encoding.UTF8.GetBytes(text + " "));
        _kinds.Add(kind);
        _starts.Add(integral ? Math.Round(start) : start);
        // A negative rate marks an integral counter (bytes, packets): its increments are rounded.
        _rates.Add(integral ? -rate : rate);
    }

    /// <summary>Formats a value in its shortest round-trip form, which the text format accepts.</summary>
    public static bool TryFormat(double value, Span<byte> destination, out int written) =>
        value.TryFormat(destination, out written, "R", CultureInfo.InvariantCulture);
}
