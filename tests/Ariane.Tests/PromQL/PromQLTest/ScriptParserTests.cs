using Ariane.Model;

namespace Ariane.Tests.PromQL.PromQLTest;

/// <summary>Table tests for the pieces of the script language: values, series, histograms, @st, expect lines, errors.</summary>
public class ScriptParserTests
{
    private static string Expand(string items) => string.Join(" ", SeriesDescParser.ParseValues(items));

    [Theory]
    [InlineData("1 2 3", "1 2 3")]
    [InlineData("0+10x3", "0 10 20 30")]
    [InlineData("-2+4x3", "-2 2 6 10")]
    [InlineData("1-2x4", "1 -1 -3 -5 -7")]
    [InlineData("8000-10x2", "8000 7990 7980")]
    [InlineData("300x2", "300 300 300")]
    [InlineData("1x0", "1")]
    [InlineData("_", "_")]
    [InlineData("_x3", "_ _ _")]
    [InlineData("1 _x3 stale", "1 _ _ _ stale")]
    [InlineData("Inf -Inf +inf NaN nan", "+Inf -Inf +Inf NaN NaN")]
    [InlineData("1e3 .2 +0.2 -0.5 1.5E-3 2e+2", "1000 0.2 0.2 -0.5 0.0015 200")]
    [InlineData("1e3+1e3x1", "1000 2000")]
    // Hexadecimal is not a value here: as in the reference lexer, 0x2 means "0, repeated twice more".
    [InlineData("0x2", "0 0 0")]
    // The progression is summed step by step, as the reference does, so rounding matches it bit for bit.
    [InlineData("0.1+0.1x2", "0.1 0.2 0.30000000000000004")]
    [InlineData("\t1\t\t2 ", "1 2")]
    [InlineData("", "")]
    [InlineData("{{}}", "{{}}")]
    [InlineData("{{count:1}}x2", "{{count:1}} {{count:1}} {{count:1}}")]
    [InlineData("{{count:1 sum:2}}+{{count:2 sum:1}}x2", "{{sum:2 count:1}} {{sum:3 count:3}} {{sum:4 count:5}}")]
    [InlineData("{{sum:5 count:5}}-{{sum:1 count:1}}x1", "{{sum:5 count:5}} {{sum:4 count:4}}")]
    [InlineData("1 {{schema:0 count:4 buckets:[1 2 1]}} _ 3", "1 {{count:4 buckets:[1 2 1]}} _ 3")]
    public void ValueSequencesExpand(string items, string expected) => Assert.Equal(expected, Expand(items));

    [Theory]
    [InlineData("1+2", "expected 'x<count>'")]
    [InlineData("1x", "expected a repetition count")]
    [InlineData("abc", "expected a number")]
    [InlineData("1,2", "unexpected character ','")]
    [InlineData("0x1F", "unexpected character 'F'")]
    [InlineData("{{sum:1", "unterminated histogram")]
    [InlineData("{{foo:1}}", "unknown histogram key 'foo'")]
    [InlineData("{{sum:1 sum:2}}", "duplicate histogram key 'sum'")]
    [InlineData("{{schema:1.5}}", "expected an integer")]
    [InlineData("{{counter_reset_hint:maybe}}", "invalid counter_reset_hint")]
    [InlineData("{{count:1}}+{{count:1}}", "expected 'x<count>'")]
    public void BadValueSequencesAreRejected(string items, string fragment)
    {
        var e = Assert.Throws<FormatException>(() => SeriesDescParser.ParseValues(items));
        Assert.Contains(fragment, e.Message);
    }

    [Fact]
    public void StaleIsTheStaleMarkerNotAnyNaN()
    {
        var v = SeriesDescParser.ParseValues("stale NaN");
        Assert.True(SampleValue.IsStaleNaN(v[0].Value));
        Assert.True(double.IsNaN(v[1].Value) && !SampleValue.IsStaleNaN(v[1].Value));
    }

