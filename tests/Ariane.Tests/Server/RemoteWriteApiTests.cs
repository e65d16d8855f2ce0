using System.Net;
using System.Text.Json;
using Ariane.Tests.Remote;
using Ariane.Tests.Support;

namespace Ariane.Tests.Server;

/// <summary>POST /api/v1/write over real HTTP: what is refused, with which status and text, and what is kept.</summary>
public class RemoteWriteApiTests(SharedServer shared) : IClassFixture<SharedServer>
{
    // Ten minutes ago, in whole seconds: inside the head's window beside the server's own scrapes, which a fixed
    // date far in the past would leave once a compaction moved the head on.
    private static readonly long T0 = (DateTimeOffset.UtcNow.ToUnixTimeSeconds() - 600) * 1000;

    private static byte[] Snappy(params (string[] Labels, (long T, double V)[] Samples)[] series) =>
        Snappier.Snappy.CompressToArray(RemoteWriteDecoderTests.Encode(series));

    /// <summary>The samples stored for the series matching <paramref name="selector"/> from T0 to nearly an hour after.</summary>
    internal static async Task<List<(long T, double V)>> Stored(HttpClient c, string selector)
    {
        string url = $"/api/v1/query?query={Uri.EscapeDataString(selector + "[1h]")}&time={(T0 + 3_599_000) / 1000}";
        using var r = await c.GetAsync(url);
        Assert.Equal(HttpStatusCode.OK, r.StatusCode);
        using var doc = JsonDocument.Parse(await r.Content.ReadAsStringAsync());
        var list = new List<(long, double)>();
        foreach (var series in doc.RootElement.GetProperty("data").GetProperty("result").EnumerateArray())
        {
            foreach (var p in series.GetProperty("values").EnumerateArray())
            {
                list.Add(((long)(p[0].GetDouble() * 1000), double.Parse(p[1].GetString()!, System.Globalization.CultureInfo.InvariantCulture)));
            }
        }
        return list;
    }

    [Fact]
    public async Task OutOfOrderAndDuplicateSamplesWithinOneRequestAre400AndTheRestIsKept()
    {
        var s = await shared.GetAsync();
        var (code, body) = await RemoteWriteClient.SendWithBodyAsync(s.Client,
            (["__name__", "rw_inbatch_ooo"], [(T0 + 2000, 1), (T0 + 1000, 2), (T0 + 3000, 3)]),
            (["__name__", "rw_inbatch_dup"], [(T0 + 1000, 5)]),
            (["__name__", "rw_inbatch_dup"], [(T0 + 1000, 6)]),
            (["__name__", "rw_inbatch_same"], [(T0 + 1000, 7), (T0 + 1000, 7)]),
            (["__name__", "rw_inbatch_good"], [(T0 + 1000, 8)]));
        Assert.Equal(400, code);
        Assert.Equal($"2 of 8 samples rejected; first: out of order sample for series {{__name__=\"rw_inbatch_ooo\"}} at timestamp {T0 + 1000}\n", body);
        Assert.Equal([(T0 + 2000, 1.0), (T0 + 3000, 3.0)], await Stored(s.Client, "rw_inbatch_ooo"));
        Assert.Equal([(T0 + 1000, 5.0)], await Stored(s.Client, "rw_inbatch_dup"));
        Assert.Equal([(T0 + 1000, 7.0)], await Stored(s.Client, "rw_inbatch_same")); // the same sample twice is no error
        Assert.Equal([(T0 + 1000, 8.0)], await Stored(s.Client, "rw_inbatch_good"));

        (code, body) = await RemoteWriteClient.SendWithBodyAsync(s.Client, (["__name__", "rw_inbatch_dup2"], [(T0 + 1000, 5), (T0 + 1000, 6)]));
        Assert.Equal(400, code);
        Assert.Equal($"1 of 2 samples rejected; first: duplicate sample for timestamp for series {{__name__=\"rw_inbatch_dup2\"}} at timestamp {T0 + 1000}\n", body);
    }

