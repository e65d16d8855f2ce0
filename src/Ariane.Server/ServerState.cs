using Ariane.Config;
using Ariane.Scrape;
using Ariane.Server.Cli;
using Ariane.Storage;

namespace Ariane.Server;

/// <summary>What the HTTP handlers need of the running server: storage, scraping, the config and lifecycle hooks.</summary>
public sealed class ServerState
{
    /// <summary>Creates the state for one server run.</summary>
    public ServerState(ServeOptions options, ITsdbStorage storage, ScrapeManager scrape, PrometheusConfig config, TimeProvider time)
    {
        Options = options;
        Storage = storage;
        Scrape = scrape;
        Config = config;
        Time = time;
        StartTime = time.GetUtcNow();
        QueryEngine = new Ariane.PromQL.Engine.QueryEngine(new Ariane.PromQL.Engine.EngineOptions
        {
            LookbackDelta = options.QueryLookbackDelta,
            MaxSamples = options.QueryMaxSamples,
            Timeout = options.QueryTimeout,
        });
        QueryGate = new SemaphoreSlim(options.QueryMaxConcurrency, options.QueryMaxConcurrency);
        LastConfigTime = StartTime;
    }

    /// <summary>The command-line settings.</summary>
    public ServeOptions Options { get; }

    /// <summary>The database behind the storage seam: appends, queriers, admin operations and statistics.</summary>
    public ITsdbStorage Storage { get; }

    /// <summary>The PromQL engine (a pure function of expression, time and querier).</summary>
    public Ariane.PromQL.Engine.QueryEngine QueryEngine { get; }

    /// <summary>Limits the queries evaluated at once (<c>--query.max-concurrency</c>).</summary>
    public SemaphoreSlim QueryGate { get; }

    /// <summary>The scrape manager.</summary>
    public ScrapeManager Scrape { get; }

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

    /// <summary>True once start-up (WAL replay, first config) is done.</summary>
    public volatile bool Ready;

    /// <summary>Reloads the configuration (SIGHUP, POST /-/reload); returns an error text or null.</summary>
    public Func<Task<string?>> Reload { get; set; } = () => Task.FromResult<string?>(null);

    /// <summary>Remote-write receiver counters.</summary>
    public Ariane.Server.Api.V1.RemoteWriteStats RemoteWrite { get; } = new();

    /// <summary>HTTP requests served, by handler and code (<c>prometheus_http_*</c>).</summary>
    public HttpRequestMetrics HttpMetrics { get; } = new();

    /// <summary>The query engine's timings and load (<c>prometheus_engine_*</c>).</summary>
    public EngineMetrics EngineMetrics { get; } = new();

    /// <summary>Asks the server to stop (POST /-/quit).</summary>
    public Action Quit { get; set; } = () => { };
}
