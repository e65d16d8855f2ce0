using Ariane.PromQL.Engine;

namespace Ariane.Tests.PromQL;

/// <summary>
/// Table tests of <see cref="RateArithmetic"/>, the one implementation of rate/increase/delta that the
/// window-by-window and the streaming evaluation share. Times are milliseconds; the expected values are worked out by
/// hand from Prometheus's extrapolatedRate.
/// </summary>
public class RateArithmeticTests
{
    private const long Range = 60_000;

    private static FloatPoint[] Points(params (long T, double V)[] ps)
    {
        var r = new FloatPoint[ps.Length];
        for (int i = 0; i < ps.Length; i++)
        {
            r[i] = new FloatPoint(ps[i].T, ps[i].V);
        }
        return r;
    }

    private static double Rate(FloatPoint[] w, long start, long end, bool isCounter, bool isRate)
    {
        Assert.True(RateArithmetic.ExtrapolatedRate(w, start, end, end - start, isCounter, isRate, out double v));
        return v;
    }

    public static TheoryData<string, (long, double)[], long, long, double, double, double> Cases => new()
    {
        // name, samples, range start, range end, increase, rate, delta
        // Samples every 10s from 10s to 60s: 10s to extrapolate on the left (under 1.1 × the spacing), none on the right.
        { "to the edges", [(10_000, 1), (20_000, 2), (30_000, 3), (40_000, 4), (50_000, 5), (60_000, 6)], 0, 60_000, 6, 0.1, 6 },
        // A counter that starts at 5 and rises 10 per 10s would have been 0 at 5s: the left side stops there (55, not 60).
        { "zero clamp", [(10_000, 5), (20_000, 15), (30_000, 25), (40_000, 35), (50_000, 45), (60_000, 55)], 0, 60_000, 55, 55.0 / 60, 60 },
        // Gaps of 40s and 30s are more than 1.1 × the 10s spacing: half a spacing (5s) on each side, so ×30/20.
        { "far from the edges", [(50_000, 1), (60_000, 2), (70_000, 3)], 10_000, 100_000, 3, 3.0 / 90, 3 },
        // The drop from 3 to 1 is a counter reset: the increase adds the 3 before it (2 + 3, ×1.2); delta sees 3 - 1.
        { "counter reset", [(10_000, 1), (20_000, 2), (30_000, 3), (40_000, 1), (50_000, 2), (60_000, 3)], 0, 60_000, 6, 0.1, 2.4 },
        // A counter from 0 was zero at its first sample: nothing added on the left; delta stretches the 1ms gap.
        { "from zero", [(1, 0), (60_000, 10)], 0, 60_000, 10, 10.0 / 60, 10 * 60_000 / 59_999.0 },
    };

    [Theory]
    [MemberData(nameof(Cases))]
    public void MatchesPrometheus(string name, (long, double)[] samples, long start, long end, double increase, double rate, double delta)
    {
        var w = Points(samples);
        Assert.True(Math.Abs(increase - Rate(w, start, end, true, false)) < 1e-9, name + ": increase");
        Assert.True(Math.Abs(rate - Rate(w, start, end, true, true)) < 1e-9, name + ": rate");
        Assert.True(Math.Abs(delta - Rate(w, start, end, false, false)) < 1e-9, name + ": delta");
    }

    [Fact]
    public void FewerThanTwoSamplesHaveNoRate()
    {
        Assert.False(RateArithmetic.ExtrapolatedRate([], 0, Range, Range, true, true, out _));
        Assert.False(RateArithmetic.ExtrapolatedRate(Points((30_000, 5)), 0, Range, Range, true, true, out _));
        Assert.False(RateArithmetic.ExtrapolatedRate(Points((30_000, 5)), 0, Range, Range, false, false, out _));
        // Without a start time inside the range, one sample is not enough with start timestamps either.
        Assert.False(RateArithmetic.ExtrapolatedRateSt(Points((30_000, 5)), [0], 0, Range, Range, true, true, out _));
        Assert.False(RateArithmetic.ExtrapolatedRateSt(Points((30_000, 5)), [-5_000], 0, Range, Range, true, true, out _));
    }

