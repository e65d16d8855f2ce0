using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using Ariane.Model;
using Ariane.PromQL.Ast;
using Ariane.Storage;

namespace Ariane.PromQL.Engine;

/// <summary>State shared by every evaluator of one query: storage, settings, caches, annotations, limits.</summary>
internal sealed class EvalContext
{
    private readonly HashSet<string> _seen = new(StringComparer.Ordinal);
    private readonly List<IQuerier> _queriers = [];

    public EvalContext(IQuerierSource source, EngineOptions options, TimeProvider time, long queryStart, long queryEnd, long queryStep, CancellationToken ct)
    {
        Source = source;
        Options = options;
        Time = time;
        QueryStart = queryStart;
        QueryEnd = queryEnd;
        StepSeconds = queryStep / 1000.0;
        RangeSeconds = (queryEnd - queryStart) / 1000.0;
        Ct = ct;
        LookbackMs = (long)options.LookbackDelta.TotalMilliseconds;
    }

    public IQuerierSource Source { get; }
    public EngineOptions Options { get; }

    /// <summary>The engine's clock: the deadline and the preparation time are its timestamps.</summary>
    public TimeProvider Time { get; }

    public long QueryStart { get; }
    public long QueryEnd { get; }
    public double StepSeconds { get; }
    public double RangeSeconds { get; }
    public CancellationToken Ct { get; }
    public long LookbackMs { get; }
    public List<Annotation> Warnings { get; } = [];
    public List<Annotation> Infos { get; } = [];
    public Dictionary<VectorSelector, LoadedSelector> Cache { get; } = new(ReferenceEqualityComparer.Instance);

    public void Warn(string message, PositionRange pos)
    {
        if (_seen.Add("w" + message))
        {
            Warnings.Add(new Annotation(false, message, pos));
        }
    }

    public void Info(string message, PositionRange pos)
    {
        if (_seen.Add("i" + message))
        {
            Infos.Add(new Annotation(true, message, pos));
        }
    }

    public IQuerier Querier(long mint, long maxt)
    {
        long t0 = Time.GetTimestamp();
        var q = Source.Querier(mint, maxt);
        _queriers.Add(q);
        PreparationTicks += Time.GetTimestamp() - t0;
        return q;
    }

    /// <summary>Selects series, timing it as query preparation.</summary>
    public ISeriesSet Select(long mint, long maxt, IReadOnlyList<LabelMatcher> matchers)
    {
        var q = Querier(mint, maxt);
        long t0 = Time.GetTimestamp();
        var set = q.Select(false, matchers.ToArrayFast());
        PreparationTicks += Time.GetTimestamp() - t0;
        return set;
    }

    /// <summary><see cref="Time"/> timestamp ticks spent opening queriers and selecting series (the stats' queryPreparationTime).</summary>
    public long PreparationTicks { get; private set; }

    public void DisposeQueriers()
    {
        foreach (var q in _queriers)
        {
            q.Dispose();
        }
        _queriers.Clear();
    }

    /// <summary>The <see cref="Time"/> timestamp after which the query has timed out (long.MaxValue: never).</summary>
    public long Deadline { get; init; } = long.MaxValue;

    /// <summary>
    /// How many iterations a loop over steps or points runs between two <see cref="CheckDone"/> calls (a power of two
    /// minus one, as a mask): frequent enough that a query stops well within a second of its deadline, rare enough to
    /// cost nothing in the hot loops.
    /// </summary>
    public const int CheckEvery = 0xFFF;

    /// <summary>Throws when the query was canceled or has run past its deadline.</summary>
    public void CheckDone()
    {
        Ct.ThrowIfCancellationRequested();
        if (Deadline != long.MaxValue && Time.GetTimestamp() > Deadline)
        {
            throw new PromQLEvalException(QueryErrorType.Timeout, "query timed out in expression evaluation");
        }
    }

    /// <summary>
    /// The samples held now, counted as Prometheus's engine counts them against <c>--query.max-samples</c>: selected
    /// points and loaded windows while they are in use, and every evaluated intermediate result until its consumer
    /// is done with it.
    /// </summary>
    public long CurrentSamples;

    /// <summary>The most <see cref="CurrentSamples"/> has been.</summary>
    public long PeakSamples;

    /// <summary>Counts <paramref name="n"/> more samples held, failing when that passes the limit.</summary>
    public void AddSamples(long n)
    {
        CurrentSamples += n;
        if (CurrentSamples > Options.MaxSamples)
        {
            throw TooManySamples();
        }
    }

