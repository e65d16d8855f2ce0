using Ariane.Model;
using Ariane.Remote;
using Ariane.Server.Cli;
using Ariane.Storage;
using Ariane.Tsdb;

namespace Ariane.Server.Api.V1;

/// <summary>
/// Prometheus's remote-read endpoint, <c>POST /api/v1/read</c> (snappy-compressed protobuf ReadRequest), so that a
/// Prometheus with <c>remote_read</c> pointed at Ariane answers its queries with Ariane's data. Both response types:
/// SAMPLES (one snappy-compressed ReadResponse, bounded by <c>--storage.remote.read-sample-limit</c>) and
/// STREAMED_XOR_CHUNKS (frames of ChunkedReadResponse, one series per frame or several frames per series, each at most
/// about <c>--storage.remote.read-max-bytes-in-frame</c>), the first of the client's accepted types that Ariane has.
/// At most <c>--storage.remote.read-concurrent-limit</c> requests run at once; more wait. External labels are added to
/// the series and, as Prometheus, an equality matcher on an external label's value matches series without it.
/// </summary>
public static class RemoteReadApi
{
    /// <summary>The largest decompressed request accepted (a ReadRequest is matchers and times: small).</summary>
    public const int MaxRequestBytes = 32 << 20;

    private const string StreamedContentType = "application/x-streamed-protobuf; proto=prometheus.ChunkedReadResponse";

    /// <summary>Maps the endpoint.</summary>
    public static void Map(IEndpointRouteBuilder app, IQuerierSource storage, ServerState state)
    {
        var s = new RemoteReadDeps(storage, state);
#pragma warning disable CA2000 // the gate lives as long as the route, i.e. the process; nothing reads its AvailableWaitHandle, so it holds no OS handle
        var gate = s.Options.RemoteReadConcurrentLimit > 0 ? new SemaphoreSlim(s.Options.RemoteReadConcurrentLimit) : null;
#pragma warning restore CA2000
        app.MapPost("/api/v1/read", ctx => Handle(ctx, s, gate));
    }

    private static async Task Handle(HttpContext ctx, RemoteReadDeps s, SemaphoreSlim? gate)
    {
        if (gate is not null)
        {
            try
            {
                await gate.WaitAsync(ctx.RequestAborted).ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
                return;
            }
        }
        try
        {
            RemoteReadRequest req;
            try
            {
                req = await ReadRequestAsync(ctx).ConfigureAwait(false);
            }
            catch (Exception e) when (e is RemoteReadException or InvalidDataException or IndexOutOfRangeException or ArgumentException)
            {
                await Fail(ctx, 400, e.Message).ConfigureAwait(false);
                return;
            }
            int type = -1;
            foreach (int t in req.AcceptedResponseTypes.Count == 0 ? [RemoteReadCodec.Samples] : req.AcceptedResponseTypes)
            {
                if (t is RemoteReadCodec.Samples or RemoteReadCodec.StreamedXorChunks)
                {
                    type = t;
                    break;
                }
            }
            if (type < 0)
            {
                await Fail(ctx, 400, $"server does not support any of the requested response types: [{string.Join(' ', req.AcceptedResponseTypes)}]; supported: [SAMPLES STREAMED_XOR_CHUNKS]").ConfigureAwait(false);
                return;
            }
            var external = s.Config.Global.ExternalLabels;
            if (type == RemoteReadCodec.Samples)
            {
                await SamplesAsync(ctx, s, req, external).ConfigureAwait(false);
            }
            else
            {
                await StreamedAsync(ctx, s, req, external).ConfigureAwait(false);
            }
        }
        finally
        {
            gate?.Release();
        }
    }

    private static async Task<RemoteReadRequest> ReadRequestAsync(HttpContext ctx)
    {
        using var ms = new MemoryStream();
        await ctx.Request.Body.CopyToAsync(ms, ctx.RequestAborted).ConfigureAwait(false);
        var compressed = ms.GetBuffer().AsSpan(0, (int)ms.Length);
        int len = Snappier.Snappy.GetUncompressedLength(compressed);
        if (len < 0 || len > MaxRequestBytes)
        {
            throw new InvalidDataException($"decompressed request of {len} bytes is over the limit of {MaxRequestBytes}");
        }
        var raw = new byte[len];
        int n = Snappier.Snappy.Decompress(compressed, raw);
        return RemoteReadCodec.DecodeRequest(raw.AsSpan(0, n));
    }

    /// <summary>The time range a query reads: its own, narrowed by its hints (Prometheus's TSDB selects by the hints' range).</summary>
    private static (long Min, long Max) Range(RemoteReadQuery q)
    {
        long min = q.StartMs, max = q.EndMs;
        if (q.Hints is { } h && (h.StartMs != 0 || h.EndMs != 0))
        {
            min = Math.Max(min, h.StartMs);
            max = Math.Min(max, h.EndMs);
        }
        return (min, max);
    }

    /// <summary>
    /// The matchers to select with: an equality matcher on an external label's own value becomes "label is absent",
    /// since external labels are added on the way out and not stored (as Prometheus's filterExtLabelsFromMatchers).
    /// </summary>
    private static LabelMatcher[] Filter(LabelMatcher[] matchers, Labels external)
    {
        var result = new LabelMatcher[matchers.Length];
        for (int i = 0; i < matchers.Length; i++)
        {
            var m = matchers[i];
            string ext = external.Get(m.Name);
            result[i] = m.Type == MatcherType.Equal && ext.Length > 0 && ext == m.Value ? LabelMatcher.Eq(m.Name, "") : m;
        }
        return result;
    }

