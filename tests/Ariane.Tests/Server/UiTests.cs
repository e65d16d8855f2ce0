using System.Net;
using System.Text.RegularExpressions;
using Ariane.Server.Modules;
using Ariane.Tests.Support;
using Microsoft.Extensions.Primitives;

namespace Ariane.Tests.Server;

/// <summary>
/// Issue 12, item 1: the web app is embedded in the server binary and served on its port: the entry page at <c>/</c>
/// and at client-side routes, never cached; hashed assets cached for a year, precompressed; unknown API paths and
/// missing files still 404.
/// </summary>
public partial class UiTests
{
    [GeneratedRegex("/assets/[A-Za-z0-9_.-]+\\.js")]
    private static partial Regex ScriptPath();

    [Fact]
    public async Task The_app_is_served_from_the_binary_with_the_caching_the_issue_names()
    {
        using var dir = new TempDir();
        await using var s = await ServerProcess.StartAsync(dir.Path);
        var ct = TestContext.Current.CancellationToken;

        using var index = await s.Client.GetAsync("/", ct);
        Assert.Equal(HttpStatusCode.OK, index.StatusCode);
        Assert.Equal("text/html", index.Content.Headers.ContentType?.MediaType);
        Assert.True(index.Headers.CacheControl?.NoCache, "index.html must not be cached");
        string html = await index.Content.ReadAsStringAsync(ct);
        Assert.Contains("<div id=\"root\"></div>", html);
        // Nothing fetched from outside (no CDN): every src and href is on this server (or an inline data: URI, the
        // favicon's, whose SVG names its XML namespace with an http:// URI that is never fetched).
        foreach (System.Text.RegularExpressions.Match m in System.Text.RegularExpressions.Regex.Matches(html, "(?:src|href)=\"([^\"]*)\""))
        {
            string url = m.Groups[1].Value;
            Assert.True(url.StartsWith('/') || url.StartsWith("data:", StringComparison.Ordinal), "index.html loads from outside: " + url);
        }

        string script = ScriptPath().Match(html).Value;
        Assert.NotEmpty(script);
        using var req = new HttpRequestMessage(HttpMethod.Get, script);
        req.Headers.AcceptEncoding.ParseAdd("gzip, br");
        using var js = await s.Client.SendAsync(req, ct);
        Assert.Equal(HttpStatusCode.OK, js.StatusCode);
        Assert.Equal("br", Assert.Single(js.Content.Headers.ContentEncoding));
        Assert.Equal(TimeSpan.FromDays(365), js.Headers.CacheControl?.MaxAge);
        Assert.True(js.Headers.CacheControl?.Public);

        // Client-side routes load the app; Prometheus 2's /graph too (the app redirects it, keeping its parameters).
        foreach (string route in new[] { "/query", "/targets", "/graph?g0.expr=up&g0.tab=0" })
        {
            using var page = await s.Client.GetAsync(route, ct);
            Assert.Equal(HttpStatusCode.OK, page.StatusCode);
            Assert.Equal(html, await page.Content.ReadAsStringAsync(ct));
        }
        foreach (string missing in new[] { "/api/v1/nope", "/assets/nope.js", "/favicon.ico", "/-/nope" })
        {
            using var r = await s.Client.GetAsync(missing, ct);
            Assert.Equal(HttpStatusCode.NotFound, r.StatusCode);
        }
        // A GET to a POST-only API path is still 405, not the app (the page fallback runs only where nothing matched).
        using (var post = await s.Client.GetAsync("/-/reload", ct))
        {
            Assert.Equal(HttpStatusCode.MethodNotAllowed, post.StatusCode);
        }
    }

    [Theory]
    [InlineData("gzip, deflate, br", "br", true)]
    [InlineData("gzip", "br", false)]
    [InlineData("br;q=0, gzip", "br", false)]
    [InlineData("BR;q=0.5", "br", true)]
    [InlineData("", "gzip", false)]
    [InlineData("identity, gzip;q=1.0", "gzip", true)]
    public void Accept_encoding_is_read_with_its_q_values(string header, string coding, bool accepted)
    {
        Assert.Equal(accepted, UiModule.Accepts(new StringValues(header), coding));
    }
}
