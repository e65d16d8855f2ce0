using System.Diagnostics;
using Ariane.Model;
using Ariane.PromQL.Engine;
using Ariane.Tests.Support;

namespace Ariane.Tests.PromQL;

/// <summary>
/// The engine's bounds on one query: step grids counted in 64 bits and refused before they are allocated, memory of
/// intermediate results and created labels counted, the deadline checked inside long loops.
/// </summary>
public class QueryBoundsTests
{
    private const string TooMany = "query processing would load too many samples into memory in query execution";

    private static MemStorage Gauge() => new MemStorage()
        .Add(Labels.FromStrings("__name__", "m", "job", "a"), (0, 1), (60_000, 2), (120_000, 3));

    /// <summary>Runs an instant query on this thread and returns the result with the bytes it allocated and its time.</summary>
    private static (QueryResult R, long Bytes, TimeSpan Elapsed) Measure(QueryEngine engine, MemStorage s, string query, long t)
    {
        long before = GC.GetAllocatedBytesForCurrentThread();
        var sw = Stopwatch.StartNew();
        var r = engine.Instant(s, query, t);
        return (r, GC.GetAllocatedBytesForCurrentThread() - before, sw.Elapsed);
    }

    /// <summary>
    /// Subqueries whose step count passes 2^31 (or the sample limit) answer Prometheus's too-many-samples error at
    /// once, allocating almost nothing: before, <c>[30d:1ms]</c> failed with "Non-negative number required" and
    /// <c>[1y:1ms]</c> grew memory until the machine ran out.
    /// </summary>
    [Theory]
    [InlineData("count_over_time(m[30d:1ms])")]
    [InlineData("count_over_time(m[1y:1ms])")]
    [InlineData("count_over_time(vector(1)[1y:1ms])")]
    [InlineData("max_over_time(max_over_time(m[5m:1m])[1y:1ms])")]
    [InlineData("max_over_time(max_over_time(m[1y:1ms])[5m:1m])")]
    [InlineData("m[10y:1ms]")]
    [InlineData("rate(m[5m])[100y:1ms]")]
    public void SubqueryStepOverflowIsRefusedBeforeAllocating(string query)
    {
        var (r, bytes, elapsed) = Measure(new QueryEngine(), Gauge(), query, 180_000);
        Assert.NotNull(r.Error);
        Assert.Equal(QueryErrorType.Execution, r.Error.Type);
        Assert.Equal(TooMany, r.Error.Message);
        Assert.True(bytes < 16 << 20, $"{query}: allocated {bytes} bytes");
        Assert.True(elapsed < TimeSpan.FromSeconds(10), $"{query}: took {elapsed}");
    }

    /// <summary>A range query's step count in 64 bits too, refused before its per-step statistics are allocated.</summary>
    [Fact]
    public void RangeQueryStepOverflowIsRefusedBeforeAllocating()
    {
        long before = GC.GetAllocatedBytesForCurrentThread();
        var r = new QueryEngine().Range(Gauge(), "m", 0, 1L << 40, 1, perStepStats: true, ct: TestContext.Current.CancellationToken);
        Assert.Equal(TooMany, r.Error!.Message);
        Assert.True(GC.GetAllocatedBytesForCurrentThread() - before < 16 << 20);
    }

    /// <summary>
    /// A grid within the limit but larger than the dedicated paths take is evaluated by the general one, with series
    /// that grow as points arrive: the answers equal those of the same windows split into grids the fast path takes.
    /// </summary>
    [Fact]
    public void LargeSubqueryGridsGiveTheSameAnswersAsSmallOnes()
    {
        var s = new MemStorage();
        var pts = Enumerable.Range(0, 400).Select(i => (i * 50_000L, (double)(i * 3 % 17 + i))).ToArray();
        s.Add(Labels.FromStrings("__name__", "c_total", "job", "a"), pts);
        s.Add(Labels.FromStrings("__name__", "c_total", "job", "b"), pts.Select(p => (p.Item1 + 7_000, p.Item2 * 2)).ToArray());
        long t = 20_000_000;
        var engine = new QueryEngine();
        var whole = engine.Instant(s, "sum_over_time(rate(c_total[2m])[20000s:1s])", t, TestContext.Current.CancellationToken);
        var halves = engine.Instant(s, "sum_over_time(rate(c_total[2m])[10000s:1s] offset 10000s) + sum_over_time(rate(c_total[2m])[10000s:1s])", t, TestContext.Current.CancellationToken);
        Assert.Null(whole.Error);
        Assert.Null(halves.Error);
        Assert.Equal(2, whole.Vector.Count);
        foreach (var w in whole.Vector)
        {
            var h = halves.Vector.Single(v => v.Metric.Get("job") == w.Metric.Get("job"));
            Assert.Equal(h.F, w.F, 6);
        }
        var count = engine.Instant(s, "count_over_time(c_total{job=\"a\"}[20000s:1s])", t, TestContext.Current.CancellationToken);
        // Every second from 0 to the last sample (19,950 s) plus the 5-minute lookback after it, within the window.
        Assert.Equal(20_000, Assert.Single(count.Vector).F);
    }

