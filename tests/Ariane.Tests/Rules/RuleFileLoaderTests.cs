using Ariane.Config;
using Ariane.Rules;
using Ariane.Tests.Support;

namespace Ariane.Tests.Rules;

/// <summary>Rule files read and validated as promtool check rules does (rulefmt).</summary>
public class RuleFileLoaderTests
{
    /// <summary>A valid rule file: one recording and one alerting rule.</summary>
    public const string Good = """
        groups:
          - name: example
            interval: 30s
            rules:
              - record: job:up:sum
                expr: sum by (job) (up)
                labels: {team: a}
              - alert: InstanceDown
                expr: up == 0
                for: 5m
                keep_firing_for: 1m
                labels: {severity: page}
                annotations:
                  summary: "{{ $labels.instance }} of {{ $labels.job }} is down ({{ $value }})"
        """;

    /// <summary>
    /// Bad rule files: the file, and the error Ariane gives (file:line:column: ...), whose essential text promtool gives
    /// too. Names are checked with the legacy scheme here, as Prometheus 2 (the Debian peer) checks them.
    /// </summary>
    public static TheoryData<string, string> Bad => new()
    {
        // A typo'd field.
        { "groups:\n  - name: g\n    rules:\n      - record: a\n        exprr: up\n", "rules.yml:5:9: field exprr not found in type rulefmt.RuleNode" },
        { "groups:\n  - name: g\n    rulez: []\n", "rules.yml:3:5: field rulez not found in type rulefmt.RuleGroup" },
        { "group:\n  - name: g\n", "rules.yml:1:1: field group not found in type rulefmt.RuleGroups" },
        // A bad expression.
        { "groups:\n  - name: g\n    rules:\n      - record: a\n        expr: sum by (job) (up\n", "rules.yml:5:15: group \"g\", rule 1, \"a\": could not parse expression: 1:17: parse error: unclosed left parenthesis" },
        { "groups:\n  - name: g\n    rules:\n      - alert: A\n        expr: foo{\n", "rules.yml:5:15: group \"g\", rule 1, \"A\": could not parse expression: " },
        { "groups:\n  - name: g\n    rules:\n      - record: a\n        expr: \"\"\n", "rules.yml:5:15: group \"g\", rule 1, \"a\": field 'expr' must be set in rule" },
        // A bad duration.
        { "groups:\n  - name: g\n    interval: 1x\n    rules: []\n", "rules.yml:3:15: not a valid duration string: \"1x\"" },
        { "groups:\n  - name: g\n    rules:\n      - alert: A\n        expr: up\n        for: -5m\n", "rules.yml:6:14: not a valid duration string: \"-5m\"" },
        // An invalid record name, label name, annotation name.
        { "groups:\n  - name: g\n    rules:\n      - record: job up\n        expr: up\n", "rules.yml:4:17: group \"g\", rule 1, \"job up\": invalid recording rule name: job up" },
        { "groups:\n  - name: g\n    rules:\n      - alert: A\n        expr: up\n        labels: {\"0bad\": x}\n", "group \"g\", rule 1, \"A\": invalid label name: 0bad" },
        { "groups:\n  - name: g\n    rules:\n      - alert: A\n        expr: up\n        labels: {__name__: x}\n", "group \"g\", rule 1, \"A\": invalid label name: __name__" },
        { "groups:\n  - name: g\n    rules:\n      - alert: A\n        expr: up\n        annotations: {\"0x\": y}\n", "group \"g\", rule 1, \"A\": invalid annotation name: 0x" },
        // Duplicate and empty group names.
        { "groups:\n  - name: g\n    rules: []\n  - name: g\n    rules: []\n", "rules.yml:4:5: groupname: \"g\" is repeated in the same file" },
        { "groups:\n  - name: \"\"\n    rules: []\n", "rules.yml:2:5: Groupname must not be empty" },
        // record and alert: both, neither; fields a recording rule may not have.
        { "groups:\n  - name: g\n    rules:\n      - record: a\n        alert: b\n        expr: up\n", "group \"g\", rule 1, \"b\": only one of 'record' and 'alert' must be set" },
        { "groups:\n  - name: g\n    rules:\n      - expr: up\n", "group \"g\", rule 1, \"\": one of 'record' or 'alert' must be set" },
        { "groups:\n  - name: g\n    rules:\n      - record: a\n        expr: up\n        for: 5m\n", "rules.yml:6:14: group \"g\", rule 1, \"a\": invalid field 'for' in recording rule" },
        { "groups:\n  - name: g\n    rules:\n      - record: a\n        expr: up\n        annotations: {a: b}\n", "group \"g\", rule 1, \"a\": invalid field 'annotations' in recording rule" },
        // Types.
        { "groups: 5\n", "rules.yml:1:9: cannot unmarshal !!int `5` into []rulefmt.RuleGroup" },
        { "groups:\n  - name: g\n    rules:\n      - record: a\n        expr: up\n        labels: {a: [1]}\n", "rules.yml:6:21: cannot unmarshal !!seq into string" },
        // Broken alert templates.
        { "groups:\n  - name: g\n    rules:\n      - alert: A\n        expr: up\n        annotations: {s: \"{{ $label.foo }}\"}\n", "group \"g\", rule 1, \"A\": annotation \"s\": template: __alert_A:1: undefined variable \"$label\"" },
        { "groups:\n  - name: g\n    rules:\n      - alert: A\n        expr: up\n        annotations: {s: \"{{ .Foo \"}\n", "group \"g\", rule 1, \"A\": annotation \"s\": template: __alert_A:1: unclosed action" },
    };

