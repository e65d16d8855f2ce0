using System.Globalization;
using System.Text.Json;
using Ariane.Config;
using Ariane.Exposition;
using Ariane.PromQL.Engine;
using Ariane.PromQL.Parser;
using Ariane.Server.Cli;
using Ariane.Storage;

namespace Ariane.Server.Api.V1;

/// <summary>/api/v1/query, /api/v1/query_range and /api/v1/format_query, with Prometheus's parameters, JSON and errors.</summary>
public static class QueryApi
{
    /// <summary>Prometheus refuses range queries with more points than this per series.</summary>
    public const long MaxPointsPerSeries = 11_000;

    /// <summary>Maps the endpoints.</summary>
    public static void Map(IEndpointRouteBuilder app, IQuerierSource storage, QueryEngine engine, SemaphoreSlim gate, EngineMetrics metrics, ServeOptions options, TimeProvider time)
    {
        var s = new QueryDeps(storage, engine, gate, metrics, options, time);
        app.MapMethods("/api/v1/query", ["GET", "POST"], ctx => MetadataApi.Guard(ctx, () => Instant(ctx, s)));
        app.MapMethods("/api/v1/query_range", ["GET", "POST"], ctx => MetadataApi.Guard(ctx, () => Range(ctx, s)));
        app.MapMethods("/api/v1/format_query", ["GET", "POST"], ctx => MetadataApi.Guard(ctx, () => Format(ctx)));
    }

    private static async Task<string> QueryParam(HttpContext ctx)
    {
        string? q = await ApiParams.GetAsync(ctx, "query").ConfigureAwait(false);
        if (string.IsNullOrEmpty(q))
        {
            throw new ApiException(ApiErrorType.BadData, "invalid parameter \"query\": 1:1: parse error: no expression found in input");
        }
        return q;
    }

    private static async Task<TimeSpan> TimeoutParam(HttpContext ctx, QueryDeps s)
    {
        var limit = s.Options.QueryTimeout;
        string? t = await ApiParams.GetAsync(ctx, "timeout").ConfigureAwait(false);
        if (string.IsNullOrEmpty(t))
        {
            return limit;
        }
        var d = ParseDuration(t, "timeout");
        return d < limit ? d : limit;
    }

