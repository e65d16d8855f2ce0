using System.Formats.Asn1;
using System.Net;
using System.Net.Security;
using System.Security.Authentication;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using Ariane.Config;
using Microsoft.AspNetCore.Server.Kestrel.Https;

namespace Ariane.Server.Web;

/// <summary>
/// The TLS side of the web configuration: Kestrel asks it for each new connection's options, as the toolkit's
/// <c>GetConfigForClient</c> re-reads the file per connection. The certificate and key are loaded again when their
/// files' modification time or length changed, so a rotated certificate is served without a restart; the client
/// certificate policy, client CAs, versions and cipher suites follow the file the same way.
/// </summary>
public sealed class TlsServer
{
    private static readonly Oid ClientAuthEku = new("1.3.6.1.5.5.7.3.2", "Client Authentication");

    private readonly WebConfigSource _source;
    private readonly Lock _gate = new();
    private CertKey? _certKey;
    private SslStreamCertificateContext? _certContext;
    private CaKey? _caKey;
    private X509Certificate2Collection? _cas;
    private TlsServerConfig? _policyFor;
    private CipherSuitesPolicy? _policy;

    /// <summary>Serves TLS as <paramref name="source"/>'s file says.</summary>
    public TlsServer(WebConfigSource source)
    {
        _source = source;
    }

    /// <summary>Where certificate reloads and refused client certificates are logged (set once the logger exists).</summary>
    public ILogger Log { get; set; } = Microsoft.Extensions.Logging.Abstractions.NullLogger.Instance;

    /// <summary>The options for one connection's handshake (Kestrel's <c>TlsHandshakeCallbackOptions.OnConnection</c>).</summary>
    public ValueTask<SslServerAuthenticationOptions> OnConnectionAsync(TlsHandshakeCallbackContext ctx) => ValueTask.FromResult(Options());

    /// <summary>Builds the options from the file as it is now; throws (failing the handshake) when it has no usable TLS config.</summary>
    public SslServerAuthenticationOptions Options()
    {
        var c = _source.Current(out string? error);
        var t = c?.Tls ?? throw new AuthenticationException(error ?? "the web config file no longer configures TLS");
        SslStreamCertificateContext cert;
        X509Certificate2Collection? cas;
        CipherSuitesPolicy? policy;
        lock (_gate)
        {
            cert = Certificate(t);
            cas = ClientCas(t);
            if (!ReferenceEquals(_policyFor, t))
            {
                _policy = t.CipherSuites is { } suites && !OperatingSystem.IsWindows() ? Policy(suites) : null;
                _policyFor = t;
            }
            policy = _policy;
        }
        return new SslServerAuthenticationOptions
        {
            ServerCertificateContext = cert,
            EnabledSslProtocols = Protocols(t.MinVersion, t.MaxVersion),
            CipherSuitesPolicy = policy,
            ClientCertificateRequired = t.ClientAuth != ClientAuthType.NoClientCert,
            CertificateRevocationCheckMode = X509RevocationMode.NoCheck,
            RemoteCertificateValidationCallback = (_, peer, chain, _) => ValidateClient(t, cas, peer, chain),
        };
    }

    internal static SslProtocols Protocols(string min, string max) => (min, max) switch
    {
        ("TLS13", _) => SslProtocols.Tls13,
        (_, "TLS12") => SslProtocols.Tls12,
        _ => SslProtocols.Tls12 | SslProtocols.Tls13,
    };

    // Go applies cipher_suites to TLS 1.2 only and always allows its three TLS 1.3 suites; OpenSSL's policy covers both,
    // so the TLS 1.3 suites are added to keep TLS 1.3 working as in Prometheus.
    [System.Runtime.Versioning.UnsupportedOSPlatform("windows")]
    private static CipherSuitesPolicy Policy(IReadOnlyList<TlsCipherSuite> suites)
    {
        var all = new List<TlsCipherSuite>(suites.Count + 3);
        foreach (var s in suites)
        {
            if (s is not (TlsCipherSuite.TLS_AES_128_GCM_SHA256 or TlsCipherSuite.TLS_AES_256_GCM_SHA384 or TlsCipherSuite.TLS_CHACHA20_POLY1305_SHA256))
            {
                all.Add(s);
            }
        }
        all.Add(TlsCipherSuite.TLS_AES_128_GCM_SHA256);
        all.Add(TlsCipherSuite.TLS_AES_256_GCM_SHA384);
        all.Add(TlsCipherSuite.TLS_CHACHA20_POLY1305_SHA256);
        return new CipherSuitesPolicy(all);
    }

    private SslStreamCertificateContext Certificate(TlsServerConfig t)
    {
        var key = new CertKey(t.CertFile, Stamp(t.CertFile), t.KeyFile, Stamp(t.KeyFile), t.Cert, t.Key);
        if (_certContext is not null && key == _certKey)
        {
            return _certContext;
        }
        try
        {
            var certs = WebConfigLoader.LoadCertificate(t);
            var intermediates = new X509Certificate2Collection();
            for (int i = 1; i < certs.Count; i++)
            {
                intermediates.Add(certs[i]);
            }
            _certContext = SslStreamCertificateContext.Create(certs[0], intermediates, offline: true);
            if (_certKey is not null)
            {
                WebLog.CertificateLoaded(Log, certs[0].Subject, certs[0].NotAfter.ToUniversalTime());
            }
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or CryptographicException or ArgumentException)
        {
            if (_certContext is null)
            {
                throw new AuthenticationException(e.Message, e);
            }
            // Mid-rotation (the certificate written, the key not yet) or a bad file: the last good pair keeps serving,
            // and the next change to the files is tried again.
            WebLog.CertificateLoadFailed(Log, e.Message);
        }
        _certKey = key;
        return _certContext!;
    }

