using System.Net;
using System.Runtime.InteropServices;
using Ariane.Config;
using Ariane.Server.Api.V1;
using Ariane.Server.Cli;
using Ariane.Server.Logging;
using Ariane.Server.Modules;
using Ariane.Server.Ui;
using Ariane.Server.Web;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.AspNetCore.Server.Kestrel.Https;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Logging.Console;

namespace Ariane.Server;

/// <summary>
/// Wires the server together and owns its start and stop order.
/// Start: flags → web configuration → config (fail fast) → the modules in their listed order: storage (WAL replay) →
/// discovery → web (HTTP listener) → scrape → self → ready. Stop (SIGTERM, SIGINT, /-/quit): the modules in reverse:
/// self → scraping stops (no staleness markers) → HTTP stops → discovery stops → WAL synced and closed → exit 0.
/// </summary>
public static class ServerHost
{
    /// <summary>Runs the server until it is asked to stop; returns the process exit code.</summary>
    public static async Task<int> RunAsync(ServeOptions o)
    {
        var time = TimeProvider.System;
        if (!TryResolveListenAddress(o.ListenAddress, out var endpoints, out string? listenError))
        {
            await Console.Error.WriteLineAsync($"error: invalid --web.listen-address \"{o.ListenAddress}\": {listenError}").ConfigureAwait(false);
            return 2;
        }
        WebConfig? web = null;
        string? webError = null;
        if (o.WebConfigFile.Length > 0)
        {
            try
            {
                web = WebConfigLoader.LoadFile(o.WebConfigFile);
            }
            catch (ConfigException e)
            {
                webError = e.Message; // logged once the logger exists; the server does not start
            }
        }
        bool secured = web is not null && (web.Tls is not null || web.BasicAuthUsers.Count > 0);
        bool loopbackOnly = endpoints.TrueForAll(e => IPAddress.IsLoopback(e.Address));
        if (webError is null && !loopbackOnly && !secured && !o.AllowUnauthenticatedPublic)
        {
            await Console.Error.WriteLineAsync(
                $"error: refusing to listen on {o.ListenAddress} without TLS or authentication. Ariane listens on loopback by default; " +
                "give a --web.config.file with tls_server_config or basic_auth_users (see docs/operations.md#security), or, to expose it " +
                "unauthenticated anyway (e.g. behind an authenticating proxy), add --web.allow-unauthenticated-public").ConfigureAwait(false);
            return 2;
        }

        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.Logging.SetMinimumLevel(ParseLevel(o.LogLevel));
        builder.Logging.AddFilter("Microsoft", LogLevel.Warning);
        builder.Logging.AddFilter("System.Net.Http", LogLevel.Warning);
        // Both formatters registered directly: AddConsoleFormatter<,> would also bind formatter options from configuration
        // through reflection, which NativeAOT cannot keep; these formatters have no options to bind.
        if (o.LogFormat == "json")
        {
            builder.Logging.AddConsole(c => c.FormatterName = JsonLogFormatter.FormatterName);
            builder.Services.TryAddEnumerable(ServiceDescriptor.Singleton<ConsoleFormatter, JsonLogFormatter>());
        }
        else
        {
            builder.Logging.AddConsole(c => c.FormatterName = LogfmtFormatter.FormatterName);
            builder.Services.TryAddEnumerable(ServiceDescriptor.Singleton<ConsoleFormatter, LogfmtFormatter>());
        }
        builder.Services.AddSingleton(time);
        WebConfigSource? webSource = null;
        TlsServer? tls = null;
        if (web is not null)
        {
            webSource = new WebConfigSource(o.WebConfigFile, web);
            if (web.Tls is not null)
            {
                tls = new TlsServer(webSource);
            }
        }
        builder.WebHost.ConfigureKestrel(k =>
        {
            foreach (var endpoint in endpoints)
            {
                k.Listen(endpoint, lo =>
                {
                    if (tls is not null)
                    {
                        // HTTP/2 only over TLS and only if the file allows it, as in the toolkit (fixed at start).
                        lo.Protocols = web!.Http2 ? HttpProtocols.Http1AndHttp2 : HttpProtocols.Http1;
                        lo.UseHttps(new TlsHandshakeCallbackOptions { OnConnection = tls.OnConnectionAsync });
                    }
                });
            }
            k.AddServerHeader = false;
            k.Limits.MaxRequestBodySize = RemoteWriteApi.MaxCompressedBytes;
            // Grafana sends long GET queries (multi-value variables expand into large regexes); Kestrel's defaults
            // (8 KB request line, 32 KB of headers) refuse them where Prometheus, as Go's HTTP server, takes 1 MB.
            k.Limits.MaxRequestLineSize = MaxRequestHeaderBytes;
            k.Limits.MaxRequestHeadersTotalSize = MaxRequestHeaderBytes;
        });
        builder.Host.ConfigureHostOptions(h => h.ShutdownTimeout = TimeSpan.FromSeconds(30));
        var app = builder.Build();
        var loggers = app.Services.GetRequiredService<ILoggerFactory>();
        var log = loggers.CreateLogger("Ariane.main");
        var scrapeLog = loggers.CreateLogger("Ariane.scrape");

        var webLog = loggers.CreateLogger("Ariane.web");
        if (webSource is not null)
        {
            webSource.Log = webLog;
        }
        if (tls is not null)
        {
            tls.Log = webLog;
        }

        ServerLog.Starting(log, StatusApi.Version);
        if (webError is not null)
        {
            ServerLog.WebConfigInvalid(log, webError);
            await app.DisposeAsync().ConfigureAwait(false); // flushes the log queue before the process exits
            return 1;
        }
        LogWebSecurity(o, loopbackOnly, web, log);
        foreach (var (flag, value) in o.IgnoredFlags)
        {
            ServerLog.FlagNotApplied(log, flag, value);
        }
        if (o.StartTimestampStorage)
        {
            ServerLog.StartTimestampStorage(log);
        }

        PrometheusConfig config;
        try
        {
            config = LoadConfig(o);
        }
        catch (ConfigException e)
        {
            ServerLog.ConfigLoadFailed(log, e.Message);
            await app.DisposeAsync().ConfigureAwait(false); // flushes the log queue before the process exits
            return 1;
        }
        catch (IOException e)
        {
            ServerLog.ConfigLoadFailed(log, e.Message);
            await app.DisposeAsync().ConfigureAwait(false); // flushes the log queue before the process exits
            return 1;
        }
        LogUnsupported(config, log);

        var state = new ServerState(o, config, time);
        var storage = new StorageModule(o, config, time, log, loggers.CreateLogger("Ariane.tsdb"));
        var discovery = new DiscoveryModule(loggers.CreateLogger("Ariane.discovery"));
        var scrape = new ScrapeModule(storage, discovery.Scrape, o, config, time, log, scrapeLog);
        var webApi = new WebApiModule(app, storage, scrape.Manager, state, log, tls is null ? "http" : "https");
        // The modules in start order; they stop in the reverse order. Storage opens first (WAL replay) and closes
        // last (WAL fsynced); discovery runs before scraping asks it for targets and stops after the last pool let go;
        // the HTTP listener opens before the first scrape, so that the server's scrape of itself finds it, and closes
        // after the last, so that requests in flight never meet a closed storage.
        IServerModule[] modules =
        [
            storage,
            discovery,
            webApi,
            new UiModule(UiAssets.Load()),
            scrape,
            new SelfMetricsModule(state),
        ];

#pragma warning disable CA2000 // captured by state.Reload, which lives as long as the process; nothing reads its AvailableWaitHandle
        var reloadGate = new SemaphoreSlim(1, 1);
#pragma warning restore CA2000
        state.Reload = async () =>
        {
            await reloadGate.WaitAsync().ConfigureAwait(false);
            try
            {
                var next = LoadConfig(o);
                await scrape.ApplyConfigAsync(next).ConfigureAwait(false);
                storage.OutOfOrderTimeWindow = next.Storage?.OutOfOrderTimeWindow ?? TimeSpan.Zero;
                state.Config = next;
                state.LastConfigTime = time.GetUtcNow();
                state.LastReloadSuccess = true;
                ServerLog.ConfigReloaded(log, o.ConfigFile);
                LogUnsupported(next, log);
                return null;
            }
            catch (Exception e) when (e is ConfigException or IOException)
            {
                state.LastReloadSuccess = false;
                ServerLog.ConfigReloadFailed(log, e.Message);
                return e.Message;
            }
            catch (Exception e) when (e is not OutOfMemoryException)
            {
                // Anything else is a bug, but a reload started by SIGHUP has nobody to throw it to: say it here.
                state.LastReloadSuccess = false;
                ServerLog.ConfigReloadBug(log, e.GetType().Name, e.Message);
                return e.Message;
            }
            finally
            {
                reloadGate.Release();
            }
        };
        state.UnhealthyModules = () => UnhealthyModules(modules);
        var lifetime = app.Services.GetRequiredService<IHostApplicationLifetime>();
        state.Quit = lifetime.StopApplication;

        // Counts every answered request by its route (prometheus_http_requests_total and friends); the route is
        // known here because minimal APIs route before user middleware.
        app.Use(async (ctx, next) =>
        {
            long began = time.GetTimestamp();
            try
            {
                await next(ctx).ConfigureAwait(false);
            }
            finally
            {
                string handler = HttpRequestMetrics.HandlerLabel((ctx.GetEndpoint() as RouteEndpoint)?.RoutePattern.RawText);
                webApi.HttpMetrics.Observe(handler, ctx.Response.StatusCode, time.GetElapsedTime(began));
            }
        });
        if (webSource is not null)
        {
            // Before every endpoint, health and readiness included: Prometheus wraps its whole router the same way.
            var security = new WebSecurity(webSource, time);
            app.Use(security.InvokeAsync);
        }
        // Every route is mapped before the first module starts (the listener is a module); /metrics walks the
        // modules' collectors.
        foreach (var m in modules)
        {
            m.MapRoutes(app);
        }
        MetricsEndpoints.Map(app, modules);

        foreach (var m in modules)
        {
            try
            {
                await m.StartAsync(CancellationToken.None).ConfigureAwait(false);
            }
            catch (ModuleStartException)
            {
                // Already logged by the module; what did start stops again, in reverse order.
                await StopAsync(modules).ConfigureAwait(false);
                await app.DisposeAsync().ConfigureAwait(false); // flushes the log queue before the process exits
                return 1;
            }
        }

        using var hup = PosixSignalRegistration.Create(PosixSignal.SIGHUP, ctx =>
        {
            ctx.Cancel = true;
            ServerLog.Sighup(log);
            _ = Task.Run(state.Reload);
        });

        // SIGTERM/SIGINT: a graceful stop that ends with exit code 0 (the runtime's default would exit 143).
        using var term = PosixSignalRegistration.Create(PosixSignal.SIGTERM, ctx =>
        {
            ctx.Cancel = true;
            lifetime.StopApplication();
        });
        using var interrupt = PosixSignalRegistration.Create(PosixSignal.SIGINT, ctx =>
        {
            ctx.Cancel = true;
            lifetime.StopApplication();
        });

        state.Ready = true;
        ServerLog.Ready(log);

        var stopping = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        using (lifetime.ApplicationStopping.Register(() => stopping.TrySetResult()))
        {
            await stopping.Task.ConfigureAwait(false);
        }
        await StopAsync(modules).ConfigureAwait(false);
        ServerLog.Stopped(log);
        await app.DisposeAsync().ConfigureAwait(false); // flushes the log queue
        return 0;
    }

