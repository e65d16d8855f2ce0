namespace Ariane.PromQL.Engine;

/// <summary>Settings of a <see cref="QueryEngine"/>; the defaults are Prometheus 3.x's.</summary>
public sealed record EngineOptions
{
    /// <summary>How far back an instant selector looks for the latest sample (<c>--query.lookback-delta</c>).</summary>
    public TimeSpan LookbackDelta { get; init; } = TimeSpan.FromMinutes(5);

    /// <summary>The most samples a query may hold in memory at once (<c>--query.max-samples</c>).</summary>
    public int MaxSamples { get; init; } = 50_000_000;

    /// <summary>
    /// The most bytes of label sets one query may create (label_replace, label_join, count_values: the new values and
    /// the label arrays holding them), which the sample count does not see. Null: as many bytes as
    /// <see cref="MaxSamples"/> samples take (16 bytes each), at least 16 MiB, so one limit scales both.
    /// </summary>
    public long? MaxLabelBytes { get; init; }

    /// <summary>The longest a query may run (<c>--query.timeout</c>); <see cref="Timeout.InfiniteTimeSpan"/> for none.</summary>
    public TimeSpan Timeout { get; init; } = TimeSpan.FromMinutes(2);

    /// <summary>The step of a subquery written without one (<c>x[5m:]</c>): the global evaluation interval.</summary>
    public TimeSpan DefaultEvaluationInterval { get; init; } = TimeSpan.FromMinutes(1);

    /// <summary>Drop <c>__name__</c> only at the end of evaluation (Prometheus's <c>promql-delayed-name-removal</c>).</summary>
    public bool EnableDelayedNameRemoval { get; init; } = true;

    /// <summary>
    /// Whether the common range functions take their dedicated path (prefix sums, parallel series); tests turn it off
    /// to check that path against the general one.
    /// </summary>
    internal bool FastPaths { get; init; } = true;

    /// <summary>The parser features; all experimental syntax and functions on by default.</summary>
    public Parser.ParserOptions ParserOptions { get; init; } = Parser.ParserOptions.Default;
}
