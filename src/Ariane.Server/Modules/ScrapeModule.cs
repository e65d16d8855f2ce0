using Ariane.Config;
using Ariane.Discovery;
using Ariane.Exposition;
using Ariane.Scrape;
using Ariane.Server.Cli;
using Ariane.Storage;

namespace Ariane.Server.Modules;

/// <summary>
/// Scraping: the <see cref="ScrapeManager"/> (one pool per job: relabelling, the scrape loops on the shared scheduler)
/// appending through the storage seam, its targets from the discovery module through the discovery seam. Start applies the first configuration (the
/// pools start scraping); a reload applies the next through <see cref="ApplyConfigAsync"/>; stop ends every loop
/// without staleness markers, so that a restart continues the series. Its collector writes <c>ariane_scrape_*</c> and
/// <c>prometheus_target_*</c>. Its HTTP endpoints (targets, metadata, scrape pools) belong
/// to the web API, which reads <see cref="Manager"/>.
/// </summary>
internal sealed class ScrapeModule : IServerModule
{
    private readonly ILogger _log;
    private readonly PrometheusConfig _initial;
    private readonly TimeProvider _time;
    private volatile bool _started;
    private volatile bool _stopped;

    /// <summary>Creates the module and its (idle) scrape manager.</summary>
    public ScrapeModule(IAppendable storage, ITargetDiscovery discovery, ServeOptions options, PrometheusConfig initial, TimeProvider time, ILogger log, ILogger scrapeLog)
    {
        _log = log;
        _initial = initial;
        _time = time;
        Manager = new ScrapeManager(storage, time, scrapeLog, discovery)
        {
            StartTimestamps = options.StartTimestampStorage,
        };
    }

    /// <summary>The scrape manager: its pools and targets, for the web API.</summary>
    public ScrapeManager Manager { get; }

    /// <inheritdoc/>
    public string Name => "scrape";

    /// <inheritdoc/>
    public bool Healthy => _started && !_stopped;

    /// <inheritdoc/>
    public void MapRoutes(IEndpointRouteBuilder routes)
    {
        // Targets, target metadata and scrape pools are answered by the web API (Api/V1), from Manager.
    }

    /// <inheritdoc/>
    public async Task StartAsync(CancellationToken ct)
    {
        await Manager.ApplyConfigAsync(_initial).ConfigureAwait(false);
        _started = true;
    }

    /// <summary>Applies a reloaded configuration: unchanged jobs keep their loops, changed ones are rebuilt.</summary>
    public Task ApplyConfigAsync(PrometheusConfig next) => Manager.ApplyConfigAsync(next);

    /// <inheritdoc/>
    public async Task StopAsync(CancellationToken ct)
    {
        if (_started)
        {
            ServerLog.ScrapeStopping(_log);
        }
        _stopped = true;
        await Manager.DisposeAsync().ConfigureAwait(false);
    }

    /// <inheritdoc/>
    public void WriteMetrics(TextExpositionWriter w)
    {
        MetricsEndpoints.WriteScrape(w, Manager);
        PrometheusSelfMetrics.WriteScrape(w, Manager, _time.GetUtcNow().ToUnixTimeMilliseconds());
    }
}
