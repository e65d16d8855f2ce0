using System.Net.Security;
using System.Security.Authentication;
using System.Security.Cryptography.X509Certificates;
using Ariane.Config;

namespace Ariane.Scrape;

/// <summary>
/// TLS for a scrape pool's connections: the client options built once from tls_config (server name, minimum version,
/// client certificate, CA file, insecure_skip_verify) and the handshake over a connected socket's stream.
/// </summary>
internal sealed class ScrapeTls
{
    private readonly SslClientAuthenticationOptions? _options; // null without a tls_config: the system's defaults

    /// <summary>Builds the options from <paramref name="config"/>, reading the certificate and CA files now.</summary>
    public ScrapeTls(TlsConfig? config)
    {
        _options = config is { } tls ? Options(tls) : null;
    }

    /// <summary>
    /// Authenticates as a client over <paramref name="inner"/> (which the returned stream owns), with
    /// <paramref name="address"/> as the server name unless tls_config names one. The deadline closes the stream under
    /// the handshake; a failed handshake reads as <see cref="HttpClient"/>'s.
    /// </summary>
    public SslStream Authenticate(Stream inner, string address, CancellationToken ct)
    {
#pragma warning disable CA2000 // returned to the caller, which owns it; a failed handshake disposes it
        var ssl = new SslStream(inner, leaveInnerStreamOpen: false);
#pragma warning restore CA2000
        // A copy per connection: the server name is set per target.
        var options = _options is null ? new SslClientAuthenticationOptions() : Clone(_options);
        if (string.IsNullOrEmpty(options.TargetHost))
        {
            options.TargetHost = address;
        }
        using (ct.UnsafeRegister(static s => ((Stream)s!).Dispose(), ssl))
        {
            try
            {
                ssl.AuthenticateAsClient(options);
            }
            catch (Exception e) when (e is IOException or AuthenticationException or ObjectDisposedException)
            {
                ssl.Dispose();
                ct.ThrowIfCancellationRequested();
                throw new HttpRequestException("The SSL connection could not be established, see inner exception.", e);
            }
        }
        return ssl;
    }

    private static SslClientAuthenticationOptions Clone(SslClientAuthenticationOptions o) => new()
    {
        TargetHost = o.TargetHost,
        EnabledSslProtocols = o.EnabledSslProtocols,
        ClientCertificates = o.ClientCertificates,
        RemoteCertificateValidationCallback = o.RemoteCertificateValidationCallback,
    };

    /// <summary>TLS options from tls_config: server name, minimum version, client certificate, CA, insecure_skip_verify.</summary>
    private static SslClientAuthenticationOptions Options(TlsConfig tls)
    {
        var o = new SslClientAuthenticationOptions();
        if (!string.IsNullOrEmpty(tls.ServerName))
        {
            o.TargetHost = tls.ServerName;
        }
        o.EnabledSslProtocols = tls.MinVersion switch
        {
            "TLS13" => SslProtocols.Tls13,
            _ => SslProtocols.Tls12 | SslProtocols.Tls13,
        };
        if (!string.IsNullOrEmpty(tls.CertFile) && !string.IsNullOrEmpty(tls.KeyFile))
        {
#pragma warning disable CA2000 // the certificate lives in the options, which the client keeps for its lifetime
            o.ClientCertificates = [X509Certificate2.CreateFromPemFile(tls.CertFile, tls.KeyFile)];
#pragma warning restore CA2000
        }
        X509Certificate2Collection? roots = null;
        if (!string.IsNullOrEmpty(tls.CaFile))
        {
            roots = [];
            roots.ImportFromPemFile(tls.CaFile);
        }
        if (tls.InsecureSkipVerify)
        {
            // The user asked for it with insecure_skip_verify, as in Prometheus.
#pragma warning disable CA5359
            o.RemoteCertificateValidationCallback = static (_, _, _, _) => true;
#pragma warning restore CA5359
        }
        else if (roots is not null)
        {
            o.RemoteCertificateValidationCallback = (_, cert, _, errors) =>
            {
                if (cert is null)
                {
                    return false;
                }
                if ((errors & SslPolicyErrors.RemoteCertificateNameMismatch) != 0)
                {
                    return false;
                }
                using var chain = new X509Chain();
                chain.ChainPolicy.TrustMode = X509ChainTrustMode.CustomRootTrust;
                chain.ChainPolicy.CustomTrustStore.AddRange(roots);
                chain.ChainPolicy.RevocationMode = X509RevocationMode.NoCheck;
                return chain.Build(new X509Certificate2(cert));
            };
        }
        return o;
    }
}
