// Loader and query client of the side-by-side query benchmark (bench/query.sh).
//
//   ariane-bench-load load   --url BASE --end-ms T [--hours 3] [--interval-s 15] [--instances 60] [--seed 1] [--steps-per-request 8]
//                            [--data dashboards|joins] [--series 50000]
//       sends the deterministic data set (DataSet.cs; with --data joins JoinDataSet in SeriesData.cs, 1 h every 30 s
//       by default) through remote write 1.0 to BASE/api/v1/write, in time order (wait, query and report take --data too)
//   ariane-bench-load wait   --url BASE --end-ms T [--instances 60] [--timeout-s 300]
//       waits until instant queries at T see every series of the data set
//   ariane-bench-load query  --url BASE --start-ms S --end-ms T --out DIR [--step-s 60] [--rounds 10] [--alloc-metric NAME]
//                            [--equivalents prometheus-2.42] [--timeout-s 300]
//       runs each query of Queries.All once (its answer is kept in DIR/qN.json; with --equivalents, the answer to
//       the Prometheus 2.42 form of Queries.Prometheus242Equivalent in DIR/qN.equivalent.json), then ROUNDS timed times, and
//       writes DIR/timings.tsv: query index, latencies in ms, allocated bytes and CPU ms per query (from /metrics)
//   ariane-bench-load series --url BASE --end-ms T [--count 1000000] [--samples 4] [--per-request 10000]
//       many series with a few samples each (the start-up benchmark's large WAL)
//   ariane-bench-load report --dir DIR --systems ariane,prometheus,victoriametrics [--labels ...]
//       the markdown tables (latency p50/p90, ratios against VictoriaMetrics, CPU, allocations, Ariane = Prometheus?)

using System.Diagnostics;
using System.Globalization;
using System.Net;
using Ariane.Bench.Load;

var opts = new Dictionary<string, string>(StringComparer.Ordinal);
if (args.Length == 0)
{
    Console.Error.WriteLine("usage: ariane-bench-load load|wait|query|report --flag value ... (see Program.cs)");
    return 2;
}
for (int i = 1; i < args.Length; i += 2)
{
    if (!args[i].StartsWith("--", StringComparison.Ordinal) || i + 1 >= args.Length)
    {
        Console.Error.WriteLine($"ariane-bench-load: bad argument {args[i]}");
        return 2;
    }
    opts[args[i][2..]] = args[i + 1];
}
string Opt(string name, string? def = null) =>
    opts.TryGetValue(name, out var v) ? v : def ?? throw new ArgumentException($"--{name} is required");
long OptLong(string name, string? def = null) => long.Parse(Opt(name, def), CultureInfo.InvariantCulture);
double OptDouble(string name, string? def = null) => double.Parse(Opt(name, def), CultureInfo.InvariantCulture);

// Every one of the three exposes its CPU time under this name (client_golang's process collector; Ariane the same).
const string CpuMetric = "process_cpu_seconds_total";

// --timeout-s caps one request (query.sh sets it a little past the servers' 2-minute query timeout).
#pragma warning disable CA2000 // the HttpClient owns the handler (disposeHandler defaults to true)
using var http = new HttpClient(new SocketsHttpHandler { AutomaticDecompression = DecompressionMethods.None, PooledConnectionLifetime = TimeSpan.FromMinutes(30) })
{
    Timeout = TimeSpan.FromSeconds(OptDouble("timeout-s", "300")),
};
#pragma warning restore CA2000

try
{
    switch (args[0])
    {
        case "load": return await Load();
        case "wait": return await Wait();
        case "query": return await Query();
        case "series": return await Ariane.Bench.Load.ManySeries.Run(http, Opt("url"), (int)OptLong("count", "1000000"), (int)OptLong("samples", "4"), OptLong("end-ms"), (int)OptLong("per-request", "10000"));
        case "report": return Report.Write(Opt("dir"), Opt("systems").Split(','), Opt("labels", Opt("systems")).Split(','), Queries.Of(DataName()));
        default:
            Console.Error.WriteLine($"ariane-bench-load: unknown command {args[0]}");
            return 2;
    }
}
catch (Exception e) when (e is HttpRequestException or ArgumentException or InvalidOperationException or IOException or TaskCanceledException)
{
    Console.Error.WriteLine($"ariane-bench-load {args[0]}: {e.Message}");
    return 1;
}

// --data dashboards (DataSet.cs, the default) or joins (JoinDataSet in SeriesData.cs, --series 50000).
string DataName() => Opt("data", "dashboards");
SeriesData MakeDataSet() => DataName() switch
{
    "joins" => new JoinDataSet((int)OptLong("series", "50000"), OptLong("end-ms"), OptDouble("hours", "1"), OptLong("interval-s", "30") * 1000, (ulong)OptLong("seed", "1")),
    _ => new DataSet((int)OptLong("instances", "60"), OptLong("end-ms"), OptDouble("hours", "3"), OptLong("interval-s", "15") * 1000, (ulong)OptLong("seed", "1")),
};

