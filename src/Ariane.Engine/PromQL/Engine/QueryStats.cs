namespace Ariane.PromQL.Engine;

/// <summary>
/// What one query cost, as Prometheus 3.x reports it under <c>data.stats</c> when the API is asked with <c>stats=</c>:
/// the samples it touched and where its time went.
/// </summary>
public sealed class QueryStats
{
    /// <summary>
    /// <c>totalQueryableSamples</c>: samples taken from storage, counted as Prometheus does: a vector selector counts one
    /// sample per series and step it yields, a range function the whole window at every step (a sample in several
    /// windows counts several times).
    /// </summary>
    public long TotalQueryableSamples { get; internal set; }

    /// <summary>
    /// <c>peakSamples</c>: the most samples held at once during evaluation, as the engine counts them against
    /// <c>--query.max-samples</c> (the loaded windows and the evaluated intermediate results).
    /// </summary>
    public long PeakSamples { get; internal set; }

    /// <summary>
    /// <c>totalQueryableSamplesPerStep</c>: <see cref="TotalQueryableSamples"/> split by step (entry i is the step at
    /// <see cref="StartMs"/> + i × <see cref="StepMs"/>); null unless per-step statistics were asked for.
    /// </summary>
    public IReadOnlyList<long>? TotalQueryableSamplesPerStep { get; internal set; }

    /// <summary>The first step's time (ms).</summary>
    public long StartMs { get; internal set; }

    /// <summary>The step (ms; 1 for an instant query).</summary>
    public long StepMs { get; internal set; }

    /// <summary><c>evalTotalTime</c>: preparation, evaluation and sorting of the result.</summary>
    public TimeSpan EvalTotalTime { get; internal set; }

    /// <summary><c>resultSortTime</c>: ordering the result series by labels.</summary>
    public TimeSpan ResultSortTime { get; internal set; }

    /// <summary><c>queryPreparationTime</c>: opening queriers and selecting series from storage.</summary>
    public TimeSpan QueryPreparationTime { get; internal set; }

    /// <summary><c>innerEvalTime</c>: evaluation without the preparation.</summary>
    public TimeSpan InnerEvalTime { get; internal set; }
}

/// <summary>
/// The samples counted by one evaluator: its own total and, for the top-level evaluator when asked, the total per step.
/// A subquery's evaluator has its own totals, which its parent takes or leaves as Prometheus does.
/// </summary>
internal sealed class SampleTotals(long[]? perStep)
{
    public long Total;

    public long[]? PerStep { get; } = perStep;

    public void Add(long step, long n)
    {
        Total += n;
        if (PerStep is { } ps && (ulong)step < (ulong)ps.Length)
        {
            ps[step] += n;
        }
    }
}
