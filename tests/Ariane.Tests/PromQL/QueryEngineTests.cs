using Ariane.Model;
using Ariane.PromQL.Engine;
using Microsoft.Extensions.Time.Testing;

namespace Ariane.Tests.PromQL;

/// <summary>The engine's public API beyond the conformance scripts: result shapes, error types, limits, cancellation.</summary>
public class QueryEngineTests
{
    private static readonly QueryEngine Engine = new();

    private static MemStorage Counters() => new MemStorage()
        .Add(Labels.FromStrings("__name__", "req_total", "job", "a"), (0, 0), (60_000, 60), (120_000, 120), (180_000, 180))
        .Add(Labels.FromStrings("__name__", "req_total", "job", "b"), (0, 0), (60_000, 30), (120_000, 60), (180_000, 90));

    [Fact]
    public void InstantVectorKeepsNamesAndHonoursLookbackAndStaleness()
    {
        var s = new MemStorage()
            .Add(Labels.FromStrings("__name__", "up", "job", "a"), (0, 1), (60_000, SampleValue.StaleNaN))
            .Add(Labels.FromStrings("__name__", "up", "job", "b"), (0, 1));
        var r = Engine.Instant(s, "up", 30_000, TestContext.Current.CancellationToken);
        Assert.Null(r.Error);
        Assert.Equal(ResultType.Vector, r.Type);
        Assert.Equal(2, r.Vector.Count);
        Assert.All(r.Vector, v => Assert.Equal("up", v.Metric.Name));

        r = Engine.Instant(s, "up", 90_000, TestContext.Current.CancellationToken);
        Assert.Equal("b", Assert.Single(r.Vector).Metric.Get("job"));

        // The lookback window is left-open: a sample exactly 5m old is gone.
        r = Engine.Instant(s, "up", 300_000, TestContext.Current.CancellationToken);
        Assert.Empty(r.Vector);
    }

    [Fact]
    public void RateDropsTheNameAndRangeResultsAreSortedMatrices()
    {
        var r = Engine.Range(Counters(), "rate(req_total[2m])", 120_000, 180_000, 60_000, TestContext.Current.CancellationToken);
        Assert.Null(r.Error);
        Assert.Equal(ResultType.Matrix, r.Type);
        Assert.Equal(["a", "b"], r.Matrix.Select(m => m.Metric.Get("job")));
        Assert.All(r.Matrix, m => Assert.False(m.Metric.Has("__name__")));
        Assert.Equal([new FloatPoint(120_000, 1), new FloatPoint(180_000, 1)], r.Matrix[0].Points);
        Assert.Equal(0.5, r.Matrix[1].Points[0].F, 12);
    }

    [Fact]
    public void ScalarAndStringResults()
    {
        var r = Engine.Instant(new MemStorage(), "1 + 2 * 3", 1000, TestContext.Current.CancellationToken);
        Assert.Equal(ResultType.Scalar, r.Type);
        Assert.Equal(7, r.Scalar);
        Assert.Equal(1000, r.T);

        r = Engine.Instant(new MemStorage(), "\"hello\"", 1000, TestContext.Current.CancellationToken);
        Assert.Equal(ResultType.String, r.Type);
        Assert.Equal("hello", r.String);

        r = Engine.Range(new MemStorage(), "time()", 0, 120_000, 60_000, TestContext.Current.CancellationToken);
        var series = Assert.Single(r.Matrix);
        Assert.Equal(Labels.Empty, series.Metric);
        Assert.Equal([0.0, 60, 120], series.Points.Select(p => p.F));
    }

    [Fact]
    public void InstantRangeVectorIsAMatrixOfRawSamples()
    {
        var r = Engine.Instant(Counters(), "req_total{job=\"a\"}[2m]", 180_000, TestContext.Current.CancellationToken);
        Assert.Equal(ResultType.Matrix, r.Type);
        // (60s, 180s]: the sample at 60s is outside the left-open window.
        Assert.Equal([120_000L, 180_000], Assert.Single(r.Matrix).Points.Select(p => p.T));
    }

