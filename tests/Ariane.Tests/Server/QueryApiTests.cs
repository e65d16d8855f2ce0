using System.Net;
using System.Text.Json;
using Ariane.Tests.Support;

namespace Ariane.Tests.Server;

/// <summary>/api/v1/query, query_range and format_query over real HTTP, with data sent by remote write.</summary>
public class QueryApiTests(SharedServer shared) : IClassFixture<SharedServer>
{
    private const long T0 = 1_700_000_000_000;
    private static int _loaded;

    private async Task<ServerProcess> Server()
    {
        var s = await shared.GetAsync();
        if (Interlocked.Exchange(ref _loaded, 1) == 0)
        {
            // Every test's 2023 samples in ONE request: the server also scrapes itself (samples at now), so its head
            // spans years after the first write and a head compaction may run at any moment after it, after which
            // samples older than the compacted range are out of bounds, as in Prometheus.
            var samples = Enumerable.Range(0, 20).Select(i => (T0 + i * 15_000L, (double)i)).ToArray();
            (string[], (long, double)[])[] series =
            [
                (["__name__", "qapi_total", "job", "a", "instance", "x"], samples),
                (["__name__", "qapi_total", "job", "b", "instance", "x"], samples.Select(p => (p.Item1, p.Item2 * 2)).ToArray()),
                .. BigSeries(),
            ];
            var (code, answer) = await RemoteWriteClient.SendWithBodyAsync(s.Client, series);
            Assert.True(code == 204, $"HTTP {code}: {answer}");
        }
        return s;
    }

    private static async Task<(int Status, JsonElement Root)> Get(HttpClient c, string url)
    {
        using var r = await c.GetAsync(url);
        var doc = JsonDocument.Parse(await r.Content.ReadAsStringAsync());
        return ((int)r.StatusCode, doc.RootElement.Clone());
    }

    private static string Q(string expr) => Uri.EscapeDataString(expr);

