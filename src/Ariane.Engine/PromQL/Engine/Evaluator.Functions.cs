using System.Text;
using System.Text.RegularExpressions;
using Ariane.Model;
using Ariane.PromQL.Ast;

namespace Ariane.PromQL.Engine;

// Function calls: functions over instant vectors run per step through RangeEval; functions over range vectors
// (matrix selectors and subqueries) walk each series' windows with moving indexes.
internal sealed partial class Evaluator
{
    private Matrix EvalCall(Call c)
    {
        string name = c.Func.Name;
        var args = new Expr[c.Args.Count];
        for (int i = 0; i < args.Length; i++)
        {
            args[i] = Unwrap(c.Args[i]);
        }

        if (name == "timestamp" && args[0] is VectorSelector tvs)
        {
            return SelectorTimes(tvs, SelectorValue.Timestamp);
        }

        if (name == "start_timestamp")
        {
            // Any other expression than a selector has lost its samples' start times: it is evaluated (for its errors,
            // annotations and sample counts), but the answer is empty.
            return args[0] is VectorSelector svs
                ? SelectorTimes(svs, SelectorValue.StartTimestamp)
                : RangeEval(static (_, _, _) => { }, [EvalMatrix(args[0])]);
        }

        int matrixArg = -1;
        for (int i = 0; i < args.Length; i++)
        {
            if (args[i] is MatrixSelector or SubqueryExpr)
            {
                matrixArg = i;
                break;
            }
        }

        switch (name)
        {
            case "label_replace":
                return LabelReplace(args);
            case "label_join":
                return LabelJoin(args);
            case "info":
                return EvalInfo(c, args);
        }

        if (name is "sort" or "sort_desc" or "sort_by_label" or "sort_by_label_desc" && _start != _end)
        {
            _ctx.Warn("sort is ineffective for range queries since results are always ordered by labels", c.Position);
        }

        if (matrixArg < 0)
        {
            var inputs = new Matrix[args.Length];
            for (int i = 0; i < args.Length; i++)
            {
                inputs[i] = args[i] is StringLiteral ? new Matrix() : EvalMatrix(args[i]);
            }
            var f = InstantFunction(c, args);
            bool keepOrder = name is "sort" or "sort_desc" or "sort_by_label" or "sort_by_label_desc";
            return RangeEval(f, inputs, keepOrder);
        }
        return EvalRangeFunction(c, args, matrixArg);
    }

    /// <summary>timestamp() or start_timestamp() of a selector: the picked samples' times, without the metric name.</summary>
    private Matrix SelectorTimes(VectorSelector vs, SelectorValue value)
    {
        var m = EvalVectorSelector(vs, value);
        foreach (var s in m)
        {
            s.DropName = true;
            if (!DelayedNameRemoval)
            {
                s.Metric = DropMetadata(s.Metric);
            }
        }
        return m;
    }

    // ---- functions over range vectors ----

    private Matrix EvalRangeFunction(Call c, Expr[] args, int matrixArg)
    {
        string name = c.Func.Name;
        bool anchored = false, smoothed = false;
        RangeInput input = default;
        Matrix? subquery = null;
        long subquerySamples = 0;
        var sel = args[matrixArg] as MatrixSelector;
        if (sel is not null)
        {
            anchored = sel.VectorSelector.Anchored;
            smoothed = sel.VectorSelector.Smoothed;
        }
        else
        {
            // As Prometheus: the subquery first; its result is held until the function is done with it.
            long before = _ctx.CurrentSamples;
            var sq = (SubqueryExpr)args[matrixArg];
            subquery = RunSubquery(sq, out _);
            input = new RangeInput([], new WindowGrid(_start, _end, _interval, AtTime(sq.Timestamp, sq.StartOrEnd), DurationMs(sq.Offset, sq.OffsetExpr),
                DurationMs(sq.Range, sq.RangeExpr)), false, false);
            subquerySamples = _ctx.CurrentSamples - before;
        }
        if (anchored && name is not ("resets" or "changes" or "rate" or "increase" or "delta"))
        {
            throw Error("anchored modifier can only be used with: changes, delta, increase, rate, resets - not with " + name);
        }
        if (smoothed && name is not ("rate" or "increase" or "delta"))
        {
            throw Error("smoothed modifier can only be used with: delta, increase, rate - not with " + name);
        }
        var scalars = new double[args.Length][];
        for (int i = 0; i < args.Length; i++)
        {
            if (i != matrixArg)
            {
                scalars[i] = ScalarSteps(args[i]);
            }
        }
        var st = new RangeCallState(c, name, scalars, _ctx.CurrentSamples) { MatrixArgPosition = c.Args[matrixArg].Position };
        if (sel is not null && CanStream(st.Fn, sel))
        {
            // The common case streams: series are read through reused buffers, stale markers left out, and their
            // windows evaluated before more are read, so no selected sample outlives its round of series.
            var result0 = st.Result;
            bool dropName = !st.KeepName;
            bool drop = !DelayedNameRemoval && dropName;
            StreamRangeFunction(st, sel, (labels, points) =>
            {
                var outS = new Series(drop ? DropMetadata(labels) : labels, dropName, points.Length);
                outS.Points.AddRange(points);
                result0.Add(outS);
            });
        }
        else if (sel is not null && !anchored && !smoothed)
        {
            // The other functions read series by series too, one thread.
            var vs = sel.VectorSelector;
            var grid = GridOf(vs, DurationMs(sel.Range, sel.RangeExpr));
            long mint = grid.Mint, maxt = grid.LastRef;
            st.SetInput(grid, false, false);
            var set = _ctx.Select(mint, maxt, vs.Matchers);
            var sc = Scratch;
            while (set.MoveNext())
            {
                _ctx.CheckDone();
                var s = set.Current;
                if (st.UsesStartTimestamps)
                {
                    int k = ReadSamples(s, mint, maxt, true, sc, true, out bool hasSt);
                    EvalRangeSeries(st, s.Labels, false, sc.Buf.AsSpan(0, k), null, hasSt ? sc.StBuf.AsSpan(0, k) : default);
                    continue;
                }
                int n = ReadSamples(s, mint, maxt, true, sc);
                EvalRangeSeries(st, new RangeSeries(s.Labels, sc.Buf, n, false));
            }
        }
        else
        {
            if (sel is not null)
            {
                input = LoadRange(sel);
            }
            st.SetInput(input.Grid, input.Anchored, input.Smoothed);
            foreach (var rs in input.Series)
            {
                _ctx.CheckDone();
                EvalRangeSeries(st, rs);
            }
            if (subquery is not null)
            {
                // The subquery's series are read where they are, not copied.
                foreach (var s in subquery)
                {
                    _ctx.CheckDone();
                    EvalRangeSeries(st, s.Metric, s.DropName, System.Runtime.InteropServices.CollectionsMarshal.AsSpan(s.Points), null);
                }
            }
        }
        _ctx.CurrentSamples = st.Held0 + st.OutputSamples - subquerySamples;
        var result = st.Result;

        if (name == "absent_over_time")
        {
            var found = new HashSet<long>();
            foreach (var s in result)
            {
                foreach (var p in s.Points)
                {
                    found.Add(p.T);
                }
            }
            var abs = new Series(AbsentLabels(args[0]), true, StepCapacity);
            long room = _ctx.Room;
            long iter = 0;
            for (long ts = _start; ts <= _end; ts += _interval)
            {
                if ((++iter & EvalContext.CheckEvery) == 0)
                {
                    _ctx.CheckDone();
                }
                if (!found.Contains(ts))
                {
                    CheckRoom(abs.Points.Count, room);
                    abs.Points.Add(new FloatPoint(ts, 1));
                }
            }
            return abs.Points.Count == 0 ? new Matrix() : new Matrix(1) { abs };
        }
        if (!DelayedNameRemoval)
        {
            CheckMatrixDuplicates(result);
        }
        return result;
    }

