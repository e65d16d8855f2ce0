using System.Net;
using System.Security.Authentication;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;

namespace Ariane.Tests.Support;

/// <summary>
/// A certificate authority made by the test (ECDSA P-256, so it is quick), the certificates it issues, and HTTP
/// handlers that trust only it: real TLS without any certificate from outside the test.
/// </summary>
public sealed class TestPki : IDisposable
{
    private static readonly Oid ServerAuth = new("1.3.6.1.5.5.7.3.1");
    private static readonly Oid ClientAuth = new("1.3.6.1.5.5.7.3.2");

    /// <summary>Creates a self-signed CA named <paramref name="name"/>.</summary>
    public TestPki(string name)
    {
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var req = new CertificateRequest($"CN={name}", key, HashAlgorithmName.SHA256);
        req.CertificateExtensions.Add(new X509BasicConstraintsExtension(true, false, 0, true));
        req.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.KeyCertSign | X509KeyUsageFlags.CrlSign, true));
        req.CertificateExtensions.Add(new X509SubjectKeyIdentifierExtension(req.PublicKey, false));
        var now = DateTimeOffset.Now;
        Ca = req.CreateSelfSigned(now.AddDays(-1), now.AddYears(1));
    }

    /// <summary>The CA certificate, with its private key.</summary>
    public X509Certificate2 Ca { get; }

    /// <summary>The CA as PEM.</summary>
    public string CaPem => Ca.ExportCertificatePem();

    /// <summary>A server certificate for 127.0.0.1 and localhost.</summary>
    public X509Certificate2 IssueServer(string cn) => Issue(cn, ServerAuth, san =>
    {
        san.AddIpAddress(IPAddress.Loopback);
        san.AddDnsName("localhost");
    });

    /// <summary>A client certificate whose SANs are <paramref name="dnsNames"/>.</summary>
    public X509Certificate2 IssueClient(string cn, params string[] dnsNames) => Issue(cn, ClientAuth, san =>
    {
        foreach (var d in dnsNames)
        {
            san.AddDnsName(d);
        }
    });

    private X509Certificate2 Issue(string cn, Oid eku, Action<SubjectAlternativeNameBuilder> sans)
    {
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var req = new CertificateRequest($"CN={cn}", key, HashAlgorithmName.SHA256);
        req.CertificateExtensions.Add(new X509BasicConstraintsExtension(false, false, 0, false));
        req.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.DigitalSignature, true));
        req.CertificateExtensions.Add(new X509EnhancedKeyUsageExtension([eku], false));
        var b = new SubjectAlternativeNameBuilder();
        sans(b);
        req.CertificateExtensions.Add(b.Build());
        var now = DateTimeOffset.Now;
        byte[] serial = RandomNumberGenerator.GetBytes(12);
        serial[0] &= 0x7f;
        using var cert = req.Create(Ca, now.AddDays(-1), now.AddDays(30), serial);
        return cert.CopyWithPrivateKey(key);
    }

    /// <summary>Writes a certificate and its key as PEM files (the key as PKCS#8).</summary>
    public static void WritePem(X509Certificate2 cert, string certPath, string keyPath)
    {
        // Written beside and renamed, as a certificate manager does, so a reader never sees half a file.
        File.WriteAllText(certPath + ".tmp", cert.ExportCertificatePem());
        File.WriteAllText(keyPath + ".tmp", cert.GetECDsaPrivateKey()!.ExportPkcs8PrivateKeyPem());
        File.Move(keyPath + ".tmp", keyPath, overwrite: true);
        File.Move(certPath + ".tmp", certPath, overwrite: true);
    }

    /// <summary>
    /// A handler that trusts only this CA, offers <paramref name="clientCert"/> when given, and records the server
    /// certificate's subject in <paramref name="seen"/> (one new connection per handler).
    /// </summary>
    public SocketsHttpHandler Handler(X509Certificate2? clientCert = null, SslProtocols protocols = SslProtocols.None, List<string>? seen = null)
    {
        var ca = X509CertificateLoader.LoadCertificate(Ca.RawData);
        var h = new SocketsHttpHandler
        {
            PooledConnectionLifetime = TimeSpan.FromSeconds(1),
            ConnectTimeout = TimeSpan.FromSeconds(20),
        };
        h.SslOptions.EnabledSslProtocols = protocols;
        h.SslOptions.RemoteCertificateValidationCallback = (_, cert, _, _) =>
        {
            if (cert is null)
            {
                return false;
            }
            using var chain = new X509Chain();
            chain.ChainPolicy.TrustMode = X509ChainTrustMode.CustomRootTrust;
            chain.ChainPolicy.CustomTrustStore.Add(ca);
            chain.ChainPolicy.RevocationMode = X509RevocationMode.NoCheck;
            var c2 = cert as X509Certificate2 ?? X509CertificateLoader.LoadCertificate(cert.GetRawCertData());
            bool ok = chain.Build(c2);
            if (ok && seen is not null)
            {
                lock (seen)
                {
                    seen.Add(c2.GetNameInfo(X509NameType.SimpleName, false));
                }
            }
            return ok;
        };
        if (clientCert is not null)
        {
            h.SslOptions.ClientCertificates = [clientCert];
            h.SslOptions.LocalCertificateSelectionCallback = (_, _, _, _, _) => clientCert;
        }
        return h;
    }

    /// <inheritdoc/>
    public void Dispose() => Ca.Dispose();
}
