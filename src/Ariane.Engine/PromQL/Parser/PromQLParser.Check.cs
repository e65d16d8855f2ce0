using Ariane.Model;
using Ariane.PromQL.Ast;

namespace Ariane.PromQL.Parser;

// Prometheus's checkAST: type checks after a successful parse, recording errors in the same order it does.
internal sealed partial class ParserState
{
    private ExprType Check(Expr node)
    {
        System.Runtime.CompilerServices.RuntimeHelpers.EnsureSufficientExecutionStack();
        var type = node.Type;
        switch (node)
        {
            case AggregateExpr a:
                ExpectType(a.Expr, ExprType.InstantVector, "aggregation expression");
                if (a.Op is AggregateOp.Topk or AggregateOp.Bottomk or AggregateOp.Quantile or AggregateOp.Limitk or AggregateOp.LimitRatio)
                {
                    ExpectType(a.Param!, ExprType.Scalar, "aggregation parameter");
                }
                if (a.Op == AggregateOp.CountValues)
                {
                    ExpectType(a.Param!, ExprType.String, "aggregation parameter");
                }
                break;

            case BinaryExpr b:
                CheckBinary(b);
                break;

            case Call c:
                CheckCall(c);
                break;

            case ParenExpr p:
                Check(p.Expr);
                break;

            case UnaryExpr u:
                {
                    var t = Check(u.Expr);
                    if (t is not (ExprType.Scalar or ExprType.InstantVector))
                    {
                        AddError(u.Position.Start, "unary expression only allowed on expressions of type scalar or instant vector, got " + PromQLFormat.Quote(PromQLFormat.DocumentedType(t)));
                    }
                    break;
                }

            case SubqueryExpr s:
                {
                    var t = Check(s.Expr);
                    if (t != ExprType.InstantVector)
                    {
                        AddError(s.Position.Start, "subquery is only allowed on instant vector, got " + PromQLFormat.InternalType(t) + " instead");
                    }
                    break;
                }

            case MatrixSelector m:
                Check(m.VectorSelector);
                break;

            case VectorSelector vs:
                CheckSelector(vs);
                break;
        }
        return type;
    }

    private void ExpectType(Expr node, ExprType want, string context)
    {
        var t = Check(node);
        if (t != want)
        {
            AddError(node.Position.Start, $"expected type {PromQLFormat.DocumentedType(want)} in {context}, got {PromQLFormat.DocumentedType(t)}");
        }
    }

    private void CheckSelector(VectorSelector vs)
    {
        if (vs.Name is { Length: > 0 })
        {
            // The last matcher is the one for the name written outside the braces.
            for (int i = 0; i < vs.Matchers.Count - 1; i++)
            {
                var m = vs.Matchers[i];
                if (m.Name == Labels.MetricName)
                {
                    AddError(vs.Position.Start, "metric name must not be set twice: " + PromQLFormat.Quote(vs.Name) + " or " + PromQLFormat.Quote(m.Value));
                }
            }
            return;
        }
        if (vs.BypassEmptyMatcherCheck)
        {
            return;
        }
        foreach (var m in vs.Matchers)
        {
            if (!m.MatchesEmpty)
            {
                return;
            }
        }
        AddError(vs.Position.Start, "vector selector must contain at least one non-empty matcher");
    }

    private int OperatorPosition(BinaryExpr b)
    {
        int i = Math.Min(b.Lhs.Position.End, _input.Length);
        while (i < _input.Length && Lexer.IsSpace(_input[i]))
        {
            i++;
        }
        return i;
    }