    /// <summary>
    /// The functions over range vectors, resolved from the name once per call so that no window compares strings. The
    /// ones up to <see cref="RangeFn.FirstOverTime"/> also have a dedicated path (<see cref="HasFastPath"/>).
    /// </summary>
    private enum RangeFn : byte
    {
        Rate,
        Increase,
        Delta,
        SumOverTime,
        AvgOverTime,
        CountOverTime,
        MaxOverTime,
        MinOverTime,
        LastOverTime,
        FirstOverTime,
        Irate,
        Idelta,
        Changes,
        Resets,
        Deriv,
        PredictLinear,
        PresentOverTime,
        AbsentOverTime,
        TsOfLastOverTime,
        TsOfFirstOverTime,
        TsOfMaxOverTime,
        TsOfMinOverTime,
        StddevOverTime,
        StdvarOverTime,
        QuantileOverTime,
        MadOverTime,
        DoubleExponentialSmoothing,

        /// <summary>A name this evaluator has no range function for (an error when a window is evaluated).</summary>
        Unknown,
    }

    private static RangeFn RangeFnOf(string name) => name switch
    {
        "rate" => RangeFn.Rate,
        "increase" => RangeFn.Increase,
        "delta" => RangeFn.Delta,
        "sum_over_time" => RangeFn.SumOverTime,
        "avg_over_time" => RangeFn.AvgOverTime,
        "count_over_time" => RangeFn.CountOverTime,
        "max_over_time" => RangeFn.MaxOverTime,
        "min_over_time" => RangeFn.MinOverTime,
        "last_over_time" => RangeFn.LastOverTime,
        "first_over_time" => RangeFn.FirstOverTime,
        "irate" => RangeFn.Irate,
        "idelta" => RangeFn.Idelta,
        "changes" => RangeFn.Changes,
        "resets" => RangeFn.Resets,
        "deriv" => RangeFn.Deriv,
        "predict_linear" => RangeFn.PredictLinear,
        "present_over_time" => RangeFn.PresentOverTime,
        "absent_over_time" => RangeFn.AbsentOverTime,
        "ts_of_last_over_time" => RangeFn.TsOfLastOverTime,
        "ts_of_first_over_time" => RangeFn.TsOfFirstOverTime,
        "ts_of_max_over_time" => RangeFn.TsOfMaxOverTime,
        "ts_of_min_over_time" => RangeFn.TsOfMinOverTime,
        "stddev_over_time" => RangeFn.StddevOverTime,
        "stdvar_over_time" => RangeFn.StdvarOverTime,
        "quantile_over_time" => RangeFn.QuantileOverTime,
        "mad_over_time" => RangeFn.MadOverTime,
        "double_exponential_smoothing" => RangeFn.DoubleExponentialSmoothing,
        _ => RangeFn.Unknown,
    };

    /// <summary>Whether <paramref name="fn"/> has a dedicated path (<see cref="EvalWindowsFast"/>, the streaming path).</summary>
    private static bool HasFastPath(RangeFn fn) => fn <= RangeFn.FirstOverTime;

    /// <summary>One range-function call's settings, reusable per-series scratch, output and sample accounting.</summary>
    private sealed class RangeCallState(Call call, string name, double[][] scalars, long held0)
    {
        public readonly Call Call = call;
        public readonly RangeFn Fn = RangeFnOf(name);
        public readonly double[][] Scalars = scalars;
        public bool KeepName => Fn is RangeFn.LastOverTime or RangeFn.FirstOverTime;
        public bool CheckCounter => Fn is RangeFn.Rate or RangeFn.Increase;

