using System.Runtime.CompilerServices;
using System.Runtime.ExceptionServices;
using Ariane.Model;
using Ariane.PromQL.Ast;
using Ariane.Storage;

namespace Ariane.PromQL.Engine;

// The streaming path of the common range functions over a plain matrix selector (no anchored/smoothed modifier):
// every series is read through a reused buffer and its windows evaluated at once; the series are split into rounds
// that the machine's cores evaluate side by side, and their outputs are then handed on in the storage's order, so
// counting, warnings and any aggregation folding see exactly the sequence a one-thread evaluation would.
internal sealed partial class Evaluator
{
    /// <summary>Series per batch of one worker within a round.</summary>
    private const int StreamBatch = 48;

    /// <summary>Samples per bulk read from storage (a few chunks' worth).</summary>
    private const int ReadBatch = 1024;

    /// <summary>What one thread needs to evaluate series: the read buffer, its iterator and the per-series prefixes.</summary>
    private sealed class SeriesScratch
    {
        public FloatPoint[] Buf = new FloatPoint[256];

        /// <summary>The start timestamp of each point of <see cref="Buf"/>, when the last read asked for them and found any.</summary>
        public long[] StBuf = [];
        public readonly long[] Ts = new long[ReadBatch];
        public readonly double[] Vs = new double[ReadBatch];
        public long[] Sts = [];
        public int[] ResetPrefix = [];
        public int[] OverlapPrefix = [];
        public int[] Deque = [];
        public double[] SumPrefix = [];
        public ISampleIterator? It;
    }

    /// <summary>One series' output count and the windows it held, for the sample accounting.</summary>
    private struct SeriesOut
    {
        public int Count;
        public long MaxWindow;
        public long LastWindow;
        public long Windows;

        /// <summary>A window held a sample whose start time overlaps the previous sample (raised as a warning in order).</summary>
        public bool Overlap;
    }

    /// <summary>Receives the output of one series, in storage order.</summary>
    private delegate void SeriesSink(Labels labels, ReadOnlySpan<FloatPoint> points);

    private SeriesScratch? _scratch;

    private SeriesScratch Scratch => _scratch ??= new SeriesScratch();

    /// <summary>Whether <paramref name="fn"/> over <paramref name="sel"/> can take the streaming path.</summary>
    private bool CanStream(RangeFn fn, MatrixSelector sel) =>
        HasFastPath(fn) && _ctx.Options.FastPaths && !sel.VectorSelector.Anchored && !sel.VectorSelector.Smoothed && NumSteps <= MaxStreamSteps;

    /// <summary>
    /// Evaluates <paramref name="st"/>'s function (one with a dedicated path) over every series <paramref name="sel"/>
    /// selects and hands each non-empty output to <paramref name="sink"/> in storage order, counting samples as
    /// <c>EvalRangeSeries</c> does.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private void StreamRangeFunction(RangeCallState st, MatrixSelector sel, SeriesSink sink)
    {
        var vs = sel.VectorSelector;
        var grid = GridOf(vs, DurationMs(sel.Range, sel.RangeExpr));
        long mint = grid.Mint, maxt = grid.LastRef;
        st.SetInput(grid, false, false);
        var set = _ctx.Select(mint, maxt, vs.Matchers);
        var series = new List<ISeries>();
        while (set.MoveNext())
        {
            series.Add(set.Current);
        }
        int steps = (int)NumSteps; // at most MaxStreamSteps (CanStream)
        var perStep = _totals.PerStep;
        int workers = perStep is null ? Math.Min(Environment.ProcessorCount, 4) : 1;
        if (series.Count < 2 * StreamBatch)
        {
            workers = 1;
        }
        int roundSize = workers * StreamBatch;
        var outBuf = BufferPool<FloatPoint>.Shared.Rent(Math.Min(roundSize, series.Count) * steps);
        var outs = new SeriesOut[Math.Min(roundSize, series.Count)];
        var scratches = new SeriesScratch[workers];
        scratches[0] = Scratch;
        for (int w = 1; w < workers; w++)
        {
            scratches[w] = new SeriesScratch();
        }
        try
        {
            for (int round = 0; round < series.Count; round += roundSize)
            {
                _ctx.CheckDone();
                int n = Math.Min(roundSize, series.Count - round);
                if (workers == 1)
                {
                    for (int i = 0; i < n; i++)
                    {
                        outs[i] = EvalSeriesFast(st.Fn, series[round + i], mint, maxt, grid, scratches[0], outBuf.AsSpan(i * steps, steps), perStep);
                    }
                }
                else
                {
                    EvalRound(st.Fn, series, round, n, mint, maxt, grid, scratches, outBuf, outs, steps);
                }
                for (int i = 0; i < n; i++)
                {
                    ref var o = ref outs[i];
                    // The per-step counts, if asked for, were added as the windows were cut.
                    _totals.Total += o.Windows;
                    if (!HoldSeriesOutput(st, o.MaxWindow, o.Count, o.LastWindow))
                    {
                        continue;
                    }
                    var labels = series[round + i].Labels;
                    if (st.CheckCounter)
                    {
                        CheckCounterName(st, labels);
                    }
                    if (o.Overlap)
                    {
                        WarnStartTimeOverlap(st, labels);
                    }
                    sink(labels, outBuf.AsSpan(i * steps, o.Count));
                }
            }
        }
        finally
        {
            BufferPool<FloatPoint>.Shared.Return(outBuf);
        }
    }

