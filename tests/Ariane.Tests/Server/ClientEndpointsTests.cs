using System.Net;
using System.Text.Json;
using Ariane.Tests.Support;

namespace Ariane.Tests.Server;

/// <summary>
/// The Prometheus endpoints clients call beyond query and series (issue 10, item 16): target metadata, scrape pools,
/// WAL replay, exemplars, Alertmanagers, the TSDB status limit, /federate, long GET URLs and host-name listen addresses.
/// </summary>
public class ClientEndpointsTests(SharedServer shared) : IClassFixture<SharedServer>
{
    private readonly SharedServer _shared = shared;

    private static async Task<(int Code, string Body)> Get(HttpClient c, string url)
    {
        using var r = await c.GetAsync(url);
        return ((int)r.StatusCode, await r.Content.ReadAsStringAsync());
    }

    private static async Task<JsonElement> GetData(HttpClient c, string url)
    {
        var (code, body) = await Get(c, url);
        Assert.True(code == 200, $"{url}: {code} {body}");
        var doc = JsonDocument.Parse(body);
        Assert.Equal("success", doc.RootElement.GetProperty("status").GetString());
        return doc.RootElement.GetProperty("data").Clone();
    }

    private static async Task WaitScrapedAsync(ServerProcess s) =>
        await s.EventuallyAsync(async () =>
        {
            var ariane = await GetData(s.Client, "/api/v1/metadata?metric=process_cpu_seconds_total");
            var node = await GetData(s.Client, "/api/v1/metadata?metric=node_cpu_seconds_total");
            return ariane.EnumerateObject().Any() && node.EnumerateObject().Any();
        }, TimeSpan.FromSeconds(60), "both default targets have been scraped");

    [Fact]
    public async Task StatusEndpointsAnswerPrometheusShapes()
    {
        var s = await _shared.GetAsync();
        var am = await GetData(s.Client, "/api/v1/alertmanagers");
        Assert.Equal(0, am.GetProperty("activeAlertmanagers").GetArrayLength());
        Assert.Equal(0, am.GetProperty("droppedAlertmanagers").GetArrayLength());

        var pools = await GetData(s.Client, "/api/v1/scrape_pools");
        Assert.Equal(new[] { "ariane", "node" }, pools.GetProperty("scrapePools").EnumerateArray().Select(e => e.GetString()).ToArray());

        var wal = await GetData(s.Client, "/api/v1/status/walreplay");
        Assert.True(wal.GetProperty("min").GetInt64() >= 0);
        Assert.Equal(wal.GetProperty("max").GetInt64(), wal.GetProperty("current").GetInt64());

        var ex = await GetData(s.Client, "/api/v1/query_exemplars?query=up&start=0&end=10");
        Assert.Equal(JsonValueKind.Array, ex.ValueKind);
        Assert.Equal(0, ex.GetArrayLength());
    }

    [Fact]
    public async Task TargetMetadataComesFromTheScrapeCache()
    {
        var s = await _shared.GetAsync();
        await WaitScrapedAsync(s);
        var one = await GetData(s.Client, "/api/v1/targets/metadata?metric=process_cpu_seconds_total&match_target=" + Uri.EscapeDataString("{job=\"ariane\"}"));
        var entry = Assert.Single(one.EnumerateArray());
        Assert.Equal("ariane", entry.GetProperty("target").GetProperty("job").GetString());
        Assert.Equal("counter", entry.GetProperty("type").GetString());
        Assert.False(entry.TryGetProperty("metric", out _)); // as Prometheus: the metric is named only in the full listing
        Assert.True(entry.TryGetProperty("help", out _));
        Assert.True(entry.TryGetProperty("unit", out _));

        var all = await GetData(s.Client, "/api/v1/targets/metadata?match_target=" + Uri.EscapeDataString("{job=\"node\"}"));
        Assert.True(all.GetArrayLength() > 10);
        Assert.All(all.EnumerateArray(), e => Assert.Equal("node", e.GetProperty("target").GetProperty("job").GetString()));
        Assert.Contains(all.EnumerateArray(), e => e.GetProperty("metric").GetString() == "node_cpu_seconds_total");

        // The limit stops at the first target that reaches it, as Prometheus's: never more than one target's entries.
        var limited = await GetData(s.Client, "/api/v1/targets/metadata?limit=1");
        Assert.True(limited.GetArrayLength() >= 1);
        Assert.Single(limited.EnumerateArray().Select(e => e.GetProperty("target").GetProperty("job").GetString()).Distinct());
        Assert.Equal(0, (await GetData(s.Client, "/api/v1/targets/metadata?limit=0")).GetArrayLength());
        Assert.Equal(0, (await GetData(s.Client, "/api/v1/targets/metadata?metric=no_such_metric")).GetArrayLength());
    }

