using System.Globalization;
using System.Text;
using Ariane.Model;
using Ariane.PromQL.Ast;

namespace Ariane.PromQL.Engine;

// histogram_quantile over classic histograms (series with an "le" label).
internal sealed partial class Evaluator
{
    private sealed class BucketGroup(Labels metric)
    {
        public Labels Metric { get; } = metric;
        public List<(double Upper, double Count)> Buckets { get; } = [];
    }

    /// <summary>Groups the classic-histogram bucket series of <paramref name="vec"/> by their labels without <c>le</c>.</summary>
    private List<BucketGroup> ClassicBuckets(List<Sample> vec, Expr arg)
    {
        var groups = new Dictionary<string, BucketGroup>(StringComparer.Ordinal);
        var order = new List<BucketGroup>();
        var sb = new StringBuilder();
        foreach (var s in vec)
        {
            string le = s.Metric.Get("le");
            if (!TryParseGoFloat(le, out double upper))
            {
                string name = s.Metric.Get(Labels.MetricName);
                string msg = $"bucket label \"le\" is missing or has a malformed value of \"{le}\"";
                if (DelayedNameRemoval && name.Length > 0)
                {
                    msg += $" for metric name \"{name}\"";
                }
                _ctx.Warn(msg, arg.Position);
                continue;
            }
            sb.Clear();
            foreach (var lb in s.Metric.AsSpan())
            {
                if (lb.Name != "le")
                {
                    sb.Append(lb.Name).Append('\xff').Append(lb.Value).Append('\xff');
                }
            }
            string key = sb.ToString();
            if (!groups.TryGetValue(key, out var g))
            {
                g = new BucketGroup(new LabelsBuilder(s.Metric).Del("le").Build());
                groups[key] = g;
                order.Add(g);
            }
            g.Buckets.Add((upper, s.F));
        }
        return order;
    }

    private void ValidateQuantile(double q, Expr arg)
    {
        if (double.IsNaN(q) || q < 0 || q > 1)
        {
            _ctx.Warn("quantile value should be between 0 and 1, got " + FormatG(q), arg.Position);
        }
    }

    private double QuantileWithInfo(double q, BucketGroup g, Expr arg)
    {
        double value = BucketQuantile(q, g.Buckets, out bool forced);
        if (forced)
        {
            string name = DelayedNameRemoval ? g.Metric.Get(Labels.MetricName) : "";
            string msg = "input to histogram_quantile needed to be fixed for monotonicity (see https://prometheus.io/docs/prometheus/latest/querying/functions/#histogram_quantile)";
            if (name.Length > 0)
            {
                msg += $" for metric name \"{name}\"";
            }
            _ctx.Info(msg, arg.Position);
        }
        return value;
    }

    private void HistogramQuantile(double q, List<Sample> vec, Call c, List<Sample> output)
    {
        ValidateQuantile(q, c.Args[0]);
        foreach (var g in ClassicBuckets(vec, c.Args[1]))
        {
            double value = QuantileWithInfo(q, g, c.Args[1]);
            var metric = DelayedNameRemoval ? g.Metric : DropMetadata(g.Metric);
            output.Add(new Sample(metric, value, true));
        }
    }

    private void HistogramQuantiles(List<Sample>[] v, Call c, List<Sample> output)
    {
        string label = ((StringLiteral)Unwrap(c.Args[1])).Value;
        var qs = new double[v.Length - 2];
        for (int i = 2; i < v.Length; i++)
        {
            qs[i - 2] = v[i].Count > 0 ? v[i][0].F : double.NaN;
            ValidateQuantile(qs[i - 2], c.Args[i]);
        }
        var groups = ClassicBuckets(v[0], c.Args[0]);
        foreach (double q in qs)
        {
            foreach (var g in groups)
            {
                if (g.Buckets.Count == 0)
                {
                    continue;
                }
                double value = QuantileWithInfo(q, g, c.Args[0]);
                var metric = DelayedNameRemoval ? g.Metric : DropMetadata(g.Metric);
                metric = new LabelsBuilder(metric).Set(label, FormatOpenMetricsFloat(q)).Build();
                output.Add(new Sample(metric, value, true));
            }
        }
    }

    private void HistogramFraction(List<Sample>[] v, Call c, List<Sample> output)
    {
        if (v[0].Count == 0 || v[1].Count == 0)
        {
            return;
        }
        double lower = v[0][0].F, upper = v[1][0].F;
        foreach (var g in ClassicBuckets(v[2], c.Args[2]))
        {
            var metric = DelayedNameRemoval ? g.Metric : DropMetadata(g.Metric);
            output.Add(new Sample(metric, BucketFraction(lower, upper, g.Buckets), true));
        }
    }

    /// <summary>Prometheus's <c>labels.FormatOpenMetricsFloat</c>: integral values get a <c>.0</c>.</summary>
    internal static string FormatOpenMetricsFloat(double f)
    {
        string s = FormatG(f);
        if (double.IsFinite(f) && s.IndexOfAny(['.', 'e', 'E']) < 0)
        {
            s += ".0";
        }
        return s;
    }

    private static void SortAndCoalesce(List<(double Upper, double Count)> buckets)
    {
        buckets.Sort(static (a, b) => a.Upper.CompareTo(b.Upper));
        Coalesce(buckets);
    }

    // Merges buckets with the same upper bound (adding their counts) in a list sorted by upper bound.
    private static void Coalesce(List<(double Upper, double Count)> buckets)
    {
        int w = 0;
        var last = buckets[0];
        for (int i = 1; i < buckets.Count; i++)
        {
            if (buckets[i].Upper == last.Upper)
            {
                last.Count += buckets[i].Count;
            }
            else
            {
                buckets[w++] = last;
                last = buckets[i];
            }
        }
        buckets[w++] = last;
        buckets.RemoveRange(w, buckets.Count - w);
    }

