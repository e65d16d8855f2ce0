using System.Text.Json;
using Ariane.Tests.Support;

namespace Ariane.Tests.Server;

/// <summary>
/// /api/v1/targets/relabel_steps (issue 12, item 4): the service-discovery page asks it which relabel rule dropped a
/// target. The answer has Prometheus 3's shape: one step per rule, nothing kept from the rule that drops on.
/// </summary>
public class RelabelStepsApiTests
{
    private const string Config = """
        global:
          scrape_interval: 1m
        scrape_configs:
          - job_name: web
            static_configs:
              - targets: ['127.0.0.1:1', '127.0.0.1:2']
                labels: {team: blue}
            relabel_configs:
              - source_labels: [__address__]
                regex: '.*:2'
                action: drop
              - source_labels: [team]
                target_label: owner
                replacement: 'team-$1'
        """;

    private static async Task<(int Code, JsonElement Root)> Get(HttpClient c, string url)
    {
        using var r = await c.GetAsync(url);
        var doc = JsonDocument.Parse(await r.Content.ReadAsStringAsync());
        return ((int)r.StatusCode, doc.RootElement.Clone());
    }

    private static string Url(string pool, string labelsJson) =>
        "/api/v1/targets/relabel_steps?scrapePool=" + Uri.EscapeDataString(pool) + "&labels=" + Uri.EscapeDataString(labelsJson);

    [Fact]
    public async Task Each_rule_answers_the_labels_after_it_and_whether_the_target_is_still_kept()
    {
        using var dir = new TempDir();
        string cfg = Path.Combine(dir.Path, "prometheus.yml");
        await File.WriteAllTextAsync(cfg, Config, TestContext.Current.CancellationToken);
        await using var s = await ServerProcess.StartAsync(Path.Combine(dir.Path, "data"), $"--config.file={cfg}");

        // The dropped target is listed with its discovered labels; those labels are what the UI sends back.
        JsonElement dropped = default;
        await s.EventuallyAsync(async () =>
        {
            var (_, t) = await Get(s.Client, "/api/v1/targets?state=dropped");
            var list = t.GetProperty("data").GetProperty("droppedTargets");
            if (list.GetArrayLength() == 0)
            {
                return false;
            }
            dropped = list[0].GetProperty("discoveredLabels").Clone();
            return true;
        }, TimeSpan.FromSeconds(30), "the dropped target is listed");
        Assert.Equal("127.0.0.1:2", dropped.GetProperty("__address__").GetString());

        var (code, root) = await Get(s.Client, Url("web", dropped.GetRawText()));
        Assert.Equal(200, code);
        var steps = root.GetProperty("data").GetProperty("steps");
        // As Prometheus 3: one step per rule; from the dropping rule on, keep is false and the output empty.
        Assert.Equal(2, steps.GetArrayLength());
        var drop = steps[0];
        Assert.False(drop.GetProperty("keep").GetBoolean());
        Assert.Empty(drop.GetProperty("output").EnumerateObject());
        var rule = drop.GetProperty("rule");
        Assert.Equal("drop", rule.GetProperty("action").GetString());
        Assert.Equal(".*:2", rule.GetProperty("regex").GetString());
        Assert.Equal(";", rule.GetProperty("separator").GetString());
        Assert.Equal("$1", rule.GetProperty("replacement").GetString());
        Assert.Equal("__address__", Assert.Single(rule.GetProperty("source_labels").EnumerateArray()).GetString());
        Assert.False(rule.TryGetProperty("target_label", out _)); // left out when empty, as Go's omitempty
        Assert.False(rule.TryGetProperty("modulus", out _));
        Assert.False(steps[1].GetProperty("keep").GetBoolean());
        Assert.Empty(steps[1].GetProperty("output").EnumerateObject());

        // A kept target runs every rule; the replace rule's output has the new label.
        const string kept = """{"__address__":"127.0.0.1:1","team":"blue","job":"web"}""";
        (code, root) = await Get(s.Client, Url("web", kept));
        Assert.Equal(200, code);
        steps = root.GetProperty("data").GetProperty("steps");
        Assert.Equal(2, steps.GetArrayLength());
        Assert.True(steps[0].GetProperty("keep").GetBoolean());
        Assert.True(steps[1].GetProperty("keep").GetBoolean());
        Assert.False(steps[0].GetProperty("output").TryGetProperty("owner", out _));
        Assert.Equal("team-blue", steps[1].GetProperty("output").GetProperty("owner").GetString());
        Assert.Equal("replace", steps[1].GetProperty("rule").GetProperty("action").GetString());
        Assert.Equal("owner", steps[1].GetProperty("rule").GetProperty("target_label").GetString());
        Assert.Equal("team-$1", steps[1].GetProperty("rule").GetProperty("replacement").GetString());

        // Errors in Prometheus's shape, with a message the UI shows.
        foreach (var (url, message) in new[]
        {
            (Url("nope", kept), "error retrieving scrape config: scrape pool \"nope\" not found"),
            (Url("web", "[1]"), "error parsing labels"),
            (Url("web", "{\"a\":"), "error parsing labels"),
            (Url("web", "{\"a\":1}"), "error parsing labels"),
            ("/api/v1/targets/relabel_steps?labels=%7B%7D", "no scrapePool parameter provided"),
            ("/api/v1/targets/relabel_steps?scrapePool=web", "no labels parameter provided"),
        })
        {
            (code, root) = await Get(s.Client, url);
            Assert.Equal(400, code);
            Assert.Equal("bad_data", root.GetProperty("errorType").GetString());
            Assert.Contains(message, root.GetProperty("error").GetString());
        }
    }
}