    [Theory]
    [InlineData("/api/v1/targets/metadata?limit=x", "limit must be a number")]
    [InlineData("/api/v1/targets/metadata?match_target=%7Bjob%3D%22a%22", "invalid parameter \\\"match_target\\\"")]
    [InlineData("/api/v1/query_exemplars?query=up&start=x", "invalid parameter \\\"start\\\"")]
    [InlineData("/api/v1/query_exemplars?query=up&start=10&end=5", "end timestamp must not be before start timestamp")]
    [InlineData("/api/v1/query_exemplars?query=up%7B", "unexpected end of input inside braces")]
    [InlineData("/api/v1/query_exemplars", "no expression found in input")]
    [InlineData("/api/v1/status/tsdb?limit=0", "limit must be a positive number")]
    [InlineData("/api/v1/status/tsdb?limit=-1", "limit must be a positive number")]
    [InlineData("/api/v1/status/tsdb?limit=abc", "limit must be a positive number")]
    [InlineData("/api/v1/status/tsdb?limit=10001", "limit must not exceed 10000")]
    public async Task BadParametersGetPrometheusErrors(string url, string fragment)
    {
        var s = await _shared.GetAsync();
        var (code, body) = await Get(s.Client, url);
        Assert.Equal(400, code);
        Assert.Contains("\"errorType\":\"bad_data\"", body);
        Assert.Contains(fragment, body);
    }

    [Fact]
    public async Task TsdbStatusHonoursLimit()
    {
        var s = await _shared.GetAsync();
        await s.EventuallyAsync(async () =>
            (await GetData(s.Client, "/api/v1/status/tsdb")).GetProperty("seriesCountByMetricName").GetArrayLength() == 10,
            TimeSpan.FromSeconds(60), "more than 10 metric names exist");
        var two = await GetData(s.Client, "/api/v1/status/tsdb?limit=2");
        Assert.Equal(2, two.GetProperty("seriesCountByMetricName").GetArrayLength());
        Assert.Equal(2, two.GetProperty("labelValueCountByLabelName").GetArrayLength());
        var many = await GetData(s.Client, "/api/v1/status/tsdb?limit=10000");
        Assert.True(many.GetProperty("seriesCountByMetricName").GetArrayLength() > 10);
    }

    [Fact]
    public async Task A60KilobyteGetQueryIsServed()
    {
        var s = await _shared.GetAsync();
        // As long as a Grafana multi-value variable makes a GET query (the regex size limits are item 10's: a literal
        // that long is enough to test the URL length alone).
        var hosts = string.Join(",", Enumerable.Range(0, 3300).Select(i => $"host-{i:D5}.example"));
        string url = "/api/v1/query?query=" + Uri.EscapeDataString($"up{{instance!=\"{hosts}\"}}");
        Assert.True(url.Length > 60_000, url.Length.ToString(System.Globalization.CultureInfo.InvariantCulture));
        var (code, body) = await Get(s.Client, url);
        Assert.True(code == 200, $"{code} {body[..Math.Min(300, body.Length)]}");
        Assert.Contains("\"status\":\"success\"", body);
    }

