using Ariane.Exposition;

namespace Ariane.Host;

/// <summary>
/// node_exporter's diskstats collector: I/O counters per block device from /proc/diskstats, with node_exporter's
/// default exclusion of partitions, RAM, loop and floppy devices, and node_disk_info with udev's properties.
/// </summary>
internal sealed class DiskstatsCollector : Collector
{
    private const double SectorBytes = 512;
    private const double Millis = 0.001;

    private static readonly string[] InfoLabels = ["device", "major", "minor", "model", "path", "revision", "serial", "wwn"];

    // One row per /proc/diskstats field after the device name, in the kernel's order: name, type, help, scale.
    // Fields 12-15 (discards) exist since Linux 4.18, 16-17 (flushes) since 5.5; a family is written only when
    // some device has its field.
    private static readonly (string Name, string Type, string Help, double Scale)[] Fields =
    [
        ("node_disk_reads_completed_total", "counter", "The total number of reads completed successfully.", 1),
        ("node_disk_reads_merged_total", "counter", "The total number of reads merged.", 1),
        ("node_disk_read_bytes_total", "counter", "The total number of bytes read successfully.", SectorBytes),
        ("node_disk_read_time_seconds_total", "counter", "The total number of seconds spent by all reads.", Millis),
        ("node_disk_writes_completed_total", "counter", "The total number of writes completed successfully.", 1),
        ("node_disk_writes_merged_total", "counter", "The number of writes merged.", 1),
        ("node_disk_written_bytes_total", "counter", "The total number of bytes written successfully.", SectorBytes),
        ("node_disk_write_time_seconds_total", "counter", "This is the total number of seconds spent by all writes.", Millis),
        ("node_disk_io_now", "gauge", "The number of I/Os currently in progress.", 1),
        ("node_disk_io_time_seconds_total", "counter", "Total seconds spent doing I/Os.", Millis),
        ("node_disk_io_time_weighted_seconds_total", "counter", "The weighted # of seconds spent doing I/Os.", Millis),
        ("node_disk_discards_completed_total", "counter", "The total number of discards completed successfully.", 1),
        ("node_disk_discards_merged_total", "counter", "The total number of discards merged.", 1),
        ("node_disk_discarded_sectors_total", "counter", "The total number of sectors discarded successfully.", 1),
        ("node_disk_discard_time_seconds_total", "counter", "This is the total number of seconds spent by all discards.", Millis),
        ("node_disk_flush_requests_total", "counter", "The total number of flush requests completed successfully", 1),
        ("node_disk_flush_requests_time_seconds_total", "counter", "This is the total number of seconds spent by all flush requests.", Millis),
    ];

    private readonly string _diskstats;
    private readonly string _udevData;
    private readonly List<Device> _devices = [];

    public DiskstatsCollector(HostFiles files)
        : base(files)
    {
        _diskstats = files.Proc("diskstats");
        _udevData = files.Root("run/udev/data");
    }

    public override string Name => "diskstats";

    public override void Update(TextExpositionWriter w)
    {
        _devices.Clear();
        ReadOnlySpan<byte> text = Files.Read(_diskstats);
        while (Spans.NextLine(ref text, out ReadOnlySpan<byte> line))
        {
            if (!Spans.NextField(ref line, out ReadOnlySpan<byte> major)
                || !Spans.NextField(ref line, out ReadOnlySpan<byte> minor)
                || !Spans.NextField(ref line, out ReadOnlySpan<byte> name)
                || Excluded(name))
            {
                continue;
            }
            var values = new double[Fields.Length];
            int count = 0;
            while (count < Fields.Length && Spans.NextField(ref line, out ReadOnlySpan<byte> f))
            {
                values[count] = Spans.ParseDouble(f) * Fields[count].Scale;
                count++;
            }
            _devices.Add(new Device(Spans.ToUtf8String(name), Spans.ToUtf8String(major), Spans.ToUtf8String(minor), values, count));
        }

        w.Family("node_disk_info", "gauge", "Info of /sys/block/<block_device>.");
        foreach (Device d in _devices)
        {
            Dictionary<string, string>? udev = ReadUdev(d.Major, d.Minor);
            w.Sample("node_disk_info", InfoLabels,
                [d.Name, d.Major, d.Minor, Udev(udev, "ID_MODEL"), Udev(udev, "ID_PATH"), Udev(udev, "ID_REVISION"), Udev(udev, "ID_SERIAL_SHORT"), Udev(udev, "ID_WWN")],
                1);
        }
        for (int i = 0; i < Fields.Length; i++)
        {
            bool any = false;
            foreach (Device d in _devices)
            {
                if (d.Count > i)
                {
                    if (!any)
                    {
                        w.Family(Fields[i].Name, Fields[i].Type, Fields[i].Help);
                        any = true;
                    }
                    w.Sample(Fields[i].Name, "device", d.Name, d.Values[i]);
                }
            }
        }
    }

    /// <summary>node_exporter 1.5's --collector.diskstats.device-exclude default,
    /// <c>^(ram|loop|fd|(h|s|v|xv)d[a-z]|nvme\d+n\d+p)\d+$</c>.</summary>
    internal static bool Excluded(ReadOnlySpan<byte> name)
    {
        int end = name.Length;
        while (end > 0 && char.IsAsciiDigit((char)name[end - 1]))
        {
            end--;
        }
        if (end == name.Length)
        {
            return false;
        }
        ReadOnlySpan<byte> prefix = name[..end];
        if (prefix.SequenceEqual("ram"u8) || prefix.SequenceEqual("loop"u8) || prefix.SequenceEqual("fd"u8))
        {
            return true;
        }
        if (prefix.Length == 3 && prefix[0] is ((byte)'h' or (byte)'s' or (byte)'v') && prefix[1] == 'd' && IsLower(prefix[2]))
        {
            return true;
        }
        if (prefix.Length == 4 && prefix.StartsWith("xvd"u8) && IsLower(prefix[3]))
        {
            return true;
        }
        // nvme\d+n\d+p
        if (!prefix.StartsWith("nvme"u8) || prefix[^1] != 'p')
        {
            return false;
        }
        ReadOnlySpan<byte> middle = prefix[4..^1];
        int n = middle.IndexOf((byte)'n');
        return n > 0 && n < middle.Length - 1 && AllDigits(middle[..n]) && AllDigits(middle[(n + 1)..]);
    }

    private static bool IsLower(byte b) => b is >= (byte)'a' and <= (byte)'z';

    private static bool AllDigits(ReadOnlySpan<byte> s)
    {
        foreach (byte b in s)
        {
            if (!char.IsAsciiDigit((char)b))
            {
                return false;
            }
        }
        return true;
    }

    private Dictionary<string, string>? ReadUdev(string major, string minor)
    {
        string path = Path.Join(_udevData, "b" + major + ":" + minor);
        if (!File.Exists(path))
        {
            return null;
        }
        var props = new Dictionary<string, string>(StringComparer.Ordinal);
        try
        {
            foreach (string line in File.ReadLines(path))
            {
                int eq = line.IndexOf('=');
                if (line.StartsWith("E:", StringComparison.Ordinal) && eq > 2)
                {
                    props[line[2..eq]] = line[(eq + 1)..];
                }
            }
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return null;
        }
        return props;
    }

    private static string Udev(Dictionary<string, string>? props, string key) =>
        props is not null && props.TryGetValue(key, out string? v) ? v : "";

    private readonly record struct Device(string Name, string Major, string Minor, double[] Values, int Count);
}
