using System.Runtime.CompilerServices;

namespace Ariane.PromQL.Engine;

/// <summary>
/// The arithmetic of <c>rate</c>, <c>increase</c> and <c>delta</c> over one window of samples, as Prometheus's
/// <c>extrapolatedRate</c> does it: the change from the first sample to the last (plus the value before each counter
/// reset), stretched towards the window's edges by at most half the samples' average spacing, a counter never past
/// the point where it would have been zero; and the start-timestamp variant, where a sample's start time can say the
/// counter was reset or was zero inside the window. Pure functions of their arguments: the window-by-window path and
/// the streaming path (<c>Evaluator.Stream.cs</c>) both call these, so they cannot drift apart.
/// </summary>
internal static class RateArithmetic
{
    /// <summary>
    /// <c>rate</c> (<paramref name="isRate"/>), <c>increase</c> or, not <paramref name="isCounter"/>, <c>delta</c> of the
    /// window <paramref name="w"/> of the range (<paramref name="rangeStart"/>, <paramref name="rangeEnd"/>], milliseconds;
    /// false for fewer than two samples.
    /// </summary>
    public static bool ExtrapolatedRate(ReadOnlySpan<FloatPoint> w, long rangeStart, long rangeEnd, long range, bool isCounter, bool isRate, out double result) =>
        ExtrapolatedRate(w, rangeStart, rangeEnd, range, isCounter, isCounter, isRate, out result);

    /// <summary>
    /// Prometheus's extrapolated rate; <paramref name="scanResets"/> false skips the search for counter resets when the
    /// caller knows the window has none (the result is the same).
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static bool ExtrapolatedRate(ReadOnlySpan<FloatPoint> w, long rangeStart, long rangeEnd, long range, bool scanResets, bool isCounter, bool isRate, out double result)
    {
        result = 0;
        int n = w.Length;
        if (n < 2)
        {
            return false;
        }
        long firstT = w[0].T, lastT = w[n - 1].T;
        result = w[n - 1].F - w[0].F;
        if (scanResets)
        {
            for (int i = 1; i < n; i++)
            {
                if (w[i].F < w[i - 1].F)
                {
                    result += w[i - 1].F;
                }
            }
        }
        result = Extrapolate(result, w[0].F, firstT, lastT, n, rangeStart, rangeEnd, range, isCounter, isRate);
        return true;
    }

    /// <summary>
    /// The extrapolation of <see cref="ExtrapolatedRate(ReadOnlySpan{FloatPoint}, long, long, long, bool, bool, bool, out double)"/>:
    /// <paramref name="result"/>, the increase from the first sample to the last of <paramref name="n"/> (at least 2),
    /// stretched towards the range's ends.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static double Extrapolate(double result, double firstV, long firstT, long lastT, int n, long rangeStart, long rangeEnd, long range, bool isCounter, bool isRate)
    {
        double durationToStart = (firstT - rangeStart) / 1000.0;
        double durationToEnd = (rangeEnd - lastT) / 1000.0;
        double sampledInterval = (lastT - firstT) / 1000.0;
        double avg = sampledInterval / (n - 1);
        double threshold = avg * 1.1;
        if (durationToStart >= threshold)
        {
            durationToStart = avg / 2;
        }
        if (isCounter)
        {
            double durationToZero = durationToStart;
            if (result > 0 && firstV >= 0)
            {
                durationToZero = sampledInterval * (firstV / result);
            }
            if (durationToZero < durationToStart)
            {
                durationToStart = durationToZero;
            }
        }
        if (durationToEnd >= threshold)
        {
            durationToEnd = avg / 2;
        }
        double factor = 1.0;
        if (sampledInterval != 0)
        {
            factor = (sampledInterval + durationToStart + durationToEnd) / sampledInterval;
        }
        if (isRate)
        {
            factor /= range / 1000.0;
        }
        return result * factor;
    }

    /// <summary>
    /// <see cref="ExtrapolatedRate(ReadOnlySpan{FloatPoint}, long, long, long, bool, bool, bool, out double)"/> of a
    /// counter whose samples carry start timestamps <paramref name="sts"/> (0: none): a start-time reset counts as a
    /// counter reset, and when the first sample's start time lies inside the range (and before the sample), the
    /// counter is taken to have been 0 then instead of extrapolating to the left; that also gives a single sample a
    /// result. <paramref name="scanResets"/> false says the window has no reset of either kind. <paramref name="w"/> is not empty.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static bool ExtrapolatedRateSt(ReadOnlySpan<FloatPoint> w, ReadOnlySpan<long> sts, long rangeStart, long rangeEnd, long range, bool scanResets, bool isRate,
        out double result)
    {
        result = 0;
        int n = w.Length;
        long firstT = w[0].T, lastT = w[n - 1].T, firstSt = sts[0];
        bool fromStart = firstSt != 0 && firstSt > rangeStart && firstSt < firstT;
        if (n < 2 && !fromStart)
        {
            return false;
        }
        result = w[n - 1].F - w[0].F;
        if (scanResets)
        {
            for (int i = 1; i < n; i++)
            {
                if (w[i].F < w[i - 1].F || IsStartTimeReset(w[i - 1].T, sts[i - 1], w[i].T, sts[i]))
                {
                    result += w[i - 1].F;
                }
            }
        }
        if (!fromStart)
        {
            result = Extrapolate(result, w[0].F, firstT, lastT, n, rangeStart, rangeEnd, range, true, isRate);
            return true;
        }
        // A zero at the start time: the increase includes the first value, the interval starts there, and only the
        // right end is extrapolated, by the real samples' spacing (none for a single sample).
        result += w[0].F;
        double sampledInterval = (lastT - firstSt) / 1000.0;
        double avg = n > 1 ? (lastT - firstT) / 1000.0 / (n - 1) : 0;
        double durationToEnd = (rangeEnd - lastT) / 1000.0;
        if (durationToEnd >= avg * 1.1)
        {
            durationToEnd = avg / 2;
        }
        double factor = (sampledInterval + durationToEnd) / sampledInterval;
        if (isRate)
        {
            factor /= range / 1000.0;
        }
        result *= factor;
        return true;
    }

    /// <summary>
    /// Whether a sample with start time <paramref name="currSt"/> at <paramref name="currT"/> starts its counter again
    /// after the previous sample (<paramref name="prevT"/>, start time <paramref name="prevSt"/>); 0 is no start time.
    /// A start time at or after the sample's own time is unknown (OTel's "unknown start" is ST = T); one before the
    /// previous sample overlaps it, no reset. One equal to the previous sample's time is a reset (a delta sample)
    /// only when the previous sample had a sensible start time of its own; without one it is a cumulative series
    /// whose start was unknown.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static bool IsStartTimeReset(long prevT, long prevSt, long currT, long currSt)
    {
        if (currSt == 0 || currSt >= currT || currSt < prevT)
        {
            return false;
        }
        return currSt > prevT || (prevSt != 0 && prevSt < prevT);
    }

    /// <summary>Whether a sample's start time <paramref name="currSt"/> reaches back before the previous sample, other than by sharing its start.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static bool IsStartTimeOverlap(long prevT, long prevSt, long currSt) =>
        currSt != 0 && currSt < prevT && currSt != prevSt;
}
