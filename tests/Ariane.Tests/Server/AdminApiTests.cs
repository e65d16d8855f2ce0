using System.Net;
using System.Text.Json;
using System.Text.RegularExpressions;
using Ariane.Tests.Support;

namespace Ariane.Tests.Server;

/// <summary>The admin endpoints over real HTTP, in Prometheus's shapes (checked against Prometheus 2.42).</summary>
public class AdminApiTests
{
    private const long T0 = 1_700_000_000_000;

    private static async Task<string> EmptyConfig(string dir)
    {
        string cfg = Path.Combine(dir, "empty.yml");
        await File.WriteAllTextAsync(cfg, "global:\n  scrape_interval: 15s\n");
        return cfg;
    }

    private static async Task<(int Status, string Body)> Send(HttpClient c, HttpMethod method, string url)
    {
        using var r = await c.SendAsync(new HttpRequestMessage(method, url));
        return ((int)r.StatusCode, await r.Content.ReadAsStringAsync());
    }

    // The samples of every series of m as (series label, t) → value, read through the query API.
    private static async Task<Dictionary<(string, long), double>> Samples(HttpClient c)
    {
        using var r = await c.GetAsync($"/api/v1/query?query=m[1h]&time={(T0 + 1_000_000) / 1000}");
        var doc = JsonDocument.Parse(await r.Content.ReadAsStringAsync());
        var all = new Dictionary<(string, long), double>();
        foreach (var s in doc.RootElement.GetProperty("data").GetProperty("result").EnumerateArray())
        {
            string id = s.GetProperty("metric").GetProperty("i").GetString()!;
            foreach (var v in s.GetProperty("values").EnumerateArray())
            {
                all[(id, (long)Math.Round(v[0].GetDouble() * 1000))] = double.Parse(v[1].GetString()!, System.Globalization.CultureInfo.InvariantCulture);
            }
        }
        return all;
    }

    [Fact]
    public async Task Without_the_flag_every_admin_endpoint_answers_as_Prometheus_does()
    {
        using var dir = new TempDir();
        await using var s = await ServerProcess.StartAsync(Path.Combine(dir.Path, "data"), $"--config.file={await EmptyConfig(dir.Path)}");
        foreach (var (method, url) in new[]
        {
            (HttpMethod.Post, "/api/v1/admin/tsdb/snapshot"),
            (HttpMethod.Put, "/api/v1/admin/tsdb/snapshot?skip_head=true"),
            (HttpMethod.Post, "/api/v1/admin/tsdb/delete_series?match[]=up"),
            (HttpMethod.Put, "/api/v1/admin/tsdb/clean_tombstones"),
            (HttpMethod.Get, "/api/v1/admin/tsdb/backup"),
        })
        {
            var (status, body) = await Send(s.Client, method, url);
            Assert.Equal(500, status);
            Assert.Equal("""{"status":"error","errorType":"unavailable","error":"admin APIs disabled"}""", body);
        }
        Assert.False(Directory.Exists(Path.Combine(dir.Path, "data", "snapshots")));
        // The same CLI against it says what to do.
        var cli = ServerProcess.Launch(dir.Path, ["backup", "--server", $"http://127.0.0.1:{s.Port}", Path.Combine(dir.Path, "b.tar")], [], out _, addDefaults: false);
        await using (cli)
        {
            Assert.Equal(1, await cli.WaitExitAsync(TimeSpan.FromSeconds(60)));
            Assert.Contains("admin APIs disabled (start the server with --web.enable-admin-api)", cli.Output);
        }
        Assert.False(File.Exists(Path.Combine(dir.Path, "b.tar")));
    }