    /// <summary>The series' labels with the external labels it lacks (its own win, as Prometheus's MergeLabels).</summary>
    private static Labels WithExternal(Labels labels, Labels external)
    {
        if (external.Count == 0)
        {
            return labels;
        }
        var b = new LabelsBuilder(labels);
        foreach (var e in external)
        {
            if (!labels.Has(e.Name))
            {
                b.Set(e.Name, e.Value);
            }
        }
        return b.Build();
    }

    private static async Task SamplesAsync(HttpContext ctx, RemoteReadDeps s, RemoteReadRequest req, Labels external)
    {
        long limit = s.Options.RemoteReadSampleLimit;
        long total = 0;
        var results = new List<IReadOnlyList<RemoteReadSeries>>(req.Queries.Count);
        var ts = new List<long>();
        var vs = new List<double>();
        foreach (var q in req.Queries)
        {
            var (min, max) = Range(q);
            bool seriesOnly = q.Hints?.Func == "series";
            var list = new List<RemoteReadSeries>();
            using (var querier = s.Storage.Querier(min, max))
            {
                var set = querier.Select(false, Filter(q.Matchers, external));
                ISampleIterator? it = null;
                while (set.MoveNext())
                {
                    var series = set.Current;
                    ts.Clear();
                    vs.Clear();
                    if (!seriesOnly)
                    {
                        it = series.Iterator(it);
                        while (it.Next())
                        {
                            if (it.T > max)
                            {
                                break;
                            }
                            if (++total > limit && limit > 0)
                            {
                                await Fail(ctx, 400, $"exceeded sample limit ({limit})").ConfigureAwait(false);
                                return;
                            }
                            ts.Add(it.T);
                            vs.Add(it.V);
                        }
                    }
                    list.Add(new RemoteReadSeries(WithExternal(series.Labels, external), [.. ts], [.. vs]));
                }
            }
            results.Add(list);
        }
        byte[] body = Snappier.Snappy.CompressToArray(RemoteReadCodec.EncodeResponse(results));
        ctx.Response.StatusCode = 200;
        ctx.Response.ContentType = "application/x-protobuf";
        ctx.Response.Headers.ContentEncoding = "snappy";
        ctx.Response.ContentLength = body.Length;
        await ctx.Response.Body.WriteAsync(body, ctx.RequestAborted).ConfigureAwait(false);
    }

    private static async Task StreamedAsync(HttpContext ctx, RemoteReadDeps s, RemoteReadRequest req, Labels external)
    {
        ctx.Response.StatusCode = 200;
        ctx.Response.ContentType = StreamedContentType;
        var output = ctx.Response.BodyWriter;
        int maxBytes = s.Options.RemoteReadMaxBytesInFrame;
        var ts = new long[PrometheusXorChunk.SamplesPerChunk];
        var vs = new double[PrometheusXorChunk.SamplesPerChunk];
        var chunks = new List<(long MinT, long MaxT, byte[] Data)>();
        for (int qi = 0; qi < req.Queries.Count; qi++)
        {
            var q = req.Queries[qi];
            var (min, max) = Range(q);
            bool seriesOnly = q.Hints?.Func == "series";
            using var querier = s.Storage.Querier(min, max);
            // The streamed form must hand the series sorted by labels (clients merge streams).
            var set = querier.Select(true, Filter(q.Matchers, external));
            ISampleIterator? it = null;
            while (set.MoveNext())
            {
                var series = set.Current;
                var labels = WithExternal(series.Labels, external);
                int budget = maxBytes - RemoteReadCodec.LabelsSize(labels);
                int left = budget;
                chunks.Clear();
                if (seriesOnly)
                {
                    continue;
                }
                it = series.Iterator(it);
                bool more = true;
                int n = 0;
                while (more)
                {
                    more = it.Next() && it.T <= max;
                    if (more)
                    {
                        ts[n] = it.T;
                        vs[n] = it.V;
                        n++;
                    }
                    if (n == ts.Length || (!more && n > 0))
                    {
                        var data = PrometheusXorChunk.Encode(ts.AsSpan(0, n), vs.AsSpan(0, n));
                        chunks.Add((ts[0], ts[n - 1], data));
                        left -= data.Length + 32;
                        n = 0;
                    }
                    // One series per frame; a long series is split over frames of about the budget (a chunk may
                    // overshoot it, as in Prometheus).
                    if (chunks.Count > 0 && (left <= 0 || !more))
                    {
                        byte[] message = RemoteReadCodec.EncodeChunkedSeries(labels, chunks, qi);
                        RemoteReadCodec.WriteFrame(output, message, Crc32C.Append(0, message));
                        chunks.Clear();
                        left = budget;
                        if (output.UnflushedBytes > 64 * 1024)
                        {
                            await output.FlushAsync(ctx.RequestAborted).ConfigureAwait(false);
                        }
                    }
                }
            }
        }
        await output.FlushAsync(ctx.RequestAborted).ConfigureAwait(false);
    }

    private static Task Fail(HttpContext ctx, int status, string message)
    {
        if (ctx.Response.HasStarted)
        {
            ctx.Abort();
            return Task.CompletedTask;
        }
        ctx.Response.StatusCode = status;
        ctx.Response.ContentType = "text/plain; charset=utf-8";
        return ctx.Response.WriteAsync(message + "\n");
    }
}

/// <summary>What the remote-read endpoint uses: queriers, and the settings and configuration (external labels).</summary>
internal sealed record RemoteReadDeps(IQuerierSource Storage, ServerState State)
{
    public ServeOptions Options => State.Options;

    public Ariane.Config.PrometheusConfig Config => State.Config;
}
