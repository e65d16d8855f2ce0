namespace Ariane.Remote;

/// <summary>
/// The bounds the remote-write receiver puts on one request, so that no request can take the server's memory: the
/// body's size before and after decompression, and per series the number of labels and the length of each name and
/// value. Defaults are Grafana Mimir's (<c>max_label_names_per_series</c>, <c>max_label_name_length</c>,
/// <c>max_label_value_length</c>, the distributor's <c>max_recv_msg_size</c>); 0 means no limit, except for the sizes.
/// </summary>
public sealed record RemoteWriteLimits
{
    /// <summary>The defaults.</summary>
    public static readonly RemoteWriteLimits Default = new();

    /// <summary>The largest size either request limit may be set to: buffers are arrays, and 1 GiB is far past any sender's batch.</summary>
    public const long MaxSettableBytes = 1L << 30;

    /// <summary>Most labels one series may have (Mimir: 30).</summary>
    public int MaxLabelNamesPerSeries { get; init; } = 30;

    /// <summary>Longest label name, in bytes of UTF-8 (Mimir: 1024).</summary>
    public int MaxLabelNameLength { get; init; } = 1024;

    /// <summary>Longest label value, in bytes of UTF-8 (Mimir: 2048).</summary>
    public int MaxLabelValueLength { get; init; } = 2048;

    /// <summary>Largest request body as sent, snappy-compressed (Mimir's <c>max_recv_msg_size</c>: 100 MiB).</summary>
    public int MaxRequestBytes { get; init; } = 100 << 20;

    /// <summary>Largest request once decompressed (Mimir applies the same 100 MiB to it).</summary>
    public int MaxDecompressedBytes { get; init; } = 100 << 20;
}
