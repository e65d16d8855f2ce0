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

    private void HistogramQuantile(double q, List<Sample> vec, Call c, List<Sample> output)
    {
        if (double.IsNaN(q) || q < 0 || q > 1)
        {
            _ctx.Warn("quantile value should be between 0 and 1, got " + FormatG(q), c.Args[0].Position);
        }
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
                _ctx.Warn(msg, c.Args[1].Position);
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
        foreach (var g in order)
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
                _ctx.Info(msg, c.Args[1].Position);
            }
            var metric = DelayedNameRemoval ? g.Metric : DropMetadata(g.Metric);
            output.Add(new Sample(metric, value, true));
        }
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
        // Coalesce buckets with the same upper bound.
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