    [Fact]
    public async Task FederateServesTheLastSampleOfEachSeriesWithItsLabels()
    {
        var s = await _shared.GetAsync();
        long now = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds();
        Assert.Equal(204, await RemoteWriteClient.SendAsync(s.Client,
            (["__name__", "fed_a", "job", "j1", "instance", "i1", "zone", "z"], [(now - 60_000, 1), (now - 30_000, 2)]),
            (["__name__", "fed_a", "job", "j2", "instance", "i2"], [(now - 20_000, 3)]),
            (["__name__", "fed_b", "job", "j1"], [(now - 10_000, 4)]),
            (["__name__", "fed_old", "job", "j1", "instance", "i1"], [(now - 3_600_000, 5)]),
            (["__name__", "fed_stale", "job", "j1", "instance", "i1"], [(now - 50_000, 6), (now - 40_000, BitConverter.UInt64BitsToDouble(0x7ff0000000000002))])));

        var (code, body) = await Get(s.Client, "/federate?match[]=" + Uri.EscapeDataString("{__name__=~\"fed_.*\"}"));
        Assert.Equal(200, code);
        string expected =
            "# TYPE fed_a untyped\n" +
            $"fed_a{{instance=\"i1\",job=\"j1\",zone=\"z\"}} 2 {now - 30_000}\n" +
            $"fed_a{{instance=\"i2\",job=\"j2\"}} 3 {now - 20_000}\n" +
            "# TYPE fed_b untyped\n" +
            // Prometheus adds an empty instance label to series without one (its external labels always hold instance).
            $"fed_b{{job=\"j1\",instance=\"\"}} 4 {now - 10_000}\n";
        Assert.Equal(expected, body);

        // Several match[] are a union without duplicates.
        var (_, union) = await Get(s.Client, "/federate?match[]=fed_b&match[]=" + Uri.EscapeDataString("{__name__=\"fed_b\",job=\"j1\"}"));
        Assert.Equal($"# TYPE fed_b untyped\nfed_b{{job=\"j1\",instance=\"\"}} 4 {now - 10_000}\n", union);

        // OpenMetrics when the client prefers it: timestamps in seconds, unknown type, # EOF.
        using var req = new HttpRequestMessage(HttpMethod.Get, "/federate?match[]=fed_b");
        req.Headers.TryAddWithoutValidation("Accept", "application/openmetrics-text;version=1.0.0,text/plain;version=0.0.4;q=0.5");
        using var om = await s.Client.SendAsync(req, TestContext.Current.CancellationToken);
        Assert.StartsWith("application/openmetrics-text", om.Content.Headers.ContentType!.ToString());
        string omBody = await om.Content.ReadAsStringAsync(TestContext.Current.CancellationToken);
        string secs = ((now - 10_000) / 1000.0).ToString("0.###", System.Globalization.CultureInfo.InvariantCulture);
        Assert.Equal($"# TYPE fed_b unknown\nfed_b{{job=\"j1\",instance=\"\"}} 4 {secs}\n# EOF\n", omBody);

        // No match[]: an empty answer, as Prometheus 2.42 gives; a bad selector: 400 with the parse error.
        var (noneCode, none) = await Get(s.Client, "/federate");
        Assert.Equal(200, noneCode);
        Assert.Equal("", none);
        var (badCode, bad) = await Get(s.Client, "/federate?match[]=" + Uri.EscapeDataString("up{"));
        Assert.Equal(400, badCode);
        Assert.Contains("unexpected end of input inside braces", bad);
    }

    [Fact]
    public async Task HostNameListenAddressBindsWhatTheNameResolvesTo()
    {
        using var dir = new TempDir();
        int port = ServerProcess.FreePort();
        await using var s = ServerProcess.Launch(dir.Path, ["serve"],
            [$"--web.listen-address=localhost:{port}", $"--storage.tsdb.path={dir.Path}"], out _, addDefaults: false);
        using var c = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{port}"), Timeout = TimeSpan.FromSeconds(10) };
        await s.EventuallyAsync(async () =>
        {
            try
            {
                using var r = await c.GetAsync("/-/ready");
                return r.StatusCode == HttpStatusCode.OK;
            }
            catch (HttpRequestException)
            {
                return false;
            }
        }, TimeSpan.FromSeconds(60), $"the server answers on 127.0.0.1:{port} when told to listen on localhost:{port}");
        foreach (var a in System.Net.Dns.GetHostAddresses("localhost"))
        {
            if (a.AddressFamily == System.Net.Sockets.AddressFamily.InterNetworkV6 && !System.Net.Sockets.Socket.OSSupportsIPv6)
            {
                continue;
            }
            using var c2 = new HttpClient { BaseAddress = new Uri($"http://{new System.Net.IPEndPoint(a, port)}"), Timeout = TimeSpan.FromSeconds(10) };
            using var r = await c2.GetAsync("/-/healthy", TestContext.Current.CancellationToken);
            Assert.Equal(HttpStatusCode.OK, r.StatusCode);
        }
    }
}

/// <summary>Remote read (issue 10, item 16) through Ariane's own client, which asks for the SAMPLES response type.</summary>
public class RemoteReadEndpointTests(SharedServer shared) : IClassFixture<SharedServer>
{
    private readonly SharedServer _shared = shared;

