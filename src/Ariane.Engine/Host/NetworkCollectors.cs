using Ariane.Exposition;

namespace Ariane.Host;

/// <summary>node_exporter's netdev collector: per-interface counters from /proc/net/dev.</summary>
internal sealed class NetdevCollector : Collector
{
    // IFF_LOOPBACK: node_exporter 1.5 reads the counters over netlink and leaves loopback devices out.
    private const int LoopbackFlag = 0x8;

    private static readonly string[] Stats =
    [
        "receive_bytes", "receive_packets", "receive_errs", "receive_drop", "receive_fifo", "receive_frame", "receive_compressed", "receive_multicast",
        "transmit_bytes", "transmit_packets", "transmit_errs", "transmit_drop", "transmit_fifo", "transmit_colls", "transmit_carrier", "transmit_compressed",
        "receive_nohandler",
    ];

    private readonly string _dev;
    private readonly string _classNet;
    private readonly List<(string Device, double[] Values)> _devices = [];

    public NetdevCollector(HostFiles files)
        : base(files)
    {
        _dev = files.Proc("net/dev");
        _classNet = files.Sys("class/net");
    }

    public override string Name => "netdev";

    public override void Update(TextExpositionWriter w)
    {
        _devices.Clear();
        ReadOnlySpan<byte> text = Files.Read(_dev);
        while (Spans.NextLine(ref text, out ReadOnlySpan<byte> line))
        {
            int colon = line.IndexOf((byte)':');
            if (colon < 0 || line.IndexOf((byte)'|') >= 0)
            {
                continue;
            }
            string device = Spans.ToUtf8String(line[..colon].Trim(" \t"u8));
            ReadOnlySpan<byte> rest = line[(colon + 1)..];
            var values = new double[Stats.Length];
            for (int i = 0; i < 16; i++)
            {
                values[i] = Spans.NextDouble(ref rest);
            }
            string sys = Path.Join(_classNet, device);
            if (HostFiles.TryReadDouble(Path.Join(sys, "flags"), out double flags) && ((long)flags & LoopbackFlag) != 0)
            {
                continue;
            }
            // /proc/net/dev lacks rx_nohandler, which netlink (and so node_exporter) reports.
            values[16] = HostFiles.TryReadDouble(Path.Join(sys, "statistics/rx_nohandler"), out double nohandler) ? nohandler : double.NaN;
            _devices.Add((device, values));
        }
        _devices.Sort(static (a, b) => string.CompareOrdinal(a.Device, b.Device));

        for (int i = 0; i < Stats.Length; i++)
        {
            string name = "node_network_" + Stats[i] + "_total";
            bool any = false;
            foreach (var (device, values) in _devices)
            {
                if (double.IsNaN(values[i]))
                {
                    continue;
                }
                if (!any)
                {
                    w.Family(name, "counter", "Network device statistic " + Stats[i] + ".");
                    any = true;
                }
                w.Sample(name, "device", device, values[i]);
            }
        }
    }
}

/// <summary>node_exporter's netclass collector: interface properties from /sys/class/net/&lt;iface&gt;.</summary>
internal sealed class NetclassCollector : Collector
{
    private static readonly string[] InfoLabels = ["address", "broadcast", "device", "duplex", "ifalias", "operstate"];

    // sysfs attribute, metric suffix, type; read per interface, skipped where the kernel refuses (carrier of a
    // down interface) as node_exporter does.
    private static readonly (string File, string Metric, string Type)[] Properties =
    [
        ("addr_assign_type", "address_assign_type", "gauge"),
        ("carrier", "carrier", "gauge"),
        ("carrier_changes", "carrier_changes_total", "counter"),
        ("carrier_up_count", "carrier_up_changes_total", "counter"),
        ("carrier_down_count", "carrier_down_changes_total", "counter"),
        ("dev_id", "device_id", "gauge"),
        ("dormant", "dormant", "gauge"),
        ("flags", "flags", "gauge"),
        ("ifindex", "iface_id", "gauge"),
        ("iflink", "iface_link", "gauge"),
        ("link_mode", "iface_link_mode", "gauge"),
        ("mtu", "mtu_bytes", "gauge"),
        ("name_assign_type", "name_assign_type", "gauge"),
        ("netdev_group", "net_dev_group", "gauge"),
        ("type", "protocol_type", "gauge"),
        ("speed", "speed_bytes", "gauge"),
        ("tx_queue_len", "transmit_queue_length", "gauge"),
    ];

