using Ariane.Model;
using Ariane.Storage;
using Ariane.Tests.Support;
using Ariane.Tsdb;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Time.Testing;

namespace Ariane.Tests.Tsdb;

public class WalTests
{
    private static Labels L(params string[] nv) => Labels.FromStrings(nv);

    private static void Fill(TempHead h, int series, int samples, int start = 0)
    {
        var refs = new ulong[series];
        for (int s = start; s < start + samples; s++)
        {
            var app = h.Head.Appender();
            for (int i = 0; i < series; i++)
            {
                double v = (s % 17) switch { 3 => double.NaN, 5 => SampleValue.StaleNaN, 7 => double.NegativeInfinity, _ => i * 1.5 - s };
                Assert.Equal(AppendStatus.Ok, app.Append(ref refs[i], L("__name__", "m" + (i % 3), "i", i.ToString()), s * 15_000L, v));
            }
            app.Commit();
        }
    }

    private static string Render(IStorage s) => string.Join('\n', TempHead.Dump(s).Select(d =>
        d.Labels + " " + string.Join(' ', d.Samples.Select(x => x.T + ":" + BitConverter.DoubleToUInt64Bits(x.V).ToString("x")))));

    private static void CopyDir(string from, string to)
    {
        Directory.CreateDirectory(to);
        foreach (var f in Directory.GetFiles(from))
        {
            File.Copy(f, Path.Combine(to, Path.GetFileName(f)));
        }
        foreach (var d in Directory.GetDirectories(from))
        {
            CopyDir(d, Path.Combine(to, Path.GetFileName(d)));
        }
    }

    private static string LastSegment(TempHead h) =>
        Directory.GetFiles(h.WalDir).OrderBy(f => f, StringComparer.Ordinal).Last(f => new FileInfo(f).Length > 8);

    [Fact]
    public void ReplayAfterCleanShutdownGivesIdenticalData()
    {
        using var h = new TempHead();
        Fill(h, 30, 300);
        string before = Render(h.Head);
        var stats = h.Head.Stats();
        ulong r = 0;
        var app = h.Head.Appender();
        app.Append(ref r, L("__name__", "m1", "i", "1"), 1_000_000_000, 1);
        app.Rollback();

        h.Reopen();
        Assert.Empty(h.Warnings);
        Assert.Equal(before, Render(h.Head));
        Assert.Equal(stats.NumSeries, h.Head.Stats().NumSeries);
        Assert.Equal(stats.NumSamples, h.Head.Stats().NumSamples);
        Assert.Equal(stats.MinTime, h.Head.MinTime);
        Assert.Equal(stats.MaxTime, h.Head.MaxTime);

        // A series ref cached before the restart still names the same series.
        var a2 = h.Head.Appender();
        Assert.Equal(AppendStatus.Ok, a2.Append(ref r, L("__name__", "m1", "i", "1"), 1_000_000_000, 7));
        a2.Commit();
        var dump = TempHead.Dump(h.Head, ms: [LabelMatcher.Eq("i", "1")]);
        Assert.Equal((1_000_000_000L, 7.0), dump.Single().Samples[^1]);

        // New series after a restart get refs above the replayed ones.
        h.Add(L("__name__", "new"), (1, 1));
        h.Reopen();
        Assert.Equal(31, h.Head.Stats().NumSeries);
    }

    [Fact]
    public void CommittedSamplesSurviveAKilledProcess()
    {
        using var h = new TempHead();
        Fill(h, 10, 50);
        string before = Render(h.Head);
        // No Dispose and no fsync: what Commit handed to the OS is all there is, as after kill -9.
        string copy = h.Dir + "-crash";
        CopyDir(h.Dir, copy);
        try
        {
            var warnings = new List<string>();
            using var h2 = Head.Open(new TsdbOptions { Path = copy }, new FakeTimeProvider(), new ListLogger(warnings, LogLevel.Warning));
            Assert.Empty(warnings);
            Assert.Equal(before, Render(h2));
        }
        finally
        {
            Directory.Delete(copy, true);
        }
    }

    [Fact]
    public void CorruptTailIsCutOffAndEarlierDataSurvive()
    {
        using var h = new TempHead();
        Fill(h, 5, 20);
        string good = Render(h.Head);
        Fill(h, 5, 1, start: 20);
        h.Head.Dispose();
        string seg = LastSegment(h);
        var bytes = File.ReadAllBytes(seg);
        bytes[^3] ^= 0x40; // inside the last sample's value
        File.WriteAllBytes(seg, bytes);

        h.Reopen();
        Assert.Single(h.Warnings);
        Assert.Contains("checksum mismatch", h.Warnings[0]);
        Assert.Equal(1, h.Head.WalCorruptionsRepaired);
        Assert.Equal(good, Render(h.Head));

        // The repaired WAL replays cleanly, with what came after.
        Fill(h, 5, 1, start: 20);
        string after = Render(h.Head);
        h.Reopen();
        Assert.Empty(h.Warnings);
        Assert.Equal(after, Render(h.Head));
    }

