using Ariane.Model;
using Ariane.PromQL.Engine;

namespace Ariane.Tests.PromQL;

/// <summary>
/// Start timestamps in the evaluator: start-time resets in rate, increase, irate and resets; the zero assumed at the
/// first sample's start time instead of extrapolating left; the overlap warning; start_timestamp(); and where they
/// are not used (subqueries, anchored and smoothed windows, delta). Expected figures are worked by hand from the rules.
/// </summary>
public sealed class StartTimestampTests
{
    private const long M = 60_000;
    private static readonly QueryEngine Fast = new();
    private static readonly QueryEngine General = new(new EngineOptions { FastPaths = false });
    private static readonly Labels X = Labels.FromStrings("__name__", "x_total");

    /// <summary>The engines to check: the dedicated (streaming) path and the general window-by-window one.</summary>
    public static TheoryData<bool> Paths() => new() { true, false };

    private static QueryEngine Engine(bool fast) => fast ? Fast : General;

    private static double Single(QueryResult r)
    {
        Assert.Null(r.Error);
        return Assert.Single(r.Vector).F;
    }

    // Two samples of the same value at 1m and 2m: any reset seen is a start-time reset.
    [Theory]
    [InlineData(0, 0, false)]               // no start time
    [InlineData(0, 2 * M, false)]           // ST = T: OTel's unknown start
    [InlineData(0, 2 * M + 1, false)]       // ST after T: invalid
    [InlineData(0, M - 1, false)]           // before the previous sample: overlaps, no reset
    [InlineData(0, M + 1, true)]            // after the previous sample: started again
    [InlineData(0, M, false)]               // at the previous sample, which had no start time: cumulative, unknown start
    [InlineData(M, M, false)]               // ... whose start time was its own time: the same
    [InlineData(M + 30_000, M, false)]      // ... whose start time was invalid (after it): the same
    [InlineData(30_000, M, true)]           // ... whose start time was sensible: a delta sample
    public void StartTimeResets(long prevSt, long currSt, bool reset)
    {
        var s = new MemStorage().AddWithSt(X, (M, 5, prevSt), (2 * M, 5, currSt));
        foreach (bool fast in new[] { true, false })
        {
            var e = Engine(fast);
            Assert.Equal(reset ? 1 : 0, Single(e.Instant(s, "resets(x_total[2m])", 2 * M, TestContext.Current.CancellationToken)));
            Assert.Equal(reset ? 5 / 60.0 : 0, Single(e.Instant(s, "irate(x_total[2m])", 2 * M, TestContext.Current.CancellationToken)), 12);
            // Window (50s, 150s]: the reset adds 5; 10 s extrapolated left (less than the 60 s to zero), 30 s right.
            var r = e.Instant(s, "increase(x_total[100s])", 150_000, TestContext.Current.CancellationToken);
            Assert.Equal(reset ? 5 * 100 / 60.0 : 0, Single(r), 12);
            // A start time before the previous sample, other than the previous one's own, overlaps it.
            Assert.Equal(currSt != 0 && currSt < M && currSt != prevSt ? 1 : 0, r.Warnings.Count);
        }
    }

