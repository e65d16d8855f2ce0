using Ariane.Model;
using Ariane.PromQL.Engine;
using Ariane.Tests.PromQL.PromQLTest;

namespace Ariane.Tests.PromQL;

/// <summary>
/// Vector matching and comparison filters over range queries (issue 10): the engine joins all steps at once when
/// the match table cannot fail at any step, and steps through it otherwise. These scripts pin the results where
/// series are present at some steps only, label copying, both cardinalities, and the errors at the step where two
/// series collide (and only there).
/// </summary>
public class VectorMatchingTests
{
    private static void Run(string text)
    {
        var report = ScriptRunner.Run(ScriptParser.Parse("inline.test", text), new ArianeTestEngine());
        Assert.True(report.Ok, report.Problems());
        Assert.All(report.Evals, e => Assert.Equal(EvalOutcome.Passed, e.Outcome));
    }

    // Every 5 minutes, so a "_" is a step without a point (the 5m lookback window is left-open).
    private const string Load = """
        load 5m
        	lq{i="1", grp="a", mod="x"}	1 2 3 4 5
        	lq{i="2", grp="a", mod="y"}	_ _ 10 20 30
        	lq{i="3", grp="b", mod="x"}	7 _ 7 _ 7
        	info{grp="a", owner="ann"}	100 100 100 100 100
        	info{grp="b", owner="bob"}	1000 _ _ 1000 1000
        	dup{a="1", b="x"}	1 1 1 1 1
        	dup{a="1", b="y"}	_ _ 2 _ _
        	one{a="1"}	10 10 10 10 10


        """;

    [Fact]
    public void OneToOneJoinsOnlyTheStepsWhereBothSidesHaveAPoint() => Run(Load + """
        eval range from 0 to 20m step 5m lq * on(i) lq
        	{i="1"} 1 4 9 16 25
        	{i="2"} _ _ 100 400 900
        	{i="3"} 49 _ 49 _ 49

        eval range from 0 to 20m step 5m lq - ignoring(mod) lq
        	{i="1", grp="a"} 0 0 0 0 0
        	{i="2", grp="a"} _ _ 0 0 0
        	{i="3", grp="b"} 0 _ 0 _ 0

        eval range from 0 to 20m step 5m sum by (grp) (lq * on(i) lq)
        	{} 50 4 158 416 974

        eval instant at 10m lq * on(i, grp, mod) lq
        	{i="1", grp="a", mod="x"} 9
        	{i="2", grp="a", mod="y"} 100
        	{i="3", grp="b", mod="x"} 49
        """);

    [Fact]
    public void ManyToOneKeepsTheManySideLabelsAndCopiesTheIncludedOnes() => Run(Load + """
        eval range from 0 to 20m step 5m lq * on(i, grp, mod) group_left lq
        	{i="1", grp="a", mod="x"} 1 4 9 16 25
        	{i="2", grp="a", mod="y"} _ _ 100 400 900
        	{i="3", grp="b", mod="x"} 49 _ 49 _ 49

        eval range from 0 to 20m step 5m sum by (grp) (lq * on(i, grp, mod) group_left lq)
        	{grp="a"} 1 4 109 416 925
        	{grp="b"} 49 _ 49 _ 49

        eval range from 0 to 20m step 5m lq * on(grp) group_left(owner) info
        	{i="1", grp="a", mod="x", owner="ann"} 100 200 300 400 500
        	{i="2", grp="a", mod="y", owner="ann"} _ _ 1000 2000 3000
        	{i="3", grp="b", mod="x", owner="bob"} 7000 _ _ _ 7000

        eval range from 0 to 20m step 5m lq * ignoring(i, mod, owner) group_left(owner) info
        	{i="1", grp="a", mod="x", owner="ann"} 100 200 300 400 500
        	{i="2", grp="a", mod="y", owner="ann"} _ _ 1000 2000 3000
        	{i="3", grp="b", mod="x", owner="bob"} 7000 _ _ _ 7000

        eval range from 0 to 20m step 5m info / on(grp) group_right(owner) lq
        	{i="1", grp="a", mod="x", owner="ann"} 100 50 33.333333333333336 25 20
        	{i="2", grp="a", mod="y", owner="ann"} _ _ 10 5 3.3333333333333335
        	{i="3", grp="b", mod="x", owner="bob"} 142.85714285714286 _ _ _ 142.85714285714286

        eval instant at 20m lq * on(grp) group_left(owner) info
        	{i="1", grp="a", mod="x", owner="ann"} 500
        	{i="2", grp="a", mod="y", owner="ann"} 3000
        	{i="3", grp="b", mod="x", owner="bob"} 7000
        """);