    /// <summary>Points of one series over a long grid are counted as they are added, not once the series is done.</summary>
    [Fact]
    public void SeriesOverLongGridsStopAtTheLimit()
    {
        var engine = new QueryEngine(new EngineOptions { MaxSamples = 100_000 });
        var s = new MemStorage();
        s.Add(Labels.FromStrings("__name__", "m"), Enumerable.Range(0, 2000).Select(i => (i * 60_000L, 1.0)).ToArray());
        // 99,999 steps fit the grid check, but the selector's one series has a point at ~all of them, and the
        // subquery's output with the function's output would pass the limit.
        var (r, bytes, _) = Measure(engine, s, "max_over_time(m[99999s:1s])", 100_000_000);
        Assert.Equal(TooMany, r.Error!.Message);
        Assert.True(bytes < 64 << 20, $"allocated {bytes}");
        var ok = engine.Instant(s, "max_over_time(m[40000s:1s])", 100_000_000, TestContext.Current.CancellationToken);
        Assert.Null(ok.Error);
    }

    /// <summary>
    /// The deadline is checked inside the step loops: one series over a grid of 1.7×10^9 steps (within a sample limit
    /// raised to int.MaxValue, and with points at few of them) stops at the query's timeout. The engine's clock moves
    /// 1 ms at each reading, so the 1 s deadline passes after a thousand readings, which only the checks inside the
    /// loop make; the real time bounds the test should the loop not look.
    /// </summary>
    [Fact]
    public void LongStepLoopsStopAtTheDeadline()
    {
        var clock = new TickingClock(TimeSpan.FromMilliseconds(1));
        var engine = new QueryEngine(new EngineOptions { MaxSamples = int.MaxValue, Timeout = TimeSpan.FromSeconds(1) }, clock);
        var s = new MemStorage().Add(Labels.FromStrings("__name__", "m"), (0, 1));
        var sw = Stopwatch.StartNew();
        var r = engine.Instant(s, "count_over_time(m[20d:1ms])", 100_000_000, TestContext.Current.CancellationToken);
        sw.Stop();
        Assert.Equal(QueryErrorType.Timeout, r.Error!.Type);
        Assert.Equal("query timed out in expression evaluation", r.Error.Message);
        Assert.InRange(clock.Readings, 1000, 1010);
        Assert.True(sw.Elapsed < TimeSpan.FromSeconds(5), $"took {sw.Elapsed}");
    }

    /// <summary>
    /// label_replace whose template multiplies a value (here 5,000-fold) is refused when the new labels pass the
    /// query's label budget, before their memory is taken: before, each series' value was built whole, without limit.
    /// </summary>
    [Fact]
    public void LabelReplaceThatMultipliesValuesMeetsTheLabelBudget()
    {
        var s = new MemStorage();
        for (int i = 0; i < 200; i++)
        {
            s.Add(Labels.FromStrings("__name__", "m", "instance", $"host-{i:0000}.example.com:9100"), (0, 1));
        }
        var engine = new QueryEngine(new EngineOptions { MaxLabelBytes = 4 << 20 });
        string template = string.Concat(Enumerable.Repeat("$1", 5000));
        var (r, bytes, _) = Measure(engine, s, $"label_replace(m, \"x\", \"{template}\", \"instance\", \"(.*)\")", 1000);
        Assert.Equal(QueryErrorType.Execution, r.Error!.Type);
        Assert.Equal("query processing would create too many bytes of labels in memory in query execution", r.Error.Message);
        Assert.True(bytes < 32 << 20, $"allocated {bytes}");
        // label_join is counted the same way, and what fits answers.
        Assert.Null(engine.Instant(s, "label_replace(m, \"x\", \"$1$1\", \"instance\", \"(.*)\")", 1000, TestContext.Current.CancellationToken).Error);
        Assert.Null(engine.Instant(s, "label_join(m, \"x\", \"-\", \"instance\", \"instance\")", 1000, TestContext.Current.CancellationToken).Error);
    }

    /// <summary>count_values over values that change at every step creates a series per value: counted against the label budget.</summary>
    [Fact]
    public void CountValuesOverChangingValuesMeetsTheLabelBudget()
    {
        var s = new MemStorage();
        for (int i = 0; i < 100; i++)
        {
            s.Add(Labels.FromStrings("__name__", "m", "i", i.ToString(System.Globalization.CultureInfo.InvariantCulture)),
                Enumerable.Range(0, 300).Select(k => (k * 1000L, i * 1000.0 + k)).ToArray());
        }
        var engine = new QueryEngine(new EngineOptions { MaxLabelBytes = 1 << 20 });
        var r = engine.Range(s, "count_values(\"v\", m)", 0, 299_000, 1000, TestContext.Current.CancellationToken);
        Assert.Equal("query processing would create too many bytes of labels in memory in query execution", r.Error!.Message);
        // Stable values make few series, whatever the steps.
        r = engine.Range(s, "count_values(\"v\", m >= bool 0)", 0, 299_000, 1000, TestContext.Current.CancellationToken);
        Assert.Null(r.Error);
        Assert.Single(r.Matrix);
        Assert.Equal(100, r.Matrix[0].Points[^1].F);
    }
}
