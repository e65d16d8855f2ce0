using System.Text.Json;
using Microsoft.Playwright;

namespace Ariane.Tests.Server.UiE2e;

/// <summary>
/// The status pages against the real server: the cardinality page shows exactly /api/v1/status/tsdb's numbers, the
/// status, flags and configuration pages show what their APIs answer, and the home page's cards show the down target's
/// error, the head series and the version.
/// </summary>
[Collection(nameof(UiE2eCollection))]
public class UiStatusE2eTests(UiE2eFixture ui)
{
    private static readonly string[] Tables =
        ["seriesCountByMetricName", "labelValueCountByLabelName", "memoryInBytesByLabelName", "seriesCountByLabelValuePair"];

    /// <summary>
    /// Reads every number the cardinality page shows (its data-value attributes) and, in the same script, asks the API
    /// what the page asked it: both as JSON text, compared by the caller.
    /// </summary>
    private const string ReadPageAndApi = """
        async (limit) => {
          const v = id => Number(document.querySelector(`[data-testid="${id}"]`).getAttribute('data-value'));
          const rows = f => [...document.querySelectorAll(`[data-testid="card-table-${f}"] [data-testid="card-row"]`)]
            .map(r => ({ name: r.getAttribute('data-name'), value: Number(r.getAttribute('data-value')) }));
          const page = {
            headStats: { numSeries: v('head-num-series'), chunkCount: v('head-chunk-count'),
                         numLabelPairs: v('head-num-label-pairs'), minTime: v('head-min-time') },
            seriesCountByMetricName: rows('seriesCountByMetricName'),
            labelValueCountByLabelName: rows('labelValueCountByLabelName'),
            memoryInBytesByLabelName: rows('memoryInBytesByLabelName'),
            seriesCountByLabelValuePair: rows('seriesCountByLabelValuePair'),
          };
          const d = (await (await fetch('/api/v1/status/tsdb?limit=' + limit)).json()).data;
          const api = {
            headStats: { numSeries: d.headStats.numSeries, chunkCount: d.headStats.chunkCount,
                         numLabelPairs: d.headStats.numLabelPairs, minTime: d.headStats.minTime },
            seriesCountByMetricName: d.seriesCountByMetricName,
            labelValueCountByLabelName: d.labelValueCountByLabelName,
            memoryInBytesByLabelName: d.memoryInBytesByLabelName,
            seriesCountByLabelValuePair: d.seriesCountByLabelValuePair,
          };
          return [JSON.stringify(page), JSON.stringify(api)];
        }
        """;

    [Fact]
    public async Task The_cardinality_page_numbers_equal_the_tsdb_status_api()
    {
        await using var p = await ui.OpenAsync("/tsdb-status?limit=20");
        // The server scrapes itself every 2 s, and the page's own requests add series (one per API handler) to the
        // next scrape: a scrape between the page's request and the test's may change a count, so read again after a
        // reload until the two agree (they must, most of the time, at once).
        string page = "", api = "";
        for (int attempt = 0; attempt < 6; attempt++)
        {
            if (attempt > 0)
            {
                await p.Page.ReloadAsync(new PageReloadOptions { WaitUntil = WaitUntilState.NetworkIdle });
                await p.SettledAsync();
            }
            await p.Page.GetByTestId("head-num-series").WaitForAsync();
            string[] both = await p.Page.EvaluateAsync<string[]>(ReadPageAndApi, 20);
            (page, api) = (both[0], both[1]);
            if (page == api)
            {
                break;
            }
        }
        Assert.Equal(api, page);
        using var doc = JsonDocument.Parse(page);
        Assert.True(doc.RootElement.GetProperty("headStats").GetProperty("numSeries").GetInt64() > 0, "the head holds series");
        foreach (string t in Tables)
        {
            Assert.True(doc.RootElement.GetProperty(t).GetArrayLength() > 0, t + " has rows");
        }
        await p.ScreenshotAsync("tsdb-status-limit-20");
    }

    [Fact]
    public async Task The_cardinality_limit_is_chosen_on_the_page_and_kept_in_the_url()
    {
        await using var p = await ui.OpenAsync("/tsdb-status");
        var metrics = p.Page.GetByTestId("card-table-seriesCountByMetricName").GetByTestId("card-row");
        await Assertions.Expect(metrics).ToHaveCountAsync(10);
        await p.Page.GetByTestId("tsdb-limit").GetByText("50", new LocatorGetByTextOptions { Exact = true }).ClickAsync();
        await Assertions.Expect(p.Page).ToHaveURLAsync(new System.Text.RegularExpressions.Regex("limit=50"));
        await p.SettledAsync();
        string json = await ui.Server.Client.GetStringAsync("/api/v1/status/tsdb?limit=50", TestContext.Current.CancellationToken);
        int expected = JsonDocument.Parse(json).RootElement.GetProperty("data").GetProperty("seriesCountByMetricName").GetArrayLength();
        Assert.True(expected > 10, "the self-scrape has more than 10 metric names");
        // The page keeps its 10 rows until the new answer arrives: wait for the longer table, then compare within one
        // scrape of the API's answer (the self-scrape may add a metric meanwhile).
        await p.Page.WaitForFunctionAsync(
            "() => document.querySelectorAll('[data-testid=\"card-table-seriesCountByMetricName\"] [data-testid=\"card-row\"]').length > 10");
        int shown = await metrics.CountAsync();
        Assert.InRange(shown, Math.Min(expected, 50) - 2, Math.Min(expected, 50));
        // Each row's name opens the query that shows it.
        string? href = await metrics.First.GetByRole(AriaRole.Link).GetAttributeAsync("href");
        Assert.StartsWith("/query?g0.expr=count", href);
        // Series per job (an instant query) lists the self-scraping job.
        await Assertions.Expect(p.Page.GetByTestId("series-per-job").Locator("[data-testid=job-row][data-name=ariane]")).ToHaveCountAsync(1);
    }

