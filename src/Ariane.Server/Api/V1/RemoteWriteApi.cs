using Ariane.Remote;

namespace Ariane.Server.Api.V1;

/// <summary>The remote-write 1.0 receiver at POST /api/v1/write (snappy-compressed protobuf WriteRequest).</summary>
public static class RemoteWriteApi
{
    /// <summary>The largest request body accepted, compressed.</summary>
    public const int MaxCompressedBytes = 32 << 20;

    /// <summary>The largest request accepted once decompressed.</summary>
    public const int MaxDecompressedBytes = 256 << 20;


    /// <summary>Maps the endpoint.</summary>
    public static void Map(WebApplication app, ServerState s)
    {
        app.MapPost("/api/v1/write", ctx => Handle(ctx, s));
    }

    private static async Task Handle(HttpContext ctx, ServerState s)
    {
        if (!s.Options.EnableRemoteWriteReceiver)
        {
            ctx.Response.StatusCode = 404;
            await ctx.Response.WriteAsync("remote write receiver needs to be enabled with --web.enable-remote-write-receiver").ConfigureAwait(false);
            return;
        }
        Interlocked.Increment(ref s.RemoteWrite.Requests);
        byte[] compressed;
        try
        {
            compressed = await ReadBodyAsync(ctx).ConfigureAwait(false);
        }
        catch (InvalidDataException e)
        {
            await Fail(ctx, s, 413, e.Message).ConfigureAwait(false);
            return;
        }
        byte[] raw;
        try
        {
            int len = Snappier.Snappy.GetUncompressedLength(compressed);
            if (len > MaxDecompressedBytes)
            {
                await Fail(ctx, s, 413, $"decompressed request of {len} bytes is over the limit of {MaxDecompressedBytes}").ConfigureAwait(false);
                return;
            }
            raw = Snappier.Snappy.DecompressToArray(compressed);
        }
        catch (Exception e) when (e is InvalidDataException or ArgumentException or IndexOutOfRangeException)
        {
            await Fail(ctx, s, 400, "snappy: corrupt input: " + e.Message).ConfigureAwait(false);
            return;
        }
        var app = s.Db.Appender();
        RemoteWriteResult result;
        try
        {
            result = RemoteWriteDecoder.Decode(raw, app);
        }
        catch (RemoteWriteException e)
        {
            app.Rollback();
            await Fail(ctx, s, 400, e.Message).ConfigureAwait(false);
            return;
        }
        try
        {
            app.Commit();
        }
        catch (IOException e)
        {
            // Storage cannot write (a full disk): 500, so that the sender retries later, as it does for Prometheus.
            await Fail(ctx, s, 500, "storage: " + e.Message).ConfigureAwait(false);
            return;
        }
        Interlocked.Add(ref s.RemoteWrite.SamplesIn, result.Samples);
        if (result.Rejected > 0)
        {
            // The good samples are kept; the sender must not retry the refused ones, hence 400, as Prometheus answers.
            Interlocked.Add(ref s.RemoteWrite.SamplesRejected, result.Rejected);
            await Fail(ctx, s, 400, $"{result.Rejected} of {result.Rejected + result.Samples} samples rejected; first: {result.FirstRejection}").ConfigureAwait(false);
            return;
        }
        ctx.Response.StatusCode = 204;
    }

    private static async Task<byte[]> ReadBodyAsync(HttpContext ctx)
    {
        if (ctx.Request.ContentLength > MaxCompressedBytes)
        {
            throw new InvalidDataException($"request body of {ctx.Request.ContentLength} bytes is over the limit of {MaxCompressedBytes}");
        }
        using var ms = new MemoryStream(ctx.Request.ContentLength is long n ? (int)n : 64 * 1024);
        var buf = new byte[64 * 1024];
        int read;
        while ((read = await ctx.Request.Body.ReadAsync(buf, ctx.RequestAborted).ConfigureAwait(false)) > 0)
        {
            if (ms.Length + read > MaxCompressedBytes)
            {
                throw new InvalidDataException($"request body is over the limit of {MaxCompressedBytes} bytes");
            }
            ms.Write(buf, 0, read);
        }
        return ms.ToArray();
    }

    private static Task Fail(HttpContext ctx, ServerState s, int status, string message)
    {
        Interlocked.Increment(ref s.RemoteWrite.BadRequests);
        ctx.Response.StatusCode = status;
        ctx.Response.ContentType = "text/plain; charset=utf-8";
        return ctx.Response.WriteAsync(message + "\n");
    }
}

/// <summary>Counters of the remote-write receiver, for self-monitoring.</summary>
public sealed class RemoteWriteStats
{
    /// <summary>Requests received, samples appended, samples refused, requests answered with an error.</summary>
    public long Requests, SamplesIn, SamplesRejected, BadRequests;
}