    [Fact]
    public void ComparisonsBetweenVectorsFilterOrAnswerBool() => Run(Load + """
        eval range from 0 to 20m step 5m lq >= on(grp) group_left info / 50
        	lq{i="1", grp="a", mod="x"} _ 2 3 4 5
        	lq{i="2", grp="a", mod="y"} _ _ 10 20 30

        eval range from 0 to 20m step 5m lq >= bool on(grp) group_left info / 50
        	{i="1", grp="a", mod="x"} 0 1 1 1 1
        	{i="2", grp="a", mod="y"} _ _ 1 1 1
        	{i="3", grp="b", mod="x"} 0 _ _ _ 0

        eval range from 0 to 20m step 5m lq > on(i) (lq - 1)
        	{i="1"} 1 2 3 4 5
        	{i="2"} _ _ 10 20 30
        	{i="3"} 7 _ 7 _ 7
        """);

    [Fact]
    public void VectorScalarOperationsOverARange() => Run(Load + """
        eval range from 0 to 20m step 5m lq > 4
        	lq{i="1", grp="a", mod="x"} _ _ _ _ 5
        	lq{i="2", grp="a", mod="y"} _ _ 10 20 30
        	lq{i="3", grp="b", mod="x"} 7 _ 7 _ 7

        eval range from 0 to 20m step 5m 10 - lq
        	{i="1", grp="a", mod="x"} 9 8 7 6 5
        	{i="2", grp="a", mod="y"} _ _ 0 -10 -20
        	{i="3", grp="b", mod="x"} 3 _ 3 _ 3

        eval range from 0 to 20m step 5m lq < bool 5
        	{i="1", grp="a", mod="x"} 1 1 1 1 0
        	{i="2", grp="a", mod="y"} _ _ 0 0 0
        	{i="3", grp="b", mod="x"} 0 _ 0 _ 0

        eval range from 0 to 20m step 5m lq >= scalar(info{grp="b"}) / 200
        	lq{i="1", grp="a", mod="x"} _ _ _ _ 5
        	lq{i="2", grp="a", mod="y"} _ _ _ 20 30
        	lq{i="3", grp="b", mod="x"} 7 _ _ _ 7
        """);

    [Fact]
    public void ManyToManyFailsOnlyAtAStepWhereTheOneSideHasTwoSeriesOfAGroup() => Run(Load + """
        eval range from 0 to 5m step 5m lq * on(grp) lq
        	{grp="a"} 1 4
        	{grp="b"} 49 _

        eval range from 0 to 20m step 5m lq * on(grp) lq
        	expect fail msg: found duplicate series for the match group {grp="a"} on the right hand-side of the operation: [{__name__="lq", grp="a", i="1", mod="x"}, {__name__="lq", grp="a", i="2", mod="y"}];many-to-many matching not allowed: matching labels must be unique on one side

        eval range from 0 to 20m step 5m lq * on(grp) group_right info
        	expect fail msg: found duplicate series for the match group {grp="a"} on the left hand-side of the operation: [{__name__="lq", grp="a", i="1", mod="x"}, {__name__="lq", grp="a", i="2", mod="y"}];many-to-many matching not allowed: matching labels must be unique on one side

        eval range from 0 to 5m step 5m lq * on(grp) group_left info
        	{i="1", grp="a", mod="x"} 100 200
        	{i="3", grp="b", mod="x"} 7000 _
        """);

    [Fact]
    public void DuplicateMatchesFailOnlyAtAStepWhereBothArePresent() => Run(Load + """
        eval range from 0 to 5m step 5m dup * on(a) one
        	{a="1"} 10 10

        eval range from 0 to 20m step 5m dup * on(a) one
        	expect fail msg: multiple matches for labels: many-to-one matching must be explicit (group_left/group_right)

        eval range from 0 to 5m step 5m dup * on(a) group_left(b) one
        	{a="1"} 10 10

        eval range from 0 to 20m step 5m dup * on(a) group_left(b) one
        	expect fail msg: multiple matches for labels: grouping labels must ensure unique matches

        eval range from 0 to 20m step 5m dup * on(a) group_left one
        	{a="1", b="x"} 10 10 10 10 10
        	{a="1", b="y"} _ _ 20 _ _
        """);