        /// <summary>Whether the function reads its samples' start timestamps (over a plain matrix selector only).</summary>
        public bool UsesStartTimestamps => Fn is RangeFn.Rate or RangeFn.Increase or RangeFn.Irate or RangeFn.Resets;
        public readonly Matrix Result = [];
        public readonly List<double> Buf = [];

        /// <summary>The samples held before the call (Prometheus's currentSamples on entry).</summary>
        public readonly long Held0 = held0;

        /// <summary>The points of the output series so far.</summary>
        public long OutputSamples;

        /// <summary>The points preallocated for output series on the general path (<see cref="SeriesCapacity"/>).</summary>
        public long Reserved;

        /// <summary>Where the selector's windows sit.</summary>
        public WindowGrid Grid;
        public bool Anchored;
        public bool Smoothed;

        /// <summary>One series' output points on the dedicated path.</summary>
        public FloatPoint[] Output = [];

        public PositionRange MatrixArgPosition;

        public long Range => Grid.Range;

        public void SetInput(in WindowGrid grid, bool anchored, bool smoothed)
        {
            Grid = grid;
            Anchored = anchored;
            Smoothed = smoothed;
        }
    }

    /// <summary>
    /// Evaluates the function at every step over one series' windows and adds the output series, counting samples as
    /// Prometheus does: each step's window is held while the step is evaluated (and counted as queried), the output
    /// series from then on.
    /// </summary>
    /// <summary>
    /// Counts one series' output against the sample limit as Prometheus does: the output so far plus the series'
    /// largest window is held, then the series' output is added while its last window is still held. False when the
    /// series has no output.
    /// </summary>
    private bool HoldSeriesOutput(RangeCallState st, long maxWindow, int count, long lastWindow)
    {
        _ctx.Hold(st.Held0 + st.OutputSamples + maxWindow);
        if (count == 0)
        {
            return false;
        }
        st.OutputSamples += count;
        _ctx.Hold(st.Held0 + st.OutputSamples + lastWindow);
        return true;
    }

    private void EvalRangeSeries(RangeCallState st, RangeSeries rs) =>
        EvalRangeSeries(st, rs.Labels, rs.DropName, rs.Points.AsSpan(0, rs.Count), rs);

    /// <summary>
    /// <see cref="EvalRangeSeries(RangeCallState, RangeSeries)"/> over the points <paramref name="pts"/> of a series
    /// (a subquery's output, read in place); <paramref name="rs"/> is needed only by anchored and smoothed windows.
    /// </summary>
    private void EvalRangeSeries(RangeCallState st, Labels labels, bool seriesDropName, ReadOnlySpan<FloatPoint> pts, RangeSeries? rs,
        ReadOnlySpan<long> sts = default)
    {
        bool dropName = !st.KeepName || seriesDropName;
        int count = pts.Length;
        bool plain = !st.Anchored && !st.Smoothed;
        if (plain && HasFastPath(st.Fn) && _ctx.Options.FastPaths && sts.IsEmpty && NumSteps <= MaxStreamSteps)
        {
            int nsteps = (int)NumSteps;
            if (st.Output.Length < nsteps)
            {
                st.Output = new FloatPoint[nsteps];
            }
            var o = EvalWindowsFast(st.Fn, pts, count, st.Grid, Scratch, st.Output, _totals.PerStep);
            _totals.Total += o.Windows;
            if (!HoldSeriesOutput(st, o.MaxWindow, o.Count, o.LastWindow))
            {
                return;
            }
            var fast = new Series(!DelayedNameRemoval && dropName ? DropMetadata(labels) : labels, dropName, o.Count);
            fast.Points.AddRange(st.Output.AsSpan(0, o.Count));
            st.Result.Add(fast);
            if (st.CheckCounter)
            {
                CheckCounterName(st, labels);
            }
            return;
        }
        Series? outS = null;
        int lo = 0, hi = 0;
        long step = -1;
        long maxWindow = 0, lastWindow = 0;
        var perStep = _totals.PerStep;
        long windows = 0;
        bool overlap = false;
        // The series' points may pass the sample limit long before the grid ends (a subquery of millions of steps):
        // counted as they are added, so the list never grows past what the limit allows.
        long room = _ctx.Options.MaxSamples - (st.Held0 + st.OutputSamples);
        for (long ts = _start; ts <= _end; ts += _interval)
        {
            step++;
            if ((step & EvalContext.CheckEvery) == EvalContext.CheckEvery)
            {
                _ctx.CheckDone();
            }
            long refT = st.Grid.RefT(ts);
            ReadOnlySpan<FloatPoint> window;
            ReadOnlySpan<long> windowSts = default;
            if (plain)
            {
                (lo, hi) = Window(pts, count, refT, st.Range, lo, hi);
                window = pts.Slice(lo, hi - lo);
                if (!sts.IsEmpty)
                {
                    windowSts = sts.Slice(lo, hi - lo);
                    overlap |= st.CheckCounter && HasStartTimeOverlap(window, windowSts);
                }
            }
            else
            {
                window = ExtendedSlice(rs!, refT, st.Range, st.Smoothed);
            }
            lastWindow = window.Length;
            if (window.Length == 0)
            {
                continue;
            }
            if (window.Length > maxWindow)
            {
                maxWindow = window.Length;
            }
            windows += window.Length;
            if (perStep is not null)
            {
                _totals.Add(step, window.Length);
                windows -= window.Length;
            }
            double v;
            bool ok = RangeFunction(st.Fn, window, windowSts, new RangeCall(ts, refT, st.Range, st.Anchored, st.Smoothed, st.Scalars, step, labels, st.Call), st.Buf, out v);
            if (!ok)
            {
                continue;
            }
            if (outS is null)
            {
                var metric = labels;
                if (!DelayedNameRemoval && dropName)
                {
                    metric = DropMetadata(metric);
                }
                outS = new Series(metric, dropName, SeriesCapacity(NumSteps - step, ref st.Reserved));
            }
            CheckRoom(outS.Points.Count, room);
            outS.Points.Add(new FloatPoint(ts, v));
        }
        if (perStep is null)
        {
            _totals.Total += windows;
        }
        if (!HoldSeriesOutput(st, maxWindow, outS?.Points.Count ?? 0, lastWindow))
        {
            return;
        }
        st.Result.Add(outS!);
        if (st.CheckCounter)
        {
            CheckCounterName(st, labels);
        }
        if (overlap)
        {
            WarnStartTimeOverlap(st, labels);
        }
    }

