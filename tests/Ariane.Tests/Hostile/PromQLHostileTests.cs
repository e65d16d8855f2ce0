using System.Diagnostics;
using System.Globalization;
using System.Text;
using System.Text.Json;
using Ariane.Tests.Support;

namespace Ariane.Tests.Hostile;

/// <summary>
/// Hostile PromQL over HTTP against the real server: step counts past 2^31, queries that run past the timeout,
/// regular expressions of 150,000 alternatives, labels multiplied 50,000-fold, count_values over changing values.
/// Each answers with Prometheus's error shape and status within bounded time and memory (the server's peak RSS,
/// from /proc), and the server stays up. Every input and its outcome is written to the "hostile-promql" report.
/// </summary>
[Trait("Suite", "Hostile")]
public sealed class PromQLHostileTests(PromQLHostileTests.Servers servers) : IClassFixture<PromQLHostileTests.Servers>
{
    /// <summary>
    /// Two hours ago to the minute: the head takes samples near the server's own (its self-scrape writes the present),
    /// so the data is recent.
    /// </summary>
    private static readonly long T0 = TimeProvider.System.GetUtcNow().ToUnixTimeMilliseconds() / 60_000 * 60_000 - 2 * 3_600_000;

    /// <summary>The query timeout of the first server; answers must come within a generous margin of it on a loaded machine.</summary>
    private static readonly TimeSpan QueryTimeout = TimeSpan.FromSeconds(2);

    /// <summary>The most a single hostile query may add to the server's peak RSS.</summary>
    private const long MaxRssGrowth = 600L << 20;

    private ServerProcess A => servers.A!;

    private ServerProcess B => servers.B!;

    /// <summary>The two servers the suite queries, with the same data, and the report written when they stop.</summary>
    public sealed class Servers : IAsyncLifetime
    {
        private readonly TempDir _dirA = new();
        private readonly TempDir _dirB = new();

        /// <summary>The defaults but a 2-second query timeout.</summary>
        public ServerProcess? A { get; private set; }

        /// <summary>
        /// A sample limit of 10^6, so the label budget (as many bytes as the samples' 16 each, at least 16 MiB) is
        /// small enough for the memory queries to meet it.
        /// </summary>
        public ServerProcess? B { get; private set; }

        /// <summary>One line per input tried.</summary>
        public List<string> Report { get; } = [];

        public async ValueTask InitializeAsync()
        {
            var a = ServerProcess.StartAsync(_dirA.Path, "--web.enable-remote-write-receiver", "--query.timeout=2s");
            var b = ServerProcess.StartAsync(_dirB.Path, "--web.enable-remote-write-receiver", "--query.max-samples=1000000");
            A = await a;
            B = await b;
            foreach (var s in new[] { A, B })
            {
                // 500 series of 241 samples each (an hour every 15 s), every value different.
                for (int batch = 0; batch < 5; batch++)
                {
                    var series = Enumerable.Range(batch * 100, 100).Select(i => (
                        new[] { "__name__", "hostile_m", "instance", $"host-{i:0000}.example.com:9100" },
                        Enumerable.Range(0, 241).Select(k => (T0 + k * 15_000L, i * 1000.0 + k + 0.5)).ToArray())).ToArray();
                    var (code, body) = await RemoteWriteClient.SendWithBodyAsync(s.Client, series);
                    Assert.True(code == 204, body);
                }
            }
        }

        public async ValueTask DisposeAsync()
        {
            foreach (var s in new[] { A, B })
            {
                if (s is not null)
                {
                    await s.DisposeAsync();
                }
            }
            _dirA.Dispose();
            _dirB.Dispose();
            lock (Report)
            {
                SuiteReport.Write("hostile-promql", "PromQL hostile queries (endpoint query params | status errorType | elapsed | server peak RSS growth):\n"
                    + string.Join("\n", Report));
            }
        }
    }

    private static long PeakRss(ServerProcess s)
    {
        foreach (var line in File.ReadLines($"/proc/{s.Pid}/status"))
        {
            if (line.StartsWith("VmHWM:", StringComparison.Ordinal))
            {
                return long.Parse(line.AsSpan(6).Trim().TrimEnd("kB").Trim(), CultureInfo.InvariantCulture) * 1024;
            }
        }
        return 0;
    }

    /// <summary>Posts a query, checks status, error type and bounds, and writes the report line.</summary>
    private async Task<JsonElement> Run(ServerProcess s, string endpoint, Dictionary<string, string> form, int status, string? errorType, TimeSpan maxElapsed, string? fragment = null)
    {
        long rss0 = PeakRss(s);
        var sw = Stopwatch.StartNew();
        using var content = new FormUrlEncodedContent(form);
        using var r = await s.Client.PostAsync("/api/v1/" + endpoint, content);
        string body = await r.Content.ReadAsStringAsync();
        sw.Stop();
        long growth = PeakRss(s) - rss0;
        string q = form["query"];
        string shown = q.Length > 70 ? q[..70] + $"... ({q.Length} chars)" : q;
        var root = JsonDocument.Parse(body).RootElement.Clone();
        string type = root.TryGetProperty("errorType", out var et) ? et.GetString()! : "-";
        lock (servers.Report)
        {
            servers.Report.Add($"{endpoint} {shown} {string.Join(" ", form.Where(kv => kv.Key is not "query").Select(kv => kv.Key + "=" + kv.Value))} | {(int)r.StatusCode} {type} | {sw.Elapsed.TotalSeconds:F2}s | +{growth >> 20} MiB");
        }
        Assert.True(status == (int)r.StatusCode, $"{shown}: {(int)r.StatusCode} {body[..Math.Min(300, body.Length)]}");
        if (errorType is not null)
        {
            Assert.Equal(errorType, type);
        }
        if (fragment is not null)
        {
            Assert.Contains(fragment, root.GetProperty("error").GetString());
        }
        Assert.True(sw.Elapsed < maxElapsed, $"{shown}: took {sw.Elapsed}");
        Assert.True(growth < MaxRssGrowth, $"{shown}: peak RSS grew by {growth >> 20} MiB");
        using var h = await s.Client.GetAsync("/-/healthy");
        Assert.True(h.IsSuccessStatusCode);
        return root;
    }