    [Fact]
    public async Task Snapshot_delete_series_and_clean_tombstones()
    {
        using var dir = new TempDir();
        string data = Path.Combine(dir.Path, "data");
        await using var s = await ServerProcess.StartAsync(data, $"--config.file={await EmptyConfig(dir.Path)}", "--web.enable-admin-api", "--web.enable-remote-write-receiver");
        var series = new (string[], (long, double)[])[4];
        for (int i = 0; i < series.Length; i++)
        {
            var samples = new (long, double)[100];
            for (int k = 0; k < samples.Length; k++)
            {
                samples[k] = (T0 + k * 1000L, i * 1000 + k);
            }
            series[i] = (["__name__", "m", "i", i.ToString()], samples);
        }
        Assert.Equal(204, await RemoteWriteClient.SendAsync(s.Client, series));
        Assert.Equal(400, (await Samples(s.Client)).Count);

        // Snapshot: a name as Prometheus makes it, a folder with the head written as a block.
        var (status, body) = await Send(s.Client, HttpMethod.Post, "/api/v1/admin/tsdb/snapshot");
        Assert.Equal(200, status);
        string name = JsonDocument.Parse(body).RootElement.GetProperty("data").GetProperty("name").GetString()!;
        Assert.Matches(new Regex(@"^\d{8}T\d{6}Z-[0-9a-f]{16}$"), name);
        Assert.Equal("{\"status\":\"success\",\"data\":{\"name\":\"" + name + "\"}}", body);
        string snap = Path.Combine(data, "snapshots", name);
        var blockDirs = Directory.GetDirectories(snap);
        Assert.Single(blockDirs);
        Assert.True(File.Exists(Path.Combine(blockDirs[0], "meta.json")));
        (status, body) = await Send(s.Client, HttpMethod.Put, "/api/v1/admin/tsdb/snapshot?skip_head=1");
        Assert.Equal(200, status);
        Assert.Empty(Directory.GetDirectories(Path.Combine(data, "snapshots", JsonDocument.Parse(body).RootElement.GetProperty("data").GetProperty("name").GetString()!)));

        (status, body) = await Send(s.Client, HttpMethod.Post, "/api/v1/admin/tsdb/snapshot?skip_head=maybe");
        Assert.Equal(400, status);
        Assert.Equal("""{"status":"error","errorType":"bad_data","error":"invalid parameter \"skip_head\": unable to parse boolean: strconv.ParseBool: parsing \"maybe\": invalid syntax"}""", body);
        (status, _) = await Send(s.Client, HttpMethod.Get, "/api/v1/admin/tsdb/snapshot");
        Assert.Equal(405, status);

        // delete_series: parameters as Prometheus reads them.
        (status, body) = await Send(s.Client, HttpMethod.Post, "/api/v1/admin/tsdb/delete_series");
        Assert.Equal((400, """{"status":"error","errorType":"bad_data","error":"no match[] parameter provided"}"""), (status, body));
        (status, body) = await Send(s.Client, HttpMethod.Post, "/api/v1/admin/tsdb/delete_series?match[]=m&start=x");
        Assert.Equal(400, status);
        Assert.Contains("invalid parameter \\\"start\\\"", body);
        (status, body) = await Send(s.Client, HttpMethod.Post, "/api/v1/admin/tsdb/delete_series?match[]=m&match[]=m{");
        Assert.Equal(400, status);
        Assert.Contains("invalid parameter \\\"match[]\\\"", body);
        Assert.Equal(400, (await Samples(s.Client)).Count); // a bad selector deletes nothing

        // Series 1 from 10 s to 19 s, and series 2 entirely, through a form body.
        (status, _) = await Send(s.Client, HttpMethod.Put, $"/api/v1/admin/tsdb/delete_series?match[]=m{{i=\"1\"}}&start={(T0 + 10_000) / 1000}&end={(T0 + 19_000) / 1000}");
        Assert.Equal(204, status);
        using (var form = new FormUrlEncodedContent([new("match[]", "m{i=\"2\"}")]))
        {
            using var r = await s.Client.PostAsync("/api/v1/admin/tsdb/delete_series", form, TestContext.Current.CancellationToken);
            Assert.Equal(HttpStatusCode.NoContent, r.StatusCode);
        }
        var left = await Samples(s.Client);
        Assert.Equal(400 - 10 - 100, left.Count);
        Assert.DoesNotContain(("1", T0 + 15_000), left.Keys);
        Assert.Contains(("1", T0 + 20_000), left.Keys);
        Assert.DoesNotContain(left.Keys, k => k.Item1 == "2");
        using (var r = await s.Client.GetAsync($"/api/v1/series?match[]=m&start={T0 / 1000}&end={(T0 + 1_000_000) / 1000}", TestContext.Current.CancellationToken))
        {
            var ids = JsonDocument.Parse(await r.Content.ReadAsStringAsync(TestContext.Current.CancellationToken)).RootElement.GetProperty("data").EnumerateArray().Select(e => e.GetProperty("i").GetString()).ToArray();
            Assert.Equal(new string?[] { "0", "1", "3" }, ids);
        }

        (status, _) = await Send(s.Client, HttpMethod.Post, "/api/v1/admin/tsdb/clean_tombstones");
        Assert.Equal(204, status);

        // The deletion is in the WAL: a restart keeps it.
        s.Signal(15);
        Assert.Equal(0, await s.WaitExitAsync(TimeSpan.FromSeconds(30)));
        await using var again = await ServerProcess.StartAsync(data, $"--config.file={Path.Combine(dir.Path, "empty.yml")}");
        Assert.Equal(left, await Samples(again.Client));
    }
}