    /// <summary>A duration parameter: float seconds or a Prometheus duration.</summary>
    internal static TimeSpan ParseDuration(string text, string param)
    {
        if (double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out double secs) && double.IsFinite(secs))
        {
            double ms = Math.Round(secs * 1000);
            if (ms > long.MaxValue / 10_000.0 || ms < long.MinValue / 10_000.0)
            {
                throw new ApiException(ApiErrorType.BadData, $"invalid parameter \"{param}\": cannot parse \"{text}\" to a valid duration. It overflows int64");
            }
            return TimeSpan.FromMilliseconds(ms);
        }
        if (PromDuration.TryParse(text, out var d))
        {
            return d;
        }
        throw new ApiException(ApiErrorType.BadData, $"invalid parameter \"{param}\": cannot parse \"{text}\" to a valid duration");
    }

    private static async Task Instant(HttpContext ctx, QueryDeps s)
    {
        string q = await QueryParam(ctx).ConfigureAwait(false);
        long now = s.Time.GetUtcNow().ToUnixTimeMilliseconds();
        long t = ApiParams.ParseTime(await ApiParams.GetAsync(ctx, "time").ConfigureAwait(false), "time", now);
        var timeout = await TimeoutParam(ctx, s).ConfigureAwait(false);
        string? stats = await ApiParams.GetAsync(ctx, "stats").ConfigureAwait(false);
        bool perStep = stats == "all";
        var run = await Run(ctx, s, timeout, ct => s.QueryEngine.Instant(s.Storage, q, t, perStep, ct)).ConfigureAwait(false);
        await Write(ctx, q, run, stats).ConfigureAwait(false);
    }

    private static async Task Range(HttpContext ctx, QueryDeps s)
    {
        string q = await QueryParam(ctx).ConfigureAwait(false);
        string? startText = await ApiParams.GetAsync(ctx, "start").ConfigureAwait(false);
        string? endText = await ApiParams.GetAsync(ctx, "end").ConfigureAwait(false);
        string? stepText = await ApiParams.GetAsync(ctx, "step").ConfigureAwait(false);
        if (string.IsNullOrEmpty(startText))
        {
            throw new ApiException(ApiErrorType.BadData, "invalid parameter \"start\": cannot parse \"\" to a valid timestamp");
        }
        if (string.IsNullOrEmpty(endText))
        {
            throw new ApiException(ApiErrorType.BadData, "invalid parameter \"end\": cannot parse \"\" to a valid timestamp");
        }
        long start = ApiParams.ParseTime(startText, "start", 0);
        long end = ApiParams.ParseTime(endText, "end", 0);
        if (end < start)
        {
            throw new ApiException(ApiErrorType.BadData, "invalid parameter \"end\": end timestamp must not be before start time");
        }
        if (string.IsNullOrEmpty(stepText))
        {
            throw new ApiException(ApiErrorType.BadData, "invalid parameter \"step\": cannot parse \"\" to a valid duration");
        }
        var step = ParseDuration(stepText, "step");
        if (step <= TimeSpan.Zero)
        {
            throw new ApiException(ApiErrorType.BadData, "invalid parameter \"step\": zero or negative query resolution step widths are not accepted. Try a positive integer");
        }
        long stepMs = (long)step.TotalMilliseconds;
        if (stepMs <= 0)
        {
            stepMs = 1;
        }
        if ((end - start) / stepMs > MaxPointsPerSeries)
        {
            throw new ApiException(ApiErrorType.BadData, "exceeded maximum resolution of 11,000 points per timeseries. Try decreasing the query resolution (?step=XX)");
        }
        var timeout = await TimeoutParam(ctx, s).ConfigureAwait(false);
        string? stats = await ApiParams.GetAsync(ctx, "stats").ConfigureAwait(false);
        bool perStep = stats == "all";
        var run = await Run(ctx, s, timeout, ct => s.QueryEngine.Range(s.Storage, q, start, end, stepMs, perStep, ct)).ConfigureAwait(false);
        await Write(ctx, q, run, stats).ConfigureAwait(false);
    }

    private static async Task Format(HttpContext ctx)
    {
        string q = await QueryParam(ctx).ConfigureAwait(false);
        string formatted;
        try
        {
            formatted = PromQLParser.Parse(q).ToString();
        }
        catch (PromQLParseException e)
        {
            throw new ApiException(ApiErrorType.BadData, "invalid parameter \"query\": " + e.Message);
        }
        await ApiResponse.Success(ctx, w => w.WriteStringValue(formatted)).ConfigureAwait(false);
    }

    /// <summary>A query's result with the time it waited for a slot and the time from arrival to its end.</summary>
    private readonly record struct QueryRun(QueryResult Result, TimeSpan Queue, TimeSpan Total);

    /// <summary>Runs a query on a pool thread under the concurrency limit and the timeout.</summary>
    private static async Task<QueryRun> Run(HttpContext ctx, QueryDeps s, TimeSpan timeout, Func<CancellationToken, QueryResult> query)
    {
        // The deadline runs on the server's TimeProvider, as the engine's own timeout does, so a test's fake clock drives both.
        using var deadline = new CancellationTokenSource(timeout, s.Time);
        using var cts = CancellationTokenSource.CreateLinkedTokenSource(ctx.RequestAborted, deadline.Token);
        long arrived = s.Time.GetTimestamp();
        s.EngineMetrics.Begin();
        try
        {
            await s.QueryGate.WaitAsync(cts.Token).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (!ctx.RequestAborted.IsCancellationRequested)
        {
            s.EngineMetrics.End();
            throw new ApiException(ApiErrorType.Timeout, "query timed out in query queue");
        }
        catch
        {
            s.EngineMetrics.End();
            throw;
        }
        long admitted = s.Time.GetTimestamp();
        // The query gives its slot back when it has really stopped (so the concurrency limit and the active-query gauge
        // hold), but the answer does not wait for that past the deadline: a query stuck where it cannot look at its
        // token (one long storage call) still gets its 503 at the limit.
        var work = Task.Run(() => query(cts.Token), CancellationToken.None);
        _ = work.ContinueWith(static (_, state) =>
        {
            var st = (QueryDeps)state!;
            st.QueryGate.Release();
            st.EngineMetrics.End();
        }, s, CancellationToken.None, TaskContinuationOptions.ExecuteSynchronously, TaskScheduler.Default);
        QueryResult result;
        try
        {
            result = await work.WaitAsync(cts.Token).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (!ctx.RequestAborted.IsCancellationRequested)
        {
            throw new ApiException(ApiErrorType.Timeout, "query timed out in expression evaluation");
        }
        if (result.Error is { Type: QueryErrorType.Canceled } && cts.IsCancellationRequested && !ctx.RequestAborted.IsCancellationRequested)
        {
            // The engine saw the token the timeout cancelled: that is a timeout (503), not a client that went away (499).
            throw new ApiException(ApiErrorType.Timeout, "query timed out in expression evaluation");
        }
        var queued = s.Time.GetElapsedTime(arrived, admitted);
        if (result.Stats is { } qs)
        {
            s.EngineMetrics.Observe(queued, qs.QueryPreparationTime, qs.InnerEvalTime, qs.ResultSortTime, s.Time.GetUtcNow().ToUnixTimeMilliseconds());
        }
        return new QueryRun(result, queued, s.Time.GetElapsedTime(arrived));
    }

    private static async Task Write(HttpContext ctx, string query, QueryRun run, string? stats)
    {
        var r = run.Result;
        var warnings = new List<string>(r.Warnings.Count);
        foreach (var a in r.Warnings)
        {
            warnings.Add(a.Render(query));
        }
        if (r.Error is { } e)
        {
            var type = e.Type switch
            {
                QueryErrorType.BadData => ApiErrorType.BadData,
                QueryErrorType.Execution => ApiErrorType.Execution,
                QueryErrorType.Timeout => ApiErrorType.Timeout,
                QueryErrorType.Canceled => ApiErrorType.Canceled,
                _ => ApiErrorType.Internal,
            };
            string message = type == ApiErrorType.BadData && !e.Message.StartsWith("invalid parameter", StringComparison.Ordinal)
                ? "invalid parameter \"query\": " + e.Message
                : e.Message;
            await ApiResponse.Error(ctx, type, message).ConfigureAwait(false);
            return;
        }
        var infos = new List<string>(r.Infos.Count);
        foreach (var a in r.Infos)
        {
            infos.Add(a.Render(query));
        }
        if (stats is { Length: > 0 } and not ("true" or "all"))
        {
            // As Prometheus 3.x: any value asks for the statistics, but only these two are meant to.
            warnings.Add($"value \"{stats}\" for parameter \"stats\" is deprecated and will be rejected in the next major release, use \"true\" or \"all\"");
        }
        await ApiResponse.SuccessStreamed(ctx, json => WriteData(json, r, string.IsNullOrEmpty(stats) ? null : run), warnings, infos).ConfigureAwait(false);
    }

    /// <summary>
    /// <c>data.stats</c> as Prometheus 3.x writes it: <c>timings</c> in seconds and <c>samples</c>, with the per-step
    /// counts (<c>[[time, n], ...]</c>) first when they were asked for (<c>stats=all</c>).
    /// </summary>
    private static void WriteStats(Utf8JsonWriter w, QueryStats st, QueryRun run)
    {
        w.WriteStartObject("stats"u8);
        w.WriteStartObject("timings"u8);
        w.WriteNumber("evalTotalTime"u8, st.EvalTotalTime.TotalSeconds);
        w.WriteNumber("resultSortTime"u8, st.ResultSortTime.TotalSeconds);
        w.WriteNumber("queryPreparationTime"u8, st.QueryPreparationTime.TotalSeconds);
        w.WriteNumber("innerEvalTime"u8, st.InnerEvalTime.TotalSeconds);
        w.WriteNumber("execQueueTime"u8, run.Queue.TotalSeconds);
        w.WriteNumber("execTotalTime"u8, run.Total.TotalSeconds);
        w.WriteEndObject();
        w.WriteStartObject("samples"u8);
        if (st.TotalQueryableSamplesPerStep is { Count: > 0 } perStep)
        {
            w.WriteStartArray("totalQueryableSamplesPerStep"u8);
            for (int i = 0; i < perStep.Count; i++)
            {
                w.WriteStartArray();
                WriteTime(w, st.StartMs + i * st.StepMs);
                w.WriteNumberValue(perStep[i]);
                w.WriteEndArray();
            }
            w.WriteEndArray();
        }
        w.WriteNumber("totalQueryableSamples"u8, st.TotalQueryableSamples);
        w.WriteNumber("peakSamples"u8, st.PeakSamples);
        w.WriteEndObject();
        w.WriteEndObject();
    }

    private static async ValueTask WriteData(StreamedJson json, QueryResult r, QueryRun? stats)
    {
        var w = json.Writer;
        w.WriteStartObject();
        w.WriteString("resultType"u8, r.TypeName);
        w.WritePropertyName("result"u8);
        switch (r.Type)
        {
            case ResultType.Scalar:
                WritePoint(w, r.T, r.Scalar);
                break;
            case ResultType.String:
                w.WriteStartArray();
                WriteTime(w, r.T);
                w.WriteStringValue(r.String);
                w.WriteEndArray();
                break;
            case ResultType.Vector:
                w.WriteStartArray();
                foreach (var smp in r.Vector)
                {
                    w.WriteStartObject();
                    w.WritePropertyName("metric"u8);
                    ApiResponse.WriteLabels(w, smp.Metric);
                    w.WritePropertyName("value"u8);
                    WritePoint(w, smp.T, smp.F);
                    w.WriteEndObject();
                    await json.SendIfLarge().ConfigureAwait(false);
                }
                w.WriteEndArray();
                break;
            default:
                w.WriteStartArray();
                var times = r.Matrix.Count > 1 ? new TimeTexts() : null;
                foreach (var series in r.Matrix)
                {
                    w.WriteStartObject();
                    w.WritePropertyName("metric"u8);
                    ApiResponse.WriteLabels(w, series.Metric);
                    w.WriteStartArray("values"u8);
                    foreach (var p in series.Points)
                    {
                        WritePoint(w, p.T, p.F, times);
                    }
                    w.WriteEndArray();
                    w.WriteEndObject();
                    await json.SendIfLarge().ConfigureAwait(false);
                }
                w.WriteEndArray();
                break;
        }
        if (stats is { } run && r.Stats is { } st)
        {
            WriteStats(w, st, run);
        }
        w.WriteEndObject();
    }

    /// <summary>
    /// Writes <c>[time, "value"]</c> as one raw JSON value: a large matrix is mostly points, and one writer call per
    /// point instead of four (with the time and value formatted straight into UTF-8) is several times cheaper.
    /// </summary>
    private static void WritePoint(Utf8JsonWriter w, long t, double v, TimeTexts? times = null)
    {
        Span<byte> buf = stackalloc byte[96];
        int n = 0;
        buf[n++] = (byte)'[';
        if (times is null)
        {
            n += FormatTime(buf[n..], t);
        }
        else
        {
            var text = times.Get(t);
            text.CopyTo(buf[n..]);
            n += text.Length;
        }
        buf[n++] = (byte)',';
        buf[n++] = (byte)'"';
        n += ShortestFloat.FormatPrometheus(v, buf[n..^2]); // as ApiFormat.Value spells it
        buf[n++] = (byte)'"';
        buf[n++] = (byte)']';
        w.WriteRawValue(buf[..n], skipInputValidation: true);
    }

    /// <summary>
    /// A matrix's point times formatted once per answer instead of once per point: the series of a range query share
    /// their steps. A small table indexed by a hash of the time; a clash formats again.
    /// </summary>
    private sealed class TimeTexts
    {
        private const int Bits = 10;
        private const int Width = 24; // "-9223372036854775.808" is 21

        private readonly long[] _times = new long[1 << Bits];
        private readonly byte[] _lengths = new byte[1 << Bits];
        private readonly byte[] _texts = new byte[(1 << Bits) * Width];

        public ReadOnlySpan<byte> Get(long t)
        {
            int i = (int)(((ulong)t * 0x9E3779B97F4A7C15UL) >> (64 - Bits));
            var slot = _texts.AsSpan(i * Width, Width);
            if (_lengths[i] == 0 || _times[i] != t)
            {
                _times[i] = t;
                _lengths[i] = (byte)FormatTime(slot, t);
            }
            return slot[.._lengths[i]];
        }
    }

    /// <summary>Writes a millisecond time as Prometheus does: seconds with up to three decimals, trailing zeros dropped.</summary>
    internal static void WriteTime(Utf8JsonWriter w, long ms)
    {
        Span<byte> buf = stackalloc byte[32];
        w.WriteRawValue(buf[..FormatTime(buf, ms)], skipInputValidation: true);
    }

    /// <summary>Formats a millisecond time as <see cref="WriteTime"/> writes it into <paramref name="buf"/>; returns the length.</summary>
    private static int FormatTime(Span<byte> buf, long ms)
    {
        int n = 0;
        bool neg = ms < 0;
        ulong abs = neg ? (ulong)(-(ms + 1)) + 1 : (ulong)ms;
        if (neg)
        {
            buf[n++] = (byte)'-';
        }
        System.Buffers.Text.Utf8Formatter.TryFormat(abs / 1000, buf[n..], out int written);
        n += written;
        uint frac = (uint)(abs % 1000);
        if (frac != 0)
        {
            buf[n++] = (byte)'.';
            buf[n++] = (byte)('0' + frac / 100);
            buf[n++] = (byte)('0' + frac / 10 % 10);
            buf[n++] = (byte)('0' + frac % 10);
            while (buf[n - 1] == (byte)'0')
            {
                n--;
            }
        }
        return n;
    }
}

/// <summary>What the query endpoints use: queriers, the engine, the concurrency gate, the engine's metrics, the settings and the clock.</summary>
internal sealed record QueryDeps(IQuerierSource Storage, QueryEngine QueryEngine, SemaphoreSlim QueryGate, EngineMetrics EngineMetrics, ServeOptions Options, TimeProvider Time);