    /// <summary>Whether a sample of the window has a start time overlapping the sample before it (<see cref="RateArithmetic.IsStartTimeOverlap"/>).</summary>
    private static bool HasStartTimeOverlap(ReadOnlySpan<FloatPoint> w, ReadOnlySpan<long> sts)
    {
        for (int i = 1; i < w.Length; i++)
        {
            if (RateArithmetic.IsStartTimeOverlap(w[i - 1].T, sts[i - 1], sts[i]))
            {
                return true;
            }
        }
        return false;
    }

    private static void CheckMatrixDuplicates(Matrix m)
    {
        var seen = new HashSet<Labels>();
        foreach (var s in m)
        {
            if (!seen.Add(s.Metric))
            {
                throw Error("vector cannot contain metrics with the same labelset");
            }
        }
    }

    /// <summary>What a range function needs besides the window's samples.</summary>
    private readonly record struct RangeCall(long Ts, long RefT, long Range, bool Anchored, bool Smoothed, double[][] Scalars, long Step, Labels Metric, Call Call)
    {
        public double Scalar(int arg) => Scalars[arg][Step];
    }

    /// <summary>
    /// Evaluates the range function <paramref name="fn"/> over one window <paramref name="w"/>; <paramref name="sts"/>
    /// holds the samples' start timestamps for the functions that use them, or is empty.
    /// </summary>
    private bool RangeFunction(RangeFn fn, ReadOnlySpan<FloatPoint> w, ReadOnlySpan<long> sts, in RangeCall rc, List<double> buf, out double v)
    {
        v = 0;
        int n = w.Length;
        switch (fn)
        {
            case RangeFn.Rate:
            case RangeFn.Increase:
            case RangeFn.Delta:
                {
                    bool isCounter = fn != RangeFn.Delta, isRate = fn == RangeFn.Rate;
                    if (rc.Anchored || rc.Smoothed)
                    {
                        return ExtendedRate(w, rc.RefT - rc.Range, rc.RefT, rc.Range, rc.Smoothed, isCounter, isRate, out v);
                    }
                    if (isCounter && !sts.IsEmpty)
                    {
                        return RateArithmetic.ExtrapolatedRateSt(w, sts, rc.RefT - rc.Range, rc.RefT, rc.Range, true, isRate, out v);
                    }
                    return RateArithmetic.ExtrapolatedRate(w, rc.RefT - rc.Range, rc.RefT, rc.Range, isCounter, isRate, out v);
                }
            case RangeFn.Irate:
            case RangeFn.Idelta:
                {
                    if (n < 2)
                    {
                        return false;
                    }
                    var a = w[n - 2];
                    var b = w[n - 1];
                    long dt = b.T - a.T;
                    if (dt == 0)
                    {
                        return false;
                    }
                    bool isRate = fn == RangeFn.Irate;
                    bool reset = isRate && (b.F < a.F || (!sts.IsEmpty && RateArithmetic.IsStartTimeReset(a.T, sts[n - 2], b.T, sts[n - 1])));
                    v = reset ? b.F : b.F - a.F;
                    if (isRate)
                    {
                        v /= dt / 1000.0;
                    }
                    return true;
                }
            case RangeFn.Changes:
            case RangeFn.Resets:
                {
                    int first = 0;
                    if (rc.Anchored)
                    {
                        // The last sample at or before the range start opens the window.
                        long rangeStart = rc.RefT - rc.Range;
                        int idx = SearchFirst(w, n, p => p.T > rangeStart) - 1;
                        if (idx + 1 >= n)
                        {
                            // No sample after the range start: nothing to measure.
                            return false;
                        }
                        first = Math.Max(0, idx);
                    }
                    int count = 0;
                    for (int i = first + 1; i < n; i++)
                    {
                        double prev = w[i - 1].F, cur = w[i].F;
                        if (fn == RangeFn.Changes ? cur != prev && !(double.IsNaN(cur) && double.IsNaN(prev))
                            : cur < prev || (!sts.IsEmpty && RateArithmetic.IsStartTimeReset(w[i - 1].T, sts[i - 1], w[i].T, sts[i])))
                        {
                            count++;
                        }
                    }
                    v = count;
                    return true;
                }
            case RangeFn.Deriv:
                {
                    if (n < 2)
                    {
                        return false;
                    }
                    (v, _) = LinearRegression(w, w[0].T);
                    return true;
                }
            case RangeFn.PredictLinear:
                {
                    if (n < 2)
                    {
                        return false;
                    }
                    var (slope, intercept) = LinearRegression(w, rc.Ts);
                    v = slope * rc.Scalar(1) + intercept;
                    return true;
                }
            case RangeFn.AvgOverTime:
                v = AvgOf(w);
                return true;
            case RangeFn.SumOverTime:
                v = SumOf(w);
                return true;
            case RangeFn.CountOverTime:
                v = n;
                return true;
            case RangeFn.PresentOverTime:
            case RangeFn.AbsentOverTime:
                v = 1;
                return true;
            case RangeFn.LastOverTime:
                v = w[n - 1].F;
                return true;
            case RangeFn.FirstOverTime:
                v = w[0].F;
                return true;
            case RangeFn.TsOfLastOverTime:
                v = w[n - 1].T / 1000.0;
                return true;
            case RangeFn.TsOfFirstOverTime:
                v = w[0].T / 1000.0;
                return true;
            case RangeFn.MaxOverTime:
            case RangeFn.MinOverTime:
            case RangeFn.TsOfMaxOverTime:
            case RangeFn.TsOfMinOverTime:
                {
                    bool isMax = fn is RangeFn.MaxOverTime or RangeFn.TsOfMaxOverTime;
                    bool ts = fn is RangeFn.TsOfMaxOverTime or RangeFn.TsOfMinOverTime;
                    double best = w[0].F;
                    long bestT = w[0].T;
                    for (int i = 0; i < n; i++)
                    {
                        double f = w[i].F;
                        bool take = ts
                            ? (isMax ? f >= best : f <= best) || double.IsNaN(best)
                            : (isMax ? f > best : f < best) || double.IsNaN(best);
                        if (take)
                        {
                            best = f;
                            bestT = w[i].T;
                        }
                    }
                    v = ts ? bestT / 1000.0 : best;
                    return true;
                }
            case RangeFn.StddevOverTime:
            case RangeFn.StdvarOverTime:
                {
                    double count = 0, mean = 0, cMean = 0, aux = 0, cAux = 0;
                    for (int i = 0; i < n; i++)
                    {
                        double f = w[i].F;
                        count++;
                        double delta = f - (mean + cMean);
                        (mean, cMean) = Kahan.Inc(delta / count, mean, cMean);
                        (aux, cAux) = Kahan.Inc(delta * (f - (mean + cMean)), aux, cAux);
                    }
                    double variance = (aux + cAux) / count;
                    v = fn == RangeFn.StddevOverTime ? Math.Sqrt(variance) : variance;
                    return true;
                }
            case RangeFn.QuantileOverTime:
                {
                    double q = rc.Scalar(0);
                    if (double.IsNaN(q) || q < 0 || q > 1)
                    {
                        _ctx.Warn("quantile value should be between 0 and 1, got " + FormatG(q), rc.Call.Args[0].Position);
                    }
                    buf.Clear();
                    for (int i = 0; i < n; i++)
                    {
                        buf.Add(w[i].F);
                    }
                    v = Quantile(q, buf);
                    return true;
                }
            case RangeFn.MadOverTime:
                {
                    buf.Clear();
                    for (int i = 0; i < n; i++)
                    {
                        if (double.IsNaN(w[i].F))
                        {
                            v = double.NaN;
                            return true;
                        }
                        buf.Add(w[i].F);
                    }
                    double median = Quantile(0.5, buf);
                    for (int i = 0; i < buf.Count; i++)
                    {
                        buf[i] = Math.Abs(buf[i] - median);
                    }
                    v = Quantile(0.5, buf);
                    return true;
                }
            case RangeFn.DoubleExponentialSmoothing:
                {
                    double sf = rc.Scalar(1), tf = rc.Scalar(2);
                    if (!(sf > 0 && sf < 1))
                    {
                        throw Error("invalid smoothing factor. Expected: 0 < sf < 1, got: " + sf.ToString("F6", System.Globalization.CultureInfo.InvariantCulture));
                    }
                    if (!(tf > 0 && tf < 1))
                    {
                        throw Error("invalid trend factor. Expected: 0 < tf < 1, got: " + tf.ToString("F6", System.Globalization.CultureInfo.InvariantCulture));
                    }
                    if (n < 2)
                    {
                        return false;
                    }
                    double s0 = 0, s1 = w[0].F, b = w[1].F - w[0].F;
                    for (int i = 1; i < n; i++)
                    {
                        double x = sf * w[i].F;
                        if (i - 1 != 0)
                        {
                            b = tf * (s1 - s0) + (1 - tf) * b;
                        }
                        double y = (1 - sf) * (s1 + b);
                        s0 = s1;
                        s1 = x + y;
                    }
                    v = s1;
                    return true;
                }
            default:
                throw new PromQLEvalException(QueryErrorType.Execution, $"function {rc.Call.Func.Name} is not supported over range vectors");
        }
    }