    private X509Certificate2Collection? ClientCas(TlsServerConfig t)
    {
        var key = new CaKey(t.ClientCaFile, Stamp(t.ClientCaFile), t.ClientCa);
        if (key == _caKey)
        {
            return _cas;
        }
        try
        {
            _cas = WebConfigLoader.LoadClientCas(t);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or CryptographicException)
        {
            if (_caKey is null)
            {
                throw new AuthenticationException(e.Message, e);
            }
            WebLog.ClientCasLoadFailed(Log, e.Message);
        }
        _caKey = key;
        return _cas;
    }

    private static (long, long) Stamp(string? path) => path is null ? default : WebConfigSource.Stamp(path);

    private bool ValidateClient(TlsServerConfig t, X509Certificate2Collection? cas, X509Certificate? peer, X509Chain? presented)
    {
        if (t.ClientAuth is ClientAuthType.NoClientCert or ClientAuthType.RequestClientCert)
        {
            return true;
        }
        if (peer is null)
        {
            if (t.ClientAuth == ClientAuthType.VerifyClientCertIfGiven)
            {
                return true;
            }
            WebLog.HandshakeWithoutCertificate(Log, t.ClientAuth);
            return false;
        }
        var cert = peer as X509Certificate2 ?? X509CertificateLoader.LoadCertificate(peer.GetRawCertData());
        if (t.ClientAuth is ClientAuthType.VerifyClientCertIfGiven or ClientAuthType.RequireAndVerifyClientCert && !Verify(cert, cas, presented))
        {
            return false;
        }
        if (t.ClientAllowedSans.Count > 0 && !HasAllowedSan(cert, t.ClientAllowedSans))
        {
            WebLog.HandshakeSanNotAllowed(Log, cert.Subject);
            return false;
        }
        return true;
    }

    // As Go's x509 verification of client certificates: chained to the client CAs (the system's roots when none are
    // configured) with the client-authentication usage, and within its validity period.
    private bool Verify(X509Certificate2 cert, X509Certificate2Collection? cas, X509Chain? presented)
    {
        using var chain = new X509Chain();
        var p = chain.ChainPolicy;
        p.RevocationMode = X509RevocationMode.NoCheck;
        p.ApplicationPolicy.Add(ClientAuthEku);
        if (cas is not null)
        {
            p.TrustMode = X509ChainTrustMode.CustomRootTrust;
            p.CustomTrustStore.AddRange(cas);
        }
        if (presented is not null)
        {
            // The intermediates the client sent with its certificate.
            p.ExtraStore.AddRange(presented.ChainPolicy.ExtraStore);
        }
        if (chain.Build(cert))
        {
            return true;
        }
        if (Log.IsEnabled(LogLevel.Debug))
        {
            var why = new List<string>();
            foreach (var s in chain.ChainStatus)
            {
                why.Add(s.Status.ToString());
            }
            WebLog.HandshakeNotVerified(Log, cert.Subject, string.Join(",", why));
        }
        return false;
    }

    /// <summary>True when the certificate has a DNS, e-mail, IP or URI subject alternative name in <paramref name="allowed"/>.</summary>
    internal static bool HasAllowedSan(X509Certificate2 cert, IReadOnlyList<string> allowed)
    {
        foreach (var ext in cert.Extensions)
        {
            if (ext.Oid?.Value != "2.5.29.17")
            {
                continue;
            }
            try
            {
                var seq = new AsnReader(ext.RawData, AsnEncodingRules.DER).ReadSequence();
                while (seq.HasData)
                {
                    var tag = seq.PeekTag();
                    string? value = tag.TagClass != TagClass.ContextSpecific ? null : tag.TagValue switch
                    {
                        1 => seq.ReadCharacterString(UniversalTagNumber.IA5String, tag),
                        2 => seq.ReadCharacterString(UniversalTagNumber.IA5String, tag),
                        6 => seq.ReadCharacterString(UniversalTagNumber.IA5String, tag),
                        7 => new IPAddress(seq.ReadOctetString(tag)).ToString(),
                        _ => null,
                    };
                    if (value is null)
                    {
                        seq.ReadEncodedValue();
                    }
                    else if (Contains(allowed, value))
                    {
                        return true;
                    }
                }
            }
            catch (Exception e) when (e is AsnContentException or ArgumentException)
            {
                return false;
            }
        }
        return false;
    }

    private static bool Contains(IReadOnlyList<string> list, string value)
    {
        foreach (var s in list)
        {
            if (s == value)
            {
                return true;
            }
        }
        return false;
    }

    private sealed record CertKey(string? CertFile, (long, long) CertStamp, string? KeyFile, (long, long) KeyStamp, string? Cert, string? Key);

    private sealed record CaKey(string? File, (long, long) Stamp, string? Text);
}