    private readonly string _classNet;

    public NetclassCollector(HostFiles files)
        : base(files)
    {
        _classNet = files.Sys("class/net");
    }

    public override string Name => "netclass";

    public override void Update(TextExpositionWriter w)
    {
        var devices = new List<string>();
        foreach (string dir in Directory.EnumerateDirectories(_classNet))
        {
            devices.Add(Path.GetFileName(dir));
        }
        devices.Sort(StringComparer.Ordinal);
        var values = new double[devices.Count, Properties.Length];
        var info = new string[devices.Count][];
        for (int d = 0; d < devices.Count; d++)
        {
            string dir = Path.Join(_classNet, devices[d]);
            for (int p = 0; p < Properties.Length; p++)
            {
                values[d, p] = HostFiles.TryReadDouble(Path.Join(dir, Properties[p].File), out double v) ? v : double.NaN;
            }
            // speed is in Mbit/s; node_exporter reports bytes per second.
            int speed = Properties.Length - 2;
            values[d, speed] *= 1000 * 1000 / 8.0;
            info[d] =
            [
                HostFiles.TryReadString(Path.Join(dir, "address")) ?? "",
                HostFiles.TryReadString(Path.Join(dir, "broadcast")) ?? "",
                devices[d],
                HostFiles.TryReadString(Path.Join(dir, "duplex")) ?? "",
                HostFiles.TryReadString(Path.Join(dir, "ifalias")) ?? "",
                HostFiles.TryReadString(Path.Join(dir, "operstate")) ?? "",
            ];
        }

        w.Family("node_network_info", "gauge", "Non-numeric data from /sys/class/net/<iface>, value is always 1.");
        for (int d = 0; d < devices.Count; d++)
        {
            w.Sample("node_network_info", InfoLabels, info[d], 1);
        }
        w.Family("node_network_up", "gauge", "Value is 1 if operstate is 'up', 0 otherwise.");
        for (int d = 0; d < devices.Count; d++)
        {
            w.Sample("node_network_up", "device", devices[d], info[d][5] == "up" ? 1 : 0);
        }
        for (int p = 0; p < Properties.Length; p++)
        {
            string name = "node_network_" + Properties[p].Metric;
            bool any = false;
            for (int d = 0; d < devices.Count; d++)
            {
                if (double.IsNaN(values[d, p]))
                {
                    continue;
                }
                if (!any)
                {
                    w.Family(name, Properties[p].Type, "Network device property: " + Properties[p].Metric);
                    any = true;
                }
                w.Sample(name, "device", devices[d], values[d, p]);
            }
        }
    }
}

/// <summary>
/// node_exporter's netstat collector: /proc/net/netstat, /proc/net/snmp and /proc/net/snmp6, filtered by its
/// default field list.
/// </summary>
internal sealed class NetstatCollector : Collector
{
    private readonly string _netstat;
    private readonly string _snmp;
    private readonly string _snmp6;
    private readonly SortedDictionary<string, double> _stats = new(StringComparer.Ordinal);

    public NetstatCollector(HostFiles files)
        : base(files)
    {
        _netstat = files.Proc("net/netstat");
        _snmp = files.Proc("net/snmp");
        _snmp6 = files.Proc("net/snmp6");
    }

    public override string Name => "netstat";

    public override void Update(TextExpositionWriter w)
    {
        _stats.Clear();
        ReadPairs(Files.Read(_netstat));
        ReadPairs(Files.Read(_snmp));
        if (File.Exists(_snmp6))
        {
            ReadSnmp6(Files.Read(_snmp6));
        }
        foreach (var (key, value) in _stats)
        {
            if (!Included(key))
            {
                continue;
            }
            string name = "node_netstat_" + key;
            w.Family(name, "untyped", "Statistic " + key.Replace("_", "", StringComparison.Ordinal) + ".");
            w.Sample(name, value);
        }
    }