    private static (double Slope, double Intercept) LinearRegression(ReadOnlySpan<FloatPoint> samples, long interceptTime)
    {
        double n = 0, sumX = 0, cX = 0, sumY = 0, cY = 0, sumXY = 0, cXY = 0, sumX2 = 0, cX2 = 0;
        double initY = samples[0].F;
        bool constY = true;
        for (int i = 0; i < samples.Length; i++)
        {
            var s = samples[i];
            if (constY && i > 0 && s.F != initY)
            {
                constY = false;
            }
            n += 1.0;
            double x = (s.T - interceptTime) / 1e3;
            (sumX, cX) = Kahan.Inc(x, sumX, cX);
            (sumY, cY) = Kahan.Inc(s.F, sumY, cY);
            (sumXY, cXY) = Kahan.Inc(x * s.F, sumXY, cXY);
            (sumX2, cX2) = Kahan.Inc(x * x, sumX2, cX2);
        }
        if (constY)
        {
            return double.IsInfinity(initY) ? (double.NaN, double.NaN) : (0, initY);
        }
        sumX += cX;
        sumY += cY;
        sumXY += cXY;
        sumX2 += cX2;
        double covXY = sumXY - sumX * sumY / n;
        double varX = sumX2 - sumX * sumX / n;
        double slope = covXY / varX;
        return (slope, sumY / n - slope * sumX / n);
    }

