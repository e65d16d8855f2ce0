using Ariane.Exposition;

namespace Ariane.Host;

/// <summary>node_exporter's loadavg collector: node_load1, node_load5, node_load15 from /proc/loadavg.</summary>
internal sealed class LoadavgCollector : Collector
{
    private readonly string _loadavg;

    public LoadavgCollector(HostFiles files)
        : base(files)
    {
        _loadavg = files.Proc("loadavg");
    }

    public override string Name => "loadavg";

    public override void Update(TextExpositionWriter w)
    {
        ReadOnlySpan<byte> line = Files.Read(_loadavg);
        double load1 = Spans.NextDouble(ref line), load5 = Spans.NextDouble(ref line), load15 = Spans.NextDouble(ref line);
        w.Family("node_load1", "gauge", "1m load average.");
        w.Sample("node_load1", load1);
        w.Family("node_load5", "gauge", "5m load average.");
        w.Sample("node_load5", load5);
        w.Family("node_load15", "gauge", "15m load average.");
        w.Sample("node_load15", load15);
    }
}

/// <summary>node_exporter's time collector: the clock, the time zone offset and the kernel's clock sources.</summary>
internal sealed class TimeCollector : Collector
{
    private static readonly string[] ClocksourceDevice = ["clocksource", "device"];
    private readonly TimeProvider _time;
    private readonly string _clocksources;

    public TimeCollector(HostFiles files, TimeProvider time)
        : base(files)
    {
        _time = time;
        _clocksources = files.Sys("devices/system/clocksource");
    }

    public override string Name => "time";

    public override void Update(TextExpositionWriter w)
    {
        DateTimeOffset now = _time.GetUtcNow();
        w.Family("node_time_seconds", "gauge", "System time in seconds since epoch (1970).");
        w.Sample("node_time_seconds", (now.UtcTicks - DateTimeOffset.UnixEpoch.UtcTicks) / (double)TimeSpan.TicksPerSecond);

        // Go reports the zone's abbreviation ("UTC", "CET"); .NET has no abbreviations, so the zone's id stands in.
        TimeZoneInfo zone = _time.LocalTimeZone;
        string zoneName = zone.BaseUtcOffset == TimeSpan.Zero && !zone.SupportsDaylightSavingTime ? "UTC" : zone.Id;
        w.Family("node_time_zone_offset_seconds", "gauge", "System time zone offset in seconds.");
        w.Sample("node_time_zone_offset_seconds", "time_zone", zoneName, zone.GetUtcOffset(now).TotalSeconds);

        if (!Directory.Exists(_clocksources))
        {
            return;
        }
        var devices = new List<(string Device, string[] Available, string? Current)>();
        foreach (string dir in Directory.EnumerateDirectories(_clocksources, "clocksource*"))
        {
            string device = Path.GetFileName(dir)["clocksource".Length..];
            string? available = HostFiles.TryReadString(Path.Join(dir, "available_clocksource"));
            string? current = HostFiles.TryReadString(Path.Join(dir, "current_clocksource"));
            devices.Add((device, available?.Split(' ', StringSplitOptions.RemoveEmptyEntries) ?? [], current));
        }
        devices.Sort((a, b) => string.CompareOrdinal(a.Device, b.Device));
        w.Family("node_time_clocksource_available_info", "gauge", "Available clocksources read from '/sys/devices/system/clocksource'.");
        foreach (var d in devices)
        {
            foreach (string source in d.Available)
            {
                w.Sample("node_time_clocksource_available_info", ClocksourceDevice, [source, d.Device], 1);
            }
        }
        w.Family("node_time_clocksource_current_info", "gauge", "Current clocksource read from '/sys/devices/system/clocksource'.");
        foreach (var d in devices)
        {
            if (d.Current is not null)
            {
                w.Sample("node_time_clocksource_current_info", ClocksourceDevice, [d.Current, d.Device], 1);
            }
        }
    }
}

/// <summary>node_exporter's uname collector: node_uname_info with the fields of uname(2).</summary>
internal sealed class UnameCollector : Collector
{
    private static readonly string[] LabelNames = ["domainname", "machine", "nodename", "release", "sysname", "version"];
    private readonly string _kernel;

    public UnameCollector(HostFiles files)
        : base(files)
    {
        _kernel = files.Proc("sys/kernel");
    }

    public override string Name => "uname";