    [Fact]
    public async Task SamplesAnswerHonoursAllFourMatcherTypesAndTheTimeRange()
    {
        var s = await _shared.GetAsync();
        long t0 = 1_700_000_000_000;
        Assert.Equal(204, await RemoteWriteClient.SendAsync(s.Client,
            (["__name__", "rr_m", "job", "a", "env", "prod"], [(t0, 1), (t0 + 15_000, 2), (t0 + 30_000, 3)]),
            (["__name__", "rr_m", "job", "b", "env", "dev"], [(t0, 10), (t0 + 15_000, 20)]),
            (["__name__", "rr_m", "job", "c"], [(t0 + 15_000, 100)])));
        var client = new Ariane.Remote.RemoteReadClient(s.Client, new Uri(s.Client.BaseAddress!, "/api/v1/read"));
        var name = Ariane.Model.LabelMatcher.Eq("__name__", "rr_m");
        async Task<string[]> Read(long start, long end, params Ariane.Model.LabelMatcher[] extra)
        {
            var series = await client.ReadAsync(start, end, [name, .. extra], CancellationToken.None);
            return series.Select(x => x.Labels.Get("job") + ":" + string.Join(",", x.Timestamps.Select((t, i) => $"{(t - t0) / 1000}={x.Values[i]}")))
                .OrderBy(x => x, StringComparer.Ordinal).ToArray();
        }
        Assert.Equal(new[] { "a:0=1,15=2,30=3", "b:0=10,15=20", "c:15=100" }, await Read(t0, t0 + 60_000));
        Assert.Equal(new[] { "a:15=2", "b:15=20", "c:15=100" }, await Read(t0 + 1, t0 + 15_000));
        Assert.Equal(new[] { "a:0=1,15=2,30=3" }, await Read(t0, t0 + 60_000, Ariane.Model.LabelMatcher.Eq("env", "prod")));
        Assert.Equal(new[] { "b:0=10,15=20", "c:15=100" }, await Read(t0, t0 + 60_000, new Ariane.Model.LabelMatcher(Ariane.Model.MatcherType.NotEqual, "env", "prod")));
        Assert.Equal(new[] { "a:0=1,15=2,30=3", "b:0=10,15=20" }, await Read(t0, t0 + 60_000, new Ariane.Model.LabelMatcher(Ariane.Model.MatcherType.Regex, "job", "a|b")));
        Assert.Equal(new[] { "c:15=100" }, await Read(t0, t0 + 60_000, new Ariane.Model.LabelMatcher(Ariane.Model.MatcherType.NotRegex, "env", ".+")));
    }

    [Fact]
    public async Task BadRequestsAreRefusedWith400()
    {
        var s = await _shared.GetAsync();
        using var notSnappy = new ByteArrayContent([1, 2, 3, 4, 5]);
        using var r1 = await s.Client.PostAsync("/api/v1/read", notSnappy, TestContext.Current.CancellationToken);
        Assert.Equal(400, (int)r1.StatusCode);
        // A ReadRequest accepting only an unknown response type (7).
        byte[] onlyUnknown = Snappier.Snappy.CompressToArray(new byte[] { 0x10, 0x07 });
        using var r2 = await s.Client.PostAsync("/api/v1/read", new ByteArrayContent(onlyUnknown), TestContext.Current.CancellationToken);
        Assert.Equal(400, (int)r2.StatusCode);
        Assert.Contains("server does not support any of the requested response types", await r2.Content.ReadAsStringAsync(TestContext.Current.CancellationToken));
    }

    [Fact]
    public async Task TheSampleLimitRefusesLargeAnswers()
    {
        using var dir = new TempDir();
        await using var s = await ServerProcess.StartAsync(dir.Path, "--web.enable-remote-write-receiver", "--storage.remote.read-sample-limit=3");
        long t0 = 1_700_000_000_000;
        Assert.Equal(204, await RemoteWriteClient.SendAsync(s.Client, (["__name__", "rr_l"], [(t0, 1), (t0 + 1000, 2), (t0 + 2000, 3), (t0 + 3000, 4)])));
        var client = new Ariane.Remote.RemoteReadClient(s.Client, new Uri(s.Client.BaseAddress!, "/api/v1/read"));
        var ok = await client.ReadAsync(t0, t0 + 2000, [Ariane.Model.LabelMatcher.Eq("__name__", "rr_l")], CancellationToken.None);
        Assert.Equal(3, Assert.Single(ok).Timestamps.Length);
        var e = await Assert.ThrowsAsync<Ariane.Remote.RemoteReadException>(() =>
            client.ReadAsync(t0, t0 + 3000, [Ariane.Model.LabelMatcher.Eq("__name__", "rr_l")], CancellationToken.None));
        Assert.True(e.SampleLimitExceeded, e.Message);
        Assert.Contains("exceeded sample limit (3)", e.Message);
    }
}