    /// <summary>The header/value line pairs of netstat and snmp: "Tcp: RtoAlgorithm ..." then "Tcp: 1 ...".</summary>
    private void ReadPairs(ReadOnlySpan<byte> text)
    {
        while (Spans.NextLine(ref text, out ReadOnlySpan<byte> names) && Spans.NextLine(ref text, out ReadOnlySpan<byte> values))
        {
            if (!Spans.NextField(ref names, out ReadOnlySpan<byte> protocol) || !Spans.NextField(ref values, out _))
            {
                continue;
            }
            string prefix = Spans.ToUtf8String(protocol.TrimEnd((byte)':')) + "_";
            while (Spans.NextField(ref names, out ReadOnlySpan<byte> name) && Spans.NextField(ref values, out ReadOnlySpan<byte> value))
            {
                _stats[prefix + Spans.ToUtf8String(name)] = Spans.ParseDouble(value);
            }
        }
    }

    /// <summary>snmp6's "Ip6InReceives 123" lines; the protocol is the name up to its first '6'.</summary>
    private void ReadSnmp6(ReadOnlySpan<byte> text)
    {
        while (Spans.NextLine(ref text, out ReadOnlySpan<byte> line))
        {
            if (!Spans.NextField(ref line, out ReadOnlySpan<byte> key) || !Spans.NextField(ref line, out ReadOnlySpan<byte> value))
            {
                continue;
            }
            int six = key.IndexOf((byte)'6');
            if (six < 0)
            {
                continue;
            }
            _stats[Spans.ToUtf8String(key[..(six + 1)]) + "_" + Spans.ToUtf8String(key[(six + 1)..])] = Spans.ParseDouble(value);
        }
    }

    /// <summary>node_exporter 1.5's --collector.netstat.fields default, as code.</summary>
    internal static bool Included(string key)
    {
        int sep = key.IndexOf('_', StringComparison.Ordinal);
        if (sep <= 0)
        {
            return false;
        }
        string protocol = key[..sep];
        string field = key[(sep + 1)..];
        if (field.EndsWith("_InErrors", StringComparison.Ordinal) || field.EndsWith("_InErrs", StringComparison.Ordinal)
            || field is "InErrors" or "InErrs")
        {
            return true;
        }
        return protocol switch
        {
            "Ip" => field == "Forwarding",
            "Ip6" or "IpExt" => field is "InOctets" or "OutOctets",
            "Icmp" or "Icmp6" => field is "InMsgs" or "OutMsgs",
            "TcpExt" => field.StartsWith("Listen", StringComparison.Ordinal) || field.StartsWith("Syncookies", StringComparison.Ordinal)
                || field is "TCPSynRetrans" or "TCPTimeouts",
            "Tcp" => field is "ActiveOpens" or "InSegs" or "OutSegs" or "OutRsts" or "PassiveOpens" or "RetransSegs" or "CurrEstab",
            "Udp" or "Udp6" => field is "InDatagrams" or "OutDatagrams" or "NoPorts" or "RcvbufErrors" or "SndbufErrors",
            _ => false,
        };
    }
}

/// <summary>node_exporter's sockstat collector: socket counts per protocol from /proc/net/sockstat and sockstat6.</summary>
internal sealed class SockstatCollector : Collector
{
    private readonly string _sockstat;
    private readonly string _sockstat6;
    private readonly double _pageSize = Environment.SystemPageSize;

    public SockstatCollector(HostFiles files)
        : base(files)
    {
        _sockstat = files.Proc("net/sockstat");
        _sockstat6 = files.Proc("net/sockstat6");
    }

    public override string Name => "sockstat";

    public override void Update(TextExpositionWriter w)
    {
        var stats = new SortedDictionary<string, (double Value, string Help)>(StringComparer.Ordinal);
        Read(Files.Read(_sockstat), stats);
        if (File.Exists(_sockstat6))
        {
            Read(Files.Read(_sockstat6), stats);
        }
        foreach (var (name, (value, help)) in stats)
        {
            w.Family(name, "gauge", help);
            w.Sample(name, value);
        }
    }

