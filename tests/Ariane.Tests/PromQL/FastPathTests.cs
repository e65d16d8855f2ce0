using Ariane.Model;
using Ariane.PromQL.Engine;
using Ariane.Tsdb;

namespace Ariane.Tests.PromQL;

/// <summary>
/// The dedicated path of the common range functions (streamed and parallel series, prefix sums and reset counts)
/// against the general window-by-window path, on a head with enough series to be split across threads: the same
/// series, timestamps and bit-for-bit values, the same warnings and the same sample counts. Some counters carry start
/// timestamps (restarts, delta-like stretches, overlaps), which only rate, increase, irate and resets read.
/// </summary>
public sealed class FastPathTests(FastPathTests.Data data) : IClassFixture<FastPathTests.Data>
{
    private const long Start = 1_700_000_000_000;
    private readonly Head _head = data.Head;

    /// <summary>The head, loaded once for every case.</summary>
    public sealed class Data : IDisposable
    {
        private readonly string _dir = Path.Combine(Path.GetTempPath(), "ariane-fastpath-" + Guid.NewGuid().ToString("N"));
        private readonly Head _head;

        public Head Head => _head;

        public Data()
        {
            _head = Head.Open(new TsdbOptions { Path = _dir }, TimeProvider.System);
            var rng = new Random(7);
            const int seriesCount = 300;
            var labels = new Labels[seriesCount];
            var values = new double[seriesCount];
            for (int s = 0; s < seriesCount; s++)
            {
                string kind = (s % 5) switch { 0 => "int_counter", 1 => "float_counter", 2 => "gauge", 3 => "int_gauge", _ => "odd" };
                labels[s] = Labels.FromStrings("__name__", "m_total", "kind", kind, "job", "j" + (s % 7), "id", s.ToString(System.Globalization.CultureInfo.InvariantCulture));
            }
            var refs = new ulong[seriesCount];
            var starts = new long[seriesCount];
            // 3 h every 15 s, 7.5 s off the minute grid; some series pause, restart, go stale or carry NaN and infinities.
            for (int k = 0; k < 720; k++)
            {
                var app = _head.Appender();
                long t = Start + 7_500 + k * 15_000L;
                for (int s = 0; s < seriesCount; s++)
                {
                    if (s % 11 == 0 && k is > 200 and < 260)
                    {
                        continue; // a gap longer than the windows
                    }
                    double v;
                    switch (s % 5)
                    {
                        case 0:
                            v = values[s] = k % 173 == s % 173 ? 0 : values[s] + rng.Next(0, 20);
                            break;
                        case 1:
                            v = values[s] = rng.NextDouble() < 0.01 ? rng.NextDouble() : values[s] + rng.NextDouble() * 3.7;
                            break;
                        case 2:
                            v = rng.NextDouble() * 1e3 - 500;
                            break;
                        case 3:
                            v = rng.Next(-50, 50);
                            break;
                        default:
                            v = (k % 97) switch
                            {
                                3 => double.NaN,
                                5 => double.PositiveInfinity,
                                7 => SampleValue.StaleNaN,
                                11 => -0.0,
                                _ => rng.Next(0, 3) * 1e300,
                            };
                            break;
                    }
                    // Start timestamps on some counters: the time of the last restart (cumulative), the previous
                    // sample's time for some stretches (delta-like resets), or a minute back (overlapping: warns).
                    long st = 0;
                    if (s % 10 == 0)
                    {
                        st = starts[s] = starts[s] == 0 || v == 0 ? t - 1 : starts[s];
                        if (k % 120 is > 60 and < 70)
                        {
                            st = t - 15_000;
                        }
                    }
                    else if (s % 30 == 1)
                    {
                        st = t - 60_000;
                    }
                    app.Append(ref refs[s], labels[s], t, v, st);
                }
                app.Commit();
            }
        }

        public void Dispose()
        {
            _head.Dispose();
            Directory.Delete(_dir, true);
        }
    }