    private static Dictionary<string, string> Instant(string query, params (string K, string V)[] extra)
    {
        var d = new Dictionary<string, string> { ["query"] = query, ["time"] = ((T0 + 3_600_000) / 1000).ToString(CultureInfo.InvariantCulture) };
        foreach (var (k, v) in extra)
        {
            d[k] = v;
        }
        return d;
    }

    private static Dictionary<string, string> Range(string query) => new()
    {
        ["query"] = query,
        ["start"] = (T0 / 1000).ToString(CultureInfo.InvariantCulture),
        ["end"] = ((T0 + 3_600_000) / 1000).ToString(CultureInfo.InvariantCulture),
        ["step"] = "15s",
    };

    /// <summary>Subquery step counts past 2^31 and the sample limit: 422 too many samples, at once.</summary>
    [Theory]
    [InlineData("count_over_time(hostile_m[30d:1ms])")]
    [InlineData("count_over_time(hostile_m[1y:1ms])")]
    [InlineData("max_over_time(max_over_time(hostile_m[1y:1ms])[1y:1ms])")]
    [InlineData("sum(max_over_time(rate(hostile_m[5m])[100y:1ms]))")]
    public async Task SubqueryStepOverflow(string query)
    {
        await Run(A, "query", Instant(query), 422, "execution", TimeSpan.FromSeconds(10),
            "query processing would load too many samples into memory in query execution");
        await Run(A, "query_range", Range(query), 422, "execution", TimeSpan.FromSeconds(10));
    }

    /// <summary>A query that runs past the timeout answers 503 "timeout" soon after the limit, from the flag or the parameter.</summary>
    [Fact]
    public async Task TimeoutsAnswer503()
    {
        // 48 million steps (within the sample limit) of functions over nothing: seconds of evaluation.
        const string slow = "count_over_time(abs(abs(abs(absent_metric)))[5d:9ms])";
        var bound = QueryTimeout + TimeSpan.FromSeconds(3);
        await Run(A, "query", Instant(slow), 503, "timeout", bound, "query timed out in");
        await Run(A, "query", Instant(slow, ("timeout", "500ms")), 503, "timeout", TimeSpan.FromSeconds(3.5), "query timed out in");
    }

    private static string Hosts(int n) =>
        string.Join("|", Enumerable.Range(0, n).Select(i => $"host-{i:0000}\\\\.example\\\\.com:9100"));

    /// <summary>
    /// Regular expressions: Grafana's long literal alternations answer; hostile ones are refused quickly. On the server
    /// with the default query timeout: compiling a 150,000-way alternation takes about a second, which on a loaded
    /// machine can pass the first server's 2 seconds (the elapsed-time bounds below still hold it).
    /// </summary>
    [Fact]
    public async Task RegularExpressions()
    {
        var r = await Run(B, "query", Instant($"count({{instance=~\"{Hosts(2000)}\"}})"), 200, null, TimeSpan.FromSeconds(10));
        Assert.Equal("500", r.GetProperty("data").GetProperty("result")[0].GetProperty("value")[1].GetString());
        r = await Run(B, "query", Instant($"count(hostile_m{{instance=~\"({Hosts(200)})\"}})"), 200, null, TimeSpan.FromSeconds(10));
        Assert.Equal("200", r.GetProperty("data").GetProperty("result")[0].GetProperty("value")[1].GetString());
        var literal150k = string.Join("|", Enumerable.Range(0, 150_000).Select(i => "x" + i));
        await Run(B, "query", Instant($"count(hostile_m{{instance=~\"{literal150k}\"}})"), 200, null, TimeSpan.FromSeconds(15));
        var classes150k = string.Join("|", Enumerable.Range(0, 150_000).Select(i => "x[0-9]" + i));
        await Run(B, "query", Instant($"hostile_m{{instance=~\"{classes150k}\"}}"), 400, "bad_data", TimeSpan.FromSeconds(10), "expression too large");
        await Run(B, "query", Instant("hostile_m{instance=~\"(a|b)*{1000}\"}"), 400, "bad_data", TimeSpan.FromSeconds(10));
        await Run(B, "query", Instant("hostile_m{instance=~\"((a{100}){100}){100}\"}"), 400, "bad_data", TimeSpan.FromSeconds(10));
    }

    /// <summary>Labels multiplied 50,000-fold and count_values over changing values meet the label budget: 422 before the memory is taken.</summary>
    [Fact]
    public async Task LabelMemory()
    {
        var template = new StringBuilder().Insert(0, "$1", 50_000).ToString();
        await Run(B, "query", Instant($"label_replace(hostile_m, \"x\", \"{template}\", \"instance\", \"(.*)\")"), 422, "execution", TimeSpan.FromSeconds(20),
            "too many bytes of labels");
        await Run(B, "query_range", Range("count_values(\"v\", hostile_m)"), 422, "execution", TimeSpan.FromSeconds(20), "too many bytes of labels");
        // What fits still answers.
        await Run(B, "query", Instant("count(label_replace(hostile_m, \"x\", \"$1$1\", \"instance\", \"(.*)\"))"), 200, null, TimeSpan.FromSeconds(10));
        await Run(B, "query", Instant("count(count_values(\"v\", hostile_m))"), 200, null, TimeSpan.FromSeconds(10));
    }
}
