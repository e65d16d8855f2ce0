using System.Text;
using System.Text.Json;
using Ariane.PromQL.Ast;
using Ariane.PromQL.Parser;
using Ariane.Tests.Support;

namespace Ariane.Tests.Server;

/// <summary>
/// Issue 10, item 17: every metric name that the Prometheus mixin's alerts (as kube-prometheus renders them) and the
/// kube-prometheus "Prometheus / Overview" dashboard query exists on a running Ariane's /metrics, except the names
/// listed in <see cref="KnownMissing"/>, each with the reason it cannot exist yet.
/// </summary>
public class SelfMetricsTests
{
    /// <summary>Names that cannot exist on Ariane today, and why. Never a silent skip: the report prints them.</summary>
    private static readonly Dictionary<string, string> KnownMissing = new(StringComparer.Ordinal)
    {
        ["prometheus_sd_kubernetes_failures_total"] = "Ariane has no Kubernetes service discovery yet (static and file only)",
        ["prometheus_notifications_queue_length"] = NoAlerting,
        ["prometheus_notifications_queue_capacity"] = NoAlerting,
        ["prometheus_notifications_errors_total"] = NoAlerting,
        ["prometheus_notifications_sent_total"] = NoAlerting,
        ["prometheus_notifications_alertmanagers_discovered"] = NoAlerting +
            "; a zero-valued series would make PrometheusNotConnectedToAlertmanagers fire on every Ariane",
        ["prometheus_rule_group_rules"] = NoRules,
        ["prometheus_rule_evaluation_failures_total"] = NoRules,
        ["prometheus_rule_group_iterations_missed_total"] = NoRules,
        ["prometheus_remote_storage_failed_samples_total"] = NoRemoteWrite,
        ["prometheus_remote_storage_samples_failed_total"] = NoRemoteWrite,
        ["prometheus_remote_storage_succeeded_samples_total"] = NoRemoteWrite,
        ["prometheus_remote_storage_samples_total"] = NoRemoteWrite,
        ["prometheus_remote_storage_highest_timestamp_in_seconds"] = NoRemoteWrite,
        ["prometheus_remote_storage_queue_highest_sent_timestamp_seconds"] = NoRemoteWrite,
        ["prometheus_remote_storage_shards_desired"] = NoRemoteWrite,
        ["prometheus_remote_storage_shards_max"] = NoRemoteWrite,
        ["prometheus_remote_storage_queue_highest_timestamp_seconds"] = NoRemoteWrite,
    };

    private const string NoAlerting = "no alerting (notifier) yet: Prometheus registers these per Alertmanager, and Ariane sends to none";
    private const string NoRules = "no rule evaluation yet: Prometheus has these per rule group, so with no groups it has no series either";
    private const string NoRemoteWrite = "no remote_write sender yet: Prometheus has these per remote_write queue, so with none it has no series either";

    private static string DashboardPath => Path.Combine(TestPaths.Conformance, "grafana-dashboards", "kube-prometheus", "prometheus.json");

    private static string RulesPath => Path.Combine(TestPaths.RepoRoot, "tests", "Ariane.Tests", "Server", "testdata", "kube-prometheus", "prometheus-prometheusRule.yaml");

    /// <summary>The PromQL expressions of the dashboard's panels and variables, with Grafana's variables filled in.</summary>
    internal static List<(string Source, string Expr)> DashboardQueries()
    {
        var list = new List<(string, string)>();
        void Walk(JsonElement e, string where)
        {
            switch (e.ValueKind)
            {
                case JsonValueKind.Object:
                    foreach (var p in e.EnumerateObject())
                    {
                        if (p.Name == "expr" && p.Value.ValueKind == JsonValueKind.String)
                        {
                            list.Add((where, p.Value.GetString()!));
                        }
                        else if (p.Name == "query" && p.Value.ValueKind == JsonValueKind.String && p.Value.GetString()!.StartsWith("label_values(", StringComparison.Ordinal))
                        {
                            // label_values(<selector>, <label>): the selector is PromQL.
                            string q = p.Value.GetString()!;
                            list.Add((where + " (variable)", q["label_values(".Length..q.LastIndexOf(',')]));
                        }
                        else
                        {
                            Walk(p.Value, e.TryGetProperty("title", out var t) && t.ValueKind == JsonValueKind.String ? "panel \"" + t.GetString() + "\"" : where);
                        }
                    }
                    break;
                case JsonValueKind.Array:
                    foreach (var x in e.EnumerateArray())
                    {
                        Walk(x, where);
                    }
                    break;
            }
        }
        using var doc = JsonDocument.Parse(File.ReadAllText(DashboardPath));
        Walk(doc.RootElement, "prometheus.json");
        return list.ConvertAll(x => (x.Item1, x.Item2.Replace("$__rate_interval", "5m").Replace("$__interval", "1m").Replace("$interval", "1m")
            .Replace("$cluster", ".*").Replace("$job", ".*").Replace("$instance", ".*")));
    }

