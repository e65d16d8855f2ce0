using Ariane.Model;
using Ariane.PromQL.Ast;
using Ariane.PromQL.Parser;
using Ariane.Storage;

namespace Ariane.PromQL.Engine;

/// <summary>
/// Prometheus 3.x's PromQL engine for float samples: a pure function of (expression, time or range, storage).
/// Thread-safe; one instance serves every query. Failures are returned in <see cref="QueryResult.Error"/> with
/// Prometheus's error types and messages; nothing is thrown for a bad query.
/// </summary>
public sealed class QueryEngine
{
    private readonly TimeProvider _time;

    /// <summary>
    /// Creates an engine with the given settings (Prometheus's defaults when null), measuring the timeout and the
    /// stats' timings on <paramref name="time"/> (the system clock when null; tests pass a fake one).
    /// </summary>
    public QueryEngine(EngineOptions? options = null, TimeProvider? time = null)
    {
        Options = options ?? new EngineOptions();
        _time = time ?? TimeProvider.System;
    }

    /// <summary>The engine's settings.</summary>
    public EngineOptions Options { get; }

    /// <summary>
    /// Parses and runs an instant query at <paramref name="timeMs"/>. <see cref="QueryResult.Stats"/> is always filled
    /// (without the samples per step: the overload with <c>perStepStats</c> adds them).
    /// </summary>
    public QueryResult Instant(IQuerierSource source, string query, long timeMs, CancellationToken ct = default) =>
        Instant(source, query, timeMs, false, ct);

    /// <summary>Parses and runs an instant query, with the samples per step in its stats when <paramref name="perStepStats"/>.</summary>
    public QueryResult Instant(IQuerierSource source, string query, long timeMs, bool perStepStats, CancellationToken ct = default)
    {
        // The timeout counts from here: parsing compiles the selectors' regular expressions.
        long started = _time.GetTimestamp();
        if (!TryParse(query, out var expr, out var error))
        {
            return error!;
        }
        return Run(source, expr!, timeMs, timeMs, 0, perStepStats, started, ct);
    }

    /// <summary>Runs an instant query at <paramref name="timeMs"/>.</summary>
    public QueryResult Instant(IQuerierSource source, Expr expr, long timeMs, CancellationToken ct = default) =>
        Run(source, expr, timeMs, timeMs, 0, false, _time.GetTimestamp(), ct);

    /// <summary>Runs an instant query, with the samples per step in its stats when <paramref name="perStepStats"/>.</summary>
    public QueryResult Instant(IQuerierSource source, Expr expr, long timeMs, bool perStepStats, CancellationToken ct = default) =>
        Run(source, expr, timeMs, timeMs, 0, perStepStats, _time.GetTimestamp(), ct);

    /// <summary>Parses and runs a range query over [start, end] every <paramref name="stepMs"/>; the result is a matrix (or an error).</summary>
    public QueryResult Range(IQuerierSource source, string query, long startMs, long endMs, long stepMs, CancellationToken ct = default) =>
        Range(source, query, startMs, endMs, stepMs, false, ct);

    /// <summary>Parses and runs a range query, with the samples per step in its stats when <paramref name="perStepStats"/>.</summary>
    public QueryResult Range(IQuerierSource source, string query, long startMs, long endMs, long stepMs, bool perStepStats, CancellationToken ct = default)
    {
        long started = _time.GetTimestamp();
        if (!TryParse(query, out var expr, out var error))
        {
            return error!;
        }
        return Range(source, expr!, startMs, endMs, stepMs, perStepStats, started, ct);
    }

    /// <summary>Runs a range query over [start, end] every <paramref name="stepMs"/>.</summary>
    public QueryResult Range(IQuerierSource source, Expr expr, long startMs, long endMs, long stepMs, CancellationToken ct = default) =>
        Range(source, expr, startMs, endMs, stepMs, false, ct);

