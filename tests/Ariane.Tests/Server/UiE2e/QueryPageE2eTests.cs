using System.Text.Json;
using Microsoft.Playwright;

namespace Ariane.Tests.Server.UiE2e;

/// <summary>
/// The query page (/query): a query typed with the editor's completion runs, the table shows the values the API
/// answers, the graph is given every series of the range query, a shared URL reopens the same view, Prometheus 2's
/// /graph links (Grafana's "Explore in Prometheus") open, and a bad query shows the server's error.
/// </summary>
[Collection(nameof(UiE2eCollection))]
public class QueryPageE2eTests(UiE2eFixture ui)
{
    private static ILocator Editor(IPage page, int panel = 0) =>
        page.GetByTestId("query-panel").Nth(panel).GetByTestId("query-editor").Locator(".cm-content");

    /// <summary>The API's answer to an instant query: each series' labels (as "name=value" pairs) and value.</summary>
    private async Task<List<(Dictionary<string, string> Labels, string Value)>> ApiInstantAsync(string query)
    {
        string json = await ui.Server.Client.GetStringAsync("/api/v1/query?query=" + Uri.EscapeDataString(query));
        using var doc = JsonDocument.Parse(json);
        var result = new List<(Dictionary<string, string>, string)>();
        foreach (var s in doc.RootElement.GetProperty("data").GetProperty("result").EnumerateArray())
        {
            var labels = s.GetProperty("metric").EnumerateObject().ToDictionary(p => p.Name, p => p.Value.GetString()!);
            result.Add((labels, s.GetProperty("value")[1].GetString()!));
        }
        return result;
    }

    [Fact]
    public async Task A_query_typed_with_completion_runs_and_the_table_shows_the_values_the_API_answers()
    {
        await using var p = await ui.OpenAsync("/query");
        await Assertions.Expect(p.Page.GetByTestId("empty-panel")).ToBeVisibleAsync();

        // Completion of a metric name from the API: type a prefix, pick the name from the list.
        await Editor(p.Page).ClickAsync();
        await p.Page.Keyboard.TypeAsync("ariane_build_inf", new KeyboardTypeOptions { Delay = 40 });
        var option = p.Page.Locator(".cm-tooltip-autocomplete li").Filter(new LocatorFilterOptions { HasText = "ariane_build_info" }).First;
        await option.WaitForAsync();
        await p.ScreenshotAsync("query-autocomplete");
        await option.ClickAsync();
        await Assertions.Expect(Editor(p.Page)).ToHaveTextAsync("ariane_build_info");

        // Ctrl+Enter runs it; the URL follows.
        await Editor(p.Page).ClickAsync();
        await p.Page.Keyboard.PressAsync("Control+Enter");
        await Assertions.Expect(p.Page.GetByTestId("table-row")).ToHaveCountAsync(1);
        Assert.Contains("g0.expr=ariane_build_info", p.Page.Url, StringComparison.Ordinal);
        await Assertions.Expect(p.Page.GetByTestId("row-series")).ToContainTextAsync("version=");

        // Another expression through the Execute button: every series the API answers, with its exact value.
        await Editor(p.Page).ClickAsync();
        await p.Page.Keyboard.PressAsync("Control+A");
        await p.Page.Keyboard.TypeAsync("up");
        await p.Page.Keyboard.PressAsync("Escape"); // closes the completion list
        await p.Page.GetByTestId("execute-button").ClickAsync();
        var api = await ApiInstantAsync("up");
        Assert.Equal(2, api.Count);
        await Assertions.Expect(p.Page.GetByTestId("table-row")).ToHaveCountAsync(api.Count);
        Assert.Equal(api.Count.ToString(System.Globalization.CultureInfo.InvariantCulture),
            await p.Page.GetByTestId("series-count").GetAttributeAsync("data-count"));
        foreach (var (labels, value) in api)
        {
            var row = p.Page.GetByTestId("table-row").Filter(new LocatorFilterOptions { HasText = $"job=\"{labels["job"]}\"" });
            await Assertions.Expect(row).ToHaveCountAsync(1);
            await Assertions.Expect(row.GetByTestId("row-series")).ToContainTextAsync($"instance=\"{labels["instance"]}\"");
            await Assertions.Expect(row.GetByTestId("row-value")).ToHaveTextAsync(value);
        }
        await p.ScreenshotAsync("query-table");

        // Both expressions are in the query history.
        await p.Page.GetByTestId("history-button").ClickAsync();
        await Assertions.Expect(p.Page.GetByRole(AriaRole.Menuitem, new PageGetByRoleOptions { Name = "ariane_build_info", Exact = true })).ToBeVisibleAsync();
        await Assertions.Expect(p.Page.GetByRole(AriaRole.Menuitem, new PageGetByRoleOptions { Name = "up", Exact = true })).ToBeVisibleAsync();
    }

    [Fact]
    public async Task The_graph_gets_every_series_of_the_range_query()
    {
        await using var p = await ui.OpenAsync("/query?g0.expr=up&g0.tab=graph&g0.range_input=5m");
        var graph = p.Page.GetByTestId("graph-container");
        await graph.WaitForAsync();
        // The range query's series: up has one per target (the server scrapes itself and a closed port).
        Assert.Equal("2", await graph.GetAttributeAsync("data-series-count"));
        Assert.Equal("2", await p.Page.GetByTestId("series-count").GetAttributeAsync("data-count"));
        // Drawn: a uPlot canvas and one legend entry per series.
        await Assertions.Expect(graph.Locator("[data-testid=graph] canvas").First).ToBeVisibleAsync();
        await Assertions.Expect(graph.GetByTestId("graph-legend-item")).ToHaveCountAsync(2);
        var box = await graph.BoundingBoxAsync();
        Assert.True(box is { Height: > 100 }, "the graph has no height");
        await p.ScreenshotAsync("query-graph");
    }

