using Ariane.PromQL.Ast;
using Ariane.PromQL.Engine;
using Ariane.PromQL.Parser;
using Ariane.Storage;

namespace Ariane.Tests.PromQL.PromQLTest;

/// <summary>
/// The real PromQL engine behind the promqltest runner, with the settings of FORMAT.md §9 (5m lookback, 1m default
/// subquery step, max samples 10000, delayed name removal, experimental syntax on).
/// </summary>
public sealed class ArianeTestEngine : IPromQLTestEngine
{
    private readonly QueryEngine _engine = new(new EngineOptions
    {
        LookbackDelta = TimeSpan.FromMinutes(5),
        DefaultEvaluationInterval = TimeSpan.FromMinutes(1),
        EnableDelayedNameRemoval = true,
        MaxSamples = 10_000,
        Timeout = TimeSpan.FromMinutes(1),
    });

    /// <inheritdoc/>
    public TestQueryResult Instant(IQuerierSource storage, string expr, long timeMs) =>
        Convert(expr, _engine.Instant(storage, expr, timeMs));

    /// <inheritdoc/>
    public TestQueryResult Range(IQuerierSource storage, string expr, long startMs, long endMs, long stepMs) =>
        Convert(expr, _engine.Range(storage, expr, startMs, endMs, stepMs));

    /// <inheritdoc/>
    public string? RewriteWithAt(string expr, long timeMs)
    {
        var tree = PromQLParser.Parse(expr);
        SetAt(tree, timeMs);
        return tree.ToString();
    }

    private static void SetAt(Expr e, long t)
    {
        switch (e)
        {
            case VectorSelector vs:
                if (vs.Timestamp is null && vs.StartOrEnd == AtModifier.None)
                {
                    vs.Timestamp = t;
                }
                break;
            case MatrixSelector ms:
                SetAt(ms.VectorSelector, t);
                break;
            case SubqueryExpr sq:
                // The selectors inside a subquery are evaluated at the subquery's steps: pin the subquery only.
                if (sq.Timestamp is null && sq.StartOrEnd == AtModifier.None)
                {
                    sq.Timestamp = t;
                }
                break;
            case ParenExpr p:
                SetAt(p.Expr, t);
                break;
            case UnaryExpr u:
                SetAt(u.Expr, t);
                break;
            case BinaryExpr b:
                SetAt(b.Lhs, t);
                SetAt(b.Rhs, t);
                break;
            case AggregateExpr a:
                if (a.Param is not null)
                {
                    SetAt(a.Param, t);
                }
                SetAt(a.Expr, t);
                break;
            case Call c:
                foreach (var arg in c.Args)
                {
                    SetAt(arg, t);
                }
                break;
        }
    }

    private static TestQueryResult Convert(string expr, QueryResult r)
    {
        var warnings = r.Warnings.Select(a => a.Render(expr)).ToList();
        var infos = r.Infos.Select(a => a.Render(expr)).ToList();
        if (r.Error is not null)
        {
            return TestQueryResult.Failed(r.Error.Message, warnings, infos);
        }
        return r.Type switch
        {
            ResultType.Scalar => TestQueryResult.OfScalar(r.T, r.Scalar, warnings, infos),
            ResultType.String => TestQueryResult.OfString(r.String ?? "", warnings, infos),
            ResultType.Vector => TestQueryResult.OfVector(
                r.Vector.Select(s => new TestSeries(s.Metric, [new TestPoint(s.T, s.F)])).ToList(), warnings, infos),
            _ => TestQueryResult.OfMatrix(
                r.Matrix.Select(s => new TestSeries(s.Metric, s.Points.Select(p => new TestPoint(p.T, p.F)).ToList())).ToList(), warnings, infos),
        };
    }
}

/// <summary>The promqltest conformance suite: one case per file (FORMAT.md), known failures listed in promql-known-failures.txt.</summary>
public class PromQLConformanceTests
{
    public static TheoryData<string> Files => PromQLConformanceRunner.Files();

    [Theory]
    [MemberData(nameof(Files))]
    public void File(string file) => PromQLConformanceRunner.RunAndAssert(file);
}