    /// <summary>The <c>expr</c> of every alert in the rendered mixin (block scalars, as kube-prometheus writes them).</summary>
    internal static List<(string Source, string Expr)> RuleQueries()
    {
        var list = new List<(string, string)>();
        var lines = File.ReadAllLines(RulesPath);
        string alert = "";
        for (int i = 0; i < lines.Length; i++)
        {
            string t = lines[i].Trim();
            if (t.StartsWith("- alert:", StringComparison.Ordinal) || t.StartsWith("- record:", StringComparison.Ordinal))
            {
                alert = t[(t.IndexOf(':') + 1)..].Trim();
            }
            if (!t.StartsWith("expr:", StringComparison.Ordinal))
            {
                continue;
            }
            string rest = t["expr:".Length..].Trim();
            if (rest is not ("|" or ">"))
            {
                list.Add((alert, rest));
                continue;
            }
            int indent = lines[i].IndexOf("expr:", StringComparison.Ordinal);
            var sb = new StringBuilder();
            while (i + 1 < lines.Length && (lines[i + 1].Trim().Length == 0 || lines[i + 1].Length - lines[i + 1].TrimStart().Length > indent))
            {
                i++;
                string line = lines[i].Trim();
                if (!line.StartsWith('#'))
                {
                    sb.Append(line).Append('\n');
                }
            }
            list.Add((alert, sb.ToString()));
        }
        return list;
    }

    /// <summary>The metric names an expression selects (from <c>__name__</c> equality matchers).</summary>
    internal static SortedSet<string> MetricNames(string expr)
    {
        var names = new SortedSet<string>(StringComparer.Ordinal);
        var stack = new Stack<Expr>();
        stack.Push(PromQLParser.Parse(expr));
        while (stack.Count > 0)
        {
            var node = stack.Pop();
            if (node is VectorSelector vs)
            {
                foreach (var m in vs.Matchers)
                {
                    if (m.Name == "__name__" && m.Type == Ariane.Model.MatcherType.Equal)
                    {
                        names.Add(m.Value);
                    }
                }
            }
            foreach (var c in AstWalk.Children(node))
            {
                stack.Push(c);
            }
        }
        return names;
    }

    [Fact]
    public void TheExtractedQueriesParseAndNameMetrics()
    {
        var dash = DashboardQueries();
        var rules = RuleQueries();
        Assert.True(dash.Count >= 15, $"dashboard queries: {dash.Count}");
        Assert.True(rules.Count >= 20, $"alert expressions: {rules.Count}");
        foreach (var (source, expr) in dash.Concat(rules))
        {
            Assert.NotEmpty(MetricNames(expr));
        }
    }

    [Fact]
    public async Task EveryNameTheMixinAndDashboardUseIsExposed()
    {
        var used = new SortedDictionary<string, SortedSet<string>>(StringComparer.Ordinal);
        foreach (var (source, expr) in DashboardQueries().Select(x => ("dashboard " + x.Source, x.Expr)).Concat(RuleQueries().Select(x => ("alert " + x.Source, x.Expr))))
        {
            foreach (var n in MetricNames(expr))
            {
                if (!used.TryGetValue(n, out var where))
                {
                    used[n] = where = new SortedSet<string>(StringComparer.Ordinal);
                }
                where.Add(source);
            }
        }
        Assert.True(used.Count > 40, $"names found: {used.Count}");

        using var dir = new TempDir();
        string cfg = Path.Combine(dir.Path, "ariane.yml");
        // Scrape itself every second, so that the interval and sync summaries have observations within seconds.
        await using var s = await StartWithConfigAsync(dir.Path, cfg);
        await s.EventuallyAsync(async () =>
        {
            string m = await s.Client.GetStringAsync("/metrics");
            return HasSample(m, "prometheus_target_interval_length_seconds_count") && HasSample(m, "prometheus_engine_query_duration_seconds_count");
        }, TimeSpan.FromSeconds(60), "two scrapes and one query have happened");
        string metrics = await s.Client.GetStringAsync("/metrics", TestContext.Current.CancellationToken);

        var report = new StringBuilder();
        int present = 0, known = 0;
        var missing = new List<string>();
        foreach (var (name, where) in used)
        {
            bool has = HasSample(metrics, name);
            if (has)
            {
                present++;
                report.Append("  ok       ").Append(name).Append('\n');
            }
            else if (KnownMissing.TryGetValue(name, out string? reason))
            {
                known++;
                report.Append("  missing  ").Append(name).Append(" (known: ").Append(reason).Append(")\n");
            }
            else
            {
                missing.Add(name);
                report.Append("  MISSING  ").Append(name).Append(" used by ").Append(string.Join("; ", where)).Append('\n');
            }
        }
        // A known-missing name that appears is stale in the list: say so, so the list stays true.
        var nowPresent = KnownMissing.Keys.Where(k => HasSample(metrics, k)).ToList();
        SuiteReport.Write("self-metrics",
            $"Self-metrics: {present}/{used.Count} metric names used by the Prometheus mixin's alerts and the kube-prometheus " +
            $"Prometheus dashboard are on /metrics; {known} known missing with a reason; {missing.Count} missing\n" + report);
        Assert.True(missing.Count == 0, "missing on /metrics: " + string.Join(", ", missing));
        Assert.True(nowPresent.Count == 0, "listed as known missing but present: " + string.Join(", ", nowPresent));
    }

