using System.Globalization;
using Ariane.Exposition;

namespace Ariane.Host;

/// <summary>node_exporter's arp collector: ARP table entries per device from /proc/net/arp.</summary>
internal sealed class ArpCollector : Collector
{
    private readonly string _arp;

    public ArpCollector(HostFiles files)
        : base(files)
    {
        _arp = files.Proc("net/arp");
    }

    public override string Name => "arp";

    public override void Update(TextExpositionWriter w)
    {
        var counts = new SortedDictionary<string, int>(StringComparer.Ordinal);
        ReadOnlySpan<byte> text = Files.Read(_arp);
        Spans.NextLine(ref text, out _);
        while (Spans.NextLine(ref text, out ReadOnlySpan<byte> line))
        {
            if (Spans.Field(line, 5, out ReadOnlySpan<byte> field))
            {
                string device = Spans.ToUtf8String(field);
                counts[device] = counts.GetValueOrDefault(device) + 1;
            }
        }
        w.Family("node_arp_entries", "gauge", "ARP entries by device");
        foreach (var (device, count) in counts)
        {
            w.Sample("node_arp_entries", "device", device, count);
        }
    }
}

/// <summary>node_exporter's softnet collector: per-CPU packet processing from /proc/net/softnet_stat.</summary>
internal sealed class SoftnetCollector : Collector
{
    private readonly string _softnet;

    public SoftnetCollector(HostFiles files)
        : base(files)
    {
        _softnet = files.Proc("net/softnet_stat");
    }

    public override string Name => "softnet";

    public override void Update(TextExpositionWriter w)
    {
        var rows = new List<(double Processed, double Dropped, double Squeezed)>();
        ReadOnlySpan<byte> text = Files.Read(_softnet);
        while (Spans.NextLine(ref text, out ReadOnlySpan<byte> line))
        {
            if (line.Trim(" \t"u8).IsEmpty)
            {
                continue;
            }
            rows.Add((Hex(ref line), Hex(ref line), Hex(ref line)));
        }
        Write(w, rows, "node_softnet_processed_total", "Number of processed packets", static r => r.Processed);
        Write(w, rows, "node_softnet_dropped_total", "Number of dropped packets", static r => r.Dropped);
        Write(w, rows, "node_softnet_times_squeezed_total", "Number of times processing packets ran out of quota", static r => r.Squeezed);
    }

    private static void Write(TextExpositionWriter w, List<(double, double, double)> rows, string name, string help, Func<(double Processed, double Dropped, double Squeezed), double> value)
    {
        w.Family(name, "counter", help);
        for (int cpu = 0; cpu < rows.Count; cpu++)
        {
            w.Sample(name, "cpu", cpu.ToString(CultureInfo.InvariantCulture), value(rows[cpu]));
        }
    }

    private static double Hex(ref ReadOnlySpan<byte> line) =>
        Spans.NextField(ref line, out ReadOnlySpan<byte> f) && ulong.TryParse(f, NumberStyles.AllowHexSpecifier, CultureInfo.InvariantCulture, out ulong v)
            ? v
            : throw new FormatException("bad softnet_stat field");
}

/// <summary>node_exporter's udp_queues collector: bytes queued in UDP sockets, summed per IP version and direction.</summary>
internal sealed class UdpQueuesCollector : Collector
{
    private static readonly string[] LabelNames = ["ip", "queue"];
    private readonly string _udp;
    private readonly string _udp6;

    public UdpQueuesCollector(HostFiles files)
        : base(files)
    {
        _udp = files.Proc("net/udp");
        _udp6 = files.Proc("net/udp6");
    }

    public override string Name => "udp_queues";

    public override void Update(TextExpositionWriter w)
    {
        (double tx4, double rx4) = Sum(Files.Read(_udp));
        bool v6 = File.Exists(_udp6);
        (double tx6, double rx6) = v6 ? Sum(Files.Read(_udp6)) : (0, 0);
        w.Family("node_udp_queues", "gauge", "Number of allocated memory in the kernel for UDP datagrams in bytes.");
        w.Sample("node_udp_queues", LabelNames, ["v4", "tx"], tx4);
        w.Sample("node_udp_queues", LabelNames, ["v4", "rx"], rx4);
        if (v6)
        {
            w.Sample("node_udp_queues", LabelNames, ["v6", "tx"], tx6);
            w.Sample("node_udp_queues", LabelNames, ["v6", "rx"], rx6);
        }
    }

    /// <summary>Sums the "tx_queue:rx_queue" column (hexadecimal) over the sockets.</summary>
    private static (double Tx, double Rx) Sum(ReadOnlySpan<byte> text)
    {
        double tx = 0, rx = 0;
        Spans.NextLine(ref text, out _);
        while (Spans.NextLine(ref text, out ReadOnlySpan<byte> line))
        {
            // sl local_address rem_address st tx_queue:rx_queue ...
            if (!Spans.Field(line, 4, out ReadOnlySpan<byte> field) || field.IndexOf((byte)':') is var colon && colon < 0)
            {
                continue;
            }
            tx += ulong.Parse(field[..colon], NumberStyles.AllowHexSpecifier, CultureInfo.InvariantCulture);
            rx += ulong.Parse(field[(colon + 1)..], NumberStyles.AllowHexSpecifier, CultureInfo.InvariantCulture);
        }
        return (tx, rx);
    }
}

