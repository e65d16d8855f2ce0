namespace Ariane.Tsdb;

/// <summary>One row of a cardinality table: a name (metric, label, or label pair) and its count.</summary>
public readonly record struct LabelStat(string Name, long Value);

/// <summary>
/// Head statistics, shaped like Prometheus's <c>/api/v1/status/tsdb</c>: the head's totals plus the top-N
/// cardinality tables. Times are milliseconds; MinTime/MaxTime are long.MaxValue/long.MinValue when empty.
/// </summary>
public sealed record HeadStats(
    long NumSeries,
    long NumSamples,
    long NumLabelPairs,
    long ChunkCount,
    long MinTime,
    long MaxTime,
    IReadOnlyList<LabelStat> SeriesCountByMetricName,
    IReadOnlyList<LabelStat> LabelValueCountByLabelName,
    IReadOnlyList<LabelStat> MemoryInBytesByLabelName,
    IReadOnlyList<LabelStat> SeriesCountByLabelValuePair);
