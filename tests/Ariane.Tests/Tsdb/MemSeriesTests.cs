using Ariane.Model;
using Ariane.Tsdb;

namespace Ariane.Tests.Tsdb;

public class MemSeriesTests
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
}
