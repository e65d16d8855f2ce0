using System.Net;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using Ariane.Config;
using Ariane.Discovery;
using Ariane.Scrape;
using Ariane.Tests.Support;
using Ariane.Tsdb;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Time.Testing;

namespace Ariane.Tests.Scrape;

/// <summary>
/// The scrape pool's own HTTP/1.1 client through a scrape loop: framing, keep-alive, redirects, credentials and TLS,
/// with the target's lastError worded as <see cref="HttpClient"/> words it.
/// </summary>
public sealed class ScrapeHttpClientTests : IAsyncLifetime
{
    private const long T0 = 1_700_000_000_000;
    private const string Body = "m 1\n";
    private readonly TempDir _dir = new();
    private readonly FakeTimeProvider _time = new(DateTimeOffset.FromUnixTimeMilliseconds(T0));
    private readonly List<string> _connections = [];
    private Head _head = null!;
    private TestTargetServer _server = null!;

    public async ValueTask InitializeAsync()
    {
        _head = Head.Open(new TsdbOptions { Path = _dir.Path, WalSyncInterval = TimeSpan.Zero }, _time);
        _server = await TestTargetServer.StartAsync(Routes());
    }

    public async ValueTask DisposeAsync()
    {
        await _server.DisposeAsync();
        _head.Dispose();
        _dir.Dispose();
    }

    private Dictionary<string, RequestDelegate> Routes() => new()
    {
        ["/length"] = async ctx =>
        {
            lock (_connections)
            {
                _connections.Add(ctx.Connection.Id);
            }
            ctx.Response.ContentType = "text/plain; version=0.0.4";
            ctx.Response.ContentLength = Body.Length;
            await ctx.Response.WriteAsync(Body);
        },
        ["/chunked"] = async ctx =>
        {
            ctx.Response.ContentType = "text/plain; version=0.0.4";
            await ctx.Response.WriteAsync("m 1\n");
            await ctx.Response.Body.FlushAsync();
            await ctx.Response.WriteAsync(string.Concat(Enumerable.Range(0, 2000).Select(i => $"n{{i=\"{i}\"}} {i}\n")));
        },
        ["/close"] = async ctx =>
        {
            ctx.Response.Headers.Connection = "close";
            await ctx.Response.WriteAsync(Body);
        },
        ["/redirect"] = ctx =>
        {
            ctx.Response.Redirect("/length");
            return Task.CompletedTask;
        },
        ["/auth"] = async ctx =>
        {
            if (ctx.Request.Headers.Authorization != "Basic " + Convert.ToBase64String("user:secret"u8))
            {
                ctx.Response.StatusCode = 401;
                return;
            }
            await ctx.Response.WriteAsync(Body);
        },
        ["/bearer"] = async ctx =>
        {
            if (ctx.Request.Headers.Authorization != "Bearer tok3n")
            {
                ctx.Response.StatusCode = 403;
                return;
            }
            await ctx.Response.WriteAsync(Body);
        },
    };

    private ScrapeLoop Loop(string address, string path, string extra = "", string scheme = "http")
    {
        var cfg = ConfigLoader.Load($"""
            scrape_configs:
              - job_name: test
                scheme: {scheme}
                metrics_path: {path}
            {extra}
                static_configs:
                  - targets: ['{address}']
            """, Path.Combine(_dir.Path, "test.yml")).ScrapeConfigs[0];
        var g = StaticDiscovery.Groups(cfg)[0];
        var res = TargetLabeler.Populate(g.Targets[0], g.Labels, cfg);
        var target = new ScrapeTarget(res.Final!, res.Target!, res.Discovered, cfg);
        return new ScrapeLoop(target, _head, new ScrapeHttpClient(cfg.HttpClient, _time), _time);
    }

    private static void AssertUp(ScrapeLoop loop)
    {
        Assert.Equal("", loop.Target.LastError);
        Assert.Equal(TargetHealth.Up, loop.Target.Health);
    }

    [Fact]
    public void KeepAliveConnectionIsReusedAcrossScrapes()
    {
        var loop = Loop(_server.Address, "/length");
        for (int i = 0; i < 3; i++)
        {
            loop.ScrapeOnce(TestContext.Current.CancellationToken);
            AssertUp(loop);
            _time.Advance(TimeSpan.FromSeconds(15));
        }
        Assert.Equal(3, _connections.Count);
        Assert.Single(_connections.Distinct());
    }

    [Theory]
    [InlineData("/chunked", 2001)]
    [InlineData("/close", 1)]
    [InlineData("/redirect", 1)]
    public void BodiesFramedEveryWayAreRead(string path, int samples)
    {
        var loop = Loop(_server.Address, path);
        for (int i = 0; i < 2; i++)
        {
            loop.ScrapeOnce(TestContext.Current.CancellationToken);
            AssertUp(loop);
            _time.Advance(TimeSpan.FromSeconds(15));
        }
        using var q = _head.Querier(long.MinValue, long.MaxValue);
        var ss = q.Select(true, Ariane.PromQL.Parser.SelectorParser.Parse("scrape_samples_scraped"));
        Assert.True(ss.MoveNext());
        var it = ss.Current.Iterator();
        Assert.True(it.Next());
        Assert.Equal(samples, it.V);
    }

    [Fact]
    public void Ipv6LiteralTargets()
    {
        var loop = Loop($"[::1]:{_server.Port}", "/length");
        loop.ScrapeOnce(TestContext.Current.CancellationToken);
        AssertUp(loop);
    }

