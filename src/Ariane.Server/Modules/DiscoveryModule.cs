using System.Diagnostics.CodeAnalysis;
using Ariane.Discovery;
using Ariane.Exposition;

namespace Ariane.Server.Modules;

/// <summary>
/// Service discovery: the <c>scrape</c> <see cref="DiscoveryManager"/>, which runs every job's discoverers (static
/// and file today) and keeps their latest target groups. The scrape module sees it only through the
/// <see cref="ITargetDiscovery"/> seam: it names the jobs to discover on every (re)load and attaches each pool to its
/// job's set. It starts before the scrape module and stops after it, so no pool ever waits on a stopped manager. Its
/// collector writes <c>prometheus_sd_*</c>. (The <c>notify</c> manager for <c>alerting.alertmanagers</c> joins it
/// with alerting.)
/// </summary>
[SuppressMessage("Design", "CA1001", Justification = "A module's end of life is StopAsync, which the host calls once for every module and which disposes the manager")]
internal sealed class DiscoveryModule : IServerModule
{
    private readonly DiscoveryManager _scrape;
    private volatile bool _started;

    /// <summary>Creates the module; its discoverers log to <paramref name="log"/> (<c>source=discovery</c>).</summary>
    public DiscoveryModule(ILogger log)
    {
        _scrape = new DiscoveryManager("scrape", log);
    }

    /// <summary>The discovery of scrape targets, for the scrape module.</summary>
    public ITargetDiscovery Scrape => _scrape;

    /// <inheritdoc/>
    public string Name => "discovery";

    /// <inheritdoc/>
    public bool Healthy => _started && _scrape.Running;

    /// <inheritdoc/>
    public void MapRoutes(IEndpointRouteBuilder routes)
    {
        // The discovered targets are answered by the web API (/api/v1/targets, from the scrape pools).
    }

    /// <inheritdoc/>
    public Task StartAsync(CancellationToken ct)
    {
        // Idle until the scrape module applies the first configuration's jobs.
        _started = true;
        return Task.CompletedTask;
    }

    /// <inheritdoc/>
    public async Task StopAsync(CancellationToken ct)
    {
        await _scrape.DisposeAsync().ConfigureAwait(false);
    }

    /// <inheritdoc/>
    public void WriteMetrics(TextExpositionWriter w) => PrometheusSelfMetrics.WriteDiscovery(w, _scrape);
}