    [Theory]
    [InlineData("metric 1", "{__name__=\"metric\"}")]
    [InlineData("metric{a=\"b\", c=\"d\"} 1", "{__name__=\"metric\", a=\"b\", c=\"d\"}")]
    [InlineData("{} 1", "{}")]
    [InlineData("name{} 1", "{__name__=\"name\"}")]
    [InlineData("metric {a=\"b\"} 1", "{__name__=\"metric\", a=\"b\"}")]
    [InlineData("{job=\"a\",} 1", "{job=\"a\"}")]
    [InlineData("{a=\"x\\\"y\\\\z\\n\"} 1", "{a=\"x\\\"y\\\\z\\n\"}")]
    [InlineData("m{a='single', b=`raw\\n`} 1", "{__name__=\"m\", a=\"single\", b=\"raw\\\\n\"}")]
    [InlineData("m{v=\"{count:20, sum:10, [-2,-1):2}\"} 1", "{__name__=\"m\", v=\"{count:20, sum:10, [-2,-1):2}\"}")]
    [InlineData("{\"my.metric\", a=\"b\"} 1", "{__name__=\"my.metric\", a=\"b\"}")]
    [InlineData("{__name__=\"x\", __type__=\"gauge\"} 1", "{__name__=\"x\", __type__=\"gauge\"}")]
    [InlineData("ns:metric:rate5m 1", "{__name__=\"ns:metric:rate5m\"}")]
    [InlineData("m{a=\"\\u00e9\\x41\\101\"} 1", "{__name__=\"m\", a=\"éAA\"}")]
    public void SeriesDescriptionsParse(string line, string expected)
    {
        var (labels, values) = SeriesDescParser.ParseSeriesLine(line);
        Assert.Equal(expected, labels.ToString());
        Assert.Single(values);
    }

    [Theory]
    [InlineData("m{a=b} 1", "expected a quoted label value")]
    [InlineData("m{a=\"b\" 1", "expected ',' or '}'")]
    [InlineData("m{a!=\"b\"} 1", "expected '=' after a label name")]
    [InlineData("m{a=\"b\", a=\"c\"} 1", "duplicate label name \"a\"")]
    [InlineData("m{a=\"b} 1", "unterminated quoted string")]
    [InlineData("m{a=\"\\q\"} 1", "unknown escape sequence")]
    [InlineData("1 2", "expected a metric name or '{'")]
    [InlineData("m@st 1", "an @st line is only allowed in a load block")]
    [InlineData("m{a=\"b\"}x 1", "unexpected character 'x' after the series description")]
    public void BadSeriesDescriptionsAreRejected(string line, string fragment)
    {
        var e = Assert.Throws<FormatException>(() => SeriesDescParser.ParseSeriesLine(line));
        Assert.Contains(fragment, e.Message);
    }

    [Fact]
    public void HistogramLiteralHasAllElevenKeys()
    {
        var h = SeriesDescParser.ParseHistogram(
            "{{schema:1 sum:-0.3 count:3.1 z_bucket:7.1 z_bucket_w:0.05 buckets:[5.1 10 7] offset:-3 n_buckets:[4.1 5] n_offset:-5 " +
            "custom_values:[1 2.5] counter_reset_hint:gauge}}");
        Assert.Equal(1, h.Schema);
        Assert.Equal(-0.3, h.Sum);
        Assert.Equal(3.1, h.Count);
        Assert.Equal(7.1, h.ZeroCount);
        Assert.Equal(0.05, h.ZeroThreshold);
        Assert.Equal([5.1, 10, 7], h.Buckets);
        Assert.Equal(-3, h.Offset);
        Assert.Equal([4.1, 5], h.NegativeBuckets);
        Assert.Equal(-5, h.NegativeOffset);
        Assert.Equal([1, 2.5], h.CustomValues);
        Assert.Equal(CounterResetHint.Gauge, h.Hint);
    }

    [Theory]
    [InlineData("{{}}", "{{}}")]
    [InlineData("{{ schema:0  sum:5 count:4 buckets:[1 2 1] }}", "{{sum:5 count:4 buckets:[1 2 1]}}")]
    [InlineData("{{count:4 schema:-53 custom_values:[5 10] buckets:[1 3]}}", "{{schema:-53 count:4 buckets:[1 3] custom_values:[5 10]}}")]
    [InlineData("{{counter_reset_hint:not_reset}}", "{{counter_reset_hint:not_reset}}")]
    [InlineData("{{counter_reset_hint:unknown}}", "{{counter_reset_hint:unknown}}")]
    [InlineData("{{sum:Inf count:NaN buckets:[]}}", "{{sum:+Inf count:NaN}}")]
    public void HistogramLiteralsRoundTrip(string text, string expected) =>
        Assert.Equal(expected, SeriesDescParser.ParseHistogram(text).ToString());

