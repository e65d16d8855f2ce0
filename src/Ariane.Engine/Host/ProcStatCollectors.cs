using Ariane.Exposition;

namespace Ariane.Host;

/// <summary>node_exporter's cpu collector: per-CPU time by mode from /proc/stat.</summary>
internal sealed class CpuCollector : Collector
{
    // The kernel reports /proc/stat in USER_HZ ticks, which is 100 on every architecture Linux exposes to user space.
    private const double UserHz = 100;

    private static readonly string[] Modes = ["user", "nice", "system", "idle", "iowait", "irq", "softirq", "steal"];
    private static readonly string[] CpuMode = ["cpu", "mode"];
    private readonly string _stat;
    private readonly List<string> _cpus = [];
    private readonly List<double> _values = [];

    public CpuCollector(HostFiles files)
        : base(files)
    {
        _stat = files.Proc("stat");
    }

    public override string Name => "cpu";

    public override void Update(TextExpositionWriter w)
    {
        _cpus.Clear();
        _values.Clear();
        ReadOnlySpan<byte> text = Files.Read(_stat);
        while (Spans.NextLine(ref text, out ReadOnlySpan<byte> line))
        {
            if (!Spans.NextField(ref line, out ReadOnlySpan<byte> key) || key.Length <= 3 || !key.StartsWith("cpu"u8))
            {
                continue;
            }
            _cpus.Add(Spans.ToUtf8String(key[3..]));
            // user nice system idle iowait irq softirq steal guest guest_nice; old kernels stop early.
            for (int i = 0; i < 10; i++)
            {
                _values.Add(Spans.NextField(ref line, out ReadOnlySpan<byte> f) ? Spans.ParseDouble(f) / UserHz : 0);
            }
        }
        if (_cpus.Count == 0)
        {
            throw new NoDataException("no cpu lines in /proc/stat");
        }

        Span<string> labelValues = new string[2];
        w.Family("node_cpu_seconds_total", "counter", "Seconds the CPUs spent in each mode.");
        for (int c = 0; c < _cpus.Count; c++)
        {
            labelValues[0] = _cpus[c];
            for (int m = 0; m < Modes.Length; m++)
            {
                labelValues[1] = Modes[m];
                w.Sample("node_cpu_seconds_total", CpuMode, labelValues, _values[(c * 10) + m]);
            }
        }
        w.Family("node_cpu_guest_seconds_total", "counter", "Seconds the CPUs spent in guests (VMs) for each mode.");
        for (int c = 0; c < _cpus.Count; c++)
        {
            labelValues[0] = _cpus[c];
            labelValues[1] = "user";
            w.Sample("node_cpu_guest_seconds_total", CpuMode, labelValues, _values[(c * 10) + 8]);
            labelValues[1] = "nice";
            w.Sample("node_cpu_guest_seconds_total", CpuMode, labelValues, _values[(c * 10) + 9]);
        }
    }
}

/// <summary>node_exporter's stat collector: boot time, context switches, forks, interrupts and process counts.</summary>
internal sealed class StatCollector : Collector
{
    private readonly string _stat;

    public StatCollector(HostFiles files)
        : base(files)
    {
        _stat = files.Proc("stat");
    }

    public override string Name => "stat";

    public override void Update(TextExpositionWriter w)
    {
        double intr = 0, ctxt = 0, btime = 0, forks = 0, running = 0, blocked = 0;
        ReadOnlySpan<byte> text = Files.Read(_stat);
        while (Spans.NextLine(ref text, out ReadOnlySpan<byte> line))
        {
            if (!Spans.NextField(ref line, out ReadOnlySpan<byte> key))
            {
                continue;
            }
            if (key.SequenceEqual("intr"u8))
            {
                intr = Spans.NextDouble(ref line);
            }
            else if (key.SequenceEqual("ctxt"u8))
            {
                ctxt = Spans.NextDouble(ref line);
            }
            else if (key.SequenceEqual("btime"u8))
            {
                btime = Spans.NextDouble(ref line);
            }
            else if (key.SequenceEqual("processes"u8))
            {
                forks = Spans.NextDouble(ref line);
            }
            else if (key.SequenceEqual("procs_running"u8))
            {
                running = Spans.NextDouble(ref line);
            }
            else if (key.SequenceEqual("procs_blocked"u8))
            {
                blocked = Spans.NextDouble(ref line);
            }
        }

        w.Family("node_intr_total", "counter", "Total number of interrupts serviced.");
        w.Sample("node_intr_total", intr);
        w.Family("node_context_switches_total", "counter", "Total number of context switches.");
        w.Sample("node_context_switches_total", ctxt);
        w.Family("node_forks_total", "counter", "Total number of forks.");
        w.Sample("node_forks_total", forks);
        w.Family("node_boot_time_seconds", "gauge", "Node boot time, in unixtime.");
        w.Sample("node_boot_time_seconds", btime);
        w.Family("node_procs_running", "gauge", "Number of processes in runnable state.");
        w.Sample("node_procs_running", running);
        w.Family("node_procs_blocked", "gauge", "Number of processes blocked waiting for I/O to complete.");
        w.Sample("node_procs_blocked", blocked);
    }
}
