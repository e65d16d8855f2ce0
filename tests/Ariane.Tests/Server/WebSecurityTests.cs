using System.Diagnostics;
using System.Net;
using System.Net.Http.Headers;
using System.Security.Authentication;
using System.Text;
using Ariane.Tests.Support;

namespace Ariane.Tests.Server;

/// <summary>
/// <c>--web.config.file</c> end to end: the real server with TLS, mutual TLS and basic auth from a web configuration
/// file, against real TLS clients (.NET's and, when installed, curl) and a CA made by the test.
/// </summary>
public sealed class WebSecurityTests : IDisposable
{
    private readonly TempDir _dir = new();
    private readonly TestPki _pki = new("ariane-test-ca");
    private readonly TestPki _otherPki = new("someone-elses-ca");

    public void Dispose()
    {
        _pki.Dispose();
        _otherPki.Dispose();
        _dir.Dispose();
    }

    private string P(string name) => Path.Combine(_dir.Path, name);

    private string WriteWebConfig(string yaml)
    {
        File.WriteAllText(P("web.yml"), yaml);
        return "--web.config.file=" + P("web.yml");
    }

    private void WriteServerCert(string cn)
    {
        using var c = _pki.IssueServer(cn);
        TestPki.WritePem(c, P("server.crt"), P("server.key"));
    }

    private Task<ServerProcess> StartHttps(string webConfigArg, Func<HttpMessageHandler> handler, AuthenticationHeaderValue? auth = null) =>
        ServerProcess.StartAsync(Path.Combine(_dir.Path, "data"), new ServerClientOptions { Https = true, Handler = handler, Authorization = auth }, webConfigArg);

    private static async Task<HttpStatusCode> Get(HttpMessageHandler handler, Uri url, AuthenticationHeaderValue? auth = null, Version? version = null)
    {
        using var c = new HttpClient(handler, disposeHandler: true) { Timeout = TimeSpan.FromSeconds(30) };
        using var req = new HttpRequestMessage(HttpMethod.Get, url) { Version = version ?? HttpVersion.Version11 };
        req.Headers.Authorization = auth;
        using var r = await c.SendAsync(req);
        return r.StatusCode;
    }

    private static AuthenticationHeaderValue Basic(string user, string password) =>
        new("Basic", Convert.ToBase64String(Encoding.UTF8.GetBytes(user + ":" + password)));

    [Fact]
    public async Task HttpsServesWithHttp2AndPlainHttpIsNotAnswered()
    {
        WriteServerCert("one");
        await using var s = await StartHttps(WriteWebConfig($"tls_server_config:\n  cert_file: {P("server.crt")}\n  key_file: {P("server.key")}\n"), () => _pki.Handler());
        Assert.Contains("msg=\"TLS is enabled.\" http2=True", s.Output);
        Assert.Contains("Listening on https://", s.Output);
        Assert.Contains("The embedded default configuration scrapes Ariane itself over plain HTTP", s.Output);

        using var c = new HttpClient(_pki.Handler()) { BaseAddress = s.BaseAddress };
        using (var req = new HttpRequestMessage(HttpMethod.Get, "/api/v1/status/buildinfo") { Version = HttpVersion.Version20 })
        using (var r = await c.SendAsync(req, TestContext.Current.CancellationToken))
        {
            Assert.Equal(HttpStatusCode.OK, r.StatusCode);
            Assert.Equal(HttpVersion.Version20, r.Version); // ALPN offered h2 (http_server_config.http2 defaults to true)
        }

        // Plain HTTP on the TLS port gets no answer a client could take for the API's.
        using var plain = new HttpClient { Timeout = TimeSpan.FromSeconds(30) };
        try
        {
            using var r = await plain.GetAsync($"http://127.0.0.1:{s.Port}/-/healthy", TestContext.Current.CancellationToken);
            Assert.NotEqual(HttpStatusCode.OK, r.StatusCode);
        }
        catch (HttpRequestException)
        {
        }
    }