    [Fact]
    public void UnstatedHintIsNullSoComparisonsCanSkipIt()
    {
        Assert.Null(SeriesDescParser.ParseHistogram("{{count:1}}").Hint);
        Assert.Equal(CounterResetHint.Unknown, SeriesDescParser.ParseHistogram("{{counter_reset_hint:unknown}}").Hint);
    }

    [Theory]
    // Same schema: buckets are added index by index, the result spans both.
    [InlineData("{{buckets:[1 1] offset:1}}+{{buckets:[1] offset:3}}x1", "{{buckets:[1 1] offset:1}} {{buckets:[1 1 1] offset:1}}")]
    // Schema 1 reduced to schema 0: indices 1,2 → 1 and 3,4 → 2.
    [InlineData("{{schema:1 buckets:[1 1 1 1] offset:1}}+{{schema:0 buckets:[1] offset:1}}x1",
        "{{schema:1 buckets:[1 1 1 1] offset:1}} {{buckets:[3 2] offset:1}}")]
    [InlineData("{{n_buckets:[2 2] z_bucket:1 z_bucket_w:0.1}}-{{n_buckets:[1 1] z_bucket:1 z_bucket_w:0.001}}x1",
        "{{z_bucket:1 z_bucket_w:0.1 n_buckets:[2 2]}} {{z_bucket_w:0.1 n_buckets:[1 1]}}")]
    public void HistogramProgressionsAddBuckets(string items, string expected) => Assert.Equal(expected, Expand(items));

    [Theory]
    [InlineData("_ _ -30s-1mx2", "_ _ -30000 -90000 -150000")]
    [InlineData("0-1mx2", "0 -60000 -120000")]
    [InlineData("-59999msx1", "-59999 -59999")]
    [InlineData("-1mx1 +1m 1ms -0ms 0", "-60000 -60000 60000 1 0 0")]
    [InlineData("_x2 10s53ms", "_ _ 10053")]
    [InlineData("1h+30mx1", "3600000 5400000")]
    public void StartTimestampOffsetsExpand(string items, string expected) =>
        Assert.Equal(expected, string.Join(" ", SeriesDescParser.ParseStartOffsets(items).Select(v => v is null ? "_" : v.Value.ToString(System.Globalization.CultureInfo.InvariantCulture))));

    [Theory]
    [InlineData("2", 2)]
    [InlineData("-0.0000002", -0.0000002)]
    [InlineData("+Inf", double.PositiveInfinity)]
    [InlineData("-inf", double.NegativeInfinity)]
    [InlineData("1e3", 1000)]
    [InlineData("0x1F", 31)]
    [InlineData("010", 8)]
    [InlineData(".5", 0.5)]
    public void NumberLinesAreScalars(string line, double expected)
    {
        Assert.True(SeriesDescParser.TryParseNumber(line, out double v));
        Assert.Equal(expected, v);
    }

    [Theory]
    [InlineData("{} 1")]
    [InlineData("metric")]
    [InlineData("1 2")]
    [InlineData("0x")]
    [InlineData("")]
    [InlineData("Infinite")]
    public void OtherLinesAreNotScalars(string line) => Assert.False(SeriesDescParser.TryParseNumber(line, out _));

    [Fact]
    public void NaNLineIsAScalar() => Assert.True(SeriesDescParser.TryParseNumber("NaN", out double v) && double.IsNaN(v));

