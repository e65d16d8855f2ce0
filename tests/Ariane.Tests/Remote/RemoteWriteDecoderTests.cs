using Ariane.Model;
using Ariane.Remote;
using Ariane.Storage;

namespace Ariane.Tests.Remote;

public class RemoteWriteDecoderTests
{
    /// <summary>Encodes a WriteRequest by hand, as the wire format defines it, so the decoder is tested against bytes.</summary>
    internal static byte[] Encode(params (string[] Labels, (long T, double V)[] Samples)[] series)
    {
        var req = new MemoryStream();
        foreach (var (labels, samples) in series)
        {
            var ts = new MemoryStream();
            for (int i = 0; i < labels.Length; i += 2)
            {
                var l = new MemoryStream();
                WriteString(l, 1, labels[i]);
                WriteString(l, 2, labels[i + 1]);
                WriteBytes(ts, 1, l.ToArray());
            }
            foreach (var (t, v) in samples)
            {
                var s = new MemoryStream();
                s.WriteByte((1 << 3) | 1);
                s.Write(BitConverter.GetBytes(v));
                s.WriteByte((2 << 3) | 0);
                WriteVarint(s, (ulong)t);
                WriteBytes(ts, 2, s.ToArray());
            }
            WriteBytes(req, 1, ts.ToArray());
        }
        return req.ToArray();
    }

    private static void WriteString(Stream s, int field, string v) => WriteBytes(s, field, System.Text.Encoding.UTF8.GetBytes(v));

    private static void WriteBytes(Stream s, int field, byte[] b)
    {
        WriteVarint(s, (ulong)((field << 3) | 2));
        WriteVarint(s, (ulong)b.Length);
        s.Write(b);
    }

    private static void WriteVarint(Stream s, ulong v)
    {
        while (v >= 0x80)
        {
            s.WriteByte((byte)(v | 0x80));
            v >>= 7;
        }
        s.WriteByte((byte)v);
    }

    private sealed class ListAppender : IAppender
    {
        public readonly List<(Labels L, long T, double V)> Samples = [];
        public Func<long, AppendStatus> Status = _ => AppendStatus.Ok;

        public AppendStatus Append(ref ulong seriesRef, Labels labels, long timestampMs, double value)
        {
            var st = Status(timestampMs);
            if (st == AppendStatus.Ok)
            {
                Samples.Add((labels, timestampMs, value));
            }
            return st;
        }

        public Labels? SeriesLabels(ulong seriesRef) => null;

        public void Commit()
        {
        }

        public void Rollback() => Samples.Clear();
    }

    [Fact]
    public void DecodesSeriesAndSamples()
    {
        var body = Encode(
            (["__name__", "up", "job", "a"], [(1000, 1), (2000, 0)]),
            (["job", "b", "__name__", "x"], [(1000, double.NaN)]));
        var app = new ListAppender();
        var r = RemoteWriteDecoder.Decode(body, app);
        Assert.Equal(2, r.Series);
        Assert.Equal(3, r.Samples);
        Assert.Equal("{__name__=\"x\", job=\"b\"}", app.Samples[2].L.ToString());
        Assert.True(double.IsNaN(app.Samples[2].V));
        Assert.Equal(2000, app.Samples[1].T);
    }

    [Fact]
    public void CountsRejectionsAndKeepsTheRest()
    {
        var body = Encode((["__name__", "up"], [(1000, 1), (500, 1), (2000, 1)]));
        var app = new ListAppender { Status = t => t == 500 ? AppendStatus.OutOfOrder : AppendStatus.Ok };
        var r = RemoteWriteDecoder.Decode(body, app);
        Assert.Equal(2, r.Samples);
        Assert.Equal(1, r.Rejected);
        Assert.Contains("out of order sample", r.FirstRejection);
    }

    [Theory]
    [InlineData(new byte[] { 0x0A, 0x05, 0x01 })]
    [InlineData(new byte[] { 0x0A })]
    [InlineData(new byte[] { 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF })]
    [InlineData(new byte[] { 0x0B })]
    public void MalformedInputIsARemoteWriteException(byte[] body)
    {
        Assert.Throws<RemoteWriteException>(() => RemoteWriteDecoder.Decode(body, new ListAppender()));
    }

    [Fact]
    public void DuplicateLabelNamesAreRejected()
    {
        var body = Encode((["__name__", "up", "a", "1", "a", "2"], [(1, 1)]));
        var e = Assert.Throws<RemoteWriteException>(() => RemoteWriteDecoder.Decode(body, new ListAppender()));
        Assert.Contains("duplicate label name a", e.Message);
    }

    [Fact]
    public void RandomBytesNeverThrowAnythingElse()
    {
        var rng = new Random(42);
        var valid = Encode((["__name__", "up", "job", "a"], [(1000, 1), (2000, 0)]));
        for (int i = 0; i < 5000; i++)
        {
            var b = (byte[])valid.Clone();
            for (int k = 0; k < 3; k++)
            {
                b[rng.Next(b.Length)] = (byte)rng.Next(256);
            }
            try
            {
                RemoteWriteDecoder.Decode(b, new ListAppender());
            }
            catch (RemoteWriteException)
            {
            }
        }
    }
}
