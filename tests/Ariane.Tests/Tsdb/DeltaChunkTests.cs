using Ariane.Model;
using Ariane.Tsdb;
using Ariane.Tsdb.Chunks;
using FsCheck;
using FsCheck.Xunit;

namespace Ariane.Tests.Tsdb;

public class DeltaChunkTests
{
    private const long T0 = 1_700_000_000_000;

    // Encodes through the block writer's chooser, decodes through the one decoder, checks every bit; also in the
    // layout of format 1 (first timestamp in the chunk), which blocks written then still hold (its choice may differ:
    // being larger, it loses to XOR more often). Returns the current writer's choice.
    private static ChunkEncoding RoundTrip(long[] ts, double[] vs, bool allowDelta = true)
    {
        ChunkEncoding chosen = 0;
        foreach (bool timesInIndex in new[] { true, false })
        {
            var enc = new ChunkEncoder(Math.Max(1, ts.Length)) { AllowDelta = allowDelta, TimesInIndex = timesInIndex };
            var e = enc.Encode(ts, vs, out var data);
            var gotT = new long[ts.Length];
            var gotV = new double[ts.Length];
            // Decode from an exact-size copy, so that reading past the end would fail.
            ChunkDecoder.Decode(e, data.ToArray(), ts.Length, ts[0], ts[^1], gotT, gotV);
            for (int i = 0; i < ts.Length; i++)
            {
                Assert.Equal(ts[i], gotT[i]);
                Assert.Equal(BitConverter.DoubleToUInt64Bits(vs[i]), BitConverter.DoubleToUInt64Bits(gotV[i]));
            }
            if (timesInIndex)
            {
                chosen = e;
            }
        }
        return chosen;
    }

    private static long[] Regular(int n, long step = 15_000) => Enumerable.Range(0, n).Select(i => T0 + i * step).ToArray();

