using Ariane.Exposition;
using Ariane.Server.Ui;
using Microsoft.Extensions.Primitives;

namespace Ariane.Server.Modules;

/// <summary>
/// The web UI on the server's own port: the app's built files from <see cref="UiAssets"/> (embedded in the binary).
/// Hashed files under <c>/assets/</c> are cached for a year (their names change with their content); the entry page is
/// answered at <c>/</c> and at every client-side route (any GET outside <c>/api/</c>, <c>/-/</c> and the other
/// server paths, without a file extension) and is never cached, so a new build is picked up at the next load. The app
/// talks to the server only through its public HTTP API. Precompressed copies (Brotli, gzip) are sent to clients
/// that accept them.
/// </summary>
internal sealed class UiModule(UiAssets assets) : IServerModule
{
    private const string Immutable = "public, max-age=31536000, immutable";
    private const string NoCache = "no-cache";

    /// <inheritdoc/>
    public string Name => "ui";

    /// <inheritdoc/>
    public bool Healthy => true;

    /// <inheritdoc/>
    public void MapRoutes(IEndpointRouteBuilder routes)
    {
        routes.MapMethods("/assets/{**path}", ["GET", "HEAD"], ctx =>
        {
            string path = "assets/" + (ctx.Request.RouteValues["path"] as string ?? "");
            return assets.Find(path) is { } a ? Send(ctx, a, Immutable) : NotFound(ctx);
        });
        routes.MapMethods("/", ["GET", "HEAD"], ctx => SendIndex(ctx));
        // Client-side routes (/query, /targets, ...) load the app, which routes them. Not a catch-all route: that would
        // also take a GET to a POST-only API path, which must stay 405. So a middleware, after routing, serves the page
        // only where no endpoint matched at all; a path with a file extension, or under a server prefix, stays 404.
        if (routes is IApplicationBuilder app)
        {
            app.Use((ctx, next) => ctx.GetEndpoint() is null && IsPage(ctx.Request) ? SendIndex(ctx) : next(ctx));
        }
    }

    /// <summary>True for a GET or HEAD of a path the app may route: not under a server prefix, no file extension.</summary>
    internal static bool IsPage(HttpRequest r)
    {
        string p = r.Path.Value ?? "/";
        return (HttpMethods.IsGet(r.Method) || HttpMethods.IsHead(r.Method))
            && !p.StartsWith("/api/", StringComparison.Ordinal) && !p.StartsWith("/-/", StringComparison.Ordinal)
            && !p.StartsWith("/assets/", StringComparison.Ordinal) && !Path.HasExtension(p);
    }

    /// <inheritdoc/>
    public Task StartAsync(CancellationToken ct) => Task.CompletedTask;

    /// <inheritdoc/>
    public Task StopAsync(CancellationToken ct) => Task.CompletedTask;

    /// <inheritdoc/>
    public void WriteMetrics(TextExpositionWriter w)
    {
        // No metrics of its own: its requests are counted with every other request in prometheus_http_requests_total.
    }

    private Task SendIndex(HttpContext ctx)
    {
        if (assets.Index is { } index)
        {
            return Send(ctx, index, NoCache);
        }
        // A binary built without the web app (no Node.js at build time): say so rather than show an empty page.
        ctx.Response.StatusCode = 200;
        ctx.Response.ContentType = "text/plain; charset=utf-8";
        ctx.Response.Headers.CacheControl = NoCache;
        return ctx.Response.WriteAsync("Ariane was built without its web UI (web/dist was missing at build time). The HTTP API is at /api/v1/.\n");
    }

    private static Task NotFound(HttpContext ctx)
    {
        ctx.Response.StatusCode = 404;
        ctx.Response.ContentType = "text/plain; charset=utf-8";
        return ctx.Response.WriteAsync("404 page not found\n");
    }

    private static Task Send(HttpContext ctx, UiAsset a, string cacheControl)
    {
        var h = ctx.Response.Headers;
        h.CacheControl = cacheControl;
        h.ETag = a.ETag;
        h.Vary = "Accept-Encoding";
        h.XContentTypeOptions = "nosniff";
        ctx.Response.ContentType = a.ContentType;
        if (ctx.Request.Headers.IfNoneMatch is { Count: > 0 } inm && Matches(inm, a.ETag))
        {
            ctx.Response.StatusCode = 304;
            return Task.CompletedTask;
        }
        var body = a.Identity;
        var accept = ctx.Request.Headers.AcceptEncoding;
        if (a.Brotli is { } br && Accepts(accept, "br"))
        {
            body = br;
            h.ContentEncoding = "br";
        }
        else if (a.Gzip is { } gz && Accepts(accept, "gzip"))
        {
            body = gz;
            h.ContentEncoding = "gzip";
        }
        ctx.Response.ContentLength = body.Length;
        return HttpMethods.IsHead(ctx.Request.Method) ? Task.CompletedTask : ctx.Response.Body.WriteAsync(body).AsTask();
    }

    private static bool Matches(StringValues ifNoneMatch, string etag)
    {
        foreach (string? v in ifNoneMatch)
        {
            foreach (var part in (v ?? "").Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries))
            {
                if (part == "*" || part == etag || part == "W/" + etag)
                {
                    return true;
                }
            }
        }
        return false;
    }

    /// <summary>True when the Accept-Encoding header lists <paramref name="coding"/> with a q-value above zero.</summary>
    internal static bool Accepts(StringValues acceptEncoding, string coding)
    {
        foreach (string? v in acceptEncoding)
        {
            foreach (var item in (v ?? "").Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries))
            {
                var parts = item.Split(';', StringSplitOptions.TrimEntries);
                if (!parts[0].Equals(coding, StringComparison.OrdinalIgnoreCase))
                {
                    continue;
                }
                foreach (var p in parts.AsSpan(1))
                {
                    if (p.StartsWith("q=", StringComparison.OrdinalIgnoreCase)
                        && double.TryParse(p.AsSpan(2), System.Globalization.NumberStyles.Float, System.Globalization.CultureInfo.InvariantCulture, out double q)
                        && q <= 0)
                    {
                        return false;
                    }
                }
                return true;
            }
        }
        return false;
    }
}
