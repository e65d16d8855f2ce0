using Ariane.Host;
using Ariane.Tests.Support;
using Microsoft.Extensions.Time.Testing;

namespace Ariane.Tests.Host;

/// <summary>The host collector over hand-made /proc and /sys trees, so every number is known.</summary>
public sealed class HostCollectorTests
{
    private static readonly string Fixtures = Path.Combine(TestPaths.RepoRoot, "tests", "Ariane.Tests", "Host", "fixtures");

    private static readonly Lazy<(string Text, ExpositionText Parsed)> FixtureScrape = new(() =>
    {
        var time = new FakeTimeProvider(DateTimeOffset.FromUnixTimeMilliseconds(1_700_000_000_500));
        var collector = new HostCollector(time, Path.Combine(Fixtures, "proc"), Path.Combine(Fixtures, "sys"), Path.Combine(Fixtures, "rootfs"));
        string text = ExpositionText.Collect(collector);
        return (text, ExpositionText.Parse(text));
    });

    private static ExpositionText Scrape => FixtureScrape.Value.Parsed;

    [Theory]
    [InlineData("cpu=0,mode=user", 11.32)]
    [InlineData("cpu=0,mode=nice", 0.34)]
    [InlineData("cpu=0,mode=system", 14.41)]
    [InlineData("cpu=0,mode=idle", 113117.18)]
    [InlineData("cpu=0,mode=iowait", 36.75)]
    [InlineData("cpu=0,mode=irq", 1.27)]
    [InlineData("cpu=0,mode=softirq", 4.38)]
    [InlineData("cpu=0,mode=steal", 0.1)]
    [InlineData("cpu=1,mode=user", 11.23)]
    public void CpuSecondsAreTicksOverUserHz(string labels, double seconds) =>
        Assert.Equal(seconds, Scrape.Value("node_cpu_seconds_total", labels), 9);

    [Fact]
    public void CpuHasEightModesPerCpuAndGuestTime()
    {
        Assert.Equal(16, Scrape.Samples.Count(s => s.Name == "node_cpu_seconds_total"));
        Assert.Equal(0.05, Scrape.Value("node_cpu_guest_seconds_total", "cpu=0,mode=user"), 9);
        Assert.Equal(0.01, Scrape.Value("node_cpu_guest_seconds_total", "cpu=0,mode=nice"), 9);
        Assert.Equal("counter", Scrape.Types["node_cpu_seconds_total"]);
    }

    [Theory]
    [InlineData("node_boot_time_seconds", 1062191376)]
    [InlineData("node_context_switches_total", 1990473)]
    [InlineData("node_forks_total", 2915)]
    [InlineData("node_intr_total", 114930548)]
    [InlineData("node_procs_running", 1)]
    [InlineData("node_procs_blocked", 0)]
    [InlineData("node_load1", 0.21)]
    [InlineData("node_load5", 0.37)]
    [InlineData("node_load15", 0.39)]
    [InlineData("node_memory_MemTotal_bytes", 15666184.0 * 1024)]
    [InlineData("node_memory_Active_anon_bytes", 1234567.0 * 1024)]
    [InlineData("node_memory_Inactive_file_bytes", 12345.0 * 1024)]
    [InlineData("node_memory_HugePages_Total", 4)]
    [InlineData("node_memory_Hugepagesize_bytes", 2048.0 * 1024)]
    [InlineData("node_vmstat_pgpgin", 744917)]
    [InlineData("node_vmstat_pswpout", 2)]
    [InlineData("node_vmstat_pgmajfault", 882)]
    [InlineData("node_vmstat_oom_kill", 3)]
    [InlineData("node_filefd_allocated", 494)]
    [InlineData("node_filefd_maximum", 2466183)]
    [InlineData("node_entropy_available_bits", 256)]
    [InlineData("node_entropy_pool_size_bits", 256)]
    [InlineData("node_pressure_cpu_waiting_seconds_total", 30.458778)]
    [InlineData("node_pressure_io_stalled_seconds_total", 11.7514)]
    [InlineData("node_pressure_memory_waiting_seconds_total", 1.5)]
    [InlineData("node_pressure_memory_stalled_seconds_total", 0.5)]
    [InlineData("node_time_seconds", 1700000000.5)]
    [InlineData("node_netstat_Tcp_InSegs", 300)]
    [InlineData("node_netstat_Tcp_InErrs", 6)]
    [InlineData("node_netstat_Udp_InErrors", 9)]
    [InlineData("node_netstat_Ip_Forwarding", 2)]
    [InlineData("node_netstat_IpExt_InOctets", 1000)]
    [InlineData("node_netstat_TcpExt_ListenDrops", 3)]
    [InlineData("node_netstat_TcpExt_SyncookiesRecv", 1)]
    [InlineData("node_netstat_Ip6_InOctets", 600)]
    [InlineData("node_netstat_Udp6_InDatagrams", 7)]
    [InlineData("node_sockstat_sockets_used", 13)]
    [InlineData("node_sockstat_TCP_inuse", 1)]
    [InlineData("node_nf_conntrack_entries", 42)]
    [InlineData("node_nf_conntrack_entries_limit", 262144)]
    [InlineData("node_nf_conntrack_stat_found", 3)]
    [InlineData("node_nf_conntrack_stat_invalid", 17)]
    [InlineData("node_nf_conntrack_stat_insert", 2)]
    [InlineData("node_nf_conntrack_stat_search_restart", 7)]
    public void UnlabelledValues(string name, double expected) => Assert.Equal(expected, Scrape.Value(name), 6);

