using System.Runtime.InteropServices;
using System.Text;
using Ariane.Model;
using Ariane.PromQL.Ast;

namespace Ariane.PromQL.Engine;

// Binary operators: scalar/scalar, vector/scalar and vector/vector with matching, set operators and fill modifiers.
internal sealed partial class Evaluator
{
    private static readonly VectorMatching DefaultMatching = new(VectorMatchCardinality.OneToOne, [], false, []);

    private Matrix EvalBinary(BinaryExpr e)
    {
        var lt = e.Lhs.Type;
        var rt = e.Rhs.Type;
        if (lt == ExprType.Scalar && rt == ExprType.Scalar)
        {
            var l = EvalMatrix(e.Lhs);
            var r = EvalMatrix(e.Rhs);
            return RangeEval((v, _, o) =>
            {
                if (v[0].Count > 0 && v[1].Count > 0)
                {
                    o.Add(new Sample(Labels.Empty, ScalarBinop(e.Op, v[0][0].F, v[1][0].F), false));
                }
            }, [l, r]);
        }
        if (lt == ExprType.InstantVector && rt == ExprType.InstantVector)
        {
            var matching = e.Matching ?? DefaultMatching;
            var l = EvalMatrix(e.Lhs);
            var r = EvalMatrix(e.Rhs);
            var (lsig, rsig, nsigs) = Signatures(l, r, matching);
            if (!BinaryExpr.IsSetOperator(e.Op) && JoinWholeRange(e, matching, l, r, lsig, rsig, nsigs) is { } joined)
            {
                return joined;
            }
            var scratch = new BinopScratch(nsigs);
            return e.Op switch
            {
                BinaryOp.And => RangeEval((v, _, o) => VectorAnd(v[0], v[1], lsig, rsig, scratch, o), [l, r]),
                BinaryOp.Or => RangeEval((v, _, o) => VectorOr(v[0], v[1], lsig, rsig, scratch, o), [l, r]),
                BinaryOp.Unless => RangeEval((v, _, o) => VectorUnless(v[0], v[1], lsig, rsig, scratch, o), [l, r]),
                _ => RangeEval((v, _, o) => VectorBinop(e, matching, v[0], v[1], lsig, rsig, scratch, o), [l, r]),
            };
        }
        bool scalarLeft = lt == ExprType.Scalar;
        // The left side first, as Prometheus evaluates (it decides which error wins and the samples' peak).
        var left = EvalMatrix(e.Lhs);
        var right = EvalMatrix(e.Rhs);
        var vec = scalarLeft ? right : left;
        var sc = scalarLeft ? left : right;
        if (VectorScalarWholeRange(e, vec, sc, scalarLeft) is { } filtered)
        {
            return filtered;
        }
        return RangeEval((v, _, o) =>
        {
            if (v[1].Count == 0)
            {
                return;
            }
            VectorScalarBinop(e.Op, v[0], v[1][0].F, scalarLeft, e.ReturnBool, o);
        }, [vec, sc]);
    }

    internal static double ScalarBinop(BinaryOp op, double l, double r) => op switch
    {
        BinaryOp.Add => l + r,
        BinaryOp.Sub => l - r,
        BinaryOp.Mul => l * r,
        BinaryOp.Div => l / r,
        BinaryOp.Pow => Math.Pow(l, r),
        BinaryOp.Mod => l % r,
        BinaryOp.Eql => l == r ? 1 : 0,
        BinaryOp.Neq => l != r ? 1 : 0,
        BinaryOp.Gtr => l > r ? 1 : 0,
        BinaryOp.Lss => l < r ? 1 : 0,
        BinaryOp.Gte => l >= r ? 1 : 0,
        BinaryOp.Lte => l <= r ? 1 : 0,
        BinaryOp.Atan2 => Math.Atan2(l, r),
        _ => throw new PromQLEvalException(QueryErrorType.Internal, $"operator {op} not allowed for scalar operations"),
    };

