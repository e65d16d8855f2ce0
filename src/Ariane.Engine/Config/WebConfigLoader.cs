using System.Globalization;
using System.Net.Security;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using YamlDotNet.RepresentationModel;

namespace Ariane.Config;

/// <summary>
/// Loads the web configuration file strictly, as the exporter-toolkit's <c>web.Validate</c> does: unknown fields,
/// unknown names (TLS versions, cipher suites, curves, client auth types), forbidden headers, bcrypt hashes that are
/// not bcrypt and certificates that do not load are <see cref="ConfigException"/>s with file, line and column.
/// </summary>
public static class WebConfigLoader
{
    /// <summary>Response headers the toolkit lets a web config set, with the values allowed (null: any value).</summary>
    private static readonly Dictionary<string, string[]?> AllowedHeaders = new(StringComparer.Ordinal)
    {
        ["Strict-Transport-Security"] = null,
        ["X-Content-Type-Options"] = ["nosniff"],
        ["X-Frame-Options"] = ["deny", "sameorigin"],
        ["X-XSS-Protection"] = null,
        ["Content-Security-Policy"] = null,
    };

    /// <summary>
    /// Go's secure cipher suites (<c>tls.CipherSuites()</c>, the only names the toolkit accepts), by their Go names,
    /// which are the IANA names .NET's <see cref="TlsCipherSuite"/> uses too.
    /// </summary>
    internal static readonly Dictionary<string, TlsCipherSuite> CipherSuites = new(StringComparer.Ordinal)
    {
        ["TLS_AES_128_GCM_SHA256"] = TlsCipherSuite.TLS_AES_128_GCM_SHA256,
        ["TLS_AES_256_GCM_SHA384"] = TlsCipherSuite.TLS_AES_256_GCM_SHA384,
        ["TLS_CHACHA20_POLY1305_SHA256"] = TlsCipherSuite.TLS_CHACHA20_POLY1305_SHA256,
        ["TLS_ECDHE_ECDSA_WITH_AES_128_CBC_SHA"] = TlsCipherSuite.TLS_ECDHE_ECDSA_WITH_AES_128_CBC_SHA,
        ["TLS_ECDHE_ECDSA_WITH_AES_256_CBC_SHA"] = TlsCipherSuite.TLS_ECDHE_ECDSA_WITH_AES_256_CBC_SHA,
        ["TLS_ECDHE_RSA_WITH_AES_128_CBC_SHA"] = TlsCipherSuite.TLS_ECDHE_RSA_WITH_AES_128_CBC_SHA,
        ["TLS_ECDHE_RSA_WITH_AES_256_CBC_SHA"] = TlsCipherSuite.TLS_ECDHE_RSA_WITH_AES_256_CBC_SHA,
        ["TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256"] = TlsCipherSuite.TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256,
        ["TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384"] = TlsCipherSuite.TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384,
        ["TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256"] = TlsCipherSuite.TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256,
        ["TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384"] = TlsCipherSuite.TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384,
        ["TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305_SHA256"] = TlsCipherSuite.TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305_SHA256,
        ["TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256"] = TlsCipherSuite.TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256,
    };

    /// <summary>The curve names the toolkit accepts in <c>curve_preferences</c>.</summary>
    private static readonly HashSet<string> Curves = new(StringComparer.Ordinal) { "CurveP256", "CurveP384", "CurveP521", "X25519" };

    /// <summary>Reads and validates a web configuration file; relative paths in it resolve against its folder.</summary>
    public static WebConfig LoadFile(string path)
    {
        string text;
        try
        {
            text = File.ReadAllText(path);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new ConfigException(path, 0, 0, "cannot read web config file: " + e.Message, e);
        }
        return Load(text, path, Path.GetDirectoryName(Path.GetFullPath(path)));
    }

