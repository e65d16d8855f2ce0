using Ariane.Remote;
using Ariane.Server.Cli;
using Ariane.Storage;
using Microsoft.AspNetCore.Http.Features;

namespace Ariane.Server.Api.V1;

/// <summary>The remote-write 1.0 receiver at POST /api/v1/write (snappy-compressed protobuf WriteRequest).</summary>
public static class RemoteWriteApi
{
    /// <summary>
    /// The request body limit Kestrel applies to every endpoint (see ServerHost); the receiver replaces it per request by
    /// its own, <see cref="RemoteWriteLimits.MaxRequestBytes"/>.
    /// </summary>
    public const int MaxCompressedBytes = 32 << 20;

    private const string ProtobufMediaType = "application/x-protobuf";
    private const string WriteRequestV1 = "prometheus.WriteRequest";

    /// <summary>Maps the endpoint.</summary>
    public static void Map(IEndpointRouteBuilder app, IAppendable storage, RemoteWriteStats stats, ServeOptions options)
    {
        var s = new RemoteWriteDeps(storage, stats, options);
        app.MapPost("/api/v1/write", ctx => Handle(ctx, s));
    }

    private static async Task Handle(HttpContext ctx, RemoteWriteDeps s)
    {
        if (!s.Options.EnableRemoteWriteReceiver)
        {
            ctx.Response.StatusCode = 404;
            await ctx.Response.WriteAsync("remote write receiver needs to be enabled with --web.enable-remote-write-receiver").ConfigureAwait(false);
            return;
        }
        Interlocked.Increment(ref s.RemoteWrite.Requests);
        if (CheckHeaders(ctx.Request) is { } unsupported)
        {
            await Fail(ctx, s, 415, unsupported).ConfigureAwait(false);
            return;
        }
        var limits = s.Options.RemoteWrite;
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
                (compressed, compressedLen) = await ReadBodyAsync(ctx, limits.MaxRequestBytes).ConfigureAwait(false);
            }
            catch (InvalidDataException e)
            {
                await Fail(ctx, s, 413, e.Message).ConfigureAwait(false);
                return;
            }
            catch (BadHttpRequestException e)
            {
                // A body the server could not read (a broken chunked encoding): the sender's fault, as Prometheus says.
                await Fail(ctx, s, 400, e.Message).ConfigureAwait(false);
                return;
            }
            var input = compressed.AsSpan(0, compressedLen);
            // The declared length is checked against what the body could hold before any buffer is sized by it.
            if (!SnappyBlock.TryGetDecodedLength(input, out long len, out _))
            {
                await Fail(ctx, s, 400, SnappyBlock.CorruptInput).ConfigureAwait(false);
                return;
            }
            if (len > limits.MaxDecompressedBytes)
            {
                await Fail(ctx, s, 413, $"decompressed request of {len} bytes is over the limit of {limits.MaxDecompressedBytes} bytes (--web.remote-write-receiver.max-decompressed-request-size)").ConfigureAwait(false);
                return;
            }
            raw = BufferPool<byte>.Shared.Rent(Math.Max((int)len, 1));
            try
            {
                SnappyBlock.Decode(input, raw.AsSpan(0, (int)len));
            }
            catch (InvalidDataException e)
            {
                await Fail(ctx, s, 400, e.Message).ConfigureAwait(false);
                return;
            }
            await Store(ctx, s, raw.AsMemory(0, (int)len), limits).ConfigureAwait(false);
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

    // Remote write must come as protobuf (the 1.0 spec's Content-Type), so that a browser's simple cross-origin POST
    // (text/plain, a form, or a body without a type) cannot write: 415, as Prometheus 3 answers a wrong type. Prometheus
    // takes a missing type as protobuf; Ariane does not, since a page can send a body without one and no preflight.
    // An encoding other than snappy is refused the same way.
    private static string? CheckHeaders(HttpRequest req)
    {
        string contentType = req.ContentType ?? "";
        var parts = contentType.Split(';', StringSplitOptions.TrimEntries);
        if (!string.Equals(parts[0], ProtobufMediaType, StringComparison.OrdinalIgnoreCase))
        {
            return $"expected {ProtobufMediaType} as the first (media) part, got {(contentType.Length == 0 ? "no" : Truncate(contentType))} content-type";
        }
        for (int i = 1; i < parts.Length; i++)
        {
            int eq = parts[i].IndexOf('=', StringComparison.Ordinal);
            if (eq > 0 && parts[i].AsSpan(0, eq).Trim().Equals("proto", StringComparison.OrdinalIgnoreCase))
            {
                string proto = parts[i][(eq + 1)..].Trim().Trim('"');
                if (proto != WriteRequestV1)
                {
                    return $"{Truncate(proto)} protobuf message is not accepted by this server; accepted [{WriteRequestV1}]";
                }
            }
        }
        string encoding = req.Headers.ContentEncoding.ToString();
        if (encoding.Length > 0 && !string.Equals(encoding.Trim(), "snappy", StringComparison.OrdinalIgnoreCase))
        {
            return $"{Truncate(encoding)} encoding (compression) is not accepted by this server; only snappy is acceptable";
        }
        return null;
    }