    /// <summary>Applies <paramref name="op"/> to two floats: the value and whether the sample is kept (comparisons filter).</summary>
    private static (double Value, bool Keep) ElemBinop(BinaryOp op, double l, double r) => op switch
    {
        BinaryOp.Eql => (l, l == r),
        BinaryOp.Neq => (l, l != r),
        BinaryOp.Gtr => (l, l > r),
        BinaryOp.Lss => (l, l < r),
        BinaryOp.Gte => (l, l >= r),
        BinaryOp.Lte => (l, l <= r),
        BinaryOp.TrimUpper or BinaryOp.TrimLower => (l, true),
        _ => (ScalarBinop(op, l, r), true),
    };

    private static bool ChangesMetricSchema(BinaryOp op) =>
        op is BinaryOp.Add or BinaryOp.Sub or BinaryOp.Mul or BinaryOp.Div or BinaryOp.Pow or BinaryOp.Mod or BinaryOp.Atan2;

    /// <summary>
    /// A vector/scalar operation on one element: the result's value and whether it is kept (a comparison without
    /// <c>bool</c> filters, and keeps the vector's value on either side).
    /// </summary>
    private static (double Value, bool Keep) VectorScalarElem(BinaryOp op, double f, double scalar, bool swap, bool returnBool)
    {
        double l = f, r = scalar;
        if (swap)
        {
            (l, r) = (r, l);
        }
        var (value, keep) = ElemBinop(op, l, r);
        if (BinaryExpr.IsComparison(op) && swap)
        {
            value = r;
        }
        if (returnBool)
        {
            value = keep ? 1 : 0;
            keep = true;
        }
        return (value, keep);
    }

    private void VectorScalarBinop(BinaryOp op, List<Sample> vec, double scalar, bool swap, bool returnBool, List<Sample> output)
    {
        foreach (var s in vec)
        {
            var (value, keep) = VectorScalarElem(op, s.F, scalar, swap, returnBool);
            if (!keep)
            {
                continue;
            }
            var o = s;
            o.F = value;
            if (ChangesMetricSchema(op) || returnBool)
            {
                if (!DelayedNameRemoval)
                {
                    o.Metric = DropMetadata(o.Metric);
                }
                o.DropName = true;
            }
            output.Add(o);
        }
    }

    /// <summary>
    /// A vector/scalar operation over all steps at once, series by series (the per-step path gathers every series
    /// at every step and looks each output up by its labels): each input series gives at most one output series
    /// with the same or metadata-less labels, known before any point is computed. Null when the per-step path must
    /// decide: dropping metadata makes two series' labels equal (it reports the duplicate at the step where both
    /// are present).
    /// </summary>
    private Matrix? VectorScalarWholeRange(BinaryExpr e, Matrix vec, Matrix sc, bool scalarLeft)
    {
        var op = e.Op;
        bool returnBool = e.ReturnBool;
        bool renames = ChangesMetricSchema(op) || returnBool;
        Labels[]? metrics = null;
        if (renames && !DelayedNameRemoval)
        {
            metrics = new Labels[vec.Count];
            var distinct = new HashSet<Labels>(vec.Count);
            for (int i = 0; i < vec.Count; i++)
            {
                metrics[i] = DropMetadata(vec[i].Metric);
                if (!distinct.Add(metrics[i]))
                {
                    return null;
                }
            }
        }
        var scalars = ScalarStepsOf(sc, out var present);
        var loop = new SeriesLoop(new Matrix(), _ctx.CurrentSamples, TotalPoints(vec) + TotalPoints(sc));
        for (int i = 0; i < vec.Count; i++)
        {
            if ((i & 1023) == 0)
            {
                _ctx.CheckDone();
            }
            var s = vec[i];
            var pts = CollectionsMarshal.AsSpan(s.Points);
            Series? o = null;
            foreach (var p in pts)
            {
                int step = (int)((p.T - _start) / _interval);
                if (!present[step])
                {
                    continue;
                }
                var (value, keep) = VectorScalarElem(op, p.F, scalars[step], scalarLeft, returnBool);
                if (!keep)
                {
                    continue;
                }
                o ??= new Series(metrics?[i] ?? s.Metric, renames || s.DropName, pts.Length);
                o.Points.Add(new FloatPoint(p.T, value));
            }
            AddLoopOutput(ref loop, o);
        }
        return EndSeriesLoop(loop);
    }

