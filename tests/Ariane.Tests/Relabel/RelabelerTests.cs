using Ariane.Config;
using Ariane.Model;
using Ariane.Relabel;

namespace Ariane.Tests.Relabel;

public class RelabelerTests
{
    private static Labels L(params string[] nv) => Labels.FromStrings(nv);

    /// <summary>Loads relabel configs from YAML through the real loader, so the tables read like prometheus.yml.</summary>
    private static List<RelabelConfig> Cfg(string yaml) => ConfigLoader.Load(InJob(yaml), "t.yml").ScrapeConfigs[0].RelabelConfigs;

    /// <summary>Wraps relabel_configs YAML in a scrape job.</summary>
    public static string InJob(string yaml) =>
        "scrape_configs:\n- job_name: x\n  relabel_configs:\n" + "    " + yaml.Trim().Replace("\n", "\n    ", StringComparison.Ordinal) + "\n";

    public static TheoryData<string, string[], string, string[]?> Cases => new()
    {
        // name, input, relabel_configs YAML, expected (null = dropped)
        { "replace with groups", ["a", "foo"], """
            - source_labels: [a]
              regex: f(.*)
              target_label: d
              replacement: ch${1}-ch${1}
            """, ["a", "foo", "d", "choo-choo"] },
        { "replace joins with separator", ["a", "foo", "b", "bar"], """
            - source_labels: [a, b]
              regex: f(.*);(.*)r
              target_label: a
              replacement: b${1}${2}m
            """, ["a", "boobam", "b", "bar"] },
        { "replace no match leaves labels", ["a", "foo"], """
            - source_labels: [a]
              regex: o$
              target_label: a
              replacement: x
            """, ["a", "foo"] },
        { "regex is anchored", ["a", "boo"], """
            - source_labels: [a]
              regex: f
              target_label: b
              replacement: bar
            """, ["a", "boo"] },
        { "replace literal into new label", ["a", "foo"], """
            - target_label: b
              replacement: bar
            """, ["a", "foo", "b", "bar"] },
        { "empty expansion deletes target", ["a", "foo", "b", "x"], """
            - source_labels: [c]
              target_label: b
            """, ["a", "foo"] },
        { "target label from a group", ["a", "some-name-value"], """
            - source_labels: [a]
              regex: some-([^-]+)-([^,]+)
              target_label: ${1}
              replacement: ${2}
            """, ["a", "some-name-value", "name", "value"] },
        { "invalid expanded target name is skipped", ["a", "some-0-value"], """
            - source_labels: [a]
              regex: some-([^-]+)-([^,]+)
              target_label: ${1}
              replacement: ${2}
            """, ["a", "some-0-value"] },
        { "$1x is group 1x, which is empty", ["a", "foo"], """
            - source_labels: [a]
              regex: (f)oo
              target_label: b
              replacement: $1x-${1}x
            """, ["a", "foo", "b", "-fx"] },
        { "$$ is a dollar, bad reference is literal", ["a", "foo"], """
            - source_labels: [a]
              target_label: b
              replacement: $$1-$-${1
            """, ["a", "foo", "b", "$1-$-${1"] },
        { "named groups keep Go's numbering", ["a", "xy"], """
            - source_labels: [a]
              regex: (?P<first>x)(y)
              target_label: b
              replacement: ${first}-$2-$1
            """, ["a", "xy", "b", "x-y-x"] },
        { "keep matching", ["a", "foo"], """
            - source_labels: [a]
              regex: f.*
              action: keep
            """, ["a", "foo"] },
        { "keep not matching drops", ["a", "boo"], """
            - source_labels: [a]
              regex: f.*
              action: keep
            """, null },
        { "drop matching", ["a", "foo"], """
            - source_labels: [a]
              regex: f.*
              action: drop
            """, null },
        { "drop on missing label matches empty", ["a", "foo"], """
            - source_labels: [b]
              regex: ^$
              action: drop
            """, null },
        { "action is case-insensitive", ["a", "foo"], """
            - source_labels: [a]
              regex: f.*
              action: Drop
            """, null },
        { "keepequal keeps", ["__tmp_port", "1234", "__port1", "1234"], """
            - source_labels: [__tmp_port]
              target_label: __port1
              action: keepequal
            """, ["__tmp_port", "1234", "__port1", "1234"] },
        { "keepequal drops", ["__tmp_port", "1234", "__port1", "1235"], """
            - source_labels: [__tmp_port]
              target_label: __port1
              action: keepequal
            """, null },
        { "dropequal drops", ["__tmp_port", "1234", "__port1", "1234"], """
            - source_labels: [__tmp_port]
              target_label: __port1
              action: dropequal
            """, null },
        { "dropequal keeps", ["__tmp_port", "1234", "__port1", "1235"], """
            - source_labels: [__tmp_port]
              target_label: __port1
              action: dropequal
            """, ["__tmp_port", "1234", "__port1", "1235"] },
        { "hashmod as Prometheus's own test", ["a", "foo", "b", "bar", "c", "baz"], """
            - source_labels: [c]
              target_label: d
              modulus: 1000
              action: hashmod
            """, ["a", "foo", "b", "bar", "c", "baz", "d", "976"] },
        { "hashmod with newline", ["a", "foo\nbar"], """
            - source_labels: [a]
              target_label: b
              modulus: 1000
              action: hashmod
            """, ["a", "foo\nbar", "b", "734"] },
        { "labelmap", ["a", "foo", "b1", "bar", "b2", "baz"], """
            - regex: (b.*)
              replacement: bar_${1}
              action: labelmap
            """, ["a", "foo", "b1", "bar", "b2", "baz", "bar_b1", "bar", "bar_b2", "baz"] },
        { "labelmap meta labels", ["__meta_kubernetes_pod_label_app", "web", "a", "x"], """
            - regex: __meta_kubernetes_pod_label_(.+)
              action: labelmap
            """, ["__meta_kubernetes_pod_label_app", "web", "app", "web", "a", "x"] },
        { "labeldrop", ["a", "foo", "b1", "bar", "b2", "baz"], """
            - regex: b.*
              action: labeldrop
            """, ["a", "foo"] },
        { "labelkeep", ["a", "foo", "b1", "bar", "b2", "baz"], """
            - regex: b.*
              action: labelkeep
            """, ["b1", "bar", "b2", "baz"] },
        { "lowercase", ["foo", "bAr123Foo"], """
            - source_labels: [foo]
              target_label: foo_lower
              action: lowercase
            """, ["foo", "bAr123Foo", "foo_lower", "bar123foo"] },
        { "uppercase", ["foo", "bAr123Foo"], """
            - source_labels: [foo]
              target_label: foo_upper
              action: uppercase
            """, ["foo", "bAr123Foo", "foo_upper", "BAR123FOO"] },
        { "steps run in order", ["__address__", "10.0.0.1:9100"], """
            - source_labels: [__address__]
              regex: ([^:]+):\d+
              target_label: host
            - source_labels: [host]
              regex: 10\..*
              action: keep
            """, ["__address__", "10.0.0.1:9100", "host", "10.0.0.1"] },
    };

