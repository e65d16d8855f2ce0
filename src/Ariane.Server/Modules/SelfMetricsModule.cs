using System.Diagnostics.CodeAnalysis;
using Ariane.Exposition;

namespace Ariane.Server.Modules;

/// <summary>
/// The server itself: its build, configuration and readiness metrics (<c>ariane_build_info</c>, <c>ariane_config_*</c>,
/// <c>prometheus_build_info</c>, <c>prometheus_config_*</c>, <c>prometheus_ready</c>), the process's and the runtime's
/// (<c>process_*</c>, <c>dotnet_*</c>), the host's at <c>/node/metrics</c>, and the <see cref="MemoryHousekeeper"/>
/// that gives memory back after bursts of work (started with the module, stopped with it).
/// </summary>
[SuppressMessage("Design", "CA1001", Justification = "A module's end of life is StopAsync, which the host calls once for every module and which disposes the housekeeper")]
internal sealed class SelfMetricsModule(ServerState state) : IServerModule
{
    private MemoryHousekeeper? _housekeeper;

    /// <inheritdoc/>
    public string Name => "self";

    /// <inheritdoc/>
    public bool Healthy => _housekeeper is not null;

    /// <inheritdoc/>
    public void MapRoutes(IEndpointRouteBuilder routes) => MetricsEndpoints.MapNode(routes, state.Time);

    /// <inheritdoc/>
    public Task StartAsync(CancellationToken ct)
    {
        _housekeeper = new MemoryHousekeeper(state.Time);
        return Task.CompletedTask;
    }

    /// <inheritdoc/>
    public Task StopAsync(CancellationToken ct)
    {
        _housekeeper?.Dispose();
        _housekeeper = null;
        return Task.CompletedTask;
    }

    /// <inheritdoc/>
    public void WriteMetrics(TextExpositionWriter w)
    {
        MetricsEndpoints.WriteServer(w, state);
        PrometheusSelfMetrics.WriteServer(w, state);
        MetricsEndpoints.WriteProcess(w);
        MetricsEndpoints.WriteRuntime(w);
    }
}