    /// <summary>
    /// A series-by-series loop's result and its sample accounting, as Prometheus's rangeEval counts: the inputs
    /// (<paramref name="InputPoints"/>, part of what was <paramref name="Held"/> on entry) stay held while the output
    /// accumulates; afterwards only the output.
    /// </summary>
    private record struct SeriesLoop(Matrix Result, long Held, long InputPoints)
    {
        /// <summary>The output points so far.</summary>
        public long Total;
    }

    /// <summary>Adds one input series' output <paramref name="o"/> (if any) to the loop's result and holds it.</summary>
    private void AddLoopOutput(ref SeriesLoop loop, Series? o)
    {
        if (o is null)
        {
            return;
        }
        loop.Result.Add(o);
        loop.Total += o.Points.Count;
        _ctx.Hold(loop.Held + loop.Total);
    }

    /// <summary>Ends a series-by-series loop: from now on its output is held instead of its inputs.</summary>
    private Matrix EndSeriesLoop(in SeriesLoop loop)
    {
        _ctx.CurrentSamples = loop.Held - loop.InputPoints + loop.Total;
        _ctx.UpdatePeak();
        return loop.Result;
    }

    /// <summary>A scalar operand's value at each step, and whether it has one there (a scalar matrix has at most one series).</summary>
    private double[] ScalarStepsOf(Matrix sc, out bool[] present)
    {
        long steps = NumSteps; // bounded: grids the sample limit cannot hold are refused before evaluation
        var values = new double[steps];
        present = new bool[steps];
        if (sc.Count > 0)
        {
            foreach (var p in sc[0].Points)
            {
                int step = (int)((p.T - _start) / _interval);
                values[step] = p.F;
                present[step] = true;
            }
        }
        return values;
    }

    /// <summary>
    /// Per-step scratch state of a vector/vector operation, indexed by signature ordinal; allocated once per
    /// evaluation and cleared at each step.
    /// </summary>
    private sealed class BinopScratch(int n)
    {
        public readonly bool[] Present = new bool[n];
        public readonly Sample[] Right = new Sample[n];
        public readonly bool[] Matched = new bool[n];

        /// <summary>The (signature, result labels) pairs of the step's group_left/group_right matches, for their uniqueness.</summary>
        public readonly HashSet<(int Ord, Labels Metric)> MatchedPairs = [];
        /// <summary>
        /// Result labels by pair of series indexes. long's own hash is the xor of its halves, which is 0 for every
        /// pair (i, i) (a series matched with the same-position series of the other side, the common case): all
        /// pairs then share one bucket and each lookup scans them all. <see cref="PairComparer"/> mixes the bits.
        /// </summary>
        public readonly Dictionary<long, Labels> ResultMetrics = new(PairComparer.Instance);

        public void Reset()
        {
            Array.Clear(Present);
            Array.Clear(Matched);
            MatchedPairs.Clear();
        }
    }

    /// <summary>Hashes a pair of series indexes packed in a long with Fibonacci hashing, so that no bits cancel out.</summary>
    private sealed class PairComparer : IEqualityComparer<long>
    {
        public static readonly PairComparer Instance = new();

        public bool Equals(long x, long y) => x == y;

        public int GetHashCode(long x) => (int)(((ulong)x * 0x9E3779B97F4A7C15UL) >> 32);
    }