/// <summary>
/// The STREAMED_XOR_CHUNKS answer of remote read, read back with a decoder written from Prometheus's
/// storage/remote/chunked.go and tsdb/chunkenc/xor.go (Prometheus 2.42's client asks for SAMPLES only; streamed
/// reading arrived in its client in 2.55).
/// </summary>
public class RemoteReadStreamedTests
{
    [Fact]
    public async Task StreamedChunksCarryEverySampleInFramesOfTheConfiguredSize()
    {
        using var dir = new TempDir();
        await using var s = await ServerProcess.StartAsync(dir.Path, "--web.enable-remote-write-receiver", "--storage.remote.read-max-bytes-in-frame=600");
        long t0 = 1_700_000_000_000;
        var rng = new Random(7);
        var a = Enumerable.Range(0, 500).Select(i => (T: t0 + i * 15_000L + (i % 7 == 0 ? 3 : 0), V: Math.Round(rng.NextDouble() * 100, 2))).ToArray();
        var b = Enumerable.Range(0, 3).Select(i => (T: t0 + i * 60_000L, V: (double)i)).ToArray();
        Assert.Equal(204, await RemoteWriteClient.SendAsync(s.Client, (["__name__", "st_m", "k", "a"], a), (["__name__", "st_m", "k", "b"], b)));

        // ReadRequest { queries: [{t0, t0+1d, __name__="st_m"}], accepted_response_types: [STREAMED_XOR_CHUNKS] }
        byte[] plain = Ariane.Remote.RemoteReadCodec.EncodeRequest(t0, t0 + 86_400_000, [Ariane.Model.LabelMatcher.Eq("__name__", "st_m")]);
        plain[^1] = 0x01; // the client codec asks for SAMPLES (packed [0]); ask for streamed chunks instead
        using var content = new ByteArrayContent(Snappier.Snappy.CompressToArray(plain));
        using var r = await s.Client.PostAsync("/api/v1/read", content, TestContext.Current.CancellationToken);
        Assert.Equal(200, (int)r.StatusCode);
        Assert.Equal("application/x-streamed-protobuf; proto=prometheus.ChunkedReadResponse", r.Content.Headers.ContentType!.ToString());
        byte[] body = await r.Content.ReadAsByteArrayAsync(TestContext.Current.CancellationToken);

        var got = new Dictionary<string, List<(long, double)>>();
        var order = new List<string>();
        int frames = 0, pos = 0;
        while (pos < body.Length)
        {
            ulong len = ReadUvarint(body, ref pos);
            uint crc = System.Buffers.Binary.BinaryPrimitives.ReadUInt32BigEndian(body.AsSpan(pos));
            pos += 4;
            var msg = body.AsSpan(pos, (int)len);
            Assert.Equal(crc, Ariane.Tsdb.Crc32C.Append(0, msg));
            Assert.True(len < 600 + 1200, $"frame of {len} bytes"); // the budget, overshot by at most one chunk
            pos += (int)len;
            frames++;
            var (key, samples) = DecodeChunkedSeries(msg.ToArray());
            if (!got.TryGetValue(key, out var list))
            {
                got[key] = list = [];
                order.Add(key);
            }
            list.AddRange(samples);
        }
        Assert.Equal(new[] { "k=a", "k=b" }, order); // sorted by labels, each series' frames together
        Assert.Equal(a.Select(x => (x.T, x.V)), got["k=a"]);
        Assert.Equal(b.Select(x => (x.T, x.V)), got["k=b"]);
        Assert.True(frames > 3, $"{frames} frames: the 500-sample series is split over several");
    }

    private static ulong ReadUvarint(byte[] b, ref int pos)
    {
        ulong v = 0;
        for (int shift = 0; ; shift += 7)
        {
            byte x = b[pos++];
            v |= (ulong)(x & 0x7F) << shift;
            if (x < 0x80)
            {
                return v;
            }
        }
    }

