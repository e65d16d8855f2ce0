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

    private static readonly RemoteWriteLimits Small = new() { MaxLabelNamesPerSeries = 4, MaxLabelNameLength = 8, MaxLabelValueLength = 16 };

    // Series that are refused whole (each beside a good series, which is kept) and the text the refusal starts with:
    // over a limit (Mimir's texts), or labels Prometheus's receiver refuses (its 2.0 texts).
    public static TheoryData<string[], string> RefusedSeries => new()
    {
        { ["__name__", "m", "a", "1", "b", "2", "c", "3", "d", "4"], "received a series whose number of labels exceeds the limit (actual: 5, limit: 4) series: '{__name__=\"m\", a=\"1\"" },
        { ["__name__", "m", "abcdefghi", "1"], "received a series whose label name length exceeds the limit (actual: 9, limit: 8), label: 'abcdefghi' series: '{__name__=\"m\", abcdefghi=\"1\"}'" },
        { ["__name__", "m", "a", new string('v', 17)], "received a series whose label value length exceeds the limit (actual: 17, limit: 16), label: 'a', value: 'vvvvvvvvvvvvvvvvv' (truncated)" },
        { ["__name__", new string('n', 17)], "received a series whose label value length exceeds the limit (actual: 17, limit: 16), label: '__name__'" },
        { ["__name__", "m", "a", "1", "a", "2"], "invalid labels for series, labels {__name__=\"m\", a=\"1\", a=\"2\"}, duplicated label a" },
        { ["__name__", "m", "", "1"], "invalid metric name or labels, got {__name__=\"m\", =\"1\"}" },
        { ["job", "x"], "invalid metric name or labels, got {job=\"x\"}" },
        { ["__name__", "", "job", "x"], "invalid metric name or labels, got {__name__=\"\", job=\"x\"}" },
        { [], "invalid metric name or labels, got {}" },
    };

    [Theory]
    [MemberData(nameof(RefusedSeries))]
    public void RefusedSeriesAreSkippedWholeAndReportedTheRestIsKept(string[] labels, string reason)
    {
        var body = Encode((["__name__", "good"], [(1, 1)]), (labels, [(1, 1), (2, 2)]), (["__name__", "good2"], [(1, 1)]));
        var app = new ListAppender();
        var r = RemoteWriteDecoder.Decode(body, app, Small);
        Assert.Equal(3, r.Series);
        Assert.Equal(1, r.RejectedSeries);
        Assert.Equal(2, r.Rejected);
        Assert.Equal(2, r.Samples);
        Assert.True(r.AnyRejected);
        Assert.StartsWith(reason, r.FirstRejection);
        Assert.Equal(["{__name__=\"good\"}", "{__name__=\"good2\"}"], app.Samples.Select(x => x.L.ToString()));
        Assert.Contains("2 of 4 samples rejected (1 of 3 series refused); first: " + reason, r.Summary());
    }

    [Fact]
    public void InvalidUtf8InANameOrValueRefusesTheSeries()
    {
        foreach (var (name, value) in new[] { (new byte[] { 0xFF }, "v"u8.ToArray()), ("a"u8.ToArray(), new byte[] { 0xC3, 0x28 }) })
        {
            var body = EncodeRawLabels([("__name__"u8.ToArray(), "m"u8.ToArray()), (name, value)]);
            var app = new ListAppender();
            var r = RemoteWriteDecoder.Decode(body, app);
            Assert.Equal(1, r.RejectedSeries);
            Assert.StartsWith("invalid metric name or labels, got {__name__=\"m\", ", r.FirstRejection);
            Assert.Empty(app.Samples);
        }
    }

    [Fact]
    public void LimitsOfZeroMeanNone()
    {
        var labels = new List<string> { "__name__", "m" };
        for (int i = 0; i < 100; i++)
        {
            labels.Add("label_name_" + i.ToString("D3", System.Globalization.CultureInfo.InvariantCulture) + new string('x', 2000));
            labels.Add(new string('v', 5000));
        }
        var body = Encode(([.. labels], [(1, 1)]));
        var none = new RemoteWriteLimits { MaxLabelNamesPerSeries = 0, MaxLabelNameLength = 0, MaxLabelValueLength = 0 };
        var r = RemoteWriteDecoder.Decode(body, new ListAppender(), none);
        Assert.False(r.AnyRejected);
        Assert.Equal(1, r.Samples);
        Assert.Equal(1, RemoteWriteDecoder.Decode(body, new ListAppender()).RejectedSeries); // the defaults refuse it
    }

    [Fact]
    public void TheDefaultsAreMimirs()
    {
        var d = RemoteWriteLimits.Default;
        Assert.Equal((30, 1024, 2048, 100 << 20, 100 << 20), (d.MaxLabelNamesPerSeries, d.MaxLabelNameLength, d.MaxLabelValueLength, d.MaxRequestBytes, d.MaxDecompressedBytes));
        var ok = new List<string> { "__name__", "m" };
        for (int i = 1; i < 30; i++)
        {
            ok.Add("l" + i.ToString(System.Globalization.CultureInfo.InvariantCulture));
            ok.Add(new string('v', 2048));
        }
        ok[2] = new string('n', 1024);
        Assert.False(RemoteWriteDecoder.Decode(Encode(([.. ok], [(1, 1)])), new ListAppender()).AnyRejected);
    }

    [Fact]
    public void UnsortedLabelsAreSortedAsPrometheusDoes()
    {
        var app = new ListAppender();
        var r = RemoteWriteDecoder.Decode(Encode((["z", "1", "__name__", "m", "a", "2"], [(1, 1)])), app);
        Assert.False(r.AnyRejected);
        Assert.Equal("{__name__=\"m\", a=\"2\", z=\"1\"}", app.Samples[0].L.ToString());
    }

    [Fact]
    public void ASeriesOverALimitIsRefusedFromItsBytesWithoutAllocatingPerLabel()
    {
        // 100,000 labels with long values (about 3 MB): refused after one scan, with no string per label; the message
        // echoes at most 200 characters of the series.
        var labels = new string[200_002];
        labels[0] = "__name__";
        labels[1] = "m";
        for (int i = 2; i < labels.Length; i += 2)
        {
            labels[i] = "l" + i.ToString(System.Globalization.CultureInfo.InvariantCulture);
            labels[i + 1] = "value";
        }
        var body = Encode((labels, [(1, 1)]));
        var app = new ListAppender();
        RemoteWriteDecoder.Decode(body, app); // warm up
        long before = GC.GetAllocatedBytesForCurrentThread();
        var r = RemoteWriteDecoder.Decode(body, app);
        long allocated = GC.GetAllocatedBytesForCurrentThread() - before;
        Assert.Equal(1, r.RejectedSeries);
        Assert.Contains("(actual: 100001, limit: 30)", r.FirstRejection);
        Assert.True(r.FirstRejection!.Length < 500, r.FirstRejection);
        Assert.True(allocated < 16 << 10, $"{allocated} bytes allocated");

        var hugeValue = Encode((["__name__", "m", "a", new string('v', 5 << 20)], [(1, 1)]));
        RemoteWriteDecoder.Decode(hugeValue, app);
        before = GC.GetAllocatedBytesForCurrentThread();
        r = RemoteWriteDecoder.Decode(hugeValue, app);
        allocated = GC.GetAllocatedBytesForCurrentThread() - before;
        Assert.Contains("value length exceeds the limit (actual: 5242880, limit: 2048)", r.FirstRejection);
        Assert.True(r.FirstRejection!.Length < 700, r.FirstRejection);
        Assert.True(allocated < 16 << 10, $"{allocated} bytes allocated");
    }

    [Fact]
    public void RefusalsByStorageEchoTheSeriesTruncated()
    {
        var body = Encode((["__name__", "m", "a", new string('v', 2000)], [(1000, 1)]));
        var app = new ListAppender { Status = _ => AppendStatus.OutOfOrder };
        var r = RemoteWriteDecoder.Decode(body, app);
        Assert.StartsWith("out of order sample for series {__name__=\"m\", a=\"vvv", r.FirstRejection);
        Assert.EndsWith("… at timestamp 1000", r.FirstRejection);
        Assert.True(r.FirstRejection!.Length < 300);
    }

    private static byte[] EncodeRawLabels((byte[] Name, byte[] Value)[] labels)
    {
        var ts = new MemoryStream();
        foreach (var (n, v) in labels)
        {
            var l = new MemoryStream();
            WriteBytes(l, 1, n);
            WriteBytes(l, 2, v);
            WriteBytes(ts, 1, l.ToArray());
        }
        var s = new MemoryStream();
        s.WriteByte((1 << 3) | 1);
        s.Write(BitConverter.GetBytes(1.0));
        s.WriteByte(2 << 3);
        s.WriteByte(1);
        WriteBytes(ts, 2, s.ToArray());
        var req = new MemoryStream();
        WriteBytes(req, 1, ts.ToArray());
        return req.ToArray();
    }

    // A request of random series and samples, in and out of order, decodes to exactly what a straightforward
    // reading of the wire format gives: every sample appended in order, the series' labels sorted.
    [FsCheck.Xunit.Property(MaxTest = 200)]
    public bool DecodesArbitraryRequestsAsWritten(byte[][] names, FsCheck.NonNegativeInt[] values, long[] times)
    {
        var series = new List<(string[], (long, double)[])>();
        int n = Math.Min(names.Length, 20);
        for (int i = 0; i < n; i++)
        {
            string metric = "m" + Convert.ToHexString(names[i] ?? []);
            var labels = new[] { "__name__", metric, "k" + (i % 3).ToString(System.Globalization.CultureInfo.InvariantCulture), "v" };
            var samples = times.Take(i % 5).Select((t, j) => (t, (double)(values.Length > j ? values[j].Get : 0))).ToArray();
            series.Add((labels, samples));
        }
        var app = new ListAppender();
        var r = RemoteWriteDecoder.Decode(Encode([.. series]), app);
        var want = series.SelectMany(s => s.Item2.Select(p => (Labels.FromStrings(s.Item1).ToString(), p.Item1, p.Item2))).ToList();
        var got = app.Samples.Select(x => (x.L.ToString(), x.T, x.V)).ToList();
        return r.Series == n && !r.AnyRejected && want.SequenceEqual(got);
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