    public override void Update(TextExpositionWriter w)
    {
        // The kernel publishes all but the machine under /proc/sys/kernel, which lets a fixture tree stand in for it;
        // the machine (x86_64, aarch64...) comes from uname(2) itself.
        string[]? uname = Native.Uname();
        string sysname = HostFiles.TryReadString(Path.Join(_kernel, "ostype")) ?? uname?[0] ?? throw new NoDataException("no uname");
        string nodename = HostFiles.TryReadString(Path.Join(_kernel, "hostname")) ?? uname?[1] ?? "";
        string release = HostFiles.TryReadString(Path.Join(_kernel, "osrelease")) ?? uname?[2] ?? "";
        string version = HostFiles.TryReadString(Path.Join(_kernel, "version")) ?? uname?[3] ?? "";
        string machine = uname?[4] ?? "";
        string domainname = HostFiles.TryReadString(Path.Join(_kernel, "domainname")) ?? uname?[5] ?? "";
        w.Family("node_uname_info", "gauge", "Labeled system information as provided by the uname system call.");
        w.Sample("node_uname_info", LabelNames, [domainname, machine, nodename, release, sysname, version], 1);
    }
}

/// <summary>node_exporter's entropy collector: available bits and pool size.</summary>
internal sealed class EntropyCollector : Collector
{
    private readonly string _available;
    private readonly string _poolSize;

    public EntropyCollector(HostFiles files)
        : base(files)
    {
        _available = files.Proc("sys/kernel/random/entropy_avail");
        _poolSize = files.Proc("sys/kernel/random/poolsize");
    }

    public override string Name => "entropy";

    public override void Update(TextExpositionWriter w)
    {
        if (!HostFiles.TryReadDouble(_available, out double available))
        {
            throw new IOException("cannot read " + _available);
        }
        w.Family("node_entropy_available_bits", "gauge", "Bits of available entropy.");
        w.Sample("node_entropy_available_bits", available);
        if (HostFiles.TryReadDouble(_poolSize, out double pool))
        {
            w.Family("node_entropy_pool_size_bits", "gauge", "Bits of entropy pool.");
            w.Sample("node_entropy_pool_size_bits", pool);
        }
    }
}

/// <summary>node_exporter's filefd collector: allocated and maximum file handles from /proc/sys/fs/file-nr.</summary>
internal sealed class FilefdCollector : Collector
{
    private readonly string _fileNr;

    public FilefdCollector(HostFiles files)
        : base(files)
    {
        _fileNr = files.Proc("sys/fs/file-nr");
    }

    public override string Name => "filefd";

    public override void Update(TextExpositionWriter w)
    {
        ReadOnlySpan<byte> line = Files.Read(_fileNr);
        double allocated = Spans.NextDouble(ref line);
        Spans.NextDouble(ref line);
        double maximum = Spans.NextDouble(ref line);
        w.Family("node_filefd_allocated", "gauge", "File descriptor statistics: allocated.");
        w.Sample("node_filefd_allocated", allocated);
        w.Family("node_filefd_maximum", "gauge", "File descriptor statistics: maximum.");
        w.Sample("node_filefd_maximum", maximum);
    }
}

/// <summary>node_exporter's pressure collector: PSI stall totals from /proc/pressure/{cpu,io,memory}.</summary>
internal sealed class PressureCollector : Collector
{
    private readonly string _cpu;
    private readonly string _io;
    private readonly string _memory;

    public PressureCollector(HostFiles files)
        : base(files)
    {
        _cpu = files.Proc("pressure/cpu");
        _io = files.Proc("pressure/io");
        _memory = files.Proc("pressure/memory");
    }

    public override string Name => "pressure";

    public override void Update(TextExpositionWriter w)
    {
        if (!File.Exists(_cpu))
        {
            throw new NoDataException("pressure stall information is not available");
        }
        (double cpuSome, _) = ReadTotals(_cpu);
        (double ioSome, double ioFull) = ReadTotals(_io);
        (double memSome, double memFull) = ReadTotals(_memory);
        w.Family("node_pressure_cpu_waiting_seconds_total", "counter", "Total time in seconds that processes have waited for CPU time");
        w.Sample("node_pressure_cpu_waiting_seconds_total", cpuSome);
        w.Family("node_pressure_io_waiting_seconds_total", "counter", "Total time in seconds that processes have waited due to IO congestion");
        w.Sample("node_pressure_io_waiting_seconds_total", ioSome);
        w.Family("node_pressure_io_stalled_seconds_total", "counter", "Total time in seconds no process could make progress due to IO congestion");
        w.Sample("node_pressure_io_stalled_seconds_total", ioFull);
        w.Family("node_pressure_memory_waiting_seconds_total", "counter", "Total time in seconds that processes have waited for memory");
        w.Sample("node_pressure_memory_waiting_seconds_total", memSome);
        w.Family("node_pressure_memory_stalled_seconds_total", "counter", "Total time in seconds no process could make progress due to memory congestion");
        w.Sample("node_pressure_memory_stalled_seconds_total", memFull);
    }

