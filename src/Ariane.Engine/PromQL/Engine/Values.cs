using Ariane.Model;

namespace Ariane.PromQL.Engine;

/// <summary>One element of an instant vector during evaluation.</summary>
internal struct Sample
{
    public Labels Metric;
    public double F;
    public bool DropName;

    /// <summary>The index of the sample's series in its argument matrix (for vector matching).</summary>
    public int Ord;

    public Sample(Labels metric, double f, bool dropName)
    {
        Metric = metric;
        F = f;
        DropName = dropName;
    }
}

/// <summary>One series of an evaluated matrix: a point per step where the expression had a value.</summary>
internal sealed class Series
{
    public Series(Labels metric, bool dropName, int capacity = 4)
    {
        Metric = metric;
        DropName = dropName;
        Points = new List<FloatPoint>(capacity);
    }

    public Labels Metric;
    public bool DropName;
    public List<FloatPoint> Points;
}

/// <summary>An evaluated expression: every node evaluates to a matrix over the evaluator's steps (scalars are one series with empty labels).</summary>
internal sealed class Matrix : List<Series>
{
    public Matrix()
    {
    }

    public Matrix(int capacity)
        : base(capacity)
    {
    }
}

/// <summary>A string literal's value.</summary>
internal sealed class StringValue(string v)
{
    public string V { get; } = v;
}

/// <summary>
/// Series with their samples in time order, as windows are cut from them: either loaded from storage (with stale
/// markers removed) or the result of a subquery.
/// </summary>
internal sealed class RangeSeries(Labels labels, FloatPoint[] points, int count, bool dropName)
{
    public Labels Labels { get; } = labels;
    public FloatPoint[] Points { get; } = points;
    public int Count { get; } = count;
    public bool DropName { get; } = dropName;
}

internal static class Kahan
{
    /// <summary>Neumaier's compensated addition: adds <paramref name="inc"/> to (sum, c).</summary>
    public static (double Sum, double C) Inc(double inc, double sum, double c)
    {
        double t = sum + inc;
        if (double.IsInfinity(t))
        {
            c = 0;
        }
        else if (Math.Abs(sum) >= Math.Abs(inc))
        {
            c += (sum - t) + inc;
        }
        else
        {
            c += (inc - t) + sum;
        }
        return (t, c);
    }
}
