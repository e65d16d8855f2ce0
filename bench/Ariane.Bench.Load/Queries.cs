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
}