    [Theory]
    [MemberData(nameof(Paths))]
    public void ResetsFromStartTimesAndValuesAddUp(bool fast)
    {
        // start_timestamps.test's "st_resets" series: 0+60x14 from 2m, start times 1m30s ×3, 4m ×3, 7m0.001s ×3, ...
        var s = new MemStorage().AddWithSt(X, StResetsSamples());
        var r = Engine(fast).Range(s, "increase(x_total[5m])", 7 * M, 15 * M, M, TestContext.Current.CancellationToken);
        Assert.Null(r.Error);
        Assert.Equal([420, 780, 675, 675, 1275, 1080, 900, 1725, 1440], Assert.Single(r.Matrix).Points.Select(p => Math.Round(p.F, 9)));
        r = Engine(fast).Range(s, "rate(x_total[5m])", 7 * M, 15 * M, M, TestContext.Current.CancellationToken);
        Assert.Equal([1.4, 2.6, 2.25, 2.25, 4.25, 3.6, 3, 5.75, 4.8], Assert.Single(r.Matrix).Points.Select(p => Math.Round(p.F, 9)));
        r = Engine(fast).Range(s, "irate(x_total[5m])", 7 * M, 15 * M, M, TestContext.Current.CancellationToken);
        Assert.Equal([1, 6, 1, 1, 9, 1, 1, 12, 1], Assert.Single(r.Matrix).Points.Select(p => Math.Round(p.F, 9)));
        r = Engine(fast).Range(s, "resets(x_total[5m])", 7 * M, 15 * M, M, TestContext.Current.CancellationToken);
        Assert.Equal([1, 2, 1, 1, 2, 1, 1, 2, 1], Assert.Single(r.Matrix).Points.Select(p => p.F));
    }

    private static (long, double, long)[] StResetsSamples()
    {
        long[] offsets = [-30_000, -60_000, -59_999, -1_000, -1];
        var samples = new (long, double, long)[15];
        for (int i = 0; i < 15; i++)
        {
            long t = (i + 2) * M;
            samples[i] = (t, 60 * i, t + offsets[i / 3] - i % 3 * M);
        }
        return samples;
    }

    [Fact]
    public void SubqueriesAnchoredSmoothedAndDeltaIgnoreStartTimes()
    {
        var withSt = new MemStorage().AddWithSt(X, StResetsSamples());
        var without = new MemStorage().Add(X, StResetsSamples().Select(p => (p.Item1, p.Item2)).ToArray());
        foreach (var q in new[] { "increase(x_total[5m:1m])", "increase(x_total[5m] anchored)", "rate(x_total[5m] smoothed)", "delta(x_total[5m])",
            "idelta(x_total[5m])", "changes(x_total[5m])", "resets(x_total[5m:1m])", "irate(x_total[5m:1m])" })
        {
            foreach (bool fast in new[] { true, false })
            {
                var a = Engine(fast).Range(withSt, q, 7 * M, 15 * M, M, TestContext.Current.CancellationToken);
                var b = Engine(fast).Range(without, q, 7 * M, 15 * M, M, TestContext.Current.CancellationToken);
                Assert.Null(a.Error);
                Assert.Equal(b.Matrix.Single().Points, a.Matrix.Single().Points);
            }
        }
        // And the subquery's answer is the one without start times: 300 a window.
        Assert.All(Fast.Range(withSt, "increase(x_total[5m:1m])", 7 * M, 15 * M, M, TestContext.Current.CancellationToken).Matrix.Single().Points, p => Assert.Equal(300, p.F, 9));
    }

