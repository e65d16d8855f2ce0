using System.Net.Security;
using Ariane.Config;
using Ariane.Tests.Support;

namespace Ariane.Tests.Config;

/// <summary>The web configuration file (exporter-toolkit format): what loads, and the errors with their positions.</summary>
public sealed class WebConfigLoaderTests : IDisposable
{
    // A well-formed cost-4 bcrypt hash (the loader checks the form; nothing verifies a password here); its text must never
    // appear in an error.
    private const string Hash = "$2y$04$3EiOufxGfeIfXVBimnjyVOJ73DP54Jj82wZW1ZqH1QQHz5rNYQLYW";

    private readonly string _dir = Directory.CreateTempSubdirectory("ariane-webcfg").FullName;
    private readonly TestPki _pki = new("test-ca");

    public WebConfigLoaderTests()
    {
        using var server = _pki.IssueServer("server");
        TestPki.WritePem(server, Path.Combine(_dir, "server.crt"), Path.Combine(_dir, "server.key"));
        File.WriteAllText(Path.Combine(_dir, "ca.crt"), _pki.CaPem);
    }

    public void Dispose()
    {
        _pki.Dispose();
        Directory.Delete(_dir, true);
    }

    private WebConfig Load(string yaml)
    {
        string p = Path.Combine(_dir, "web.yml");
        File.WriteAllText(p, yaml);
        return WebConfigLoader.LoadFile(p);
    }

    [Fact]
    public void EmptyFileMeansPlainHttpWithoutAuthentication()
    {
        var c = Load("");
        Assert.Null(c.Tls);
        Assert.Empty(c.BasicAuthUsers);
        Assert.True(c.Http2);
        Assert.False(c.Authenticates);
    }

    [Fact]
    public void FullConfigLoadsWithRelativePathsAgainstTheFilesFolder()
    {
        var c = Load($"""
            tls_server_config:
              cert_file: server.crt
              key_file: server.key
              client_auth_type: RequireAndVerifyClientCert
              client_ca_file: ca.crt
              client_allowed_sans: [client.example]
              min_version: TLS12
              max_version: TLS13
              cipher_suites: [TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256, TLS_AES_128_GCM_SHA256]
              curve_preferences: [X25519, CurveP256]
              prefer_server_cipher_suites: false
            http_server_config:
              http2: false
              headers:
                X-Frame-Options: deny
                Strict-Transport-Security: max-age=31536000
                Content-Security-Policy: ""
            basic_auth_users:
              alice: {Hash}
            rate_limit:
              interval: 1s
              burst: 5
            """);
        var t = c.Tls!;
        Assert.Equal(Path.Combine(_dir, "server.crt"), t.CertFile);
        Assert.Equal(Path.Combine(_dir, "ca.crt"), t.ClientCaFile);
        Assert.Equal(ClientAuthType.RequireAndVerifyClientCert, t.ClientAuth);
        Assert.Equal([TlsCipherSuite.TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256, TlsCipherSuite.TLS_AES_128_GCM_SHA256], t.CipherSuites);
        Assert.Equal(["X25519", "CurveP256"], t.CurvePreferences);
        Assert.False(c.Http2);
        Assert.Equal(2, c.Headers.Count); // blank means unset
        Assert.Equal(4, c.MaxBcryptCost);
        Assert.Equal(TimeSpan.FromSeconds(1), c.RateLimitInterval);
        Assert.Equal(5, c.RateLimitBurst);
        Assert.True(c.Authenticates);
    }

    [Fact]
    public void InlineCertificateAndKeyLoad()
    {
        string cert = File.ReadAllText(Path.Combine(_dir, "server.crt"));
        string key = File.ReadAllText(Path.Combine(_dir, "server.key"));
        static string Indent(string s) => string.Join("\n", s.TrimEnd().Split('\n').Select(l => "    " + l));
        var c = Load($"tls_server_config:\n  cert: |\n{Indent(cert)}\n  key: |\n{Indent(key)}\n");
        Assert.NotNull(c.Tls!.Cert);
        Assert.Null(c.Tls.CertFile);
    }