    public static TheoryData<string> Queries()
    {
        var data = new TheoryData<string>();
        foreach (var f in new[] { "rate", "increase", "delta", "sum_over_time", "avg_over_time", "count_over_time", "max_over_time", "min_over_time", "last_over_time", "first_over_time" })
        {
            data.Add($"{f}(m_total[5m])");
            data.Add($"{f}(m_total[1h])");
            data.Add($"{f}(m_total[2m] offset 7m)");
            data.Add($"sum by (job) ({f}(m_total[10m]))");
        }
        data.Add("avg by (job) (rate(m_total[5m]))");
        data.Add("max without (id) (increase(m_total[1h]))");
        data.Add("min by (kind) (avg_over_time(m_total[5m]))");
        data.Add("stddev(delta(m_total[5m]))");
        data.Add("stdvar by (job) (sum_over_time(m_total[5m]))");
        data.Add("count by (kind) (max_over_time(m_total[5m]))");
        data.Add("group by (kind) (last_over_time(m_total[5m]))");
        data.Add("sum(first_over_time(m_total[5m]))");
        data.Add("max_over_time(rate(m_total[5m])[30m:1m])");
        data.Add("min_over_time(m_total[30m:45s])");
        data.Add("max_over_time(m_total[1h] @ 1700005000)");
        data.Add("min_over_time(m_total[20m] offset 3m)");
        data.Add("max_over_time((m_total / (m_total - m_total))[15m:30s])");
        data.Add("rate(m_total[5m] @ 1700005000)");
        data.Add("irate(m_total[5m])");
        data.Add("resets(m_total[20m])");
        return data;
    }

    [Fact]
    public void TheHeadsStartTimestampsReachTheCounterFunctions()
    {
        long start = Start + 40 * 60_000, end = Start + 3 * 3600_000;
        var r = new QueryEngine().Range(_head, "rate(m_total[5m])", start, end, 60_000, TestContext.Current.CancellationToken);
        Assert.Contains(r.Warnings, w => w.Message.StartsWith("sample has start time that overlaps", StringComparison.Ordinal));
        // A delta-like stretch of a growing counter (samples 61 to 69 start at the sample before): in the window of
        // samples 58 to 65, the five from 61 on are resets.
        var resets = new QueryEngine().Instant(_head, "resets(m_total{id=\"0\"}[2m])", Start + 7_500 + 65 * 15_000L, TestContext.Current.CancellationToken);
        Assert.Equal(5, Assert.Single(resets.Vector).F);
    }

    [Theory]
    [MemberData(nameof(Queries))]
    public void DedicatedPathAnswersAsTheGeneralOne(string query)
    {
        var fast = new QueryEngine(new EngineOptions());
        var general = new QueryEngine(new EngineOptions { FastPaths = false });
        long start = Start + 40 * 60_000, end = Start + 3 * 3600_000;
        foreach (bool perStep in new[] { false, true })
        {
            var a = fast.Range(_head, query, start, end, 60_000, perStep, TestContext.Current.CancellationToken);
            var b = general.Range(_head, query, start, end, 60_000, perStep, TestContext.Current.CancellationToken);
            Assert.Null(a.Error);
            Assert.Null(b.Error);
            Assert.Equal(b.Matrix.Count, a.Matrix.Count);
            for (int i = 0; i < a.Matrix.Count; i++)
            {
                Assert.Equal(b.Matrix[i].Metric, a.Matrix[i].Metric);
                Assert.Equal(b.Matrix[i].Points.Length, a.Matrix[i].Points.Length);
                for (int j = 0; j < a.Matrix[i].Points.Length; j++)
                {
                    var p = a.Matrix[i].Points[j];
                    var q = b.Matrix[i].Points[j];
                    Assert.Equal(q.T, p.T);
                    Assert.True(BitConverter.DoubleToInt64Bits(p.F) == BitConverter.DoubleToInt64Bits(q.F) || (double.IsNaN(p.F) && double.IsNaN(q.F)),
                        $"{a.Matrix[i].Metric} @{p.T}: {p.F:R} (dedicated) vs {q.F:R} (general)");
                }
            }
            Assert.Equal(b.Warnings, a.Warnings);
            Assert.Equal(b.Stats!.TotalQueryableSamples, a.Stats!.TotalQueryableSamples);
            Assert.Equal(b.Stats.PeakSamples, a.Stats.PeakSamples);
            Assert.Equal(b.Stats.TotalQueryableSamplesPerStep, a.Stats.TotalQueryableSamplesPerStep);
        }
        Assert.True(fast.Range(_head, query, start, end, 60_000, TestContext.Current.CancellationToken).Matrix.Count > 0);
    }
}
