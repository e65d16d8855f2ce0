namespace Ariane.Server.Web;

/// <summary>
/// The web configuration's request side, in front of every endpoint (health endpoints included, as Prometheus wraps its
/// whole router): the configured response headers, the rate limit (429) and basic authentication (401 with
/// <c>WWW-Authenticate: Basic</c>). Answers are plain text as Go's <c>http.Error</c> writes them.
/// </summary>
public sealed class WebSecurity
{
    private readonly WebConfigSource _source;
    private readonly BasicAuthenticator _auth = new();
    private readonly TokenBucket? _limiter;

    /// <summary>Guards requests with the configuration <paramref name="source"/> holds; the rate limiter is fixed at start, as in the toolkit.</summary>
    public WebSecurity(WebConfigSource source, TimeProvider time)
    {
        _source = source;
        var c = source.Initial;
        if (c.RateLimitInterval > TimeSpan.Zero)
        {
            _limiter = new TokenBucket(c.RateLimitInterval, c.RateLimitBurst, time);
        }
    }

    /// <summary>The middleware: answers the request itself when it is refused, else calls <paramref name="next"/>.</summary>
    public async Task InvokeAsync(HttpContext ctx, RequestDelegate next)
    {
        var c = _source.Current(out _);
        if (c is null)
        {
            await PlainError(ctx, StatusCodes.Status500InternalServerError, "Internal Server Error").ConfigureAwait(false);
            return;
        }
        if (_limiter is not null && !_limiter.TryTake())
        {
            await PlainError(ctx, StatusCodes.Status429TooManyRequests, "Too Many Requests").ConfigureAwait(false);
            return;
        }
        foreach (var (name, value) in c.Headers)
        {
            ctx.Response.Headers[name] = value;
        }
        if (c.BasicAuthUsers.Count == 0)
        {
            await next(ctx).ConfigureAwait(false);
            return;
        }
        if (BasicAuthenticator.TryParseBasic(ctx.Request.Headers.Authorization, out var user, out var password)
            && await _auth.VerifyAsync(c.BasicAuthUsers, c.MaxBcryptCost, user, password, ctx.RequestAborted).ConfigureAwait(false))
        {
            await next(ctx).ConfigureAwait(false);
            return;
        }
        ctx.Response.Headers.WWWAuthenticate = "Basic";
        await PlainError(ctx, StatusCodes.Status401Unauthorized, "Unauthorized").ConfigureAwait(false);
    }

    private static Task PlainError(HttpContext ctx, int status, string text)
    {
        ctx.Response.StatusCode = status;
        ctx.Response.ContentType = "text/plain; charset=utf-8";
        ctx.Response.Headers.XContentTypeOptions = "nosniff";
        return ctx.Response.WriteAsync(text + "\n");
    }

    /// <summary>Go's <c>rate.Limiter</c> as the toolkit uses it: one token per interval, at most <c>burst</c> saved up.</summary>
    private sealed class TokenBucket(TimeSpan interval, int burst, TimeProvider time)
    {
        private readonly Lock _gate = new();
        private double _tokens = burst;
        private long _last = time.GetTimestamp();

        public bool TryTake()
        {
            lock (_gate)
            {
                long now = time.GetTimestamp();
                _tokens = Math.Min(burst, _tokens + (time.GetElapsedTime(_last, now) / interval));
                _last = now;
                if (_tokens < 1)
                {
                    return false;
                }
                _tokens--;
                return true;
            }
        }
    }
}