    /// <summary>How many more samples the query may hold before it passes the limit.</summary>
    public long Room => Options.MaxSamples - CurrentSamples;

    /// <summary>
    /// Fails, before anything is allocated for them, when a step grid of <paramref name="steps"/> steps could not be
    /// evaluated within the sample limit: every node over the grid that has a value at all steps (a scalar, a dense
    /// series) holds one sample per step, so a grid with more steps than the limit is refused up front, as a query
    /// that would load too many samples (a subquery <c>[1y:1ms]</c>: 3×10^10 steps).
    /// </summary>
    public void CheckSteps(long steps)
    {
        if (steps > Options.MaxSamples)
        {
            throw TooManySamples();
        }
    }

    /// <summary>Fails when <paramref name="held"/> samples would pass the limit, and records them as a peak.</summary>
    public void Hold(long held)
    {
        if (held > Options.MaxSamples)
        {
            throw TooManySamples();
        }
        if (held > PeakSamples)
        {
            PeakSamples = held;
        }
    }

    public void UpdatePeak()
    {
        if (CurrentSamples > PeakSamples)
        {
            PeakSamples = CurrentSamples;
        }
    }

    /// <summary>
    /// Bytes of label sets the query has created (label_replace, label_join, count_values), which the sample count
    /// does not see: one series' labels can be far larger than its samples.
    /// </summary>
    public long LabelBytes;

    /// <summary>The most bytes of new label sets one query may create (see <see cref="EngineOptions.MaxLabelBytes"/>).</summary>
    public long MaxLabelBytes => Options.MaxLabelBytes ?? Math.Max(16L << 20, Options.MaxSamples * 16L);

    /// <summary>What may still be created under the label budget, in bytes.</summary>
    public long LabelRoom => MaxLabelBytes - LabelBytes;

    /// <summary>The bytes a new series with labels <paramref name="l"/> holds: its label array and strings, the series and its list.</summary>
    public static long SeriesBytes(Labels l)
    {
        long n = 128 + 24 + 16L * l.Count;
        foreach (var lb in l.AsSpan())
        {
            n += 2L * (lb.Name.Length + lb.Value.Length);
        }
        return n;
    }

    /// <summary>Counts <paramref name="bytes"/> more bytes of created label sets, failing before they are built when that passes the budget.</summary>
    public void AddLabelBytes(long bytes)
    {
        LabelBytes += bytes;
        if (LabelBytes > MaxLabelBytes)
        {
            throw new PromQLEvalException(QueryErrorType.Execution,
                "query processing would create too many bytes of labels in memory in query execution");
        }
    }

    internal static PromQLEvalException TooManySamples() =>
        new(QueryErrorType.Execution, "query processing would load too many samples into memory in query execution");
}

/// <summary>The samples of one selector loaded once for a time span, reused by every step (and every subquery step).</summary>
internal sealed class LoadedSelector
{
    public long Mint;
    public long Maxt;
    public List<LoadedSeries> Series = [];
}

/// <summary>One stored series' samples, with and without stale markers.</summary>
internal sealed class LoadedSeries(Labels labels, FloatPoint[] raw, int count)
{
    private RangeSeries? _nonStale;

    public Labels Labels { get; } = labels;
    public FloatPoint[] Raw { get; } = raw;
    public int Count { get; } = count;

    /// <summary>The samples without stale markers, as range selectors see them.</summary>
    public RangeSeries NonStale
    {
        get
        {
            if (_nonStale is null)
            {
                int stale = 0;
                for (int i = 0; i < Count; i++)
                {
                    if (SampleValue.IsStaleNaN(Raw[i].F))
                    {
                        stale++;
                    }
                }
                if (stale == 0)
                {
                    // The common case: share the array.
                    _nonStale = new RangeSeries(Labels, Raw, Count, false);
                    return _nonStale;
                }
                var pts = new FloatPoint[Count - stale];
                int n = 0;
                for (int i = 0; i < Count; i++)
                {
                    if (!SampleValue.IsStaleNaN(Raw[i].F))
                    {
                        pts[n++] = Raw[i];
                    }
                }
                _nonStale = new RangeSeries(Labels, pts, n, false);
            }
            return _nonStale;
        }
    }
}