    private void CheckBinary(BinaryExpr n)
    {
        var lt = Check(n.Lhs);
        var rt = Check(n.Rhs);
        var vm = n.Matching;
        bool isCmp = BinaryExpr.IsComparison(n.Op);
        bool isSet = BinaryExpr.IsSetOperator(n.Op);

        if (n.ReturnBool && !isCmp)
        {
            AddError(OperatorPosition(n), "bool modifier can only be used on comparison operators");
        }
        if (isCmp && !n.ReturnBool && n.Rhs.Type == ExprType.Scalar && n.Lhs.Type == ExprType.Scalar)
        {
            AddError(OperatorPosition(n), "comparisons between scalars must use BOOL modifier");
        }
        if (vm is not null && isSet && vm.Card == VectorMatchCardinality.OneToOne)
        {
            vm.Card = VectorMatchCardinality.ManyToMany;
        }
        if (vm is not null && vm.On)
        {
            foreach (var l1 in vm.MatchingLabels)
            {
                foreach (var l2 in vm.Include)
                {
                    if (l1 == l2)
                    {
                        AddError(OperatorPosition(n), "label " + PromQLFormat.Quote(l1) + " must not occur in ON and GROUP clause at once");
                    }
                }
            }
        }
        if (lt is not (ExprType.Scalar or ExprType.InstantVector))
        {
            AddError(n.Lhs.Position.Start, "binary expression must contain only scalar and instant vector types");
        }
        if (rt is not (ExprType.Scalar or ExprType.InstantVector))
        {
            AddError(n.Rhs.Position.Start, "binary expression must contain only scalar and instant vector types");
        }
        if (vm is not null && (lt != ExprType.InstantVector || rt != ExprType.InstantVector))
        {
            if (vm.MatchingLabels.Count > 0)
            {
                AddError(n.Position.Start, "vector matching only allowed between instant vectors");
            }
            if (vm.FillLeft is not null || vm.FillRight is not null)
            {
                AddError(n.Position.Start, "filling in missing series only allowed between instant vectors");
            }
            n.Matching = null;
        }
        else if (vm is not null && isSet)
        {
            if (vm.Card is VectorMatchCardinality.OneToMany or VectorMatchCardinality.ManyToOne)
            {
                AddError(n.Position.Start, "no grouping allowed for " + PromQLFormat.Quote(PromQLFormat.OpText(n.Op)) + " operation");
            }
            if (vm.Card != VectorMatchCardinality.ManyToMany)
            {
                AddError(n.Position.Start, "set operations must always be many-to-many");
            }
            if (vm.FillLeft is not null || vm.FillRight is not null)
            {
                AddError(n.Position.Start, "filling in missing series not allowed for set operators");
            }
        }
        if ((lt == ExprType.Scalar || rt == ExprType.Scalar) && isSet)
        {
            AddError(n.Position.Start, "set operator " + PromQLFormat.Quote(PromQLFormat.OpText(n.Op)) + " not allowed in binary scalar expression");
        }
    }

    private void CheckCall(Call n)
    {
        var f = n.Func;
        int nargs = f.ArgTypes.Count;
        if (f.Variadic == 0)
        {
            if (nargs != n.Args.Count)
            {
                AddError(n.Position.Start, $"expected {nargs} argument(s) in call to {PromQLFormat.Quote(f.Name)}, got {n.Args.Count}");
            }
        }
        else
        {
            int na = nargs - 1;
            if (na > n.Args.Count)
            {
                AddError(n.Position.Start, $"expected at least {na} argument(s) in call to {PromQLFormat.Quote(f.Name)}, got {n.Args.Count}");
            }
            else if (f.Variadic > 0 && na + f.Variadic < n.Args.Count)
            {
                AddError(n.Position.Start, $"expected at most {na + f.Variadic} argument(s) in call to {PromQLFormat.Quote(f.Name)}, got {n.Args.Count}");
            }
        }

        if (f.Name == "info" && n.Args.Count > 1)
        {
            var a1 = n.Args[1];
            if (a1.Type != ExprType.InstantVector)
            {
                AddError(n.Position.Start, $"expected type {PromQLFormat.DocumentedType(ExprType.InstantVector)} in call to function \"info\", got {PromQLFormat.DocumentedType(a1.Type)}");
            }
            if (a1 is VectorSelector vs && vs.Name is { Length: > 0 })
            {
                AddError(a1.Position.Start, "expected label selectors only, got vector selector instead");
            }
            else if (a1 is VectorSelector ok)
            {
                ok.BypassEmptyMatcherCheck = true;
            }
            else
            {
                AddError(a1.Position.Start, "expected label selectors only");
            }
        }

        for (int i = 0; i < n.Args.Count; i++)
        {
            int ti = i;
            if (i >= nargs)
            {
                if (f.Variadic == 0 || nargs == 0)
                {
                    break;
                }
                ti = nargs - 1;
            }
            var arg = n.Args[i];
            var t = Check(arg);
            if (t != f.ArgTypes[ti])
            {
                AddError(arg.Position.Start, $"expected type {PromQLFormat.DocumentedType(f.ArgTypes[ti])} in call to function {PromQLFormat.Quote(f.Name)}, got {PromQLFormat.DocumentedType(t)}");
            }
        }
    }
}