    [Fact]
    public void MemoryFamiliesAreGaugesWithNodeExporterHelp()
    {
        Assert.Equal("gauge", Scrape.Types["node_memory_MemTotal_bytes"]);
        Assert.Equal("Memory information field MemTotal_bytes.", Scrape.Helps["node_memory_MemTotal_bytes"]);
        Assert.Equal("untyped", Scrape.Types["node_vmstat_pgfault"]);
    }

    [Fact]
    public void FilteredFieldsAreLeftOut()
    {
        Assert.False(Scrape.Has("node_vmstat_nr_free_pages"));
        Assert.False(Scrape.Has("node_vmstat_pgfree"));
        Assert.False(Scrape.Has("node_netstat_Ip_DefaultTTL"));
        Assert.False(Scrape.Has("node_netstat_TcpExt_PruneCalled"));
        Assert.False(Scrape.Has("node_netstat_Ip6_InReceives"));
        Assert.Equal(3.0 * Environment.SystemPageSize, Scrape.Value("node_sockstat_TCP_mem_bytes"));
    }

    [Fact]
    public void DiskstatsScaleSectorsAndMillisecondsAndExcludePartitions()
    {
        const string sda = "device=sda";
        Assert.Equal(25354637, Scrape.Value("node_disk_reads_completed_total", sda));
        Assert.Equal(34367663, Scrape.Value("node_disk_reads_merged_total", sda));
        Assert.Equal(1003346126.0 * 512, Scrape.Value("node_disk_read_bytes_total", sda));
        Assert.Equal(18492.372, Scrape.Value("node_disk_read_time_seconds_total", sda), 9);
        Assert.Equal(505697032.0 * 512, Scrape.Value("node_disk_written_bytes_total", sda));
        Assert.Equal(9, Scrape.Value("node_disk_io_now", sda));
        Assert.Equal(9759.304, Scrape.Value("node_disk_io_time_seconds_total", sda), 9);
        Assert.Equal(82499.6, Scrape.Value("node_disk_io_time_weighted_seconds_total", sda), 9);
        Assert.Equal(141496, Scrape.Value("node_disk_discarded_sectors_total", sda));
        Assert.Equal(338, Scrape.Value("node_disk_flush_requests_total", sda));
        Assert.Equal(0.016, Scrape.Value("node_disk_flush_requests_time_seconds_total", sda), 9);
        Assert.Equal(1032.546, Scrape.Value("node_disk_io_time_weighted_seconds_total", "device=nvme0n1"), 9);
        // nvme0n1 predates discards: it has no such sample, and sda still does.
        Assert.Single(Scrape.Samples, s => s.Name == "node_disk_discards_completed_total");
        var devices = Scrape.Samples.Where(s => s.Name == "node_disk_reads_completed_total").Select(s => s.Labels["device"]).ToList();
        Assert.Equal(["sda", "nvme0n1"], devices);
        Assert.Equal(1, Scrape.Value("node_disk_info", "device=sda,major=8,minor=0,model=Fixture_Disk,path=pci-0000:00:1f.2-ata-1,revision=,serial=SN123,wwn="));
    }

    [Theory]
    [InlineData("sda1", true)]
    [InlineData("sda", false)]
    [InlineData("vdb12", true)]
    [InlineData("xvda1", true)]
    [InlineData("hdc3", true)]
    [InlineData("sdaa1", false)]
    [InlineData("loop0", true)]
    [InlineData("ram15", true)]
    [InlineData("fd0", true)]
    [InlineData("nvme0n1", false)]
    [InlineData("nvme0n1p2", true)]
    [InlineData("nvme10n12p3", true)]
    [InlineData("dm-0", false)]
    [InlineData("md127", false)]
    [InlineData("zram0", false)]
    [InlineData("mmcblk0p1", false)]
    public void DiskDeviceExclusionMatchesNodeExporterDefault(string device, bool excluded) =>
        Assert.Equal(excluded, DiskstatsCollector.Excluded(System.Text.Encoding.ASCII.GetBytes(device)));

