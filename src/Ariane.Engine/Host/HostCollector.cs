using System.Buffers;
using Ariane.Exposition;

namespace Ariane.Host;

/// <summary>
/// Collects the host's metrics from /proc and /sys under node_exporter 1.5's names, types and label sets, and
/// writes them in the Prometheus text format, so that dashboards made for node_exporter work unchanged.
/// </summary>
/// <remarks>
/// A collector whose files are missing or malformed is skipped and reported as
/// <c>node_scrape_collector_success{collector="…"} 0</c>; <see cref="WriteTo(IBufferWriter{byte})"/> never throws
/// for that. Calls are serialised (the collectors reuse their buffers), so concurrent scrapes wait for each other.
/// </remarks>
public sealed class HostCollector
{
    private readonly TimeProvider _time;
    private readonly Collector[] _collectors;
    private readonly double[] _durations;
    private readonly bool[] _success;
    private readonly ArrayBufferWriter<byte> _scratch = new(64 * 1024);
    private readonly Lock _gate = new();

    /// <summary>Creates a collector reading the given roots (a container may mount the host's at /host/proc etc.).</summary>
    public HostCollector(TimeProvider time, string procRoot = "/proc", string sysRoot = "/sys", string rootFs = "/")
    {
        ArgumentNullException.ThrowIfNull(time);
        _time = time;
        var files = new HostFiles(procRoot, sysRoot, rootFs);
        // node_exporter 1.5's default collectors that Ariane implements, in its alphabetical order.
        _collectors =
        [
            new ArpCollector(files),
            new ConntrackCollector(files),
            new CpuCollector(files),
            new CpufreqCollector(files),
            new DiskstatsCollector(files),
            new EntropyCollector(files),
            new FilefdCollector(files),
            new FilesystemCollector(files),
            new LoadavgCollector(files),
            new MeminfoCollector(files),
            new NetclassCollector(files),
            new NetdevCollector(files),
            new NetstatCollector(files),
            new OsCollector(files),
            new PressureCollector(files),
            new SchedstatCollector(files),
            new SockstatCollector(files),
            new SoftnetCollector(files),
            new StatCollector(files),
            new TimeCollector(files, time),
            new UdpQueuesCollector(files),
            new UnameCollector(files),
            new VmstatCollector(files),
        ];
        _durations = new double[_collectors.Length];
        _success = new bool[_collectors.Length];
    }

    /// <summary>Runs every collector and writes the exposition text to <paramref name="output"/>.</summary>
    public void WriteTo(IBufferWriter<byte> output)
    {
        ArgumentNullException.ThrowIfNull(output);
        lock (_gate)
        {
            for (int i = 0; i < _collectors.Length; i++)
            {
                long start = _time.GetTimestamp();
                _scratch.ResetWrittenCount();
                bool ok;
                try
                {
                    _collectors[i].Update(new TextExpositionWriter(_scratch));
                    ok = true;
                }
                catch (Exception e) when (e is not OutOfMemoryException)
                {
                    // Whatever went wrong (a missing file, a format this code does not know), the other collectors
                    // still report; node_exporter logs the error, the success family carries it here.
                    ok = false;
                }
                _durations[i] = _time.GetElapsedTime(start).TotalSeconds;
                _success[i] = ok;
                if (ok)
                {
                    ReadOnlySpan<byte> written = _scratch.WrittenSpan;
                    written.CopyTo(output.GetSpan(written.Length));
                    output.Advance(written.Length);
                }
            }

            var w = new TextExpositionWriter(output);
            w.Family("node_scrape_collector_duration_seconds", "gauge", "node_exporter: Duration of a collector scrape.");
            for (int i = 0; i < _collectors.Length; i++)
            {
                w.Sample("node_scrape_collector_duration_seconds", "collector", _collectors[i].Name, _durations[i]);
            }
            w.Family("node_scrape_collector_success", "gauge", "node_exporter: Whether a collector succeeded.");
            for (int i = 0; i < _collectors.Length; i++)
            {
                w.Sample("node_scrape_collector_success", "collector", _collectors[i].Name, _success[i] ? 1 : 0);
            }
        }
    }

    /// <summary>Runs every collector and writes the exposition text to <paramref name="output"/>.</summary>
    public void WriteTo(Stream output)
    {
        ArgumentNullException.ThrowIfNull(output);
        var buffer = new ArrayBufferWriter<byte>(128 * 1024);
        WriteTo(buffer);
        output.Write(buffer.WrittenSpan);
    }
}