    /// <summary>
    /// The join signature ordinal of every series of both sides: series with equal matching labels share an
    /// ordinal. Each series' matching labels are hashed once per evaluation (not per step); a hash already seen is
    /// checked against the labels of the series that introduced it, and on a collision the ordinals are made from
    /// the full signature strings instead.
    /// </summary>
    private static (int[] L, int[] R, int N) Signatures(Matrix l, Matrix r, VectorMatching matching)
    {
        var names = new List<string>(matching.MatchingLabels.Count);
        for (int i = 0; i < matching.MatchingLabels.Count; i++)
        {
            names.Add(matching.MatchingLabels[i]);
        }
        names.Sort(StringComparer.Ordinal);
        var ords = new Dictionary<ulong, int>(l.Count + r.Count);
        var firsts = new List<Labels>();
        var ls = new int[l.Count];
        var rs = new int[r.Count];
        if (HashSide(l, ls) && HashSide(r, rs))
        {
            return (ls, rs, firsts.Count);
        }
        return SignatureStrings(l, r, matching, names);

        bool HashSide(Matrix m, int[] res)
        {
            for (int i = 0; i < m.Count; i++)
            {
                var metric = m[i].Metric;
                ulong h = SignatureHash(metric, matching.On, names);
                if (ords.TryGetValue(h, out int ord))
                {
                    if (!SameSignature(firsts[ord], metric, matching.On, names))
                    {
                        return false;
                    }
                }
                else
                {
                    ord = firsts.Count;
                    ords[h] = ord;
                    firsts.Add(metric);
                }
                res[i] = ord;
            }
            return true;
        }
    }

    /// <summary>A 64-bit hash of the labels that take part in matching (names and values, in name order).</summary>
    private static ulong SignatureHash(Labels metric, bool on, List<string> names)
    {
        ulong h = 0x9E3779B97F4A7C15UL;
        if (on)
        {
            foreach (var n in names)
            {
                string v = metric.Get(n);
                if (v.Length > 0)
                {
                    h = HashLabel(h, n, v);
                }
            }
            return h;
        }
        foreach (var lb in metric.AsSpan())
        {
            if (lb.Name == Labels.MetricName || names.BinarySearch(lb.Name, StringComparer.Ordinal) >= 0)
            {
                continue;
            }
            h = HashLabel(h, lb.Name, lb.Value);
        }
        return h;
    }

    private static ulong HashLabel(ulong h, string name, string value)
    {
        h = System.IO.Hashing.XxHash3.HashToUInt64(MemoryMarshal.AsBytes(name.AsSpan()), (long)h);
        // The value's length in the seed, so that ("ab", "c") and ("a", "bc") differ.
        return System.IO.Hashing.XxHash3.HashToUInt64(MemoryMarshal.AsBytes(value.AsSpan()), (long)(h ^ (ulong)value.Length));
    }

    /// <summary>Whether two series have equal matching labels.</summary>
    private static bool SameSignature(Labels a, Labels b, bool on, List<string> names)
    {
        if (on)
        {
            foreach (var n in names)
            {
                if (!string.Equals(a.Get(n), b.Get(n), StringComparison.Ordinal))
                {
                    return false;
                }
            }
            return true;
        }
        var sa = a.AsSpan();
        var sb = b.AsSpan();
        int i = 0, j = 0;
        while (true)
        {
            while (i < sa.Length && (sa[i].Name == Labels.MetricName || names.BinarySearch(sa[i].Name, StringComparer.Ordinal) >= 0))
            {
                i++;
            }
            while (j < sb.Length && (sb[j].Name == Labels.MetricName || names.BinarySearch(sb[j].Name, StringComparer.Ordinal) >= 0))
            {
                j++;
            }
            if (i == sa.Length || j == sb.Length)
            {
                return i == sa.Length && j == sb.Length;
            }
            if (sa[i] != sb[j])
            {
                return false;
            }
            i++;
            j++;
        }
    }

    /// <summary>The signature ordinals from signature strings (after a hash collision).</summary>
    private static (int[] L, int[] R, int N) SignatureStrings(Matrix l, Matrix r, VectorMatching matching, List<string> names)
    {
        var ords = new Dictionary<string, int>(StringComparer.Ordinal);
        var sb = new StringBuilder();
        int[] Side(Matrix m)
        {
            var res = new int[m.Count];
            for (int i = 0; i < m.Count; i++)
            {
                sb.Clear();
                AppendSignature(sb, m[i].Metric, matching.On, names);
                string key = sb.ToString();
                if (!ords.TryGetValue(key, out int ord))
                {
                    ord = ords.Count;
                    ords[key] = ord;
                }
                res[i] = ord;
            }
            return res;
        }
        var ls = Side(l);
        var rs = Side(r);
        return (ls, rs, ords.Count);
    }