/// <summary>
/// Evaluates an expression over the steps start, start+interval, ..., end (an instant query is one step): every
/// instant-vector or scalar node yields a <see cref="Matrix"/> with a point per step where it has a value.
/// </summary>
internal sealed partial class Evaluator
{
    private readonly EvalContext _ctx;
    private readonly long _start;
    private readonly long _end;
    private readonly long _interval;
    private readonly SampleTotals _totals;

    public Evaluator(EvalContext ctx, long start, long end, long interval, SampleTotals totals)
    {
        _ctx = ctx;
        _start = start;
        _end = end;
        _interval = interval;
        _totals = totals;
    }

    /// <summary>The number of steps; 64-bit, as a subquery like <c>[1y:1ms]</c> has more than 2^31.</summary>
    private long NumSteps => (_end - _start) / _interval + 1;

    /// <summary>
    /// The most points an output series is given room for before it has any: all its steps for the grids of range
    /// queries (at most 11,000 points), so the common case allocates once; larger grids (subqueries) start there and
    /// grow as points arrive, so a sparse series over millions of steps does not take memory for all of them.
    /// </summary>
    private const int MaxPreallocatedPoints = 11_001;

    /// <summary>The initial capacity of an output series over this evaluator's steps.</summary>
    private int StepCapacity => (int)Math.Min(NumSteps, MaxPreallocatedPoints);

    /// <summary>
    /// The initial capacity of a node's next output series that can have up to <paramref name="steps"/> points:
    /// room for all of them (up to <see cref="MaxPreallocatedPoints"/>) while the node's series together have been
    /// given no more than the samples the query may still hold (<paramref name="reserved"/> keeps the node's total),
    /// a small list that grows as points arrive after that. So preallocation is free for the common dense case, and a
    /// node making a million series (count_values over changing values) does not take memory for points it never has.
    /// </summary>
    private int SeriesCapacity(long steps, ref long reserved)
    {
        long want = Math.Min(steps, MaxPreallocatedPoints);
        if (reserved + want <= _ctx.Room)
        {
            reserved += want;
            return (int)want;
        }
        return (int)Math.Min(want, 4);
    }

    /// <summary>
    /// The largest grid the dedicated paths evaluate (their buffers hold a point per step for a round of series);
    /// larger grids, which only subqueries have, take the general path, whose series grow as points arrive.
    /// </summary>
    private const long MaxStreamSteps = 16_384;

    /// <summary>Fails when a series about to get its <paramref name="count"/>-th point would pass the sample limit given <paramref name="room"/>.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void CheckRoom(int count, long room)
    {
        if (count >= room)
        {
            throw EvalContext.TooManySamples();
        }
    }

    private bool DelayedNameRemoval => _ctx.Options.EnableDelayedNameRemoval;

    public static PromQLEvalException Error(string message) => new(QueryErrorType.Execution, message);

    /// <summary>Evaluates to a <see cref="Matrix"/> or a <see cref="StringValue"/>.</summary>
    public object Eval(Expr expr)
    {
        System.Runtime.CompilerServices.RuntimeHelpers.EnsureSufficientExecutionStack();
        _ctx.CheckDone();
        if (_end < _start)
        {
            return new Matrix();
        }
        switch (expr)
        {
            case NumberLiteral n:
                return ScalarMatrix(n.Value);
            case StringLiteral s:
                return new StringValue(s.Value);
            case ParenExpr p:
                return Eval(p.Expr);
            case DurationExpr d:
                return ScalarMatrix(d.Evaluate(_ctx.StepSeconds, _ctx.RangeSeconds));
            case UnaryExpr u:
                {
                    var m = EvalMatrix(u.Expr);
                    if (u.Op == BinaryOp.Sub)
                    {
                        foreach (var s in m)
                        {
                            s.DropName = true;
                            if (!DelayedNameRemoval)
                            {
                                s.Metric = DropMetadata(s.Metric);
                            }
                            var span = CollectionsMarshal.AsSpan(s.Points);
                            for (int i = 0; i < span.Length; i++)
                            {
                                span[i] = new FloatPoint(span[i].T, -span[i].F);
                            }
                        }
                    }
                    return m;
                }
            case VectorSelector vs:
                return EvalVectorSelector(vs);
            case MatrixSelector ms:
                return EvalMatrixSelectorValue(ms);
            case SubqueryExpr sq:
                {
                    var m = RunSubquery(sq, out var childTotals);
                    // As Prometheus: the subquery's samples count at the parent's last step.
                    _totals.Add(NumSteps - 1, childTotals.Total);
                    return m;
                }
            case BinaryExpr b:
                return EvalBinary(b);
            case AggregateExpr a:
                return EvalAggregate(a);
            case Call c:
                return EvalCall(c);
            default:
                throw new PromQLEvalException(QueryErrorType.Internal, "unexpected expression " + expr.GetType().Name);
        }
    }