    /// <summary>Runs a range query, with the samples per step in its stats when <paramref name="perStepStats"/>.</summary>
    public QueryResult Range(IQuerierSource source, Expr expr, long startMs, long endMs, long stepMs, bool perStepStats, CancellationToken ct = default) =>
        Range(source, expr, startMs, endMs, stepMs, perStepStats, _time.GetTimestamp(), ct);

    private QueryResult Range(IQuerierSource source, Expr expr, long startMs, long endMs, long stepMs, bool perStepStats, long started, CancellationToken ct)
    {
        if (stepMs <= 0)
        {
            return QueryResult.Failed(QueryErrorType.BadData, "zero or negative query resolution step widths are not accepted. Try a positive integer");
        }
        if (endMs < startMs)
        {
            return QueryResult.Failed(QueryErrorType.BadData, "end timestamp must not be before start time");
        }
        if (expr.Type is not (ExprType.Scalar or ExprType.InstantVector))
        {
            return QueryResult.Failed(QueryErrorType.BadData,
                $"invalid expression type \"{TypeName(expr.Type)}\" for range query, must be Scalar or instant Vector");
        }
        return Run(source, expr, startMs, endMs, stepMs, perStepStats, started, ct);
    }

    private bool TryParse(string query, out Expr? expr, out QueryResult? error)
    {
        try
        {
            expr = PromQLParser.Parse(query, Options.ParserOptions);
            error = null;
            return true;
        }
        catch (PromQLParseException e)
        {
            expr = null;
            error = QueryResult.Failed(QueryErrorType.BadData, e.Message);
            return false;
        }
    }

    internal static string TypeName(ExprType t) => t switch
    {
        ExprType.Scalar => "scalar",
        ExprType.InstantVector => "instant vector",
        ExprType.RangeVector => "range vector",
        ExprType.String => "string",
        _ => "none",
    };