    /// <summary>Reads the "total=" microseconds of the "some" and "full" lines, in seconds.</summary>
    private (double Some, double Full) ReadTotals(string path)
    {
        double some = 0, full = 0;
        ReadOnlySpan<byte> text = Files.Read(path);
        while (Spans.NextLine(ref text, out ReadOnlySpan<byte> line))
        {
            if (!Spans.NextField(ref line, out ReadOnlySpan<byte> kind))
            {
                continue;
            }
            while (Spans.NextField(ref line, out ReadOnlySpan<byte> field))
            {
                if (field.StartsWith("total="u8))
                {
                    double seconds = Spans.ParseDouble(field[6..]) / 1e6;
                    if (kind.SequenceEqual("some"u8))
                    {
                        some = seconds;
                    }
                    else if (kind.SequenceEqual("full"u8))
                    {
                        full = seconds;
                    }
                }
            }
        }
        return (some, full);
    }
}

/// <summary>node_exporter's os collector: node_os_info and node_os_version from os-release.</summary>
internal sealed class OsCollector : Collector
{
    private static readonly string[] InfoLabels =
        ["build_id", "id", "id_like", "image_id", "image_version", "name", "pretty_name", "variant", "variant_id", "version", "version_codename", "version_id"];
    private static readonly string[] InfoKeys =
        ["BUILD_ID", "ID", "ID_LIKE", "IMAGE_ID", "IMAGE_VERSION", "NAME", "PRETTY_NAME", "VARIANT", "VARIANT_ID", "VERSION", "VERSION_CODENAME", "VERSION_ID"];
    private static readonly string[] VersionLabels = ["id", "id_like", "name"];
    private readonly string _etc;
    private readonly string _usrLib;

    public OsCollector(HostFiles files)
        : base(files)
    {
        _etc = files.Root("etc/os-release");
        _usrLib = files.Root("usr/lib/os-release");
    }

    public override string Name => "os";

    public override void Update(TextExpositionWriter w)
    {
        string path = File.Exists(_etc) ? _etc : _usrLib;
        var values = ParseOsRelease(File.ReadAllLines(path));
        var info = new string[InfoKeys.Length];
        for (int i = 0; i < InfoKeys.Length; i++)
        {
            info[i] = values.TryGetValue(InfoKeys[i], out string? v) ? v : "";
        }
        w.Family("node_os_info", "gauge",
            "A metric with a constant '1' value labeled by build_id, id, id_like, image_id, image_version, name, pretty_name, variant, variant_id, version, version_codename, version_id.");
        w.Sample("node_os_info", InfoLabels, info, 1);
        double version = MajorMinor(info[11]);
        if (version > 0)
        {
            w.Family("node_os_version", "gauge", "Metric containing the major.minor part of the OS version.");
            w.Sample("node_os_version", VersionLabels, [info[1], info[2], info[5]], version);
        }
    }

    /// <summary>Parses os-release's KEY=value lines, with values optionally in single or double quotes.</summary>
    internal static Dictionary<string, string> ParseOsRelease(string[] lines)
    {
        var values = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (string raw in lines)
        {
            string line = raw.Trim();
            int eq = line.IndexOf('=');
            if (line.Length == 0 || line[0] == '#' || eq <= 0)
            {
                continue;
            }
            string value = line[(eq + 1)..];
            if (value.Length >= 2 && (value[0] == '"' || value[0] == '\'') && value[^1] == value[0])
            {
                value = value[1..^1].Replace("\\\"", "\"", StringComparison.Ordinal).Replace("\\\\", "\\", StringComparison.Ordinal);
            }
            values[line[..eq]] = value;
        }
        return values;
    }

    /// <summary>The major.minor part of VERSION_ID as a number ("22.04.1" is 22.04), NaN-free: 0 when absent.</summary>
    internal static double MajorMinor(string versionId)
    {
        int end = 0, dots = 0;
        while (end < versionId.Length && (char.IsAsciiDigit(versionId[end]) || versionId[end] == '.'))
        {
            if (versionId[end] == '.' && ++dots == 2)
            {
                break;
            }
            end++;
        }
        return Spans.TryParseDouble(System.Text.Encoding.ASCII.GetBytes(versionId[..end]), out double v) ? v : 0;
    }
}
