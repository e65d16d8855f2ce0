using System.Net.Security;

namespace Ariane.Config;

/// <summary>
/// The web configuration file (<c>--web.config.file</c>) in the Prometheus exporter-toolkit's format: TLS for the
/// listener, response headers, HTTP/2, basic-auth users with bcrypt hashes and a request rate limit.
/// </summary>
public sealed class WebConfig
{
    /// <summary>The file it was read from, as given on the command line.</summary>
    public string FilePath { get; init; } = "";

    /// <summary><c>tls_server_config</c>; null when none of its TLS fields is set (the listener stays plain HTTP).</summary>
    public TlsServerConfig? Tls { get; init; }

    /// <summary><c>http_server_config.http2</c>: offer HTTP/2 over TLS (fixed at start, as in the toolkit).</summary>
    public bool Http2 { get; init; } = true;

    /// <summary><c>http_server_config.headers</c>: set on every response, from the toolkit's allowed set.</summary>
    public IReadOnlyDictionary<string, string> Headers { get; init; } = new Dictionary<string, string>();

    /// <summary><c>basic_auth_users</c>: user name → bcrypt hash; empty means no basic authentication.</summary>
    public IReadOnlyDictionary<string, string> BasicAuthUsers { get; init; } = new Dictionary<string, string>();

    /// <summary><c>rate_limit.interval</c>: the time between two requests; zero disables the limiter.</summary>
    public TimeSpan RateLimitInterval { get; init; }

    /// <summary><c>rate_limit.burst</c>: requests allowed at once on top of the interval's rate.</summary>
    public int RateLimitBurst { get; init; }

    /// <summary>The cost (work factor) of the most expensive bcrypt hash among the users; 0 without users.</summary>
    public int MaxBcryptCost { get; init; }

    /// <summary>True when requests must carry credentials or a verified client certificate (not just TLS).</summary>
    public bool Authenticates =>
        BasicAuthUsers.Count > 0 ||
        Tls?.ClientAuth is ClientAuthType.RequireAndVerifyClientCert;
}

/// <summary>How the TLS server treats client certificates; the names are Go's <c>tls.ClientAuthType</c> values.</summary>
public enum ClientAuthType
{
    /// <summary>No client certificate is asked for.</summary>
    NoClientCert,

    /// <summary>A certificate is asked for; none, or any, is accepted without verification.</summary>
    RequestClientCert,

    /// <summary>A certificate is required but not verified.</summary>
    RequireAnyClientCert,

    /// <summary>A certificate is optional; one that is sent must verify against the client CAs.</summary>
    VerifyClientCertIfGiven,

    /// <summary>A certificate is required and must verify against the client CAs: mutual TLS.</summary>
    RequireAndVerifyClientCert,
}

/// <summary><c>tls_server_config</c> of the web configuration file; file paths are already resolved against its folder.</summary>
public sealed class TlsServerConfig
{
    /// <summary><c>cert_file</c>: the server's certificate (PEM, leaf first, then intermediates).</summary>
    public string? CertFile { get; init; }

    /// <summary><c>key_file</c>: the server certificate's private key (PEM).</summary>
    public string? KeyFile { get; init; }

    /// <summary><c>cert</c>: the certificate inline, as PEM text.</summary>
    public string? Cert { get; init; }

    /// <summary><c>key</c>: the private key inline, as PEM text (a secret).</summary>
    public string? Key { get; init; }

    /// <summary><c>client_ca_file</c>: the CAs that client certificates must chain to.</summary>
    public string? ClientCaFile { get; init; }

    /// <summary><c>client_ca</c>: the client CAs inline, as PEM text.</summary>
    public string? ClientCa { get; init; }

    /// <summary><c>client_auth_type</c>.</summary>
    public ClientAuthType ClientAuth { get; init; }

    /// <summary><c>client_allowed_sans</c>: when not empty, the client certificate must carry one of these SANs.</summary>
    public IReadOnlyList<string> ClientAllowedSans { get; init; } = [];

    /// <summary><c>min_version</c>: TLS12 (the default) or TLS13.</summary>
    public string MinVersion { get; init; } = "TLS12";

    /// <summary><c>max_version</c>: TLS12 or TLS13 (the default).</summary>
    public string MaxVersion { get; init; } = "TLS13";

    /// <summary><c>cipher_suites</c> for TLS 1.2, in preference order; null means the platform's defaults.</summary>
    public IReadOnlyList<TlsCipherSuite>? CipherSuites { get; init; }

    /// <summary><c>curve_preferences</c>: validated names; .NET offers no way to apply them, so OpenSSL's defaults hold.</summary>
    public IReadOnlyList<string> CurvePreferences { get; init; } = [];

    /// <summary><c>prefer_server_cipher_suites</c>: accepted for compatibility; Go ignores it since 1.18 and so does Ariane.</summary>
    public bool PreferServerCipherSuites { get; init; } = true;
}
