using Ariane.Model;

namespace Ariane.Tests.PromQL.PromQLTest;

/// <summary>The runner's comparison logic, proven against <see cref="FakeEngine"/> on small inline scripts.</summary>
public class ScriptRunnerTests
{
    private const string Data = "load 1m\n  m{job=\"a\"} 0+1x10\n  m{job=\"b\"} 0+10x10\n  gappy 1 _ 3 stale 5\n\n";

    private static FileReport Run(string script, FakeEngine? engine = null, ScriptRunnerOptions? options = null, string? known = null) =>
        ScriptRunner.Run(ScriptParser.Parse("t.test", script), engine ?? new FakeEngine(), options,
            known is null ? null : KnownFailures.Parse(known));

    private static EvalResult Single(string script, FakeEngine? engine = null, ScriptRunnerOptions? options = null) =>
        Assert.Single(Run(script, engine, options).Evals);

    private static void Passes(string script, FakeEngine? engine = null, ScriptRunnerOptions? options = null)
    {
        var r = Single(Data + script, engine, options);
        Assert.True(r.Outcome == EvalOutcome.Passed, r.ToString());
    }

    private static void Fails(string script, string reason, FakeEngine? engine = null, ScriptRunnerOptions? options = null)
    {
        var r = Single(Data + script, engine, options);
        Assert.True(r.Outcome == EvalOutcome.Failed, r.ToString());
        Assert.Contains(reason, r.Reason, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("eval instant at 5m m\n  m{job=\"a\"} 5\n  m{job=\"b\"} 50")]
    [InlineData("eval instant at 5m m\n  m{job=\"b\"} 50\n  m{job=\"a\"} 5.000001")]
    [InlineData("eval instant at 5m m{job=\"a\"}\n  expect no_warn\n  expect no_info\n  {__name__=\"m\", job=\"a\"} 5")]
    [InlineData("eval instant at 5m nothing")]
    [InlineData("eval instant at 5m 42\n  42")]
    [InlineData("eval instant at 5m 0x2A\n  42")]
    [InlineData("eval instant at 5m NaN\n  NaN")]
    [InlineData("eval instant at 5m \"Foo\"\n  expect string \"Foo\"")]
    [InlineData("eval instant at 3m gappy")]
    [InlineData("eval instant at 2m gappy\n  gappy 3")]
    [InlineData("eval range from 0 to 3m step 1m gappy\n  gappy 1 1 3")]
    [InlineData("eval range from 0 to 5m step 1m gappy\n  gappy 1 1 3 _ 5 5")]
    [InlineData("eval range from 0 to 10m step 5m m\n  m{job=\"b\"} 0 50 100\n  m{job=\"a\"} 0+5x2")]
    [InlineData("eval range from 0 to 2m step 1m 7\n  {} 7x2")]
    [InlineData("eval range from 20m to 30m step 1m m")]
    [InlineData("eval instant at 5m m[2m]\n  expect range vector from 3m to 5m step 1m\n  m{job=\"a\"} _ 4 5\n  m{job=\"b\"} _ 40 50")]
    [InlineData("eval instant at 5m gappy[5m]\n  expect range vector from 0 to 5m step 1m\n  gappy _ _ 3 _ 5")]
    [InlineData("eval instant at 30m m[1m]\n  expect range vector from 29m to 30m step 1m")]
    public void Passing(string script) => Passes(script);

    [Theory]
    [InlineData("eval instant at 5m m\n  m{job=\"a\"} 5\n  m{job=\"b\"} 51", "expected 51 for {__name__=\"m\", job=\"b\"} but got 50")]
    [InlineData("eval instant at 5m m\n  m{job=\"a\"} 5", "unexpected series: {__name__=\"m\", job=\"b\"} 50 @300000")]
    [InlineData("eval instant at 5m m{job=\"a\"}\n  m{job=\"a\"} 5\n  m{job=\"c\"} 5", "missing series: {__name__=\"m\", job=\"c\"} 5")]
    [InlineData("eval instant at 5m m{job=\"a\"}\n  {job=\"a\"} 5", "unexpected series")]
    [InlineData("eval instant at 5m nothing\n  {} 1", "expected 1 series, got 0")]
    [InlineData("eval instant at 5m 42\n  43", "expected scalar 43 but got 42")]
    [InlineData("eval instant at 5m 42", "expected a vector or matrix result, but got scalar 42")]
    [InlineData("eval instant at 5m m{job=\"a\"}\n  5", "expected scalar 5, got vector")]
    [InlineData("eval instant at 5m \"Foo\"\n  expect string \"Bar\"", "expected string \"Bar\" but got \"Foo\"")]
    [InlineData("eval instant at 5m m[1m]\n  m{job=\"a\"} 5", "an instant query returned a range vector (use 'expect range vector')")]
    [InlineData("eval instant at 5m m{job=\"a\"}\n  expect range vector from 4m to 5m step 1m\n  m{job=\"a\"} 4 5", "expected a range vector, got vector")]
    [InlineData("eval range from 0 to 3m step 1m gappy\n  gappy 1 1 3 3", "expected 4 float points and 0 histogram points for {__name__=\"gappy\"}, but got 3 float points")]
    [InlineData("eval range from 0 to 3m step 1m gappy\n  gappy 1", "expected 1 float points and 0 histogram points")]
    [InlineData("eval range from 0 to 3m step 1m gappy\n  gappy 1 _ 3 3", "expected a point at t=120000 for {__name__=\"gappy\"}, got one at t=60000")]
    [InlineData("eval range from 0 to 3m step 1m gappy\n  gappy 1 1 4", "expected 4 at t=120000 for {__name__=\"gappy\"}, got 3")]
    [InlineData("eval instant at 5m m[2m]\n  expect range vector from 3m to 5m step 1m\n  m{job=\"a\"} 4 _ 5\n  m{job=\"b\"} _ 40 50", "expected a point at t=180000 for {__name__=\"m\", job=\"a\"}, got one at t=240000")]
    [InlineData("eval instant at 5m {job=\"zzz\"}\n  {job=\"zzz\"} 1", "expected 1 series, got 0")]
    public void Failing(string script, string reason) => Fails(script, reason);

    [Fact]
    public void OrderedComparesPositions()
    {
        Passes("eval instant at 5m m\n  expect ordered\n  m{job=\"a\"} 5\n  m{job=\"b\"} 50");
        Passes("eval_ordered instant at 5m m\n  m{job=\"a\"} 5\n  m{job=\"b\"} 50");
        Fails("eval instant at 5m m\n  expect ordered\n  m{job=\"b\"} 50\n  m{job=\"a\"} 5",
            "expected {__name__=\"m\", job=\"a\"} at position 2, but it was at 1");
        Fails("eval range from 0 to 1m step 1m m\n  expect ordered\n  m{job=\"a\"} 0 1\n  m{job=\"b\"} 0 10",
            "expect ordered on a range query: a matrix has no order");
    }

    [Fact]
    public void OrderedTurnsTheRangeModeCheckOff()
    {
        var engine = new FakeEngine { UnsortedRanges = true };
        Passes("eval instant at 5m m\n  expect ordered\n  m{job=\"a\"} 5\n  m{job=\"b\"} 50", engine);
        Assert.DoesNotContain(engine.Log, l => l.StartsWith("range", StringComparison.Ordinal));
    }

    [Theory]
    [InlineData("eval instant at 5m {}\n  expect fail")]
    [InlineData("eval instant at 5m {}\n  expect fail msg: 1:1: parse error: vector selector must contain at least one non-empty matcher")]
    [InlineData("eval instant at 5m {}\n  expect fail regex: non-empty matcher")]
    [InlineData("eval instant at 5m {}\n  expect fail\n  {} 1")]
    [InlineData("eval_fail instant at 5m {}")]
    [InlineData("eval_fail instant at 5m {}\n  expected_fail_message 1:1: parse error: vector selector must contain at least one non-empty matcher")]
    [InlineData("eval_fail range from 0 to 1m step 1m {}\n  expected_fail_regexp ^1:1: parse error")]
    public void ExpectFailPasses(string script) => Passes(script);

    [Theory]
    [InlineData("eval instant at 5m {}\n  expect fail msg: 1:1: parse error", "expected error to satisfy 'expect fail msg: 1:1: parse error', got: 1:1: parse error: vector selector")]
    [InlineData("eval instant at 5m {}\n  expect fail regex: ^boom", "expected error to satisfy")]
    [InlineData("eval instant at 5m m\n  expect fail", "expected the query to fail (expect fail), but it returned vector")]
    [InlineData("eval instant at 5m {}", "unexpected error: 1:1: parse error")]
    [InlineData("eval range from 0 to 1m step 1m {}", "unexpected error: 1:1: parse error")]
    public void ExpectFailFails(string script, string reason) => Fails(script, reason);

    private static FakeEngine Warned() => new()
    {
        Annotations =
        {
            ["warned"] = (["PromQL warning: a happened (1:1)", "PromQL warning: b happened (1:1)"], []),
            ["informed"] = ([], ["PromQL info: c noticed (1:1)"]),
        },
    };

    [Theory]
    [InlineData("eval instant at 5m warned")]
    [InlineData("eval instant at 5m warned\n  expect warn")]
    [InlineData("eval instant at 5m warned\n  expect warn\n  expect no_info")]
    [InlineData("eval instant at 5m warned\n  expect warn msg: PromQL warning: a happened (1:1)\n  expect warn msg: PromQL warning: b happened (1:1)")]
    [InlineData("eval instant at 5m warned\n  expect warn regex: (a|b) happened")]
    [InlineData("eval instant at 5m warned\n  expect warn msg: PromQL warning: a happened (1:1)\n  expect warn")]
    [InlineData("eval_warn instant at 5m warned")]
    [InlineData("eval instant at 5m informed\n  expect info msg: PromQL info: c noticed (1:1)\n  expect no_warn")]
    [InlineData("eval_info range from 0 to 1m step 1m informed")]
    [InlineData("eval range from 0 to 1m step 1m warned\n  expect warn regex: happened")]
    public void WarnSetsThatHold(string script) => Passes(script, Warned());

    [Theory]
    [InlineData("eval instant at 5m warned\n  expect no_warn", "expect no_warn, but got warnings: PromQL warning: a happened (1:1) | PromQL warning: b happened (1:1)")]
    [InlineData("eval instant at 5m warned\n  expect warn msg: PromQL warning: a happened (1:1)", "unexpected warning: PromQL warning: b happened (1:1)")]
    [InlineData("eval instant at 5m warned\n  expect warn msg: PromQL warning: a happened (1:1)\n  expect warn msg: PromQL warning: c happened (1:1)", "no warning satisfies 'expect warn msg: PromQL warning: c happened (1:1)'")]
    [InlineData("eval instant at 5m warned\n  expect warn msg: a happened", "no warning satisfies")]
    [InlineData("eval instant at 5m warned\n  expect info", "expected infos (expect info), got none")]
    [InlineData("eval instant at 5m m\n  expect warn\n  m{job=\"a\"} 5\n  m{job=\"b\"} 50", "expected warnings (expect warn), got none")]
    [InlineData("eval instant at 5m informed\n  expect no_info", "expect no_info, but got infos")]
    [InlineData("eval_warn instant at 5m informed", "expected warnings")]
    [InlineData("eval range from 0 to 1m step 1m warned\n  expect no_warn", "expect no_warn")]
    public void WarnSetsThatDoNotHold(string script, string reason) => Fails(script, reason, Warned());

    [Fact]
    public void TheAtModifierCheckRunsThePinnedQueryAtOtherTimes()
    {
        var engine = new FakeEngine();
        Passes("eval instant at 5m m{job=\"a\"}\n  m{job=\"a\"} 5", engine);
        Assert.Equal(
            [
                "instant m{job=\"a\"} @300000", "range m{job=\"a\"} 240000..360000/60000",
                "instant m{job=\"a\"} @ 300 @-3000000", "range m{job=\"a\"} @ 300 -3060000..-2940000/60000",
                "instant m{job=\"a\"} @ 300 @0", "range m{job=\"a\"} @ 300 -60000..60000/60000",
                "instant m{job=\"a\"} @ 300 @60000", "range m{job=\"a\"} @ 300 0..120000/60000",
                "instant m{job=\"a\"} @ 300 @300000", "range m{job=\"a\"} @ 300 240000..360000/60000",
                "instant m{job=\"a\"} @ 300 @3000000", "range m{job=\"a\"} @ 300 2940000..3060000/60000",
            ],
            engine.Log);
        Assert.Equal([-1000L, 0, 1000], ScriptRunner.AtCheckTimes(0));
    }

    [Fact]
    public void TheAtModifierCheckCatchesAnEngineThatIgnoresAt()
    {
        var engine = new FakeEngine { IgnoreAt = true };
        Fails("eval instant at 5m m{job=\"a\"}\n  m{job=\"a\"} 5", "@-modifier check: m{job=\"a\"} @ 300 evaluated at -3000000ms: expected 1 series, got 0", engine);
        Passes("eval instant at 5m m{job=\"a\"}\n  m{job=\"a\"} 5", new FakeEngine { IgnoreAt = true }, new ScriptRunnerOptions { AtModifierCheck = false });
        Passes("eval instant at 5m m{job=\"a\"}\n  m{job=\"a\"} 5", new FakeEngine { IgnoreAt = true, CanRewrite = false });
    }

    [Theory]
    [InlineData("timestamp(m)", false)]
    [InlineData("m + time()", false)]
    [InlineData("hour (m)", false)]
    [InlineData("m[step()]", false)]
    [InlineData("predict_linear(m[5m], 60)", false)]
    [InlineData("days_in_month(m)", false)]
    [InlineData("my_time(m)", true)]
    [InlineData("label_replace(m, \"x\", \"time()\", \"\", \"\")", true)]
    [InlineData("rate(m[5m])", true)]
    public void TheAtModifierCheckIsSkippedForTimeDependentExpressions(string expr, bool applies) =>
        Assert.Equal(applies, ScriptRunner.AtCheckApplies(expr));

    [Fact]
    public void RangeCheckIsSkippedForStartEndRangeStep()
    {
        Assert.False(ScriptRunner.RangeCheckApplies("m[step()]"));
        Assert.False(ScriptRunner.RangeCheckApplies("rate(m[range() ])"));
        Assert.True(ScriptRunner.RangeCheckApplies("timestamp(m)"));
        Assert.True(ScriptRunner.RangeCheckApplies("m{a=\"step()\"}"));
    }

    [Fact]
    public void TheRangeModeCheckCatchesUnsortedMatrices()
    {
        Fails("eval instant at 5m m\n  m{job=\"a\"} 5\n  m{job=\"b\"} 50",
            "range-mode check: the matrix is not sorted by labels: {__name__=\"m\", job=\"b\"} comes before {__name__=\"m\", job=\"a\"}",
            new FakeEngine { UnsortedRanges = true, CanRewrite = false });
        Passes("eval instant at 5m m\n  m{job=\"a\"} 5\n  m{job=\"b\"} 50",
            new FakeEngine { UnsortedRanges = true }, new ScriptRunnerOptions { RangeModeCheck = false });
        Fails("eval range from 0 to 1m step 1m m\n  m{job=\"a\"} 0 1\n  m{job=\"b\"} 0 10",
            "the matrix is not sorted by labels", new FakeEngine { UnsortedRanges = true });
    }

    [Fact]
    public void TheRangeModeCheckComparesScalarsAndStrings()
    {
        var engine = new FakeEngine();
        Passes("eval instant at 5m 3\n  3", engine);
        Assert.Contains("range 3 240000..360000/60000", engine.Log);
        // A string cannot be a range query's result, so expect string turns the range-mode check off.
        Passes("eval instant at 5m \"x\"\n  expect string \"x\"");
    }

    [Fact]
    public void AnEngineExceptionFailsTheEval() =>
        Fails("eval instant at 5m m\n  m{job=\"a\"} 5", "the engine threw InvalidOperationException: the fake engine was told to throw", new FakeEngine { ThrowOn = "m" });

    [Fact]
    public void KnownFailuresAreCountedAndMustStayTrue()
    {
        const string script = Data + """
            eval instant at 5m m{job="a"}
              m{job="a"} 6

            eval instant at 5m m{job="a"}
              m{job="a"} 5

            eval instant at 5m m{job="a"}
              m{job="a"} 7
            """;
        var r = Run(script, known: """
            # comment
            t.test:6: off by one, see issue 42

            t.test:9: listed but passes
            t.test:100: no such eval
            other.test:6: another file's entry is ignored
            """);
        Assert.Equal([EvalOutcome.KnownFailure, EvalOutcome.Passed, EvalOutcome.Failed], r.Evals.Select(e => e.Outcome));
        Assert.StartsWith("off by one, see issue 42 (got: expected 6 for {__name__=\"m\", job=\"a\"} but got 5", r.Evals[0].Reason, StringComparison.Ordinal);
        Assert.Equal(
            [
                "t.test:9: listed as a known failure (listed but passes), but it passes now: remove it from the list",
                "t.test:100: listed as a known failure (no such eval), but there is no eval at this line: remove it from the list",
            ],
            r.StaleKnownFailures);
        Assert.Equal((1, 1, 1, 0), (r.Passed, r.Failed, r.Known, r.NativeHistograms));
        Assert.False(r.Ok);
        Assert.Contains("t.test:12: Failed", r.Problems(), StringComparison.Ordinal);
        Assert.Contains("remove it from the list", r.Problems(), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("t.test 5: reason", "expected 'file.test:LINE: reason'")]
    [InlineData("t.test:5:", "expected 'file.test:LINE: reason'")]
    [InlineData("t.test:x: reason", "expected 'file.test:LINE: reason'")]
    [InlineData("t.test:5: a\nt.test:5: b", "known failures:2: t.test:5 is listed twice")]
    public void BadKnownFailureLinesAreRejected(string text, string fragment)
    {
        var e = Assert.Throws<FormatException>(() => KnownFailures.Parse(text));
        Assert.Contains(fragment, e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void TheRepositoryKnownFailuresListParses() =>
        Assert.NotNull(KnownFailures.Load(PromQLConformanceRunner.KnownFailuresPath));

    [Fact]
    public void EvalsTouchingNativeHistogramsAreCountedApartAndNotRun()
    {
        const string script = """
            load 1m
              nh {{schema:0 count:1}}x3
              mixed 1 {{count:1}} 2
              plain 1+1x3

            eval instant at 1m nh
              {} 1

            eval instant at 1m sum(mixed) + plain
              {} 1

            eval instant at 1m plain
              plain 2

            eval instant at 1m plain_nh
              {} {{count:1}}

            eval instant at 1m plain{a="nh"}

            load_with_nhcb 1m
              hist_bucket{le="1"} 1 2
              hist_bucket{le="+Inf"} 2 3

            eval instant at 1m hist_bucket{le="1"}
              hist_bucket{le="1"} 2

            eval instant at 1m histogram_quantile(0.5, hist)

            clear
            load 1m
              plain 1

            eval instant at 1m nh
            """;
        var engine = new FakeEngine();
        var r = Run(script, engine);
        Assert.Equal(
            [
                (6, EvalOutcome.NativeHistogram), (9, EvalOutcome.NativeHistogram), (12, EvalOutcome.Passed),
                (15, EvalOutcome.NativeHistogram), (18, EvalOutcome.NativeHistogram), (24, EvalOutcome.Passed),
                (27, EvalOutcome.NativeHistogram), (33, EvalOutcome.Passed),
            ],
            r.Evals.Select(e => (e.Line, e.Outcome)));
        Assert.All(r.Evals.Where(e => e.Outcome == EvalOutcome.NativeHistogram), e => Assert.Equal("native histograms (later issue)", e.Reason));
        // Only the eval after the clear sent 'nh' to the engine: once as written, five times @-pinned.
        Assert.Equal(6, engine.Log.Count(l => l.StartsWith("instant nh ", StringComparison.Ordinal)));
        Assert.Contains(r.Notes, n => n.Contains("2 native-histogram series not loaded", StringComparison.Ordinal));
        Assert.Contains(r.Notes, n => n.Contains("load_with_nhcb", StringComparison.Ordinal));
    }

    [Fact]
    public void StaleMarkersAndRejectedSamplesAreLoadedAsTheHeadSaysAndNoted()
    {
        const string script = """
            load 1m
              s 1 stale
              dup 1 2 3

            load 1m
              dup 5

            eval range from 0 to 2m step 1m s
              s 1

            eval instant at 2m dup
              dup 3
            """;
        var r = Run(script);
        Assert.All(r.Evals, e => Assert.True(e.Outcome == EvalOutcome.Passed, e.ToString()));
        Assert.Contains("t.test:5: 1 sample(s) rejected by the head (OutOfOrder)", r.Notes);
    }

    [Fact]
    public void StartTimestampsAreNoted()
    {
        var r = Run("load 1m\n  d@st _ -1mx1\n  d _ 60x1\n\neval instant at 2m d\n  d 60\n");
        Assert.Equal(EvalOutcome.Passed, r.Evals.Single().Outcome);
        Assert.Contains(r.Notes, n => n.StartsWith("t.test:1: @st start timestamps not stored", StringComparison.Ordinal));
    }

    [Fact]
    public void ClearStartsAnEmptyStorage() =>
        Assert.Equal(EvalOutcome.Passed, Run(Data + "clear\n\neval instant at 5m m\n").Evals.Single().Outcome);

    [Fact]
    public void TheSummaryHasTotalsAndOneLinePerFile()
    {
        var a = new FileReport("a.test",
            [new("a.test", 1, "x", EvalOutcome.Passed, null), new("a.test", 2, "x", EvalOutcome.NativeHistogram, "nh")], [], []);
        var b = new FileReport("b.test",
            [new("b.test", 1, "x", EvalOutcome.Failed, "no"), new("b.test", 2, "x", EvalOutcome.KnownFailure, "known")], [], ["stale"]);
        string s = PromQLConformanceRunner.Summary([b, a]);
        Assert.Equal(
            """
            promql conformance: 1 passed, 1 failed, 1 known failures, 1 native histograms (later issue), of 4 evals in 2 files
              a.test                       passed    1  failed    0  known    0  native-histogram    1  of    2
              b.test                       passed    0  failed    1  known    1  native-histogram    0  of    2  (1 stale known-failure entries)

            """.Replace("\r", "", StringComparison.Ordinal),
            s);
    }

    [Fact]
    public void ExpectedHistogramsNeverEqualFloats()
    {
        var vec = Assert.IsType<EvalCommand>(ScriptParser.Parse("t.test", "eval instant at 0 m\n  m {{count:5}}").Commands.Single());
        Assert.Equal("expected histogram {{count:5}} for {__name__=\"m\"}, got float 5",
            ResultComparer.Check(vec, TestQueryResult.OfVector([new TestSeries(Labels.FromStrings("__name__", "m"), [new TestPoint(0, 5)])]), true, false));
        var mat = Assert.IsType<EvalCommand>(ScriptParser.Parse("t.test", "eval range from 0 to 2m step 1m m\n  m 0 1 {{count:1}}").Commands.Single());
        Assert.StartsWith("expected 2 float points and 1 histogram points for {__name__=\"m\"}",
            ResultComparer.Check(mat, TestQueryResult.OfMatrix([new TestSeries(Labels.FromStrings("__name__", "m"), [new TestPoint(0, 0), new TestPoint(60_000, 1)])]), true, true),
            StringComparison.Ordinal);
    }

    [Fact]
    public void TheRealEngineIsPluggedIn() => Assert.IsType<ArianeTestEngine>(PromQLConformanceRunner.CreateEngine());

    [Theory]
    [InlineData(1.0, 1.0, true)]
    [InlineData(1.0, 1.0000001, true)]
    [InlineData(1.0, 1.00001, false)]
    [InlineData(1e300, 1.0000001e300, true)]
    [InlineData(-5.0, -5.000000001, true)]
    [InlineData(-5.0, 5.0, false)]
    [InlineData(0.0, 1e-315, true)]
    [InlineData(0.0, 1e-300, false)]
    [InlineData(0.0, -0.0, true)]
    [InlineData(1e-320, 2e-320, true)]
    [InlineData(1e-310, 2e-310, false)]
    [InlineData(double.NaN, double.NaN, true)]
    [InlineData(double.NaN, 1.0, false)]
    [InlineData(double.PositiveInfinity, double.PositiveInfinity, true)]
    [InlineData(double.PositiveInfinity, double.NegativeInfinity, false)]
    [InlineData(double.PositiveInfinity, double.MaxValue, false)]
    [InlineData(double.NegativeInfinity, -1e308, false)]
    public void FloatComparison(double a, double b, bool equal)
    {
        Assert.Equal(equal, ResultComparer.AlmostEqual(a, b));
        Assert.Equal(equal, ResultComparer.AlmostEqual(b, a));
    }

    [Fact]
    public void TheStaleMarkerOnlyEqualsAStaleMarker()
    {
        Assert.True(ResultComparer.AlmostEqual(SampleValue.StaleNaN, SampleValue.StaleNaN));
        Assert.False(ResultComparer.AlmostEqual(SampleValue.StaleNaN, double.NaN));
        Assert.False(ResultComparer.AlmostEqual(double.NaN, SampleValue.StaleNaN));
        Assert.False(ResultComparer.AlmostEqual(SampleValue.StaleNaN, 0));
    }
}