    [Fact]
    public void NetdevSkipsLoopbackAndReadsAllColumns()
    {
        Assert.Equal(77189642, Scrape.Value("node_network_receive_bytes_total", "device=eth0"));
        Assert.Equal(1, Scrape.Value("node_network_receive_errs_total", "device=eth0"));
        Assert.Equal(6, Scrape.Value("node_network_receive_multicast_total", "device=eth0"));
        Assert.Equal(10, Scrape.Value("node_network_transmit_colls_total", "device=eth0"));
        Assert.Equal(12, Scrape.Value("node_network_transmit_compressed_total", "device=eth0"));
        Assert.Equal(0, Scrape.Value("node_network_receive_nohandler_total", "device=eth0"));
        Assert.DoesNotContain(Scrape.Samples, s => s.Name == "node_network_receive_bytes_total" && s.Labels["device"] == "lo");
    }

    [Fact]
    public void NetclassReportsPropertiesThatExist()
    {
        Assert.Equal(1, Scrape.Value("node_network_up", "device=eth0"));
        Assert.Equal(0, Scrape.Value("node_network_up", "device=lo"));
        Assert.Equal(1500, Scrape.Value("node_network_mtu_bytes", "device=eth0"));
        Assert.Equal(125_000_000, Scrape.Value("node_network_speed_bytes", "device=eth0"));
        Assert.Equal(4099, Scrape.Value("node_network_flags", "device=eth0"));
        Assert.Equal(1, Scrape.Value("node_network_info", "address=02:fc:00:00:00:01,broadcast=ff:ff:ff:ff:ff:ff,device=eth0,duplex=full,ifalias=,operstate=up"));
        Assert.DoesNotContain(Scrape.Samples, s => s.Name == "node_network_carrier" && s.Labels["device"] == "lo");
        Assert.Equal("counter", Scrape.Types["node_network_carrier_changes_total"]);
    }

    [Theory]
    [InlineData("node_arp_entries", "device=eth0", 2)]
    [InlineData("node_arp_entries", "device=eth1", 1)]
    [InlineData("node_softnet_processed_total", "cpu=0", 0x38)]
    [InlineData("node_softnet_processed_total", "cpu=1", 0x7fe)]
    [InlineData("node_softnet_dropped_total", "cpu=1", 1)]
    [InlineData("node_softnet_times_squeezed_total", "cpu=0", 2)]
    [InlineData("node_udp_queues", "ip=v4,queue=tx", 0x11)]
    [InlineData("node_udp_queues", "ip=v4,queue=rx", 0x101)]
    [InlineData("node_udp_queues", "ip=v6,queue=rx", 0)]
    [InlineData("node_schedstat_running_seconds_total", "cpu=0", 2)]
    [InlineData("node_schedstat_waiting_seconds_total", "cpu=0", 0.5)]
    [InlineData("node_schedstat_timeslices_total", "cpu=1", 99)]
    [InlineData("node_cpu_scaling_frequency_hertz", "cpu=1", 2.4e9)]
    [InlineData("node_cpu_scaling_frequency_max_hertz", "cpu=0", 3e9)]
    [InlineData("node_cpu_scaling_frequency_min_hertz", "cpu=0", 8e8)]
    [InlineData("node_cpu_frequency_max_hertz", "cpu=0", 3e9)]
    public void LabelledValues(string name, string labels, double expected) => Assert.Equal(expected, Scrape.Value(name, labels), 9);

    [Fact]
    public void FilesystemAppliesNodeExporterExclusionsAndStatsTheRest()
    {
        var mounts = Scrape.Samples.Where(s => s.Name == "node_filesystem_device_error")
            .Select(s => ExpositionText.Format(s.Labels) + " " + s.Value).ToList();
        Assert.Equal(
        [
            "device=/dev/vda,fstype=ext4,mountpoint=/ 0",
            "device=/dev/vdb,fstype=xfs,mountpoint=/data 0",
            "device=/dev/vdc,fstype=ext4,mountpoint=/missing disk 1",
        ], mounts);
        Assert.Equal(1, Scrape.Value("node_filesystem_readonly", "device=/dev/vdb,fstype=xfs,mountpoint=/data"));
        Assert.Equal(0, Scrape.Value("node_filesystem_readonly", "device=/dev/vda,fstype=ext4,mountpoint=/"));
        Assert.True(Scrape.Value("node_filesystem_size_bytes", "device=/dev/vda,fstype=ext4,mountpoint=/") > 0);
        Assert.DoesNotContain(Scrape.Samples, s => s.Name == "node_filesystem_size_bytes" && s.Labels["mountpoint"] == "/missing disk");
    }

