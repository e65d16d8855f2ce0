using System.Diagnostics.CodeAnalysis;
using Ariane.Exposition;
using Ariane.PromQL.Engine;
using Ariane.Scrape;
using Ariane.Server.Api.V1;
using Ariane.Server.Web;
using Ariane.Storage;

namespace Ariane.Server.Modules;

/// <summary>
/// The web API and the HTTP listener: Prometheus's <c>/api/v1</c> (query, metadata, status, admin, remote write and
/// read), <c>/federate</c> and the lifecycle endpoints, each handler given the narrow interfaces it uses (the querier
/// source, the appendable, the admin or stats view of storage, the scrape manager, the query engine and its gate).
/// Start opens the listener (a port that cannot be bound fails the start); stop closes it, letting requests in
/// flight finish within the host's shutdown timeout. Its collector writes <c>ariane_remote_write_*</c>,
/// <c>prometheus_http_*</c> and <c>prometheus_engine_*</c>.
/// </summary>
[SuppressMessage("Design", "CA1001", Justification = "The query gate lives as long as the process; a request outliving the stop timeout would Release a disposed semaphore, and nothing reads AvailableWaitHandle, so it holds no OS handle")]
internal sealed class WebApiModule : IServerModule
{
    private readonly WebApplication _app;
    private readonly ITsdbStorage _storage;
    private readonly ScrapeManager _scrape;
    private readonly ServerState _state;
    private readonly ILogger _log;
    private readonly string _scheme;
    private readonly QueryEngine _engine;
    private readonly SemaphoreSlim _queryGate;
    private readonly RemoteWriteStats _remoteWrite = new();
    private readonly EngineMetrics _engineMetrics = new();
    private volatile bool _listening;

    /// <summary>Creates the module; nothing listens until <see cref="StartAsync"/>.</summary>
    public WebApiModule(WebApplication app, ITsdbStorage storage, ScrapeManager scrape, ServerState state, ILogger log, string scheme)
    {
        _app = app;
        _storage = storage;
        _scrape = scrape;
        _state = state;
        _log = log;
        _scheme = scheme;
        var o = state.Options;
        _engine = new QueryEngine(new EngineOptions
        {
            LookbackDelta = o.QueryLookbackDelta,
            MaxSamples = o.QueryMaxSamples,
            Timeout = o.QueryTimeout,
        }, state.Time);
        _queryGate = new SemaphoreSlim(o.QueryMaxConcurrency, o.QueryMaxConcurrency);
    }

    /// <summary>HTTP requests served, by handler and code (<c>prometheus_http_*</c>); the host's middleware counts them here.</summary>
    public HttpRequestMetrics HttpMetrics { get; } = new();

    /// <inheritdoc/>
    public string Name => "web";

    /// <inheritdoc/>
    public bool Healthy => _listening;

    /// <inheritdoc/>
    public void MapRoutes(IEndpointRouteBuilder routes)
    {
        var o = _state.Options;
        MetadataApi.Map(routes, _storage, _scrape);
        CompatibilityApi.Map(routes, _scrape, o);
        FederateApi.Map(routes, _storage, _state);
        RemoteReadApi.Map(routes, _storage, _state);
        QueryApi.Map(routes, _storage, _engine, _queryGate, _engineMetrics, o, _state.Time);
        ParseQueryApi.Map(routes);
        StatusApi.Map(routes, _storage, _state);
        RemoteWriteApi.Map(routes, _storage, _remoteWrite, o);
        AdminApi.Map(routes, _storage, _state);
    }

    /// <inheritdoc/>
    public async Task StartAsync(CancellationToken ct)
    {
        try
        {
            await _app.StartAsync(ct).ConfigureAwait(false);
        }
        catch (IOException e)
        {
            WebLog.CannotListen(_log, _state.Options.ListenAddress, e.Message);
            throw new ModuleStartException("cannot listen", e);
        }
        _listening = true;
        WebLog.Listening(_log, _scheme, _state.Options.ListenAddress);
    }

    /// <inheritdoc/>
    public async Task StopAsync(CancellationToken ct)
    {
        if (!_listening)
        {
            return;
        }
        _listening = false;
        await _app.StopAsync(ct).ConfigureAwait(false);
    }

    /// <inheritdoc/>
    public void WriteMetrics(TextExpositionWriter w)
    {
        MetricsEndpoints.WriteRemoteWrite(w, _remoteWrite);
        HttpMetrics.Write(w);
        _engineMetrics.Write(w, _state.Options.QueryMaxConcurrency, _state.Time.GetUtcNow().ToUnixTimeMilliseconds());
    }
}
