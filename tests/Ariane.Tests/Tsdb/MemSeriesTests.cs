using Ariane.Model;
using Ariane.Tsdb;

namespace Ariane.Tests.Tsdb;

public class MemSeriesTests(ITestOutputHelper output)
{
    private static List<(long, double)> Read(MemSeries s, long mint = long.MinValue, long maxt = long.MaxValue)
    {
        SeriesSnapshot snap;
        lock (s)
        {
            snap = s.Snapshot();
        }
        var it = new SeriesIterator(snap, mint, maxt);
        var list = new List<(long, double)>();
        while (it.Next())
        {
            list.Add((it.T, it.V));
        }
        return list;
    }

    [Fact]
    public void OldChunksCanBeTruncated()
    {
        var s = new MemSeries(1, Labels.FromStrings("__name__", "m"));
        for (int i = 0; i < 600; i++)
        {
            Assert.Equal(SampleResult.Appended, s.Append(i * 10L, i));
        }
        Assert.Equal(5, s.ChunkCount);
        Assert.Equal(0, s.TruncateChunksBefore(0));
        Assert.Equal(2, s.TruncateChunksBefore(2400)); // chunks [0,1190] and [1200,2390]
        Assert.Equal(3, s.ChunkCount);
        var left = Read(s);
        Assert.Equal(360, left.Count);
        Assert.Equal((2400L, 240.0), left[0]);
        Assert.Equal(SampleResult.OutOfOrder, s.Append(5990 - 10, 0));
        Assert.Equal(SampleResult.Appended, s.Append(6000, 600));
        Assert.Equal(361, Read(s).Count);
    }

    [Fact]
    public void SnapshotIsNotDisturbedByLaterAppendsAndCuts()
    {
        var s = new MemSeries(1, Labels.FromStrings("__name__", "m"));
        for (int i = 0; i < 170; i++)
        {
            s.Append(i, i * 2.5);
        }
        SeriesSnapshot snap;
        lock (s)
        {
            snap = s.Snapshot();
        }
        for (int i = 170; i < 1000; i++)
        {
            s.Append(i, -i);
        }
        var it = new SeriesIterator(snap, long.MinValue, long.MaxValue);
        int n = 0;
        while (it.Next())
        {
            Assert.Equal(n, it.T);
            Assert.Equal(n * 2.5, it.V);
            n++;
        }
        Assert.Equal(170, n);
        Assert.Equal(1000, Read(s).Count);
        Assert.Equal(Enumerable.Range(300, 401).Select(i => ((long)i, (double)-i)), Read(s, 300, 700));
    }

    private static SeriesSnapshot Snap(MemSeries s)
    {
        lock (s)
        {
            return s.Snapshot();
        }
    }

    private static List<(long, double)> ReadSnap(SeriesSnapshot snap, long mint = long.MinValue, long maxt = long.MaxValue)
    {
        var it = new SeriesIterator(snap, mint, maxt);
        var list = new List<(long, double)>();
        while (it.Next())
        {
            list.Add((it.T, it.V));
        }
        return list;
    }

    // Values that compress well (counters, constants) and ones that do not (random doubles), with jittered
    // timestamps, so that segments fill by chunk count in one series and by size in the other.
    private static List<(long T, double V)> Samples(int n, bool random, int seed = 7)
    {
        var rng = new Random(seed);
        var list = new List<(long, double)>(n);
        long t = 1_700_000_000_000;
        double v = 0;
        for (int i = 0; i < n; i++)
        {
            t += 15_000 + (rng.Next(0, 10) == 0 ? rng.Next(-5, 6) : 0);
            v = random ? rng.NextDouble() * 1e9 : i % 50 == 0 ? v + rng.Next(0, 10) : v;
            list.Add((t, v));
        }
        return list;
    }

