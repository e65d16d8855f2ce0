using System.Diagnostics;
using System.Globalization;
using System.Text;
using System.Text.Json;
using Ariane.Tests.Support;

namespace Ariane.Tests.Hostile;

/// <summary>
/// Hostile input to storage through the real server: samples dated far ahead of the clock (+20 days, the year 2200,
/// int64's largest value) must be refused with 400 and must not cut the head, delete older data through retention,
/// or block later ingestion, before or after a restart. Writes what it tried to the hostile-storage report.
/// </summary>
[Trait("Suite", "Hostile")]
public class StorageHostileTests
{
    private static readonly long Year2200 = new DateTimeOffset(2200, 1, 1, 0, 0, 0, TimeSpan.Zero).ToUnixTimeMilliseconds();

    private static async Task<double> CountAsync(ServerProcess s, string metric, long nowMs)
    {
        string url = $"/api/v1/query?query=count_over_time({metric}[1d])&time={(nowMs / 1000.0).ToString(CultureInfo.InvariantCulture)}";
        using var doc = JsonDocument.Parse(await s.Client.GetStringAsync(url));
        var result = doc.RootElement.GetProperty("data").GetProperty("result");
        return result.GetArrayLength() == 0 ? 0 : double.Parse(result[0].GetProperty("value")[1].GetString()!, CultureInfo.InvariantCulture);
    }

    [Fact]
    public async Task Samples_far_in_the_future_get_400_and_leave_earlier_data_and_ingestion_alone_across_a_restart()
    {
        using var dir = new TempDir();
        var report = new StringBuilder("remote write of samples far ahead of the clock (--storage.tsdb.retention.time=15d, default --storage.tsdb.max-future-time=10m):\n");
        string[] current = ["__name__", "rw_current", "job", "hostile"];
        string[] future = ["__name__", "rw_future", "job", "hostile"];
        long now = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds();
        // Three hours of data a minute apart, so that the head has something to cut and retention something to delete.
        var history = new (long T, double V)[180];
        for (int i = 0; i < history.Length; i++)
        {
            history[i] = (now - (180 - i) * 60_000L, i);
        }
        var args = new[] { "--web.enable-remote-write-receiver", "--storage.tsdb.retention.time=15d", "--storage.tsdb.min-block-duration=1h" };
        await using (var s = await ServerProcess.StartAsync(dir.Path, args))
        {
            Assert.Equal(204, await RemoteWriteClient.SendAsync(s.Client, (current, history)));
            foreach (var (name, t) in new[] { ("+20 days", now + 20 * 86_400_000L), ("year 2200", Year2200), ("int64 max", long.MaxValue) })
            {
                var sw = Stopwatch.StartNew();
                var (code, body) = await RemoteWriteClient.SendWithBodyAsync(s.Client, (future, [(t, 1)]));
                report.AppendLine(CultureInfo.InvariantCulture, $"  one sample at {name} ({t}): HTTP {code} in {sw.ElapsedMilliseconds} ms: {body.Trim()}");
                Assert.Equal(400, code);
                Assert.Contains("too far in the future", body);
            }
            // A request mixing a valid sample with a future one: 400, and the valid one is kept (as for every refusal).
            var (mixedCode, mixedBody) = await RemoteWriteClient.SendWithBodyAsync(s.Client, (current, [(now, 180)]), (future, [(now + 3_600_000, 1)]));
            report.AppendLine(CultureInfo.InvariantCulture, $"  a valid sample and one at +1h in one request: HTTP {mixedCode}: {mixedBody.Trim()}");
            Assert.Equal(400, mixedCode);
            Assert.Contains("1 of 2 samples rejected", mixedBody);

            // A compaction pass runs within a minute of start and after commits; give it time to do harm if it would.
            string metrics = "";
            await s.EventuallyAsync(async () =>
            {
                metrics = await s.Client.GetStringAsync("/metrics");
                return metrics.Contains("ariane_tsdb_head_truncations_total ", StringComparison.Ordinal) && !metrics.Contains("ariane_tsdb_head_truncations_total 0\n", StringComparison.Ordinal);
            }, TimeSpan.FromSeconds(150), "the head is cut into a block");
            Assert.Contains("ariane_tsdb_too_far_in_future_samples_total 4\n", metrics);
            Assert.Contains("ariane_tsdb_time_retentions_total 0\n", metrics);
            Assert.Equal(181, await CountAsync(s, "rw_current", now + 1000));
            Assert.Equal(0, await CountAsync(s, "rw_future", now + 1000));
            Assert.Equal(204, await RemoteWriteClient.SendAsync(s.Client, (current, [(now + 1000, 181)])));
            s.Signal(15);
            Assert.Equal(0, await s.WaitExitAsync(TimeSpan.FromSeconds(60)));
        }
        await using (var s = await ServerProcess.StartAsync(dir.Path, args))
        {
            Assert.Equal(182, await CountAsync(s, "rw_current", now + 2000));
            Assert.Equal(204, await RemoteWriteClient.SendAsync(s.Client, (current, [(now + 2000, 182)])));
            var (code, _) = await RemoteWriteClient.SendWithBodyAsync(s.Client, (future, [(Year2200, 1)]));
            Assert.Equal(400, code);
            Assert.Equal(183, await CountAsync(s, "rw_current", now + 2000));
            report.AppendLine("  after a restart: all 183 earlier samples queryable, new samples accepted (204), the year 2200 still 400");
        }
        SuiteReport.Write("hostile-storage", report.ToString());
    }
}