    /// <summary>
    /// Evaluates series [round, round + n) on this thread and <c>scratches.Length - 1</c> pool threads, each taking
    /// batches of <see cref="StreamBatch"/> series in turn; every series writes its own slot of the output.
    /// </summary>
    private static void EvalRound(RangeFn fn, List<ISeries> series, int round, int n, long mint, long maxt, WindowGrid grid,
        SeriesScratch[] scratches, FloatPoint[] outBuf, SeriesOut[] outs, int steps)
    {
        int batches = (n + StreamBatch - 1) / StreamBatch;
        var next = new StrongBox<int>(-1);
        [MethodImpl(MethodImplOptions.AggressiveOptimization)]
        void Work(SeriesScratch sc)
        {
            int b;
            while ((b = Interlocked.Increment(ref next.Value)) < batches)
            {
                int first = b * StreamBatch, last = Math.Min(n, first + StreamBatch);
                for (int i = first; i < last; i++)
                {
                    outs[i] = EvalSeriesFast(fn, series[round + i], mint, maxt, grid, sc, outBuf.AsSpan(i * steps, steps), null);
                }
            }
        }
        var helpers = new Task[scratches.Length - 1];
        for (int w = 1; w < scratches.Length; w++)
        {
            var sc = scratches[w];
            helpers[w - 1] = Task.Run(() => Work(sc));
        }
        Exception? error = null;
        try
        {
            Work(scratches[0]);
        }
        catch (Exception e)
        {
            // Stop the helpers taking more batches, then report this thread's failure.
            next.Value = batches;
            error = e;
        }
        try
        {
            Task.WaitAll(helpers);
        }
        catch (AggregateException e) when (error is null && e.InnerExceptions.Count > 0)
        {
            error = e.InnerExceptions[0];
        }
        catch (AggregateException)
        {
        }
        if (error is not null)
        {
            ExceptionDispatchInfo.Capture(error).Throw();
        }
    }

    private void CheckCounterName(RangeCallState st, Labels labels)
    {
        string metricName = labels.Get(Labels.MetricName);
        if (metricName.Length > 0 && !metricName.EndsWith("_total", StringComparison.Ordinal) && !metricName.EndsWith("_sum", StringComparison.Ordinal)
            && !metricName.EndsWith("_count", StringComparison.Ordinal) && !metricName.EndsWith("_bucket", StringComparison.Ordinal))
        {
            _ctx.Info($"metric might not be a counter, name does not end in _total/_sum/_count/_bucket: \"{metricName}\"", st.MatrixArgPosition);
        }
    }