    public Matrix EvalMatrix(Expr expr) => Eval(expr) as Matrix
        ?? throw new PromQLEvalException(QueryErrorType.Internal, "expected a matrix for " + expr);

    private Matrix ScalarMatrix(double v)
    {
        // A point per step: refused before the list is made when that passes the limit.
        if (NumSteps > _ctx.Room)
        {
            throw EvalContext.TooManySamples();
        }
        var s = new Series(Labels.Empty, false, StepCapacity);
        for (long ts = _start; ts <= _end; ts += _interval)
        {
            s.Points.Add(new FloatPoint(ts, v));
        }
        _ctx.AddSamples(s.Points.Count);
        _ctx.UpdatePeak();
        return new Matrix(1) { s };
    }

    /// <summary>The number of points in <paramref name="m"/> (what it holds in the sample count).</summary>
    internal static long TotalPoints(Matrix m)
    {
        long n = 0;
        foreach (var s in m)
        {
            n += s.Points.Count;
        }
        return n;
    }

    /// <summary>The values of a scalar argument, one per step.</summary>
    private double[] ScalarSteps(Expr expr)
    {
        var m = EvalMatrix(expr);
        // The grid was checked against the sample limit (CheckSteps), so it fits in an array.
        var r = new double[NumSteps];
        if (m.Count == 0)
        {
            Array.Fill(r, double.NaN);
            return r;
        }
        var pts = m[0].Points;
        for (int i = 0; i < r.Length; i++)
        {
            r[i] = i < pts.Count ? pts[i].F : double.NaN;
        }
        return r;
    }

    internal static Labels DropMetadata(Labels l)
    {
        if (!l.Has(Labels.MetricName) && !l.Has("__type__") && !l.Has("__unit__"))
        {
            return l;
        }
        var span = l.AsSpan();
        var list = new List<Label>(span.Length);
        foreach (var lb in span)
        {
            if (lb.Name is not (Labels.MetricName or "__type__" or "__unit__"))
            {
                list.Add(lb);
            }
        }
        return Labels.FromSorted(list.ToArray());
    }

    // ---- time helpers ----

    private long? AtTime(long? timestamp, AtModifier startOrEnd) => startOrEnd switch
    {
        AtModifier.Start => _ctx.QueryStart,
        AtModifier.End => _ctx.QueryEnd,
        _ => timestamp,
    };

    private long DurationMs(TimeSpan literal, DurationExpr? expr) =>
        expr is null ? (long)literal.TotalMilliseconds : (long)(expr.Evaluate(_ctx.StepSeconds, _ctx.RangeSeconds) * 1e9) / 1_000_000;

    // ---- storage ----

    private List<LoadedSeries> Load(VectorSelector vs, long mint, long maxt)
    {
        if (_ctx.Cache.TryGetValue(vs, out var cached) && cached.Mint <= mint && cached.Maxt >= maxt)
        {
            return cached.Series;
        }
        if (cached is not null)
        {
            mint = Math.Min(mint, cached.Mint);
            maxt = Math.Max(maxt, cached.Maxt);
        }
        var loaded = new LoadedSelector { Mint = mint, Maxt = maxt };
        var set = _ctx.Select(mint, maxt, vs.Matchers);
        // One scratch buffer for the whole selector; each series then gets an array of exactly its size, so loading
        // allocates the samples once instead of a growing list's copies plus a final copy.
        var sc = Scratch;
        while (set.MoveNext())
        {
            _ctx.CheckDone();
            var s = set.Current;
            int n = ReadSamples(s, mint, maxt, false, sc);
            var arr = n == 0 ? [] : sc.Buf.AsSpan(0, n).ToArray();
            loaded.Series.Add(new LoadedSeries(s.Labels, arr, arr.Length));
        }
        _ctx.Cache[vs] = loaded;
        return loaded.Series;
    }

    // ---- selectors ----