    private static void AppendSignature(StringBuilder sb, Labels metric, bool on, List<string> names)
    {
        if (on)
        {
            foreach (var n in names)
            {
                string v = metric.Get(n);
                if (v.Length > 0)
                {
                    sb.Append(n).Append('\xff').Append(v).Append('\xff');
                }
            }
            return;
        }
        foreach (var lb in metric.AsSpan())
        {
            if (lb.Name == Labels.MetricName || names.BinarySearch(lb.Name, StringComparer.Ordinal) >= 0)
            {
                continue;
            }
            sb.Append(lb.Name).Append('\xff').Append(lb.Value).Append('\xff');
        }
    }

    /// <summary>The labels of <paramref name="metric"/> that take part in matching (Prometheus's MatchLabels).</summary>
    private static Labels MatchLabels(Labels metric, VectorMatching matching)
    {
        var b = new LabelsBuilder();
        foreach (var lb in metric.AsSpan())
        {
            bool listed = Contains(matching.MatchingLabels, lb.Name);
            if (matching.On ? listed : !listed && lb.Name != Labels.MetricName)
            {
                b.Set(lb.Name, lb.Value);
            }
        }
        return b.Build();
    }

    private static bool Contains(IReadOnlyList<string> list, string s)
    {
        for (int i = 0; i < list.Count; i++)
        {
            if (list[i] == s)
            {
                return true;
            }
        }
        return false;
    }

    private static void VectorAnd(List<Sample> lhs, List<Sample> rhs, int[] lsig, int[] rsig, BinopScratch sc, List<Sample> output)
    {
        if (lhs.Count == 0 || rhs.Count == 0)
        {
            return;
        }
        sc.Reset();
        foreach (var r in rhs)
        {
            sc.Present[rsig[r.Ord]] = true;
        }
        foreach (var l in lhs)
        {
            if (sc.Present[lsig[l.Ord]])
            {
                output.Add(l);
            }
        }
    }

    private static void VectorOr(List<Sample> lhs, List<Sample> rhs, int[] lsig, int[] rsig, BinopScratch sc, List<Sample> output)
    {
        sc.Reset();
        foreach (var l in lhs)
        {
            sc.Present[lsig[l.Ord]] = true;
            output.Add(l);
        }
        foreach (var r in rhs)
        {
            if (!sc.Present[rsig[r.Ord]])
            {
                output.Add(r);
            }
        }
    }

    private static void VectorUnless(List<Sample> lhs, List<Sample> rhs, int[] lsig, int[] rsig, BinopScratch sc, List<Sample> output)
    {
        sc.Reset();
        foreach (var r in rhs)
        {
            sc.Present[rsig[r.Ord]] = true;
        }
        foreach (var l in lhs)
        {
            if (!sc.Present[lsig[l.Ord]])
            {
                output.Add(l);
            }
        }
    }