    /// <summary>A ChunkedReadResponse with one ChunkedSeries: its non-name labels as "k=v,…" and its samples.</summary>
    private static (string Key, List<(long, double)> Samples) DecodeChunkedSeries(byte[] msg)
    {
        var labels = new List<string>();
        var samples = new List<(long, double)>();
        foreach (var (f, series, _) in Fields(msg))
        {
            if (f != 1)
            {
                continue;
            }
            foreach (var (sf, sv, _) in Fields(series))
            {
                if (sf == 1)
                {
                    var lf = Fields(sv);
                    string name = System.Text.Encoding.UTF8.GetString(lf.First(x => x.Field == 1).Value);
                    string value = System.Text.Encoding.UTF8.GetString(lf.First(x => x.Field == 2).Value);
                    if (name != "__name__")
                    {
                        labels.Add(name + "=" + value);
                    }
                }
                else if (sf == 2)
                {
                    var chunk = Fields(sv);
                    Assert.Equal(1UL, chunk.First(x => x.Field == 3).Varint); // XOR
                    var data = chunk.First(x => x.Field == 4).Value;
                    var decoded = DecodeXor(data);
                    Assert.Equal(decoded[0].Item1, (long)chunk.First(x => x.Field == 1).Varint);
                    Assert.Equal(decoded[^1].Item1, (long)chunk.First(x => x.Field == 2).Varint);
                    Assert.True(decoded.Count <= 120);
                    samples.AddRange(decoded);
                }
            }
        }
        return (string.Join(",", labels), samples);
    }

    private static List<(int Field, byte[] Value, ulong Varint)> Fields(byte[] b)
    {
        var list = new List<(int, byte[], ulong)>();
        int pos = 0;
        while (pos < b.Length)
        {
            ulong tag = ReadUvarint(b, ref pos);
            int field = (int)(tag >> 3), wire = (int)(tag & 7);
            if (wire == 0)
            {
                list.Add((field, [], ReadUvarint(b, ref pos)));
            }
            else if (wire == 2)
            {
                int len = (int)ReadUvarint(b, ref pos);
                list.Add((field, b.AsSpan(pos, len).ToArray(), 0));
                pos += len;
            }
            else
            {
                throw new InvalidDataException("unexpected wire type " + wire);
            }
        }
        return list;
    }

    /// <summary>Prometheus's xorIterator: count header, varint t0, raw v0, uvarint first delta, delta-of-deltas, XORed values.</summary>
    private static List<(long, double)> DecodeXor(byte[] data)
    {
        int count = (data[0] << 8) | data[1];
        long bit = 16;
        ulong Bits(int n)
        {
            ulong v = 0;
            for (int i = 0; i < n; i++)
            {
                v = (v << 1) | (uint)((data[bit >> 3] >> (7 - (int)(bit & 7))) & 1);
                bit++;
            }
            return v;
        }
        ulong Uvarint()
        {
            ulong v = 0;
            for (int shift = 0; ; shift += 7)
            {
                ulong x = Bits(8);
                v |= (x & 0x7F) << shift;
                if (x < 0x80)
                {
                    return v;
                }
            }
        }
        var list = new List<(long, double)>();
        long t = 0, delta = 0;
        ulong val = 0;
        int leading = 0, trailing = 0;
        for (int i = 0; i < count; i++)
        {
            if (i == 0)
            {
                ulong z = Uvarint();
                t = (long)(z >> 1) ^ -(long)(z & 1UL);
                val = Bits(64);
            }
            else
            {
                if (i == 1)
                {
                    delta = (long)Uvarint();
                }
                else
                {
                    int ones = 0;
                    while (ones < 4 && Bits(1) == 1)
                    {
                        ones++;
                    }
                    int size = ones switch { 0 => 0, 1 => 14, 2 => 17, 3 => 20, _ => 64 };
                    long dod = 0;
                    if (size > 0)
                    {
                        ulong raw = Bits(size);
                        dod = size == 64 ? (long)raw : raw > (1UL << (size - 1)) ? (long)raw - (1L << size) : (long)raw;
                    }
                    delta += dod;
                }
                t += delta;
                if (Bits(1) == 1)
                {
                    if (Bits(1) == 1)
                    {
                        leading = (int)Bits(5);
                        int sig = (int)Bits(6);
                        if (sig == 0)
                        {
                            sig = 64;
                        }
                        trailing = 64 - leading - sig;
                    }
                    val ^= Bits(64 - leading - trailing) << trailing;
                }
            }
            list.Add((t, BitConverter.UInt64BitsToDouble(val)));
        }
        return list;
    }
}
