using System.Text.Json;
using Ariane.Storage;

namespace Ariane.Server.Api.V1;

/// <summary>/api/v1/status/tsdb: head totals and cardinality tables, as Prometheus shapes them.</summary>
internal static class TsdbStatus
{
    /// <summary>The largest <c>limit</c> accepted, as Prometheus's.</summary>
    private const int MaxLimit = 10_000;

    public static async Task Write(HttpContext ctx, IStorageStats storage)
    {
        int limit = 10;
        if (await ApiParams.GetAsync(ctx, "limit").ConfigureAwait(false) is { Length: > 0 } text)
        {
            if (!int.TryParse(text, System.Globalization.NumberStyles.AllowLeadingSign, System.Globalization.CultureInfo.InvariantCulture, out limit) || limit < 1)
            {
                throw new ApiException(ApiErrorType.BadData, "limit must be a positive number");
            }
            if (limit > MaxLimit)
            {
                throw new ApiException(ApiErrorType.BadData, $"limit must not exceed {MaxLimit}");
            }
        }
        var st = storage.Cardinality(limit);
        var db = storage.Stats();
        await ApiResponse.Success(ctx, w =>
        {
            w.WriteStartObject();
            w.WriteStartObject("headStats"u8);
            w.WriteNumber("numSeries"u8, st.NumSeries);
            w.WriteNumber("numLabelPairs"u8, st.NumLabelPairs);
            w.WriteNumber("chunkCount"u8, st.ChunkCount);
            w.WriteNumber("minTime"u8, st.MinTime);
            w.WriteNumber("maxTime"u8, st.MaxTime);
            w.WriteEndObject();
            Table(w, "seriesCountByMetricName"u8, st.SeriesCountByMetricName);
            Table(w, "labelValueCountByLabelName"u8, st.LabelValueCountByLabelName);
            Table(w, "memoryInBytesByLabelName"u8, st.MemoryInBytesByLabelName);
            Table(w, "seriesCountByLabelValuePair"u8, st.SeriesCountByLabelValuePair);
            // Ariane's additions: the on-disk blocks and any moved aside as damaged.
            w.WriteStartObject("blockStats"u8);
            w.WriteNumber("numBlocks"u8, db.BlocksLoaded);
            w.WriteNumber("bytes"u8, db.BlockBytes);
            w.WriteNumber("numSamples"u8, db.BlockSamples);
            w.WriteNumber("minTime"u8, db.BlocksMinTime);
            w.WriteNumber("maxTime"u8, db.BlocksMaxTime);
            w.WriteNumber("walBytes"u8, db.WalSizeBytes);
            w.WriteEndObject();
            w.WriteStartArray("quarantinedBlocks"u8);
            foreach (var q in db.Quarantined)
            {
                w.WriteStartObject();
                w.WriteString("ulid"u8, q.Ulid);
                w.WriteString("path"u8, q.Path);
                w.WriteString("reason"u8, q.Reason);
                w.WriteEndObject();
            }
            w.WriteEndArray();
            w.WriteEndObject();
        }).ConfigureAwait(false);
    }

    private static void Table(Utf8JsonWriter w, ReadOnlySpan<byte> name, IReadOnlyList<CardinalityRow> rows)
    {
        w.WriteStartArray(name);
        foreach (var r in rows)
        {
            w.WriteStartObject();
            w.WriteString("name"u8, r.Name);
            w.WriteNumber("value"u8, r.Value);
            w.WriteEndObject();
        }
        w.WriteEndArray();
    }
}