    /// <summary>What an instant selector's points carry: the sample's value, its timestamp or its start timestamp (in seconds).</summary>
    private enum SelectorValue : byte
    {
        Value,
        Timestamp,
        StartTimestamp,
    }

    private Matrix EvalVectorSelector(VectorSelector vs, SelectorValue value = SelectorValue.Value)
    {
        // An instant selector's window at a step is the lookback delta before it.
        var grid = GridOf(vs, _ctx.LookbackMs);
        if (vs.Smoothed)
        {
            return EvalSmoothedVectorSelector(vs, grid);
        }
        // Series by series through one reused buffer: only the points the steps take are kept.
        long mint = grid.Mint, lastRef = grid.LastRef, lookback = grid.Range;
        var set = _ctx.Select(mint, lastRef, vs.Matchers);
        var result = new Matrix();
        long steps = NumSteps, reserved = 0;
        var sc = Scratch;
        while (set.MoveNext())
        {
            _ctx.CheckDone();
            var ss = set.Current;
            int n = ReadSamples(ss, mint, lastRef, false, sc, value == SelectorValue.StartTimestamp, out bool hasSt);
            var pts = sc.Buf;
            Series? outS = null;
            int j = 0;
            long room = _ctx.Room;
            long iter = 0;
            for (long ts = _start; ts <= _end; ts += _interval)
            {
                if ((++iter & EvalContext.CheckEvery) == 0)
                {
                    _ctx.CheckDone();
                }
                long refT = grid.RefT(ts);
                while (j < n && pts[j].T <= refT)
                {
                    j++;
                }
                if (j == 0)
                {
                    continue;
                }
                var p = pts[j - 1];
                if (p.T <= refT - lookback || SampleValue.IsStaleNaN(p.F))
                {
                    continue;
                }
                outS ??= new Series(ss.Labels, false, SeriesCapacity(steps, ref reserved));
                CheckRoom(outS.Points.Count, room);
                double f = value switch
                {
                    SelectorValue.Timestamp => p.T / 1000.0,
                    SelectorValue.StartTimestamp => hasSt ? sc.StBuf[j - 1] / 1000.0 : 0,
                    _ => p.F,
                };
                outS.Points.Add(new FloatPoint(ts, f));
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

    /// <summary>Counts a selector's output series as Prometheus does: one sample held and queried per point, at its step.</summary>
    private void CountPoints(Series s)
    {
        int count = s.Points.Count;
        _ctx.AddSamples(count);
        if (_totals.PerStep is null)
        {
            _totals.Total += count;
            return;
        }
        foreach (var p in s.Points)
        {
            _totals.Add((p.T - _start) / _interval, 1);
        }
    }

    /// <summary>
    /// Where a selector's windows sit over the query's steps, written once for every selector: at step t the window
    /// ends at <see cref="RefT"/> = (at ?? t) - offset and holds the samples in (RefT - range, RefT]. A range selector's
    /// range is its own, an instant selector's the lookback delta. <see cref="Mint"/> and <see cref="LastRef"/> bound
    /// what all the steps' windows can hold, which is what is selected from storage.
    /// </summary>
    private readonly record struct WindowGrid(long Start, long End, long Interval, long? At, long Offset, long Range)
    {
        /// <summary>Where the window of the step at <paramref name="ts"/> ends.</summary>
        public long RefT(long ts) => (At ?? ts) - Offset;

        /// <summary>Where the first step's window ends.</summary>
        public long FirstRef => (At ?? Start) - Offset;

        /// <summary>Where the last step's window ends: the latest sample any window holds.</summary>
        public long LastRef => (At ?? End) - Offset;

        /// <summary>The earliest sample any window holds (windows are open on the left).</summary>
        public long Mint => FirstRef - Range + 1;
    }

    /// <summary>The grid of a selector with <paramref name="vs"/>'s offset and @ modifier and the range <paramref name="range"/>.</summary>
    private WindowGrid GridOf(VectorSelector vs, long range) =>
        new(_start, _end, _interval, AtTime(vs.Timestamp, vs.StartOrEnd), DurationMs(vs.Offset, vs.OffsetExpr), range);

    /// <summary>A range selector's input: series with points, and how each step's window is placed.</summary>
    private readonly record struct RangeInput(List<RangeSeries> Series, WindowGrid Grid, bool Anchored, bool Smoothed);

    private RangeInput LoadRange(MatrixSelector ms)
    {
        var vs = ms.VectorSelector;
        var grid = GridOf(vs, DurationMs(ms.Range, ms.RangeExpr));
        long mint = grid.Mint;
        long maxt = grid.LastRef;
        if (vs.Anchored)
        {
            mint -= _ctx.LookbackMs;
        }
        else if (vs.Smoothed)
        {
            mint -= _ctx.LookbackMs;
            maxt += _ctx.LookbackMs;
        }
        var loaded = Load(vs, mint, maxt);
        var list = new List<RangeSeries>(loaded.Count);
        foreach (var l in loaded)
        {
            list.Add(l.NonStale);
        }
        return new RangeInput(list, grid, vs.Anchored, vs.Smoothed);
    }

    /// <summary>A matrix selector evaluated as a value (instant queries only): each series' samples in the window.</summary>
    private Matrix EvalMatrixSelectorValue(MatrixSelector ms)
    {
        var input = LoadRange(ms);
        var result = new Matrix(input.Series.Count);
        long refT = input.Grid.FirstRef;
        foreach (var rs in input.Series)
        {
            var (lo, hi) = Window(rs.Points, rs.Count, refT, input.Grid.Range, 0, 0);
            if (input.Anchored || input.Smoothed)
            {
                var ext = ExtendWindow(rs, refT, input.Grid.Range, input.Smoothed, lo, hi);
                if (ext.Length == 0)
                {
                    continue;
                }
                var es = new Series(rs.Labels, rs.DropName, ext.Length);
                es.Points.AddRange(ext);
                result.Add(es);
                continue;
            }
            if (hi <= lo)
            {
                continue;
            }
            var s = new Series(rs.Labels, rs.DropName, hi - lo);
            for (int i = lo; i < hi; i++)
            {
                s.Points.Add(rs.Points[i]);
            }
            result.Add(s);
        }
        foreach (var s in result)
        {
            _ctx.AddSamples(s.Points.Count);
            _totals.Add(0, s.Points.Count);
        }
        _ctx.UpdatePeak();
        return result;
    }

    /// <summary>The index range [lo, hi) of the samples in (refT - range, refT], starting the search at the previous window.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static (int Lo, int Hi) Window(ReadOnlySpan<FloatPoint> pts, int n, long refT, long range, int lo, int hi)
    {
        long start = refT - range;
        if (lo > 0 && pts[lo - 1].T > start)
        {
            lo = 0;
        }
        if (hi > 0 && hi <= n && pts[hi - 1].T > refT)
        {
            hi = 0;
        }
        while (lo < n && pts[lo].T <= start)
        {
            lo++;
        }
        if (hi < lo)
        {
            hi = lo;
        }
        while (hi < n && pts[hi].T <= refT)
        {
            hi++;
        }
        return (lo, hi);
    }

    // ---- subqueries ----

    private Matrix RunSubquery(SubqueryExpr sq, out SampleTotals childTotals)
    {
        long off = DurationMs(sq.Offset, sq.OffsetExpr);
        long? at = AtTime(sq.Timestamp, sq.StartOrEnd);
        long range = DurationMs(sq.Range, sq.RangeExpr);
        long step = sq.Step != TimeSpan.Zero || sq.StepExpr is not null
            ? DurationMs(sq.Step, sq.StepExpr)
            : (long)_ctx.Options.DefaultEvaluationInterval.TotalMilliseconds;
        if (step <= 0)
        {
            throw Error("subquery step must be positive");
        }
        long baseStart = at ?? _start;
        long baseEnd = at ?? (_start + (_end - _start) / _interval * _interval);
        long end = baseEnd - off;
        long mint = baseStart - off - range;
        long start = step * (mint / step);
        if (start <= mint)
        {
            start += step;
        }
        // Steps counted in 64 bits, and a grid the sample limit cannot hold refused before any of it is evaluated.
        if (end >= start)
        {
            _ctx.CheckSteps((end - start) / step + 1);
        }
        // The child counts its own samples; the caller decides what of them the parent counts, as Prometheus does.
        childTotals = new SampleTotals(null);
        var child = new Evaluator(_ctx, start, end, step, childTotals);
        return child.EvalMatrix(sq.Expr);
    }

    // ---- range evaluation of instant-vector operations ----

    /// <summary>Called once per step with the argument vectors; appends the step's result to <c>output</c>.</summary>
    private delegate void StepFunc(List<Sample>[] args, long ts, List<Sample> output);

    /// <summary>
    /// Evaluates the arguments over all steps, then calls <paramref name="f"/> for each step with the vectors at that
    /// step and assembles the outputs into series. Each gathered sample's <see cref="Sample.Ord"/> is its series' index
    /// in the argument matrix.
    /// </summary>
    private Matrix RangeEval(StepFunc f, Matrix[] inputs, bool keepOrder = false, bool newLabels = false)
    {
        int nArgs = inputs.Length;
        var cursors = new int[nArgs][];
        var vectors = new List<Sample>[nArgs];
        for (int i = 0; i < nArgs; i++)
        {
            cursors[i] = new int[inputs[i].Count];
            vectors[i] = new List<Sample>(inputs[i].Count);
        }
        var output = new List<Sample>();
        bool instant = _start == _end;
        long steps = NumSteps;
        long step = -1;
        Matrix? result = null;
        Dictionary<Labels, (Series S, long LastT)>? bySeries = null;
        List<Series>? order = null;
        long total = 0;
        // As Prometheus counts: the inputs are held while the steps' outputs accumulate; afterwards only the output.
        long held = _ctx.CurrentSamples;
        long original = held;
        long reserved = 0;
        foreach (var m in inputs)
        {
            original -= TotalPoints(m);
        }
        for (long ts = _start; ts <= _end; ts += _interval)
        {
            step++;
            _ctx.CheckDone();
            for (int i = 0; i < nArgs; i++)
            {
                var v = vectors[i];
                v.Clear();
                var m = inputs[i];
                var cur = cursors[i];
                for (int si = 0; si < m.Count; si++)
                {
                    var pts = m[si].Points;
                    int c = cur[si];
                    if (c < pts.Count && pts[c].T == ts)
                    {
                        v.Add(new Sample(m[si].Metric, pts[c].F, m[si].DropName) { Ord = si });
                        cur[si] = c + 1;
                    }
                }
            }
            output.Clear();
            f(vectors, ts, output);
            total += output.Count;
            _ctx.Hold(held + total);
            if (instant)
            {
                if (!DelayedNameRemoval && !keepOrder)
                {
                    CheckDuplicates(output);
                }
                result = new Matrix(output.Count);
                foreach (var s in output)
                {
                    if (newLabels)
                    {
                        _ctx.AddLabelBytes(EvalContext.SeriesBytes(s.Metric));
                    }
                    var ser = new Series(s.Metric, s.DropName, 1);
                    ser.Points.Add(new FloatPoint(ts, s.F));
                    result.Add(ser);
                }
                _ctx.CurrentSamples = original + output.Count;
                _ctx.UpdatePeak();
                return result;
            }
            bySeries ??= new Dictionary<Labels, (Series, long)>();
            order ??= [];
            foreach (var s in output)
            {
                ref var slot = ref CollectionsMarshal.GetValueRefOrAddDefault(bySeries, s.Metric, out bool exists);
                if (exists)
                {
                    if (slot.LastT == ts)
                    {
                        throw Error("vector cannot contain metrics with the same labelset");
                    }
                    slot.LastT = ts;
                }
                else
                {
                    if (newLabels)
                    {
                        // The step function made these labels (count_values' value label): they are new memory,
                        // which the sample count does not see.
                        _ctx.AddLabelBytes(EvalContext.SeriesBytes(s.Metric));
                    }
                    slot = (new Series(s.Metric, s.DropName, SeriesCapacity(steps - step, ref reserved)), ts);
                    order.Add(slot.S);
                }
                slot.S.Points.Add(new FloatPoint(ts, s.F));
            }
        }
        result = new Matrix(order?.Count ?? 0);
        if (order is not null)
        {
            result.AddRange(order);
        }
        _ctx.CurrentSamples = original + total;
        _ctx.UpdatePeak();
        return result;
    }

    private static void CheckDuplicates(List<Sample> v)
    {
        if (v.Count < 2)
        {
            return;
        }
        var seen = new HashSet<Labels>();
        foreach (var s in v)
        {
            if (!seen.Add(s.Metric))
            {
                throw Error("vector cannot contain metrics with the same labelset");
            }
        }
    }
}

internal static class ListExtensions
{
    public static T[] ToArrayFast<T>(this IReadOnlyList<T> list)
    {
        var arr = new T[list.Count];
        for (int i = 0; i < arr.Length; i++)
        {
            arr[i] = list[i];
        }
        return arr;
    }
}
