using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using Ariane.Host;
using Ariane.Tests.Support;

namespace Ariane.Tests.Host;

/// <summary>
/// Differential test: the real node_exporter (Debian's prometheus-node-exporter 1.5) and Ariane's host collector
/// scrape the same machine; every family Ariane emits must exist in node_exporter's output with the same TYPE,
/// and every sample's label names must be a label-name set node_exporter uses for that family.
/// </summary>
public sealed class NodeExporterCompatTests
{
    private const string Binary = "/usr/bin/prometheus-node-exporter";

    // Name prefixes of node_exporter's families that belong to the collectors Ariane implements; what node_exporter
    // has under them and Ariane does not is listed as missing.
    private static readonly string[] ImplementedPrefixes =
    [
        "node_cpu_", "node_memory_", "node_load", "node_boot_time_seconds", "node_context_switches_total", "node_forks_total",
        "node_intr_total", "node_procs_", "node_time_", "node_uname_", "node_filesystem_", "node_disk_", "node_network_",
        "node_vmstat_", "node_netstat_", "node_sockstat_", "node_entropy_", "node_filefd_", "node_pressure_", "node_os_",
        "node_nf_conntrack_", "node_scrape_collector_", "node_arp_", "node_softnet_", "node_udp_queues", "node_schedstat_",
    ];

    private readonly ITestOutputHelper _output;

    public NodeExporterCompatTests(ITestOutputHelper output)
    {
        _output = output;
    }

    [Fact]
    public async Task FamiliesMatchTheRealNodeExporter()
    {
        Assert.True(File.Exists(Binary),
            $"{Binary} is missing: install Debian's prometheus-node-exporter package (test.sh does: apt-get install prometheus-node-exporter)");
        string theirsText = await ScrapeNodeExporterAsync();
        string oursText = ExpositionText.Collect(new HostCollector(TimeProvider.System));
        var theirs = ExpositionText.Parse(theirsText);
        var ours = ExpositionText.Parse(oursText);

        var failures = new List<string>();
        int checkedFamilies = 0, same = 0, helpDiffers = 0;
        foreach (var (family, type) in ours.Types.OrderBy(t => t.Key, StringComparer.Ordinal))
        {
            checkedFamilies++;
            if (!theirs.Types.TryGetValue(family, out string? theirType))
            {
                failures.Add($"{family}: node_exporter has no such family");
                continue;
            }
            if (theirType != type)
            {
                failures.Add($"{family}: TYPE {type}, node_exporter says {theirType}");
                continue;
            }
            var theirLabelSets = theirs.Samples.Where(s => s.Name == family).Select(s => string.Join(",", s.Labels.Keys)).ToHashSet();
            var ourLabelSets = ours.Samples.Where(s => s.Name == family).Select(s => string.Join(",", s.Labels.Keys)).ToHashSet();
            var odd = theirLabelSets.Count == 0 ? [] : ourLabelSets.Where(l => !theirLabelSets.Contains(l)).ToList();
            if (odd.Count > 0)
            {
                failures.Add($"{family}: labels {{{string.Join(" | ", odd)}}}, node_exporter has {{{string.Join(" | ", theirLabelSets)}}}");
                continue;
            }
            if (theirs.Helps.TryGetValue(family, out string? help) && ours.Helps.TryGetValue(family, out string? ourHelp) && help != ourHelp)
            {
                helpDiffers++;
                _output.WriteLine($"HELP differs for {family}: ours '{ourHelp}', node_exporter '{help}'");
            }
            same++;
        }

        var missing = theirs.Types.Keys
            .Where(f => ImplementedPrefixes.Any(p => f.StartsWith(p, StringComparison.Ordinal)) && !ours.Types.ContainsKey(f))
            .Order(StringComparer.Ordinal).ToList();
        var successDiffers = ours.Samples.Where(s => s.Name == "node_scrape_collector_success")
            .Where(s => theirs.Samples.Any(t => t.Name == s.Name && t.Labels["collector"] == s.Labels["collector"] && t.Value != s.Value))
            .Select(s => s.Labels["collector"] + "=" + s.Value).ToList();

        string summary = $"node_exporter compat: {checkedFamilies} families checked, {same} same name/type/labels"
            + (failures.Count > 0 ? $", {failures.Count} MISMATCHED: " + string.Join("; ", failures) : "")
            + $"; HELP text differs for {helpDiffers}"
            + $"; missing vs node_exporter ({missing.Count}): " + (missing.Count == 0 ? "none" : string.Join(", ", missing))
            + (successDiffers.Count > 0 ? "; collector success differs: " + string.Join(", ", successDiffers) : "");
        SuiteReport.Write("node-exporter-compat", summary);
        _output.WriteLine(summary);
        Assert.True(failures.Count == 0, summary);
        Assert.True(checkedFamilies > 100, "suspiciously few families: " + checkedFamilies);
    }

    private static async Task<string> ScrapeNodeExporterAsync()
    {
        int port = FreePort();
        var start = new ProcessStartInfo(Binary)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        start.ArgumentList.Add($"--web.listen-address=127.0.0.1:{port}");
        using var process = Process.Start(start) ?? throw new InvalidOperationException("could not start " + Binary);
        var log = new System.Collections.Concurrent.ConcurrentQueue<string>();
        process.OutputDataReceived += (_, e) => { if (e.Data is not null) { log.Enqueue(e.Data); } };
        process.ErrorDataReceived += (_, e) => { if (e.Data is not null) { log.Enqueue(e.Data); } };
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        try
        {
            using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(10) };
            var deadline = Stopwatch.StartNew();
            while (true)
            {
                try
                {
                    return await http.GetStringAsync(new Uri($"http://127.0.0.1:{port}/metrics"));
                }
                catch (HttpRequestException) when (deadline.Elapsed < TimeSpan.FromSeconds(20) && !process.HasExited)
                {
                    await Task.Delay(100);
                }
                catch (HttpRequestException e)
                {
                    throw new InvalidOperationException("node_exporter did not answer: " + string.Join("\n", log), e);
                }
            }
        }
        finally
        {
            if (!process.HasExited)
            {
                process.Kill(entireProcessTree: true);
            }
            await process.WaitForExitAsync();
        }
    }

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}
