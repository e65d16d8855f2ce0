using System.Globalization;
using System.Runtime.CompilerServices;
using System.Text;
using Ariane.Exposition;
using Ariane.Model;
using Ariane.PromQL.Ast;

namespace Ariane.PromQL.Engine;

// Aggregation operators, evaluated over all steps at once: series are assigned to groups once, then each step
// folds the series that have a point at that step.
internal sealed partial class Evaluator
{
    private struct AggGroup
    {
        public bool Seen;
        public double Value;
        public double Mean;
        public double C;
        public double Count;
        public bool IncrementalMean;
        public bool DropName;
        public List<double>? Values;
        public List<Sample>? Heap;
    }

    private Matrix EvalAggregate(AggregateExpr e)
    {
        var grouping = new List<string>(e.Grouping.Count);
        for (int i = 0; i < e.Grouping.Count; i++)
        {
            grouping.Add(e.Grouping[i]);
        }
        grouping.Sort(StringComparer.Ordinal);

        if (e.Op == AggregateOp.CountValues)
        {
            string valueLabel = ((StringLiteral)Unwrap(e.Param!)).Value;
            if (!Labels.IsValidLabelName(valueLabel))
            {
                throw Error("invalid label name " + Quote(valueLabel));
            }
            if (!e.Without)
            {
                grouping.Add(valueLabel);
                grouping.Sort(StringComparer.Ordinal);
            }
            var input = EvalMatrix(e.Expr);
            var sb = new StringBuilder();
            return RangeEval((v, _, o) =>
            {
                var counts = new Dictionary<string, (Labels L, int N)>(StringComparer.Ordinal);
                var order = new List<string>();
                foreach (var s in v[0])
                {
                    var b = new LabelsBuilder(s.Metric);
                    b.Set(valueLabel, FormatValue(s.F));
                    var metric = b.Build();
                    sb.Clear();
                    AppendGroupingKey(sb, metric, grouping, e.Without);
                    string key = sb.ToString();
                    if (counts.TryGetValue(key, out var c))
                    {
                        counts[key] = (c.L, c.N + 1);
                    }
                    else
                    {
                        counts[key] = (GroupingLabels(metric, grouping, e.Without), 1);
                        order.Add(key);
                    }
                }
                foreach (var k in order)
                {
                    var c = counts[k];
                    o.Add(new Sample(c.L, c.N, false));
                }
            }, [input], newLabels: true);
        }

        // As Prometheus counts: the parameter and the input are held during the aggregation, the result afterwards.
        long original = _ctx.CurrentSamples;
        double[]? param = null;
        if (e.Param is not null)
        {
            param = ScalarSteps(e.Param);
        }
        if (param is null && e.Op is AggregateOp.Sum or AggregateOp.Avg or AggregateOp.Min or AggregateOp.Max or AggregateOp.Count
                or AggregateOp.Group or AggregateOp.Stddev or AggregateOp.Stdvar
            && Unwrap(e.Expr) is Call { Args.Count: 1 } call && Unwrap(call.Args[0]) is MatrixSelector sel && CanStream(RangeFnOf(call.Func.Name), sel))
        {
            return AggregateStreamed(e, grouping, call, sel, original);
        }
        // A comparison filter straight under the aggregation (count by (grp) (x > 500)) is not materialised: the
        // aggregation reads the vector's series and skips the points the comparison drops. Its labels and values
        // are the vector's own, so the result is the same; the samples are counted as the filter's output would be.
        double[]? filterValues = null;
        bool[]? filterPresent = null;
        var filterOp = BinaryOp.Gtr;
        bool filterSwap = false;
        long filterHeld = 0, filterOriginal = 0, filterKept = 0;
        Matrix inputM;
        if (Unwrap(e.Expr) is BinaryExpr { ReturnBool: false } cmp && BinaryExpr.IsComparison(cmp.Op)
            && ((cmp.Lhs.Type == ExprType.InstantVector && cmp.Rhs.Type == ExprType.Scalar) || (cmp.Lhs.Type == ExprType.Scalar && cmp.Rhs.Type == ExprType.InstantVector)))
        {
            // The left side first, as the binary operator evaluates them.
            var left = EvalMatrix(cmp.Lhs);
            var right = EvalMatrix(cmp.Rhs);
            filterOp = cmp.Op;
            filterSwap = cmp.Lhs.Type == ExprType.Scalar;
            inputM = filterSwap ? right : left;
            filterValues = ScalarStepsOf(filterSwap ? left : right, out filterPresent);
            filterHeld = _ctx.CurrentSamples;
            filterOriginal = filterHeld - TotalPoints(left) - TotalPoints(right);
        }
        else
        {
            inputM = EvalMatrix(e.Expr);
        }

        // Assign every series to its group.
        var keyToGroup = new Dictionary<string, int>(StringComparer.Ordinal);
        var seriesGroup = new int[inputM.Count];
        var groupLabels = new List<Labels>();
        var keyBuf = new StringBuilder();
        for (int si = 0; si < inputM.Count; si++)
        {
            keyBuf.Clear();
            AppendGroupingKey(keyBuf, inputM[si].Metric, grouping, e.Without);
            string key = keyBuf.ToString();
            if (!keyToGroup.TryGetValue(key, out int gi))
            {
                gi = keyToGroup.Count;
                keyToGroup[key] = gi;
                groupLabels.Add(GroupingLabels(inputM[si].Metric, grouping, e.Without));
            }
            seriesGroup[si] = gi;
        }
        int nGroups = keyToGroup.Count;

        if (param is not null)
        {
            ValidateParam(e, param);
        }

        bool isK = e.Op is AggregateOp.Topk or AggregateOp.Bottomk or AggregateOp.Limitk or AggregateOp.LimitRatio;
        var groups = new AggGroup[nGroups];
        var cursors = new int[inputM.Count];
        bool instant = _start == _end;
        long steps = NumSteps, reserved = 0;

        // Result series: one per group (plain aggregations) or one per input series (k-aggregations).
        var outSeries = new Series?[isK ? inputM.Count : nGroups];
        var instantOrder = new List<Series>();
        long step = -1;
        for (long ts = _start; ts <= _end; ts += _interval)
        {
            step++;
            _ctx.CheckDone();
            double p = param is null ? 0 : param[step];
            Array.Clear(groups);
            long k = 0;
            double ratio = 0;
            bool skipStep = false;
            if (e.Op is AggregateOp.Topk or AggregateOp.Bottomk or AggregateOp.Limitk)
            {
                k = (long)Math.Min(p, inputM.Count);
                skipStep = k < 1;
            }
            else if (e.Op == AggregateOp.LimitRatio)
            {
                ratio = Math.Clamp(p, -1.0, 1.0);
                skipStep = p == 0;
            }

            for (int si = 0; si < inputM.Count; si++)
            {
                var pts = inputM[si].Points;
                int c = cursors[si];
                if (c >= pts.Count || pts[c].T != ts)
                {
                    continue;
                }
                cursors[si] = c + 1;
                double f = pts[c].F;
                if (filterValues is not null)
                {
                    if (!filterPresent![step] || !VectorScalarElem(filterOp, f, filterValues[step], filterSwap, false).Keep)
                    {
                        continue;
                    }
                    filterKept++;
                }
                if (skipStep)
                {
                    continue;
                }
                ref var g = ref groups[seriesGroup[si]];
                if (isK)
                {
                    var s = new Sample(inputM[si].Metric, f, inputM[si].DropName) { Ord = si };
                    AddK(e.Op, ref g, s, k, ratio);
                    continue;
                }
                Accumulate(e.Op, ref g, f, inputM[si].DropName);
            }
            if (skipStep)
            {
                continue;
            }

            for (int gi = 0; gi < nGroups; gi++)
            {
                ref var g = ref groups[gi];
                if (!g.Seen)
                {
                    continue;
                }
                if (isK)
                {
                    var heap = g.Heap!;
                    if (e.Op == AggregateOp.Topk && heap.Count > 1)
                    {
                        SortDescNaNLast(heap);
                    }
                    else if (e.Op == AggregateOp.Bottomk && heap.Count > 1)
                    {
                        SortAscNaNLast(heap);
                    }
                    foreach (var s in heap)
                    {
                        if (instant)
                        {
                            var one = new Series(s.Metric, s.DropName, 1);
                            one.Points.Add(new FloatPoint(ts, s.F));
                            instantOrder.Add(one);
                        }
                        else
                        {
                            var os = outSeries[s.Ord] ??= new Series(s.Metric, s.DropName, SeriesCapacity(steps - step, ref reserved));
                            os.Points.Add(new FloatPoint(ts, s.F));
                        }
                    }
                    continue;
                }
                double value = Finish(e.Op, ref g, p);
                var ser = outSeries[gi] ??= new Series(groupLabels[gi], false, SeriesCapacity(steps - step, ref reserved));
                ser.DropName |= g.DropName;
                ser.Points.Add(new FloatPoint(ts, value));
            }
        }

        if (filterValues is not null)
        {
            // Where the filter's own evaluation would have left the count (RangeEval's accounting).
            _ctx.Hold(filterHeld + filterKept);
            _ctx.CurrentSamples = filterOriginal + filterKept;
            _ctx.UpdatePeak();
        }
        if (isK && instant)
        {
            var r = new Matrix(instantOrder.Count);
            r.AddRange(instantOrder);
            _ctx.CurrentSamples = original + r.Count;
            _ctx.UpdatePeak();
            return r;
        }
        var result = new Matrix(outSeries.Length);
        foreach (var s in outSeries)
        {
            if (s is not null)
            {
                result.Add(s);
            }
        }
        _ctx.CurrentSamples = original + TotalPoints(result);
        _ctx.UpdatePeak();
        return result;
    }