    [Fact]
    public void A_good_file_loads_with_every_field()
    {
        var res = RuleFileLoader.Load(Good, "rules.yml");
        Assert.True(res.Success, string.Join("\n", res.Errors));
        var g = Assert.Single(res.File!.Groups);
        Assert.Equal("example", g.Name);
        Assert.Equal(TimeSpan.FromSeconds(30), g.Interval);
        Assert.Equal(2, res.File.RuleCount);
        Assert.Equal("job:up:sum", g.Rules[0].Record);
        Assert.Equal("a", g.Rules[0].Labels["team"]);
        Assert.Equal("InstanceDown", g.Rules[1].Alert);
        Assert.Equal(TimeSpan.FromMinutes(5), g.Rules[1].For);
        Assert.Equal(TimeSpan.FromMinutes(1), g.Rules[1].KeepFiringFor);
        Assert.Equal(new FilePosition(8, 9), g.Rules[1].Position);
        Assert.Equal(("Checking rules.yml\n  SUCCESS: 2 rules found\n\n", ""), res.Report("rules.yml"));
    }

    [Theory]
    [MemberData(nameof(Bad))]
    public void Bad_files_fail_with_their_position_and_promtools_words(string yaml, string error)
    {
        var res = RuleFileLoader.Load(yaml, "rules.yml", legacyNames: true);
        Assert.False(res.Success);
        Assert.Contains(res.Errors, e => e.Contains(error, StringComparison.Ordinal));
        var (stdout, stderr) = res.Report("rules.yml");
        Assert.Equal("Checking rules.yml\n\n", stdout);
        Assert.StartsWith("  FAILED:\n", stderr, StringComparison.Ordinal);
    }

    [Fact]
    public void Names_are_utf8_by_default_as_in_Prometheus_3_and_legacy_when_asked()
    {
        const string yaml = "groups:\n  - name: g\n    rules:\n      - record: job up\n        expr: up\n      - alert: A\n        expr: up\n        labels: {\"0bad\": x}\n        annotations: {\"0x\": y}\n";
        var utf8 = RuleFileLoader.Load(yaml, "rules.yml");
        Assert.True(utf8.Success, string.Join("\n", utf8.Errors));
        Assert.Equal(3, RuleFileLoader.Load(yaml, "rules.yml", legacyNames: true).Errors.Count);
        // __name__ is refused in either scheme: the rule's own name is the metric name.
        Assert.False(RuleFileLoader.Load("groups:\n  - name: g\n    rules:\n      - alert: A\n        expr: up\n        labels: {__name__: x}\n", "r.yml").Success);
    }

    [Fact]
    public void Duplicate_rules_are_counted_as_promtool_counts_them()
    {
        var res = RuleFileLoader.Load("groups:\n- name: example\n  rules:\n  - alert: X\n    expr: up\n    labels: {severity: page}\n  - alert: X\n    expr: up\n    labels: {severity: page}\n  - record: a\n    expr: up\n  - record: a\n    expr: up\n  - alert: a\n    expr: up\n", "d.yml");
        Assert.True(res.Success);
        Assert.Equal(("Checking d.yml\n\n", "  FAILED:\nlint error 2 duplicate rule(s) found.\nMetric: X\nLabel(s):\n\tseverity: page\nMetric: a\nLabel(s):\nMight cause inconsistency while recording expressions\n"), res.Report("d.yml"));
        Assert.Equal("Checking d.yml\n  SUCCESS: 5 rules found\n\n", res.Report("d.yml", lint: false).Out);
    }