    // ---- functions over instant vectors ----

    private StepFunc InstantFunction(Call c, Expr[] args)
    {
        string name = c.Func.Name;
        switch (name)
        {
            case "abs": return Simple(Math.Abs);
            case "ceil": return Simple(Math.Ceiling);
            case "floor": return Simple(Math.Floor);
            case "exp": return Simple(Math.Exp);
            case "sqrt": return Simple(Math.Sqrt);
            case "ln": return Simple(Math.Log);
            case "log2": return Simple(Math.Log2);
            case "log10": return Simple(Math.Log10);
            case "sin": return Simple(Math.Sin);
            case "cos": return Simple(Math.Cos);
            case "tan": return Simple(Math.Tan);
            case "asin": return Simple(Math.Asin);
            case "acos": return Simple(Math.Acos);
            case "atan": return Simple(Math.Atan);
            case "sinh": return Simple(Math.Sinh);
            case "cosh": return Simple(Math.Cosh);
            case "tanh": return Simple(Math.Tanh);
            case "asinh": return Simple(Math.Asinh);
            case "acosh": return Simple(Math.Acosh);
            case "atanh": return Simple(Math.Atanh);
            case "rad": return Simple(static x => x * Math.PI / 180);
            case "deg": return Simple(static x => x * 180 / Math.PI);
            case "sgn": return Simple(static x => x > 0 ? 1 : x < 0 ? -1 : x);
            case "timestamp": return (v, ts, o) => SimpleApply(v[0], o, _ => ts / 1000.0);
            case "round":
                return (v, _, o) =>
                {
                    double toNearest = v.Length > 1 && v[1].Count > 0 ? v[1][0].F : 1;
                    double inv = 1.0 / toNearest;
                    SimpleApply(v[0], o, f => Math.Floor(f * inv + 0.5) / inv);
                };
            case "clamp":
                return (v, _, o) =>
                {
                    double min = v[1][0].F, max = v[2][0].F;
                    if (max < min)
                    {
                        return;
                    }
                    SimpleApply(v[0], o, f => Math.Max(min, Math.Min(max, f)));
                };
            case "clamp_max":
                return (v, _, o) =>
                {
                    double max = v[1][0].F;
                    SimpleApply(v[0], o, f => Math.Min(max, f));
                };
            case "clamp_min":
                return (v, _, o) =>
                {
                    double min = v[1][0].F;
                    SimpleApply(v[0], o, f => Math.Max(min, f));
                };
            case "vector":
                return static (v, _, o) => o.Add(new Sample(Labels.Empty, v[0][0].F, false));
            case "scalar":
                return static (v, _, o) => o.Add(new Sample(Labels.Empty, v[0].Count == 1 ? v[0][0].F : double.NaN, false));
            case "time":
                return static (_, ts, o) => o.Add(new Sample(Labels.Empty, ts / 1000.0, false));
            case "pi":
                return static (_, _, o) => o.Add(new Sample(Labels.Empty, Math.PI, false));
            case "step":
                return (_, _, o) => o.Add(new Sample(Labels.Empty, _ctx.StepSeconds, false));
            case "range":
                return (_, _, o) => o.Add(new Sample(Labels.Empty, _ctx.RangeSeconds, false));
            case "start":
                return (_, _, o) => o.Add(new Sample(Labels.Empty, _ctx.QueryStart / 1000.0, false));
            case "end":
                return (_, _, o) => o.Add(new Sample(Labels.Empty, _ctx.QueryEnd / 1000.0, false));
            case "min_of":
                return static (v, _, o) => o.Add(new Sample(Labels.Empty, Math.Min(v[0][0].F, v[1][0].F), false));
            case "max_of":
                return static (v, _, o) => o.Add(new Sample(Labels.Empty, Math.Max(v[0][0].F, v[1][0].F), false));
            case "absent":
                {
                    var labels = AbsentLabels(args[0]);
                    return (v, _, o) =>
                    {
                        if (v[0].Count == 0)
                        {
                            o.Add(new Sample(labels, 1, true));
                        }
                    };
                }
            case "sort":
                return static (v, _, o) =>
                {
                    o.AddRange(v[0]);
                    SortAscNaNLast(o);
                };
            case "sort_desc":
                return static (v, _, o) =>
                {
                    o.AddRange(v[0]);
                    SortDescNaNLast(o);
                };
            case "sort_by_label":
            case "sort_by_label_desc":
                {
                    var labels = new string[args.Length - 1];
                    for (int i = 1; i < args.Length; i++)
                    {
                        labels[i - 1] = ((StringLiteral)args[i]).Value;
                    }
                    bool desc = name == "sort_by_label_desc";
                    return (v, _, o) =>
                    {
                        o.AddRange(v[0]);
                        StableSort(o, (a, b) =>
                        {
                            int r = CompareByLabels(a.Metric, b.Metric, labels);
                            return desc ? -r : r;
                        });
                    };
                }
            case "days_in_month": return DateFunction(static d => DateTime.DaysInMonth(d.Year, d.Month));
            case "day_of_month": return DateFunction(static d => d.Day);
            case "day_of_week": return DateFunction(static d => (int)d.DayOfWeek);
            case "day_of_year": return DateFunction(static d => d.DayOfYear);
            case "hour": return DateFunction(static d => d.Hour);
            case "minute": return DateFunction(static d => d.Minute);
            case "month": return DateFunction(static d => d.Month);
            case "year": return DateFunction(static d => d.Year);
            case "histogram_quantile":
                return (v, ts, o) => HistogramQuantile(v[0].Count > 0 ? v[0][0].F : double.NaN, v[1], c, o);
            case "histogram_quantiles":
                return (v, _, o) => HistogramQuantiles(v, c, o);
            case "histogram_fraction":
                return (v, _, o) => HistogramFraction(v, c, o);
            case "histogram_count":
            case "histogram_sum":
            case "histogram_avg":
            case "histogram_stddev":
            case "histogram_stdvar":
                // Native histograms only: float samples are ignored.
                return static (_, _, _) => { };
            default:
                throw new PromQLEvalException(QueryErrorType.Execution, $"function {name} is not supported");
        }
    }