    private void WarnStartTimeOverlap(RangeCallState st, Labels labels) =>
        _ctx.Warn($"sample has start time that overlaps with previous sample timestamp for metric \"{labels.Get(Labels.MetricName)}\"", st.MatrixArgPosition);

    /// <summary>
    /// Reads the samples of <paramref name="s"/> in [mint, maxt] into the scratch buffer (grown as needed) and returns
    /// how many; with <paramref name="skipStale"/>, staleness markers are left out.
    /// </summary>
    private static int ReadSamples(ISeries s, long mint, long maxt, bool skipStale, SeriesScratch sc) =>
        ReadSamples(s, mint, maxt, skipStale, sc, false, out _);

    /// <summary>
    /// <see cref="ReadSamples(ISeries, long, long, bool, SeriesScratch)"/> that, <paramref name="withSt"/>, also reads
    /// the samples' start timestamps: when any is set (<paramref name="hasSt"/>), the scratch's
    /// <see cref="SeriesScratch.StBuf"/> holds one per point (0: none); otherwise it is left alone, and the points are
    /// copied as without them.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static int ReadSamples(ISeries s, long mint, long maxt, bool skipStale, SeriesScratch sc, bool withSt, out bool hasSt)
    {
        hasSt = false;
        var it = sc.It = s.Iterator(sc.It);
        var buf = sc.Buf;
        if (!it.Seek(mint) || it.T > maxt)
        {
            return 0;
        }
        int n = 0;
        double v0 = it.V;
        if (!(skipStale && SampleValue.IsStaleNaN(v0)))
        {
            buf[n++] = new FloatPoint(it.T, v0);
            long st0 = withSt ? it.ST : 0;
            if (st0 != 0)
            {
                hasSt = true;
                StartTimesFor(sc, 0, true)[0] = st0;
            }
        }
        var ts = sc.Ts;
        var vs = sc.Vs;
        var sts = withSt ? sc.Sts.Length > 0 ? sc.Sts : sc.Sts = new long[ReadBatch] : [];
        int k;
        do
        {
            k = withSt ? it.Read(maxt, ts, vs, sts) : it.Read(maxt, ts, vs);
            if (buf.Length - n < k)
            {
                Array.Resize(ref buf, Math.Max(buf.Length * 2, n + k));
                sc.Buf = buf;
            }
            if (withSt && !hasSt && AnySet(sts, k))
            {
                // The first start times: the points so far had none.
                hasSt = true;
                StartTimesFor(sc, n, true);
            }
            var dst = buf.AsSpan(n, k);
            if (hasSt)
            {
                var stb = StartTimesFor(sc, n, false);
                int m = 0;
                for (int i = 0; i < k; i++)
                {
                    double v = vs[i];
                    if (!(skipStale && SampleValue.IsStaleNaN(v)))
                    {
                        stb[n + m] = sts[i];
                        dst[m++] = new FloatPoint(ts[i], v);
                    }
                }
                n += m;
            }
            else if (skipStale)
            {
                int m = 0;
                for (int i = 0; i < k; i++)
                {
                    double v = vs[i];
                    if (!SampleValue.IsStaleNaN(v))
                    {
                        dst[m++] = new FloatPoint(ts[i], v);
                    }
                }
                n += m;
            }
            else
            {
                for (int i = 0; i < dst.Length; i++)
                {
                    dst[i] = new FloatPoint(ts[i], vs[i]);
                }
                n += k;
            }
        }
        while (k == ts.Length);
        return n;
    }

    /// <summary>Whether any of the first <paramref name="k"/> start times is set.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static bool AnySet(long[] sts, int k)
    {
        // A plain loop rather than a generic span search: this is compiled fully optimised with its caller, so the
        // first queries do not run unoptimised vector code while the JIT tiers it up.
        long any = 0;
        for (int i = 0; i < k; i++)
        {
            any |= sts[i];
        }
        return any != 0;
    }

