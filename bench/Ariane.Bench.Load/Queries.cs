namespace Ariane.Bench.Load;

/// <summary>The fixed query set: typical dashboard panels over the data set of <see cref="DataSet"/>.</summary>
internal static class Queries
{
    public static readonly string[] All =
    [
        "sum by (job) (rate(http_requests_total[5m]))",
        "rate(http_requests_total[5m])",
        "histogram_quantile(0.99, sum by (le, job) (rate(http_request_duration_seconds_bucket[5m])))",
        "topk(5, sum by (instance) (rate(http_requests_total[5m])))",
        "avg_over_time(app_queue_depth[10m])",
        "increase(http_requests_total[1h])",
        "max_over_time(rate(http_requests_total[5m])[30m:1m])",
        "sum by (job) (rate(http_requests_total{code=~\"5..\"}[5m])) / sum by (job) (rate(http_requests_total[5m]))",
        "1 - avg by (instance) (rate(node_cpu_seconds_total{mode=\"idle\"}[5m]))",
    ];

    /// <summary>
    /// The vector-matching queries over <see cref="JoinDataSet"/> (query.sh --data joins, issue 10): a many-to-one
    /// and a one-to-one join of 50,000 series with themselves, and a comparison filter under an aggregation.
    /// </summary>
    public static readonly string[] Joins =
    [
        "sum by (grp) (lq * on(i, grp, mod) group_left lq)",
        "sum by (grp) (lq * on(i) lq)",
        "count by (grp) (lq > 500)",
    ];

    /// <summary>The queries of a data set by its name (query.sh's --data): <c>dashboards</c> (the default) or <c>joins</c>.</summary>
    public static string[] Of(string dataSet) => dataSet switch
    {
        "dashboards" => All,
        "joins" => Joins,
        _ => throw new ArgumentException($"unknown data set {dataSet} (dashboards, joins)"),
    };

    /// <summary>
    /// For the comparison with Prometheus 2.42 only: forms that mean, under 2.42's closed range windows
    /// [t - range, t], what the query means under the left-open windows (t - range, t] of Prometheus 3.x and Ariane.
    /// The data set's samples never sit on a window edge, but a subquery's points always do (they lie on the
    /// absolute step grid, and so does t - 30m); 2.42 takes one point more there. Run untimed on Prometheus only.
    /// </summary>
    public static readonly Dictionary<int, string> Prometheus242Equivalent = new()
    {
        [6] = "max_over_time(rate(http_requests_total[5m])[29m59s:1m])",
    };
}
