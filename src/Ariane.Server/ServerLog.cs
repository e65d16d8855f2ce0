using Ariane.Logging;

namespace Ariane.Server;

/// <summary>
/// The server's own log lines (start and stop, flags, the configuration and its reloads, the modules' lifecycle),
/// event ids 5000–5999. Messages Prometheus also logs keep its words (<c>Server is ready to receive web requests.</c>,
/// <c>Completed loading of configuration file</c>, ...).
/// </summary>
[LogEventIds(5000, 5999)]
internal static partial class ServerLog
{
    // 5000–5019: start, stop and the configuration.

    [LoggerMessage(EventId = 5001, Level = LogLevel.Information, Message = "Starting Ariane version={Version}")]
    public static partial void Starting(ILogger log, string version);

    [LoggerMessage(EventId = 5002, Level = LogLevel.Error, Message = "Unable to validate web configuration file err={Err}")]
    public static partial void WebConfigInvalid(ILogger log, string err);

    [LoggerMessage(EventId = 5003, Level = LogLevel.Warning, Message = "Prometheus flag accepted but not applied yet: {Flag}={Value}")]
    public static partial void FlagNotApplied(ILogger log, string flag, string value);

    [LoggerMessage(EventId = 5004, Level = LogLevel.Information, Message = "Start timestamp storage enabled: OpenMetrics <metric>_created samples are parsed as start timestamps instead of normal samples.")]
    public static partial void StartTimestampStorage(ILogger log);

    [LoggerMessage(EventId = 5005, Level = LogLevel.Error, Message = "Error loading config: {Err}")]
    public static partial void ConfigLoadFailed(ILogger log, string err);

    [LoggerMessage(EventId = 5006, Level = LogLevel.Information, Message = "Completed loading of configuration file filename={Filename}")]
    public static partial void ConfigReloaded(ILogger log, string filename);

    [LoggerMessage(EventId = 5007, Level = LogLevel.Error, Message = "Error reloading config, keeping the old one: {Err}")]
    public static partial void ConfigReloadFailed(ILogger log, string err);

    [LoggerMessage(EventId = 5008, Level = LogLevel.Error, Message = "Error reloading config, keeping the old one: unexpected {Type}: {Err}")]
    public static partial void ConfigReloadBug(ILogger log, string type, string err);

    [LoggerMessage(EventId = 5009, Level = LogLevel.Information, Message = "SIGHUP received, reloading the configuration")]
    public static partial void Sighup(ILogger log);

    [LoggerMessage(EventId = 5010, Level = LogLevel.Information, Message = "Server is ready to receive web requests.")]
    public static partial void Ready(ILogger log);

    [LoggerMessage(EventId = 5011, Level = LogLevel.Information, Message = "See you next time!")]
    public static partial void Stopped(ILogger log);

    [LoggerMessage(EventId = 5012, Level = LogLevel.Warning, Message = "Configuration section accepted but not applied: {Section}")]
    public static partial void SectionNotApplied(ILogger log, string section);

    [LoggerMessage(EventId = 5013, Level = LogLevel.Warning, Message = "Service discovery {Mechanism} in job {Job} is not supported yet; its targets are not scraped")]
    public static partial void DiscoveryNotSupported(ILogger log, string mechanism, string job);

    // 5020–5039: what the web configuration turns on, said at start.

    [LoggerMessage(EventId = 5020, Level = LogLevel.Information, Message = "TLS is enabled. http2={Http2} address={Address} client_auth_type={ClientAuth}")]
    public static partial void TlsEnabled(ILogger log, bool http2, string address, Ariane.Config.ClientAuthType clientAuth);

    [LoggerMessage(EventId = 5021, Level = LogLevel.Warning, Message = "tls_server_config.curve_preferences is validated but not applied: .NET does not let a server choose its key exchange groups, so OpenSSL's defaults are used")]
    public static partial void CurvePreferencesNotApplied(ILogger log);

    [LoggerMessage(EventId = 5022, Level = LogLevel.Information, Message = "TLS is disabled. address={Address}")]
    public static partial void TlsDisabled(ILogger log, string address);

    [LoggerMessage(EventId = 5023, Level = LogLevel.Information, Message = "Basic authentication is enabled. users={Users}")]
    public static partial void BasicAuthEnabled(ILogger log, int users);

    [LoggerMessage(EventId = 5024, Level = LogLevel.Warning, Message = "The embedded default configuration scrapes Ariane itself over plain HTTP without credentials, which this web configuration refuses (its targets will be down): give a --config.file whose jobs set scheme: https, tls_config and basic_auth (see docs/operations.md#security)")]
    public static partial void DefaultConfigRefused(ILogger log);

    [LoggerMessage(EventId = 5025, Level = LogLevel.Warning, Message = "Listening on {Address} beyond loopback without authentication: anyone who can reach it can read all data{Admin}. Set basic_auth_users or client_auth_type: RequireAndVerifyClientCert in --web.config.file (see docs/operations.md#security)")]
    public static partial void Unauthenticated(ILogger log, string address, string admin);

    // 5040–5059: the modules' lifecycle.

    [LoggerMessage(EventId = 5040, Level = LogLevel.Error, Message = "Opening storage failed: {Err}")]
    public static partial void StorageOpenFailed(ILogger log, string err);

    [LoggerMessage(EventId = 5041, Level = LogLevel.Information, Message = "TSDB started path={Path} blocks={Blocks} series={Series} retention={Retention} retention_size={RetentionSize}")]
    public static partial void StorageStarted(ILogger log, string path, long blocks, long series, string retention, long retentionSize);

    [LoggerMessage(EventId = 5042, Level = LogLevel.Information, Message = "Syncing and closing storage...")]
    public static partial void StorageClosing(ILogger log);

    [LoggerMessage(EventId = 5043, Level = LogLevel.Information, Message = "Stopping scrape manager...")]
    public static partial void ScrapeStopping(ILogger log);
}
