using Ariane.Model;
using Ariane.Storage;
using Ariane.Tsdb;

namespace Ariane.Tests.Tsdb;

/// <summary>
/// The bulk read with start timestamps through the storage's iterators: chunks, which keep none yet, report 0 for
/// every sample; a chain of sources passes on what each source reports.
/// </summary>
public sealed class StartTimestampReadTests
{
    [Fact]
    public void ChunkIteratorsReportNoStartTimes()
    {
        string dir = Path.Combine(Path.GetTempPath(), "ariane-stread-" + Guid.NewGuid().ToString("N"));
        try
        {
            using var head = Head.Open(new TsdbOptions { Path = dir }, TimeProvider.System);
            var app = head.Appender();
            ulong r = 0;
            var labels = Labels.FromStrings("__name__", "c_total");
            for (int i = 0; i < 500; i++)
            {
                app.Append(ref r, labels, i * 1000L, i, i * 1000L - 1);
            }
            app.Commit();
            using var q = head.Querier(0, 1_000_000);
            var set = q.Select(false, LabelMatcher.Eq(Labels.MetricName, "c_total"));
            Assert.True(set.MoveNext());
            var it = set.Current.Iterator();
            Assert.True(it.Seek(100_000));
            Assert.Equal(0, it.ST);
            var ts = new long[1024];
            var vs = new double[1024];
            var sts = new long[1024];
            Array.Fill(sts, 42);
            int n = it.Read(long.MaxValue, ts, vs, sts);
            Assert.Equal(399, n);
            Assert.Equal(101_000, ts[0]);
            Assert.All(sts[..n], st => Assert.Equal(0, st));
        }
        finally
        {
            Directory.Delete(dir, true);
        }
    }

    [Fact]
    public void ChainIteratorPassesStartTimesOn()
    {
        var chain = new ChainIterator(2);
        var parts = chain.Begin(2);
        parts[0] = new StIterator([(10, 1, 5), (20, 2, 0), (30, 3, 25)]);
        parts[1] = new StIterator([(40, 4, 35), (50, 5, 45)]);
        Assert.True(chain.Seek(20));
        Assert.Equal(0, chain.ST);
        var ts = new long[8];
        var vs = new double[8];
        var sts = new long[8];
        int n = chain.Read(long.MaxValue, ts, vs, sts);
        Assert.Equal([30, 40, 50], ts[..n]);
        Assert.Equal([25, 35, 45], sts[..n]);
        Assert.Equal(45, chain.ST);
    }

    private sealed class StIterator((long T, double V, long St)[] samples) : ISampleIterator
    {
        private int _i = -1;

        public long T => samples[_i].T;

        public double V => samples[_i].V;

        public long ST => samples[_i].St;

        // At the end it stays on the last sample, as the storage's iterators do (the chain reads T after a read).
        public bool Next()
        {
            if (_i + 1 >= samples.Length)
            {
                return false;
            }
            _i++;
            return true;
        }

        public bool Seek(long t)
        {
            _i = Math.Max(_i, 0);
            while (_i < samples.Length && samples[_i].T < t)
            {
                _i++;
            }
            return _i < samples.Length;
        }
    }
}