    private static string Truncate(string s) => s.Length <= 100 ? s : string.Concat(s.AsSpan(0, 100), "…");

    private static async Task Store(HttpContext ctx, RemoteWriteDeps s, ReadOnlyMemory<byte> raw, RemoteWriteLimits limits)
    {
        var app = s.Storage.Appender();
        RemoteWriteResult result;
        try
        {
            result = RemoteWriteDecoder.Decode(raw.Span, app, limits);
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
        if (result.AnyRejected)
        {
            // The good samples are kept; the sender must not retry the refused ones, hence 400, as Prometheus's 2.0
            // receiver answers a partial write (its 1.0 receiver drops the whole request instead).
            Interlocked.Add(ref s.RemoteWrite.SamplesRejected, result.Rejected);
            await Fail(ctx, s, 400, result.Summary()).ConfigureAwait(false);
            return;
        }
        ctx.Response.StatusCode = 204;
    }

    // The body in a pooled buffer (return it to BufferPool<byte>.Shared) and its length.
    private static async Task<(byte[] Buffer, int Length)> ReadBodyAsync(HttpContext ctx, int max)
    {
        if (ctx.Request.ContentLength > max)
        {
            throw new InvalidDataException($"request body of {ctx.Request.ContentLength} bytes is over the limit of {max} bytes (--web.remote-write-receiver.max-request-size)");
        }
        // This loop enforces the receiver's own limit, with its message; Kestrel's server-wide one would cut in first.
        if (ctx.Features.Get<IHttpMaxRequestBodySizeFeature>() is { IsReadOnly: false } bodyLimit)
        {
            bodyLimit.MaxRequestBodySize = null;
        }
        var buf = BufferPool<byte>.Shared.Rent(ctx.Request.ContentLength is long n and > 0 ? (int)n + 1 : 64 * 1024);
        int len = 0;
        try
        {
            while (true)
            {
                if (len == buf.Length)
                {
                    if (len > max)
                    {
                        throw new InvalidDataException($"request body is over the limit of {max} bytes (--web.remote-write-receiver.max-request-size)");
                    }
                    var bigger = BufferPool<byte>.Shared.Rent((int)Math.Min(max + 1L, buf.Length * 2L));
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
                if (len > max)
                {
                    throw new InvalidDataException($"request body is over the limit of {max} bytes (--web.remote-write-receiver.max-request-size)");
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

    private static Task Fail(HttpContext ctx, RemoteWriteDeps s, int status, string message)
    {
        Interlocked.Increment(ref s.RemoteWrite.BadRequests);
        ctx.Response.StatusCode = status;
        ctx.Response.ContentType = "text/plain; charset=utf-8";
        // With its length, as Go's http.Error answers, so that the answer is whole even while a client still sends.
        var body = System.Text.Encoding.UTF8.GetBytes(message + "\n");
        ctx.Response.ContentLength = body.Length;
        return ctx.Response.Body.WriteAsync(body).AsTask();
    }
}

/// <summary>Counters of the remote-write receiver, for self-monitoring.</summary>
public sealed class RemoteWriteStats
{
    /// <summary>Requests received, samples appended, samples refused, requests answered with an error.</summary>
    public long Requests, SamplesIn, SamplesRejected, BadRequests;
}

/// <summary>What the remote-write receiver uses: appenders, its counters and the settings.</summary>
internal sealed record RemoteWriteDeps(IAppendable Storage, RemoteWriteStats RemoteWrite, ServeOptions Options);