/// <summary>node_exporter's schedstat collector: per-CPU scheduler time from /proc/schedstat.</summary>
internal sealed class SchedstatCollector : Collector
{
    private const double NanosPerSecond = 1e9;
    private readonly string _schedstat;

    public SchedstatCollector(HostFiles files)
        : base(files)
    {
        _schedstat = files.Proc("schedstat");
    }

    public override string Name => "schedstat";

    public override void Update(TextExpositionWriter w)
    {
        var rows = new List<(string Cpu, double Running, double Waiting, double Timeslices)>();
        ReadOnlySpan<byte> text = Files.Read(_schedstat);
        while (Spans.NextLine(ref text, out ReadOnlySpan<byte> line))
        {
            if (!Spans.NextField(ref line, out ReadOnlySpan<byte> key) || key.Length <= 3 || !key.StartsWith("cpu"u8))
            {
                continue;
            }
            // cpuN yld_count (legacy) sched_count sched_goidle ttwu_count ttwu_local running_ns waiting_ns timeslices
            for (int i = 0; i < 6; i++)
            {
                Spans.NextField(ref line, out _);
            }
            rows.Add((Spans.ToUtf8String(key[3..]), Spans.NextDouble(ref line) / NanosPerSecond, Spans.NextDouble(ref line) / NanosPerSecond, Spans.NextDouble(ref line)));
        }
        if (rows.Count == 0)
        {
            throw new NoDataException("no cpu lines in /proc/schedstat");
        }
        w.Family("node_schedstat_running_seconds_total", "counter", "Number of seconds CPU spent running a process.");
        foreach (var r in rows)
        {
            w.Sample("node_schedstat_running_seconds_total", "cpu", r.Cpu, r.Running);
        }
        w.Family("node_schedstat_waiting_seconds_total", "counter", "Number of seconds spent by processing waiting for this CPU.");
        foreach (var r in rows)
        {
            w.Sample("node_schedstat_waiting_seconds_total", "cpu", r.Cpu, r.Waiting);
        }
        w.Family("node_schedstat_timeslices_total", "counter", "Number of timeslices executed by CPU.");
        foreach (var r in rows)
        {
            w.Sample("node_schedstat_timeslices_total", "cpu", r.Cpu, r.Timeslices);
        }
    }
}

/// <summary>node_exporter's cpufreq collector: per-CPU frequencies from /sys/devices/system/cpu/cpu*/cpufreq.</summary>
internal sealed class CpufreqCollector : Collector
{
    private static readonly (string File, string Metric, string Help)[] Files6 =
    [
        ("cpuinfo_cur_freq", "node_cpu_frequency_hertz", "Current CPU thread frequency in hertz."),
        ("cpuinfo_max_freq", "node_cpu_frequency_max_hertz", "Maximum CPU thread frequency in hertz."),
        ("cpuinfo_min_freq", "node_cpu_frequency_min_hertz", "Minimum CPU thread frequency in hertz."),
        ("scaling_cur_freq", "node_cpu_scaling_frequency_hertz", "Current scaled CPU thread frequency in hertz."),
        ("scaling_max_freq", "node_cpu_scaling_frequency_max_hertz", "Maximum scaled CPU thread frequency in hertz."),
        ("scaling_min_freq", "node_cpu_scaling_frequency_min_hertz", "Minimum scaled CPU thread frequency in hertz."),
    ];

    private readonly string _cpuDir;

    public CpufreqCollector(HostFiles files)
        : base(files)
    {
        _cpuDir = files.Sys("devices/system/cpu");
    }

    public override string Name => "cpufreq";

    public override void Update(TextExpositionWriter w)
    {
        var cpus = new List<(int Number, string Dir)>();
        foreach (string dir in Directory.EnumerateDirectories(_cpuDir, "cpu*"))
        {
            if (int.TryParse(Path.GetFileName(dir).AsSpan(3), NumberStyles.None, CultureInfo.InvariantCulture, out int n)
                && Directory.Exists(Path.Join(dir, "cpufreq")))
            {
                cpus.Add((n, Path.Join(dir, "cpufreq")));
            }
        }
        cpus.Sort(static (a, b) => a.Number.CompareTo(b.Number));
        foreach (var (file, metric, help) in Files6)
        {
            bool any = false;
            foreach (var (number, dir) in cpus)
            {
                // The kernel reports kHz; cpuinfo_cur_freq is readable by root only, and is then left out.
                if (!HostFiles.TryReadDouble(Path.Join(dir, file), out double khz))
                {
                    continue;
                }
                if (!any)
                {
                    w.Family(metric, "gauge", help);
                    any = true;
                }
                w.Sample(metric, "cpu", number.ToString(CultureInfo.InvariantCulture), khz * 1000);
            }
        }
    }
}