    [Fact]
    public async Task Http2CanBeTurnedOff()
    {
        WriteServerCert("one");
        await using var s = await StartHttps(WriteWebConfig($"tls_server_config:\n  cert_file: {P("server.crt")}\n  key_file: {P("server.key")}\nhttp_server_config:\n  http2: false\n"), () => _pki.Handler());
        using var c = new HttpClient(_pki.Handler()) { BaseAddress = s.BaseAddress };
        using var req = new HttpRequestMessage(HttpMethod.Get, "/-/healthy") { Version = HttpVersion.Version20, VersionPolicy = HttpVersionPolicy.RequestVersionOrLower };
        using var r = await c.SendAsync(req, TestContext.Current.CancellationToken);
        Assert.Equal(HttpStatusCode.OK, r.StatusCode);
        Assert.Equal(HttpVersion.Version11, r.Version);
    }

    [Fact]
    public async Task RotatedCertificateIsServedToNewConnectionsWithoutRestart()
    {
        WriteServerCert("first-cert");
        await using var s = await StartHttps(WriteWebConfig("tls_server_config:\n  cert_file: server.crt\n  key_file: server.key\n"), () => _pki.Handler());
        var seen = new List<string>();
        Assert.Equal(HttpStatusCode.OK, await Get(_pki.Handler(seen: seen), new Uri(s.BaseAddress, "/-/healthy")));
        Assert.Equal(["first-cert"], seen);

        WriteServerCert("second-cert");
        await s.EventuallyAsync(async () =>
        {
            seen.Clear();
            return await Get(_pki.Handler(seen: seen), new Uri(s.BaseAddress, "/-/healthy")) == HttpStatusCode.OK && seen.SequenceEqual(["second-cert"]);
        }, TimeSpan.FromSeconds(30), "a new connection gets the rotated certificate");
        Assert.Contains("Loaded the new TLS certificate", s.Output);
    }

    [Fact]
    public async Task MutualTlsRefusesClientsWithoutACertificateOrWithOneFromAnotherCaOrWithoutAnAllowedSan()
    {
        WriteServerCert("server");
        File.WriteAllText(P("ca.crt"), _pki.CaPem);
        using var good = _pki.IssueClient("good", "good.client");
        using var otherSan = _pki.IssueClient("other", "other.client");
        using var foreign = _otherPki.IssueClient("foreign", "good.client");
        await using var s = await StartHttps(WriteWebConfig("""
            tls_server_config:
              cert_file: server.crt
              key_file: server.key
              client_auth_type: RequireAndVerifyClientCert
              client_ca_file: ca.crt
              client_allowed_sans: [good.client]
            """), () => _pki.Handler(good));
        var url = new Uri(s.BaseAddress, "/-/healthy");
        Assert.Equal(HttpStatusCode.OK, await Get(_pki.Handler(good), url));
        Assert.Equal(HttpStatusCode.OK, await Get(_pki.Handler(good, SslProtocols.Tls12), url));
        await Assert.ThrowsAsync<HttpRequestException>(() => Get(_pki.Handler(), url));
        await Assert.ThrowsAsync<HttpRequestException>(() => Get(_pki.Handler(foreign), url));
        await Assert.ThrowsAsync<HttpRequestException>(() => Get(_pki.Handler(otherSan), url));
        await Assert.ThrowsAsync<HttpRequestException>(() => Get(_pki.Handler(foreign, SslProtocols.Tls12), url));
    }

    [Fact]
    public async Task VerifyClientCertIfGivenLetsClientsWithoutACertificateInButNotForeignOnes()
    {
        WriteServerCert("server");
        File.WriteAllText(P("ca.crt"), _pki.CaPem);
        using var foreign = _otherPki.IssueClient("foreign");
        await using var s = await StartHttps(WriteWebConfig("tls_server_config:\n  cert_file: server.crt\n  key_file: server.key\n  client_auth_type: VerifyClientCertIfGiven\n  client_ca_file: ca.crt\n"), () => _pki.Handler());
        var url = new Uri(s.BaseAddress, "/-/healthy");
        Assert.Equal(HttpStatusCode.OK, await Get(_pki.Handler(), url));
        await Assert.ThrowsAsync<HttpRequestException>(() => Get(_pki.Handler(foreign), url));
    }

    [Fact]
    public async Task MinVersionTls13RefusesATls12OnlyClient()
    {
        WriteServerCert("server");
        await using var s = await StartHttps(WriteWebConfig("tls_server_config:\n  cert_file: server.crt\n  key_file: server.key\n  min_version: TLS13\n"), () => _pki.Handler());
        var url = new Uri(s.BaseAddress, "/-/healthy");
        Assert.Equal(HttpStatusCode.OK, await Get(_pki.Handler(protocols: SslProtocols.Tls13), url));
        await Assert.ThrowsAsync<HttpRequestException>(() => Get(_pki.Handler(protocols: SslProtocols.Tls12), url));
    }