    // The names of the modules that report themselves unhealthy, or null; allocates only when one does.
    internal static string? UnhealthyModules(IServerModule[] modules)
    {
        string? down = null;
        foreach (var m in modules)
        {
            if (!m.Healthy)
            {
                down = down is null ? m.Name : down + ", " + m.Name;
            }
        }
        return down;
    }

    // Stops the modules in the reverse of their start order: scraping, then the HTTP listener, then storage.
    private static async Task StopAsync(IServerModule[] modules)
    {
        for (int i = modules.Length - 1; i >= 0; i--)
        {
            await modules[i].StopAsync(CancellationToken.None).ConfigureAwait(false);
        }
    }

    // What the web configuration turns on, and the warning for a listener beyond loopback that nobody has to log in to.
    private static void LogWebSecurity(ServeOptions o, bool loopbackOnly, WebConfig? web, ILogger log)
    {
        if (web?.Tls is { } t)
        {
            ServerLog.TlsEnabled(log, web.Http2, o.ListenAddress, t.ClientAuth);
            if (t.CurvePreferences.Count > 0)
            {
                ServerLog.CurvePreferencesNotApplied(log);
            }
        }
        else
        {
            ServerLog.TlsDisabled(log, o.ListenAddress);
        }
        if (web?.BasicAuthUsers.Count > 0)
        {
            ServerLog.BasicAuthEnabled(log, web.BasicAuthUsers.Count);
        }
        if (web is not null && (web.Tls is not null || web.BasicAuthUsers.Count > 0) && string.IsNullOrEmpty(o.ConfigFile))
        {
            // The embedded default config scrapes this server over plain HTTP without credentials, as Prometheus's
            // default prometheus.yml scrapes itself: behind TLS or basic auth those scrapes are refused.
            ServerLog.DefaultConfigRefused(log);
        }
        if (!loopbackOnly && web?.Authenticates != true)
        {
            ServerLog.Unauthenticated(log, o.ListenAddress, o.EnableAdminApi || o.EnableLifecycle ? ", and use the admin or lifecycle endpoints" : "");
        }
    }

