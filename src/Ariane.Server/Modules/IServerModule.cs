using Ariane.Exposition;

namespace Ariane.Server.Modules;

/// <summary>
/// One subsystem of the server (storage, web API, scrape, self-metrics; alerting, the UI and dashboards next): its
/// HTTP routes, its start and stop, its health and its metrics. <see cref="ServerHost"/> lists the modules once, in
/// start order, maps every module's routes before the first starts, starts them in that order and stops them in
/// the reverse order; <c>/metrics</c> walks their collectors in the same order. A module receives its options and the
/// narrow interfaces it uses (the storage seam, the scrape manager) in its constructor, never the whole server.
/// </summary>
/// <remarks>
/// Threading: <see cref="StartAsync"/>, <see cref="StopAsync"/> and <see cref="MapRoutes"/> are called by the host,
/// one at a time; <see cref="WriteMetrics"/> and <see cref="Healthy"/> are called from request threads at any time
/// after the routes are mapped (also before start and after stop), so they read only thread-safe state.
/// </remarks>
public interface IServerModule
{
    /// <summary>The module's name, for logs and health (lower case, as in <c>storage</c>, <c>scrape</c>).</summary>
    string Name { get; }

    /// <summary>True while the module does its job (started and not failed or stopped).</summary>
    bool Healthy { get; }

    /// <summary>
    /// Maps the module's HTTP endpoints. Called once for every module before any starts; handlers must tolerate
    /// requests only after <see cref="StartAsync"/> (the HTTP listener is itself a module that starts after storage).
    /// </summary>
    void MapRoutes(IEndpointRouteBuilder routes);

    /// <summary>
    /// Starts the module. A module that cannot start logs why and throws <see cref="ModuleStartException"/>; the host
    /// then stops every module (started or not) in reverse order and exits 1.
    /// </summary>
    Task StartAsync(CancellationToken ct);

    /// <summary>Stops the module; safe to call when it never started or failed to, and called once.</summary>
    Task StopAsync(CancellationToken ct);

    /// <summary>Writes the module's metric families (whole families, each once) to <c>/metrics</c>.</summary>
    void WriteMetrics(TextExpositionWriter w);
}

/// <summary>A module could not start; the reason is already logged.</summary>
public sealed class ModuleStartException : Exception
{
    /// <summary>Creates the exception.</summary>
    public ModuleStartException()
    {
    }

    /// <summary>Creates the exception with a message.</summary>
    public ModuleStartException(string message) : base(message)
    {
    }

    /// <summary>Creates the exception with a message and its cause.</summary>
    public ModuleStartException(string message, Exception inner) : base(message, inner)
    {
    }
}
