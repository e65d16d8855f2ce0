using System.Buffers;
using Ariane.Remote;
using Ariane.Storage;

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
        // Both buffers come from a pool (BufferPool, which lets idle arrays go): a remote-write stream would otherwise put two large arrays a
        // request on the large object heap, which only full collections reclaim (measured: +85 MB resident while
        // loading a day of data).
        byte[]? compressed = null;
        byte[]? raw = null;
        try
        {
            int compressedLen;
            try
            {
                (compressed, compressedLen) = await ReadBodyAsync(ctx).ConfigureAwait(false);
            }
            catch (InvalidDataException e)
            {
                await Fail(ctx, s, 413, e.Message).ConfigureAwait(false);
                return;
            }
            int rawLen;
            try
            {
                var input = compressed.AsSpan(0, compressedLen);
                int len = Snappier.Snappy.GetUncompressedLength(input);
                if (len > MaxDecompressedBytes)
                {
                    await Fail(ctx, s, 413, $"decompressed request of {len} bytes is over the limit of {MaxDecompressedBytes}").ConfigureAwait(false);
                    return;
                }
                raw = BufferPool<byte>.Shared.Rent(Math.Max(len, 1));
                rawLen = Snappier.Snappy.Decompress(compressed.AsSpan(0, compressedLen), raw);
            }
            catch (Exception e) when (e is InvalidDataException or ArgumentException or IndexOutOfRangeException)
            {
                await Fail(ctx, s, 400, "snappy: corrupt input: " + e.Message).ConfigureAwait(false);
                return;
            }
            await Store(ctx, s, raw.AsMemory(0, rawLen)).ConfigureAwait(false);
        }
        finally
        {
            if (compressed is not null)
            {
                BufferPool<byte>.Shared.Return(compressed);
            }
            if (raw is not null)
            {
                BufferPool<byte>.Shared.Return(raw);
            }
        }
    }

    private static async Task Store(HttpContext ctx, ServerState s, ReadOnlyMemory<byte> raw)
    {
        var app = s.Db.Appender();
        RemoteWriteResult result;
        try
        {
            result = RemoteWriteDecoder.Decode(raw.Span, app);
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

    // The body in a pooled buffer (return it to BufferPool<byte>.Shared) and its length.
    private static async Task<(byte[] Buffer, int Length)> ReadBodyAsync(HttpContext ctx)
    {
        if (ctx.Request.ContentLength > MaxCompressedBytes)
        {
            throw new InvalidDataException($"request body of {ctx.Request.ContentLength} bytes is over the limit of {MaxCompressedBytes}");
        }
        var buf = BufferPool<byte>.Shared.Rent(ctx.Request.ContentLength is long n and > 0 ? (int)n + 1 : 64 * 1024);
        int len = 0;
        try
        {
            while (true)
            {
                if (len == buf.Length)
                {
                    if (len >= MaxCompressedBytes)
                    {
                        throw new InvalidDataException($"request body is over the limit of {MaxCompressedBytes} bytes");
                    }
                    var bigger = BufferPool<byte>.Shared.Rent(Math.Min(MaxCompressedBytes + 1, buf.Length * 2));
                    buf.AsSpan(0, len).CopyTo(bigger);
                    BufferPool<byte>.Shared.Return(buf);
                    buf = bigger;
                }
                int read = await ctx.Request.Body.ReadAsync(buf.AsMemory(len), ctx.RequestAborted).ConfigureAwait(false);
                if (read == 0)
                {
                    break;
                }
                len += read;
                if (len > MaxCompressedBytes)
                {
                    throw new InvalidDataException($"request body is over the limit of {MaxCompressedBytes} bytes");
                }
            }
            return (buf, len);
        }
        catch
        {
            BufferPool<byte>.Shared.Return(buf);
            throw;
        }
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