    [Fact]
    public void SkippingTheResetScanChangesNothingWithoutResets()
    {
        var w = Points((10_000, 1), (20_000, 2), (30_000, 4), (40_000, 8));
        Assert.True(RateArithmetic.ExtrapolatedRate(w, 0, Range, Range, true, true, true, out double scanned));
        Assert.True(RateArithmetic.ExtrapolatedRate(w, 0, Range, Range, false, true, true, out double skipped));
        Assert.Equal(scanned, skipped);
    }

    [Fact]
    public void WithoutStartTimesTheStartTimePathIsThePlainOne()
    {
        var w = Points((10_000, 1), (20_000, 2), (30_000, 3), (40_000, 1), (50_000, 2), (60_000, 3));
        long[] none = new long[w.Length];
        foreach (bool isRate in new[] { false, true })
        {
            Assert.True(RateArithmetic.ExtrapolatedRate(w, 0, Range, Range, true, isRate, out double plain));
            Assert.True(RateArithmetic.ExtrapolatedRateSt(w, none, 0, Range, Range, true, isRate, out double st));
            Assert.Equal(plain, st);
        }
    }

    [Fact]
    public void AStartTimeInsideTheRangeIsAZeroThere()
    {
        // One sample of 6 at 30s that started at 20s: 6 over the 10s since, nothing extrapolated (no spacing known).
        Assert.True(RateArithmetic.ExtrapolatedRateSt(Points((30_000, 6)), [20_000], 0, Range, Range, true, false, out double inc));
        Assert.Equal(6, inc, 9);
        Assert.True(RateArithmetic.ExtrapolatedRateSt(Points((30_000, 6)), [20_000], 0, Range, Range, true, true, out double rate));
        Assert.Equal(0.1, rate, 9);
        // Two samples: 6 + 2 over 20s from the start time, the right side stretched by half the 10s spacing: ×25/20.
        Assert.True(RateArithmetic.ExtrapolatedRateSt(Points((30_000, 6), (40_000, 8)), [20_000, 20_000], 0, Range, Range, true, false, out double two));
        Assert.Equal(10, two, 9);
    }

    [Fact]
    public void AStartTimeResetCountsAsACounterReset()
    {
        // 5, 7, 9 where the third restarted at 25s: 4 + 7 = 11; the left side clamped where the counter was zero
        // (20s × 5/11), the right stretched 5s: 11 × (20 + 100/11 + 5) / 20 = 18.75.
        var w = Points((10_000, 5), (20_000, 7), (30_000, 9));
        Assert.True(RateArithmetic.ExtrapolatedRateSt(w, [0, 0, 25_000], 0, Range, Range, true, false, out double v));
        Assert.Equal(18.75, v, 9);
    }

    [Theory]
    [InlineData(20, 0, 30, 0, false)] // no start time
    [InlineData(20, 0, 30, 30, false)] // at the sample's own time: unknown
    [InlineData(20, 0, 30, 15, false)] // before the previous sample: an overlap, not a reset
    [InlineData(20, 0, 30, 25, true)] // between the two samples
    [InlineData(20, 0, 30, 20, false)] // at the previous sample, which had no start time: a cumulative series
    [InlineData(20, 10, 30, 20, true)] // at the previous sample, which had one: a delta sample
    public void StartTimeResets(long prevT, long prevSt, long currT, long currSt, bool reset)
    {
        Assert.Equal(reset, RateArithmetic.IsStartTimeReset(prevT, prevSt, currT, currSt));
    }

    [Theory]
    [InlineData(20, 10, 15, true)]
    [InlineData(20, 10, 10, false)] // the same start as the previous sample
    [InlineData(20, 0, 0, false)]
    [InlineData(20, 10, 25, false)]
    public void StartTimeOverlaps(long prevT, long prevSt, long currSt, bool overlap)
    {
        Assert.Equal(overlap, RateArithmetic.IsStartTimeOverlap(prevT, prevSt, currSt));
    }
}