    [Theory]
    [InlineData("foo: 1\n", "web.yml:1:1: field foo not found in type web.Config")]
    [InlineData("tls_server_config:\n  cert_file: server.crt\n  key_file: server.key\n  ciphers: []\n", "web.yml:4:3: field ciphers not found in type web.TLSConfig")]
    [InlineData("http_server_config:\n  http3: true\n", "web.yml:2:3: field http3 not found in type web.HTTPConfig")]
    [InlineData("basic_auth_users:\n  bob: not-a-hash\n", "web.yml:2:8: basic_auth_users: the password of user \"bob\" is not a bcrypt hash")]
    [InlineData("basic_auth_users:\n  bob: $2y$03$3EiOufxGfeIfXVBimnjyVOJ73DP54Jj82wZW1ZqH1QQHz5rNYQLYW\n", "is not a bcrypt hash")]
    [InlineData("http_server_config:\n  headers:\n    Server: ariane\n", "web.yml:3:5: HTTP header \"Server\" can not be configured")]
    [InlineData("http_server_config:\n  headers:\n    X-Frame-Options: allow\n", "web.yml:3:22: invalid value for X-Frame-Options. Expected one of: [\"deny\" \"sameorigin\"], but got: \"allow\"")]
    [InlineData("tls_server_config:\n  cert_file: server.crt\n  key_file: server.key\n  min_version: TLS10\n", "web.yml:4:16: TLS version TLS10 is not supported")]
    [InlineData("tls_server_config:\n  cert_file: server.crt\n  key_file: server.key\n  max_version: TLS14\n", "web.yml:4:16: unknown TLS version: TLS14")]
    [InlineData("tls_server_config:\n  cert_file: server.crt\n  key_file: server.key\n  min_version: TLS13\n  max_version: TLS12\n", "min_version TLS13 is above max_version TLS12")]
    [InlineData("tls_server_config:\n  cert_file: server.crt\n  key_file: server.key\n  cipher_suites: [TLS_INVENTED_CIPHER]\n", "web.yml:4:19: unknown cipher: TLS_INVENTED_CIPHER")]
    [InlineData("tls_server_config:\n  cert_file: server.crt\n  key_file: server.key\n  cipher_suites: [TLS_RSA_WITH_AES_128_CBC_SHA]\n", "unknown cipher: TLS_RSA_WITH_AES_128_CBC_SHA")]
    [InlineData("tls_server_config:\n  cert_file: server.crt\n  key_file: server.key\n  curve_preferences: [CurveP999]\n", "web.yml:4:23: unknown curve: CurveP999")]
    [InlineData("tls_server_config:\n  cert_file: server.crt\n  key_file: server.key\n  client_auth_type: Sometimes\n", "web.yml:4:21: invalid ClientAuth: Sometimes")]
    [InlineData("tls_server_config:\n  cert_file: server.crt\n  key_file: server.key\n  client_ca_file: ca.crt\n", "client CA's have been configured without a Client Auth Policy")]
    [InlineData("tls_server_config:\n  cert_file: server.crt\n  key_file: server.key\n  client_auth_type: VerifyClientCertIfGiven\n  client_allowed_sans: [a]\n", "client_allowed_sans requires client_auth_type")]
    [InlineData("tls_server_config:\n  cert_file: server.crt\n", "missing one of key or key_file")]
    [InlineData("tls_server_config:\n  client_auth_type: NoClientCert\n", "missing one of cert or cert_file")]
    [InlineData("tls_server_config:\n  cert_file: nope.crt\n  key_file: server.key\n", "web.yml:2:14: failed to read cert_file (")]
    [InlineData("tls_server_config:\n  cert_file: server.crt\n  key_file: ca.crt\n", "failed to load X509KeyPair")]
    [InlineData("tls_server_config:\n  cert_file: server.crt\n  key_file: server.key\n  cipher_suites: [TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384]\n", "HTTP/2-required AES_128_GCM_SHA256 cipher")]
    [InlineData("rate_limit:\n  interval: soon\n", "web.yml:2:13: not a valid duration string: \"soon\"")]
    public void InvalidConfigsAreRefusedWithTheirPosition(string yaml, string error)
    {
        var e = Assert.Throws<ConfigException>(() => Load(yaml));
        Assert.Contains(error, e.Message.Replace(_dir + "/", "", StringComparison.Ordinal), StringComparison.Ordinal);
        Assert.DoesNotContain("3EiOufxGfeIfXVBimnjyVOJ73DP54Jj82wZW1ZqH1QQHz5rNYQLYW", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void VersionsCipherSuitesAndCurvesWithoutCertificatesLeaveTlsOff()
    {
        // As the toolkit's TLSConfig.IsEnabled: only certificates, keys, client CAs and a client auth type turn TLS on.
        var c = Load("tls_server_config:\n  min_version: TLS13\n  curve_preferences: [X25519]\n");
        Assert.Null(c.Tls);
    }

    [Fact]
    public void HttpTwoCipherRuleDoesNotApplyWhenOnlyTls13IsAllowedOrHttp2IsOff()
    {
        Assert.NotNull(Load("tls_server_config:\n  cert_file: server.crt\n  key_file: server.key\n  min_version: TLS13\n  cipher_suites: [TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384]\n").Tls);
        Assert.NotNull(Load("tls_server_config:\n  cert_file: server.crt\n  key_file: server.key\n  cipher_suites: [TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384]\nhttp_server_config:\n  http2: false\n").Tls);
    }

    [Fact]
    public void MissingFileIsAnErrorNamingIt()
    {
        var e = Assert.Throws<ConfigException>(() => WebConfigLoader.LoadFile(Path.Combine(_dir, "absent.yml")));
        Assert.Contains("absent.yml: cannot read web config file", e.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("$2y$10$k3EiOufxGfeIfXVBimnjyVOJ73DP54Jj82wZW1ZqH1QQHz5rNYQLY", 10)]
    [InlineData("$2a$04$3EiOufxGfeIfXVBimnjyVOJ73DP54Jj82wZW1ZqH1QQHz5rNYQLYW", 4)]
    [InlineData("$2b$31$3EiOufxGfeIfXVBimnjyVOJ73DP54Jj82wZW1ZqH1QQHz5rNYQLYW", 31)]
    [InlineData("$2y$32$3EiOufxGfeIfXVBimnjyVOJ73DP54Jj82wZW1ZqH1QQHz5rNYQLYW", -1)]
    [InlineData("$1$10$k3EiOufxGfeIfXVBimnjyVOJ73DP54Jj82wZW1ZqH1QQHz5rNYQLYa", -1)]
    [InlineData("$2y$10$k3EiOufxGfeIfXVBimnjyVOJ73DP54Jj82wZW1ZqH1QQHz5rNYQL", -1)]
    [InlineData("$2y$10$k3EiOufxGfeIfXVBimnjyVOJ73DP54Jj82wZW1ZqH1QQHz5r!QLYW", -1)]
    [InlineData("secret", -1)]
    public void BcryptCostAcceptsWhatGoAccepts(string hash, int cost) => Assert.Equal(cost, WebConfigLoader.BcryptCost(hash));
}
