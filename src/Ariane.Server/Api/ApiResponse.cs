using System.Globalization;
using System.Text.Json;
using Ariane.Model;

namespace Ariane.Server.Api;

/// <summary>Prometheus's API error types, with the HTTP status each one goes with.</summary>
public enum ApiErrorType
{
    /// <summary>400</summary>
    BadData,
    /// <summary>422</summary>
    Execution,
    /// <summary>503</summary>
    Timeout,
    /// <summary>499</summary>
    Canceled,
    /// <summary>500</summary>
    Internal,
    /// <summary>503</summary>
    Unavailable,
    /// <summary>404</summary>
    NotFound,
    /// <summary>406</summary>
    NotAcceptable,
}

/// <summary>An error the API reports in Prometheus's shape.</summary>
public sealed class ApiException(ApiErrorType type, string message) : Exception(message)
{
    /// <summary>The error type.</summary>
    public ApiErrorType Type { get; } = type;
}

/// <summary>Writes the Prometheus API envelope: <c>{"status":"success","data":...}</c> or the error shape.</summary>
public static class ApiResponse
{
    private static readonly JsonWriterOptions WriterOptions = new()
    {
        Indented = false,
        SkipValidation = true,
        // Like Go's encoder: quotes as \", non-ASCII as is, so error texts read the same as Prometheus's.
        Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
    };

    /// <summary>Writes a success envelope whose data the callback writes; warnings are added when given.</summary>
    public static Task Success(HttpContext ctx, Action<Utf8JsonWriter> data, IReadOnlyList<string>? warnings = null, IReadOnlyList<string>? infos = null) =>
        SuccessStreamed(ctx, json =>
        {
            data(json.Writer);
            return ValueTask.CompletedTask;
        }, warnings, infos);

    /// <summary>
    /// Writes a success envelope whose data the callback writes through a <see cref="StreamedJson"/>, which hands the
    /// answer to the connection in parts as it grows (for answers that can be megabytes: query results).
    /// </summary>
    public static async Task SuccessStreamed(HttpContext ctx, Func<StreamedJson, ValueTask> data, IReadOnlyList<string>? warnings = null, IReadOnlyList<string>? infos = null)
    {
        ctx.Response.StatusCode = 200;
        ctx.Response.ContentType = "application/json";
        var w = new Utf8JsonWriter(ctx.Response.BodyWriter, WriterOptions);
        await using (w.ConfigureAwait(false))
        {
            w.WriteStartObject();
            w.WriteString("status"u8, "success"u8);
            w.WritePropertyName("data"u8);
            await data(new StreamedJson(w, ctx)).ConfigureAwait(false);
            if (warnings is { Count: > 0 })
            {
                w.WriteStartArray("warnings"u8);
                foreach (var warning in warnings)
                {
                    w.WriteStringValue(warning);
                }
                w.WriteEndArray();
            }
            if (infos is { Count: > 0 })
            {
                w.WriteStartArray("infos"u8);
                foreach (var info in infos)
                {
                    w.WriteStringValue(info);
                }
                w.WriteEndArray();
            }
            w.WriteEndObject();
            await w.FlushAsync(ctx.RequestAborted).ConfigureAwait(false);
        }
    }

    /// <summary>Writes Prometheus's error envelope with the status code that goes with the type.</summary>
    public static async Task Error(HttpContext ctx, ApiErrorType type, string message)
    {
        ctx.Response.StatusCode = StatusOf(type);
        ctx.Response.ContentType = "application/json";
        var w = new Utf8JsonWriter(ctx.Response.BodyWriter, WriterOptions);
        await using (w.ConfigureAwait(false))
        {
            w.WriteStartObject();
            w.WriteString("status"u8, "error"u8);
            w.WriteString("errorType"u8, TypeName(type));
            w.WriteString("error"u8, message);
            w.WriteEndObject();
            await w.FlushAsync(ctx.RequestAborted).ConfigureAwait(false);
        }
    }

    /// <summary>The HTTP status for an error type, as Prometheus maps them.</summary>
    public static int StatusOf(ApiErrorType t) => t switch
    {
        ApiErrorType.BadData => 400,
        ApiErrorType.Execution => 422,
        ApiErrorType.Canceled => 499,
        ApiErrorType.Timeout => 503,
        ApiErrorType.Unavailable => 503,
        ApiErrorType.NotFound => 404,
        ApiErrorType.NotAcceptable => 406,
        _ => 500,
    };

    /// <summary>The errorType string.</summary>
    public static string TypeName(ApiErrorType t) => t switch
    {
        ApiErrorType.BadData => "bad_data",
        ApiErrorType.Execution => "execution",
        ApiErrorType.Timeout => "timeout",
        ApiErrorType.Canceled => "canceled",
        ApiErrorType.Unavailable => "unavailable",
        ApiErrorType.NotFound => "not_found",
        ApiErrorType.NotAcceptable => "not_acceptable",
        _ => "internal",
    };

    /// <summary>Writes a label set as a JSON object.</summary>
    public static void WriteLabels(Utf8JsonWriter w, Labels labels)
    {
        w.WriteStartObject();
        foreach (var l in labels)
        {
            w.WriteString(l.Name, l.Value);
        }
        w.WriteEndObject();
    }

    /// <summary>Formats a time as Prometheus does in JSON (RFC 3339 with fractional seconds).</summary>
    public static string FormatTime(DateTimeOffset t) =>
        t == default ? "0001-01-01T00:00:00Z" : t.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss.FFFFFFF'Z'", CultureInfo.InvariantCulture);
}

/// <summary>
/// A JSON writer on a response body that sends what it holds once that reaches <see cref="ChunkBytes"/>: a large answer
/// then streams out while it is written, paced by the connection, instead of collecting whole in memory first.
/// </summary>
public sealed class StreamedJson(Utf8JsonWriter writer, HttpContext ctx)
{
    /// <summary>How much is written before it is sent.</summary>
    public const int ChunkBytes = 64 * 1024;

    private long _sent;

    /// <summary>The writer.</summary>
    public Utf8JsonWriter Writer => writer;

    /// <summary>Sends what is written so far when it is <see cref="ChunkBytes"/> or more; call between whole values.</summary>
    public ValueTask SendIfLarge() =>
        writer.BytesCommitted + writer.BytesPending - _sent < ChunkBytes ? ValueTask.CompletedTask : Send();

    private async ValueTask Send()
    {
        writer.Flush();
        _sent = writer.BytesCommitted;
        await ctx.Response.BodyWriter.FlushAsync(ctx.RequestAborted).ConfigureAwait(false);
    }
}