    // Prometheus 3's answers to a Content-Type or Content-Encoding it does not take (415), except that a missing
    // Content-Type is refused too: a browser page can post a body without one, with no preflight.
    [Theory]
    [InlineData("application/x-protobuf", "snappy", 204, "")]
    [InlineData("application/x-protobuf;proto=prometheus.WriteRequest", "snappy", 204, "")]
    [InlineData("Application/X-Protobuf; proto=prometheus.WriteRequest", "SNAPPY", 204, "")]
    [InlineData("application/x-protobuf", null, 204, "")]
    [InlineData("application/x-protobuf;proto=io.prometheus.write.v2.Request", "snappy", 415, "io.prometheus.write.v2.Request protobuf message is not accepted by this server; accepted [prometheus.WriteRequest]")]
    [InlineData("text/plain", "snappy", 415, "expected application/x-protobuf as the first (media) part, got text/plain content-type")]
    [InlineData("text/plain;charset=UTF-8", null, 415, "expected application/x-protobuf as the first (media) part, got text/plain;charset=UTF-8 content-type")]
    [InlineData("application/x-www-form-urlencoded", null, 415, "expected application/x-protobuf as the first (media) part")]
    [InlineData("multipart/form-data; boundary=x", null, 415, "expected application/x-protobuf as the first (media) part")]
    [InlineData(null, "snappy", 415, "expected application/x-protobuf as the first (media) part, got no content-type")]
    [InlineData("application/x-protobuf", "gzip", 415, "gzip encoding (compression) is not accepted by this server; only snappy is acceptable")]
    public async Task OnlyProtobufIsTaken(string? contentType, string? encoding, int want, string text)
    {
        var s = await shared.GetAsync();
        string metric = "rw_ct_" + Math.Abs((contentType + encoding).GetHashCode()).ToString(System.Globalization.CultureInfo.InvariantCulture);
        var (code, body) = await RemoteWriteClient.SendRawAsync(s.Client, Snappy((["__name__", metric], [(T0, 1)])), contentType, encoding);
        Assert.Equal(want, code);
        Assert.StartsWith(text, body);
        Assert.Equal(want == 204 ? 1 : 0, (await Stored(s.Client, metric)).Count);
    }

    public static TheoryData<string, byte[], string> BadBodies()
    {
        var good = Snappy((["__name__", "rw_bad_body"], [(T0, 1)]));
        var shorter = (byte[])good.Clone();
        shorter[0]--;
        var longer = (byte[])good.Clone();
        longer[0]++;
        var proto = RemoteWriteDecoderTests.Encode((["__name__", "rw_bad_body"], [(T0, 1)]));
        return new()
        {
            { "empty body", [], "snappy: corrupt input" },
            { "declared length 2^31", [0x80, 0x80, 0x80, 0x80, 0x08, 0x00], "snappy: corrupt input" },
            { "declared length 2^32 - 1", [0xFF, 0xFF, 0xFF, 0xFF, 0x0F, 0x00, 0x00], "snappy: corrupt input" },
            { "declared length 1 short", shorter, "snappy: corrupt input" },
            { "declared length 1 long", longer, "snappy: corrupt input" },
            { "garbage", [1, 2, 3, 4, 5, 6, 7, 8], "snappy: corrupt input" },
            { "not compressed", proto, "snappy: corrupt input" },
            { "truncated protobuf", Snappier.Snappy.CompressToArray(proto.AsSpan(0, proto.Length - 3)), "truncated protobuf" },
            { "protobuf garbage", Snappier.Snappy.CompressToArray([0x0B, 0xFF]), "unsupported protobuf wire type" },
        };
    }

    [Theory]
    [MemberData(nameof(BadBodies))]
    public async Task MalformedBodiesAre400AndStoreNothing(string what, byte[] body, string text)
    {
        var s = await shared.GetAsync();
        var (code, answer) = await RemoteWriteClient.SendRawAsync(s.Client, body);
        Assert.True(code == 400, $"{what}: {code} {answer}");
        Assert.StartsWith(text, answer);
        Assert.Empty(await Stored(s.Client, "rw_bad_body"));
    }

    [Fact]
    public async Task AnEmptyRequestIs204()
    {
        var s = await shared.GetAsync();
        Assert.Equal((204, ""), await RemoteWriteClient.SendRawAsync(s.Client, Snappier.Snappy.CompressToArray([])));
    }