    /// <summary>
    /// An arithmetic or comparison operation between two vectors over all steps at once. In a range query the
    /// series of each side are the same at every step; only whether each has a point varies. So when the match
    /// table cannot fail at any step (each signature has at most one series on the "one" side; for one-to-one
    /// matching, at most one on the other side among those with a partner; and every pair's result labels are
    /// distinct), every series of the "many" side has a fixed partner and fixed result labels, and its output is
    /// the merge of the two series' points: no per-step hash lookups, no per-step allocations. Otherwise null:
    /// the per-step path decides, and reports an error at the first step where two series collide, as Prometheus.
    /// </summary>
    private Matrix? JoinWholeRange(BinaryExpr e, VectorMatching matching, Matrix l, Matrix r, int[] lsig, int[] rsig, int nsigs)
    {
        if (matching.FillLeft is not null || matching.FillRight is not null)
        {
            return null;
        }
        bool swapped = matching.Card == VectorMatchCardinality.OneToMany;
        var (many, one, msig, osig) = swapped ? (r, l, rsig, lsig) : (l, r, lsig, rsig);
        var partner = new int[nsigs];
        Array.Fill(partner, -1);
        for (int i = 0; i < one.Count; i++)
        {
            ref int p = ref partner[osig[i]];
            if (p >= 0)
            {
                return null;
            }
            p = i;
        }
        if (matching.Card == VectorMatchCardinality.OneToOne)
        {
            var taken = new bool[nsigs];
            for (int i = 0; i < many.Count; i++)
            {
                int ord = msig[i];
                if (partner[ord] < 0)
                {
                    continue;
                }
                if (taken[ord])
                {
                    return null;
                }
                taken[ord] = true;
            }
        }
        var op = e.Op;
        bool returnBool = e.ReturnBool;
        bool dropMetricName = !DelayedNameRemoval && returnBool;
        var metrics = new Labels?[many.Count];
        var distinct = new HashSet<Labels>(Math.Min(many.Count, one.Count));
        for (int i = 0; i < many.Count; i++)
        {
            int p = partner[msig[i]];
            if (p < 0)
            {
                continue;
            }
            var metric = ResultMetric(many[i].Metric, one[p].Metric, op, matching, dropMetricName);
            if (!distinct.Add(metric))
            {
                return null;
            }
            metrics[i] = metric;
        }

        var loop = new SeriesLoop(new Matrix(), _ctx.CurrentSamples, TotalPoints(l) + TotalPoints(r));
        for (int i = 0; i < many.Count; i++)
        {
            if ((i & 1023) == 0)
            {
                _ctx.CheckDone();
            }
            int p = partner[msig[i]];
            if (p < 0)
            {
                continue;
            }
            var ms = many[i];
            var mp = CollectionsMarshal.AsSpan(ms.Points);
            var opts = CollectionsMarshal.AsSpan(one[p].Points);
            Series? o = null;
            int a = 0, b = 0;
            while (a < mp.Length && b < opts.Length)
            {
                long ta = mp[a].T, tb = opts[b].T;
                if (ta != tb)
                {
                    if (ta < tb)
                    {
                        a++;
                    }
                    else
                    {
                        b++;
                    }
                    continue;
                }
                double fl = mp[a].F, fr = opts[b].F;
                a++;
                b++;
                if (swapped)
                {
                    (fl, fr) = (fr, fl);
                }
                var (value, keep) = ElemBinop(op, fl, fr);
                if (returnBool)
                {
                    value = keep ? 1 : 0;
                }
                else if (!keep)
                {
                    continue;
                }
                o ??= new Series(metrics[i]!, returnBool || ms.DropName, Math.Min(mp.Length, opts.Length));
                o.Points.Add(new FloatPoint(ta, value));
            }
            AddLoopOutput(ref loop, o);
        }
        return EndSeriesLoop(loop);
    }