    [Theory]
    [MemberData(nameof(Cases))]
    public void ProcessesAsPrometheus(string name, string[] input, string yaml, string[]? expected)
    {
        var got = Relabeler.Process(L(input), Cfg(yaml));
        if (expected is null)
        {
            Assert.True(got is null, name + ": expected drop, got " + got);
        }
        else
        {
            Assert.Equal(L(expected).ToString(), got?.ToString());
        }
    }

    [Theory]
    [InlineData("foo", 1000UL, 696UL)]
    [InlineData("baz", 1000UL, 976UL)]
    [InlineData("", 1000UL, 958UL)]
    [InlineData("foo", 10UL, 6UL)]
    public void HashModUsesLastEightBytesOfMd5(string value, ulong modulus, ulong expected)
    {
        Assert.Equal(expected, Relabeler.HashMod(value, modulus));
    }

    public static TheoryData<string, string> Invalid => new()
    {
        { "- action: hashmod\n  target_label: x", "relabel configuration for hashmod requires non-zero modulus" },
        { "- action: replace\n  target_label: \"\"", "relabel configuration for replace action requires 'target_label' value" },
        { "- action: lowercase", "relabel configuration for lowercase action requires 'target_label' value" },
        { "- action: replace\n  target_label: 0bad", "\"0bad\" is invalid 'target_label' for replace action" },
        { "- action: uppercase\n  target_label: 1x", "\"1x\" is invalid 'target_label' for uppercase action" },
        { "- action: hashmod\n  target_label: ${1}\n  modulus: 2", "\"${1}\" is invalid 'target_label' for hashmod action" },
        { "- action: uppercase\n  target_label: x\n  replacement: y", "'replacement' can not be set for uppercase action" },
        { "- action: labelmap\n  replacement: 1bad", "\"1bad\" is invalid 'replacement' for labelmap action" },
        { "- action: keepequal\n  target_label: x\n  regex: a", "keepequal action requires only 'source_labels' and `target_label`, and no other fields" },
        { "- action: labeldrop\n  regex: a\n  source_labels: [b]", "labeldrop action requires only 'regex', and no other fields" },
        { "- action: labelkeep\n  regex: a\n  target_label: b", "labelkeep action requires only 'regex', and no other fields" },
    };

