using Ariane.Exposition;

namespace Ariane.Host;

/// <summary>
/// One of node_exporter's collectors: it reads its files and writes its families, and throws when it cannot,
/// in which case its output is discarded and <c>node_scrape_collector_success{collector=Name}</c> is 0.
/// </summary>
internal abstract class Collector
{
    protected Collector(HostFiles files)
    {
        Files = files;
    }

    /// <summary>node_exporter's name for the collector (the <c>collector</c> label).</summary>
    public abstract string Name { get; }

    protected HostFiles Files { get; }

    public abstract void Update(TextExpositionWriter w);
}

/// <summary>Thrown by a collector that found nothing to report (node_exporter's ErrNoData).</summary>
internal sealed class NoDataException : Exception
{
    public NoDataException(string message)
        : base(message)
    {
    }
}