    [Theory]
    [MemberData(nameof(Paths))]
    public void FirstStartTimeInsideTheRangeReplacesLeftExtrapolation(bool fast)
    {
        var e = Engine(fast);
        // 1 2 3 4 at 2m..5m, all started at 1m30s; at 6m over 5m: 4 - 1 + 1 = 4 over 3m30s, and 60 s to the right
        // (under 1.1 × the 60 s spacing): 4 × 270 / 210.
        var s = new MemStorage().AddWithSt(X, (2 * M, 1, 90_000), (3 * M, 2, 90_000), (4 * M, 3, 90_000), (5 * M, 4, 90_000));
        Assert.Equal(5.142857142857143, Single(e.Instant(s, "increase(x_total[5m])", 6 * M, TestContext.Current.CancellationToken)), 12);
        Assert.Equal(5.142857142857143 / 300, Single(e.Instant(s, "rate(x_total[5m])", 6 * M, TestContext.Current.CancellationToken)), 14);

        // One sample whose start time is in the range: 3 from 0 at 1m30s; nothing to extrapolate by to the right.
        s = new MemStorage().AddWithSt(X, (4 * M, 3, 90_000));
        Assert.Equal(3, Single(e.Instant(s, "increase(x_total[5m])", 6 * M, TestContext.Current.CancellationToken)), 12);
        // ... on the range's start, at the sample or after it, or none: one sample gives nothing, as without.
        foreach (long st in new[] { M, 4 * M, 4 * M + 1, 0 })
        {
            s = new MemStorage().AddWithSt(X, (4 * M, 3, st));
            var r = e.Instant(s, "increase(x_total[5m])", 6 * M, TestContext.Current.CancellationToken);
            Assert.Null(r.Error);
            Assert.Empty(r.Vector);
        }

        // Two samples 2 and 3 at 3m and 4m started at 1m30s (the range starts at 1m): 3 over 2m30s, 2 min to the right
        // is more than 1.1 × 60 s, so 30 s: 3 × 180 / 150.
        s = new MemStorage().AddWithSt(X, (3 * M, 2, 90_000), (4 * M, 3, 90_000));
        Assert.Equal(3.6, Single(e.Instant(s, "increase(x_total[5m])", 6 * M, TestContext.Current.CancellationToken)), 12);

        // Resets before the first sample and between: 5 (from 1m), 5 (started again at 2m59s), 2 (a drop): 16.
        s = new MemStorage().AddWithSt(X, (2 * M, 5, M), (3 * M, 5, 3 * M - 1000), (4 * M, 2, 0));
        Assert.Equal(16, Single(e.Instant(s, "increase(x_total[5m])", 5 * M, TestContext.Current.CancellationToken)), 12);
    }

    [Theory]
    [MemberData(nameof(Paths))]
    public void OverlappingStartTimesWarnOncePerMetric(bool fast)
    {
        var e = Engine(fast);
        var s = new MemStorage()
            .AddWithSt(Labels.FromStrings("__name__", "counter_total", "type", "delta"), (2 * M, 60, M), (3 * M, 60, 2 * M), (4 * M, 60, 3 * M))
            .AddWithSt(Labels.FromStrings("__name__", "counter_total", "type", "cumulative"), (2 * M, 60, 90_000), (3 * M, 120, 90_000), (4 * M, 180, 90_000))
            .Add(Labels.FromStrings("__name__", "counter_total", "type", "no_st"), (2 * M, 60), (3 * M, 120), (4 * M, 180))
            .AddWithSt(Labels.FromStrings("__name__", "counter_total", "type", "overlap"), (2 * M, 60, 0), (3 * M, 120, M), (4 * M, 180, 2 * M))
            .AddWithSt(Labels.FromStrings("__name__", "other_total", "type", "overlap"), (2 * M, 60, 0), (3 * M, 120, M), (4 * M, 180, 2 * M));

        const string clean = "rate(counter_total{type!=\"overlap\"}[3m])";
        var r = e.Instant(s, clean, 4 * M, TestContext.Current.CancellationToken);
        Assert.Equal([1, 1, 1], r.Vector.Select(v => Math.Round(v.F, 12)));
        Assert.Empty(r.Warnings);
        Assert.Empty(r.Infos);

        const string q = "rate(counter_total[3m])";
        r = e.Instant(s, q, 4 * M, TestContext.Current.CancellationToken);
        Assert.Equal(4, r.Vector.Count);
        var w = Assert.Single(r.Warnings);
        Assert.Equal("PromQL warning: sample has start time that overlaps with previous sample timestamp for metric \"counter_total\" (1:6)", w.Render(q));

        // One per metric name, in the order of the series; also under an aggregation.
        const string both = "sum(increase({type=\"overlap\"}[3m]))";
        r = e.Instant(s, both, 4 * M, TestContext.Current.CancellationToken);
        Assert.Equal(["counter_total", "other_total"], r.Warnings.Select(a => a.Message[(a.Message.IndexOf('"') + 1)..^1]));
        Assert.Equal("PromQL warning: sample has start time that overlaps with previous sample timestamp for metric \"counter_total\" (1:14)", r.Warnings[0].Render(both));

        // Only the counter functions warn; a window without the overlapping pair does not.
        foreach (var other in new[] { "irate(counter_total[3m])", "resets(counter_total[3m])", "delta(counter_total[3m])", "rate(counter_total[3m:1m])" })
        {
            Assert.Empty(e.Instant(s, other, 4 * M, TestContext.Current.CancellationToken).Warnings);
        }
        Assert.Empty(e.Instant(s, "rate(counter_total[90s])", 2 * M + 30_000, TestContext.Current.CancellationToken).Warnings);
        Assert.Empty(e.Range(s, "rate(counter_total[30s])", 2 * M, 4 * M, M, TestContext.Current.CancellationToken).Warnings);
    }

