using Ariane.PromQL.Ast;

namespace Ariane.PromQL.Engine;

// The experimental anchored and smoothed range-selector modifiers (extended_vectors.test).
internal sealed partial class Evaluator
{
    private Matrix EvalSmoothedVectorSelector(VectorSelector vs, in WindowGrid grid)
    {
        long lb = grid.Range;
        var g = grid;
        var loaded = Load(vs, g.Mint, g.LastRef + lb);
        var result = new Matrix(loaded.Count);
        foreach (var l in loaded)
        {
            var rs = l.NonStale;
            Series? outS = null;
            long room = _ctx.Room, iter = 0;
            for (long ts = _start; ts <= _end; ts += _interval)
            {
                if ((++iter & EvalContext.CheckEvery) == 0)
                {
                    _ctx.CheckDone();
                }
                long data = g.RefT(ts);
                // The samples in (data - lb, data + lb].
                int lo = LowerBound(rs, data - lb + 1);
                int hi = LowerBound(rs, data + lb + 1);
                if (hi <= lo)
                {
                    continue;
                }
                int i = LowerBound(rs, data);
                if (i < lo)
                {
                    i = lo;
                }
                double v;
                if (i < hi && rs.Points[i].T == data)
                {
                    v = rs.Points[i].F;
                }
                else if (i > lo && i < hi)
                {
                    v = Interpolate(rs.Points[i - 1], rs.Points[i], data, false);
                }
                else if (i > lo)
                {
                    v = rs.Points[i - 1].F;
                }
                else
                {
                    continue;
                }
                outS ??= new Series(l.Labels, false, StepCapacity);
                CheckRoom(outS.Points.Count, room);
                outS.Points.Add(new FloatPoint(ts, v));
            }
            if (outS is not null)
            {
                CountPoints(outS);
                result.Add(outS);
            }
        }
        _ctx.UpdatePeak();
        return result;
    }

    /// <summary>The index of the first sample at or after <paramref name="t"/>.</summary>
    private static int LowerBound(RangeSeries rs, long t)
    {
        int lo = 0, hi = rs.Count;
        while (lo < hi)
        {
            int mid = (lo + hi) >>> 1;
            if (rs.Points[mid].T < t)
            {
                lo = mid + 1;
            }
            else
            {
                hi = mid;
            }
        }
        return lo;
    }

    internal static double Interpolate(FloatPoint p1, FloatPoint p2, long t, bool isCounter)
    {
        double y1 = p1.F, y2 = p2.F;
        if (isCounter && y2 < y1)
        {
            y1 = 0;
        }
        return y1 + (y2 - y1) * (t - p1.T) / (p2.T - p1.T);
    }

    /// <summary>
    /// The samples an anchored or smoothed selector sees for a window ending at <paramref name="refT"/>: those in
    /// (refT - range - lookback, refT] (smoothed: up to refT + lookback).
    /// </summary>
    private ReadOnlySpan<FloatPoint> ExtendedSlice(RangeSeries rs, long refT, long range, bool smoothed)
    {
        long lb = _ctx.LookbackMs;
        int lo = LowerBound(rs, refT - range - lb + 1);
        int hi = LowerBound(rs, (smoothed ? refT + lb : refT) + 1);
        return hi <= lo ? [] : rs.Points.AsSpan(lo, hi - lo);
    }

    /// <summary>An anchored or smoothed window as a value: the boundary points (picked or interpolated) and the samples strictly inside.</summary>
    private FloatPoint[] ExtendWindow(RangeSeries rs, long refT, long range, bool smoothed, int lo, int hi)
    {
        _ = lo;
        _ = hi;
        var f = ExtendedSlice(rs, refT, range, smoothed);
        if (f.Length == 0)
        {
            return [];
        }
        long mint = refT - range, maxt = refT;
        int last = f.Length - 1;
        int first = Math.Max(0, SearchFirst(f, last, p => p.T > mint) - 1);
        if (smoothed)
        {
            last = SearchFirst(f, last, p => p.T >= maxt);
        }
        if (f[last].T <= mint)
        {
            return [];
        }
        double left = PickLeft(f, first, mint, smoothed, false);
        double right = PickRight(f, last, maxt, smoothed, false);
        if (f[first].T <= mint)
        {
            first++;
        }
        if (f[last].T >= maxt)
        {
            last--;
        }
        var outp = new List<FloatPoint>(Math.Max(0, last - first + 1) + 2) { new(mint, left) };
        for (int i = first; i <= last; i++)
        {
            outp.Add(f[i]);
        }
        outp.Add(new FloatPoint(maxt, right));
        return [.. outp];
    }

    /// <summary>The first index in [0, n) satisfying <paramref name="pred"/> (monotone), or n.</summary>
    private static int SearchFirst(ReadOnlySpan<FloatPoint> f, int n, Func<FloatPoint, bool> pred)
    {
        int lo = 0, hi = n;
        while (lo < hi)
        {
            int mid = (lo + hi) >>> 1;
            if (!pred(f[mid]))
            {
                lo = mid + 1;
            }
            else
            {
                hi = mid;
            }
        }
        return lo;
    }

    private static double PickLeft(ReadOnlySpan<FloatPoint> f, int first, long rangeStart, bool smoothed, bool isCounter) =>
        smoothed && f[first].T < rangeStart && first + 1 < f.Length ? Interpolate(f[first], f[first + 1], rangeStart, isCounter) : f[first].F;

    private static double PickRight(ReadOnlySpan<FloatPoint> f, int last, long rangeEnd, bool smoothed, bool isCounter) =>
        smoothed && last > 0 && f[last].T > rangeEnd ? Interpolate(f[last - 1], f[last], rangeEnd, isCounter) : f[last].F;

    /// <summary>rate/increase/delta over an anchored or smoothed window.</summary>
    private static bool ExtendedRate(ReadOnlySpan<FloatPoint> f, long rangeStart, long rangeEnd, long range, bool smoothed, bool isCounter, bool isRate, out double result)
    {
        result = 0;
        if (f.Length == 0)
        {
            return false;
        }
        int last = f.Length - 1;
        int first = Math.Max(0, SearchFirst(f, last, p => p.T > rangeStart) - 1);
        if (smoothed)
        {
            last = SearchFirst(f, last, p => p.T >= rangeEnd);
        }
        if (f[last].T <= rangeStart)
        {
            return false;
        }
        if (smoothed && f[first].T > rangeEnd)
        {
            return false;
        }
        double left = PickLeft(f, first, rangeStart, smoothed, isCounter);
        double right = PickRight(f, last, rangeEnd, smoothed, isCounter);
        result = right - left;
        if (isCounter)
        {
            if (f[first].T <= rangeStart)
            {
                first++;
            }
            if (f[last].T >= rangeEnd)
            {
                last--;
            }
            double correction = 0, prev = left;
            for (int i = first; i <= last; i++)
            {
                if (f[i].F < prev)
                {
                    correction += prev;
                }
                prev = f[i].F;
            }
            if (right < prev)
            {
                correction += prev;
            }
            result += correction;
        }
        if (isRate)
        {
            result /= range / 1000.0;
        }
        return true;
    }
}
