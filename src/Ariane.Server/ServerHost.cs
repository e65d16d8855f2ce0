using System.Net;
using System.Runtime.InteropServices;
using Ariane.Config;
using Ariane.Scrape;
using Ariane.Server.Api.V1;
using Ariane.Server.Cli;
using Ariane.Server.Logging;
using Ariane.Tsdb;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Logging.Console;

namespace Ariane.Server;

/// <summary>
/// Wires the server together and owns its start and stop order.
/// Start: flags → config (fail fast) → storage (WAL replay) → HTTP listener → scraping → ready.
/// Stop (SIGTERM, /-/quit): scraping stops → HTTP stops → WAL synced and closed → exit 0.
/// </summary>
public static class ServerHost
{
    /// <summary>Runs the server until it is asked to stop; returns the process exit code.</summary>
    public static async Task<int> RunAsync(ServeOptions o)
    {
        var time = TimeProvider.System;
        if (!TryParseListenAddress(o.ListenAddress, out var endpoint))
        {
            await Console.Error.WriteLineAsync($"error: invalid --web.listen-address \"{o.ListenAddress}\": expected host:port").ConfigureAwait(false);
            return 2;
        }
        if (!IPAddress.IsLoopback(endpoint.Address) && !o.AllowUnauthenticatedPublic)
        {
            await Console.Error.WriteLineAsync(
                $"error: refusing to listen on {o.ListenAddress} without authentication. Ariane listens on loopback by default; " +
                "to expose it unauthenticated anyway (e.g. behind an authenticating proxy) add --web.allow-unauthenticated-public").ConfigureAwait(false);
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
        builder.WebHost.ConfigureKestrel(k =>
        {
            k.Listen(endpoint);
            k.AddServerHeader = false;
            k.Limits.MaxRequestBodySize = RemoteWriteApi.MaxCompressedBytes;
        });
        builder.Host.ConfigureHostOptions(h => h.ShutdownTimeout = TimeSpan.FromSeconds(30));
        var app = builder.Build();
        var loggers = app.Services.GetRequiredService<ILoggerFactory>();
        var log = loggers.CreateLogger("Ariane.main");
        var scrapeLog = loggers.CreateLogger("Ariane.scrape");

        log.LogInformation("Starting Ariane version={Version}", StatusApi.Version);
        if (!IPAddress.IsLoopback(endpoint.Address))
        {
            // Only reachable through the opt-out flag: say it on every start, where operators look.
            log.LogWarning("Listening beyond loopback without authentication (--web.allow-unauthenticated-public): anyone who can reach address={Address} can read all data and write samples", o.ListenAddress);
        }
        foreach (var (flag, value) in o.IgnoredFlags)
        {
            log.LogWarning("Prometheus flag accepted but not applied yet: {Flag}={Value}", flag, value);
        }
        if (o.StartTimestampStorage)
        {
            log.LogInformation("Start timestamp storage enabled: OpenMetrics <metric>_created samples are parsed as start timestamps instead of normal samples.");
        }

        PrometheusConfig config;
        try
        {
            config = LoadConfig(o);
        }
        catch (ConfigException e)
        {
            log.LogError("Error loading config: {Error}", e.Message);
            await app.DisposeAsync().ConfigureAwait(false); // flushes the log queue before the process exits
            return 1;
        }
        catch (IOException e)
        {
            log.LogError("Error loading config: {Error}", e.Message);
            await app.DisposeAsync().ConfigureAwait(false); // flushes the log queue before the process exits
            return 1;
        }
        LogUnsupported(config, log);

        Db db;
        var tsdbLog = loggers.CreateLogger("Ariane.tsdb");
        try
        {
            db = Db.Open(new TsdbOptions
            {
                Path = Path.GetFullPath(o.StoragePath),
                WalSyncInterval = o.WalSyncInterval,
                RetentionTime = o.RetentionTime,
                RetentionSize = o.RetentionSize,
                BlockRange = o.MinBlockDuration,
                MaxBlockRange = o.MaxBlockDuration,
                OutOfOrderTimeWindow = config.Storage?.OutOfOrderTimeWindow ?? TimeSpan.Zero,
            }, time, m => tsdbLog.LogWarning("{Message}", m), m => tsdbLog.LogInformation("{Message}", m));
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            log.LogError("Opening storage failed: {Error}", e.Message);
            await app.DisposeAsync().ConfigureAwait(false); // flushes the log queue before the process exits
            return 1;
        }
        log.LogInformation("TSDB started path={Path} blocks={Blocks} series={Series} retention={Retention} retention_size={Size}",
            Path.GetFullPath(o.StoragePath), db.Blocks.Count, db.Head.NumSeries, PromDuration.Format(o.RetentionTime), o.RetentionSize);

        var scrape = new ScrapeManager(db, time, m => scrapeLog.LogWarning("{Message}", m))
        {
            StartTimestamps = o.StartTimestampStorage,
            InfoLog = m => scrapeLog.LogInformation("{Message}", m),
            // Null unless debugging, so that a scrape formats no line nobody reads.
            DebugLog = scrapeLog.IsEnabled(LogLevel.Debug) ? m => scrapeLog.LogDebug("{Message}", m) : null,
        };
        using var housekeeper = new MemoryHousekeeper(time);
        var state = new ServerState(o, db, scrape, config, time);
        var reloadGate = new SemaphoreSlim(1, 1);
        state.Reload = async () =>
        {
            await reloadGate.WaitAsync().ConfigureAwait(false);
            try
            {
                var next = LoadConfig(o);
                await scrape.ApplyConfigAsync(next).ConfigureAwait(false);
                db.Head.OutOfOrderTimeWindow = next.Storage?.OutOfOrderTimeWindow ?? TimeSpan.Zero;
                state.Config = next;
                state.LastConfigTime = time.GetUtcNow();
                state.LastReloadSuccess = true;
                log.LogInformation("Completed loading of configuration file filename={File}", o.ConfigFile);
                LogUnsupported(next, log);
                return null;
            }
            catch (Exception e) when (e is ConfigException or IOException)
            {
                state.LastReloadSuccess = false;
                log.LogError("Error reloading config, keeping the old one: {Error}", e.Message);
                return e.Message;
            }
            catch (Exception e) when (e is not OutOfMemoryException)
            {
                // Anything else is a bug, but a reload started by SIGHUP has nobody to throw it to: say it here.
                state.LastReloadSuccess = false;
                log.LogError("Error reloading config, keeping the old one: unexpected {Type}: {Error}", e.GetType().Name, e.Message);
                return e.Message;
            }
            finally
            {
                reloadGate.Release();
            }
        };
        var lifetime = app.Services.GetRequiredService<IHostApplicationLifetime>();
        state.Quit = lifetime.StopApplication;

        MetadataApi.Map(app, state);
        QueryApi.Map(app, state);
        ParseQueryApi.Map(app);
        StatusApi.Map(app, state);
        RemoteWriteApi.Map(app, state);
        AdminApi.Map(app, state);
        MetricsEndpoints.Map(app, state);
        // A plain request delegate: a handler returning IResult would be compiled through expression trees at start,
        // which loads System.Linq.Expressions and the minimal-API binder (about 4 MB resident) for one redirect.
        app.MapGet("/", static ctx =>
        {
            ctx.Response.Redirect("/api/v1/targets");
            return Task.CompletedTask;
        });

        try
        {
            await app.StartAsync().ConfigureAwait(false);
        }
        catch (IOException e)
        {
            log.LogError("Cannot listen on {Address}: {Error}", o.ListenAddress, e.Message);
            await scrape.DisposeAsync().ConfigureAwait(false);
            db.Dispose();
            await app.DisposeAsync().ConfigureAwait(false); // flushes the log queue before the process exits
            return 1;
        }
        log.LogInformation("Listening on http://{Address}", o.ListenAddress);

        using var hup = PosixSignalRegistration.Create(PosixSignal.SIGHUP, ctx =>
        {
            ctx.Cancel = true;
            log.LogInformation("SIGHUP received, reloading the configuration");
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

        await scrape.ApplyConfigAsync(config).ConfigureAwait(false);
        state.Ready = true;
        log.LogInformation("Server is ready to receive web requests.");

        await app.WaitForShutdownAsync().ConfigureAwait(false);
        log.LogInformation("Stopping scrape manager...");
        await scrape.DisposeAsync().ConfigureAwait(false);
        log.LogInformation("Syncing and closing storage...");
        db.Dispose();
        log.LogInformation("See you next time!");
        await app.DisposeAsync().ConfigureAwait(false); // flushes the log queue
        return 0;
    }

    private static PrometheusConfig LoadConfig(ServeOptions o) =>
        string.IsNullOrEmpty(o.ConfigFile) ? ConfigLoader.Default(o.ListenAddress) : ConfigLoader.LoadFile(o.ConfigFile);

    private static void LogUnsupported(PrometheusConfig config, ILogger log)
    {
        foreach (var sc in config.ScrapeConfigs)
        {
            foreach (var d in sc.UnsupportedDiscovery)
            {
                log.LogWarning("Service discovery {Mechanism} in job {Job} is not supported yet; its targets are not scraped", d, sc.JobName);
            }
        }
    }

    /// <summary>Parses host:port ("" host or "0.0.0.0" means all interfaces; "localhost" means loopback).</summary>
    public static bool TryParseListenAddress(string text, out IPEndPoint endpoint)
    {
        endpoint = new IPEndPoint(IPAddress.Loopback, 0);
        int colon = text.LastIndexOf(':');
        if (colon < 0 || !int.TryParse(text.AsSpan(colon + 1), out int port) || port is < 0 or > 65535)
        {
            return false;
        }
        string host = text[..colon].Trim('[', ']');
        IPAddress? addr;
        if (host.Length == 0)
        {
            addr = IPAddress.IPv6Any;
        }
        else if (host == "localhost")
        {
            addr = IPAddress.Loopback;
        }
        else if (!IPAddress.TryParse(host, out addr))
        {
            return false;
        }
        endpoint = new IPEndPoint(addr, port);
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
