using Ariane.Config;
using Ariane.Logging;

namespace Ariane.Server.Web;

/// <summary>
/// The HTTP side's log lines, event ids 4000–4999: the listener, the web configuration file and its TLS certificates,
/// refused handshakes (at debug) and the admin API's backups.
/// </summary>
[LogEventIds(4000, 4999)]
internal static partial class WebLog
{
    [LoggerMessage(EventId = 4001, Level = LogLevel.Information, Message = "Listening on {Scheme}://{Address}")]
    public static partial void Listening(ILogger log, string scheme, string address);

    [LoggerMessage(EventId = 4002, Level = LogLevel.Error, Message = "Cannot listen on {Address}: {Err}")]
    public static partial void CannotListen(ILogger log, string address, string err);

    [LoggerMessage(EventId = 4010, Level = LogLevel.Error, Message = "Unable to parse web configuration file err={Err}")]
    public static partial void WebConfigInvalid(ILogger log, string err);

    [LoggerMessage(EventId = 4011, Level = LogLevel.Information, Message = "Loaded the new TLS certificate subject={Subject} not_after={NotAfter:o}")]
    public static partial void CertificateLoaded(ILogger log, string subject, DateTime notAfter);

    [LoggerMessage(EventId = 4012, Level = LogLevel.Error, Message = "Cannot load the TLS certificate, serving the previous one: {Err}")]
    public static partial void CertificateLoadFailed(ILogger log, string err);

    [LoggerMessage(EventId = 4013, Level = LogLevel.Error, Message = "Cannot load the client CAs, keeping the previous ones: {Err}")]
    public static partial void ClientCasLoadFailed(ILogger log, string err);

    [LoggerMessage(EventId = 4020, Level = LogLevel.Debug, Message = "TLS handshake refused, the client sent no certificate client_auth_type={ClientAuthType}")]
    public static partial void HandshakeWithoutCertificate(ILogger log, ClientAuthType clientAuthType);

    [LoggerMessage(EventId = 4021, Level = LogLevel.Debug, Message = "TLS handshake refused, the client certificate has none of client_allowed_sans subject={Subject}")]
    public static partial void HandshakeSanNotAllowed(ILogger log, string subject);

    [LoggerMessage(EventId = 4022, Level = LogLevel.Debug, Message = "TLS handshake refused, the client certificate does not verify subject={Subject} status={Status}")]
    public static partial void HandshakeNotVerified(ILogger log, string subject, string status);

    [LoggerMessage(EventId = 4030, Level = LogLevel.Information, Message = "Backup started files={Files} bytes={Bytes} staging_dir={StagingDir}")]
    public static partial void BackupStarted(ILogger log, int files, long bytes, string stagingDir);

    [LoggerMessage(EventId = 4031, Level = LogLevel.Information, Message = "Backup sent files={Files} bytes={Bytes} duration_seconds={DurationSeconds:F1}")]
    public static partial void BackupSent(ILogger log, int files, long bytes, double durationSeconds);
}