    [Theory]
    [InlineData(1)]
    [InlineData(5)]
    [InlineData(9)]
    [InlineData(20)]
    public void TruncatedLastSegmentIsCutOff(int cut)
    {
        using var h = new TempHead();
        Fill(h, 5, 20);
        string good = Render(h.Head);
        Fill(h, 5, 1, start: 20);
        h.Head.Dispose();
        string seg = LastSegment(h);
        using (var fs = new FileStream(seg, FileMode.Open))
        {
            fs.SetLength(fs.Length - cut);
        }
        h.Reopen();
        Assert.Single(h.Warnings);
        Assert.Equal(good, Render(h.Head));
    }

    [Fact]
    public void GarbageSegmentIsDropped()
    {
        using var h = new TempHead();
        Fill(h, 3, 10);
        string good = Render(h.Head);
        h.Head.Dispose();
        File.WriteAllBytes(Path.Combine(h.WalDir, "00000001"), [1, 2, 3]);
        File.WriteAllBytes(Path.Combine(h.WalDir, "00000002"), new byte[100]);
        h.Reopen();
        Assert.Single(h.Warnings);
        Assert.Contains("bad segment header", h.Warnings[0]);
        Assert.Equal(good, Render(h.Head));
        // Segment 1 now is the new, empty one; 2 is gone.
        Assert.Equal(8, new FileInfo(Path.Combine(h.WalDir, "00000001")).Length);
        Assert.False(File.Exists(Path.Combine(h.WalDir, "00000002")));
        h.Add(L("__name__", "after"), (1, 1));
        h.Reopen();
        Assert.Empty(h.Warnings);
        Assert.Equal(4, h.Head.Stats().NumSeries);
    }

    [Fact]
    public void SegmentsRollOverAndReplayInOrder()
    {
        using var h = new TempHead(segmentSize: 4096);
        Fill(h, 20, 200);
        string before = Render(h.Head);
        int segments = Directory.GetFiles(h.WalDir).Length;
        Assert.True(segments > 5, $"{segments} segments");
        Assert.All(Directory.GetFiles(h.WalDir), f => Assert.True(new FileInfo(f).Length <= 4096 || f == LastSegment(h)));
        Assert.True(h.Head.WalFsyncs >= segments - 1);
        h.Reopen();
        Assert.Empty(h.Warnings);
        Assert.Equal(before, Render(h.Head));
    }

    [Fact]
    public void CorruptionInAMiddleSegmentDropsLaterSegments()
    {
        using var h = new TempHead(segmentSize: 4096);
        Fill(h, 20, 200);
        h.Head.Dispose();
        var files = Directory.GetFiles(h.WalDir).OrderBy(f => f, StringComparer.Ordinal).ToArray();
        var mid = files[files.Length / 2];
        var bytes = File.ReadAllBytes(mid);
        bytes[bytes.Length / 2] ^= 0xFF;
        File.WriteAllBytes(mid, bytes);

        h.Reopen();
        Assert.Single(h.Warnings);
        // Later segments are gone; the one right after is the new, empty segment.
        Assert.All(files.Skip(files.Length / 2 + 1), f => Assert.True(!File.Exists(f) || new FileInfo(f).Length == 8));
        // Whatever survives is a prefix of each series: no gaps, no foreign values.
        var dump = TempHead.Dump(h.Head);
        Assert.Equal(20, dump.Count);
        foreach (var d in dump)
        {
            for (int k = 0; k < d.Samples.Count; k++)
            {
                Assert.Equal(k * 15_000L, d.Samples[k].T);
            }
            Assert.InRange(d.Samples.Count, 1, 199);
        }
    }

    [Fact]
    public void BackgroundTimerFsyncsOnlyWhenDirty()
    {
        using var h = new TempHead();
        long start = h.Head.WalFsyncs;
        h.Time.Advance(TimeSpan.FromSeconds(5));
        Assert.Equal(start, h.Head.WalFsyncs);
        Fill(h, 2, 2);
        h.Time.Advance(TimeSpan.FromSeconds(1));
        Assert.Equal(start + 1, h.Head.WalFsyncs);
        h.Time.Advance(TimeSpan.FromSeconds(1));
        Assert.Equal(start + 1, h.Head.WalFsyncs);
        Fill(h, 2, 1, start: 2);
        h.Head.Sync();
        Assert.Equal(start + 2, h.Head.WalFsyncs);
        Assert.True(h.Head.WalBytesWritten > 0);
    }

    [Fact]
    public void SeriesOfARolledBackBatchAreStillLogged()
    {
        using var h = new TempHead();
        var app = h.Head.Appender();
        ulong r = 0;
        app.Append(ref r, L("__name__", "rolled", "x", "1"), 1, 1);
        app.Rollback();
        h.Add(L("__name__", "other"), (5, 5));
        h.Reopen();
        using var q = h.Head.Querier(0, 10);
        Assert.Equal(["other", "rolled"], q.LabelValues("__name__"));
        var a2 = h.Head.Appender();
        ulong r2 = 0;
        a2.Append(ref r2, L("__name__", "rolled", "x", "1"), 2, 2);
        a2.Commit();
        Assert.Equal(r, r2);
    }

    [Fact]
    public void DisposedHeadRefusesAppenders()
    {
        using var h = new TempHead();
        h.Head.Dispose();
        Assert.Throws<ObjectDisposedException>(() => h.Head.Appender());
    }
}
