using Ariane.Config;
using Ariane.Server.Cli;

namespace Ariane.Server;

/// <summary>
/// The server's configuration and lifecycle state, shared by the modules and the handlers that show or change it
/// (status, reload, quit, readiness, the configuration's external labels). Storage, scraping and the query engine are
/// not here: each module hands its handlers the narrow interfaces they use.
/// </summary>
public sealed class ServerState
{
    /// <summary>Creates the state for one server run.</summary>
    public ServerState(ServeOptions options, PrometheusConfig config, TimeProvider time)
    {
        Options = options;
        Config = config;
        Time = time;
        StartTime = time.GetUtcNow();
        LastConfigTime = StartTime;
    }

    /// <summary>The command-line settings.</summary>
    public ServeOptions Options { get; }

    /// <summary>The configuration in force.</summary>
    public PrometheusConfig Config { get; set; }

    /// <summary>The clock.</summary>
    public TimeProvider Time { get; }

    /// <summary>When the server started.</summary>
    public DateTimeOffset StartTime { get; }

    /// <summary>When the config in force was loaded.</summary>
    public DateTimeOffset LastConfigTime { get; set; }

    /// <summary>Whether the last reload succeeded.</summary>
    public bool LastReloadSuccess { get; set; } = true;

    /// <summary>True once start-up (every module started) is done.</summary>
    public volatile bool Ready;

    /// <summary>Reloads the configuration (SIGHUP, POST /-/reload); returns an error text or null.</summary>
    public Func<Task<string?>> Reload { get; set; } = () => Task.FromResult<string?>(null);

    /// <summary>
    /// The names of the modules that are not doing their job (comma-separated), or null when all are; <c>/-/healthy</c>
    /// answers 503 with them once the server is ready. Set by the host, which owns the module list.
    /// </summary>
    public Func<string?> UnhealthyModules { get; set; } = () => null;

    /// <summary>Asks the server to stop (POST /-/quit).</summary>
    public Action Quit { get; set; } = () => { };
}