    [Theory]
    [MemberData(nameof(Paths))]
    public void StartTimestampFunction(bool fast)
    {
        var s = new MemStorage()
            .AddWithSt(Labels.FromStrings("__name__", "series", "case", "a"), (10_000, 10, 10_001), (20_000, 20, 0), (30_000, 30, 30_000), (40_000, 40, 39_999),
                (50_000, SampleValue.StaleNaN, 0))
            .AddWithSt(Labels.FromStrings("__name__", "series", "case", "b"), (40_000, 40, 37_000), (70_000, 70, 30_000));
        var r = Engine(fast).Range(s, "start_timestamp(series)", 0, 110_000, 5_000, TestContext.Current.CancellationToken);
        Assert.Null(r.Error);
        Assert.Equal(2, r.Matrix.Count);
        Assert.All(r.Matrix, m => Assert.False(m.Metric.Has("__name__")));
        Assert.Equal([10.001, 10.001, 0, 0, 30, 30, 39.999, 39.999], r.Matrix[0].Points.Select(p => p.F));
        Assert.Equal(10_000, r.Matrix[0].Points[0].T);
        Assert.Equal([37, 37, 37, 37, 37, 37, 30, 30, 30, 30, 30, 30, 30, 30, 30], r.Matrix[1].Points.Select(p => p.F));

        // An expression has lost its start times.
        r = Engine(fast).Range(s, "start_timestamp(series * 1)", 10_000, 50_000, 10_000, TestContext.Current.CancellationToken);
        Assert.Null(r.Error);
        Assert.Empty(r.Matrix);
        // The sample is picked as for the selector alone, offset included.
        Assert.Equal(30, Single(Engine(fast).Instant(s, "start_timestamp(series{case=\"b\"} offset 10s)", 80_000, TestContext.Current.CancellationToken)));
    }

    /// <summary>
    /// Start times that appear only after many samples (past the first bulk reads), in a series read after one whose
    /// samples all have start times: the points before them have none, not the previous series' start times.
    /// </summary>
    [Theory]
    [MemberData(nameof(Paths))]
    public void StartTimesFirstSeenLateInALongSeries(bool fast)
    {
        const int count = 3000;
        var all = new (long, double, long)[count];
        var late = new (long, double, long)[count];
        for (int i = 0; i < count; i++)
        {
            long t = (i + 1) * 15_000L;
            all[i] = (t, i, t - 1);
            late[i] = (t, i, i == 2600 ? t - 1 : 0);
        }
        var s = new MemStorage()
            .AddWithSt(Labels.FromStrings("__name__", "x_total", "st", "all"), all)
            .AddWithSt(Labels.FromStrings("__name__", "x_total", "st", "late"), late);
        long end = count * 15_000L;
        var r = Engine(fast).Instant(s, "resets(x_total[1d])", end, TestContext.Current.CancellationToken);
        Assert.Equal([count - 1, 1], r.Vector.Select(v => v.F));
        r = Engine(fast).Instant(s, "increase(x_total[1d])", end, TestContext.Current.CancellationToken);
        Assert.Null(r.Error);
        // "all": every sample restarted from 0 (the first's start time is inside the range): the sum of the values.
        Assert.Equal((count - 1) * count / 2.0, r.Vector[0].F, 6);
        r = Engine(fast).Range(s, "start_timestamp(x_total{st=\"late\"})", end - 600 * 15_000L, end, 15_000, TestContext.Current.CancellationToken);
        Assert.Equal(Enumerable.Range(2399, 601).Select(i => i == 2600 ? (i + 1) * 15 - 0.001 : 0), r.Matrix.Single().Points.Select(p => p.F));
    }

