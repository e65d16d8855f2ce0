using System.Net.Http.Headers;
using System.Net.Security;
using System.Security.Authentication;
using System.Security.Cryptography.X509Certificates;
using Ariane.Config;

namespace Ariane.Scrape;

/// <summary>
/// Builds the HTTP client of one scrape pool from its config: TLS (CA, client certificate, server name,
/// insecure_skip_verify, min_version), basic auth, authorization and bearer tokens (files re-read on every
/// request, so rotated credentials are picked up), redirects. Decompression is left to the scrape loop so
/// the body size limit applies to the decompressed body.
/// </summary>
internal static class ScrapeHttpClientFactory
{
    public static HttpClient Create(ScrapeConfig cfg)
    {
        var h = cfg.HttpClient;
        var handler = new SocketsHttpHandler
        {
            AutomaticDecompression = System.Net.DecompressionMethods.None,
            AllowAutoRedirect = h.FollowRedirects,
            PooledConnectionIdleTimeout = TimeSpan.FromMinutes(5),
            ConnectTimeout = TimeSpan.FromSeconds(30),
            UseProxy = false,
            MaxResponseHeadersLength = 64,
        };
        if (h.TlsConfig is { } tls)
        {
            handler.SslOptions = TlsOptions(tls);
        }
        var client = new HttpClient(new AuthHandler(h) { InnerHandler = handler })
        {
            Timeout = Timeout.InfiniteTimeSpan, // each scrape has its own deadline
        };
        client.DefaultRequestHeaders.UserAgent.ParseAdd("Ariane/" + typeof(ScrapeHttpClientFactory).Assembly.GetName().Version);
        return client;
    }

    private static SslClientAuthenticationOptions TlsOptions(TlsConfig tls)
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
            o.ClientCertificates = [X509Certificate2.CreateFromPemFile(tls.CertFile, tls.KeyFile)];
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

    /// <summary>Adds credentials to each request.</summary>
    private sealed class AuthHandler(HttpClientConfig cfg) : DelegatingHandler
    {
        protected override Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken ct)
        {
            Authorize(request);
            return base.SendAsync(request, ct);
        }

        // Scrapes run synchronously on the scheduler's threads (see ScrapeScheduler).
        protected override HttpResponseMessage Send(HttpRequestMessage request, CancellationToken ct)
        {
            Authorize(request);
            return base.Send(request, ct);
        }

        private void Authorize(HttpRequestMessage request)
        {
            if (cfg.BasicAuth is { } basic)
            {
                string password = basic.PasswordFile is { Length: > 0 } pf ? File.ReadAllText(pf).TrimEnd('\n', '\r') : basic.Password ?? "";
                string token = Convert.ToBase64String(System.Text.Encoding.UTF8.GetBytes(basic.Username + ":" + password));
                request.Headers.Authorization = new AuthenticationHeaderValue("Basic", token);
            }
            else if (cfg.Authorization is { } auth)
            {
                string cred = auth.CredentialsFile is { Length: > 0 } cf ? File.ReadAllText(cf).TrimEnd('\n', '\r') : auth.Credentials ?? "";
                request.Headers.Authorization = new AuthenticationHeaderValue(string.IsNullOrEmpty(auth.Type) ? "Bearer" : auth.Type, cred);
            }
            else if (!string.IsNullOrEmpty(cfg.BearerToken) || !string.IsNullOrEmpty(cfg.BearerTokenFile))
            {
                string cred = cfg.BearerTokenFile is { Length: > 0 } bf ? File.ReadAllText(bf).TrimEnd('\n', '\r') : cfg.BearerToken ?? "";
                request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", cred);
            }
        }
    }
}