    [Fact]
    public async Task A_shared_URL_reopens_the_same_view()
    {
        string url;
        await using (var p = await ui.OpenAsync("/query"))
        {
            await Editor(p.Page).ClickAsync();
            await p.Page.Keyboard.TypeAsync("up");
            await p.Page.Keyboard.PressAsync("Escape");
            await p.Page.Keyboard.PressAsync("Control+Enter");
            await p.Page.GetByTestId("tab-graph").ClickAsync();
            await p.Page.GetByTestId("graph-container").WaitForAsync();
            await p.Page.GetByTestId("range-input").FillAsync("30m");
            await p.Page.GetByTestId("range-input").PressAsync("Enter");
            await p.Page.GetByTestId("display-mode").GetByText("Stacked").ClickAsync();
            await p.Page.GetByTestId("utc").ClickAsync();
            await Assertions.Expect(p.Page.GetByTestId("utc")).ToBeCheckedAsync();
            await p.Page.GetByTestId("add-panel").ClickAsync();
            await Editor(p.Page, 1).ClickAsync();
            await p.Page.Keyboard.TypeAsync("sum(up)");
            await p.Page.Keyboard.PressAsync("Escape");
            await p.Page.Keyboard.PressAsync("Control+Enter");
            await Assertions.Expect(p.Page.GetByTestId("query-panel").Nth(1).GetByTestId("table-row")).ToHaveCountAsync(1);
            url = p.Page.Url;
        }
        Assert.Contains("g0.range_input=30m", url, StringComparison.Ordinal);
        Assert.Contains("g0.display_mode=stacked", url, StringComparison.Ordinal);

        // A fresh browser (no storage) opening the link sees the same panels.
        await using var q = await ui.OpenAsync(new Uri(url).PathAndQuery);
        await Assertions.Expect(q.Page.GetByTestId("query-panel")).ToHaveCountAsync(2);
        await Assertions.Expect(Editor(q.Page, 0)).ToHaveTextAsync("up");
        await Assertions.Expect(Editor(q.Page, 1)).ToHaveTextAsync("sum(up)");
        var first = q.Page.GetByTestId("query-panel").Nth(0);
        await Assertions.Expect(first.GetByTestId("tab-graph")).ToHaveAttributeAsync("aria-selected", "true");
        await Assertions.Expect(first.GetByTestId("range-input")).ToHaveValueAsync("30m");
        await Assertions.Expect(first.GetByTestId("display-mode").GetByRole(AriaRole.Radio, new LocatorGetByRoleOptions { Name = "Stacked" })).ToBeCheckedAsync();
        await Assertions.Expect(first.GetByTestId("utc")).ToBeCheckedAsync();
        Assert.Equal("2", await first.GetByTestId("graph-container").GetAttributeAsync("data-series-count"));
        var second = q.Page.GetByTestId("query-panel").Nth(1);
        await Assertions.Expect(second.GetByTestId("tab-table")).ToHaveAttributeAsync("aria-selected", "true");
        await Assertions.Expect(second.GetByTestId("row-value")).ToHaveTextAsync("1");
    }

    [Fact]
    public async Task A_Prometheus_2_graph_link_opens_on_the_query_page()
    {
        // Grafana's "Explore in Prometheus" link: Prometheus 2's /graph with g0.tab=1 (the table).
        await using var p = await ui.OpenAsync("/graph?g0.expr=up&g0.tab=1&g0.range_input=1h");
        await Assertions.Expect(p.Page.GetByTestId("table-row")).ToHaveCountAsync(2);
        Assert.StartsWith("/query?", new Uri(p.Page.Url).PathAndQuery, StringComparison.Ordinal);
        Assert.Contains("g0.tab=table", p.Page.Url, StringComparison.Ordinal);
        await Assertions.Expect(Editor(p.Page)).ToHaveTextAsync("up");

        // g0.tab=0 is the graph, g0.stacked=1 stacks it.
        await p.GotoAsync("/graph?g0.expr=up&g0.tab=0&g0.stacked=1&g0.range_input=15m");
        await p.Page.GetByTestId("graph-container").WaitForAsync();
        await Assertions.Expect(p.Page.GetByTestId("range-input")).ToHaveValueAsync("15m");
        Assert.Contains("g0.display_mode=stacked", p.Page.Url, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_bad_query_shows_the_servers_error()
    {
        await using var p = await ui.OpenAsync("/query");
        p.ExpectConsoleError("400");
        await Editor(p.Page).ClickAsync();
        await p.Page.Keyboard.TypeAsync("sum(rate(up[5m]) +");
        await p.Page.Keyboard.PressAsync("Escape");
        await p.Page.Keyboard.PressAsync("Control+Enter");
        var alert = p.Page.GetByRole(AriaRole.Alert);
        await Assertions.Expect(alert).ToContainTextAsync("parse error");
        await Assertions.Expect(alert).ToContainTextAsync("bad_data");
        await p.ScreenshotAsync("query-error");
    }
}