    private static double BucketFraction(double lower, double upper, List<(double Upper, double Count)> buckets)
    {
        buckets.Sort(static (a, b) => a.Upper.CompareTo(b.Upper));
        if (!double.IsPositiveInfinity(buckets[^1].Upper))
        {
            return double.NaN;
        }
        SortAndCoalesce(buckets);
        double count = buckets[^1].Count;
        if (count == 0 || double.IsNaN(lower) || double.IsNaN(upper))
        {
            return double.NaN;
        }
        if (lower >= upper)
        {
            return 0;
        }
        double rank = 0, lowerRank = 0, upperRank = 0;
        bool lowerSet = false, upperSet = false;
        double lowerBound = buckets[0].Upper <= 0 ? double.NegativeInfinity : 0;
        for (int i = 0; i < buckets.Count; i++)
        {
            if (i > 0)
            {
                lowerBound = buckets[i - 1].Upper;
            }
            double upperBound = buckets[i].Upper;
            double bCount = buckets[i].Count;
            double Interpolate(double x) => double.IsNegativeInfinity(lowerBound)
                ? bCount
                : rank + (bCount - rank) * (x - lowerBound) / (upperBound - lowerBound);
            if (!lowerSet && lowerBound >= lower)
            {
                lowerRank = rank;
                lowerSet = true;
            }
            if (!upperSet && lowerBound >= upper)
            {
                upperRank = rank;
                upperSet = true;
            }
            if (lowerSet && upperSet)
            {
                break;
            }
            if (!lowerSet && lowerBound < lower && upperBound > lower)
            {
                lowerRank = Interpolate(lower);
                lowerSet = true;
            }
            if (!upperSet && lowerBound < upper && upperBound > upper)
            {
                upperRank = Interpolate(upper);
                upperSet = true;
            }
            if (lowerSet && upperSet)
            {
                break;
            }
            rank = bCount;
        }
        if (!lowerSet || lowerRank > count)
        {
            lowerRank = count;
        }
        if (!upperSet || upperRank > count)
        {
            upperRank = count;
        }
        return (upperRank - lowerRank) / count;
    }

    internal static bool TryParseGoFloat(string s, out double v)
    {
        switch (s.ToLowerInvariant())
        {
            case "+inf" or "inf" or "+infinity" or "infinity":
                v = double.PositiveInfinity;
                return true;
            case "-inf" or "-infinity":
                v = double.NegativeInfinity;
                return true;
            case "nan":
                v = double.NaN;
                return true;
        }
        if (s.Length == 0 || char.IsWhiteSpace(s[0]) || char.IsWhiteSpace(s[^1]))
        {
            v = 0;
            return false;
        }
        return double.TryParse(s, NumberStyles.Float, CultureInfo.InvariantCulture, out v);
    }

    private static double BucketQuantile(double q, List<(double Upper, double Count)> buckets, out bool forcedMonotonic)
    {
        forcedMonotonic = false;
        if (double.IsNaN(q))
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
        buckets.Sort(static (a, b) => a.Upper.CompareTo(b.Upper));
        if (!double.IsPositiveInfinity(buckets[^1].Upper))
        {
            return double.NaN;
        }
        Coalesce(buckets);

        // Make the counts monotonic, ignoring tiny floating-point differences.
        double prev = buckets[0].Count;
        for (int i = 1; i < buckets.Count; i++)
        {
            double curr = buckets[i].Count;
            if (curr == prev)
            {
                continue;
            }
            if (AlmostEqual(prev, curr, 1e-12))
            {
                buckets[i] = (buckets[i].Upper, prev);
                continue;
            }
            if (curr < prev)
            {
                buckets[i] = (buckets[i].Upper, prev);
                forcedMonotonic = true;
                continue;
            }
            prev = curr;
        }

        if (buckets.Count < 2)
        {
            return double.NaN;
        }
        double observations = buckets[^1].Count;
        if (observations == 0)
        {
            return double.NaN;
        }
        double rank = q * observations;
        int b = 0;
        int n = buckets.Count - 1;
        {
            int lo = 0, hi = n;
            while (lo < hi)
            {
                int mid = (lo + hi) >>> 1;
                if (buckets[mid].Count >= rank)
                {
                    hi = mid;
                }
                else
                {
                    lo = mid + 1;
                }
            }
            b = lo;
        }
        if (b == buckets.Count - 1)
        {
            return buckets[^2].Upper;
        }
        if (b == 0 && buckets[0].Upper <= 0)
        {
            return buckets[0].Upper;
        }
        double bucketStart = 0;
        double bucketEnd = buckets[b].Upper;
        double count = buckets[b].Count;
        if (b > 0)
        {
            bucketStart = buckets[b - 1].Upper;
            count -= buckets[b - 1].Count;
            rank -= buckets[b - 1].Count;
        }
        return bucketStart + (bucketEnd - bucketStart) * (rank / count);
    }

    internal static bool AlmostEqual(double a, double b, double epsilon)
    {
        const double minNormal = 2.2250738585072014e-308;
        if (double.IsNaN(a) && double.IsNaN(b))
        {
            return true;
        }
        if (a == b)
        {
            return true;
        }
        double absSum = Math.Abs(a) + Math.Abs(b);
        double diff = Math.Abs(a - b);
        if (a == 0 || b == 0 || absSum < minNormal)
        {
            return diff < epsilon * minNormal;
        }
        return diff / Math.Min(absSum, double.MaxValue) < epsilon;
    }
}