    /// <summary>Validates web config text; <paramref name="fileName"/> names it in errors.</summary>
    public static WebConfig Load(string yaml, string fileName, string? baseDir = null)
    {
        var r = new YamlReader(fileName, baseDir);
        var root = r.ParseDocument(yaml);
        TlsServerConfig? tls = null;
        bool http2 = true;
        var headers = new Dictionary<string, string>(StringComparer.Ordinal);
        var users = new Dictionary<string, string>(StringComparer.Ordinal);
        TimeSpan interval = TimeSpan.Zero;
        int burst = 0, maxCost = 0;
        YamlNode? http2Node = null;
        if (root is not null)
        {
            foreach (var (k, v) in r.Fields(root, "web.Config"))
            {
                switch (k.Value)
                {
                    case "tls_server_config":
                        tls = Tls(r, v);
                        break;
                    case "http_server_config":
                        foreach (var (hk, hv) in r.Fields(v, "web.HTTPConfig"))
                        {
                            switch (hk.Value)
                            {
                                case "http2": http2 = r.Bool(hv, true); http2Node = hv; break;
                                case "headers": Headers(r, hv, headers); break;
                                default: r.Unknown(hk, "web.HTTPConfig"); break;
                            }
                        }
                        break;
                    case "basic_auth_users":
                        foreach (var (uk, uv) in r.Fields(v, "map[string]config.Secret"))
                        {
                            string hash = r.Str(uv);
                            int cost = BcryptCost(hash);
                            if (cost < 0)
                            {
                                // The hash is a secret: say what is wrong with it, never what it is.
                                r.Fail(uv, $"basic_auth_users: the password of user \"{uk.Value}\" is not a bcrypt hash " +
                                    "(want $2a$, $2b$ or $2y$, a cost from 04 to 31 and 60 characters in all, as 'htpasswd -nBC 10' prints)");
                            }
                            users[uk.Value ?? ""] = hash;
                            maxCost = Math.Max(maxCost, cost);
                        }
                        break;
                    case "rate_limit":
                        foreach (var (rk, rv) in r.Fields(v, "web.RateLimiterConfig"))
                        {
                            switch (rk.Value)
                            {
                                case "interval": interval = r.Duration(rv); break;
                                case "burst":
                                    long b = r.Long(rv);
                                    if (b is < 0 or > int.MaxValue)
                                    {
                                        r.Fail(rv, "rate_limit.burst must be between 0 and 2147483647");
                                    }
                                    burst = (int)b;
                                    break;
                                default: r.Unknown(rk, "web.RateLimiterConfig"); break;
                            }
                        }
                        break;
                    default:
                        r.Unknown(k, "web.Config");
                        break;
                }
            }
        }
        if (tls?.CipherSuites is { } suites && http2 && tls.MinVersion != "TLS13" && !HasHttp2Cipher(suites))
        {
            // Go's http2.ConfigureServer refuses the same: HTTP/2 over TLS 1.2 requires an AES-128-GCM suite (RFC 7540 9.2.2).
            r.Fail(http2Node ?? root!, "http2: TLSConfig.CipherSuites is missing an HTTP/2-required AES_128_GCM_SHA256 cipher " +
                "(need at least one of TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256 or TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256)");
        }
        return new WebConfig
        {
            FilePath = fileName,
            Tls = tls,
            Http2 = http2,
            Headers = headers,
            BasicAuthUsers = users,
            RateLimitInterval = interval,
            RateLimitBurst = burst,
            MaxBcryptCost = maxCost,
        };
    }

    private static bool HasHttp2Cipher(IReadOnlyList<TlsCipherSuite> suites)
    {
        foreach (var s in suites)
        {
            if (s is TlsCipherSuite.TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256 or TlsCipherSuite.TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256)
            {
                return true;
            }
        }
        return false;
    }