async Task<int> Load()
{
    var ds = MakeDataSet();
    string url = Opt("url").TrimEnd('/') + "/api/v1/write";
    int per = (int)OptLong("steps-per-request", "8");
    var req = new Proto();
    var ts = new Proto();
    var matrix = new double[per * ds.SeriesCount];
    var sw = Stopwatch.StartNew();
    double sendSeconds = 0;
    long bytes = 0;
    Console.Error.WriteLine($"load: {ds.SeriesCount} series x {ds.Steps} samples ({ds.SeriesCount * (long)ds.Steps} samples) from {ds.StartMs} ms every {ds.IntervalMs} ms");
    for (int from = 0; from < ds.Steps; from += per)
    {
        int to = Math.Min(ds.Steps, from + per);
        for (int k = from; k < to; k++)
        {
            ds.Step(k).CopyTo(matrix.AsSpan((k - from) * ds.SeriesCount));
        }

        var body = Snappier.Snappy.CompressToArray(ds.Encode(from, to, matrix, req, ts));
        bytes += body.Length;
        using var content = new ByteArrayContent(body);
        content.Headers.ContentType = new System.Net.Http.Headers.MediaTypeHeaderValue("application/x-protobuf");
        content.Headers.ContentEncoding.Add("snappy");
        using var msg = new HttpRequestMessage(HttpMethod.Post, url) { Content = content };
        msg.Headers.Add("X-Prometheus-Remote-Write-Version", "0.1.0");
        long t0 = Stopwatch.GetTimestamp();
        using var resp = await http.SendAsync(msg);
        sendSeconds += Stopwatch.GetElapsedTime(t0).TotalSeconds;
        if (!resp.IsSuccessStatusCode)
        {
            string text = await resp.Content.ReadAsStringAsync();
            throw new InvalidOperationException($"POST {url} (steps {from}..{to}) answered {(int)resp.StatusCode}: {text.Trim()}");
        }
    }
    Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
        $"series={ds.SeriesCount} samples={ds.SampleCount()} start_ms={ds.StartMs} seconds={sw.Elapsed.TotalSeconds:F1} send_seconds={sendSeconds:F1} compressed_mb={bytes / 1e6:F1}"));
    return 0;
}

async Task<int> Wait()
{
    var ds = MakeDataSet();
    string baseUrl = Opt("url").TrimEnd('/');
    long endMs = OptLong("end-ms");
    var deadline = Stopwatch.StartNew();
    long timeout = OptLong("timeout-s", "300");
    int expected = ds.SeriesCount;
    string q = Uri.EscapeDataString(ds.CountQuery);
    string last = "";
    while (deadline.Elapsed.TotalSeconds < timeout)
    {
        try
        {
            string body = await http.GetStringAsync($"{baseUrl}/api/v1/query?query={q}&time={Seconds(endMs)}");
            using var doc = System.Text.Json.JsonDocument.Parse(body);
            var result = doc.RootElement.GetProperty("data").GetProperty("result");
            last = result.GetArrayLength() == 0 ? "0" : result[0].GetProperty("value")[1].GetString() ?? "";
            if (last == expected.ToString(CultureInfo.InvariantCulture))
            {
                Console.Error.WriteLine($"wait: {expected} series visible at the last timestamp after {deadline.Elapsed.TotalSeconds:F1}s");
                return 0;
            }
        }
        catch (HttpRequestException e)
        {
            last = e.Message;
        }
        await Task.Delay(1000);
    }
    Console.Error.WriteLine($"wait: not all {expected} series visible after {timeout}s (last answer: {last})");
    return 1;
}