    [Fact]
    public async Task InstantVectorScalarAndString()
    {
        var s = await Server();
        var (status, root) = await Get(s.Client, $"/api/v1/query?query={Q("qapi_total")}&time={(T0 + 19 * 15_000) / 1000}");
        Assert.Equal(200, status);
        var data = root.GetProperty("data");
        Assert.Equal("vector", data.GetProperty("resultType").GetString());
        var result = data.GetProperty("result").EnumerateArray().OrderBy(e => e.GetProperty("metric").GetProperty("job").GetString()).ToList();
        Assert.Equal(2, result.Count);
        Assert.Equal("qapi_total", result[0].GetProperty("metric").GetProperty("__name__").GetString());
        Assert.Equal(1700000285.0, result[0].GetProperty("value")[0].GetDouble());
        Assert.Equal("19", result[0].GetProperty("value")[1].GetString());
        Assert.Equal("38", result[1].GetProperty("value")[1].GetString());

        (status, root) = await Get(s.Client, $"/api/v1/query?query={Q("sum by (instance) (rate(qapi_total[1m]))")}&time={(T0 + 19 * 15_000) / 1000}");
        Assert.Equal(200, status);
        var only = root.GetProperty("data").GetProperty("result")[0];
        Assert.Equal("{\"instance\":\"x\"}", only.GetProperty("metric").GetRawText());
        Assert.Equal(0.2, double.Parse(only.GetProperty("value")[1].GetString()!, System.Globalization.CultureInfo.InvariantCulture), 6);

        (status, root) = await Get(s.Client, $"/api/v1/query?query={Q("1 + 1.5")}&time=100.5");
        Assert.Equal("scalar", root.GetProperty("data").GetProperty("resultType").GetString());
        Assert.Equal("[100.5,\"2.5\"]", root.GetProperty("data").GetProperty("result").GetRawText());

        (status, root) = await Get(s.Client, $"/api/v1/query?query={Q("\"hello\"")}&time=1");
        Assert.Equal("[1,\"hello\"]", root.GetProperty("data").GetProperty("result").GetRawText());
    }

    [Fact]
    public async Task RangeQueryGivesAMatrixAndPostFormsWork()
    {
        var s = await Server();
        using var form = new FormUrlEncodedContent(new Dictionary<string, string>
        {
            ["query"] = "qapi_total{job=\"a\"} * 10",
            ["start"] = (T0 / 1000).ToString(),
            ["end"] = ((T0 + 60_000) / 1000).ToString(),
            ["step"] = "30s",
        });
        using var r = await s.Client.PostAsync("/api/v1/query_range", form, TestContext.Current.CancellationToken);
        Assert.Equal(HttpStatusCode.OK, r.StatusCode);
        var data = JsonDocument.Parse(await r.Content.ReadAsStringAsync(TestContext.Current.CancellationToken)).RootElement.GetProperty("data");
        Assert.Equal("matrix", data.GetProperty("resultType").GetString());
        Assert.Equal("[[1700000000,\"0\"],[1700000030,\"20\"],[1700000060,\"40\"]]", data.GetProperty("result")[0].GetProperty("values").GetRawText());
    }

    [Fact]
    public async Task LargeAnswersStreamWhole()
    {
        // Some megabytes of answer, sent in parts as it is written: every series and point arrives, in order.
        var s = await Server(); // qapi_big: 300 series x 240 samples (BigSeries)
        using var r = await s.Client.GetAsync($"/api/v1/query_range?query={Q("qapi_big * 1.1")}&start={T0 / 1000}&end={(T0 + 239 * 15_000) / 1000}&step=15", TestContext.Current.CancellationToken);
        Assert.Equal(HttpStatusCode.OK, r.StatusCode);
        string body = await r.Content.ReadAsStringAsync(TestContext.Current.CancellationToken);
        Assert.True(body.Length > 4 * StreamedJsonChunk, $"answer of {body.Length} bytes");
        var result = JsonDocument.Parse(body).RootElement.GetProperty("data").GetProperty("result");
        Assert.Equal(300, result.GetArrayLength());
        for (int k = 0; k < 300; k++)
        {
            var values = result[k].GetProperty("values");
            Assert.Equal(k.ToString("D3", System.Globalization.CultureInfo.InvariantCulture), result[k].GetProperty("metric").GetProperty("k").GetString());
            Assert.Equal(240, values.GetArrayLength());
            Assert.Equal((239 / 3.0 * 1.1).ToString("R", System.Globalization.CultureInfo.InvariantCulture), values[239][1].GetString());
        }
    }

    private const int StreamedJsonChunk = 64 * 1024;

    /// <summary>qapi_big{k="000".."299"}: 240 samples each, 15 s apart from T0, value i/3.</summary>
    private static (string[], (long, double)[])[] BigSeries()
    {
        var samples = Enumerable.Range(0, 240).Select(i => (T0 + i * 15_000L, i / 3.0)).ToArray();
        return Enumerable.Range(0, 300)
            .Select(k => (new[] { "__name__", "qapi_big", "k", k.ToString("D3", System.Globalization.CultureInfo.InvariantCulture) }, samples))
            .ToArray();
    }

    [Fact]
    public async Task StatsParameterAddsPrometheusStatistics()
    {
        var s = await Server();
        long t = (T0 + 19 * 15_000) / 1000;

        // Without the parameter there are none.
        var (_, root) = await Get(s.Client, $"/api/v1/query?query={Q("qapi_total")}&time={t}");
        Assert.False(root.GetProperty("data").TryGetProperty("stats", out _));

        // stats=true: timings and the two sample counts, no per-step counts.
        (_, root) = await Get(s.Client, $"/api/v1/query?query={Q("qapi_total")}&time={t}&stats=true");
        var stats = root.GetProperty("data").GetProperty("stats");
        var timings = stats.GetProperty("timings");
        Assert.Equal(["evalTotalTime", "resultSortTime", "queryPreparationTime", "innerEvalTime", "execQueueTime", "execTotalTime"],
            timings.EnumerateObject().Select(p => p.Name).ToArray());
        Assert.All(timings.EnumerateObject(), p => Assert.True(p.Value.GetDouble() >= 0));
        var samples = stats.GetProperty("samples");
        Assert.Equal(["totalQueryableSamples", "peakSamples"], samples.EnumerateObject().Select(p => p.Name).ToArray());
        Assert.Equal(2, samples.GetProperty("totalQueryableSamples").GetInt64());
        Assert.Equal(2, samples.GetProperty("peakSamples").GetInt64());
        Assert.False(root.TryGetProperty("warnings", out _));

        // stats=all on a range query (a POST form): the per-step counts first. rate's windows hold 4 samples of each
        // series at each step; Prometheus's peak is the output so far plus the window being read (2 + 2 + 4).
        using var form = new FormUrlEncodedContent(new Dictionary<string, string>
        {
            ["query"] = "rate(qapi_total[1m])",
            ["start"] = ((T0 + 60_000) / 1000).ToString(),
            ["end"] = ((T0 + 120_000) / 1000).ToString(),
            ["step"] = "60",
            ["stats"] = "all",
        });
        using var r = await s.Client.PostAsync("/api/v1/query_range", form, TestContext.Current.CancellationToken);
        samples = JsonDocument.Parse(await r.Content.ReadAsStringAsync(TestContext.Current.CancellationToken)).RootElement.GetProperty("data").GetProperty("stats").GetProperty("samples");
        Assert.Equal("[[1700000060,8],[1700000120,8]]", samples.GetProperty("totalQueryableSamplesPerStep").GetRawText());
        Assert.Equal(16, samples.GetProperty("totalQueryableSamples").GetInt64());
        Assert.Equal(8, samples.GetProperty("peakSamples").GetInt64());

        // Any other value still asks for them, with Prometheus 3.x's deprecation warning.
        (_, root) = await Get(s.Client, $"/api/v1/query?query={Q("qapi_total")}&time={t}&stats=1");
        Assert.True(root.GetProperty("data").TryGetProperty("stats", out _));
        Assert.Contains("value \"1\" for parameter \"stats\" is deprecated", root.GetProperty("warnings")[0].GetString());
    }

    [Theory]
    [InlineData("/api/v1/query?query=sum(", 400, "bad_data", "invalid parameter \"query\": 1:5: parse error")]
    [InlineData("/api/v1/query", 400, "bad_data", "invalid parameter \"query\"")]
    [InlineData("/api/v1/query?query=up&time=xyz", 400, "bad_data", "invalid parameter \"time\"")]
    [InlineData("/api/v1/query_range?query=up&start=0&end=100000&step=1", 400, "bad_data", "exceeded maximum resolution of 11,000 points per timeseries")]
    [InlineData("/api/v1/query_range?query=up&start=0&end=10&step=0", 400, "bad_data", "zero or negative query resolution step widths are not accepted")]
    [InlineData("/api/v1/query_range?query=up&start=10&end=0&step=1", 400, "bad_data", "end timestamp must not be before start time")]
    [InlineData("/api/v1/query?query=qapi_total%20%2B%20on(instance)%20qapi_total&time=1700000285", 422, "execution", "many-to-many matching not allowed")]
    public async Task ErrorsHavePrometheusTypesAndStatuses(string url, int status, string type, string fragment)
    {
        var s = await Server();
        var (code, root) = await Get(s.Client, url);
        Assert.Equal(status, code);
        Assert.Equal("error", root.GetProperty("status").GetString());
        Assert.Equal(type, root.GetProperty("errorType").GetString());
        Assert.Contains(fragment, root.GetProperty("error").GetString());
    }

    /// <summary>
    /// A query past its timeout (here the <c>timeout</c> parameter's) answers 503 with error type "timeout", as
    /// Prometheus, soon after the limit: before, the engine saw the cancelled token and the answer was 499 "canceled".
    /// A subquery whose step count passes 2^31 is Prometheus's too-many-samples error (422), not a 500.
    /// </summary>
    [Fact]
    public async Task TimeoutsAre503AndStepOverflowIs422()
    {
        var s = await Server();
        // 48 million steps of functions over nothing: seconds of evaluation, within the default sample limit.
        string slow = Q("count_over_time(abs(abs(abs(absent_metric)))[5d:9ms])");
        var sw = System.Diagnostics.Stopwatch.StartNew();
        var (code, root) = await Get(s.Client, $"/api/v1/query?query={slow}&time=1700000000&timeout=300ms");
        sw.Stop();
        Assert.Equal(503, code);
        Assert.Equal("timeout", root.GetProperty("errorType").GetString());
        Assert.Equal("query timed out in expression evaluation", root.GetProperty("error").GetString());
        Assert.True(sw.Elapsed < TimeSpan.FromSeconds(3), $"answered after {sw.Elapsed}");

        (code, root) = await Get(s.Client, $"/api/v1/query?query={Q("count_over_time(qapi_total[30d:1ms])")}&time=1700000285");
        Assert.Equal(422, code);
        Assert.Equal("execution", root.GetProperty("errorType").GetString());
        Assert.Equal("query processing would load too many samples into memory in query execution", root.GetProperty("error").GetString());
    }

    [Fact]
    public async Task FormatQueryPrintsTheCanonicalForm()
    {
        var s = await Server();
        var (code, root) = await Get(s.Client, $"/api/v1/format_query?query={Q("sum(rate(x[5m]))by(job)")}");
        Assert.Equal(200, code);
        Assert.Equal("sum by (job) (rate(x[5m]))", root.GetProperty("data").GetString());
    }
}

