using System.Text;
using System.Text.RegularExpressions;
using Ariane.Model;
using Ariane.PromQL.Ast;

namespace Ariane.PromQL.Engine;

// The experimental info() function: enriches series with the data labels of info series (target_info by
// default) that share their identifying labels (instance, job).
internal sealed partial class Evaluator
{
    private static readonly string[] IdentifyingLabels = ["instance", "job"];

    private Matrix EvalInfo(Call c, Expr[] args)
    {
        _ = c;
        var (atTs, offset) = InfoTimestampAndOffset(args[0]);
        var mat = EvalMatrix(args[0]);

        var dataMatchers = new Dictionary<string, List<LabelMatcher>>(StringComparer.Ordinal);
        var nameMatchers = new List<LabelMatcher>();
        if (args.Length > 1)
        {
            foreach (var m in ((VectorSelector)args[1]).Matchers)
            {
                if (!dataMatchers.TryGetValue(m.Name, out var list))
                {
                    dataMatchers[m.Name] = list = [];
                }
                list.Add(m);
                if (m.Name == Labels.MetricName)
                {
                    nameMatchers.Add(m);
                }
            }
        }
        else
        {
            nameMatchers.Add(LabelMatcher.Eq(Labels.MetricName, "target_info"));
        }

        var effective = EffectiveInfoNameMatchers(nameMatchers);
        var ignore = new HashSet<Labels>();
        foreach (var s in mat)
        {
            string name = s.Metric.Get(Labels.MetricName);
            bool all = true;
            foreach (var m in effective)
            {
                if (!m.Matches(name))
                {
                    all = false;
                    break;
                }
            }
            if (all)
            {
                ignore.Add(s.Metric);
            }
        }

        var infoMat = FetchInfoSeries(mat, ignore, dataMatchers, atTs, offset);
        return CombineWithInfo(mat, infoMat, ignore, dataMatchers);
    }

    private static List<LabelMatcher> EffectiveInfoNameMatchers(List<LabelMatcher> matchers)
    {
        foreach (var m in matchers)
        {
            if (m.Type is MatcherType.Equal or MatcherType.Regex)
            {
                return matchers;
            }
        }
        if (matchers.Count > 0)
        {
            var r = new List<LabelMatcher> { new(MatcherType.Regex, Labels.MetricName, ".+_info") };
            r.AddRange(matchers);
            return r;
        }
        return [LabelMatcher.Eq(Labels.MetricName, "target_info")];
    }

    /// <summary>The @ time and offset of the first selector of the info() argument, taking enclosing subqueries into account.</summary>
    private (long? At, long Offset) InfoTimestampAndOffset(Expr e)
    {
        var path = new List<SubqueryExpr>();
        var vs = FirstSelector(e, path);
        if (vs is null)
        {
            return (null, 0);
        }
        long? at = AtTime(vs.Timestamp, vs.StartOrEnd);
        long off = DurationMs(vs.Offset, vs.OffsetExpr);
        for (int i = path.Count - 1; at is null && i >= 0; i--)
        {
            off += DurationMs(path[i].Offset, path[i].OffsetExpr);
            at = AtTime(path[i].Timestamp, path[i].StartOrEnd);
        }
        return (at, off);
    }

    private static VectorSelector? FirstSelector(Expr e, List<SubqueryExpr> path)
    {
        switch (e)
        {
            case VectorSelector vs:
                return vs;
            case MatrixSelector ms:
                return ms.VectorSelector;
            case SubqueryExpr sq:
                path.Add(sq);
                var r = FirstSelector(sq.Expr, path);
                if (r is null)
                {
                    path.RemoveAt(path.Count - 1);
                }
                return r;
            case ParenExpr p:
                return FirstSelector(p.Expr, path);
            case UnaryExpr u:
                return FirstSelector(u.Expr, path);
            case BinaryExpr b:
                return FirstSelector(b.Lhs, path) ?? FirstSelector(b.Rhs, path);
            case AggregateExpr a:
                return (a.Param is null ? null : FirstSelector(a.Param, path)) ?? FirstSelector(a.Expr, path);
            case Call c:
                foreach (var arg in c.Args)
                {
                    if (FirstSelector(arg, path) is { } found)
                    {
                        return found;
                    }
                }
                return null;
            default:
                return null;
        }
    }