    [Theory]
    [MemberData(nameof(Invalid))]
    public void ValidatesAsPrometheus(string yaml, string message)
    {
        var e = Assert.Throws<ConfigException>(() => Cfg(yaml));
        Assert.Equal(message, e.Reason);
        Assert.Equal(4, e.Line);
    }

    [Fact]
    public void DefaultsAreAsPrometheus()
    {
        var c = new RelabelConfig();
        Assert.Equal(RelabelAction.Replace, c.Action);
        Assert.Equal("(.*)", c.Regex);
        Assert.Equal(";", c.Separator);
        Assert.Equal("$1", c.Replacement);
        Assert.Empty(c.SourceLabels);
    }

    [Fact]
    public void TrailingNewlineDoesNotSneakPastTheAnchor()
    {
        var cfg = Cfg("- source_labels: [a]\n  regex: foo\n  action: keep");
        Assert.Null(Relabeler.Process(L("a", "foo\n"), cfg));
        Assert.NotNull(Relabeler.Process(L("a", "foo"), cfg));
    }

    [Fact]
    public void Steps_record_each_rule_and_nothing_is_kept_from_the_dropping_one_on()
    {
        var cfg = Cfg("""
            - source_labels: [a]
              target_label: b
            - source_labels: [b]
              regex: foo
              action: drop
            - target_label: c
              replacement: never
            """);
        var steps = Relabeler.Steps(L("a", "foo"), cfg);
        Assert.Equal(3, steps.Count);
        Assert.True(steps[0].Keep);
        Assert.Equal(L("a", "foo", "b", "foo"), steps[0].Output);
        Assert.False(steps[1].Keep);
        Assert.Same(cfg[1], steps[1].Rule);
        Assert.Equal(Labels.Empty, steps[1].Output);
        // As Prometheus: the rules after the drop are listed, not run.
        Assert.False(steps[2].Keep);
        Assert.Equal(Labels.Empty, steps[2].Output);

        var kept = Relabeler.Steps(L("a", "bar"), cfg);
        Assert.Equal(3, kept.Count);
        Assert.All(kept, s => Assert.True(s.Keep));
        Assert.Equal(Relabeler.Process(L("a", "bar"), cfg), kept[^1].Output);
        Assert.Empty(Relabeler.Steps(L("a", "bar"), []));
    }
}
