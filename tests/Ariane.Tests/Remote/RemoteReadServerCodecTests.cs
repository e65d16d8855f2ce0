using System.Buffers;
using Ariane.Model;
using Ariane.Remote;

namespace Ariane.Tests.Remote;

/// <summary>The server half of the remote-read codec: requests decoded, answers and stream frames encoded as Prometheus's.</summary>
public class RemoteReadServerCodecTests
{
    [Fact]
    public void RequestsFromTheClientDecodeWithEveryMatcherType()
    {
        byte[] bytes = RemoteReadCodec.EncodeRequest(1000, 2000,
        [
            LabelMatcher.Eq("__name__", "up"),
            new LabelMatcher(MatcherType.NotEqual, "a", "1"),
            new LabelMatcher(MatcherType.Regex, "b", "x|y"),
            new LabelMatcher(MatcherType.NotRegex, "c", ".+"),
        ]);
        var req = RemoteReadCodec.DecodeRequest(bytes);
        var q = Assert.Single(req.Queries);
        Assert.Equal(1000, q.StartMs);
        Assert.Equal(2000, q.EndMs);
        Assert.Equal(new[] { "__name__=\"up\"", "a!=\"1\"", "b=~\"x|y\"", "c!~\".+\"" }, q.Matchers.Select(m => m.ToString()).ToArray());
        Assert.Null(q.Hints);
        Assert.Equal(new[] { RemoteReadCodec.Samples }, req.AcceptedResponseTypes);
    }

    [Fact]
    public void HintsAndUnpackedResponseTypesDecode()
    {
        // Query { start=5, end=9, hints { step_ms=15000, func="series", start_ms=6, end_ms=8, grouping=["job"], by=true, range_ms=300000 } }
        byte[] hints = [0x08, 0x98, 0x75, 0x12, 0x06, .. "series"u8.ToArray(), 0x18, 0x06, 0x20, 0x08, 0x2A, 0x03, .. "job"u8.ToArray(), 0x30, 0x01, 0x38, 0xE0, 0xA7, 0x12];
        byte[] query = [0x08, 0x05, 0x10, 0x09, 0x22, (byte)hints.Length, .. hints];
        byte[] req = [0x0A, (byte)query.Length, .. query, 0x10, 0x01, 0x10, 0x00];
        var r = RemoteReadCodec.DecodeRequest(req);
        var h = Assert.Single(r.Queries).Hints!;
        Assert.Equal(new RemoteReadHints(6, 8, 15000, "series", h.Grouping, true, 300_000), h);
        Assert.Equal(new[] { "job" }, h.Grouping);
        Assert.Equal(new[] { RemoteReadCodec.StreamedXorChunks, RemoteReadCodec.Samples }, r.AcceptedResponseTypes);
    }

    [Fact]
    public void MalformedRequestsAreRemoteReadExceptions()
    {
        Assert.Throws<RemoteReadException>(() => RemoteReadCodec.DecodeRequest([0x0A, 0x7F, 0x08]));
        byte[] badRegex = [0x0A, 0x0D, 0x1A, 0x0B, 0x08, 0x02, 0x12, 0x01, (byte)'a', 0x1A, 0x04, (byte)'(', (byte)'(', (byte)'[', (byte)'x'];
        Assert.Contains("invalid matcher a", Assert.Throws<RemoteReadException>(() => RemoteReadCodec.DecodeRequest(badRegex)).Message);
    }

    [Fact]
    public void ResponsesWithSeveralResultsRoundTripThroughTheClientDecoder()
    {
        var a = new RemoteReadSeries(Labels.FromStrings("__name__", "up", "job", "a"), [0, 1000, 2000], [1, 0, double.NaN]);
        var b = new RemoteReadSeries(Labels.FromStrings("__name__", "x"), [-5], [2.5]);
        byte[] bytes = RemoteReadCodec.EncodeResponse([[a], [b]]);
        var back = RemoteReadCodec.DecodeResponse(bytes);
        Assert.Equal(2, back.Count);
        Assert.Equal(a.Labels, back[0].Labels);
        Assert.Equal(a.Timestamps, back[0].Timestamps);
        Assert.Equal(b.Values, back[1].Values);
    }

    [Fact]
    public void XorChunksAreByteForBytePrometheusChunkenc()
    {
        // Worked out by hand from Prometheus's tsdb/chunkenc/xor.go: count header, t0 as a signed varint, v0 raw,
        // the first delta as an unsigned varint, then '0' (same value), '0' (same delta), and 2.0 XOR 1.0 =
        // 0x7FF0000000000000 with a new window: '11', leading 1 (5 bits), 11 significant bits (6 bits), the bits.
        byte[] chunk = PrometheusXorChunk.Encode([1000, 2000, 3000], [1.0, 1.0, 2.0]);
        Assert.Equal(new byte[] { 0x00, 0x03, 0xD0, 0x0F, 0x3F, 0xF0, 0, 0, 0, 0, 0, 0, 0xE8, 0x07, 0x30, 0x97, 0xFF, 0xC0 }, chunk);
    }

    [Fact]
    public void StreamFramesCarryLengthAndBigEndianCrc32C()
    {
        var w = new ArrayBufferWriter<byte>();
        RemoteReadCodec.WriteFrame(w, [1, 2, 3], 0xA1B2C3D4);
        Assert.Equal(new byte[] { 0x03, 0xA1, 0xB2, 0xC3, 0xD4, 1, 2, 3 }, w.WrittenSpan.ToArray());
        byte[] msg = RemoteReadCodec.EncodeChunkedSeries(Labels.FromStrings("__name__", "m"), [(1000, 3000, new byte[] { 9, 9 })], 2);
        // ChunkedSeries { labels: [{__name__, m}], chunks: [{min 1000, max 3000, XOR, data}] }, query_index 2.
        byte[] label = [0x0A, 0x08, .. "__name__"u8.ToArray(), 0x12, 0x01, (byte)'m'];
        byte[] chunkMsg = [0x08, 0xE8, 0x07, 0x10, 0xB8, 0x17, 0x18, 0x01, 0x22, 0x02, 9, 9];
        byte[] series = [0x0A, (byte)label.Length, .. label, 0x12, (byte)chunkMsg.Length, .. chunkMsg];
        Assert.Equal([0x0A, (byte)series.Length, .. series, 0x10, 0x02], msg);
        Assert.Equal(label.Length, RemoteReadCodec.LabelsSize(Labels.FromStrings("__name__", "m")));
    }
}