    [Fact]
    public void Every_problem_of_a_file_is_listed_not_only_the_first()
    {
        var res = RuleFileLoader.Load("groups:\n  - name: g\n    rules:\n      - record: \"a b\"\n        expr: up\n      - alert: A\n        expr: up(\n", "rules.yml", legacyNames: true);
        Assert.Equal(2, res.Errors.Count);
    }

    [Theory]
    [InlineData("")]
    [InlineData("groups: []\n")]
    [InlineData("groups:\n  - name: g\n    query_offset: 1m\n    limit: 10\n    labels: {team: a}\n    rules:\n      - record: a:b\n        expr: up offset 5m\n")]
    [InlineData("groups:\n  - name: g\n    rules:\n      - alert: A\n        expr: up\n        annotations:\n          d: '{{ range $i, $v := .Labels }}{{ $i }}={{ $v }}{{ end }} {{ \"$notavar\" }} {{/* $x */}}'\n")]
    public void Valid_files_pass(string yaml)
    {
        var res = RuleFileLoader.Load(yaml, "rules.yml");
        Assert.True(res.Success, string.Join("\n", res.Errors));
    }

    /// <summary>promtool's check-rules fixtures that are valid rule files (the others are unit-test files or broken on purpose).</summary>
    public static readonly string[] ConformanceGood =
    [
        "rules.yml", "at-modifier.yml", "negative-offset.yml", "bad-rules-error.yml", "prometheus-rules.lint.yml",
        "rules_duplicates.yml", "rules_large.yml", "features.yml",
    ];

    /// <summary>The fixtures promtool rejects, with the reason.</summary>
    public static readonly (string File, string Error)[] ConformanceBad =
    [
        ("bad-rules-syntax.yml", "could not parse expression: 1:7: parse error: unexpected end of input"),
        ("rules-bad.yml", "annotation \"summary\": template: __alert_InstanceDown:1: undefined variable \"$label\""),
        ("rules_extrafields.yml", "field namespace not found in type rulefmt.RuleGroup"),
    ];

    [Fact]
    public void Promtools_rule_fixtures_pass_or_fail_as_they_do_with_promtool()
    {
        string dir = Path.Combine(TestPaths.Conformance, "rules", "testdata");
        var lines = new List<string>();
        foreach (string f in ConformanceGood)
        {
            var res = RuleFileLoader.LoadFile(Path.Combine(dir, f));
            Assert.True(res.Success, f + ": " + string.Join("\n", res.Errors));
            lines.Add($"{f}: SUCCESS, {res.File!.RuleCount} rules");
        }
        foreach (var (f, error) in ConformanceBad)
        {
            var res = RuleFileLoader.LoadFile(Path.Combine(dir, f));
            Assert.Contains(res.Errors, e => e.Contains(error, StringComparison.Ordinal));
            lines.Add($"{f}: FAILED as expected");
        }
        SuiteReport.Write("check-rules", $"check rules on promtool's fixtures: {lines.Count} of {lines.Count} as promtool\n" + string.Join("\n", lines));
    }

    [Fact]
    public void Ignored_config_sections_are_each_named()
    {
        var cfg = ConfigLoader.Load("""
            rule_files: [a.yml]
            alerting:
              alertmanagers:
                - static_configs: [{targets: ["a:9093"]}]
            remote_write: [{url: "http://a/"}]
            remote_read: [{url: "http://a/"}]
            storage:
              exemplars: {max_exemplars: 10}
              tsdb: {out_of_order_time_window: 5m}
            tracing: {endpoint: "a:4317"}
            """, "prometheus.yml");
        var ignored = IgnoredSections.Of(cfg);
        Assert.Equal(["rule_files", "alerting", "remote_write", "remote_read", "storage.exemplars", "tracing"], ignored.ConvertAll(s => s[..s.IndexOf(':', StringComparison.Ordinal)]));
        Assert.Empty(IgnoredSections.Of(ConfigLoader.Load("scrape_configs: []\nstorage:\n  tsdb: {out_of_order_time_window: 5m}\n", "p.yml")));
    }
}