    [Fact]
    public void ParseErrorsAreBadData()
    {
        var r = Engine.Instant(new MemStorage(), "sum(", 0, TestContext.Current.CancellationToken);
        Assert.NotNull(r.Error);
        Assert.Equal(QueryErrorType.BadData, r.Error.Type);
        Assert.Equal("bad_data", r.Error.TypeName);
        Assert.Contains("parse error", r.Error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void RangeQueriesRejectRangeVectorsAndBadSteps()
    {
        var r = Engine.Range(Counters(), "req_total[5m]", 0, 60_000, 15_000, TestContext.Current.CancellationToken);
        Assert.Equal(QueryErrorType.BadData, r.Error!.Type);
        Assert.Equal("invalid expression type \"range vector\" for range query, must be Scalar or instant Vector", r.Error.Message);

        r = Engine.Range(Counters(), "req_total", 0, 60_000, 0, TestContext.Current.CancellationToken);
        Assert.Equal(QueryErrorType.BadData, r.Error!.Type);

        r = Engine.Range(Counters(), "req_total", 60_000, 0, 1000, TestContext.Current.CancellationToken);
        Assert.Equal("end timestamp must not be before start time", r.Error!.Message);
    }

    [Fact]
    public void ManyToManyMatchingIsAnExecutionError()
    {
        var s = Counters()
            .Add(Labels.FromStrings("__name__", "info", "job", "a", "x", "1"), (0, 1))
            .Add(Labels.FromStrings("__name__", "info", "job", "a", "x", "2"), (0, 1));
        var r = Engine.Instant(s, "req_total * on(job) info", 0, TestContext.Current.CancellationToken);
        Assert.Equal(QueryErrorType.Execution, r.Error!.Type);
        Assert.StartsWith("found duplicate series for the match group {job=\"a\"} on the right hand-side of the operation", r.Error.Message, StringComparison.Ordinal);
        Assert.EndsWith("many-to-many matching not allowed: matching labels must be unique on one side", r.Error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void DuplicateLabelsetsAfterNameRemovalAreAnExecutionError()
    {
        var s = new MemStorage()
            .Add(Labels.FromStrings("__name__", "a", "job", "x"), (0, 1))
            .Add(Labels.FromStrings("__name__", "b", "job", "x"), (0, 2));
        var r = Engine.Instant(s, "abs({job=\"x\"})", 0, TestContext.Current.CancellationToken);
        Assert.Equal(QueryErrorType.Execution, r.Error!.Type);
        Assert.Equal("vector cannot contain metrics with the same labelset", r.Error.Message);

        // Without a function the names stay and the series differ.
        Assert.Null(Engine.Instant(s, "{job=\"x\"}", 0, TestContext.Current.CancellationToken).Error);
    }

    /// <summary>The data of Prometheus's TestQueryStatistics: samples every 10 s from 0 to 1000 s, values 1, 2, ...</summary>
    private static MemStorage StatsData()
    {
        var s = new MemStorage();
        var samples = Enumerable.Range(0, 101).Select(i => (i * 10_000L, (double)(i + 1))).ToArray();
        s.Add(Labels.FromStrings("__name__", "metricWith1SampleEvery10Seconds"), samples);
        s.Add(Labels.FromStrings("__name__", "metricWith3SampleEvery10Seconds", "a", "1", "b", "1"), samples);
        s.Add(Labels.FromStrings("__name__", "metricWith3SampleEvery10Seconds", "a", "2", "b", "2"), samples);
        s.Add(Labels.FromStrings("__name__", "metricWith3SampleEvery10Seconds", "a", "3", "b", "2"), samples);
        return s;
    }

    /// <summary>
    /// Sample counts as Prometheus reports them (the expected figures are those of Prometheus's own statistics test
    /// for the same data): query, start s, end s (equal: instant), step s, totalQueryableSamples, peakSamples, and the
    /// per-step totals ("" when not checked).
    /// </summary>
    [Theory]
    [InlineData("1", 21, 21, 0, 0, 1, "0")]
    [InlineData("metricWith1SampleEvery10Seconds", 21, 21, 0, 1, 1, "1")]
    [InlineData("metricWith1SampleEvery10Seconds offset 10s", 21, 21, 0, 1, 1, "1")]
    [InlineData("metricWith3SampleEvery10Seconds", 21, 21, 0, 3, 3, "3")]
    [InlineData("metricWith1SampleEvery10Seconds[60s]", 201, 201, 0, 6, 6, "6")]
    [InlineData("metricWith1SampleEvery10Seconds[60s] offset 10s", 201, 201, 0, 6, 6, "6")]
    [InlineData("metricWith3SampleEvery10Seconds[60s]", 201, 201, 0, 18, 18, "18")]
    [InlineData("max_over_time(metricWith1SampleEvery10Seconds[60s])", 201, 201, 0, 6, 7, "6")]
    [InlineData("absent_over_time(metricWith1SampleEvery10Seconds[60s])", 201, 201, 0, 6, 7, "6")]
    [InlineData("max_over_time(metricWith3SampleEvery10Seconds[60s])", 201, 201, 0, 18, 9, "18")]
    [InlineData("max_over_time(metricWith1SampleEvery10Seconds[60s])[20s:5s]", 201, 201, 0, 24, 10, "24")]
    [InlineData("max_over_time(metricWith1SampleEvery10Seconds[61s])[20s:5s]", 201, 201, 0, 26, 11, "26")]
    [InlineData("metricWith1SampleEvery10Seconds[60s:5s]", 201, 201, 0, 12, 12, "12")]
    [InlineData("metricWith1SampleEvery10Seconds[60s:5s] offset 10s", 201, 201, 0, 12, 12, "12")]
    [InlineData("max_over_time(metricWith3SampleEvery10Seconds[60s:5s])", 201, 201, 0, 36, 51, "36")]
    [InlineData("sum(max_over_time(metricWith3SampleEvery10Seconds[60s:5s])) + sum(max_over_time(metricWith3SampleEvery10Seconds[60s:5s]))", 201, 201, 0, 72, 52, "72")]
    [InlineData("max_over_time(metricWith1SampleEvery10Seconds[20s:10s])", 201, 201, 0, 2, 5, "2")]
    [InlineData("sum_over_time(metricWith1SampleEvery10Seconds[30s:30s])", 90, 90, 0, 1, 3, "1")]
    [InlineData("max_over_time(metricWith1SampleEvery10Seconds[30s:2m])", 240, 240, 0, 1, 3, "1")]
    [InlineData("metricWith3SampleEvery10Seconds{a=\"1\"}", 201, 220, 5, 4, 4, "1,1,1,1")]
    [InlineData("metricWith3SampleEvery10Seconds{a=\"1\"}", 204, 223, 5, 4, 4, "1,1,1,1")]
    [InlineData("metricWith3SampleEvery10Seconds{a=\"1\"} offset 10s", 201, 220, 5, 4, 4, "1,1,1,1")]
    [InlineData("max_over_time(metricWith3SampleEvery10Seconds{a=\"1\"}[10s])", 991, 1021, 10, 2, 2, "1,1,0,0")]
    [InlineData("metricWith3SampleEvery10Seconds", 201, 220, 5, 12, 12, "3,3,3,3")]
    [InlineData("max_over_time(metricWith3SampleEvery10Seconds[60s])", 201, 220, 5, 72, 18, "18,18,18,18")]
    [InlineData("max_over_time(metricWith3SampleEvery10Seconds[60s:5s])", 201, 216, 5, 144, 69, "36,36,36,36")]
    [InlineData("max_over_time(metricWith3SampleEvery10Seconds[60s:5s])", 201, 220, 5, 144, 69, "36,36,36,36")]
    [InlineData("max_over_time(metricWith1SampleEvery10Seconds[60s:5s])", 201, 220, 5, 48, 31, "12,12,12,12")]
    [InlineData("sum by (b) (max_over_time(metricWith1SampleEvery10Seconds[60s:5s]))", 201, 220, 5, 48, 31, "12,12,12,12")]
    [InlineData("sum(max_over_time(metricWith3SampleEvery10Seconds[60s:5s])) + sum(max_over_time(metricWith3SampleEvery10Seconds[60s:5s]))", 201, 220, 5, 288, 73, "")]
    [InlineData("sum(max_over_time(metricWith3SampleEvery10Seconds[60s:5s])) + sum(max_over_time(metricWith1SampleEvery10Seconds[60s:5s]))", 201, 220, 5, 192, 69, "")]
    [InlineData("max_over_time(metricWith1SampleEvery10Seconds[30s:10s])", 201, 231, 30, 6, 11, "")]
    public void SampleStatisticsAreCountedAsPrometheusCountsThem(string query, long start, long end, long step, long total, long peak, string perStep)
    {
        var data = StatsData();
        var r = step == 0
            ? Engine.Instant(data, query, start * 1000, perStepStats: true, ct: TestContext.Current.CancellationToken) : Engine.Range(data, query, start * 1000, end * 1000, step * 1000, perStepStats: true, ct: TestContext.Current.CancellationToken);
        Assert.Null(r.Error);
        Assert.Equal(total, r.Stats!.TotalQueryableSamples);
        Assert.Equal(peak, r.Stats.PeakSamples);
        if (perStep.Length > 0)
        {
            Assert.Equal(perStep, string.Join(",", r.Stats.TotalQueryableSamplesPerStep!));
        }
    }

    [Fact]
    public void TooManySamplesIsAnExecutionError()
    {
        var engine = new QueryEngine(new EngineOptions { MaxSamples = 3 });
        var r = engine.Range(Counters(), "req_total", 0, 180_000, 10_000, TestContext.Current.CancellationToken);
        Assert.Equal(QueryErrorType.Execution, r.Error!.Type);
        Assert.Equal("query processing would load too many samples into memory in query execution", r.Error.Message);
    }

    [Fact]
    public void CancellationAndTimeoutHaveTheirTypes()
    {
        using var cts = new CancellationTokenSource();
        cts.Cancel();
        var r = Engine.Instant(Counters(), "req_total", 0, cts.Token);
        Assert.Equal(QueryErrorType.Canceled, r.Error!.Type);
        Assert.Equal("query was canceled in expression evaluation", r.Error.Message);

        // The engine's clock moves past the deadline while storage selects: the query times out, nothing sleeps.
        var clock = new FakeTimeProvider();
        var slow = new MemStorage { OnSelect = () => clock.Advance(TimeSpan.FromSeconds(2)) }
            .Add(Labels.FromStrings("__name__", "m"), (0, 1));
        var engine = new QueryEngine(new EngineOptions { Timeout = TimeSpan.FromSeconds(1) }, clock);
        r = engine.Range(slow, "m + m + m", 0, 600_000, 1000, TestContext.Current.CancellationToken);
        Assert.Equal(QueryErrorType.Timeout, r.Error!.Type);
        Assert.Equal("query timed out in expression evaluation", r.Error.Message);

        // Just under the limit on that clock, the same query answers.
        var quick = new MemStorage { OnSelect = () => clock.Advance(TimeSpan.FromMilliseconds(300)) }
            .Add(Labels.FromStrings("__name__", "m"), (0, 1));
        Assert.Null(engine.Range(quick, "m + m + m", 0, 600_000, 1000, TestContext.Current.CancellationToken).Error);
    }

    [Fact]
    public void StatsTimingsAreReadOnTheEnginesClock()
    {
        // Selecting is query preparation; nothing else moves the fake clock, so every other timing is zero.
        var clock = new FakeTimeProvider();
        var s = new MemStorage { OnSelect = () => clock.Advance(TimeSpan.FromSeconds(3)) }
            .Add(Labels.FromStrings("__name__", "m"), (0, 1));
        var r = new QueryEngine(null, clock).Instant(s, "m", 0, TestContext.Current.CancellationToken);
        Assert.Null(r.Error);
        Assert.Equal(TimeSpan.FromSeconds(3), r.Stats!.QueryPreparationTime);
        Assert.Equal(TimeSpan.FromSeconds(3), r.Stats.EvalTotalTime);
        Assert.Equal(TimeSpan.Zero, r.Stats.InnerEvalTime);
        Assert.Equal(TimeSpan.Zero, r.Stats.ResultSortTime);
    }

    [Fact]
    public void AnnotationsCarryPositionsAndRenderLikeTheApi()
    {
        var s = new MemStorage().Add(Labels.FromStrings("__name__", "gauge"), (0, 1), (60_000, 2));
        const string query = "sum(rate(gauge[5m]))";
        var r = Engine.Instant(s, query, 60_000, TestContext.Current.CancellationToken);
        var info = Assert.Single(r.Infos);
        Assert.Equal("PromQL info: metric might not be a counter, name does not end in _total/_sum/_count/_bucket: \"gauge\" (1:10)", info.Render(query));
        Assert.Empty(r.Warnings);

        r = Engine.Instant(s, "quantile(2, gauge)", 60_000, TestContext.Current.CancellationToken);
        Assert.Equal("PromQL warning: quantile value should be between 0 and 1, got 2 (1:10)", Assert.Single(r.Warnings).Render("quantile(2, gauge)"));
    }

    [Fact]
    public void EachSelectorIsLoadedOncePerQuery()
    {
        var s = Counters();
        var r = Engine.Range(s, "sum_over_time(req_total[1m:10s]) + rate(req_total[2m])", 0, 180_000, 15_000, TestContext.Current.CancellationToken);
        Assert.Null(r.Error);
        Assert.Equal(2, s.QuerierCalls);
    }

    [Fact]
    public void SubqueryStepsAreAlignedToAbsoluteMultiplesOfTheStep()
    {
        var s = new MemStorage().Add(Labels.FromStrings("__name__", "m"), (0, 0), (10_000, 1), (20_000, 2), (30_000, 3), (40_000, 4), (50_000, 5));
        // At t=55s, [30s:20s] evaluates m at 40s only (the aligned steps in (25s, 55s] are 40s).
        var r = Engine.Instant(s, "count_over_time(m[30s:20s])", 55_000, TestContext.Current.CancellationToken);
        Assert.Equal(1, Assert.Single(r.Vector).F);
        r = Engine.Instant(s, "last_over_time(m[30s:20s])", 55_000, TestContext.Current.CancellationToken);
        Assert.Equal(4, Assert.Single(r.Vector).F);
    }
}

public class ApiFormatTests
{
    [Theory]
    [InlineData(1.0, "1")]
    [InlineData(0.1, "0.1")]
    [InlineData(-2.5, "-2.5")]
    [InlineData(0.0, "0")]
    [InlineData(1e-7, "1e-07")]
    [InlineData(1.5e-7, "1.5e-07")]
    [InlineData(1e-6, "0.000001")]
    [InlineData(1e20, "100000000000000000000")]
    [InlineData(1e21, "1e+21")]
    [InlineData(-1.25e300, "-1.25e+300")]
    [InlineData(double.PositiveInfinity, "+Inf")]
    [InlineData(double.NegativeInfinity, "-Inf")]
    [InlineData(double.NaN, "NaN")]
    public void ValuesPrintAsPrometheus(double v, string expected) => Assert.Equal(expected, ApiFormat.Value(v));
}