    private static MemSeries Fill(List<(long T, double V)> samples)
    {
        var s = new MemSeries(1, Labels.FromStrings("__name__", "m"));
        foreach (var (t, v) in samples)
        {
            Assert.Equal(SampleResult.Appended, s.Append(t, v));
        }
        return s;
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void ManyCutsRoundTripExactly(bool random)
    {
        var samples = Samples(10_000, random);
        var s = Fill(samples);
        Assert.Equal((10_000 + 119) / 120, s.ChunkCount);
        var snap = Snap(s);
        Assert.True(snap.SegmentCount > 2, $"{snap.SegmentCount} segments");
        Assert.Equal(samples[0].T, snap.MinT);
        Assert.Equal(samples[^1].T, snap.MaxT);
        Assert.Equal(samples, ReadSnap(snap));
        long bytes;
        lock (s)
        {
            bytes = s.ChunkBytes();
        }
        long segBytes = 0;
        for (int i = 0; i < snap.SegmentCount; i++)
        {
            var seg = snap.Segment(i);
            Assert.True(PackedChunk.CountIn(seg) <= MemSeries.SegmentChunks);
            Assert.True(PackedChunk.CountIn(seg) == 1 || seg.Length <= MemSeries.SegmentBytes);
            segBytes += seg.Length;
        }
        Assert.Equal(bytes, segBytes + snap.HeadData.Length);

        // Ranges and seeks that start and end anywhere, across chunk and segment boundaries.
        var rng = new Random(3);
        var it = new SeriesIterator(snap, long.MinValue, long.MaxValue);
        for (int k = 0; k < 300; k++)
        {
            int a = rng.Next(0, samples.Count), b = rng.Next(a, samples.Count);
            long mint = samples[a].T - rng.Next(0, 2), maxt = samples[b].T + rng.Next(0, 2);
            Assert.Equal(samples.Where(x => x.T >= mint && x.T <= maxt), ReadSnap(snap, mint, maxt));

            it.Reset(snap, long.MinValue, long.MaxValue);
            long target = samples[a].T + rng.Next(-1, 2);
            int want = samples.FindIndex(x => x.T >= target);
            Assert.True(it.Seek(target));
            Assert.Equal(samples[want], (it.T, it.V));
            // A second seek further on, and one backwards (a no-op).
            long target2 = samples[b].T;
            Assert.True(it.Seek(target2));
            Assert.Equal(samples[b], (it.T, it.V));
            Assert.True(it.Seek(target));
            Assert.Equal(samples[b], (it.T, it.V));
            if (b + 1 < samples.Count)
            {
                Assert.True(it.Next());
                Assert.Equal(samples[b + 1], (it.T, it.V));
            }
        }
        it.Reset(snap, long.MinValue, long.MaxValue);
        Assert.False(it.Seek(samples[^1].T + 1));
        Assert.False(it.Next());
    }

    [Fact]
    public void SnapshotsTakenBeforeLaterCutsReadExactlyTheirSamples()
    {
        var samples = Samples(10_000, random: false);
        var s = new MemSeries(1, Labels.FromStrings("__name__", "m"));
        // Just before and after cuts, at and around segment boundaries (8 chunks of 120 = 960 samples).
        int[] at = [1, 119, 120, 121, 240, 959, 960, 961, 1920, 1921, 5000, 9999];
        var snaps = new List<(int N, SeriesSnapshot Snap)>();
        for (int i = 0; i < samples.Count; i++)
        {
            s.Append(samples[i].T, samples[i].V);
            if (at.Contains(i + 1))
            {
                snaps.Add((i + 1, Snap(s)));
            }
        }
        lock (s)
        {
            s.TruncateChunksBefore(samples[3000].T);
        }
        foreach (var (n, snap) in snaps)
        {
            Assert.Equal(samples.Take(n), ReadSnap(snap));
        }
    }

    [Fact]
    public void TruncationAcrossSegmentBoundaries()
    {
        var samples = Samples(10_000, random: false);
        var s = Fill(samples);
        const int PerSegment = 120 * MemSeries.SegmentChunks;
        int segments = Snap(s).SegmentCount;
        Assert.Equal((10_000 / 120 + PerSegment / 120 - 1) / (PerSegment / 120), segments);

        // Nothing before the first chunk's end.
        lock (s)
        {
            Assert.Equal(0, s.TruncateChunksBefore(samples[119].T));
        }
        // Into the middle of the second segment: the first segment and three chunks of the second go.
        var old = Snap(s);
        int cut = PerSegment + 3 * 120;
        lock (s)
        {
            Assert.Equal(cut / 120, s.TruncateChunksBefore(samples[cut].T));
        }
        var snap = Snap(s);
        Assert.Equal(segments - 1, snap.SegmentCount);
        Assert.Equal(samples.Skip(cut), ReadSnap(snap));
        Assert.Equal(samples, ReadSnap(old));
        Assert.Equal(samples[cut].T, snap.MinT);

        // Exactly to a segment boundary: the re-packed segment goes whole.
        cut = 3 * PerSegment;
        lock (s)
        {
            Assert.Equal(cut / 120 - (PerSegment + 3 * 120) / 120, s.TruncateChunksBefore(samples[cut].T - 1));
        }
        snap = Snap(s);
        Assert.Equal(segments - 3, snap.SegmentCount);
        Assert.Equal(samples.Skip(cut), ReadSnap(snap));

        // Into the open (last) segment: all closed segments go.
        int lastSeg = (9_999 / 120) / MemSeries.SegmentChunks * PerSegment;
        cut = lastSeg + 120;
        lock (s)
        {
            s.TruncateChunksBefore(samples[cut].T);
        }
        snap = Snap(s);
        Assert.Equal(1, snap.SegmentCount);
        Assert.Null(snap.Closed);
        Assert.Equal(samples.Skip(cut), ReadSnap(snap));
        Assert.Equal((10_000 - cut + 119) / 120, s.ChunkCount);

        // Everything finished: only the head chunk is left, and appends go on (and cut) as before.
        lock (s)
        {
            s.TruncateChunksBefore(long.MaxValue);
        }
        int headStart = 10_000 / 120 * 120;
        Assert.Equal(samples.Skip(headStart), Read(s));
        Assert.Equal(1, s.ChunkCount);
        var more = new List<(long, double)>();
        for (int i = 1; i <= 1000; i++)
        {
            long t = samples[^1].T + i * 15_000L;
            Assert.Equal(SampleResult.Appended, s.Append(t, i));
            more.Add((t, i));
        }
        Assert.Equal(samples.Skip(headStart).Concat(more), Read(s));
        lock (s)
        {
            Assert.Equal(0, s.TruncateChunksBefore(long.MinValue));
        }
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void AppendingToALongSeriesAllocatesPerSampleNotPerSeriesLength(bool random)
    {
        var samples = Samples(50_000 + 24_000, random);
        var s = new MemSeries(1, Labels.FromStrings("__name__", "m"));
        for (int i = 0; i < 50_000; i++)
        {
            s.Append(samples[i].T, samples[i].V);
        }
        long before = GC.GetAllocatedBytesForCurrentThread();
        for (int i = 50_000; i < samples.Count; i++)
        {
            s.Append(samples[i].T, samples[i].V);
        }
        long perSample = (GC.GetAllocatedBytesForCurrentThread() - before) / 24_000;
        long bytes;
        lock (s)
        {
            bytes = s.ChunkBytes();
        }
        output.WriteLine($"{perSample} bytes allocated per sample, {bytes / (double)samples.Count:F2} bytes/sample held");
        // The chunk data itself takes ~1.3 (compressible) to ~8 (random) bytes a sample.
        Assert.True(perSample < (random ? 32 : 16), $"{perSample} bytes allocated per sample, {bytes / (double)samples.Count:F2} bytes/sample held");
    }
}
