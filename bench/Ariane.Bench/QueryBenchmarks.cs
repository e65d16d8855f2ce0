using System.Diagnostics;
using System.Globalization;
using Ariane.Bench.Load;
using Ariane.Model;
using Ariane.PromQL.Engine;
using Ariane.Tsdb;
using BenchmarkDotNet.Attributes;

namespace Ariane.Bench;

/// <summary>
/// The query benchmark's data set (bench/query.sh: 60 instances, 6 h every 15 s, samples 7.5 s off the minute grid)
/// loaded into an in-process head, so the engine can be timed without HTTP, JSON or another process.
/// </summary>
internal sealed class QueryData : IDisposable
{
    private readonly string _dir;

    public QueryData(int instances = 60, double hours = 6, bool blocks = false, bool startTimestamps = false, int joinSeries = 0)
    {
        // A whole minute, as query.sh picks it; the data ends 7.5 s before it. With joinSeries, query.sh's
        // --data joins set instead: that many lq series, 1 h every 30 s, queried over the hour.
        EndMs = 1_795_480_000_000L / 60_000 * 60_000;
        StartMs = EndMs - (joinSeries > 0 ? 1 : 3) * 3600_000L;
        _dir = Path.Combine(Path.GetTempPath(), "ariane-qbench-" + Guid.NewGuid().ToString("N"));
        var options = new TsdbOptions { Path = _dir, CompactionInterval = TimeSpan.FromDays(1) };
        if (blocks)
        {
            // As the server stores them: the older hours cut into blocks, the last ones in the head.
            _db = Db.Open(options, TimeProvider.System);
            Source = _db;
        }
        else
        {
            _head = Head.Open(options, TimeProvider.System);
            Source = _head;
        }
        var appendable = (Ariane.Storage.IAppendable)Source;
        SeriesData ds = joinSeries > 0
            ? new JoinDataSet(joinSeries, EndMs - 7500, 1, 30_000, 1)
            : new DataSet(instances, EndMs - 7500, hours, 15_000, 1);
        var labels = new Labels[ds.SeriesCount];
        for (int s = 0; s < labels.Length; s++)
        {
            var pairs = ds.LabelPairs(s);
            var arr = new Label[pairs.Length];
            for (int i = 0; i < pairs.Length; i++)
            {
                arr[i] = new Label(pairs[i].Name, pairs[i].Value);
            }
            labels[s] = Labels.FromSorted(arr);
        }
        var refs = new ulong[labels.Length];
        // With start timestamps, every counter (a name ending in _total) started a second before the data: the
        // counter functions then take their start-time path, which finds no reset in this data.
        var starts = new long[labels.Length];
        for (int s = 0; s < labels.Length; s++)
        {
            starts[s] = startTimestamps && labels[s].Get(Labels.MetricName).EndsWith("_total", StringComparison.Ordinal) ? ds.StartMs - 1000 : 0;
        }
        for (int k = 0; k < ds.Steps; k++)
        {
            var values = ds.Step(k);
            long t = ds.StartMs + k * ds.IntervalMs;
            var app = appendable.Appender();
            for (int s = 0; s < labels.Length; s++)
            {
                if (ds.Present(s, k))
                {
                    app.Append(ref refs[s], labels[s], t, values[s], starts[s]);
                }
            }
            app.Commit();
        }
        if (_db is not null)
        {
            _db.Compact();
            Blocks = _db.Blocks.Count;
        }
    }

    private readonly Head? _head;
    private readonly Db? _db;

    /// <summary>What the queries read: the head alone, or blocks and head merged.</summary>
    public Ariane.Storage.IQuerierSource Source { get; }

    /// <summary>Blocks the data went into (0 for the head alone).</summary>
    public int Blocks { get; }

    public long StartMs { get; }

    public long EndMs { get; }

    public void Dispose()
    {
        _head?.Dispose();
        _db?.Dispose();
        Directory.Delete(_dir, true);
    }

