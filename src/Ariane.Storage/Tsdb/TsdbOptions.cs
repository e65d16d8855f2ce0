namespace Ariane.Tsdb;

/// <summary>Settings of the embedded TSDB; the defaults here are the one place they are chosen.</summary>
public sealed class TsdbOptions
{
    /// <summary>The data folder (the WAL lives in its <c>wal/</c> subfolder). Created when missing.</summary>
    public string Path { get; set; } = "data";

    /// <summary>
    /// How often the WAL is fsynced in the background. Committed samples reach the operating system at once
    /// (they survive a killed process); this bounds what a machine crash or power cut can lose.
    /// Zero or negative turns the timer off (fsync only at segment cut, <see cref="Head.Sync"/> and shutdown).
    /// </summary>
    public TimeSpan WalSyncInterval { get; set; } = TimeSpan.FromSeconds(1);

    /// <summary>A new WAL segment file starts when the current one would grow past this size (128 MiB as Prometheus).</summary>
    public long WalSegmentSize { get; set; } = 128L << 20;

    /// <summary>How many rows each top-N table of <see cref="Head.Stats"/> keeps (10 as Prometheus's status page).</summary>
    public int StatsLimit { get; set; } = 10;
}