    /// <summary>
    /// An aggregation without parameter straight over a streamed range function (<c>sum by (job) (rate(x[5m]))</c>):
    /// each series' output is folded into its group's per-step accumulators as it arrives, so the function's output
    /// is never materialised. Series reach each (group, step) in the order the general path folds them, so the sums
    /// are the same to the bit.
    /// </summary>
    private Matrix AggregateStreamed(AggregateExpr e, List<string> grouping, Call call, MatrixSelector sel, long original)
    {
        var st = new RangeCallState(call, call.Func.Name, new double[1][], _ctx.CurrentSamples) { MatrixArgPosition = call.Args[0].Position };
        int steps = (int)NumSteps; // at most MaxStreamSteps (CanStream)
        var keyToGroup = new Dictionary<string, int>(StringComparer.Ordinal);
        var groupLabels = new List<Labels>();
        var groups = new List<AggGroup[]>();
        bool dropName = !st.KeepName;
        bool drop = !DelayedNameRemoval && dropName;
        HashSet<Labels>? seen = DelayedNameRemoval ? null : [];
        var keyBuf = new StringBuilder();
        var op = e.Op;
        StreamRangeFunction(st, sel, [MethodImpl(MethodImplOptions.AggressiveOptimization)] (labels, points) =>
        {
            var metric = drop ? DropMetadata(labels) : labels;
            if (seen is not null && !seen.Add(metric))
            {
                throw Error("vector cannot contain metrics with the same labelset");
            }
            keyBuf.Clear();
            AppendGroupingKey(keyBuf, metric, grouping, e.Without);
            string key = keyBuf.ToString();
            if (!keyToGroup.TryGetValue(key, out int gi))
            {
                gi = groups.Count;
                keyToGroup[key] = gi;
                groupLabels.Add(GroupingLabels(metric, grouping, e.Without));
                groups.Add(new AggGroup[steps]);
            }
            var gs = groups[gi];
            foreach (var p in points)
            {
                Accumulate(op, ref gs[(int)((p.T - _start) / _interval)], p.F, dropName);
            }
        });
        // Where the range function would have left the count, before the aggregation replaces its output by its own.
        _ctx.CurrentSamples = st.Held0 + st.OutputSamples;
        var result = new Matrix(groups.Count);
        for (int gi = 0; gi < groups.Count; gi++)
        {
            var gs = groups[gi];
            Series? ser = null;
            for (int k = 0; k < steps; k++)
            {
                ref var g = ref gs[k];
                if (!g.Seen)
                {
                    continue;
                }
                ser ??= new Series(groupLabels[gi], false, steps);
                ser.DropName |= g.DropName;
                ser.Points.Add(new FloatPoint(_start + k * _interval, Finish(op, ref g, 0)));
            }
            if (ser is not null)
            {
                result.Add(ser);
            }
        }
        _ctx.CurrentSamples = original + TotalPoints(result);
        _ctx.UpdatePeak();
        return result;
    }