    [Fact]
    public async Task ASeriesOverTheDefaultLabelLimitIs400AndTheOthersAreKept()
    {
        var s = await shared.GetAsync();
        var labels = new List<string> { "__name__", "rw_many_labels" };
        for (int i = 0; i < 30; i++)
        {
            labels.Add("l" + i.ToString("D2", System.Globalization.CultureInfo.InvariantCulture));
            labels.Add("v");
        }
        var (code, body) = await RemoteWriteClient.SendWithBodyAsync(s.Client,
            ([.. labels], [(T0, 1)]), (["__name__", "rw_labels_ok"], [(T0, 2)]), ([.. labels.Take(60)], [(T0, 3)]));
        Assert.Equal(400, code);
        Assert.StartsWith("1 of 3 samples rejected (1 of 3 series refused); first: received a series whose number of labels exceeds the limit (actual: 31, limit: 30) series: '{__name__=\"rw_many_labels\", l00=\"v\", ", body);
        Assert.Contains("(limit: --web.remote-write-receiver.max-label-names-per-series)", body);
        Assert.Equal([(T0, 2.0)], await Stored(s.Client, "rw_labels_ok"));
        Assert.Equal([(T0, 3.0)], await Stored(s.Client, "rw_many_labels")); // the same series with 30 labels
    }

    [Fact]
    public async Task TheFlagsSetTheLimits()
    {
        using var dir = new TempDir();
        await using var s = await ServerProcess.StartAsync(dir.Path, "--web.enable-remote-write-receiver",
            "--web.remote-write-receiver.max-label-names-per-series=40", "--web.remote-write-receiver.max-label-name-length=8",
            "--web.remote-write-receiver.max-label-value-length=0", "--web.remote-write-receiver.max-request-size=2KiB",
            "--web.remote-write-receiver.max-decompressed-request-size=3KiB");
        var labels = new List<string> { "__name__", new string('m', 2400) };
        for (int i = 0; i < 35; i++)
        {
            labels.Add("l" + i.ToString("D2", System.Globalization.CultureInfo.InvariantCulture));
            labels.Add("v");
        }
        Assert.Equal((204, ""), await RemoteWriteClient.SendRawAsync(s.Client, Snappy(([.. labels], [(T0, 1)]))));
        var (code, body) = await RemoteWriteClient.SendRawAsync(s.Client, Snappy((["__name__", "m", "abcdefghi", "v"], [(T0, 1)])));
        Assert.Equal(400, code);
        Assert.Contains("label name length exceeds the limit (actual: 9, limit: 8), label: 'abcdefghi'", body);

        var random = new byte[3000];
        new Random(1).NextBytes(random);
        (code, body) = await RemoteWriteClient.SendRawAsync(s.Client, Snappy((["__name__", "m", "a", Convert.ToBase64String(random)], [(T0, 1)])));
        Assert.Equal(413, code);
        Assert.StartsWith("request body of ", body);
        Assert.Contains("bytes is over the limit of 2048 bytes (--web.remote-write-receiver.max-request-size)", body);

        (code, body) = await RemoteWriteClient.SendRawAsync(s.Client, Snappy((["__name__", "m", "a", new string('v', 4000)], [(T0, 1)])));
        Assert.Equal(413, code);
        Assert.StartsWith("decompressed request of ", body);
        Assert.Contains("bytes is over the limit of 3072 bytes (--web.remote-write-receiver.max-decompressed-request-size)", body);

        using var flags = JsonDocument.Parse(await s.Client.GetStringAsync("/api/v1/status/flags", TestContext.Current.CancellationToken));
        var data = flags.RootElement.GetProperty("data");
        Assert.Equal("40", data.GetProperty("web.remote-write-receiver.max-label-names-per-series").GetString());
        Assert.Equal("2KiB", data.GetProperty("web.remote-write-receiver.max-request-size").GetString());
    }

    [Theory]
    [InlineData("--web.remote-write-receiver.max-request-size=2GiB", "invalid --web.remote-write-receiver.max-request-size \"2GiB\"")]
    [InlineData("--web.remote-write-receiver.max-decompressed-request-size=lots", "invalid --web.remote-write-receiver.max-decompressed-request-size \"lots\"")]
    [InlineData("--web.remote-write-receiver.max-label-names-per-series=-1", "must be 0 (no limit) or positive")]
    public async Task InvalidLimitFlagsStopTheStart(string flag, string error)
    {
        using var dir = new TempDir();
        await using var s = ServerProcess.Launch(dir.Path, ["serve"], [flag], out _);
        Assert.Equal(2, await s.WaitExitAsync(TimeSpan.FromSeconds(60)));
        Assert.Contains(error, s.Output);
    }
}