    private StepFunc Simple(Func<double, double> f) => (v, _, o) => SimpleApply(v[0], o, f);

    private void SimpleApply(List<Sample> input, List<Sample> output, Func<double, double> f)
    {
        foreach (var s in input)
        {
            var metric = DelayedNameRemoval ? s.Metric : DropMetadata(s.Metric);
            output.Add(new Sample(metric, f(s.F), true));
        }
    }

    private StepFunc DateFunction(Func<DateTime, double> f) => (v, ts, o) =>
    {
        if (v.Length == 0)
        {
            o.Add(new Sample(Labels.Empty, f(FromUnixSeconds(ts / 1000)), false));
            return;
        }
        SimpleApply(v[0], o, x => f(FromUnixSeconds(double.IsNaN(x) ? long.MinValue : (long)x)));
    };

    private static DateTime FromUnixSeconds(long sec)
    {
        const long min = -62135596800L, max = 253402300799L;
        return DateTime.UnixEpoch.AddSeconds(Math.Clamp(sec, min, max));
    }

    /// <summary>Orders by the given labels' values (natural order), then by all labels.</summary>
    private static int CompareByLabels(Labels a, Labels b, string[] labels)
    {
        foreach (var l in labels)
        {
            string va = a.Get(l), vb = b.Get(l);
            if (va == vb)
            {
                continue;
            }
            return NaturalLess(va, vb) ? -1 : 1;
        }
        return a.CompareTo(b);
    }

    /// <summary>Natural string order: runs of digits compare as numbers.</summary>
    private static bool NaturalLess(string a, string b)
    {
        int i = 0, j = 0;
        while (i < a.Length && j < b.Length)
        {
            bool da = char.IsAsciiDigit(a[i]), db = char.IsAsciiDigit(b[j]);
            if (da && db)
            {
                int si = i, sj = j;
                while (i < a.Length && char.IsAsciiDigit(a[i]))
                {
                    i++;
                }
                while (j < b.Length && char.IsAsciiDigit(b[j]))
                {
                    j++;
                }
                var na = a.AsSpan(si, i - si).TrimStart('0');
                var nb = b.AsSpan(sj, j - sj).TrimStart('0');
                if (na.Length != nb.Length)
                {
                    return na.Length < nb.Length;
                }
                int cmp = na.SequenceCompareTo(nb);
                if (cmp != 0)
                {
                    return cmp < 0;
                }
                continue;
            }
            if (a[i] != b[j])
            {
                return a[i] < b[j];
            }
            i++;
            j++;
        }
        return a.Length - i < b.Length - j;
    }

    private static Labels AbsentLabels(Expr e)
    {
        IReadOnlyList<LabelMatcher> matchers;
        switch (e)
        {
            case VectorSelector vs:
                matchers = vs.Matchers;
                break;
            case MatrixSelector ms:
                matchers = ms.VectorSelector.Matchers;
                break;
            default:
                return Labels.Empty;
        }
        var b = new LabelsBuilder();
        var has = new HashSet<string>(StringComparer.Ordinal);
        foreach (var m in matchers)
        {
            if (m.Name == Labels.MetricName)
            {
                continue;
            }
            if (m.Type == MatcherType.Equal && !has.Contains(m.Name))
            {
                b.Set(m.Name, m.Value);
                has.Add(m.Name);
            }
            else
            {
                b.Del(m.Name);
            }
        }
        return b.Build();
    }

    // ---- label manipulation ----

    private Matrix LabelReplace(Expr[] args)
    {
        string dst = ((StringLiteral)args[1]).Value;
        string repl = ((StringLiteral)args[2]).Value;
        string src = ((StringLiteral)args[3]).Value;
        string regexStr = ((StringLiteral)args[4]).Value;
        Regex regex;
        try
        {
            regex = RegexFactory.Anchored(regexStr);
        }
        catch (ArgumentException)
        {
            throw Error("invalid regular expression in label_replace(): " + regexStr);
        }
        if (!Labels.IsValidLabelName(dst))
        {
            throw Error("invalid destination label name in label_replace(): " + dst);
        }
        var m = EvalMatrix(args[0]);
        var sb = new StringBuilder();
        foreach (var s in m)
        {
            // Once a series: a long template makes each one costly.
            _ctx.CheckDone();
            var match = regex.Match(s.Metric.Get(src));
            if (!match.Success)
            {
                continue;
            }
            // The value is built within what the label budget has left, so a template that multiplies a value
            // ("$1$1$1...") is refused before the memory is taken, not after.
            string res = Expand(repl, match, regex, sb, _ctx.LabelRoom / 2);
            _ctx.AddLabelBytes(NewLabelBytes(s.Metric, res));
            s.Metric = new LabelsBuilder(s.Metric).Set(dst, res).Build();
            if (dst == Labels.MetricName)
            {
                s.DropName = false;
            }
        }
        return MergeSameLabelset(m);
    }