    [Fact]
    public void ComparisonFiltersUnderAnAggregation() => Run(Load + """
        eval range from 0 to 20m step 5m count by (grp) (lq > 4)
        	{grp="a"} _ _ 1 1 2
        	{grp="b"} 1 _ 1 _ 1

        eval range from 0 to 20m step 5m count by (grp) (4 < lq)
        	{grp="a"} _ _ 1 1 2
        	{grp="b"} 1 _ 1 _ 1

        eval range from 0 to 20m step 5m sum by (grp) (lq > 4)
        	{grp="a"} _ _ 10 20 35
        	{grp="b"} 7 _ 7 _ 7

        eval range from 0 to 20m step 5m count by (grp) (lq >= scalar(info{grp="b"}) / 200)
        	{grp="a"} _ _ _ 1 2
        	{grp="b"} 1 _ _ _ 1

        eval range from 0 to 20m step 5m max(lq > bool 4)
        	{} 1 0 1 1 1

        eval range from 0 to 20m step 5m topk(1, lq < 10)
        	lq{i="1", grp="a", mod="x"} _ 2 _ 4 _
        	lq{i="3", grp="b", mod="x"} 7 _ 7 _ 7
        """);

    [Fact]
    public void ComparisonFiltersCountTheirSamplesAsBefore()
    {
        var s = new MemStorage();
        for (int i = 0; i < 10; i++)
        {
            s.Add(Labels.FromStrings("__name__", "m", "i", i.ToString(System.Globalization.CultureInfo.InvariantCulture)), (0, i), (60_000, i), (120_000, i));
        }
        // 30 points selected, 15 kept by the filter (i >= 5), one count per step: the filter's output and its
        // input are held together, as when the filtered vector is materialised.
        var engine = new QueryEngine(new EngineOptions { MaxSamples = 45 + 3 - 1 });
        var r = engine.Range(s, "count(m >= 5)", 0, 120_000, 60_000, TestContext.Current.CancellationToken);
        Assert.NotNull(r.Error);
        Assert.Contains("too many samples", r.Error.Message, StringComparison.Ordinal);
        r = new QueryEngine(new EngineOptions { MaxSamples = 48 }).Range(s, "count(m >= 5)", 0, 120_000, 60_000, TestContext.Current.CancellationToken);
        Assert.Null(r.Error);
        Assert.Equal([5.0, 5, 5], Assert.Single(r.Matrix).Points.Select(p => p.F));
    }
}

/// <summary>
/// Vector matching at the scale (issue 10): 40,000 series joined with themselves over 31 steps. Before, the
/// per-step path kept the result labels in a dictionary keyed by the pair of series indexes, whose hash was 0 for
/// every pair (i, i): each lookup scanned all pairs, about 10^10 comparisons here, far past the 20 s limit.
/// </summary>
public class VectorMatchingScaleTests
{
    private const int SeriesCount = 40_000;
    private const int Steps = 31;

    private static readonly Lazy<MemStorage> Data = new(() =>
    {
        var s = new MemStorage();
        var ic = System.Globalization.CultureInfo.InvariantCulture;
        for (int i = 0; i < SeriesCount; i++)
        {
            // Every 50th series only in the second half, so presence varies by step.
            int first = i % 50 == 0 ? Steps / 2 : 0;
            var samples = new (long T, double V)[Steps - first];
            for (int k = first; k < Steps; k++)
            {
                samples[k - first] = (k * 60_000L, Value(i, k));
            }
            s.Add(Labels.FromStrings("__name__", "lq", "i", i.ToString(ic), "grp", "g" + (i % 100).ToString(ic), "mod", "m" + (i % 3).ToString(ic)), samples);
        }
        return s;
    });

    private static double Value(int i, int k) => (i * 7 + k * 13) % 1000;

    private static double SumOfSquares(int k)
    {
        double sum = 0;
        for (int i = 0; i < SeriesCount; i++)
        {
            if (i % 50 != 0 || k >= Steps / 2)
            {
                sum += Value(i, k) * Value(i, k);
            }
        }
        return sum;
    }

    [Theory]
    [InlineData("sum(lq * on(i) lq)")]
    [InlineData("sum(sum by (grp) (lq * on(i, grp, mod) group_left lq))")]
    [InlineData("sum(lq * ignoring(mod) group_right lq)")]
    [InlineData("sum(lq * on(i) fill(0) lq)")]
    public void JoinsOfTensOfThousandsOfSeriesAnswerWithinTheTimeout(string query)
    {
        var engine = new QueryEngine(new EngineOptions { Timeout = TimeSpan.FromSeconds(20) });
        var r = engine.Range(Data.Value, query, 0, (Steps - 1) * 60_000L, 60_000, TestContext.Current.CancellationToken);
        Assert.Null(r.Error);
        var points = Assert.Single(r.Matrix).Points;
        Assert.Equal(Steps, points.Length);
        for (int k = 0; k < Steps; k++)
        {
            Assert.Equal(SumOfSquares(k), points[k].F);
        }
    }
}
