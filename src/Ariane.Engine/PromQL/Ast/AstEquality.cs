using Ariane.Model;

namespace Ariane.PromQL.Ast;

/// <summary>Structural equality of expression trees: same shape and values, ignoring positions and matcher order.</summary>
public static class AstEquality
{
    /// <summary>True when <paramref name="a"/> and <paramref name="b"/> are the same expression.</summary>
    public static bool AreEqual(Expr? a, Expr? b)
    {
        if (a is null || b is null)
        {
            return a is null && b is null;
        }
        switch (a)
        {
            case NumberLiteral x when b is NumberLiteral y:
                return x.Value.Equals(y.Value);
            case StringLiteral x when b is StringLiteral y:
                return x.Value == y.Value;
            case ParenExpr x when b is ParenExpr y:
                return AreEqual(x.Expr, y.Expr);
            case UnaryExpr x when b is UnaryExpr y:
                return x.Op == y.Op && AreEqual(x.Expr, y.Expr);
            case VectorSelector x when b is VectorSelector y:
                return SelectorEqual(x, y);
            case MatrixSelector x when b is MatrixSelector y:
                return x.Range == y.Range && AreEqual(x.RangeExpr, y.RangeExpr) && SelectorEqual(x.VectorSelector, y.VectorSelector);
            case SubqueryExpr x when b is SubqueryExpr y:
                return x.Range == y.Range && AreEqual(x.RangeExpr, y.RangeExpr) && x.Step == y.Step && AreEqual(x.StepExpr, y.StepExpr)
                    && x.Offset == y.Offset && AreEqual(x.OffsetExpr, y.OffsetExpr) && x.Timestamp == y.Timestamp
                    && x.StartOrEnd == y.StartOrEnd && AreEqual(x.Expr, y.Expr);
            case BinaryExpr x when b is BinaryExpr y:
                return x.Op == y.Op && x.ReturnBool == y.ReturnBool && MatchingEqual(x.Matching, y.Matching)
                    && AreEqual(x.Lhs, y.Lhs) && AreEqual(x.Rhs, y.Rhs);
            case AggregateExpr x when b is AggregateExpr y:
                return x.Op == y.Op && x.Without == y.Without && ListEqual(x.Grouping, y.Grouping)
                    && AreEqual(x.Param, y.Param) && AreEqual(x.Expr, y.Expr);
            case Call x when b is Call y:
                if (x.Func.Name != y.Func.Name || x.Args.Count != y.Args.Count)
                {
                    return false;
                }
                for (int i = 0; i < x.Args.Count; i++)
                {
                    if (!AreEqual(x.Args[i], y.Args[i]))
                    {
                        return false;
                    }
                }
                return true;
            case DurationExpr x when b is DurationExpr y:
                return x.Op == y.Op && x.Wrapped == y.Wrapped && AreEqual(x.Lhs, y.Lhs) && AreEqual(x.Rhs, y.Rhs);
            default:
                return false;
        }
    }

    private static bool SelectorEqual(VectorSelector x, VectorSelector y)
    {
        if ((x.Name ?? "") != (y.Name ?? "") || x.Offset != y.Offset || !AreEqual(x.OffsetExpr, y.OffsetExpr)
            || x.Timestamp != y.Timestamp || x.StartOrEnd != y.StartOrEnd || x.Anchored != y.Anchored || x.Smoothed != y.Smoothed
            || x.Matchers.Count != y.Matchers.Count)
        {
            return false;
        }
        var a = new List<string>(x.Matchers.Count);
        var b = new List<string>(y.Matchers.Count);
        foreach (var m in x.Matchers)
        {
            a.Add(Key(m));
        }
        foreach (var m in y.Matchers)
        {
            b.Add(Key(m));
        }
        a.Sort(StringComparer.Ordinal);
        b.Sort(StringComparer.Ordinal);
        return ListEqual(a, b);

        static string Key(LabelMatcher m) => m.Name + "\0" + (int)m.Type + "\0" + m.Value;
    }

    private static bool MatchingEqual(VectorMatching? x, VectorMatching? y)
    {
        if (x is null || y is null)
        {
            return x is null && y is null;
        }
        return x.Card == y.Card && x.On == y.On && ListEqual(x.MatchingLabels, y.MatchingLabels) && ListEqual(x.Include, y.Include)
            && Nullable.Equals(x.FillLeft, y.FillLeft) && Nullable.Equals(x.FillRight, y.FillRight);
    }

    private static bool ListEqual(IReadOnlyList<string> x, IReadOnlyList<string> y)
    {
        if (x.Count != y.Count)
        {
            return false;
        }
        for (int i = 0; i < x.Count; i++)
        {
            if (x[i] != y[i])
            {
                return false;
            }
        }
        return true;
    }
}