    /// <summary>
    /// The scratch's start-time buffer, at least as long as its point buffer, keeping the start times of the first
    /// <paramref name="n"/> points, or with <paramref name="fresh"/> setting them to none (they were read before any
    /// start time was seen).
    /// </summary>
    private static long[] StartTimesFor(SeriesScratch sc, int n, bool fresh)
    {
        var stb = sc.StBuf;
        if (stb.Length < sc.Buf.Length)
        {
            var grown = new long[sc.Buf.Length];
            if (!fresh)
            {
                stb.AsSpan(0, n).CopyTo(grown);
            }
            sc.StBuf = stb = grown;
        }
        else if (fresh)
        {
            stb.AsSpan(0, n).Clear();
        }
        return stb;
    }

    /// <summary>Reads one series and evaluates <paramref name="fn"/> at every step; thread-safe given its own scratch.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static SeriesOut EvalSeriesFast(RangeFn fn, ISeries s, long mint, long maxt, in WindowGrid g, SeriesScratch sc, Span<FloatPoint> output, long[]? perStep)
    {
        if (fn is RangeFn.Rate or RangeFn.Increase)
        {
            // Counters use start timestamps (resets, the window's start); a series without any takes the plain path.
            int n = ReadSamples(s, mint, maxt, true, sc, true, out bool hasSt);
            return EvalWindowsFast(fn, sc.Buf, n, g, sc, output, perStep, hasSt ? sc.StBuf : null);
        }
        int count = ReadSamples(s, mint, maxt, true, sc);
        return EvalWindowsFast(fn, sc.Buf, count, g, sc, output, perStep);
    }

