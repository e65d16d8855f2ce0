using Ariane.Model;
using Ariane.Storage;

namespace Ariane.Tests.Tsdb;

public class HotPathAllocationTests(ITestOutputHelper output)
{
    [Fact]
    public void AppendAndIterationDoNotAllocate()
    {
        using var h = new TempHead();
        const int N = 200;
        var labels = Enumerable.Range(0, N).Select(i => Labels.FromStrings("__name__", "m", "i", i.ToString())).ToArray();
        var refs = new ulong[N];
        long t = 0;
        void Round(IAppender app)
        {
            t += 15_000;
            for (int i = 0; i < N; i++)
            {
                app.Append(ref refs[i], labels[i], t, i + t * 0.001);
            }
        }
        for (int r = 0; r < 3; r++)
        {
            var warm = h.Head.Appender();
            Round(warm);
            warm.Commit();
        }

        var app = h.Head.Appender();
        long before = GC.GetAllocatedBytesForCurrentThread();
        Round(app);
        long appendBytes = GC.GetAllocatedBytesForCurrentThread() - before;
        before = GC.GetAllocatedBytesForCurrentThread();
        app.Commit();
        long commitBytes = GC.GetAllocatedBytesForCurrentThread() - before;

        using var q = h.Head.Querier(long.MinValue, long.MaxValue);
        var set = q.Select(false, LabelMatcher.Eq("i", "7"));
        Assert.True(set.MoveNext());
        var it = set.Current.Iterator();
        before = GC.GetAllocatedBytesForCurrentThread();
        int n = 0;
        while (it.Next())
        {
            n++;
        }
        it = set.Current.Iterator(it);
        it.Seek(30_000);
        long iterBytes = GC.GetAllocatedBytesForCurrentThread() - before;

        output.WriteLine($"append {appendBytes} B, commit {commitBytes} B for {N} samples, iteration {iterBytes} B");
        Assert.Equal(4, n);
        Assert.Equal(0, appendBytes);
        Assert.Equal(0, iterBytes);
        Assert.True(commitBytes < 64 * N, $"commit allocated {commitBytes} bytes");
    }

    [Fact]
    public void TheWalksOverAllSeriesDoNotAllocate()
    {
        using var h = new TempHead();
        const int N = 300;
        var app = h.Head.Appender();
        for (int i = 0; i < N; i++)
        {
            ulong r = 0;
            app.Append(ref r, Labels.FromStrings("__name__", "m", "i", i.ToString()), 15_000, i);
        }
        app.Commit();

        // Twice: the first call makes the cached delegates of the static lambdas.
        var first = Walk(h.Head);
        long before = GC.GetAllocatedBytesForCurrentThread();
        var (seen, refSum, chunks) = Walk(h.Head);
        long bytes = GC.GetAllocatedBytesForCurrentThread() - before;
        Assert.Equal(first, (seen, refSum, chunks));
        Assert.Equal(N, seen);
        Assert.Equal((long)N * (N + 1) / 2, refSum); // every reference 1..N once
        Assert.Equal(N, chunks);
        Assert.Equal(0, bytes);

        static (long Seen, long RefSum, long Chunks) Walk(Ariane.Tsdb.Head head)
        {
            long seen = 0, refSum = 0;
            head.Series.ForEachLocked(ref seen, static (Ariane.Tsdb.MemSeries _, ref long n) => n++);
            foreach (var s in head.Series.All())
            {
                refSum += (long)s.Ref;
            }
            return (seen, refSum, head.NumChunks());
        }
    }
}
