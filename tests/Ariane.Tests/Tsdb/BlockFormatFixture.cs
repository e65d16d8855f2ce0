using Ariane.Model;
using Ariane.Storage;
using Ariane.Tsdb.Blocks;

namespace Ariane.Tests.Tsdb;

/// <summary>
/// The samples of the block checked in under <c>Tsdb/Fixtures/block-v1/</c>, written by the block writer of format
/// version 1 (index and chunk files version 1, before the compact index and chunk records): every chunk encoding and
/// case that format holds, so that tests can check that a data folder written then still reads and compacts.
/// </summary>
internal static class BlockFormatFixture
{
    /// <summary>The first sample's time; the block is [<see cref="MinTime"/>, <see cref="MaxTime"/>).</summary>
    public const long Start = 1_795_400_007_500;

    public const long MinTime = 1_795_399_200_000;

    public const long MaxTime = MinTime + 3 * 3_600_000;

    /// <summary>The folder of the fixture in the source tree.</summary>
    public static string Folder => Path.Combine(Support.TestPaths.RepoRoot, "tests", "Ariane.Tests", "Tsdb", "Fixtures", "block-v1");

    /// <summary>The fixture's series in label order, with their samples.</summary>
    public static List<(Labels Labels, long[] T, double[] V)> Series()
    {
        var list = new List<(Labels, long[], double[])>();
        ulong seed = 12345;
        double Next() // a small LCG, so the data do not depend on System.Random's algorithm
        {
            seed = seed * 6364136223846793005UL + 1442695040888963407UL;
            return (seed >> 11) * (1.0 / (1UL << 53));
        }
        const int n = 600; // chunks of 240, 240 and 120 samples
        long[] Regular(int count, long from = Start) => [.. Enumerable.Range(0, count).Select(k => from + k * 15_000L)];

        void Add(string name, string instance, long[] t, double[] v, params string[] extra)
        {
            var nv = new List<string> { "__name__", name, "instance", instance, "job", "fixture" };
            nv.AddRange(extra);
            list.Add((Labels.FromStrings([.. nv]), t, v));
        }

        // Integer counter (delta encoding, exponent 0), and the same samples on another instance (shared chunks).
        var counter = new double[n];
        for (int k = 1; k < n; k++)
        {
            counter[k] = counter[k - 1] + Math.Floor(Next() * 20);
        }
        Add("counter_total", "a", Regular(n), counter);
        Add("counter_total", "b", Regular(n), (double[])counter.Clone());

        // A gauge with two decimals (exponent 2).
        Add("load", "a", Regular(n), [.. Enumerable.Range(0, n).Select(_ => Math.Round(Next() * 8, 2))]);

        // A floating-point running sum of 2-place increments (accumulated mode).
        var cpu = new double[n];
        cpu[0] = 1234.5;
        for (int k = 1; k < n; k++)
        {
            cpu[k] = cpu[k - 1] + Math.Round(Next() * 15, 2);
        }
        Add("cpu_seconds_total", "a", Regular(n), cpu);

        // Arbitrary doubles (XOR).
        Add("ratio", "a", Regular(n), [.. Enumerable.Range(0, n).Select(_ => Next())]);

        // NaN, ±Inf, the stale marker and −0 among integers (XOR).
        var special = new double[n];
        for (int k = 0; k < n; k++)
        {
            special[k] = (k % 50) switch
            {
                3 => double.NaN,
                4 => double.PositiveInfinity,
                5 => double.NegativeInfinity,
                6 => SampleValue.StaleNaN,
                7 => -0.0,
                _ => k,
            };
        }
        Add("special", "a", Regular(n), special);

        // Jittered timestamps with a gap (timestamp fields wider than 0 bits).
        var jt = new List<long>();
        long at = Start;
        for (int k = 0; k < n; k++)
        {
            at += 14_000 + (long)(Next() * 2_000) + (k == 300 ? 600_000 : 0);
            jt.Add(at);
        }
        Add("irregular", "a", [.. jt], [.. Enumerable.Range(0, n).Select(k => (double)(k * 3))]);

        // A constant series starting halfway, and a single sample.
        Add("late", "a", Regular(n / 2, Start + n / 2 * 15_000L), [.. Enumerable.Repeat(42.0, n / 2)]);
        Add("single", "a", [Start + 7_000], [1.5]);

        // A classic histogram whose upper buckets equal its +Inf bucket and _count (shared chunks).
        var b1 = new double[n];
        var inf = new double[n];
        for (int k = 1; k < n; k++)
        {
            b1[k] = b1[k - 1] + Math.Floor(Next() * 3);
            inf[k] = inf[k - 1] + 3 + Math.Floor(Next() * 2);
        }
        foreach (var (le, v) in new[] { ("0.1", b1), ("1", inf), ("10", inf), ("+Inf", inf) })
        {
            Add("latency_seconds_bucket", "a", Regular(n), (double[])v.Clone(), "le", le);
        }
        Add("latency_seconds_count", "a", Regular(n), (double[])inf.Clone());

        list.Sort((x, y) => x.Item1.CompareTo(y.Item1));
        return list;
    }

    /// <summary>The fixture's series as a series set, to write a block from.</summary>
    public static ISeriesSet SeriesSet() =>
        new ListSeriesSet([.. Series().Select(s => (ISeries)new ArraySeries(s.Labels, s.T, s.V, s.T.Length))]);
}