    private static PrometheusConfig LoadConfig(ServeOptions o) =>
        string.IsNullOrEmpty(o.ConfigFile) ? ConfigLoader.Default(o.ListenAddress) : ConfigLoader.LoadFile(o.ConfigFile);

    private static void LogUnsupported(PrometheusConfig config, ILogger log)
    {
        foreach (string section in IgnoredSections.Of(config))
        {
            ServerLog.SectionNotApplied(log, section);
        }
        foreach (var sc in config.ScrapeConfigs)
        {
            foreach (var d in sc.UnsupportedDiscovery)
            {
                ServerLog.DiscoveryNotSupported(log, d, sc.JobName);
            }
        }
    }

    /// <summary>The largest request line and header block accepted, as Go's HTTP server (Prometheus) takes.</summary>
    public const int MaxRequestHeaderBytes = 1 << 20;

    /// <summary>
    /// Resolves a <c>host:port</c> listen address into the endpoints to bind: an empty host (<c>:9095</c>) means all
    /// interfaces, as in Prometheus; an IP literal is itself; a host name (<c>localhost:9095</c>) is every address it
    /// resolves to (IPv6 ones only where the OS has IPv6), each bound.
    /// </summary>
    public static bool TryResolveListenAddress(string text, out List<IPEndPoint> endpoints, out string? error)
    {
        endpoints = [];
        error = null;
        int colon = text.LastIndexOf(':');
        if (colon < 0 || !int.TryParse(text.AsSpan(colon + 1), System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out int port) || port > 65535)
        {
            error = "expected host:port";
            return false;
        }
        string host = text[..colon];
        if (host.StartsWith('[') && host.EndsWith(']'))
        {
            host = host[1..^1];
        }
        if (host.Length == 0)
        {
            endpoints.Add(new IPEndPoint(System.Net.Sockets.Socket.OSSupportsIPv6 ? IPAddress.IPv6Any : IPAddress.Any, port));
            return true;
        }
        if (IPAddress.TryParse(host, out var literal))
        {
            endpoints.Add(new IPEndPoint(literal, port));
            return true;
        }
        IPAddress[] addresses;
        try
        {
            addresses = Dns.GetHostAddresses(host);
        }
        catch (System.Net.Sockets.SocketException e)
        {
            error = $"cannot resolve {host}: {e.Message}";
            return false;
        }
        foreach (var a in addresses)
        {
            if (a.AddressFamily == System.Net.Sockets.AddressFamily.InterNetworkV6 && !System.Net.Sockets.Socket.OSSupportsIPv6)
            {
                continue;
            }
            var ep = new IPEndPoint(a.IsIPv4MappedToIPv6 ? a.MapToIPv4() : a, port);
            if (!endpoints.Contains(ep))
            {
                endpoints.Add(ep);
            }
        }
        if (endpoints.Count == 0)
        {
            error = $"{host} resolves to no address";
            return false;
        }
        return true;
    }

    private static LogLevel ParseLevel(string level) => level switch
    {
        "debug" => LogLevel.Debug,
        "warn" => LogLevel.Warning,
        "error" => LogLevel.Error,
        _ => LogLevel.Information,
    };
}