    private void ValidateParam(AggregateExpr e, double[] param)
    {
        double min = double.PositiveInfinity, max = double.NegativeInfinity;
        bool nan = false;
        foreach (double v in param)
        {
            if (double.IsNaN(v))
            {
                nan = true;
                continue;
            }
            min = Math.Min(min, v);
            max = Math.Max(max, v);
        }
        switch (e.Op)
        {
            case AggregateOp.Topk or AggregateOp.Bottomk or AggregateOp.Limitk:
                if (!(max >= 1) && !nan)
                {
                    return;
                }
                if (nan)
                {
                    throw Error("Parameter value is NaN");
                }
                if (min <= long.MinValue)
                {
                    throw Error($"Scalar value {FormatG(min)} underflows int64");
                }
                if (max >= long.MaxValue)
                {
                    throw Error($"Scalar value {FormatG(max)} overflows int64");
                }
                break;
            case AggregateOp.LimitRatio:
                if (max == 0 && min == 0)
                {
                    return;
                }
                if (nan)
                {
                    throw Error("Ratio value is NaN");
                }
                if (max > 1.0)
                {
                    _ctx.Warn($"ratio value should be between -1 and 1, got {FormatG(max)}, capping to 1", e.Param!.Position);
                }
                if (min < -1.0)
                {
                    _ctx.Warn($"ratio value should be between -1 and 1, got {FormatG(min)}, capping to -1", e.Param!.Position);
                }
                break;
            case AggregateOp.Quantile:
                if (nan)
                {
                    _ctx.Warn("quantile value should be between 0 and 1, got NaN", e.Param!.Position);
                }
                if (max > 1)
                {
                    _ctx.Warn($"quantile value should be between 0 and 1, got {FormatG(max)}", e.Param!.Position);
                }
                if (min < 0)
                {
                    _ctx.Warn($"quantile value should be between 0 and 1, got {FormatG(min)}", e.Param!.Position);
                }
                break;
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void Accumulate(AggregateOp op, ref AggGroup g, double f, bool dropName)
    {
        if (!g.Seen)
        {
            g.Seen = true;
            g.Value = f;
            g.Mean = f;
            g.C = 0;
            g.Count = 1;
            g.DropName = dropName;
            switch (op)
            {
                case AggregateOp.Stddev or AggregateOp.Stdvar:
                    g.Value = double.IsNaN(f) || double.IsInfinity(f) ? double.NaN : 0;
                    break;
                case AggregateOp.Quantile:
                    g.Values = [f];
                    break;
                case AggregateOp.Group:
                    g.Value = 1;
                    break;
            }
            return;
        }
        if (dropName)
        {
            g.DropName = true;
        }
        switch (op)
        {
            case AggregateOp.Sum:
                (g.Value, g.C) = Kahan.Inc(f, g.Value, g.C);
                break;
            case AggregateOp.Avg:
                g.Count++;
                if (!g.IncrementalMean)
                {
                    var (nv, nc) = Kahan.Inc(f, g.Value, g.C);
                    if (!double.IsInfinity(nv))
                    {
                        g.Value = nv;
                        g.C = nc;
                        break;
                    }
                    g.IncrementalMean = true;
                    g.Mean = g.Value / (g.Count - 1);
                    g.C /= g.Count - 1;
                }
                double q = (g.Count - 1) / g.Count;
                (g.Mean, g.C) = Kahan.Inc(f / g.Count, q * g.Mean, q * g.C);
                break;
            case AggregateOp.Max:
                if (g.Value < f || double.IsNaN(g.Value))
                {
                    g.Value = f;
                }
                break;
            case AggregateOp.Min:
                if (g.Value > f || double.IsNaN(g.Value))
                {
                    g.Value = f;
                }
                break;
            case AggregateOp.Count:
                g.Count++;
                break;
            case AggregateOp.Stddev or AggregateOp.Stdvar:
                {
                    g.Count++;
                    double delta = f - g.Mean;
                    g.Mean += delta / g.Count;
                    g.Value += delta * (f - g.Mean);
                    break;
                }
            case AggregateOp.Quantile:
                g.Values!.Add(f);
                break;
        }
    }

    private static double Finish(AggregateOp op, ref AggGroup g, double param) => op switch
    {
        AggregateOp.Avg => g.IncrementalMean ? g.Mean + g.C : g.Value / g.Count + g.C / g.Count,
        AggregateOp.Count => g.Count,
        AggregateOp.Stdvar => g.Value / g.Count,
        AggregateOp.Stddev => Math.Sqrt(g.Value / g.Count),
        AggregateOp.Quantile => Quantile(param, g.Values!),
        AggregateOp.Sum => double.IsInfinity(g.Value) ? g.Value : g.Value + g.C,
        _ => g.Value,
    };

    private static void AddK(AggregateOp op, ref AggGroup g, Sample s, long k, double ratio)
    {
        if (!g.Seen)
        {
            g.Seen = true;
            g.Heap = new List<Sample>((int)Math.Min(k, 16) + 1);
            if (op != AggregateOp.LimitRatio || AddRatioSample(ratio, s.Metric))
            {
                g.Heap.Add(s);
            }
            return;
        }
        var h = g.Heap!;
        switch (op)
        {
            case AggregateOp.Topk:
                if (h.Count < k)
                {
                    h.Add(s);
                    HeapUp(h, h.Count - 1, LessByValue);
                }
                else if (h[0].F < s.F || (double.IsNaN(h[0].F) && !double.IsNaN(s.F)))
                {
                    h[0] = s;
                    if (k > 1)
                    {
                        HeapFix(h, 0, LessByValue);
                    }
                }
                break;
            case AggregateOp.Bottomk:
                if (h.Count < k)
                {
                    h.Add(s);
                    HeapUp(h, h.Count - 1, LessByReverseValue);
                }
                else if (h[0].F > s.F || (double.IsNaN(h[0].F) && !double.IsNaN(s.F)))
                {
                    h[0] = s;
                    if (k > 1)
                    {
                        HeapFix(h, 0, LessByReverseValue);
                    }
                }
                break;
            case AggregateOp.Limitk:
                if (h.Count < k)
                {
                    h.Add(s);
                }
                break;
            case AggregateOp.LimitRatio:
                if (AddRatioSample(ratio, s.Metric))
                {
                    h.Add(s);
                }
                break;
        }
    }

    /// <summary>
    /// Whether a series falls in the deterministic sample of <c>limit_ratio</c>: its label hash places it in [0, 1).
    /// The hash is Prometheus's (XXH64 of <c>name 0xff value 0xff ...</c>), so the same series are picked.
    /// </summary>
    private static bool AddRatioSample(double ratio, Labels metric)
    {
        double offset = PrometheusHash(metric) / (double)ulong.MaxValue;
        return ratio >= 0 ? offset < ratio : offset >= 1 + ratio;
    }

    internal static ulong PrometheusHash(Labels metric)
    {
        var h = new System.IO.Hashing.XxHash64();
        ReadOnlySpan<byte> sep = [0xFF];
        foreach (var l in metric.AsSpan())
        {
            h.Append(Encoding.UTF8.GetBytes(l.Name));
            h.Append(sep);
            h.Append(Encoding.UTF8.GetBytes(l.Value));
            h.Append(sep);
        }
        return h.GetCurrentHashAsUInt64();
    }

    private static bool LessByValue(Sample a, Sample b) => double.IsNaN(a.F) || a.F < b.F;

    private static bool LessByReverseValue(Sample a, Sample b) => double.IsNaN(a.F) || a.F > b.F;

    private static void HeapUp(List<Sample> h, int j, Func<Sample, Sample, bool> less)
    {
        while (true)
        {
            int i = (j - 1) / 2;
            if (i == j || !less(h[j], h[i]))
            {
                break;
            }
            (h[i], h[j]) = (h[j], h[i]);
            j = i;
        }
    }

    private static bool HeapDown(List<Sample> h, int i0, int n, Func<Sample, Sample, bool> less)
    {
        int i = i0;
        while (true)
        {
            int j1 = 2 * i + 1;
            if (j1 >= n || j1 < 0)
            {
                break;
            }
            int j = j1;
            int j2 = j1 + 1;
            if (j2 < n && less(h[j2], h[j1]))
            {
                j = j2;
            }
            if (!less(h[j], h[i]))
            {
                break;
            }
            (h[i], h[j]) = (h[j], h[i]);
            i = j;
        }
        return i > i0;
    }

    private static void HeapFix(List<Sample> h, int i, Func<Sample, Sample, bool> less)
    {
        if (!HeapDown(h, i, h.Count, less))
        {
            HeapUp(h, i, less);
        }
    }

    internal static void SortDescNaNLast(List<Sample> v) => StableSort(v, (a, b) =>
        double.IsNaN(a.F) ? (double.IsNaN(b.F) ? 0 : 1) : double.IsNaN(b.F) ? -1 : b.F.CompareTo(a.F));

    internal static void SortAscNaNLast(List<Sample> v) => StableSort(v, (a, b) =>
        double.IsNaN(a.F) ? (double.IsNaN(b.F) ? 0 : 1) : double.IsNaN(b.F) ? -1 : a.F.CompareTo(b.F));

    internal static void StableSort(List<Sample> v, Comparison<Sample> cmp)
    {
        // Insertion sort into a new order keeps equal elements in place; vectors here are small.
        var arr = v.ToArray();
        var idx = new int[arr.Length];
        for (int i = 0; i < idx.Length; i++)
        {
            idx[i] = i;
        }
        Array.Sort(idx, (x, y) =>
        {
            int c = cmp(arr[x], arr[y]);
            return c != 0 ? c : x.CompareTo(y);
        });
        for (int i = 0; i < idx.Length; i++)
        {
            v[i] = arr[idx[i]];
        }
    }

    /// <summary>Prometheus's quantile over a set of values (NaNs sort first), with linear interpolation between ranks.</summary>
    internal static double Quantile(double q, List<double> values)
    {
        if (values.Count == 0 || double.IsNaN(q))
        {
            return double.NaN;
        }
        if (q < 0)
        {
            return double.NegativeInfinity;
        }
        if (q > 1)
        {
            return double.PositiveInfinity;
        }
        values.Sort(static (a, b) => double.IsNaN(a) ? (double.IsNaN(b) ? 0 : -1) : double.IsNaN(b) ? 1 : a.CompareTo(b));
        double n = values.Count;
        double rank = q * (n - 1);
        double lower = Math.Max(0, Math.Floor(rank));
        double upper = Math.Min(n - 1, lower + 1);
        double weight = rank - Math.Floor(rank);
        return values[(int)lower] * (1 - weight) + values[(int)upper] * weight;
    }

    private static void AppendGroupingKey(StringBuilder sb, Labels metric, List<string> grouping, bool without)
    {
        if (without)
        {
            foreach (var lb in metric.AsSpan())
            {
                if (lb.Name == Labels.MetricName || grouping.BinarySearch(lb.Name, StringComparer.Ordinal) >= 0)
                {
                    continue;
                }
                sb.Append(lb.Name).Append('\xff').Append(lb.Value).Append('\xff');
            }
            return;
        }
        foreach (var n in grouping)
        {
            string v = metric.Get(n);
            if (v.Length > 0)
            {
                sb.Append(n).Append('\xff').Append(v).Append('\xff');
            }
        }
    }

    private static Labels GroupingLabels(Labels metric, List<string> grouping, bool without)
    {
        if (!without && grouping.Count == 0)
        {
            return Labels.Empty;
        }
        var list = new List<Label>();
        foreach (var lb in metric.AsSpan())
        {
            bool listed = grouping.BinarySearch(lb.Name, StringComparer.Ordinal) >= 0;
            if (without ? !listed && lb.Name != Labels.MetricName : listed)
            {
                list.Add(lb);
            }
        }
        return Labels.FromSorted(list.ToArray());
    }

    private static Expr Unwrap(Expr e)
    {
        while (e is ParenExpr p)
        {
            e = p.Expr;
        }
        return e;
    }

    /// <summary>Go's <c>strconv.FormatFloat(f, 'f', -1, 64)</c>.</summary>
    internal static string FormatValue(double f)
    {
        if (ApiFormat.NonFinite(f) is { } special)
        {
            return special;
        }
        Span<byte> buf = stackalloc byte[400]; // no exponent: up to 309 integer digits, or 324 places after the point
        int n = ShortestFloat.FormatFixed(f, buf);
        return Encoding.ASCII.GetString(buf[..n]);
    }

    /// <summary>Go's <c>%g</c> for the values that appear in messages.</summary>
    internal static string FormatG(double f)
    {
        if (ApiFormat.NonFinite(f) is { } special)
        {
            return special;
        }
        string r = f.ToString("R", CultureInfo.InvariantCulture);
        int e = r.IndexOf('E', StringComparison.Ordinal);
        if (e >= 0)
        {
            string mant = r[..e];
            int exp = int.Parse(r[(e + 1)..], CultureInfo.InvariantCulture);
            r = mant + "e" + (exp < 0 ? "-" : "+") + Math.Abs(exp).ToString("00", CultureInfo.InvariantCulture);
        }
        return r;
    }

    private static string Quote(string s)
    {
        var sb = new StringBuilder("\"");
        foreach (char c in s)
        {
            switch (c)
            {
                case '"':
                    sb.Append("\\\"");
                    break;
                case '\\':
                    sb.Append("\\\\");
                    break;
                case '\n':
                    sb.Append("\\n");
                    break;
                default:
                    sb.Append(c);
                    break;
            }
        }
        return sb.Append('"').ToString();
    }
}