    /// <summary>The bytes a label set with one value replaced or added takes: its new label array and the value.</summary>
    private static long NewLabelBytes(Labels l, string value) => 24 + 16L * (l.Count + 1) + 24 + 2L * value.Length;

    /// <summary>
    /// Go's <c>Regexp.Expand</c>: <c>$1</c>, <c>${1}</c>, <c>$name</c>, <c>${name}</c>, <c>$$</c>; unknown groups expand to
    /// nothing. Built in <paramref name="sb"/>, failing as soon as it passes <paramref name="maxChars"/>.
    /// </summary>
    private static string Expand(string template, Match match, Regex regex, StringBuilder sb, long maxChars)
    {
        sb.Clear();
        int i = 0;
        while (i < template.Length)
        {
            if (sb.Length > maxChars)
            {
                throw LabelBytesExceeded();
            }
            char ch = template[i];
            if (ch != '$' || i + 1 >= template.Length)
            {
                sb.Append(ch);
                i++;
                continue;
            }
            char next = template[i + 1];
            if (next == '$')
            {
                sb.Append('$');
                i += 2;
                continue;
            }
            string? name = null;
            int end;
            if (next == '{')
            {
                int close = template.IndexOf('}', i + 2);
                if (close > i + 2 && IsGroupName(template.AsSpan(i + 2, close - i - 2)))
                {
                    name = template.Substring(i + 2, close - i - 2);
                    end = close + 1;
                }
                else
                {
                    end = i + 1;
                }
            }
            else
            {
                int j = i + 1;
                while (j < template.Length && (char.IsAsciiLetterOrDigit(template[j]) || template[j] == '_'))
                {
                    j++;
                }
                if (j > i + 1)
                {
                    name = template.Substring(i + 1, j - i - 1);
                }
                end = j;
            }
            if (name is null)
            {
                sb.Append('$');
                i++;
                continue;
            }
            Group? g = null;
            if (int.TryParse(name, System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out int num))
            {
                if (num < match.Groups.Count && regex.GroupNumberFromName(num.ToString(System.Globalization.CultureInfo.InvariantCulture)) == num)
                {
                    g = match.Groups[num];
                }
            }
            else if (regex.GroupNumberFromName(name) >= 0)
            {
                g = match.Groups[name];
            }
            if (g is { Success: true })
            {
                if (sb.Length + (long)g.Length > maxChars)
                {
                    throw LabelBytesExceeded();
                }
                sb.Append(g.ValueSpan);
            }
            i = end;
        }
        return sb.ToString();
    }

    private static PromQLEvalException LabelBytesExceeded() => new(QueryErrorType.Execution,
        "query processing would create too many bytes of labels in memory in query execution");

    private static bool IsGroupName(ReadOnlySpan<char> s)
    {
        foreach (char c in s)
        {
            if (!char.IsAsciiLetterOrDigit(c) && c != '_')
            {
                return false;
            }
        }
        return true;
    }

    private Matrix LabelJoin(Expr[] args)
    {
        string dst = ((StringLiteral)args[1]).Value;
        string sep = ((StringLiteral)args[2]).Value;
        var srcs = new string[args.Length - 3];
        for (int i = 3; i < args.Length; i++)
        {
            srcs[i - 3] = ((StringLiteral)args[i]).Value;
            if (!Labels.IsValidLabelName(srcs[i - 3]))
            {
                throw Error("invalid source label name in label_join(): " + srcs[i - 3]);
            }
        }
        if (!Labels.IsValidLabelName(dst))
        {
            throw Error("invalid destination label name in label_join(): " + dst);
        }
        var m = EvalMatrix(args[0]);
        var sb = new StringBuilder();
        long iter = 0;
        foreach (var s in m)
        {
            if ((++iter & EvalContext.CheckEvery) == 0)
            {
                _ctx.CheckDone();
            }
            sb.Clear();
            long room = _ctx.LabelRoom / 2;
            for (int i = 0; i < srcs.Length; i++)
            {
                if (i > 0)
                {
                    sb.Append(sep);
                }
                sb.Append(s.Metric.Get(srcs[i]));
                if (sb.Length > room)
                {
                    throw LabelBytesExceeded();
                }
            }
            string joined = sb.ToString();
            _ctx.AddLabelBytes(NewLabelBytes(s.Metric, joined));
            s.Metric = new LabelsBuilder(s.Metric).Set(dst, joined).Build();
            if (dst == Labels.MetricName)
            {
                s.DropName = false;
            }
        }
        return MergeSameLabelset(m);
    }

    /// <summary>Merges series that ended up with the same labels; overlapping timestamps are an error.</summary>
    internal static Matrix MergeSameLabelset(Matrix m)
    {
        if (m.Count < 2)
        {
            return m;
        }
        var byLabels = new Dictionary<Labels, Series>();
        bool dup = false;
        foreach (var s in m)
        {
            if (!byLabels.TryAdd(s.Metric, s))
            {
                dup = true;
                break;
            }
        }
        if (!dup)
        {
            return m;
        }
        byLabels.Clear();
        var result = new Matrix(m.Count);
        foreach (var s in m)
        {
            if (byLabels.TryGetValue(s.Metric, out var existing))
            {
                existing.Points.AddRange(s.Points);
                existing.Points.Sort(static (a, b) => a.T.CompareTo(b.T));
                for (int i = 1; i < existing.Points.Count; i++)
                {
                    if (existing.Points[i].T == existing.Points[i - 1].T)
                    {
                        throw Error("vector cannot contain metrics with the same labelset");
                    }
                }
                continue;
            }
            byLabels[s.Metric] = s;
            result.Add(s);
        }
        return result;
    }
}