/// <summary>The query CLI against a running server.</summary>
public class QueryCliTests(SharedServer shared) : IClassFixture<SharedServer>
{
    [Fact]
    public async Task InstantAndRangeQueriesPrintTablesAndJson()
    {
        var s = await shared.GetAsync();
        Assert.Equal(204, await RemoteWriteClient.SendAsync(s.Client, (["__name__", "cli_metric", "job", "j"], [(1_700_000_000_000, 7.5)])));
        string url = $"http://127.0.0.1:{s.Port}";
        await using (var p = ServerProcess.Launch(".", ["query", "instant", "cli_metric", "--time", "1700000000", "--server", url], [], out _, addDefaults: false))
        {
            Assert.Equal(0, await p.WaitExitAsync(TimeSpan.FromSeconds(60)));
            Assert.Contains("cli_metric{job=\"j\"}", p.Output);
            Assert.Contains("7.5", p.Output);
        }
        await using (var p = ServerProcess.Launch(".", ["query", "range", "cli_metric", "--start", "1700000000", "--end", "1700000060", "--step", "30s", "--server", url, "-o", "json"], [], out _, addDefaults: false))
        {
            Assert.Equal(0, await p.WaitExitAsync(TimeSpan.FromSeconds(60)));
            Assert.Contains("\"resultType\":\"matrix\"", p.Output);
        }
        await using (var p = ServerProcess.Launch(".", ["query", "instant", "sum(", "--server", url], [], out _, addDefaults: false))
        {
            Assert.Equal(1, await p.WaitExitAsync(TimeSpan.FromSeconds(60)));
            Assert.Contains("bad_data", p.Output);
        }
    }
}