    /// <summary>
    /// The dedicated functions over one series' plain windows, writing a point per step with a value into
    /// <paramref name="output"/>. Window sums and counter resets come from per-series prefixes, so each step costs
    /// O(1) beyond the window search; the results are the ones the window-by-window functions give.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static SeriesOut EvalWindowsFast(RangeFn fn, ReadOnlySpan<FloatPoint> pts, int count, in WindowGrid g, SeriesScratch sc, Span<FloatPoint> output, long[]? perStep,
        long[]? sts = null)
    {
        var res = default(SeriesOut);
        if (count == 0)
        {
            return res;
        }
        bool exactSums = false;
        if (count > 1)
        {
            switch (fn)
            {
                case RangeFn.Rate or RangeFn.Increase when sts is not null:
                    PrepareResetsSt(sc, pts, sts, count);
                    break;
                case RangeFn.Rate or RangeFn.Increase:
                    PrepareResets(sc, pts, count);
                    break;
                case RangeFn.SumOverTime or RangeFn.AvgOverTime:
                    exactSums = ExactSums(sc, pts, count);
                    break;
            }
        }
        var rp = sc.ResetPrefix;
        var sp = sc.SumPrefix;
        // max/min_over_time keep a monotonic deque of the window's candidates (indexes of non-NaN values, each
        // smaller one behind a larger one dropped, equal ones kept in order): each step's answer is its front, and
        // each sample is pushed and dropped once, instead of scanning every window.
        bool extreme = fn is RangeFn.MaxOverTime or RangeFn.MinOverTime;
        if (extreme)
        {
            AtLeast(ref sc.Deque, count);
        }
        var dq = sc.Deque;
        int dqHead = 0, dqTail = 0, pushed = 0, dqLo = 0;
        int lo = 0, hi = 0, step = -1, outN = 0;
        for (long ts = g.Start; ts <= g.End; ts += g.Interval)
        {
            step++;
            long refT = g.RefT(ts);
            (lo, hi) = Window(pts, count, refT, g.Range, lo, hi);
            int len = hi - lo;
            res.LastWindow = len;
            if (len == 0)
            {
                continue;
            }
            if (len > res.MaxWindow)
            {
                res.MaxWindow = len;
            }
            res.Windows += len;
            if (perStep is not null)
            {
                perStep[step] += len;
            }
            var window = pts.Slice(lo, len);
            double v;
            switch (fn)
            {
                case RangeFn.Rate or RangeFn.Increase when sts is not null:
                    {
                        bool resets = len > 1 && rp[hi - 1] != rp[lo];
                        if (len > 1 && sc.OverlapPrefix[hi - 1] != sc.OverlapPrefix[lo])
                        {
                            res.Overlap = true;
                        }
                        if (!RateArithmetic.ExtrapolatedRateSt(window, sts.AsSpan(lo, len), refT - g.Range, refT, g.Range, resets, fn == RangeFn.Rate, out v))
                        {
                            continue;
                        }
                        break;
                    }
                case RangeFn.Rate or RangeFn.Increase or RangeFn.Delta:
                    {
                        bool isCounter = fn != RangeFn.Delta;
                        bool resets = isCounter && len > 1 && rp[hi - 1] != rp[lo];
                        if (!RateArithmetic.ExtrapolatedRate(window, refT - g.Range, refT, g.Range, resets, isCounter, fn == RangeFn.Rate, out v))
                        {
                            continue;
                        }
                        break;
                    }
                case RangeFn.SumOverTime:
                    v = exactSums ? sp[hi] - sp[lo] : 0;
                    if (v == 0)
                    {
                        // Not exact, or a zero that may be -0 when added in order: the general sum gets it right.
                        v = SumOf(window);
                    }
                    break;
                case RangeFn.AvgOverTime:
                    v = exactSums ? sp[hi] - sp[lo] : 0;
                    v = v != 0 ? v / len : AvgOf(window);
                    break;
                case RangeFn.CountOverTime:
                    v = len;
                    break;
                case RangeFn.LastOverTime:
                    v = window[^1].F;
                    break;
                case RangeFn.FirstOverTime:
                    v = window[0].F;
                    break;
                case RangeFn.MaxOverTime or RangeFn.MinOverTime:
                    {
                        if (lo < dqLo || hi < pushed)
                        {
                            // Not a forward slide: start the deque again.
                            dqHead = dqTail = 0;
                            pushed = lo;
                        }
                        dqLo = lo;
                        if (pushed < lo)
                        {
                            pushed = lo;
                        }
                        bool max = fn == RangeFn.MaxOverTime;
                        for (; pushed < hi; pushed++)
                        {
                            double f = pts[pushed].F;
                            if (double.IsNaN(f))
                            {
                                continue;
                            }
                            // A later equal value never replaces an earlier one (so -0 and +0 keep their order).
                            while (dqTail > dqHead && (max ? pts[dq[dqTail - 1]].F < f : pts[dq[dqTail - 1]].F > f))
                            {
                                dqTail--;
                            }
                            dq[dqTail++] = pushed;
                        }
                        while (dqHead < dqTail && dq[dqHead] < lo)
                        {
                            dqHead++;
                        }
                        // Only NaN in the window: the window-by-window function says which.
                        v = dqHead < dqTail ? pts[dq[dqHead]].F : max ? MaxOf(window) : MinOf(window);
                        break;
                    }
                default:
                    throw new PromQLEvalException(QueryErrorType.Internal, "no streaming path for " + fn);
            }
            output[outN++] = new FloatPoint(ts, v);
        }
        res.Count = outN;
        return res;
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void PrepareResets(SeriesScratch sc, ReadOnlySpan<FloatPoint> pts, int count)
    {
        AtLeast(ref sc.ResetPrefix, count);
        var rp = sc.ResetPrefix;
        int r = 0;
        rp[0] = 0;
        for (int i = 1; i < count; i++)
        {
            if (pts[i].F < pts[i - 1].F)
            {
                r++;
            }
            rp[i] = r;
        }
    }

    /// <summary>Replaces a scratch array shorter than <paramref name="n"/> by one of at least n and twice its length (contents not kept).</summary>
    private static void AtLeast<T>(ref T[] a, int n)
    {
        if (a.Length < n)
        {
            a = new T[Math.Max(n, a.Length * 2)];
        }
    }

    /// <summary>
    /// <see cref="PrepareResets"/> for a series with start timestamps: a reset is a value drop or a start-time reset
    /// (<see cref="RateArithmetic.IsStartTimeReset"/>), and the overlap prefix counts the pairs whose start time overlaps the previous
    /// sample (<see cref="RateArithmetic.IsStartTimeOverlap"/>).
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void PrepareResetsSt(SeriesScratch sc, ReadOnlySpan<FloatPoint> pts, long[] sts, int count)
    {
        AtLeast(ref sc.ResetPrefix, count);
        AtLeast(ref sc.OverlapPrefix, count);
        var rp = sc.ResetPrefix;
        var op = sc.OverlapPrefix;
        int r = 0, o = 0;
        rp[0] = 0;
        op[0] = 0;
        for (int i = 1; i < count; i++)
        {
            long prevT = pts[i - 1].T;
            if (pts[i].F < pts[i - 1].F || RateArithmetic.IsStartTimeReset(prevT, sts[i - 1], pts[i].T, sts[i]))
            {
                r++;
            }
            if (RateArithmetic.IsStartTimeOverlap(prevT, sts[i - 1], sts[i]))
            {
                o++;
            }
            rp[i] = r;
            op[i] = o;
        }
    }

    /// <summary>
    /// Fills the scratch's sum prefix when every value is an integer and every partial sum stays below 2^53: then a
    /// window's sum is the same exact integer whichever way it is added, and equals the compensated sum Prometheus
    /// computes (whose compensation term is then zero).
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static bool ExactSums(SeriesScratch sc, ReadOnlySpan<FloatPoint> pts, int count)
    {
        const double limit = 9007199254740992.0; // 2^53
        double abs = 0;
        for (int i = 0; i < count; i++)
        {
            double f = pts[i].F;
            if (f != Math.Floor(f) || double.IsInfinity(f))
            {
                return false;
            }
            abs += Math.Abs(f);
        }
        if (!(abs < limit))
        {
            return false;
        }
        AtLeast(ref sc.SumPrefix, count + 1);
        var sp = sc.SumPrefix;
        double sum = 0;
        sp[0] = 0;
        for (int i = 0; i < count; i++)
        {
            sum += pts[i].F;
            sp[i + 1] = sum;
        }
        return true;
    }

    /// <summary>sum_over_time of one window: Prometheus's compensated sum.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static double SumOf(ReadOnlySpan<FloatPoint> w)
    {
        double sum = 0, c = 0;
        for (int i = 0; i < w.Length; i++)
        {
            (sum, c) = Kahan.Inc(w[i].F, sum, c);
        }
        return double.IsInfinity(sum) ? sum : sum + c;
    }

    /// <summary>avg_over_time of one window: the compensated sum, switching to an incremental mean on overflow.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static double AvgOf(ReadOnlySpan<FloatPoint> w)
    {
        int n = w.Length;
        double sum = w[0].F, c = 0, mean = 0, count = 1;
        bool incremental = false;
        for (int i = 1; i < n; i++)
        {
            double f = w[i].F;
            count = i + 1;
            if (!incremental)
            {
                var (ns, nc) = Kahan.Inc(f, sum, c);
                if (!double.IsInfinity(ns))
                {
                    sum = ns;
                    c = nc;
                    continue;
                }
                incremental = true;
                mean = sum / (count - 1);
                c /= count - 1;
            }
            double q = (count - 1) / count;
            (mean, c) = Kahan.Inc(f / count, q * mean, q * c);
        }
        return incremental ? mean + c : sum / count + c / count;
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static double MaxOf(ReadOnlySpan<FloatPoint> w)
    {
        double best = w[0].F;
        for (int i = 1; i < w.Length; i++)
        {
            double f = w[i].F;
            if (f > best || double.IsNaN(best))
            {
                best = f;
            }
        }
        return best;
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static double MinOf(ReadOnlySpan<FloatPoint> w)
    {
        double best = w[0].F;
        for (int i = 1; i < w.Length; i++)
        {
            double f = w[i].F;
            if (f < best || double.IsNaN(best))
            {
                best = f;
            }
        }
        return best;
    }
}
