using Ariane.Model;
using Ariane.Remote;

namespace Ariane.Tests.Remote;

public class RemoteReadCodecTests
{
    [Fact]
    public void RequestsEncodeTheQueryAsPrometheusDefinesIt()
    {
        byte[] req = RemoteReadCodec.EncodeRequest(1000, 2000, [LabelMatcher.Eq("job", "a"), new LabelMatcher(MatcherType.Regex, "__name__", ".+")]);
        byte[] expectedQuery =
        [
            0x08, 0xE8, 0x07, // start_timestamp_ms = 1000
            0x10, 0xD0, 0x0F, // end_timestamp_ms = 2000
            0x1A, 0x08, 0x12, 0x03, .. "job"u8.ToArray(), 0x1A, 0x01, (byte)'a', // EQ is the default: no type field
            0x1A, 0x10, 0x08, 0x02, 0x12, 0x08, .. "__name__"u8.ToArray(), 0x1A, 0x02, (byte)'.', (byte)'+',
        ];
        byte[] expected = [0x0A, (byte)expectedQuery.Length, .. expectedQuery, 0x12, 0x01, 0x00];
        Assert.Equal(expected, req);
    }

    [Fact]
    public void ResponsesRoundTrip()
    {
        var series = new[]
        {
            new RemoteReadSeries(Labels.FromStrings("__name__", "up", "job", "a"), [1000, 2000, 3000], [1, 0, double.NaN]),
            new RemoteReadSeries(Labels.FromStrings("__name__", "x", "é", "☃"), [-5], [double.NegativeInfinity]),
        };
        var got = RemoteReadCodec.DecodeResponse(RemoteReadCodec.EncodeResponse(series));
        Assert.Equal(2, got.Count);
        for (int i = 0; i < 2; i++)
        {
            Assert.Equal(series[i].Labels, got[i].Labels);
            Assert.Equal(series[i].Timestamps, got[i].Timestamps);
            Assert.Equal(series[i].Values.Select(BitConverter.DoubleToUInt64Bits), got[i].Values.Select(BitConverter.DoubleToUInt64Bits));
        }
    }

    [Theory]
    [InlineData(new byte[] { 0x0A, 0x05, 0x0A })]
    [InlineData(new byte[] { 0x0A, 0x02, 0x0A, 0x00 })]
    public void BrokenResponsesAreErrors(byte[] body) => Assert.Throws<RemoteReadException>(() => RemoteReadCodec.DecodeResponse(body));
}