    [Fact]
    public async Task HttpRequestsAreCountedByHandlerAndCode()
    {
        using var dir = new TempDir();
        await using var s = await StartWithConfigAsync(dir.Path, Path.Combine(dir.Path, "ariane.yml"));
        using (await s.Client.GetAsync("/api/v1/label/job/values", TestContext.Current.CancellationToken)) { }
        // StartWithConfigAsync has run one good query already.
        using (await s.Client.GetAsync("/api/v1/query?query=up{", TestContext.Current.CancellationToken)) { }
        string metrics = await s.Client.GetStringAsync("/metrics", TestContext.Current.CancellationToken);
        Assert.Contains("prometheus_http_requests_total{code=\"200\",handler=\"/api/v1/label/:name/values\"} 1\n", metrics);
        Assert.Contains("prometheus_http_requests_total{code=\"400\",handler=\"/api/v1/query\"} 1\n", metrics);
        Assert.Contains("prometheus_http_request_duration_seconds_bucket{handler=\"/api/v1/query\",le=\"+Inf\"} 2\n", metrics);
        Assert.Contains("prometheus_build_info{", metrics);
        Assert.Contains("prometheus_config_last_reload_successful 1\n", metrics);
    }

    /// <summary>
    /// Issue 11: /metrics walks the modules' collectors; the families it writes (name and type, in any order) are the
    /// checked-in list, which is what the hand-written list wrote before. A module that adds a family adds its line.
    /// </summary>
    [Fact]
    public async Task TheFamiliesOnMetricsAreTheCheckedInList()
    {
        using var dir = new TempDir();
        await using var s = await StartWithConfigAsync(dir.Path, Path.Combine(dir.Path, "ariane.yml"));
        string metrics = await s.Client.GetStringAsync("/metrics", TestContext.Current.CancellationToken);
        var families = new List<string>();
        foreach (var line in metrics.Split('\n'))
        {
            if (line.StartsWith("# TYPE ", StringComparison.Ordinal))
            {
                families.Add(line["# TYPE ".Length..]);
            }
        }
        Assert.Equal(families.Count, families.Distinct(StringComparer.Ordinal).Count());
        families.Sort(StringComparer.Ordinal);
        var expected = File.ReadAllLines(Path.Combine(TestPaths.RepoRoot, "tests", "Ariane.Tests", "Server", "testdata", "metric-families.txt"))
            .Where(l => l.Length > 0).ToList();
        expected.Sort(StringComparer.Ordinal);
        Assert.Equal(expected, families);
    }

    private static async Task<ServerProcess> StartWithConfigAsync(string dir, string cfg)
    {
        int port = ServerProcess.FreePort();
        await File.WriteAllTextAsync(cfg, $"""
            global:
              scrape_interval: 1s
            scrape_configs:
              - job_name: ariane
                static_configs:
                  - targets: ['127.0.0.1:{port}']
            """);
        var s = ServerProcess.Launch(Path.Combine(dir, "data"), ["serve"], [$"--config.file={cfg}"], port);
        await s.WaitReadyAsync(TimeSpan.FromSeconds(60));
        // One query, so the engine's timings have an observation.
        using (await s.Client.GetAsync("/api/v1/query?query=up")) { }
        return s;
    }

    private static bool HasSample(string exposition, string name)
    {
        foreach (var line in exposition.Split('\n'))
        {
            if (line.StartsWith(name, StringComparison.Ordinal) && line.Length > name.Length && line[name.Length] is ' ' or '{')
            {
                return true;
            }
        }
        return false;
    }
}
