namespace Ariane.PromQL.Ast;

/// <summary>Walks syntax trees without recursion, so that even a hostile, very deep tree can be measured safely.</summary>
public static class AstWalk
{
    /// <summary>The direct children of a node.</summary>
    public static IEnumerable<Expr> Children(Expr node)
    {
        switch (node)
        {
            case AggregateExpr a:
                yield return a.Expr;
                if (a.Param is not null)
                {
                    yield return a.Param;
                }
                break;
            case BinaryExpr b:
                yield return b.Lhs;
                yield return b.Rhs;
                break;
            case Call c:
                foreach (var arg in c.Args)
                {
                    yield return arg;
                }
                break;
            case MatrixSelector m:
                yield return m.VectorSelector;
                if (m.RangeExpr is not null)
                {
                    yield return m.RangeExpr;
                }
                break;
            case SubqueryExpr s:
                yield return s.Expr;
                if (s.RangeExpr is not null)
                {
                    yield return s.RangeExpr;
                }
                if (s.StepExpr is not null)
                {
                    yield return s.StepExpr;
                }
                if (s.OffsetExpr is not null)
                {
                    yield return s.OffsetExpr;
                }
                break;
            case ParenExpr p:
                yield return p.Expr;
                break;
            case UnaryExpr u:
                yield return u.Expr;
                break;
            case VectorSelector v when v.OffsetExpr is not null:
                yield return v.OffsetExpr;
                break;
            case DurationExpr d:
                if (d.Lhs is not null)
                {
                    yield return d.Lhs;
                }
                if (d.Rhs is not null)
                {
                    yield return d.Rhs;
                }
                break;
        }
    }

    /// <summary>The number of nodes on the longest path from <paramref name="root"/> to a leaf, computed with an explicit stack.</summary>
    public static int Depth(Expr root)
    {
        int max = 0;
        var stack = new Stack<(Expr Node, int Depth)>();
        stack.Push((root, 1));
        while (stack.Count > 0)
        {
            var (node, depth) = stack.Pop();
            if (depth > max)
            {
                max = depth;
            }
            foreach (var child in Children(node))
            {
                stack.Push((child, depth + 1));
            }
        }
        return max;
    }
}