    /// <summary>
    /// Enough series for the streaming path to run rounds on several threads, with start times of every kind, against
    /// the general path: the same answers bit for bit, and the same warnings in the same order.
    /// </summary>
    [Fact]
    public void ParallelStreamingAnswersAsTheGeneralPath()
    {
        var rng = new Random(11);
        var s = new MemStorage();
        for (int i = 0; i < 200; i++)
        {
            var samples = new List<(long, double, long)>();
            double v = 0;
            long st = 0;
            for (long t = 15_000 + i * 100; t < 60 * M; t += 15_000)
            {
                if (rng.Next(20) == 0)
                {
                    continue;
                }
                int kind = (i + (int)(t / (7 * M))) % 6;
                switch (kind)
                {
                    case 0:
                        st = 0; // none
                        v += rng.Next(10);
                        break;
                    case 1:
                        v = rng.Next(5); // a delta series: each sample started at the previous one
                        st = samples.Count > 0 ? samples[^1].Item1 : t - 15_000;
                        break;
                    case 2:
                        if (rng.Next(30) == 0)
                        {
                            st = t - rng.Next(1, 15_000); // a cumulative series restarted
                            v = rng.Next(10);
                        }
                        else
                        {
                            v += rng.Next(10);
                        }
                        break;
                    case 3:
                        st = t - rng.Next(0, 200_000); // anything, overlaps included
                        v += rng.Next(-2, 10);
                        break;
                    case 4:
                        st = t + rng.Next(0, 2); // ST = T or invalid
                        v += 1;
                        break;
                    default:
                        st = samples.Count > 0 ? samples[^1].Item1 : 0; // OTel's unknown start: ST of the previous T
                        v += 3;
                        break;
                }
                samples.Add((t, v, st));
            }
            s.AddWithSt(Labels.FromStrings("__name__", i % 3 == 0 ? "a_total" : "b_total", "id", i.ToString(System.Globalization.CultureInfo.InvariantCulture)), [.. samples]);
        }
        foreach (var q in new[] { "rate({__name__=~\".+\"}[5m])", "increase({__name__=~\".+\"}[3m])", "sum(rate({__name__=~\".+\"}[10m]))",
            "increase({__name__=~\".+\"}[40s])", "rate({__name__=~\".+\"}[1m] offset 3m)" })
        {
            var a = Fast.Range(s, q, 5 * M, 60 * M, 30_000, TestContext.Current.CancellationToken);
            var b = General.Range(s, q, 5 * M, 60 * M, 30_000, TestContext.Current.CancellationToken);
            Assert.Null(a.Error);
            Assert.Null(b.Error);
            Assert.Equal(b.Matrix.Count, a.Matrix.Count);
            for (int i = 0; i < a.Matrix.Count; i++)
            {
                Assert.Equal(b.Matrix[i].Metric, a.Matrix[i].Metric);
                Assert.Equal(b.Matrix[i].Points.Select(p => (p.T, BitConverter.DoubleToInt64Bits(p.F))), a.Matrix[i].Points.Select(p => (p.T, BitConverter.DoubleToInt64Bits(p.F))));
            }
            Assert.Equal(b.Warnings, a.Warnings);
            Assert.Equal(["a_total", "b_total"], a.Warnings.Select(w => w.Message[(w.Message.IndexOf('"') + 1)..^1]));
            Assert.Equal(b.Stats!.TotalQueryableSamples, a.Stats!.TotalQueryableSamples);
            Assert.Equal(b.Stats.PeakSamples, a.Stats.PeakSamples);
        }
    }
}
