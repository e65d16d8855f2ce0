using System.Globalization;
using System.Text.RegularExpressions;
using Ariane.Model;
using Ariane.PromQL.Parser;
using Ariane.Storage;

namespace Ariane.Tests.PromQL.PromQLTest;

/// <summary>
/// A stand-in engine for testing the runner before the real one exists. It evaluates only numeric and string
/// literals, bare selectors (<c>m{a="b"}</c>), matrix selectors (<c>m[1m]</c>) and an optional trailing
/// <c>@ seconds</c>, reading the storage with a 5m lookback and honouring stale markers. Switches make it
/// misbehave in the ways the runner's cross-checks must catch.
/// </summary>
internal sealed partial class FakeEngine : IPromQLTestEngine
{
    private const long LookbackMs = 5 * 60_000;

    /// <summary>Annotations to attach to the result of an expression (by its exact text).</summary>
    public Dictionary<string, (string[] Warnings, string[] Infos)> Annotations { get; } = new(StringComparer.Ordinal);

    /// <summary>Misbehave: ignore <c>@</c> and evaluate at the query time.</summary>
    public bool IgnoreAt { get; init; }

    /// <summary>Misbehave: return range results in reverse label order.</summary>
    public bool UnsortedRanges { get; init; }

    /// <summary>Whether <see cref="RewriteWithAt"/> is supported.</summary>
    public bool CanRewrite { get; init; } = true;

    /// <summary>Misbehave: throw on this expression.</summary>
    public string? ThrowOn { get; init; }

    /// <summary>Every query run, as <c>instant expr @t</c> or <c>range expr start..end/step</c>.</summary>
    public List<string> Log { get; } = [];

    public TestQueryResult Instant(IQuerierSource storage, string expr, long timeMs)
    {
        Log.Add($"instant {expr} @{timeMs}");
        var r = Eval(storage, expr, timeMs, range: false);
        return Annotate(expr, r);
    }

    public TestQueryResult Range(IQuerierSource storage, string expr, long startMs, long endMs, long stepMs)
    {
        Log.Add($"range {expr} {startMs}..{endMs}/{stepMs}");
        var bySeries = new Dictionary<Labels, List<TestPoint>>();
        for (long t = startMs; t <= endMs; t += stepMs)
        {
            var r = Eval(storage, expr, t, range: true);
            if (r.Error is not null)
            {
                return r;
            }
            switch (r.Kind)
            {
                case TestResultKind.Scalar:
                    Add(Labels.Empty, r.Scalar with { T = t });
                    break;
                case TestResultKind.Vector:
                    foreach (var s in r.Series)
                    {
                        Add(s.Labels, s.Points[0]);
                    }
                    break;
                default:
                    return TestQueryResult.Failed($"invalid expression type \"{r.Kind.ToString().ToLowerInvariant()}\" for range query, must be Scalar or instant Vector");
            }
        }
        var matrix = bySeries.Select(kv => new TestSeries(kv.Key, kv.Value)).OrderBy(s => s.Labels).ToList();
        if (UnsortedRanges)
        {
            matrix.Reverse();
        }
        return Annotate(expr, TestQueryResult.OfMatrix(matrix));

        void Add(Labels l, TestPoint p)
        {
            if (!bySeries.TryGetValue(l, out var points))
            {
                bySeries[l] = points = [];
            }
            points.Add(p);
        }
    }

    public string? RewriteWithAt(string expr, long timeMs)
    {
        if (!CanRewrite)
        {
            return null;
        }
        expr = expr.Trim();
        if (expr.Contains('@', StringComparison.Ordinal) || SeriesDescParser.TryParseNumber(expr, out _) || expr.StartsWith('"'))
        {
            return expr;
        }
        return $"{expr} @ {(timeMs / 1000.0).ToString(CultureInfo.InvariantCulture)}";
    }

    /// <summary>Attaches the configured annotations; an @-pinned variant gets those of the expression it came from.</summary>
    private TestQueryResult Annotate(string expr, TestQueryResult r)
    {
        var m = AtSuffix().Match(expr.Trim());
        string key = m.Success ? m.Groups[1].Value : expr.Trim();
        return r.Error is null && Annotations.TryGetValue(key, out var a) ? r with { Warnings = a.Warnings, Infos = a.Infos } : r;
    }

    private TestQueryResult Eval(IQuerierSource storage, string expr, long t, bool range)
    {
        expr = expr.Trim();
        if (ThrowOn == expr)
        {
            throw new InvalidOperationException("the fake engine was told to throw");
        }
        if (SeriesDescParser.TryParseNumber(expr, out double v))
        {
            return TestQueryResult.OfScalar(t, v);
        }
        if (expr.Length >= 2 && expr[0] == '"' && expr[^1] == '"')
        {
            return TestQueryResult.OfString(expr[1..^1]);
        }
        long at = t;
        var atMatch = AtSuffix().Match(expr);
        if (atMatch.Success)
        {
            expr = atMatch.Groups[1].Value;
            if (!IgnoreAt)
            {
                at = (long)Math.Round(double.Parse(atMatch.Groups[2].Value, CultureInfo.InvariantCulture) * 1000);
            }
        }
        long windowMs = LookbackMs;
        bool matrix = false;
        var rangeMatch = RangeSuffix().Match(expr);
        if (rangeMatch.Success)
        {
            expr = rangeMatch.Groups[1].Value;
            windowMs = SeriesDescParser.ParseDurationMs(rangeMatch.Groups[2].Value);
            matrix = true;
        }
        LabelMatcher[] matchers;
        try
        {
            matchers = SelectorParser.Parse(expr);
        }
        catch (PromQLParseException e)
        {
            return TestQueryResult.Failed(e.Message);
        }
        var result = new List<TestSeries>();
        using var q = storage.Querier(at - windowMs + 1, at);
        var set = q.Select(sorted: true, matchers);
        while (set.MoveNext())
        {
            var it = set.Current.Iterator();
            var points = new List<TestPoint>();
            while (it.Next())
            {
                if (it.T > at - windowMs && it.T <= at)
                {
                    points.Add(new TestPoint(it.T, it.V));
                }
            }
            if (matrix)
            {
                points.RemoveAll(p => SampleValue.IsStaleNaN(p.V));
                if (points.Count > 0)
                {
                    result.Add(new TestSeries(set.Current.Labels, points));
                }
            }
            else if (points.Count > 0 && !SampleValue.IsStaleNaN(points[^1].V))
            {
                result.Add(new TestSeries(set.Current.Labels, [new TestPoint(t, points[^1].V)]));
            }
        }
        return matrix ? TestQueryResult.OfMatrix(result) : TestQueryResult.OfVector(result);
    }

    [GeneratedRegex(@"^(.*?)\s*@\s*(-?[0-9.]+)$")]
    private static partial Regex AtSuffix();

    [GeneratedRegex(@"^(.*)\[([0-9a-z]+)\]$")]
    private static partial Regex RangeSuffix();
}
