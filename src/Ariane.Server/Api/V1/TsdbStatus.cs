using System.Text.Json;
using Ariane.Tsdb;

namespace Ariane.Server.Api.V1;

/// <summary>/api/v1/status/tsdb: head totals and cardinality tables, as Prometheus shapes them.</summary>
internal static class TsdbStatus
{
    public static Task Write(HttpContext ctx, ServerState s)
    {
        var st = s.Head.Stats();
        return ApiResponse.Success(ctx, w =>
        {
            w.WriteStartObject();
            w.WriteStartObject("headStats"u8);
            w.WriteNumber("numSeries"u8, st.NumSeries);
            w.WriteNumber("numLabelPairs"u8, st.NumLabelPairs);
            w.WriteNumber("chunkCount"u8, st.ChunkCount);
            w.WriteNumber("minTime"u8, st.NumSeries == 0 ? 0 : st.MinTime);
            w.WriteNumber("maxTime"u8, st.NumSeries == 0 ? 0 : st.MaxTime);
            w.WriteEndObject();
            Table(w, "seriesCountByMetricName"u8, st.SeriesCountByMetricName);
            Table(w, "labelValueCountByLabelName"u8, st.LabelValueCountByLabelName);
            Table(w, "memoryInBytesByLabelName"u8, st.MemoryInBytesByLabelName);
            Table(w, "seriesCountByLabelValuePair"u8, st.SeriesCountByLabelValuePair);
            w.WriteEndObject();
        });
    }

    private static void Table(Utf8JsonWriter w, ReadOnlySpan<byte> name, IReadOnlyList<LabelStat> rows)
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