    private void Read(ReadOnlySpan<byte> text, SortedDictionary<string, (double, string)> stats)
    {
        while (Spans.NextLine(ref text, out ReadOnlySpan<byte> line))
        {
            if (!Spans.NextField(ref line, out ReadOnlySpan<byte> protocolField))
            {
                continue;
            }
            string protocol = Spans.ToUtf8String(protocolField.TrimEnd((byte)':'));
            while (Spans.NextField(ref line, out ReadOnlySpan<byte> key) && Spans.NextField(ref line, out ReadOnlySpan<byte> value))
            {
                string k = Spans.ToUtf8String(key);
                double v = Spans.ParseDouble(value);
                if (protocol == "sockets")
                {
                    stats["node_sockstat_sockets_" + k] = (v, "Number of IPv4 sockets in use.");
                    continue;
                }
                stats["node_sockstat_" + protocol + "_" + k] = (v, "Number of " + protocol + " sockets in state " + k + ".");
                if (k == "mem")
                {
                    // mem counts pages; node_exporter adds the byte figure beside it.
                    stats["node_sockstat_" + protocol + "_mem_bytes"] = (v * _pageSize, "Number of " + protocol + " sockets in state mem_bytes.");
                }
            }
        }
    }
}

/// <summary>node_exporter's conntrack collector: the connection-tracking table's size, limit and per-CPU statistics.</summary>
internal sealed class ConntrackCollector : Collector
{
    private static readonly (string Column, string Help)[] Stats =
    [
        ("drop", "Number of packets dropped due to conntrack failure."),
        ("early_drop", "Number of dropped conntrack entries to make room for new ones, if maximum table size was reached."),
        ("found", "Number of searched entries which were successful."),
        ("ignore", "Number of packets seen which are already connected to a conntrack entry."),
        ("insert", "Number of entries inserted into the list."),
        ("insert_failed", "Number of entries for which list insertion was attempted but failed."),
        ("invalid", "Number of packets seen which can not be tracked."),
        ("search_restart", "Number of conntrack table lookups which had to be restarted due to hashtable resizes."),
    ];

    private readonly string _count;
    private readonly string _max;
    private readonly string _stat;

    public ConntrackCollector(HostFiles files)
        : base(files)
    {
        _count = files.Proc("sys/net/netfilter/nf_conntrack_count");
        _max = files.Proc("sys/net/netfilter/nf_conntrack_max");
        _stat = files.Proc("net/stat/nf_conntrack");
    }

    public override string Name => "conntrack";

    public override void Update(TextExpositionWriter w)
    {
        if (!HostFiles.TryReadDouble(_count, out double count) || !HostFiles.TryReadDouble(_max, out double max))
        {
            throw new NoDataException("connection tracking is not loaded");
        }
        w.Family("node_nf_conntrack_entries", "gauge", "Number of currently allocated flow entries for connection tracking.");
        w.Sample("node_nf_conntrack_entries", count);
        w.Family("node_nf_conntrack_entries_limit", "gauge", "Maximum size of connection tracking table.");
        w.Sample("node_nf_conntrack_entries_limit", max);
        if (File.Exists(_stat))
        {
            WriteStats(w, Files.Read(_stat));
        }
    }

    /// <summary>Sums the per-CPU columns of /proc/net/stat/nf_conntrack (a header, then one hexadecimal row per CPU).</summary>
    private static void WriteStats(TextExpositionWriter w, ReadOnlySpan<byte> text)
    {
        if (!Spans.NextLine(ref text, out ReadOnlySpan<byte> header))
        {
            return;
        }
        var columns = new List<string>();
        while (Spans.NextField(ref header, out ReadOnlySpan<byte> column))
        {
            columns.Add(Spans.ToUtf8String(column));
        }
        var sums = new double[columns.Count];
        while (Spans.NextLine(ref text, out ReadOnlySpan<byte> row))
        {
            for (int i = 0; i < columns.Count && Spans.NextField(ref row, out ReadOnlySpan<byte> cell); i++)
            {
                sums[i] += ulong.Parse(cell, System.Globalization.NumberStyles.AllowHexSpecifier, System.Globalization.CultureInfo.InvariantCulture);
            }
        }
        foreach (var (column, help) in Stats)
        {
            int i = columns.IndexOf(column);
            if (i >= 0)
            {
                string name = "node_nf_conntrack_stat_" + column;
                w.Family(name, "gauge", help);
                w.Sample(name, sums[i]);
            }
        }
    }
}