    [Fact]
    public async Task CipherSuitesRestrictTls12()
    {
        WriteServerCert("server");
        // The test's server key is ECDSA: an RSA-only TLS 1.2 suite list leaves nothing to agree on, while TLS 1.3 (whose
        // suites Go does not let a config restrict) still works.
        await using var s = await StartHttps(WriteWebConfig("tls_server_config:\n  cert_file: server.crt\n  key_file: server.key\n  cipher_suites: [TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256]\n"), () => _pki.Handler());
        var url = new Uri(s.BaseAddress, "/-/healthy");
        Assert.Equal(HttpStatusCode.OK, await Get(_pki.Handler(protocols: SslProtocols.Tls13), url));
        await Assert.ThrowsAsync<HttpRequestException>(() => Get(_pki.Handler(protocols: SslProtocols.Tls12), url));
    }

    [Fact]
    public async Task BasicAuthProtectsEveryEndpointAndFollowsTheFile()
    {
        string hash = BCrypt.Net.BCrypt.HashPassword("right-password", 10);
        var admin = Basic("admin", "right-password");
        string arg = WriteWebConfig($"basic_auth_users:\n  admin: '{hash}'\nhttp_server_config:\n  headers:\n    X-Frame-Options: deny\n");
        await using var s = await ServerProcess.StartAsync(Path.Combine(_dir.Path, "data"), new ServerClientOptions { Authorization = admin }, arg);

        foreach (string path in new[] { "/-/healthy", "/-/ready", "/metrics", "/api/v1/query?query=1", "/api/v1/status/buildinfo" })
        {
            using var c = new HttpClient { BaseAddress = s.BaseAddress };
            using (var r = await c.GetAsync(path, TestContext.Current.CancellationToken))
            {
                Assert.Equal(HttpStatusCode.Unauthorized, r.StatusCode);
                Assert.Equal("Basic", r.Headers.WwwAuthenticate.Single().Scheme);
                Assert.Equal("deny", r.Headers.GetValues("X-Frame-Options").Single());
            }
            c.DefaultRequestHeaders.Authorization = Basic("admin", "wrong-password");
            using (var r = await c.GetAsync(path, TestContext.Current.CancellationToken))
            {
                Assert.Equal(HttpStatusCode.Unauthorized, r.StatusCode);
            }
            c.DefaultRequestHeaders.Authorization = Basic("nobody", "right-password");
            using (var r = await c.GetAsync(path, TestContext.Current.CancellationToken))
            {
                Assert.Equal(HttpStatusCode.Unauthorized, r.StatusCode);
            }
            c.DefaultRequestHeaders.Authorization = admin;
            using (var r = await c.GetAsync(path, TestContext.Current.CancellationToken))
            {
                Assert.Equal(HttpStatusCode.OK, r.StatusCode);
                Assert.Equal("deny", r.Headers.GetValues("X-Frame-Options").Single());
            }
        }

        // Verified credentials are cached: a hundred requests cost far less than a hundred cost-10 bcrypt runs.
        var sw = Stopwatch.StartNew();
        for (int i = 0; i < 100; i++)
        {
            using var r = await s.Client.GetAsync("/-/healthy", TestContext.Current.CancellationToken);
            Assert.Equal(HttpStatusCode.OK, r.StatusCode);
        }
        Assert.True(sw.Elapsed < TimeSpan.FromSeconds(20), $"100 authenticated requests took {sw.Elapsed}");

        // The file is read again when it changes: a new user gets in without a restart, and an invalid file fails closed.
        string hash2 = BCrypt.Net.BCrypt.HashPassword("pw2", 4);
        File.WriteAllText(P("web.yml"), $"basic_auth_users:\n  admin: '{hash}'\n  second: '{hash2}'\n");
        using var second = new HttpClient { BaseAddress = s.BaseAddress };
        second.DefaultRequestHeaders.Authorization = Basic("second", "pw2");
        await s.EventuallyAsync(async () => (await second.GetAsync("/-/healthy")).StatusCode == HttpStatusCode.OK, TimeSpan.FromSeconds(20), "the added user is accepted");
        File.WriteAllText(P("web.yml"), "basic_auth_users:\n  admin: not-a-hash\n");
        await s.EventuallyAsync(async () => (await s.Client.GetAsync("/-/healthy")).StatusCode == HttpStatusCode.InternalServerError, TimeSpan.FromSeconds(20), "an invalid file answers 500");
        // The console log is written on its own thread: wait for the line rather than race it.
        await s.EventuallyAsync(() => Task.FromResult(s.Output.Contains("Unable to parse web configuration file", StringComparison.Ordinal)), TimeSpan.FromSeconds(20), "the invalid file is logged");
        Assert.DoesNotContain(hash, s.Output);
    }