    [Theory]
    [InlineData("/dev", true)]
    [InlineData("/dev/shm", true)]
    [InlineData("/devices", false)]
    [InlineData("/proc", true)]
    [InlineData("/sys/fs/cgroup", true)]
    [InlineData("/run/credentials", false)]
    [InlineData("/run/credentials/x.service", true)]
    [InlineData("/run", false)]
    [InlineData("/var/lib/docker", false)]
    [InlineData("/var/lib/docker/overlay2/x/merged", true)]
    [InlineData("/var/lib/containers/storage/overlay", true)]
    [InlineData("/", false)]
    [InlineData("/home", false)]
    public void MountPointExclusionMatchesNodeExporterDefault(string mountPoint, bool excluded) =>
        Assert.Equal(excluded, FilesystemCollector.MountPointExcluded(mountPoint));

    [Fact]
    public void UnameTimeAndOs()
    {
        var uname = Assert.Single(Scrape.Samples, s => s.Name == "node_uname_info");
        Assert.Equal("fixture-host", uname.Labels["nodename"]);
        Assert.Equal("6.1.0-test", uname.Labels["release"]);
        Assert.Equal("Linux", uname.Labels["sysname"]);
        Assert.Equal("#1 SMP PREEMPT_DYNAMIC Debian", uname.Labels["version"]);
        Assert.Equal("(none)", uname.Labels["domainname"]);
        Assert.Equal(["domainname", "machine", "nodename", "release", "sysname", "version"], uname.Labels.Keys);
        Assert.Equal(1, Scrape.Value("node_time_clocksource_current_info", "clocksource=tsc,device=0"));
        Assert.Equal(3, Scrape.Samples.Count(s => s.Name == "node_time_clocksource_available_info"));
        Assert.Equal(12, Scrape.Value("node_os_version", "id=debian,id_like=,name=Debian GNU/Linux"));
        var os = Assert.Single(Scrape.Samples, s => s.Name == "node_os_info");
        Assert.Equal("Debian GNU/Linux 12 (bookworm)", os.Labels["pretty_name"]);
        Assert.Equal("bookworm", os.Labels["version_codename"]);
    }

    [Fact]
    public void EveryCollectorSucceedsOnTheFixtures()
    {
        var results = Scrape.Samples.Where(s => s.Name == "node_scrape_collector_success").ToDictionary(s => s.Labels["collector"], s => s.Value);
        Assert.All(results, r => Assert.True(r.Value == 1, r.Key + " failed"));
        Assert.Equal(results.Count, Scrape.Samples.Count(s => s.Name == "node_scrape_collector_duration_seconds"));
    }

    [Fact]
    public void MissingRootsFailEveryFileCollectorWithoutThrowing()
    {
        string nowhere = Path.Combine(Path.GetTempPath(), "ariane-no-such-root-" + Guid.NewGuid().ToString("N"));
        var collector = new HostCollector(new FakeTimeProvider(), nowhere, nowhere, nowhere);
        var scrape = ExpositionText.Parse(ExpositionText.Collect(collector));
        var results = scrape.Samples.Where(s => s.Name == "node_scrape_collector_success").ToDictionary(s => s.Labels["collector"], s => s.Value);
        Assert.Equal(0, results["cpu"]);
        Assert.Equal(0, results["meminfo"]);
        Assert.Equal(0, results["filesystem"]);
        Assert.Equal(0, results["netclass"]);
        Assert.Equal(1, results["time"]);
        Assert.False(scrape.Has("node_cpu_seconds_total"));
        Assert.True(scrape.Has("node_time_seconds"));
    }

    [Fact]
    public void EveryFamilyHasHelpAndTypeOnce()
    {
        string text = FixtureScrape.Value.Text;
        var typeLines = text.Split('\n').Where(l => l.StartsWith("# TYPE ", StringComparison.Ordinal)).Select(l => l.Split(' ')[2]).ToList();
        Assert.Equal(typeLines.Count, typeLines.Distinct().Count());
        Assert.All(typeLines, name => Assert.True(Scrape.Helps.ContainsKey(name), name + " has no HELP"));
        Assert.All(Scrape.Samples, s => Assert.True(Scrape.Types.ContainsKey(s.Name), s.Name + " has no TYPE"));
    }
}
