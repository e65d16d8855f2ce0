using System.Text;
using Ariane.Model;

namespace Ariane.Tests.PromQL.PromQLTest;

/// <summary>
/// The comparison rules of FORMAT.md §6–§7: errors, annotations, scalars, strings, vectors (as a set or in
/// order) and matrices (exact timestamps, <c>_</c> gaps), with floats equal within a relative ε of 1e-6.
/// Every check returns null when it holds and a one-paragraph reason when it does not.
/// </summary>
public static class ResultComparer
{
    /// <summary>The relative tolerance of float comparisons.</summary>
    public const double Epsilon = 1e-6;

    /// <summary>The smallest normal double (2.2e-308): below it the comparison becomes absolute.</summary>
    private const double MinNormal = 2.2250738585072014e-308;

    /// <summary>
    /// Float equality of the reference runner: equal, or both NaN (a stale marker only equals a stale marker),
    /// or within a relative <paramref name="epsilon"/> (absolute ε·MinNormal when either is 0 or both are tiny).
    /// Infinities must match exactly.
    /// </summary>
    public static bool AlmostEqual(double a, double b, double epsilon = Epsilon)
    {
        if (SampleValue.IsStaleNaN(a) || SampleValue.IsStaleNaN(b))
        {
            return SampleValue.IsStaleNaN(a) && SampleValue.IsStaleNaN(b);
        }
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
        if (a == 0 || b == 0 || absSum < MinNormal)
        {
            return diff < epsilon * MinNormal;
        }
        return diff / Math.Min(absSum, double.MaxValue) < epsilon;
    }

    /// <summary>
    /// Checks one result against an eval's expectations: the error expectation first, then (when
    /// <paramref name="checkAnnotations"/>) warnings and infos, then the value. <paramref name="range"/> says
    /// the result came from a range query over the eval's own range.
    /// </summary>
    public static string? Check(EvalCommand cmd, TestQueryResult res, bool checkAnnotations, bool range)
    {
        if (cmd.Fail is { } fail)
        {
            if (res.Error is null)
            {
                return $"expected the query to fail ({fail}), but it returned {res}";
            }
            return fail.Matches(res.Error) ? null : $"expected error to satisfy '{fail}', got: {res.Error}";
        }
        if (res.Error is not null)
        {
            return "unexpected error: " + res.Error;
        }
        if (checkAnnotations && CheckAnnotations(cmd, res) is { } a)
        {
            return a;
        }
        return range ? CheckRange(cmd, res) : CheckInstant(cmd, res);
    }

    /// <summary>Checks warnings and infos against the expect lines (FORMAT.md §6); null when they are not checked.</summary>
    public static string? CheckAnnotations(EvalCommand cmd, TestQueryResult res) =>
        CheckAnnotationKind("warning", "warn", cmd.Warn, cmd.NoWarn, res.Warnings)
        ?? CheckAnnotationKind("info", "info", cmd.Info, cmd.NoInfo, res.Infos);

    private static string? CheckAnnotationKind(string what, string word, List<Expectation> expected, bool none, IReadOnlyList<string> actual)
    {
        if (none && actual.Count > 0)
        {
            return $"expect no_{word}, but got {what}s: {string.Join(" | ", actual)}";
        }
        if (expected.Count == 0)
        {
            return null;
        }
        if (actual.Count == 0)
        {
            return $"expected {what}s ({string.Join("; ", expected)}), got none";
        }
        foreach (var e in expected)
        {
            if (!actual.Any(e.Matches))
            {
                return $"no {what} satisfies '{e}'; got: {string.Join(" | ", actual)}";
            }
        }
        foreach (var a in actual)
        {
            if (!expected.Any(e => e.Matches(a)))
            {
                return $"unexpected {what}: {a}";
            }
        }
        return null;
    }

    private static string? CheckInstant(EvalCommand cmd, TestQueryResult res)
    {
        if (cmd.String is { } s)
        {
            if (res.Kind != TestResultKind.String)
            {
                return $"expected string \"{s}\", got {res}";
            }
            return s == res.String ? null : $"expected string \"{s}\" but got \"{res.String}\"";
        }
        if (cmd.Scalar is { } v)
        {
            if (res.Kind != TestResultKind.Scalar)
            {
                return $"expected scalar {SeriesDescParser.FormatFloat(v)}, got {res}";
            }
            return AlmostEqual(v, res.Scalar.V)
                ? null
                : $"expected scalar {SeriesDescParser.FormatFloat(v)} but got {SeriesDescParser.FormatFloat(res.Scalar.V)}";
        }
        if (cmd.RangeVector is { } rv)
        {
            if (res.Kind != TestResultKind.Matrix)
            {
                return $"expected a range vector, got {res}";
            }
            return CompareMatrix(cmd.Series, res.Series, rv.StartMs, rv.StepMs);
        }
        switch (res.Kind)
        {
            case TestResultKind.Vector:
                return CompareVector(cmd.Series, res.Series, cmd.Ordered);
            case TestResultKind.Matrix:
                if (cmd.Ordered)
                {
                    return "expected an ordered result, but the query returned a matrix";
                }
                return cmd.Series.Count == 0 && res.Series.Count == 0
                    ? null
                    : $"an instant query returned a range vector (use 'expect range vector'): {res}";
            default:
                return $"expected a vector or matrix result, but got {res}";
        }
    }

