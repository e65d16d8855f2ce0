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

    private void VectorScalarBinop(BinaryOp op, List<Sample> vec, double scalar, bool swap, bool returnBool, List<Sample> output)
    {
        foreach (var s in vec)
        {
            double l = s.F, r = scalar;
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

    /// <summary>Per-step scratch state of a vector/vector operation, indexed by signature ordinal.</summary>
    private sealed class BinopScratch(int n)
    {
        public readonly bool[] Present = new bool[n];
        public readonly Sample[] Right = new Sample[n];
        public readonly bool[] Matched = new bool[n];
        public readonly HashSet<Labels>?[] MatchedSets = new HashSet<Labels>?[n];
        public readonly Dictionary<long, Labels> ResultMetrics = [];

        public void Reset()
        {
            Array.Clear(Present);
            Array.Clear(Matched);
            Array.Clear(MatchedSets);
        }
    }

    /// <summary>The join signature ordinal of every series of both sides.</summary>
    private static (int[] L, int[] R, int N) Signatures(Matrix l, Matrix r, VectorMatching matching)
    {
        var ords = new Dictionary<string, int>(StringComparer.Ordinal);
        var names = new List<string>(matching.MatchingLabels.Count);
        for (int i = 0; i < matching.MatchingLabels.Count; i++)
        {
            names.Add(matching.MatchingLabels[i]);
        }
        names.Sort(StringComparer.Ordinal);
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
                var set = sc.MatchedSets[ord] ??= [];
                if (!set.Add(metric))
                {
                    throw Error("multiple matches for labels: grouping labels must ensure unique matches");
                }
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
                bool matched = oneToOne ? sc.Matched[ord] : sc.MatchedSets[ord] is { Count: > 0 };
                if (matched)
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