    private QueryResult Run(IQuerierSource source, Expr expr, long start, long end, long step, bool perStepStats, long started, CancellationToken ct)
    {
        long t0 = _time.GetTimestamp();
        long deadline = long.MaxValue;
        if (Options.Timeout > TimeSpan.Zero && Options.Timeout != Timeout.InfiniteTimeSpan)
        {
            // Saturated: a timeout too long to add to the clock's reading is no timeout.
            double ticks = Options.Timeout.TotalSeconds * _time.TimestampFrequency;
            deadline = ticks < long.MaxValue - started ? started + (long)ticks : long.MaxValue;
        }
        var ctx = new EvalContext(source, Options, _time, start, end, step, ct) { Deadline = deadline };
        try
        {
            bool instant = step == 0;
            long interval = instant ? 1 : step;
            // The per-step statistics take a count per step: a grid the sample limit cannot hold is refused before
            // that array is made. (Without them nothing at this level is sized by the steps; the API allows 11,001.)
            if (perStepStats)
            {
                ctx.CheckSteps((end - start) / interval + 1);
            }
            var totals = new SampleTotals(perStepStats ? new long[(end - start) / interval + 1] : null);
            var ev = new Evaluator(ctx, start, end, interval, totals);
            var value = ev.Eval(expr);
            long evalEnd = _time.GetTimestamp();
            var result = instant ? InstantResult(ctx, expr, value, start) : RangeResult(ctx, expr, (Matrix)value);
            long sortEnd = _time.GetTimestamp();
            var prep = _time.GetElapsedTime(0, ctx.PreparationTicks);
            result.Stats = new QueryStats
            {
                TotalQueryableSamples = totals.Total,
                PeakSamples = ctx.PeakSamples,
                TotalQueryableSamplesPerStep = totals.PerStep,
                StartMs = start,
                StepMs = interval,
                EvalTotalTime = _time.GetElapsedTime(t0, sortEnd),
                ResultSortTime = _time.GetElapsedTime(evalEnd, sortEnd),
                QueryPreparationTime = prep,
                InnerEvalTime = _time.GetElapsedTime(t0, evalEnd) - prep,
            };
            return result;
        }
        catch (PromQLEvalException e)
        {
            return QueryResult.Failed(e.Type, e.Message, ctx.Warnings, ctx.Infos);
        }
        catch (OperationCanceledException)
        {
            // Past the deadline as well: that is the timeout, whichever of the two was seen first.
            return ctx.Deadline != long.MaxValue && _time.GetTimestamp() > ctx.Deadline
                ? QueryResult.Failed(QueryErrorType.Timeout, "query timed out in expression evaluation", ctx.Warnings, ctx.Infos)
                : QueryResult.Failed(QueryErrorType.Canceled, "query was canceled in expression evaluation", ctx.Warnings, ctx.Infos);
        }
        catch (System.Text.RegularExpressions.RegexMatchTimeoutException e)
        {
            return QueryResult.Failed(QueryErrorType.Execution, e.Message, ctx.Warnings, ctx.Infos);
        }
        catch (InsufficientExecutionStackException)
        {
            return QueryResult.Failed(QueryErrorType.Execution, "query is too deeply nested to evaluate", ctx.Warnings, ctx.Infos);
        }
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            // Storage failures and engine bugs: Prometheus reports storage errors as "internal".
            return QueryResult.Failed(QueryErrorType.Internal, e.Message, ctx.Warnings, ctx.Infos);
        }
        finally
        {
            ctx.DisposeQueriers();
        }
    }

    private QueryResult InstantResult(EvalContext ctx, Expr expr, object value, long t)
    {
        if (value is StringValue s)
        {
            return new QueryResult(ResultType.String) { String = s.V, T = t, Warnings = ctx.Warnings, Infos = ctx.Infos };
        }
        var m = (Matrix)value;
        switch (expr.Type)
        {
            case ExprType.Scalar:
                {
                    double v = m.Count > 0 && m[0].Points.Count > 0 ? m[0].Points[0].F : double.NaN;
                    return new QueryResult(ResultType.Scalar) { Scalar = v, T = t, Warnings = ctx.Warnings, Infos = ctx.Infos };
                }
            case ExprType.InstantVector:
                {
                    var vec = new VectorSample[m.Count];
                    var seen = new HashSet<Labels>();
                    for (int i = 0; i < m.Count; i++)
                    {
                        var metric = m[i].Metric;
                        if (m[i].DropName && Options.EnableDelayedNameRemoval)
                        {
                            metric = Evaluator.DropMetadata(metric);
                        }
                        if (!seen.Add(metric))
                        {
                            throw Evaluator.Error("vector cannot contain metrics with the same labelset");
                        }
                        var p = m[i].Points[0];
                        vec[i] = new VectorSample(metric, p.T, p.F);
                    }
                    return new QueryResult(ResultType.Vector) { Vector = vec, Warnings = ctx.Warnings, Infos = ctx.Infos };
                }
            default:
                return new QueryResult(ResultType.Matrix) { Matrix = ToMatrix(m), Warnings = ctx.Warnings, Infos = ctx.Infos };
        }
    }

    private QueryResult RangeResult(EvalContext ctx, Expr expr, Matrix m)
    {
        _ = expr;
        return new QueryResult(ResultType.Matrix) { Matrix = ToMatrix(m), Warnings = ctx.Warnings, Infos = ctx.Infos };
    }

    private MatrixSeries[] ToMatrix(Matrix m)
    {
        if (Options.EnableDelayedNameRemoval)
        {
            foreach (var s in m)
            {
                if (s.DropName)
                {
                    s.Metric = Evaluator.DropMetadata(s.Metric);
                }
            }
            m = Evaluator.MergeSameLabelset(m);
        }
        var result = new MatrixSeries[m.Count];
        for (int i = 0; i < m.Count; i++)
        {
            result[i] = new MatrixSeries(m[i].Metric, [.. m[i].Points]);
        }
        Array.Sort(result, static (a, b) => a.Metric.CompareTo(b.Metric));
        return result;
    }
}