    private void VectorBinop(BinaryExpr e, VectorMatching matching, List<Sample> lhs, List<Sample> rhs, int[] lsig, int[] rsig, BinopScratch sc, List<Sample> output)
    {
        if ((lhs.Count == 0 && rhs.Count == 0) || ((lhs.Count == 0 || rhs.Count == 0) && matching.FillLeft is null && matching.FillRight is null))
        {
            return;
        }
        var op = e.Op;
        bool returnBool = e.ReturnBool;
        bool swapped = matching.Card == VectorMatchCardinality.OneToMany;
        if (swapped)
        {
            (lhs, rhs) = (rhs, lhs);
            (lsig, rsig) = (rsig, lsig);
        }
        // As in Prometheus, the fill values apply to the sides after the group_right swap.
        double? fillForRight = matching.FillRight;
        double? fillForLeft = matching.FillLeft;
        sc.Reset();
        foreach (var rs in rhs)
        {
            int ord = rsig[rs.Ord];
            if (sc.Present[ord])
            {
                var dup = sc.Right[ord];
                string oneSide = swapped ? "left" : "right";
                string d1 = rs.Metric.ToString(), d2 = dup.Metric.ToString();
                if (string.CompareOrdinal(d1, d2) > 0)
                {
                    (d1, d2) = (d2, d1);
                }
                throw Error($"found duplicate series for the match group {MatchLabels(rs.Metric, matching)} on the {oneSide} hand-side of the operation: [{d1}, {d2}];many-to-many matching not allowed: matching labels must be unique on one side");
            }
            sc.Right[ord] = rs;
            sc.Present[ord] = true;
        }

        bool oneToOne = matching.Card == VectorMatchCardinality.OneToOne;

        void DoOp(in Sample ls, in Sample rs, int ord)
        {
            double fl = ls.F, fr = rs.F;
            if (swapped)
            {
                (fl, fr) = (fr, fl);
            }
            var (value, keep) = ElemBinop(op, fl, fr);
            if (returnBool)
            {
                value = keep ? 1 : 0;
            }
            bool dropMetricName = !DelayedNameRemoval && returnBool;
            // Result labels depend only on the pair of series: cache them by the pair of series indexes
            // (samples made up by a fill modifier have no series and are not cached).
            Labels metric;
            if (ls.Ord >= 0 && rs.Ord >= 0)
            {
                long key = ((long)ls.Ord << 32) | (uint)rs.Ord;
                if (!sc.ResultMetrics.TryGetValue(key, out metric!))
                {
                    metric = ResultMetric(ls.Metric, rs.Metric, op, matching, dropMetricName);
                    sc.ResultMetrics[key] = metric;
                }
            }
            else
            {
                metric = ResultMetric(ls.Metric, rs.Metric, op, matching, dropMetricName);
            }
            if (oneToOne)
            {
                if (sc.Matched[ord])
                {
                    throw Error("multiple matches for labels: many-to-one matching must be explicit (group_left/group_right)");
                }
                sc.Matched[ord] = true;
            }
            else
            {
                if (!sc.MatchedPairs.Add((ord, metric)))
                {
                    throw Error("multiple matches for labels: grouping labels must ensure unique matches");
                }
                sc.Matched[ord] = true;
            }
            if (!keep && !returnBool)
            {
                return;
            }
            output.Add(new Sample(metric, value, returnBool || ls.DropName));
        }

        foreach (var ls in lhs)
        {
            int ord = lsig[ls.Ord];
            Sample rs;
            if (sc.Present[ord])
            {
                rs = sc.Right[ord];
            }
            else if (fillForRight is { } fill)
            {
                rs = new Sample(MatchLabels(ls.Metric, matching), fill, false) { Ord = -1 };
            }
            else
            {
                continue;
            }
            DoOp(ls, rs, ord);
        }

        if (fillForLeft is { } lfill)
        {
            foreach (var rs in rhs)
            {
                int ord = rsig[rs.Ord];
                if (sc.Matched[ord])
                {
                    continue;
                }
                var ls = new Sample(MatchLabels(rs.Metric, matching), lfill, false) { Ord = -1 };
                DoOp(ls, rs, ord);
            }
        }
    }

    private static Labels ResultMetric(Labels lhs, Labels rhs, BinaryOp op, VectorMatching matching, bool dropMetricName)
    {
        var b = new LabelsBuilder(lhs);
        if (dropMetricName || ChangesMetricSchema(op))
        {
            b.Del(Labels.MetricName);
            b.Del("__type__");
            b.Del("__unit__");
        }
        if (matching.Card == VectorMatchCardinality.OneToOne)
        {
            if (matching.On)
            {
                foreach (var lb in lhs.AsSpan())
                {
                    if (!Contains(matching.MatchingLabels, lb.Name))
                    {
                        b.Del(lb.Name);
                    }
                }
            }
            else
            {
                foreach (var n in matching.MatchingLabels)
                {
                    b.Del(n);
                }
            }
        }
        foreach (var n in matching.Include)
        {
            string v = rhs.Get(n);
            if (v.Length > 0)
            {
                b.Set(n, v);
            }
            else
            {
                b.Del(n);
            }
        }
        return b.Build();
    }
}