/// <summary>/api/v1/parse_query gives the syntax tree in Prometheus 3.x's JSON shape.</summary>
public class ParseQueryApiTests(SharedServer shared) : IClassFixture<SharedServer>
{
    [Theory]
    [InlineData("up", "{\"type\":\"vectorSelector\",\"name\":\"up\",\"offset\":0,\"matchers\":[{\"name\":\"__name__\",\"value\":\"up\",\"type\":\"=\"}],\"timestamp\":null,\"startOrEnd\":null,\"anchored\":false,\"smoothed\":false}")]
    [InlineData("sum by (job) (rate(x{a!~\"b\"}[5m] offset 1m))", "\"type\":\"aggregation\",\"op\":\"sum\"")]
    [InlineData("a + on(b) group_left(c) d", "\"card\":\"many-to-one\",\"labels\":[\"b\"],\"on\":true,\"include\":[\"c\"]")]
    [InlineData("max_over_time(x[1h:5m] @ end())", "\"type\":\"subquery\"")]
    [InlineData("-1.5", "{\"type\":\"numberLiteral\",\"val\":\"-1.5\"}")]
    [InlineData("-x", "{\"type\":\"unaryExpr\",\"op\":\"-\",\"expr\":{\"type\":\"vectorSelector\"")]
    public async Task TreesHavePrometheusShape(string query, string fragment)
    {
        var s = await shared.GetAsync();
        using var r = await s.Client.GetAsync("/api/v1/parse_query?query=" + Uri.EscapeDataString(query), TestContext.Current.CancellationToken);
        string body = await r.Content.ReadAsStringAsync(TestContext.Current.CancellationToken);
        Assert.Equal(HttpStatusCode.OK, r.StatusCode);
        Assert.Contains(fragment, body);
    }

