using System.Text;
using Ariane.Exposition;

namespace Ariane.Host;

/// <summary>node_exporter's meminfo collector: one gauge per /proc/meminfo field.</summary>
internal sealed class MeminfoCollector : Collector
{
    private readonly string _meminfo;
    private readonly Dictionary<string, (string Name, string Help)> _names = new(StringComparer.Ordinal);

    public MeminfoCollector(HostFiles files)
        : base(files)
    {
        _meminfo = files.Proc("meminfo");
    }

    public override string Name => "meminfo";

    public override void Update(TextExpositionWriter w)
    {
        ReadOnlySpan<byte> text = Files.Read(_meminfo);
        int count = 0;
        while (Spans.NextLine(ref text, out ReadOnlySpan<byte> line))
        {
            int colon = line.IndexOf((byte)':');
            if (colon <= 0)
            {
                continue;
            }
            ReadOnlySpan<byte> key = line[..colon];
            ReadOnlySpan<byte> rest = line[(colon + 1)..];
            double value = Spans.NextDouble(ref rest);
            bool kb = Spans.NextField(ref rest, out ReadOnlySpan<byte> unit) && unit.SequenceEqual("kB"u8);
            (string name, string help) = NameOf(key, kb);
            w.Family(name, "gauge", help);
            w.Sample(name, kb ? value * 1024 : value);
            count++;
        }
        if (count == 0)
        {
            throw new NoDataException("/proc/meminfo is empty");
        }
    }

    /// <summary>
    /// node_exporter's naming: "Active(anon)" becomes "Active_anon", and fields counted in kB get "_bytes".
    /// The names are cached, as the set of fields does not change while the kernel runs.
    /// </summary>
    private (string Name, string Help) NameOf(ReadOnlySpan<byte> key, bool kb)
    {
        var lookup = _names.GetAlternateLookup<ReadOnlySpan<char>>();
        Span<char> raw = stackalloc char[key.Length + 1];
        int n = Encoding.UTF8.GetChars(key, raw);
        raw[n++] = kb ? 'b' : 'n';
        if (lookup.TryGetValue(raw[..n], out var cached))
        {
            return cached;
        }
        var field = new StringBuilder(key.Length + 8);
        for (int i = 0; i < key.Length; i++)
        {
            char c = (char)key[i];
            if (c == '(')
            {
                field.Append('_');
            }
            else if (c != ')')
            {
                field.Append(c);
            }
        }
        if (kb)
        {
            field.Append("_bytes");
        }
        string f = field.ToString();
        var entry = ("node_memory_" + f, "Memory information field " + f + ".");
        _names[new string(raw[..n])] = entry;
        return entry;
    }
}

/// <summary>node_exporter's vmstat collector with its default field filter <c>^(oom_kill|pgpg|pswp|pg.*fault).*</c>.</summary>
internal sealed class VmstatCollector : Collector
{
    private readonly string _vmstat;

    public VmstatCollector(HostFiles files)
        : base(files)
    {
        _vmstat = files.Proc("vmstat");
    }

    public override string Name => "vmstat";

    public override void Update(TextExpositionWriter w)
    {
        ReadOnlySpan<byte> text = Files.Read(_vmstat);
        while (Spans.NextLine(ref text, out ReadOnlySpan<byte> line))
        {
            if (!Spans.NextField(ref line, out ReadOnlySpan<byte> key) || !Included(key))
            {
                continue;
            }
            double value = Spans.NextDouble(ref line);
            string field = Spans.ToUtf8String(key);
            string name = "node_vmstat_" + field;
            w.Family(name, "untyped", "/proc/vmstat information field " + field + ".");
            w.Sample(name, value);
        }
    }

    internal static bool Included(ReadOnlySpan<byte> key) =>
        key.StartsWith("oom_kill"u8) || key.StartsWith("pgpg"u8) || key.StartsWith("pswp"u8)
        || (key.StartsWith("pg"u8) && key[2..].IndexOf("fault"u8) >= 0);
}