    private Matrix FetchInfoSeries(Matrix mat, HashSet<Labels> ignore, Dictionary<string, List<LabelMatcher>> dataMatchers, long? at, long offset)
    {
        var idValues = new Dictionary<string, List<string>>(StringComparer.Ordinal);
        foreach (var s in mat)
        {
            if (ignore.Contains(s.Metric))
            {
                continue;
            }
            foreach (var l in IdentifyingLabels)
            {
                string v = s.Metric.Get(l);
                if (v.Length == 0)
                {
                    continue;
                }
                if (!idValues.TryGetValue(l, out var list))
                {
                    idValues[l] = list = [];
                }
                if (!list.Contains(v))
                {
                    list.Add(v);
                }
            }
        }
        var nameMatchers = new List<LabelMatcher>();
        var infoMatchers = new List<LabelMatcher>();
        foreach (var (_, ms) in dataMatchers)
        {
            foreach (var m in ms)
            {
                if (m.Name == Labels.MetricName)
                {
                    nameMatchers.Add(m);
                }
                else
                {
                    infoMatchers.Add(m);
                }
            }
        }
        dataMatchers.Remove(Labels.MetricName);
        if (idValues.Count == 0)
        {
            return new Matrix();
        }
        var sb = new StringBuilder();
        foreach (var (name, vals) in idValues)
        {
            sb.Clear();
            for (int i = 0; i < vals.Count; i++)
            {
                if (i > 0)
                {
                    sb.Append('|');
                }
                sb.Append(Regex.Escape(vals[i]));
            }
            infoMatchers.Insert(0, new LabelMatcher(MatcherType.Regex, name, sb.ToString()));
        }
        infoMatchers.AddRange(EffectiveInfoNameMatchers(nameMatchers));

        long lb = _ctx.LookbackMs;
        long mint = (at ?? _start) - offset - lb + 1;
        long maxt = (at ?? _end) - offset;
        var querier = _ctx.Querier(mint, maxt);
        var set = querier.Select(false, infoMatchers.ToArray());
        var result = new Matrix();
        Storage.ISampleIterator? it = null;
        while (set.MoveNext())
        {
            var series = set.Current;
            it = series.Iterator(it);
            var pts = new List<FloatPoint>();
            if (it.Seek(mint))
            {
                do
                {
                    if (it.T > maxt)
                    {
                        break;
                    }
                    pts.Add(new FloatPoint(it.T, it.V));
                }
                while (it.Next());
            }
            Series? outS = null;
            int j = 0;
            long iter = 0;
            for (long ts = _start; ts <= _end; ts += _interval)
            {
                if ((++iter & EvalContext.CheckEvery) == 0)
                {
                    _ctx.CheckDone();
                }
                long refT = (at ?? ts) - offset;
                while (j < pts.Count && pts[j].T <= refT)
                {
                    j++;
                }
                if (j == 0)
                {
                    continue;
                }
                var p = pts[j - 1];
                if (p.T <= refT - lb || SampleValue.IsStaleNaN(p.F))
                {
                    continue;
                }
                outS ??= new Series(series.Labels, false, StepCapacity);
                // The value is the sample's own time, to pick the latest of several info series.
                outS.Points.Add(new FloatPoint(ts, p.T));
            }
            if (outS is not null)
            {
                result.Add(outS);
            }
        }
        return result;
    }

    private static string InfoSignature(string infoName, Labels l)
    {
        var sb = new StringBuilder();
        sb.Append(infoName).Append('\xff');
        foreach (var n in IdentifyingLabels)
        {
            string v = l.Get(n);
            if (v.Length > 0)
            {
                sb.Append(n).Append('\xff').Append(v).Append('\xff');
            }
        }
        return sb.ToString();
    }

    private Matrix CombineWithInfo(Matrix mat, Matrix infoMat, HashSet<Labels> ignore, Dictionary<string, List<LabelMatcher>> dataMatchers)
    {
        var infoNames = new List<string>();
        foreach (var s in infoMat)
        {
            string n = s.Metric.Get(Labels.MetricName);
            if (!infoNames.Contains(n))
            {
                infoNames.Add(n);
            }
        }
        var infoSigs = new string[infoMat.Count];
        for (int i = 0; i < infoMat.Count; i++)
        {
            infoSigs[i] = InfoSignature(infoMat[i].Metric.Get(Labels.MetricName), infoMat[i].Metric);
        }
        var baseSigs = new string[mat.Count][];
        for (int i = 0; i < mat.Count; i++)
        {
            baseSigs[i] = new string[infoNames.Count];
            for (int k = 0; k < infoNames.Count; k++)
            {
                baseSigs[i][k] = InfoSignature(infoNames[k], mat[i].Metric);
            }
        }
        bool allMatchEmpty = true;
        foreach (var (_, ms) in dataMatchers)
        {
            foreach (var m in ms)
            {
                if (!m.MatchesEmpty)
                {
                    allMatchEmpty = false;
                }
            }
        }

        var bySig = new Dictionary<string, (Labels Metric, double OrigT)>(StringComparer.Ordinal);
        return RangeEval((v, _, o) =>
        {
            var bases = v[0];
            if (bases.Count == 0)
            {
                return;
            }
            bySig.Clear();
            foreach (var s in v[1])
            {
                string sig = infoSigs[s.Ord];
                if (bySig.TryGetValue(sig, out var existing))
                {
                    if (existing.OrigT < s.F)
                    {
                        bySig[sig] = (s.Metric, s.F);
                    }
                    else if (existing.OrigT == s.F)
                    {
                        throw Error($"found duplicate series for info metric: existing {existing.Metric} @ {(long)existing.OrigT}, new {s.Metric} @ {(long)s.F}");
                    }
                    continue;
                }
                bySig[sig] = (s.Metric, s.F);
            }
            foreach (var bs in bases)
            {
                if (ignore.Contains(bs.Metric))
                {
                    o.Add(bs);
                    continue;
                }
                var added = new LabelsBuilder();
                bool seen = false;
                var sigs = baseSigs[bs.Ord];
                for (int k = 0; k < sigs.Length; k++)
                {
                    if (!bySig.TryGetValue(sigs[k], out var info))
                    {
                        continue;
                    }
                    foreach (var l in info.Metric.AsSpan())
                    {
                        if (l.Name == Labels.MetricName)
                        {
                            continue;
                        }
                        if (dataMatchers.Count > 0 && !dataMatchers.ContainsKey(l.Name))
                        {
                            continue;
                        }
                        string cur = added.Get(l.Name);
                        if (cur.Length > 0 && cur != l.Value)
                        {
                            throw Error("conflicting label: " + l.Name);
                        }
                        if (bs.Metric.Has(l.Name))
                        {
                            continue;
                        }
                        added.Set(l.Name, l.Value);
                    }
                    seen = true;
                }
                if (!seen && !allMatchEmpty)
                {
                    continue;
                }
                var b = new LabelsBuilder(bs.Metric);
                foreach (var l in added.Current)
                {
                    b.Set(l.Name, l.Value);
                }
                o.Add(new Sample(b.Build(), bs.F, bs.DropName));
            }
        }, [mat, infoMat]);
    }
}
