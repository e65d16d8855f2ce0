using System.Diagnostics;
using Ariane.Model;
using Ariane.Storage;
using Ariane.Tsdb;
using Microsoft.Extensions.Time.Testing;

namespace Ariane.Tests.Tsdb;

/// <summary>
/// Measures head memory per series for 2 h of 15 s scrapes (480 samples). Small by default; set
/// ARIANE_MEASURE_SERIES=100000 for the full measurement (writes about 0.5 GB of WAL to the temp folder).
/// ARIANE_MEASURE_DATA=random switches to the pessimistic value mix (every value changes every scrape);
/// ARIANE_MEASURE_SAMPLES sets the samples per series (480 by default; the budget is checked only for 480).
/// Runs alone (no parallel tests) so that GC.GetTotalMemory sees only the head.
/// </summary>
[Collection(nameof(HeadMemoryTests))]
[CollectionDefinition(nameof(HeadMemoryTests), DisableParallelization = true)]
public class HeadMemoryTests(ITestOutputHelper output)
{
    [Fact]
    public void BytesPerSeriesStayWellUnderBudget()
    {
        int series = int.TryParse(Environment.GetEnvironmentVariable("ARIANE_MEASURE_SERIES"), out int n) ? n : 5000;
        int samples = int.TryParse(Environment.GetEnvironmentVariable("ARIANE_MEASURE_SAMPLES"), out int m) ? m : 480;
        const int Batch = 1000;
        string dir = Path.Combine(Path.GetTempPath(), "ariane-mem-" + Guid.NewGuid().ToString("N"));
        try
        {
            long before = GC.GetTotalMemory(true);
            // The clock after the last sample, so that none is refused as too far in the future.
            var clock = new FakeTimeProvider(DateTimeOffset.FromUnixTimeMilliseconds(1_700_000_000_000L + samples * 15_000L));
            var head = Head.Open(new TsdbOptions { Path = dir }, clock);
            bool random = Environment.GetEnvironmentVariable("ARIANE_MEASURE_DATA") == "random";
            var (elapsed, appended) = Load(head, series, samples, Batch, random);
            long after = GC.GetTotalMemory(true);
            GC.KeepAlive(head);
            double perSeries = (after - before) / (double)series;
            double rate = appended / elapsed.TotalSeconds;
            long walBytes = head.WalBytesWritten;
            long chunkBytes = 0;
            for (ulong r = 1; r <= (ulong)series; r++)
            {
                var ms = head.Series.GetByRef(r)!;
                lock (ms)
                {
                    chunkBytes += ms.ChunkBytes();
                }
            }
            output.WriteLine($"chunk data {chunkBytes / (double)series:F0} bytes/series, {chunkBytes / (double)appended:F2} bytes/sample");
            head.Dispose();
            var sw = Stopwatch.StartNew();
            using (var reopened = Head.Open(new TsdbOptions { Path = dir }, clock))
            {
                Assert.Equal(appended, reopened.Stats().NumSamples);
            }
            output.WriteLine($"replay: {appended / sw.Elapsed.TotalSeconds / 1e6:F2} M samples/s");
            output.WriteLine($"{series} series x {samples} samples: {perSeries:F0} bytes/series, {rate / 1e6:F2} M samples/s append+commit (WAL {walBytes / (double)appended:F1} bytes/sample)");
            Assert.Equal((long)series * samples, appended);
            if (samples == 480)
            {
                Assert.True(perSeries < 1200, $"{perSeries:F0} bytes/series");
            }
        }
        finally
        {
            Directory.Delete(dir, true);
        }
    }

    // Series with six labels, scraped every 15 s with a few milliseconds of jitter on one sample in ten. The
    // default value mix is meant to look like node-exporter-style data: 40% near-constant (info, limits,
    // histogram buckets that rarely move), 30% counters growing by small integers, 30% gauges moving in page-sized
    // steps. The random mix changes every value by a large random amount at every scrape (the worst case).
    private static (TimeSpan Elapsed, long Appended) Load(Head head, int series, int samples, int batch, bool random)
    {
        var labels = new Labels[series];
        for (int i = 0; i < series; i++)
        {
            int instance = i / 200;
            labels[i] = Labels.FromStrings(
                "__name__", "metric_" + (i % 200),
                "instance", "host-" + instance + ":9100",
                "job", "job_" + (instance % 10),
                "env", "prod",
                "region", "eu-" + (instance % 3),
                "le", (i % 7).ToString());
        }
        var refs = new ulong[series];
        var values = new double[series];
        var rng = new Random(42);
        var sw = Stopwatch.StartNew();
        long appended = 0;
        for (int s = 0; s < samples; s++)
        {
            long t0 = 1_700_000_000_000L + s * 15_000L;
            for (int b = 0; b < series; b += batch)
            {
                var app = head.Appender();
                int end = Math.Min(series, b + batch);
                for (int i = b; i < end; i++)
                {
                    values[i] = random
                        ? (i % 3) switch
                        {
                            0 => values[i] + rng.Next(0, 1000),
                            1 => Math.Round(1e6 + rng.Next(-5000, 5000) * 100.0),
                            _ => rng.Next(0, 50) == 0 ? 0 : 1,
                        }
                        : (i % 10) switch
                        {
                            < 4 => rng.Next(0, 100) == 0 ? values[i] + 1 : values[i],
                            < 7 => values[i] + rng.Next(0, 10),
                            _ => rng.Next(0, 4) == 0 ? 4096.0 * (250_000 + rng.Next(-50, 50)) : values[i],
                        };
                    long t = t0 + (rng.Next(0, 10) == 0 ? rng.Next(-5, 5) : 0);
                    if (app.Append(ref refs[i], labels[i], t, values[i]) == AppendStatus.Ok)
                    {
                        appended++;
                    }
                }
                app.Commit();
            }
        }
        return (sw.Elapsed, appended);
    }
}