    /// <summary>
    /// <c>queries [--rounds 10] [--only 0,1] [--blocks] [--st] [--joins 50000]</c>: p50 and allocations of each of
    /// query.sh's queries through the engine alone, in this process; a quick loop for engine work, not the
    /// side-by-side figure. With <c>--blocks</c> the data go through the database, so the older hours are read from
    /// on-disk blocks, as in the server; with <c>--st</c> the counters carry start timestamps; with <c>--joins N</c>
    /// the vector-matching set of query.sh's <c>--data joins</c> (N series) and its queries.
    /// </summary>
    public static void Run(string[] args)
    {
        int rounds = 10;
        var only = new HashSet<int>();
        bool blocks = false, decode = false, startTimestamps = false;
        int joins = 0;
        for (int i = 1; i < args.Length; i += 2)
        {
            if (args[i] == "--blocks")
            {
                blocks = true;
                i--;
                continue;
            }
            if (args[i] == "--st")
            {
                startTimestamps = true;
                i--;
                continue;
            }
            if (args[i] == "--decode")
            {
                decode = true;
                i--;
                continue;
            }
            if (i + 1 >= args.Length)
            {
                break;
            }
            switch (args[i])
            {
                case "--joins":
                    joins = int.Parse(args[i + 1], CultureInfo.InvariantCulture);
                    break;
                case "--rounds":
                    rounds = int.Parse(args[i + 1], CultureInfo.InvariantCulture);
                    break;
                case "--only":
                    foreach (var q in args[i + 1].Split(','))
                    {
                        only.Add(int.Parse(q, CultureInfo.InvariantCulture));
                    }
                    break;
            }
        }
        var sw = Stopwatch.StartNew();
        using var data = new QueryData(blocks: blocks, startTimestamps: startTimestamps, joinSeries: joins);
        var queries = joins > 0 ? Load.Queries.Joins : QueryBenchmarks.Queries;
        Console.WriteLine($"loaded in {sw.Elapsed.TotalSeconds:F1} s, {data.Blocks} blocks");
        if (decode)
        {
            Decode(data, rounds);
            return;
        }
        var engine = new QueryEngine();
        for (int q = 0; q < queries.Length; q++)
        {
            if (only.Count > 0 && !only.Contains(q))
            {
                continue;
            }
            string query = queries[q];
            var first = engine.Range(data.Source, query, data.StartMs, data.EndMs, 60_000);
            if (first.Error is not null)
            {
                Console.WriteLine($"q{q}: {first.Error.Message}");
                continue;
            }
            var times = new double[rounds];
            long alloc0 = GC.GetTotalAllocatedBytes(true);
            var cpu0 = Process.GetCurrentProcess().TotalProcessorTime;
            int gc0 = GC.CollectionCount(0);
            for (int r = 0; r < rounds; r++)
            {
                long t0 = Stopwatch.GetTimestamp();
                engine.Range(data.Source, query, data.StartMs, data.EndMs, 60_000);
                times[r] = Stopwatch.GetElapsedTime(t0).TotalMilliseconds;
            }
            // CPU time (all threads) is steadier than wall time on a shared machine: compare it between builds.
            double cpu = (Process.GetCurrentProcess().TotalProcessorTime - cpu0).TotalMilliseconds / rounds;
            long alloc = (GC.GetTotalAllocatedBytes(true) - alloc0) / rounds;
            int gcs = GC.CollectionCount(0) - gc0;
            Array.Sort(times);
            long points = 0;
            foreach (var s in first.Matrix)
            {
                points += s.Points.Length;
            }
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"q{q}: p50 {times[rounds / 2],7:F1} ms  min {times[0],7:F1}  cpu {cpu,7:F1} ms  {alloc / 1e6,7:F2} MB/query  gen0 {gcs / (double)rounds,5:F1}/query  {first.Matrix.Count} series {points} points  {query}"));
        }
    }

    /// <summary>
    /// <c>--decode</c>: reads every sample of the queries' 3 h (through <c>ISampleIterator.Read</c>) on one
    /// thread, <paramref name="rounds"/> times, and prints the best time per sample: the storage's decoding alone.
    /// </summary>
    private static void Decode(QueryData data, int rounds)
    {
        var ts = new long[1024];
        var vs = new double[1024];
        double best = double.MaxValue;
        long samples = 0;
        double check = 0;
        for (int r = 0; r < rounds; r++)
        {
            long t0 = Stopwatch.GetTimestamp();
            samples = 0;
            using var q = data.Source.Querier(data.StartMs, data.EndMs);
            var set = q.Select(false, LabelMatcher.Eq(Labels.MetricName, "http_requests_total"));
            Ariane.Storage.ISampleIterator? it = null;
            while (set.MoveNext())
            {
                it = set.Current.Iterator(it);
                if (!it.Seek(data.StartMs))
                {
                    continue;
                }
                samples++;
                int k;
                do
                {
                    k = it.Read(data.EndMs, ts, vs);
                    samples += k;
                    check += k > 0 ? vs[k - 1] : 0;
                }
                while (k == ts.Length);
            }
            best = Math.Min(best, Stopwatch.GetElapsedTime(t0).TotalMilliseconds);
        }
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"decode: {samples} samples, best {best:F1} ms, {best * 1e6 / samples:F2} ns/sample (check {check:G3})"));
    }
}

/// <summary>query.sh's queries through the engine over the in-process data set.</summary>
[MemoryDiagnoser]
public class QueryBenchmarks
{
    /// <summary>bench/Ariane.Bench.Load/Queries.cs's list, in its order.</summary>
    internal static readonly string[] Queries = Load.Queries.All;

    private QueryData _data = null!;
    private readonly QueryEngine _engine = new();

    /// <summary>The index of the query in <see cref="Queries"/>.</summary>
    [Params(0, 1, 2, 3, 4, 5, 6, 7, 8)]
    public int Query { get; set; }

    /// <summary>Loads the data set.</summary>
    [GlobalSetup]
    public void Setup() => _data = new QueryData();

    /// <summary>Removes the head.</summary>
    [GlobalCleanup]
    public void Cleanup() => _data.Dispose();

    /// <summary>One query_range over the last 3 h at a 60 s step.</summary>
    [Benchmark]
    public int Range() => _engine.Range(_data.Source, Queries[Query], _data.StartMs, _data.EndMs, 60_000).Matrix.Count;
}