    [Fact]
    public async Task The_status_page_shows_the_build_and_runtime_information_of_the_api()
    {
        var ct = TestContext.Current.CancellationToken;
        using var build = JsonDocument.Parse(await ui.Server.Client.GetStringAsync("/api/v1/status/buildinfo", ct));
        using var runtime = JsonDocument.Parse(await ui.Server.Client.GetStringAsync("/api/v1/status/runtimeinfo", ct));
        await using var p = await ui.OpenAsync("/status");
        Assert.Equal(build.RootElement.GetProperty("data").GetProperty("version").GetString(), await p.Page.GetByTestId("build-version").InnerTextAsync());
        Assert.Equal(runtime.RootElement.GetProperty("data").GetProperty("CWD").GetString(), await p.Page.GetByTestId("runtime-CWD").InnerTextAsync());
        Assert.Equal(runtime.RootElement.GetProperty("data").GetProperty("storageRetention").GetString(),
            await p.Page.GetByTestId("runtime-storageRetention").InnerTextAsync());
        Assert.Equal("done (segments", (await p.Page.GetByTestId("runtime-walreplay").InnerTextAsync())[..14]);
        await Assertions.Expect(p.Page.GetByTestId("storage-head-series")).Not.ToHaveTextAsync("0");
    }

    [Fact]
    public async Task The_flags_page_filters_and_shows_the_api_values()
    {
        var ct = TestContext.Current.CancellationToken;
        using var flags = JsonDocument.Parse(await ui.Server.Client.GetStringAsync("/api/v1/status/flags", ct));
        var all = flags.RootElement.GetProperty("data").EnumerateObject().ToList();
        await using var p = await ui.OpenAsync("/flags");
        var rows = p.Page.GetByTestId("flag-row");
        await Assertions.Expect(rows).ToHaveCountAsync(all.Count);
        await p.Page.GetByTestId("flags-filter").FillAsync("listen-address");
        await Assertions.Expect(rows).ToHaveCountAsync(all.Count(f => f.Name.Contains("listen-address", StringComparison.Ordinal)
            || f.Value.GetString()!.Contains("listen-address", StringComparison.Ordinal)));
        var listen = p.Page.Locator("[data-testid=flag-row][data-name='web.listen-address']");
        Assert.Equal(flags.RootElement.GetProperty("data").GetProperty("web.listen-address").GetString(), await listen.GetAttributeAsync("data-value"));
        Assert.Contains("q=listen-address", p.Page.Url);
    }

    [Fact]
    public async Task The_configuration_page_shows_the_yaml_exactly_as_the_api_gives_it()
    {
        var ct = TestContext.Current.CancellationToken;
        using var cfg = JsonDocument.Parse(await ui.Server.Client.GetStringAsync("/api/v1/status/config", ct));
        await using var p = await ui.OpenAsync("/config");
        string shown = await p.Page.GetByTestId("config-yaml").EvaluateAsync<string>("e => e.textContent");
        Assert.Equal(cfg.RootElement.GetProperty("data").GetProperty("yaml").GetString(), shown);
        await Assertions.Expect(p.Page.GetByRole(AriaRole.Button, new PageGetByRoleOptions { Name = "Copy the configuration" })).ToBeVisibleAsync();
    }

    [Fact]
    public async Task The_home_page_cards_show_the_down_target_the_head_and_the_version()
    {
        var ct = TestContext.Current.CancellationToken;
        using var build = JsonDocument.Parse(await ui.Server.Client.GetStringAsync("/api/v1/status/buildinfo", ct));
        await using var p = await ui.OpenAsync("/");
        var error = p.Page.GetByTestId("home-scrape-error").First;
        await Assertions.Expect(error).ToContainTextAsync("down");
        Assert.Contains("refused", (await error.InnerTextAsync()).ToLowerInvariant(), StringComparison.Ordinal);
        Assert.True(long.Parse((await p.Page.GetByTestId("home-head-series-value").GetAttributeAsync("data-value"))!, System.Globalization.CultureInfo.InvariantCulture) > 0);
        Assert.Equal(build.RootElement.GetProperty("data").GetProperty("version").GetString(), await p.Page.GetByTestId("home-version").InnerTextAsync());
        await Assertions.Expect(p.Page.GetByTestId("home-uptime")).ToContainTextAsync("up ");
        await Assertions.Expect(p.Page.GetByTestId("home-storage-used")).ToBeVisibleAsync();
    }
}