    [Theory]
    [InlineData("expect fail", "expect fail")]
    [InlineData("expect fail msg:   vector cannot contain metrics with the same labelset ", "expect fail msg: vector cannot contain metrics with the same labelset")]
    [InlineData("expect fail regex: many-to-many.*", "expect fail regex: many-to-many.*")]
    [InlineData("expect warn", "expect warn")]
    [InlineData("expect warn msg: PromQL warning: encountered a mix of histograms and floats for aggregation (1:5)",
        "expect warn msg: PromQL warning: encountered a mix of histograms and floats for aggregation (1:5)")]
    [InlineData("expect info regex: input to histogram_quantile", "expect info regex: input to histogram_quantile")]
    [InlineData("expect no_warn", "no_warn")]
    [InlineData("expect no_info", "no_info")]
    [InlineData("expect ordered", "ordered")]
    [InlineData("expect range vector from 10s to 1m step 10s", "range vector 10000..60000/10000")]
    [InlineData("expect string \"Foo\"", "string <Foo>")]
    [InlineData("expect string `Foo`", "string <Foo>")]
    [InlineData("expect string \" Foo \"", "string < Foo >")]
    [InlineData("expect string \"\"", "string <>")]
    [InlineData("expect string 'a\\'b'", "string <a'b>")]
    public void ExpectLinesParse(string line, string expected)
    {
        var cmd = Assert.IsType<EvalCommand>(ScriptParser.Parse("t.test", "eval instant at 1m x\n  " + line + "\n").Commands.Single());
        var got = new List<string>();
        got.AddRange(new[] { cmd.Fail }.OfType<Expectation>().Concat(cmd.Warn).Concat(cmd.Info).Select(e => e.ToString()));
        if (cmd.NoWarn)
        {
            got.Add("no_warn");
        }
        if (cmd.NoInfo)
        {
            got.Add("no_info");
        }
        if (cmd.Ordered)
        {
            got.Add("ordered");
        }
        if (cmd.RangeVector is { } rv)
        {
            got.Add($"range vector {rv.StartMs}..{rv.EndMs}/{rv.StepMs}");
        }
        if (cmd.String is not null)
        {
            got.Add($"string <{cmd.String}>");
        }
        Assert.Equal(expected, string.Join(", ", got));
    }

    [Theory]
    [InlineData("bogus 1", "t.test:1: unknown command 'bogus'")]
    [InlineData("load 5m\n  m 1 2\n  m 1 x", "t.test:3: col 5: ")]
    [InlineData("load\n  m 1", "t.test:1: invalid load interval ''")]
    [InlineData("load 5q\n  m 1", "t.test:1: invalid load interval '5q'")]
    [InlineData("clear now", "t.test:1: 'clear' takes no arguments")]
    [InlineData("\n\neval range from 10m to 0 step 1m x", "t.test:3: invalid range: end is before start")]
    [InlineData("eval range from 0 to 10m step 0 x", "invalid range: step must be positive")]
    [InlineData("eval range from 0 to 10m x", "expected 'step'")]
    [InlineData("eval instant at 5x m", "invalid evaluation time '5x'")]
    [InlineData("eval instant at 5m", "missing expression")]
    [InlineData("eval sometimes at 5m x", "expected 'instant' or 'range'")]
    [InlineData("eval_ordered range from 0 to 1m step 1m m", "eval_ordered is for instant queries only")]
    [InlineData("eval instant at 0 x\n  {} 1 2", "t.test:2: an instant eval expects exactly one value per series, got 2")]
    [InlineData("eval instant at 0 x\n  {} _", "t.test:2: an instant eval cannot expect '_'")]
    [InlineData("eval range from 0 to 1m step 1m x\n  {} 1 2 3", "t.test:2: 3 values listed but the range has only 2 steps")]
    [InlineData("eval instant at 1m x[1m]\n  expect range vector from 0 to 1m step 30s\n  {} 1 2 3 4", "only 3 points")]
    [InlineData("eval instant at 0 x\n  expect warn\n  expect no_warn", "t.test:3: 'expect warn' and 'expect no_warn'")]
    [InlineData("eval instant at 0 x\n  expect fail\n  expect fail", "t.test:3: at most one 'expect fail'")]
    [InlineData("eval_fail instant at 0 x\n  expect fail", "at most one 'expect fail'")]
    [InlineData("eval instant at 0 x\n  expect bogus", "unknown expectation 'expect bogus'")]
    [InlineData("eval instant at 0 x\n  expect warn text", "expected 'msg:' or 'regex:'")]
    [InlineData("eval instant at 0 x\n  expect no_warn msg: x", "takes no arguments")]
    [InlineData("eval instant at 0 x\n  expect fail regex: (", "invalid regex '('")]
    [InlineData("eval instant at 0 x\n  expected_fail_message boom", "only allowed after eval_fail")]
    [InlineData("eval range from 0 to 1m step 1m x\n  expect string \"a\"", "for instant evals only")]
    [InlineData("eval instant at 0 x\n  expect string Foo", "expected a quoted string")]
    [InlineData("eval instant at 0 x\n  {a=\"1\"} 1\n  {a=\"1\"} 2", "t.test:3: series {a=\"1\"} is expected twice")]
    [InlineData("eval instant at 0 x\n  1\n  {} 2", "t.test:3: a scalar expectation must be the only result line")]
    [InlineData("eval instant at 0 x\n  expect string \"a\"\n  {} 1", "t.test:1: expect string cannot be combined with result lines")]
    [InlineData("load 1m\n  m@st 0\n", "t.test:2: an @st line must be followed by the data line")]
    [InlineData("load 1m\n  m@st 0 0\n  n 1 2", "t.test:3: the line after '{__name__=\"m\"}@st' must describe the same series")]
    [InlineData("load 1m\n  m@st 0\n  m 1 2", "t.test:3: 1 start timestamps for 2 values")]
    [InlineData("load 1m\n  m@st 0 1x\n  m 1 2", "t.test:2: ")]
    public void ScriptErrorsNameFileAndLine(string script, string fragment)
    {
        var e = Assert.Throws<ScriptParseException>(() => ScriptParser.Parse("t.test", script));
        Assert.Contains(fragment, e.Message);
    }