    [Fact]
    public async Task CurlSpeaksTlsMutualTlsAndBasicAuth()
    {
        // curl is the second real client; test.sh installs Debian's package, so its absence is a failure, not a skip.
        Assert.True(File.Exists("/usr/bin/curl"), "curl is not installed (./test.sh installs Debian's curl package)");
        WriteServerCert("server");
        File.WriteAllText(P("ca.crt"), _pki.CaPem);
        using var client = _pki.IssueClient("curl-client");
        TestPki.WritePem(client, P("client.crt"), P("client.key"));
        string hash = BCrypt.Net.BCrypt.HashPassword("pw", 4);
        var admin = Basic("admin", "pw");
        using var good = _pki.IssueClient("dotnet-client");
        await using var s = await StartHttps(WriteWebConfig($"""
            tls_server_config:
              cert_file: server.crt
              key_file: server.key
              client_auth_type: RequireAndVerifyClientCert
              client_ca_file: ca.crt
            basic_auth_users:
              admin: '{hash}'
            """), () => _pki.Handler(good), admin);
        string url = $"https://127.0.0.1:{s.Port}/-/healthy";
        string ca = P("ca.crt"), cert = P("client.crt"), key = P("client.key");
        Assert.Equal("200", await Curl("--cacert", ca, "--cert", cert, "--key", key, "-u", "admin:pw", url));
        Assert.Equal("200", await Curl("--http2", "--cacert", ca, "--cert", cert, "--key", key, "-u", "admin:pw", url));
        Assert.Equal("401", await Curl("--cacert", ca, "--cert", cert, "--key", key, "-u", "admin:wrong", url));
        Assert.Equal("401", await Curl("--cacert", ca, "--cert", cert, "--key", key, url));
        Assert.Equal("000", await Curl("--cacert", ca, "-u", "admin:pw", url)); // no client certificate: the handshake fails
        Assert.Equal("000", await Curl("-u", "admin:pw", url)); // the server's certificate is not from a CA curl trusts
        Assert.Equal("000", await Curl("--tls-max", "1.2", "--cacert", ca, "-u", "admin:pw", url)); // still no client certificate
    }