    private static void Headers(YamlReader r, YamlNode node, Dictionary<string, string> headers)
    {
        foreach (var (k, v) in r.Fields(node, "map[string]string"))
        {
            string name = k.Value ?? "";
            string value = r.Str(v);
            if (!AllowedHeaders.TryGetValue(name, out var allowed))
            {
                r.Fail(k, $"HTTP header \"{name}\" can not be configured (allowed: Content-Security-Policy, Strict-Transport-Security, " +
                    "X-Content-Type-Options, X-Frame-Options, X-XSS-Protection)");
            }
            if (allowed is not null && Array.IndexOf(allowed, value) < 0)
            {
                r.Fail(v, $"invalid value for {name}. Expected one of: [\"{string.Join("\" \"", allowed)}\"], but got: \"{value}\"");
            }
            if (value.Length > 0)
            {
                // Blank means unset, as the toolkit documents.
                headers[name] = value;
            }
        }
    }

    private static TlsServerConfig? Tls(YamlReader r, YamlNode node)
    {
        const string T = "web.TLSConfig";
        string? certFile = null, keyFile = null, cert = null, key = null, caFile = null, ca = null, auth = null;
        YamlNode? certNode = null, keyNode = null, caNode = null, authNode = null, minNode = null, sansNode = null;
        string min = "TLS12", max = "TLS13";
        List<TlsCipherSuite>? suites = null;
        var curves = new List<string>();
        var sans = new List<string>();
        bool prefer = true;
        foreach (var (k, v) in r.Fields(node, T))
        {
            switch (k.Value)
            {
                case "cert_file": certFile = r.OptPath(v); certNode ??= v; break;
                case "key_file": keyFile = r.OptPath(v); keyNode ??= v; break;
                case "cert": cert = r.OptStr(v); certNode = v; break;
                case "key": key = r.OptStr(v); keyNode = v; break;
                case "client_ca_file": caFile = r.OptPath(v); caNode ??= v; break;
                case "client_ca": ca = r.OptStr(v); caNode = v; break;
                case "client_auth_type": auth = r.OptStr(v); authNode = v; break;
                case "client_allowed_sans": sans = r.StrList(v); sansNode = v; break;
                case "min_version": min = Version(r, v); minNode = v; break;
                case "max_version": max = Version(r, v); break;
                case "prefer_server_cipher_suites": prefer = r.Bool(v, true); break;
                case "cipher_suites":
                    suites = [];
                    foreach (var e in r.Seq(v, "[]web.Cipher"))
                    {
                        string name = r.Str(e);
                        if (!CipherSuites.TryGetValue(name, out var suite))
                        {
                            r.Fail(e, $"unknown cipher: {name} (Go's secure suites are accepted: {string.Join(", ", CipherSuites.Keys)})");
                        }
                        suites.Add(suite);
                    }
                    if (suites.Count == 0)
                    {
                        suites = null; // empty means the defaults, as in Go
                    }
                    break;
                case "curve_preferences":
                    foreach (var e in r.Seq(v, "[]web.Curve"))
                    {
                        string name = r.Str(e);
                        if (!Curves.Contains(name))
                        {
                            r.Fail(e, $"unknown curve: {name} (known: CurveP256, CurveP384, CurveP521, X25519)");
                        }
                        curves.Add(name);
                    }
                    break;
                default:
                    r.Unknown(k, T);
                    break;
            }
        }
        var clientAuth = auth switch
        {
            null or "" or "NoClientCert" => ClientAuthType.NoClientCert,
            "RequestClientCert" => ClientAuthType.RequestClientCert,
            "RequireAnyClientCert" or "RequireClientCert" => ClientAuthType.RequireAnyClientCert,
            "VerifyClientCertIfGiven" => ClientAuthType.VerifyClientCertIfGiven,
            "RequireAndVerifyClientCert" => ClientAuthType.RequireAndVerifyClientCert,
            _ => Invalid(r, authNode!, $"invalid ClientAuth: {auth} (want NoClientCert, RequestClientCert, RequireAnyClientCert, " +
                "VerifyClientCertIfGiven or RequireAndVerifyClientCert)"),
        };
        var t = new TlsServerConfig
        {
            CertFile = certFile,
            KeyFile = keyFile,
            Cert = cert,
            Key = key,
            ClientCaFile = caFile,
            ClientCa = ca,
            ClientAuth = clientAuth,
            ClientAllowedSans = sans,
            MinVersion = min,
            MaxVersion = max,
            CipherSuites = suites,
            CurvePreferences = curves,
            PreferServerCipherSuites = prefer,
        };
        // As the toolkit's TLSConfig.IsEnabled: versions, suites and curves alone do not turn TLS on.
        bool enabled = certFile is not null || cert is not null || keyFile is not null || key is not null
            || caFile is not null || ca is not null || auth is { Length: > 0 };
        if (!enabled)
        {
            return null;
        }
        if (certFile is not null && cert is not null)
        {
            r.Fail(node, "at most one of cert and cert_file must be configured");
        }
        if (keyFile is not null && key is not null)
        {
            r.Fail(node, "at most one of key and key_file must be configured");
        }
        if (caFile is not null && ca is not null)
        {
            r.Fail(node, "at most one of client_ca and client_ca_file must be configured");
        }
        if (certFile is null && cert is null)
        {
            r.Fail(node, "missing one of cert or cert_file");
        }
        if (keyFile is null && key is null)
        {
            r.Fail(node, "missing one of key or key_file");
        }
        if (VersionRank(min) > VersionRank(max))
        {
            r.Fail(minNode!, $"min_version {min} is above max_version {max}");
        }
        if ((caFile is not null || ca is not null) && clientAuth == ClientAuthType.NoClientCert)
        {
            r.Fail(caNode!, "client CA's have been configured without a Client Auth Policy");
        }
        if (sans.Count > 0 && clientAuth is not (ClientAuthType.RequireAnyClientCert or ClientAuthType.RequireAndVerifyClientCert))
        {
            r.Fail(sansNode!, "client_allowed_sans requires client_auth_type RequireAnyClientCert or RequireAndVerifyClientCert " +
                "(the other types let a client connect without a certificate, leaving no SAN to check)");
        }
        try
        {
            foreach (var c in LoadCertificate(t))
            {
                c.Dispose();
            }
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or CryptographicException or ArgumentException)
        {
            r.Fail(certNode!, e.Message);
        }
        try
        {
            var cas = LoadClientCas(t);
            if (cas is not null && cas.Count == 0)
            {
                r.Fail(caNode!, "the client CA has no PEM certificate in it");
            }
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or CryptographicException)
        {
            r.Fail(caNode!, e.Message);
        }
        return t;
    }

    private static ClientAuthType Invalid(YamlReader r, YamlNode node, string reason)
    {
        r.Fail(node, reason);
        return default;
    }

    private static string Version(YamlReader r, YamlNode v)
    {
        string s = r.Str(v);
        switch (s)
        {
            case "TLS12" or "TLS13":
                return s;
            case "TLS10" or "TLS11":
                r.Fail(v, $"TLS version {s} is not supported: .NET on Linux (OpenSSL's default security level) refuses TLS 1.0 and 1.1; use TLS12 or TLS13");
                return s;
            default:
                r.Fail(v, $"unknown TLS version: {s} (want TLS12 or TLS13)");
                return s;
        }
    }

    private static int VersionRank(string v) => v == "TLS13" ? 13 : 12;

    /// <summary>
    /// Loads the server certificate (leaf with its private key, then any intermediates in the same PEM) from the files
    /// or the inline text; errors name the file. The caller disposes the certificates.
    /// </summary>
    public static X509Certificate2Collection LoadCertificate(TlsServerConfig t)
    {
        string certPem = t.CertFile is { } cf ? ReadPem(cf, "cert_file") : t.Cert ?? "";
        string keyPem = t.KeyFile is { } kf ? ReadPem(kf, "key_file") : t.Key ?? "";
        X509Certificate2 leaf;
        try
        {
            leaf = X509Certificate2.CreateFromPem(certPem, keyPem);
        }
        catch (CryptographicException e)
        {
            string what = t.CertFile is not null ? $"cert_file ({t.CertFile}) and key_file ({t.KeyFile ?? "inline key"})" : "cert and key";
            throw new CryptographicException($"failed to load X509KeyPair from {what}: {e.Message}", e);
        }
        var all = new X509Certificate2Collection { leaf };
        var chain = new X509Certificate2Collection();
        chain.ImportFromPem(certPem);
        // The first certificate is the leaf (loaded with its key above); the others are intermediates to send along.
        for (int i = 1; i < chain.Count; i++)
        {
            all.Add(chain[i]);
        }
        chain[0].Dispose();
        return all;
    }

    /// <summary>The client CAs from <c>client_ca_file</c> or <c>client_ca</c>; null when neither is set.</summary>
    public static X509Certificate2Collection? LoadClientCas(TlsServerConfig t)
    {
        string? pem = t.ClientCaFile is { } f ? ReadPem(f, "client_ca_file") : t.ClientCa;
        if (pem is null)
        {
            return null;
        }
        var cas = new X509Certificate2Collection();
        cas.ImportFromPem(pem);
        return cas;
    }

    private static string ReadPem(string path, string field)
    {
        try
        {
            return File.ReadAllText(path);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new IOException($"failed to read {field} ({path}): {e.Message}", e);
        }
    }

    /// <summary>
    /// The cost of a bcrypt hash as Go's <c>bcrypt.Cost</c> accepts it ($2a$, $2b$, $2x$ or $2y$, cost 04 to 31, 22 salt
    /// and 31 hash characters of bcrypt's base64); -1 when it is not one.
    /// </summary>
    public static int BcryptCost(string hash)
    {
        if (hash.Length != 60 || hash[0] != '$' || hash[1] != '2' || hash[2] is not ('a' or 'b' or 'x' or 'y') || hash[3] != '$'
            || hash[6] != '$' || !int.TryParse(hash.AsSpan(4, 2), NumberStyles.None, CultureInfo.InvariantCulture, out int cost)
            || cost is < 4 or > 31)
        {
            return -1;
        }
        foreach (char c in hash.AsSpan(7))
        {
            if (!(c is '.' or '/' or (>= 'A' and <= 'Z') or (>= 'a' and <= 'z') or (>= '0' and <= '9')))
            {
                return -1;
            }
        }
        return cost;
    }
}