    private static string? CheckRange(EvalCommand cmd, TestQueryResult res)
    {
        if (cmd.Ordered)
        {
            return "expect ordered on a range query: a matrix has no order";
        }
        if (res.Kind != TestResultKind.Matrix)
        {
            return $"a range query must return a matrix, got {res}";
        }
        return CheckSorted(res.Series) ?? CompareMatrix(cmd.Series, res.Series, cmd.StartMs, cmd.StepMs);
    }

    /// <summary>Checks that a matrix is sorted by label set, as the engine must return range results.</summary>
    public static string? CheckSorted(IReadOnlyList<TestSeries> matrix)
    {
        for (int i = 1; i < matrix.Count; i++)
        {
            if (matrix[i - 1].Labels.CompareTo(matrix[i].Labels) > 0)
            {
                return $"the matrix is not sorted by labels: {matrix[i - 1].Labels} comes before {matrix[i].Labels}";
            }
        }
        return null;
    }

    /// <summary>Compares an instant vector with the expected series (as a set, or position by position when ordered).</summary>
    public static string? CompareVector(IReadOnlyList<ExpectedSeries> expected, IReadOnlyList<TestSeries> actual, bool ordered)
    {
        if (SetProblems(expected, actual) is { } p)
        {
            return p;
        }
        for (int pos = 0; pos < actual.Count; pos++)
        {
            var a = actual[pos];
            int ei = IndexOf(expected, a.Labels);
            var e = expected[ei];
            if (ordered && ei != pos)
            {
                return $"expected {a.Labels} at position {ei + 1}, but it was at {pos + 1}";
            }
            if (a.Points.Count != 1)
            {
                return $"vector element {a.Labels} has {a.Points.Count} points (an instant vector has one per series)";
            }
            var ev = e.Values[0];
            if (ev.Histogram is not null)
            {
                return $"expected histogram {ev.Histogram} for {a.Labels}, got float {SeriesDescParser.FormatFloat(a.Points[0].V)}";
            }
            if (!AlmostEqual(ev.Value, a.Points[0].V))
            {
                return $"expected {SeriesDescParser.FormatFloat(ev.Value)} for {a.Labels} but got {SeriesDescParser.FormatFloat(a.Points[0].V)}";
            }
        }
        return null;
    }

    /// <summary>
    /// Compares a matrix with the expected series: value i of a series is expected at start + i·step, <c>_</c>
    /// slots and slots past the listed values must have no point, and timestamps must match exactly.
    /// </summary>
    public static string? CompareMatrix(IReadOnlyList<ExpectedSeries> expected, IReadOnlyList<TestSeries> actual, long startMs, long stepMs)
    {
        if (SetProblems(expected, actual) is { } p)
        {
            return p;
        }
        foreach (var a in actual)
        {
            var e = expected[IndexOf(expected, a.Labels)];
            var floats = new List<TestPoint>();
            int histograms = 0;
            for (int i = 0; i < e.Values.Count; i++)
            {
                var v = e.Values[i];
                if (v.Histogram is not null)
                {
                    histograms++;
                }
                else if (!v.Omitted)
                {
                    floats.Add(new TestPoint(startMs + i * stepMs, v.Value));
                }
            }
            if (floats.Count != a.Points.Count || histograms > 0)
            {
                return $"expected {floats.Count} float points and {histograms} histogram points for {a.Labels}, " +
                    $"but got {a.Points.Count} float points: [{string.Join(", ", a.Points)}], expected [{string.Join(", ", floats)}]";
            }
            for (int i = 0; i < floats.Count; i++)
            {
                if (floats[i].T != a.Points[i].T)
                {
                    return $"expected a point at t={floats[i].T} for {a.Labels}, got one at t={a.Points[i].T}";
                }
                if (!AlmostEqual(floats[i].V, a.Points[i].V))
                {
                    return $"expected {SeriesDescParser.FormatFloat(floats[i].V)} at t={floats[i].T} for {a.Labels}, got {SeriesDescParser.FormatFloat(a.Points[i].V)}";
                }
            }
        }
        return null;
    }

    /// <summary>Checks that the returned label sets are exactly the expected ones; lists what is missing or extra.</summary>
    private static string? SetProblems(IReadOnlyList<ExpectedSeries> expected, IReadOnlyList<TestSeries> actual)
    {
        var sb = new StringBuilder();
        var seen = new HashSet<Labels>();
        foreach (var a in actual)
        {
            if (!seen.Add(a.Labels))
            {
                sb.Append("\n  duplicate series in result: ").Append(a.Labels);
            }
            else if (IndexOf(expected, a.Labels) < 0)
            {
                sb.Append("\n  unexpected series: ").Append(a);
            }
        }
        foreach (var e in expected)
        {
            if (!seen.Contains(e.Labels))
            {
                sb.Append("\n  missing series: ").Append(e.Labels).Append(' ').Append(string.Join(" ", e.Values));
            }
        }
        return sb.Length == 0 ? null : $"expected {expected.Count} series, got {actual.Count}:{sb}";
    }

    private static int IndexOf(IReadOnlyList<ExpectedSeries> expected, Labels labels)
    {
        for (int i = 0; i < expected.Count; i++)
        {
            if (expected[i].Labels.Equals(labels))
            {
                return i;
            }
        }
        return -1;
    }
}