async Task<int> Query()
{
    string baseUrl = Opt("url").TrimEnd('/');
    string outDir = Opt("out");
    int rounds = (int)OptLong("rounds", "10");
    string allocMetric = Opt("alloc-metric", "-");
    string range = $"&start={Seconds(OptLong("start-ms"))}&end={Seconds(OptLong("end-ms"))}&step={OptLong("step-s", "60")}";
    Directory.CreateDirectory(outDir);

    // What one read of /metrics allocates (and costs in CPU) by itself, subtracted from each query's figures.
    double? readCost = null, readCpu = null;
    var (a, aCpu) = await Counters(baseUrl, allocMetric);
    var (_, _) = await Counters(baseUrl, allocMetric);
    var (c, cCpu) = await Counters(baseUrl, allocMetric);
    if (a is null)
    {
        if (allocMetric != "-")
        {
            Console.Error.WriteLine($"query: {baseUrl}/metrics has no {allocMetric}; no allocation figures");
        }

        allocMetric = "-";
    }
    else
    {
        readCost = (c!.Value - a.Value) / 2;
    }
    if (aCpu is null)
    {
        Console.Error.WriteLine($"query: {baseUrl}/metrics has no {CpuMetric}; no CPU figures");
    }
    else
    {
        readCpu = (cCpu!.Value - aCpu.Value) / 2;
    }

    var queries = Queries.Of(DataName());
    using var tsv = new StreamWriter(Path.Combine(outDir, "timings.tsv"));
    for (int qi = 0; qi < queries.Length; qi++)
    {
        string url = $"{baseUrl}/api/v1/query_range?query={Uri.EscapeDataString(queries[qi])}{range}";
        // The first run warms caches and JIT and gives the answer compared across systems. A query that fails
        // (the server's timeout, or ours) is not timed: the report says why instead of a latency.
        string answer;
        long first = Stopwatch.GetTimestamp();
        try
        {
            using var resp = await http.GetAsync(url);
            answer = await resp.Content.ReadAsStringAsync();
        }
        catch (TaskCanceledException)
        {
            answer = "";
        }
        double firstSeconds = Stopwatch.GetElapsedTime(first).TotalSeconds;
        await File.WriteAllTextAsync(Path.Combine(outDir, $"q{qi}.json"), answer);
        if (!answer.Contains("\"status\":\"success\"", StringComparison.Ordinal))
        {
            // Ariane before issue 10's timeout fix answered a timed-out query as "canceled".
            bool timedOut = answer.Length == 0 || answer.Contains("\"timeout\"", StringComparison.Ordinal) || answer.Contains("\"canceled\"", StringComparison.Ordinal);
            string why = timedOut ? "> timeout" : "failed";
            Console.Error.WriteLine($"query: q{qi} {why} after {firstSeconds:F1} s: {answer[..Math.Min(300, answer.Length)]}");
            tsv.WriteLine(string.Create(CultureInfo.InvariantCulture, $"{qi}\t-\t-\t-\t{why} ({firstSeconds:F0} s)"));
            tsv.Flush();
            continue;
        }
        if (opts.GetValueOrDefault("equivalents") == "prometheus-2.42" && DataName() == "dashboards" && Queries.Prometheus242Equivalent.TryGetValue(qi, out var eq))
        {
            string alt = await http.GetStringAsync($"{baseUrl}/api/v1/query_range?query={Uri.EscapeDataString(eq)}{range}");
            await File.WriteAllTextAsync(Path.Combine(outDir, $"q{qi}.equivalent.json"), alt);
        }
        var (before, cpuBefore) = await Counters(baseUrl, allocMetric);
        var ms = new List<double>();
        for (int r = 0; r < rounds; r++)
        {
            long t0 = Stopwatch.GetTimestamp();
            using var resp = await http.GetAsync(url, HttpCompletionOption.ResponseHeadersRead);
            await using var stream = await resp.Content.ReadAsStreamAsync();
            await stream.CopyToAsync(Stream.Null);
            ms.Add(Stopwatch.GetElapsedTime(t0).TotalMilliseconds);
            if (!resp.IsSuccessStatusCode)
            {
                throw new InvalidOperationException($"q{qi} answered {(int)resp.StatusCode}");
            }
        }
        var (after, cpuAfter) = await Counters(baseUrl, allocMetric);
        string alloc = before is null || after is null || readCost is null ? "-"
            : ((after.Value - before.Value - readCost.Value) / rounds).ToString("F0", CultureInfo.InvariantCulture);
        string cpu = cpuBefore is null || cpuAfter is null || readCpu is null ? "-"
            : ((cpuAfter.Value - cpuBefore.Value - readCpu.Value) / rounds * 1000).ToString("F2", CultureInfo.InvariantCulture);
        tsv.WriteLine($"{qi}\t{string.Join(',', ms.ConvertAll(m => m.ToString("F3", CultureInfo.InvariantCulture)))}\t{alloc}\t{cpu}");
        ms.Sort();
        Console.Error.WriteLine($"query: q{qi} p50 {ms[ms.Count / 2]:F1} ms, CPU/query {cpu} ms, alloc/query {alloc} B: {queries[qi]}");
    }
    return 0;
}

// The server's cumulative allocation counter (when named) and its CPU seconds, from one read of /metrics.
async Task<(double? Allocated, double? Cpu)> Counters(string baseUrl, string allocMetric)
{
    // VictoriaMetrics refreshes its go_memstats_* figures at most once a second; wait that out, for everyone.
    await Task.Delay(1100);
    string text = await http.GetStringAsync(baseUrl + "/metrics");
    return (allocMetric == "-" ? null : MetricValue(text, allocMetric), MetricValue(text, CpuMetric));
}

static double? MetricValue(string text, string metric)
{
    foreach (var line in text.Split('\n'))
    {
        if (line.StartsWith(metric, StringComparison.Ordinal) && line.Length > metric.Length && line[metric.Length] == ' ')
        {
            return double.Parse(line[(metric.Length + 1)..].Trim(), CultureInfo.InvariantCulture);
        }
    }
    return null;
}

static string Seconds(long ms) => (ms / 1000.0).ToString("0.###", CultureInfo.InvariantCulture);

