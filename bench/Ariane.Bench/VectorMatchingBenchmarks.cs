using Ariane.PromQL.Engine;
using BenchmarkDotNet.Attributes;

namespace Ariane.Bench;

/// <summary>
/// Vector matching and comparison filters over query.sh's <c>--data joins</c> set (issue 10): <c>lq{i, grp, mod}</c>,
/// one series per <c>i</c>, 1 h every 30 s, every 50th series present in the second half only; a range query over
/// the hour at a 60 s step (61 steps). Allocations per query are the figure to watch.
/// </summary>
[MemoryDiagnoser]
public class VectorMatchingBenchmarks
{
    /// <summary>query.sh's three join queries, then the same joins through <c>ignoring</c> and <c>group_right</c>, and a set operator.</summary>
    internal static readonly string[] Queries =
    [
        .. Load.Queries.Joins,
        "sum by (grp) (lq / ignoring(mod) group_left lq)",
        "sum by (mod) (lq - on(i, mod) group_right(grp) lq)",
        "count(lq and on(i) lq > 500)",
    ];

    private QueryData _data = null!;
    private readonly QueryEngine _engine = new();

    /// <summary>The number of <c>lq</c> series.</summary>
    [Params(50_000)]
    public int Series { get; set; }

    /// <summary>The index of the query in <see cref="Queries"/>.</summary>
    [Params(0, 1, 2, 3, 4, 5)]
    public int Query { get; set; }

    /// <summary>Loads the data set into a head.</summary>
    [GlobalSetup]
    public void Setup() => _data = new QueryData(joinSeries: Series);

    /// <summary>Removes the head.</summary>
    [GlobalCleanup]
    public void Cleanup() => _data.Dispose();

    /// <summary>One query_range over the hour at a 60 s step.</summary>
    [Benchmark]
    public int Range() => _engine.Range(_data.Source, Queries[Query], _data.StartMs, _data.EndMs, 60_000).Matrix.Count;
}
