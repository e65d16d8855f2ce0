using Ariane.Model;
using Ariane.Tsdb.Chunks;
using FsCheck;
using FsCheck.Xunit;

namespace Ariane.Tests.Tsdb;

public class XorChunkTests
{
    private static (long T, double V)[] RoundTrip((long T, double V)[] samples)
    {
        var app = new XorAppender(0);
        foreach (var (t, v) in samples)
        {
            app.Append(t, v);
        }
        Assert.Equal(samples.Length, app.Count);
        var it = new XorIterator(app.Trimmed(), app.Count);
        var got = new List<(long, double)>();
        while (it.Next())
        {
            got.Add((it.T, it.V));
        }
        // The whole-chunk decoder gives the same, from the exact bytes (its slow path at the end), with slack after
        // them, and at an offset within a larger buffer.
        var exact = app.Trimmed();
        var padded = new byte[exact.Length + 37];
        exact.CopyTo(padded, 29);
        foreach (var (data, offset, length) in new[] { (exact, 0, exact.Length), (app.Data, 0, app.Data.Length), (padded, 29, exact.Length + 8) })
        {
            var ts = new long[app.Count];
            var vs = new double[app.Count];
            XorDecoder.Decode(data.AsSpan(offset, length), app.Count, ts, vs);
            for (int i = 0; i < got.Count; i++)
            {
                Assert.Equal(got[i].Item1, ts[i]);
                Assert.Equal(BitConverter.DoubleToUInt64Bits(got[i].Item2), BitConverter.DoubleToUInt64Bits(vs[i]));
            }
        }
        return got.ToArray();
    }

    private static void AssertBitExact((long T, double V)[] want, (long T, double V)[] got)
    {
        Assert.Equal(want.Length, got.Length);
        for (int i = 0; i < want.Length; i++)
        {
            Assert.Equal(want[i].T, got[i].T);
            Assert.Equal(BitConverter.DoubleToUInt64Bits(want[i].V), BitConverter.DoubleToUInt64Bits(got[i].V));
        }
    }

    public static TheoryData<string, (long, double)[]> Cases() => new()
    {
        { "single", [(1_700_000_000_000, 1.5)] },
        { "two", [(0, 0), (15_000, 1)] },
        { "regular counter", Enumerable.Range(0, 120).Select(i => (1_700_000_000_000L + i * 15_000L, (double)i * 3)).ToArray() },
        { "specials", [(-5, double.NaN), (0, SampleValue.StaleNaN), (1, double.PositiveInfinity), (2, double.NegativeInfinity), (3, -0.0), (4, double.Epsilon), (5, double.MaxValue), (6, double.MinValue), (7, -123.456)] },
        { "irregular", [(100, 1), (101, 2), (200_000, 3), (200_001, 3), (9_000_000_000, 4), (9_000_000_001, -4), (9_000_000_002, 1e300), (long.MaxValue / 4, 0)] },
        { "negative times", [(-1_000_000, 1), (-999_000, 1), (-1, 2), (0, 2), (1, 3)] },
        { "dod buckets", [(0, 1), (1, 1), (2, 1), (8_195, 1), (16_390, 1), (90_000, 1), (200_000, 1), (800_000, 1), (1_500_000, 1), (1_500_001, 1)] },
    };

    [Theory]
    [MemberData(nameof(Cases))]
    public void RoundTripsBitExactly(string name, (long, double)[] samples)
    {
        Assert.NotNull(name);
        AssertBitExact(samples, RoundTrip(samples));
    }

    [Property(MaxTest = 300)]
    public bool RoundTripsArbitrarySamples(long start, NonNegativeInt[] gaps, int scale, double[] values)
    {
        int n = Math.Min(Math.Min(gaps.Length, values.Length), XorAppender.SamplesPerChunk);
        var samples = new (long, double)[n];
        long t = start / 4;
        long mul = Math.Abs((long)scale % 100_000) + 1;
        for (int i = 0; i < n; i++)
        {
            t += (long)gaps[i].Get * mul + 1;
            samples[i] = (t, values[i]);
        }
        var got = RoundTrip(samples);
        for (int i = 0; i < n; i++)
        {
            if (got[i].T != samples[i].Item1 || BitConverter.DoubleToUInt64Bits(got[i].V) != BitConverter.DoubleToUInt64Bits(samples[i].Item2))
            {
                return false;
            }
        }
        return got.Length == n;
    }

    [Fact]
    public void ReadersOfAPrefixSeeTheSameSamplesWhileTheWriterGoesOn()
    {
        var app = new XorAppender(0);
        for (int i = 0; i < 50; i++)
        {
            app.Append(i * 1000 + (i % 3), i * 0.25);
        }
        var data = app.Data;
        int count = app.Count;
        for (int i = 50; i < 120; i++)
        {
            app.Append(i * 1000 + (i % 7), -i * 1.5);
        }
        var it = new XorIterator(data, count);
        int k = 0;
        while (it.Next())
        {
            Assert.Equal(k * 1000 + (k % 3), it.T);
            Assert.Equal(k * 0.25, it.V);
            k++;
        }
        Assert.Equal(50, k);
    }

    [Fact]
    public void RegularScrapesCompressWell()
    {
        var app = new XorAppender(0);
        for (int i = 0; i < 120; i++)
        {
            app.Append(1_700_000_000_000L + i * 15_000L, 1000 + i * 7);
        }
        // A counter scraped every 15 s: about 2 bytes a sample or better.
        Assert.True(app.ByteLength < 260, $"{app.ByteLength} bytes");
    }
}