    [Fact]
    public async Task InformationalResponsesBeforeTheRealOneAreSkipped()
    {
        // A raw server: an early-hints response and the real one in one write, as a proxy may send them.
        using var listener = new System.Net.Sockets.TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        int port = ((IPEndPoint)listener.LocalEndpoint).Port;
        var serve = Task.Run(async () =>
        {
            using var client = await listener.AcceptTcpClientAsync();
            var stream = client.GetStream();
            var buf = new byte[4096];
            int n = 0;
            while (!System.Text.Encoding.ASCII.GetString(buf, 0, n).Contains("\r\n\r\n", StringComparison.Ordinal))
            {
                n += await stream.ReadAsync(buf.AsMemory(n));
            }
            await stream.WriteAsync("HTTP/1.1 103 Early Hints\r\nLink: </style.css>\r\n\r\nHTTP/1.1 200 OK\r\nContent-Type: text/plain; version=0.0.4\r\nContent-Length: 4\r\n\r\nm 1\n"u8.ToArray());
        }, TestContext.Current.CancellationToken);
        var loop = Loop($"127.0.0.1:{port}", "/metrics");
        loop.ScrapeOnce(TestContext.Current.CancellationToken);
        await serve;
        AssertUp(loop);
    }

    [Fact]
    public void RedirectsAreNotFollowedWhenTheConfigSaysSo()
    {
        var loop = Loop(_server.Address, "/redirect", "    follow_redirects: false");
        loop.ScrapeOnce(TestContext.Current.CancellationToken);
        Assert.Equal("server returned HTTP status 302 Found", loop.Target.LastError);
    }

    [Theory]
    [InlineData("/auth", "    basic_auth:\n      username: user\n      password: secret")]
    [InlineData("/bearer", "    authorization:\n      credentials: tok3n")]
    [InlineData("/bearer", "    bearer_token_file: TOKEN_FILE")]
    public void CredentialsAreSent(string path, string extra)
    {
        string tokenFile = Path.Combine(_dir.Path, "token");
        File.WriteAllText(tokenFile, "tok3n\n");
        var loop = Loop(_server.Address, path, extra.Replace("TOKEN_FILE", tokenFile, StringComparison.Ordinal));
        loop.ScrapeOnce(TestContext.Current.CancellationToken);
        AssertUp(loop);
        var without = Loop(_server.Address, path);
        without.ScrapeOnce(TestContext.Current.CancellationToken);
        Assert.StartsWith("server returned HTTP status 40", without.Target.LastError);
    }

    [Fact]
    public async Task ConnectionErrorsReadAsHttpClientsDo()
    {
        int port = ServerProcess.FreePort();
        string expected;
        using (var http = new HttpClient())
        {
            var e = await Assert.ThrowsAsync<HttpRequestException>(() => http.GetAsync(new Uri($"http://127.0.0.1:{port}/metrics"), TestContext.Current.CancellationToken));
            expected = e.Message + ": " + e.InnerException!.Message;
        }
        var loop = Loop($"127.0.0.1:{port}", "/metrics");
        loop.ScrapeOnce(TestContext.Current.CancellationToken);
        Assert.Equal(TargetHealth.Down, loop.Target.Health);
        Assert.Equal(expected, loop.Target.LastError);
    }

    [Fact]
    public async Task TlsWithTheConfiguredCaOrSkipVerify()
    {
        using var cert = SelfSigned();
        string caFile = Path.Combine(_dir.Path, "ca.pem");
        File.WriteAllText(caFile, cert.ExportCertificatePem());
        await using var tls = await TestTargetServer.StartAsync(Routes(), cert);

        var withCa = Loop(tls.Address, "/length", $"    tls_config:\n      ca_file: {caFile}", "https");
        withCa.ScrapeOnce(TestContext.Current.CancellationToken);
        AssertUp(withCa);

        var skip = Loop(tls.Address, "/auth", "    basic_auth:\n      username: user\n      password: secret\n    tls_config:\n      insecure_skip_verify: true", "https");
        skip.ScrapeOnce(TestContext.Current.CancellationToken);
        AssertUp(skip);

        var untrusted = Loop(tls.Address, "/length", "", "https");
        untrusted.ScrapeOnce(TestContext.Current.CancellationToken);
        Assert.Equal(TargetHealth.Down, untrusted.Target.Health);
        Assert.StartsWith("The SSL connection could not be established, see inner exception.: ", untrusted.Target.LastError);

        var plainToTls = Loop(tls.Address, "/length");
        plainToTls.ScrapeOnce(TestContext.Current.CancellationToken);
        Assert.Equal(TargetHealth.Down, plainToTls.Target.Health);
    }

    private static X509Certificate2 SelfSigned()
    {
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var req = new CertificateRequest("CN=localhost", key, HashAlgorithmName.SHA256);
        var san = new SubjectAlternativeNameBuilder();
        san.AddIpAddress(IPAddress.Loopback);
        san.AddDnsName("localhost");
        req.CertificateExtensions.Add(san.Build());
        req.CertificateExtensions.Add(new X509BasicConstraintsExtension(true, false, 0, true));
        using var cert = req.CreateSelfSigned(DateTimeOffset.UtcNow.AddDays(-1), DateTimeOffset.UtcNow.AddDays(1));
        // Kestrel wants the key in a form it can use on every platform: round-trip through PKCS#12.
        return X509CertificateLoader.LoadPkcs12(cert.Export(X509ContentType.Pkcs12), null);
    }
}