    [Fact]
    public async Task SyntaxErrorsAreBadData()
    {
        var s = await shared.GetAsync();
        using var r = await s.Client.GetAsync("/api/v1/parse_query?query=" + Uri.EscapeDataString("sum("), TestContext.Current.CancellationToken);
        Assert.Equal(HttpStatusCode.BadRequest, r.StatusCode);
        Assert.Contains("parse error", await r.Content.ReadAsStringAsync(TestContext.Current.CancellationToken));
    }
}

/// <summary>Hostile queries get a clear error and never take the server down.</summary>
public class HostileQueryTests(SharedServer shared) : IClassFixture<SharedServer>
{
    public static TheoryData<string, string, int> Queries => new()
    {
        { "query", new string('(', 100_000) + "1" + new string(')', 100_000), 400 },
        { "query", new string('-', 100_000) + "up", 400 },
        { "query", string.Concat(Enumerable.Repeat("sum(", 5000)) + "up" + new string(')', 5000), 400 },
        { "query", "1" + string.Concat(Enumerable.Repeat("+1", 100_000)), 400 },
        { "format_query", "1" + string.Concat(Enumerable.Repeat("+1", 100_000)), 400 },
        { "parse_query", new string('(', 3000) + "1" + new string(')', 3000), 400 },
        // Just under the nesting limit still evaluates.
        { "query", "1" + string.Concat(Enumerable.Repeat("+1", 480)), 200 },
        { "query", string.Concat(Enumerable.Repeat("abs(", 480)) + "vector(1)" + new string(')', 480), 200 },
        { "query", new string('(', 240) + "vector(1)" + new string(')', 240), 200 },
        { "query", "{__name__=~\"(a+)+$\"}", 200 },
        { "query", "sum(", 400 },
        { "query", "\"\\xff\"", 200 },
        { "query", "count_values(\"a\\u0000b\", up)", 422 },
    };

    [Theory]
    [MemberData(nameof(Queries))]
    public async Task AnswersWithoutDying(string endpoint, string query, int status)
    {
        var s = await shared.GetAsync();
        using var form = new FormUrlEncodedContent(new Dictionary<string, string> { ["query"] = query, ["time"] = "1700000000" });
        using var r = await s.Client.PostAsync("/api/v1/" + endpoint, form, TestContext.Current.CancellationToken);
        string body = await r.Content.ReadAsStringAsync(TestContext.Current.CancellationToken);
        Assert.True(status == (int)r.StatusCode, $"{(int)r.StatusCode}: {body[..Math.Min(300, body.Length)]}");
        Assert.StartsWith("{\"status\":", body);
        using var h = await s.Client.GetAsync("/-/healthy", TestContext.Current.CancellationToken);
        Assert.Equal(HttpStatusCode.OK, h.StatusCode);
    }
}