    [Fact]
    public void ParsesAWholeScript()
    {
        const string script = """
            # A comment before anything.
            load 5m
                http_requests{job="api", instance="0"}  0+10x2
              delta{type="otel"}@st   _ -1mx1
              delta{type="otel"}      _ 60x1
            # A comment ends the block, so this is a command again.
            load_with_nhcb 1m
            	h_bucket{le="1"} 1 2
            	h_bucket{le="+Inf"} 2 3

            eval instant at 10m sum by (job) (http_requests)
              expect no_warn
              {job="api"} 20

             eval range from 0 to 10m step 5m http_requests
              {__name__="http_requests", job="api", instance="0"} 0 _ 20

            clear
            eval_fail instant at 0 -{job="api"}
              expected_fail_regexp unary.*
            eval_warn instant at 0 x

            eval_info range from 0 to 1m step 1m x

            eval_ordered instant at 0 sort(x)
              {} 1

            eval instant at 50m 0 / 0
            	NaN

            eval instant at 50m ("Foo")
            	expect string `Foo`
            """;
        var s = ScriptParser.Parse("whole.test", script);
        Assert.Equal(["LoadCommand", "LoadCommand", "EvalCommand", "EvalCommand", "ClearCommand", "EvalCommand", "EvalCommand", "EvalCommand", "EvalCommand", "EvalCommand", "EvalCommand"],
            s.Commands.Select(c => c.GetType().Name));
        var load = (LoadCommand)s.Commands[0];
        Assert.Equal((2, 300_000L, false), (load.Line, load.IntervalMs, load.WithNhcb));
        Assert.Equal(2, load.Series.Count);
        Assert.Equal("0 10 20", string.Join(" ", load.Series[0].Values));
        Assert.Equal(5, load.Series[1].Line);
        Assert.Equal([null, -60000L, -60000L], load.Series[1].StartOffsetsMs!);
        Assert.Equal("_ 60 60", string.Join(" ", load.Series[1].Values));
        Assert.True(((LoadCommand)s.Commands[1]).WithNhcb);

        var evals = s.Evals.ToList();
        Assert.Equal((11, EvalKind.Instant, 600_000L, "sum by (job) (http_requests)", true), (evals[0].Line, evals[0].Kind, evals[0].AtMs, evals[0].Expr, evals[0].NoWarn));
        Assert.Equal("{job=\"api\"}", evals[0].Series.Single().Labels.ToString());
        Assert.Equal((15, EvalKind.Range, 0L, 600_000L, 300_000L), (evals[1].Line, evals[1].Kind, evals[1].StartMs, evals[1].EndMs, evals[1].StepMs));
        Assert.Equal("0 _ 20", string.Join(" ", evals[1].Series.Single().Values));
        Assert.Equal(("fail", "expect fail regex: unary.*"), (evals[2].Deprecated, evals[2].Fail!.ToString()));
        Assert.Equal(("warn", 1), (evals[3].Deprecated, evals[3].Warn.Count));
        Assert.Equal(("info", 1, EvalKind.Range), (evals[4].Deprecated, evals[4].Info.Count, evals[4].Kind));
        Assert.True(evals[5].Ordered);
        Assert.True(double.IsNaN(evals[6].Scalar!.Value));
        Assert.Equal("Foo", evals[7].String);
    }

    [Fact]
    public void InstantWithoutAtRunsAtZero()
    {
        var e = Assert.IsType<EvalCommand>(ScriptParser.Parse("t.test", "eval instant sum(x)").Commands.Single());
        Assert.Equal((0L, "sum(x)"), (e.AtMs, e.Expr));
    }
}
