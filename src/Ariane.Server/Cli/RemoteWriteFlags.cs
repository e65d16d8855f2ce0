using System.CommandLine;
using System.Globalization;
using Ariane.Config;
using Ariane.Remote;

namespace Ariane.Server.Cli;

/// <summary>
/// The <c>serve</c> flags that bound what one remote-write request may hold. Named after Prometheus's own receiver flag
/// (<c>--web.remote-write-receiver.accepted-protobuf-messages</c>) and Mimir's limits; defaults in <see cref="RemoteWriteLimits"/>.
/// </summary>
internal sealed class RemoteWriteFlags
{
    private readonly Option<int> _labels = new("--web.remote-write-receiver.max-label-names-per-series")
    {
        Description = "Most labels a remote-written series may have; a series with more is refused (400). 0: no limit.",
        DefaultValueFactory = _ => RemoteWriteLimits.Default.MaxLabelNamesPerSeries,
    };

    private readonly Option<int> _nameLength = new("--web.remote-write-receiver.max-label-name-length")
    {
        Description = "Longest label name (bytes) in a remote-written series; a series with a longer one is refused (400). 0: no limit.",
        DefaultValueFactory = _ => RemoteWriteLimits.Default.MaxLabelNameLength,
    };

    private readonly Option<int> _valueLength = new("--web.remote-write-receiver.max-label-value-length")
    {
        Description = "Longest label value (bytes) in a remote-written series; a series with a longer one is refused (400). 0: no limit.",
        DefaultValueFactory = _ => RemoteWriteLimits.Default.MaxLabelValueLength,
    };

    private readonly Option<string> _requestSize = new("--web.remote-write-receiver.max-request-size")
    {
        Description = "Largest remote-write request body as sent, snappy-compressed (B, KiB, MiB, GiB; at most 1GiB); larger is refused (413).",
        DefaultValueFactory = _ => Size(RemoteWriteLimits.Default.MaxRequestBytes),
    };

    private readonly Option<string> _decompressedSize = new("--web.remote-write-receiver.max-decompressed-request-size")
    {
        Description = "Largest remote-write request once decompressed (B, KiB, MiB, GiB; at most 1GiB); larger is refused (413).",
        DefaultValueFactory = _ => Size(RemoteWriteLimits.Default.MaxDecompressedBytes),
    };

    /// <summary>Adds the flags to the command.</summary>
    public void AddTo(Command cmd)
    {
        cmd.Options.Add(_labels);
        cmd.Options.Add(_nameLength);
        cmd.Options.Add(_valueLength);
        cmd.Options.Add(_requestSize);
        cmd.Options.Add(_decompressedSize);
    }

    /// <summary>Reads the flags into <paramref name="o"/>; returns an error message or null.</summary>
    public string? Apply(ParseResult pr, ServeOptions o)
    {
        int labels = pr.GetValue(_labels), name = pr.GetValue(_nameLength), value = pr.GetValue(_valueLength);
        if (labels < 0 || name < 0 || value < 0)
        {
            return "--web.remote-write-receiver.max-label-names-per-series, max-label-name-length and max-label-value-length must be 0 (no limit) or positive";
        }
        if (ParseSize(_requestSize.Name, pr.GetValue(_requestSize)!, out int request) is { } e1)
        {
            return e1;
        }
        if (ParseSize(_decompressedSize.Name, pr.GetValue(_decompressedSize)!, out int decompressed) is { } e2)
        {
            return e2;
        }
        o.RemoteWrite = new RemoteWriteLimits
        {
            MaxLabelNamesPerSeries = labels,
            MaxLabelNameLength = name,
            MaxLabelValueLength = value,
            MaxRequestBytes = request,
            MaxDecompressedBytes = decompressed,
        };
        return null;
    }

    private static string? ParseSize(string flag, string text, out int bytes)
    {
        bytes = 0;
        if (!ByteSize.TryParse(text, out long b) || b <= 0 || b > RemoteWriteLimits.MaxSettableBytes)
        {
            return $"invalid {flag} \"{text}\" (want a size from 1B to 1GiB, such as 100MiB)";
        }
        bytes = (int)b;
        return null;
    }

    private static string Size(int bytes) => bytes % (1 << 20) == 0
        ? (bytes >> 20).ToString(CultureInfo.InvariantCulture) + "MiB"
        : bytes.ToString(CultureInfo.InvariantCulture) + "B";
}