    private static async Task<string> Curl(params string[] args)
    {
        var psi = new ProcessStartInfo("/usr/bin/curl") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var a in new[] { "-s", "-o", "/dev/null", "-w", "%{http_code}", "--max-time", "30" })
        {
            psi.ArgumentList.Add(a);
        }
        foreach (var a in args)
        {
            psi.ArgumentList.Add(a);
        }
        using var p = Process.Start(psi)!;
        string output = await p.StandardOutput.ReadToEndAsync();
        await p.WaitForExitAsync();
        return output.Trim();
    }

    [Theory]
    [InlineData("tls_server_config:\n  cert_file: server.crt\n  key_file: server.key\n  cert_files: []\n", "web.yml:4:3: field cert_files not found in type web.TLSConfig")]
    [InlineData("basic_auth_users:\n  admin: $2y$10$tooshort\n", "web.yml:2:10: basic_auth_users: the password of user")]
    [InlineData("tls_server_config:\n  cert_file: missing.crt\n  key_file: server.key\n", "web.yml:2:14: failed to read cert_file (")]
    [InlineData(null, "absent.yml: cannot read web config file")]
    public async Task InvalidWebConfigRefusesToStart(string? yaml, string message)
    {
        WriteServerCert("server");
        string arg = yaml is null ? "--web.config.file=" + P("absent.yml") : WriteWebConfig(yaml);
        await using var s = ServerProcess.Launch(Path.Combine(_dir.Path, "data"), ["serve"], [arg], out _);
        Assert.Equal(1, await s.WaitExitAsync(TimeSpan.FromSeconds(60)));
        Assert.Contains("Unable to validate web configuration file", s.Output);
        Assert.Contains(message, s.Output);
        Assert.DoesNotContain("tooshort", s.Output);
    }

    [Fact]
    public async Task RateLimitAnswers429PastTheBurst()
    {
        // One request an hour with a burst of 200: the readiness probe takes a few, the rest of the burst goes here, and
        // from then on every request is refused.
        await using var s = await ServerProcess.StartAsync(Path.Combine(_dir.Path, "data"), WriteWebConfig("rate_limit:\n  interval: 1h\n  burst: 200\n"));
        var codes = new List<HttpStatusCode>();
        for (int i = 0; i < 210; i++)
        {
            using var r = await s.Client.GetAsync("/-/healthy", TestContext.Current.CancellationToken);
            codes.Add(r.StatusCode);
        }
        int first = codes.IndexOf(HttpStatusCode.TooManyRequests);
        Assert.True(first > 150, $"first 429 at request {first}");
        Assert.All(codes[..first], c => Assert.Equal(HttpStatusCode.OK, c));
        Assert.All(codes[first..], c => Assert.Equal(HttpStatusCode.TooManyRequests, c));
    }

    [Fact]
    public async Task CheckWebConfigReportsEachFile()
    {
        WriteServerCert("server");
        File.WriteAllText(P("good.yml"), "tls_server_config:\n  cert_file: server.crt\n  key_file: server.key\n");
        File.WriteAllText(P("bad.yml"), "tls_server_config:\n  cert_file: server.crt\n  key_file: server.key\n  client_auth_type: Maybe\n");
        await using (var p = ServerProcess.Launch(_dir.Path, ["check", "web-config", P("good.yml"), P("bad.yml")], [], out _, addDefaults: false))
        {
            Assert.Equal(1, await p.WaitExitAsync(TimeSpan.FromSeconds(60)));
            Assert.Contains(P("good.yml") + " SUCCESS", p.Output);
            Assert.Contains(P("bad.yml") + " FAILED: " + P("bad.yml") + ":4:21: invalid ClientAuth: Maybe", p.Output);
        }
        await using (var p = ServerProcess.Launch(_dir.Path, ["check", "web-config", P("good.yml")], [], out _, addDefaults: false))
        {
            Assert.Equal(0, await p.WaitExitAsync(TimeSpan.FromSeconds(60)));
        }
    }

    [Fact]
    public async Task OffLoopbackListeningIsAllowedWithBasicAuthOrWithTheOptOutWhichWarns()
    {
        string hash = BCrypt.Net.BCrypt.HashPassword("pw", 4);
        string arg = WriteWebConfig($"basic_auth_users:\n  admin: '{hash}'\n");
        int port = ServerProcess.FreePort();
        string data = Path.Combine(_dir.Path, "data");
        await using (var s = ServerProcess.Launch(data, ["serve"], [$"--web.listen-address=0.0.0.0:{port}", $"--storage.tsdb.path={data}", arg], out _,
            addDefaults: false, client: new ServerClientOptions { Authorization = Basic("admin", "pw") }, fixedPort: port))
        {
            await s.WaitReadyAsync(TimeSpan.FromSeconds(60));
            Assert.DoesNotContain("without authentication", s.Output);
            using var anonymous = new HttpClient { BaseAddress = s.BaseAddress };
            Assert.Equal(HttpStatusCode.Unauthorized, (await anonymous.GetAsync("/-/healthy", TestContext.Current.CancellationToken)).StatusCode);
            s.Signal(15);
            Assert.Equal(0, await s.WaitExitAsync(TimeSpan.FromSeconds(30)));
        }
        port = ServerProcess.FreePort();
        await using (var s = ServerProcess.Launch(data, ["serve"], [$"--web.listen-address=0.0.0.0:{port}", $"--storage.tsdb.path={data}", "--web.allow-unauthenticated-public"], out _,
            addDefaults: false, fixedPort: port))
        {
            await s.WaitReadyAsync(TimeSpan.FromSeconds(60));
            Assert.Contains("beyond loopback without authentication", s.Output);
        }
    }
}