    public static TheoryData<string, double[], bool> Cases()
    {
        var rnd = new Random(3);
        double c = 1e6, cpu = 1234.56, sum = 0, g = 50;
        var counter = new double[120];
        var cpuSeconds = new double[120];
        var sums = new double[120];
        var gauge = new double[120];
        for (int i = 0; i < 120; i++)
        {
            c += rnd.Next(100, 600);
            counter[i] = c;
            cpuSeconds[i] = cpu += Math.Round(rnd.NextDouble() * 9, 2);       // summed as doubles: not exact decimals
            sums[i] = sum = Math.Round(sum + rnd.NextDouble() * 3, 6);
            gauge[i] = g = Math.Round(g + rnd.NextDouble() - 0.5, 2);
        }
        return new()
        {
            { "integer counter", counter, true },
            { "cpu seconds summed in floating point", cpuSeconds, true },
            { "sum rounded to 6 places", sums, true },
            { "gauge with 2 places", gauge, true },
            { "constant", Enumerable.Repeat(42.0, 120).ToArray(), true },
            { "constant fraction", Enumerable.Repeat(0.1 + 0.2, 120).ToArray(), true },
            { "zeros", new double[120], true },
            { "negative integers", Enumerable.Range(0, 120).Select(i => -1e15 + i * 3.0).ToArray(), true },
            { "single", [2.5], true },
            { "stale marker", [1, 2, SampleValue.StaleNaN, 3], false },
            { "NaN", [1, double.NaN, 3], false },
            { "infinities", [1, double.PositiveInfinity, double.NegativeInfinity], false },
            { "negative zero", [0, -0.0, 0], false },
            { "only negative zero", [-0.0, -0.0], false },
            { "random fractions", Enumerable.Range(0, 120).Select(_ => rnd.NextDouble()).ToArray(), false },
            { "beyond 2^53", [9007199254740994.0, 9007199254740996.0, 1e300], false },
            { "extremes", [double.MaxValue, double.Epsilon, double.MinValue], false },
        };
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public void RoundTripsBitExactlyInTheExpectedEncoding(string name, double[] vs, bool delta)
    {
        Assert.NotNull(name);
        Assert.Equal(delta ? ChunkEncoding.DeltaIndexTimes : ChunkEncoding.Xor, RoundTrip(Regular(vs.Length), vs));
        RoundTrip(Regular(vs.Length), vs, allowDelta: false);
    }

    [Fact]
    public void NonFiniteValuesAreNeverDeltaEncoded()
    {
        var m = new long[4];
        var dst = new byte[DeltaChunk.MaxSize(4)];
        foreach (double bad in new[] { double.NaN, SampleValue.StaleNaN, double.PositiveInfinity, double.NegativeInfinity })
        {
            Assert.Equal(-1, DeltaChunk.TryEncode(Regular(4), [1, 2, bad, 4], m, dst));
            Assert.Equal(-1, DeltaChunk.TryEncode(Regular(1), [bad], m, dst));
        }
    }

    [Fact]
    public void RegularIntegerCounterTakesAboutOneByteASample()
    {
        var vs = new double[120];
        var rnd = new Random(1);
        double v = 5_000_000;
        for (int i = 0; i < vs.Length; i++)
        {
            vs[i] = v += rnd.Next(0, 200); // 8 bits of increment
        }
        var m = new long[120];
        var dst = new byte[DeltaChunk.MaxSize(120)];
        int len = DeltaChunk.TryEncode(Regular(120), vs, m, dst);
        // 119 × 8 bits of values, no bits for the regular timestamps, about 20 bytes of header.
        Assert.InRange(len, 119, 119 + 24);
        var app = new XorAppender(0);
        for (int i = 0; i < vs.Length; i++)
        {
            app.Append(T0 + i * 15_000L, vs[i]);
        }
        Assert.True(len < app.ByteLength * 2 / 3, $"delta {len} bytes, XOR {app.ByteLength}");
    }

    [Fact]
    public void JitteredTimestampsTakeAFewBitsEach()
    {
        var ts = Regular(120);
        for (int i = 0; i < ts.Length; i++)
        {
            ts[i] += i * 7 % 5; // up to 4 ms early or late
        }
        Assert.Equal(ChunkEncoding.DeltaIndexTimes, RoundTrip(ts, Enumerable.Repeat(1.0, 120).ToArray()));
    }

    [Fact]
    public void TruncatedOrDamagedDataFailsWithInvalidData()
    {
        var vs = Enumerable.Range(0, 120).Select(i => i * 1000.0 + (i % 7)).ToArray();
        var ts = new long[120];
        var got = new double[120];
        foreach (bool timesInIndex in new[] { true, false })
        {
            var enc = new ChunkEncoder { TimesInIndex = timesInIndex };
            var e = enc.Encode(Regular(120), vs, out var data);
            Assert.Equal(timesInIndex ? ChunkEncoding.DeltaIndexTimes : ChunkEncoding.Delta, e);
            var bytes = data.ToArray();
            for (int cut = 0; cut < bytes.Length; cut++)
            {
                Assert.Throws<InvalidDataException>(() => ChunkDecoder.Decode(e, bytes.AsSpan(0, cut), 120, T0, T0 + 119 * 15_000, ts, got));
            }
            Assert.Throws<InvalidDataException>(() => ChunkDecoder.Decode((ChunkEncoding)77, bytes, 120, T0, T0 + 119 * 15_000, ts, got));
        }
    }

    [Property(MaxTest = 300)]
    public bool ArbitrarySamplesRoundTripInWhateverEncodingIsChosen(long start, NonNegativeInt[] gaps, int scale, double[] values)
    {
        int n = Math.Min(Math.Min(gaps.Length, values.Length), XorAppender.SamplesPerChunk);
        if (n == 0)
        {
            return true;
        }
        var (ts, vs) = Samples(start, gaps, scale, n, i => values[i]);
        RoundTrip(ts, vs);
        return true;
    }

    [Property(MaxTest = 300)]
    public bool DecimalsRoundTripAsDelta(long start, NonNegativeInt[] gaps, int scale, long[] mantissas, byte exponent)
    {
        int n = Math.Min(Math.Min(gaps.Length, mantissas.Length), XorAppender.SamplesPerChunk);
        if (n == 0)
        {
            return true;
        }
        double p = Math.Pow(10, exponent % 10);
        var (ts, vs) = Samples(start, gaps, scale, n, i => (mantissas[i] % (1L << 40)) / p);
        RoundTrip(ts, vs);
        return DeltaRoundTrip(ts, vs);
    }

    [Property(MaxTest = 300)]
    public bool FloatingPointSumsOfDecimalIncrementsRoundTrip(long start, NonNegativeInt[] gaps, int scale, int[] increments, double first, byte exponent)
    {
        int n = Math.Min(Math.Min(gaps.Length, increments.Length), XorAppender.SamplesPerChunk);
        if (n == 0 || !double.IsFinite(first))
        {
            return true;
        }
        double p = Math.Pow(10, exponent % 7);
        double v = first % 1e6; // so that an increment is never below the values' precision
        var (ts, vs) = Samples(start, gaps, scale, n, i => i == 0 ? v : v += increments[i] / p);
        RoundTrip(ts, vs);
        return DeltaRoundTrip(ts, vs);
    }

    // Encodes in the delta encoding itself (whether or not it is the smallest), in both layouts, and checks every bit.
    private static bool DeltaRoundTrip(long[] ts, double[] vs) => DeltaRoundTrip(ts, vs, true) && DeltaRoundTrip(ts, vs, false);

    private static bool DeltaRoundTrip(long[] ts, double[] vs, bool timesInIndex)
    {
        var dst = new byte[DeltaChunk.MaxSize(ts.Length)];
        int len = DeltaChunk.TryEncode(ts, vs, new long[ts.Length], dst, timesInIndex);
        if (len < 0)
        {
            return false;
        }
        var gotT = new long[ts.Length];
        var gotV = new double[ts.Length];
        DeltaChunk.Decode(dst.AsSpan(0, len), ts.Length, ts[0], ts[^1], timesInIndex, gotT, gotV);
        for (int i = 0; i < ts.Length; i++)
        {
            if (gotT[i] != ts[i] || BitConverter.DoubleToUInt64Bits(gotV[i]) != BitConverter.DoubleToUInt64Bits(vs[i]))
            {
                return false;
            }
        }
        return true;
    }

    private static (long[] Ts, double[] Vs) Samples(long start, NonNegativeInt[] gaps, int scale, int n, Func<int, double> value)
    {
        var ts = new long[n];
        var vs = new double[n];
        long t = start / 4;
        long mul = Math.Abs((long)scale % 100_000) + 1;
        for (int i = 0; i < n; i++)
        {
            t += (long)gaps[i].Get * mul + 1;
            ts[i] = t;
            vs[i] = value(i);
        }
        return (ts, vs);
    }
}
