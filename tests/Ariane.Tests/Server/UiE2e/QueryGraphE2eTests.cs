using System.Collections.Specialized;
using System.Globalization;
using System.Text;
using System.Text.Json;
using System.Text.RegularExpressions;
using System.Web;
using Microsoft.Playwright;

namespace Ariane.Tests.Server.UiE2e;

/// <summary>
/// What the query page's components do beyond running a query: the graph (series and legend equal to the range
/// query's answer, legend toggles, Ctrl+click isolates, drag to zoom and reset, stacked mode, the tooltip lists every
/// shown series), the explain tree (one node per AST node, each queried, the root's count equals the instant query's,
/// a node's text queries that part) and the metrics explorer (focused filter, narrowing, Enter or a click picks).
/// Every page is disposed through <see cref="UiPage"/>, which fails the test on any console error.
/// </summary>
[Collection(nameof(UiE2eCollection))]
public partial class QueryGraphE2eTests(UiE2eFixture ui)
{
    private const string ExplainExpr = "sum by (job) (rate(prometheus_http_requests_total[1m])) / on() group_left count(up)";

    private static ILocator Editor(IPage page, int panel = 0) =>
        page.GetByTestId("query-panel").Nth(panel).GetByTestId("query-editor").Locator(".cm-content");

    private static NameValueCollection UrlQuery(IPage page) => HttpUtility.ParseQueryString(new Uri(page.Url).Query);

    private static string Inv(long n) => n.ToString(CultureInfo.InvariantCulture);

    /// <summary>The URL's time format (UTC, "YYYY-MM-DD HH:mm:ss"), as the page writes end_input.</summary>
    private static string UrlTime(long unix) =>
        DateTimeOffset.FromUnixTimeSeconds(unix).UtcDateTime.ToString("yyyy-MM-dd HH:mm:ss", CultureInfo.InvariantCulture);

    private async Task<JsonDocument> PostAsync(string path, string form)
    {
        using var content = new StringContent(form, Encoding.UTF8, "application/x-www-form-urlencoded");
        using var resp = await ui.Server.Client.PostAsync(path, content);
        string body = await resp.Content.ReadAsStringAsync();
        Assert.True(resp.IsSuccessStatusCode, $"{path} {form}: {body}");
        return JsonDocument.Parse(body);
    }

    private static int ResultLength(JsonDocument doc) => doc.RootElement.GetProperty("data").GetProperty("result").GetArrayLength();

    /// <summary>
    /// A past end time at which both targets' "up" has had a value for <paramref name="history"/> seconds (the server
    /// may have started a moment ago): a fixed end makes the range query's answer the same for the page and the test.
    /// </summary>
    private async Task<long> SettledEndAsync(int history = 0)
    {
        long end = 0;
        await ui.Server.EventuallyAsync(async () =>
        {
            end = DateTimeOffset.UtcNow.ToUnixTimeSeconds() - 5;
            using var doc = await PostAsync("/api/v1/query", $"query=up&time={Inv(end - history)}");
            return ResultLength(doc) == 2;
        }, TimeSpan.FromSeconds(90), $"both targets' up has had a value since {history + 5} s ago");
        return end;
    }

    /// <summary>Runs the panel's query again and returns the form the page posted to /api/v1/query_range.</summary>
    private static async Task<string> RerunAndCaptureRangeQueryAsync(UiPage p)
    {
        var response = await p.Page.RunAndWaitForResponseAsync(
            () => p.Page.GetByTestId("execute-button").ClickAsync(),
            r => r.Url.Contains("/api/v1/query_range", StringComparison.Ordinal));
        Assert.Equal(200, response.Status);
        await p.SettledAsync();
        return response.Request.PostData ?? "";
    }

    /// <summary>Moves the mouse over the plot near its right edge (the newest samples) and returns the tooltip.</summary>
    private static async Task<ILocator> HoverPlotAsync(IPage page, float fraction = 0.97f)
    {
        var over = page.Locator("[data-testid=graph] .u-over");
        var box = await over.BoundingBoxAsync();
        Assert.NotNull(box);
        // Two moves: uPlot updates its cursor on mousemove.
        await page.Mouse.MoveAsync(box.X + (box.Width * fraction) - 5f, box.Y + (box.Height / 2f));
        await page.Mouse.MoveAsync(box.X + (box.Width * fraction), box.Y + (box.Height / 2f), new MouseMoveOptions { Steps = 3 });
        var tip = page.GetByTestId("graph-tooltip");
        await Assertions.Expect(tip).ToBeVisibleAsync();
        return tip;
    }

    private static async Task MouseAwayAsync(IPage page)
    {
        await page.Mouse.MoveAsync(2, 2);
        await Assertions.Expect(page.GetByTestId("graph-tooltip")).ToBeHiddenAsync();
    }

    [Fact]
    public async Task The_graph_draws_every_series_of_the_range_query_and_its_legend_tooltip_zoom_and_stacking_work()
    {
        // A query with several series (one per handler and code the server answered), at a fixed past end.
        long end = await SettledEndAsync();
        const string rateExpr = "rate(prometheus_http_requests_total[1m])";
        await using (var p = await ui.OpenAsync(
            $"/query?g0.expr={Uri.EscapeDataString(rateExpr)}&g0.tab=graph&g0.range_input=5m&g0.end_input={Uri.EscapeDataString(UrlTime(end))}"))
        {
            string form = await RerunAndCaptureRangeQueryAsync(p);
            var posted = HttpUtility.ParseQueryString(form);
            Assert.Equal(rateExpr, posted["query"]);
            Assert.Equal(end, (long)double.Parse(posted["end"]!, CultureInfo.InvariantCulture));
            using var api = await PostAsync("/api/v1/query_range", form);
            int n = ResultLength(api);
            Assert.True(n >= 1, "the server answered no HTTP request series");
            var graph = p.Page.GetByTestId("graph");
            await Assertions.Expect(graph).ToHaveAttributeAsync("data-series-count", Inv(n));
            await Assertions.Expect(p.Page.GetByTestId("graph-container")).ToHaveAttributeAsync("data-series-count", Inv(n));
            await Assertions.Expect(graph.GetByTestId("graph-legend-item")).ToHaveCountAsync(n);
        }

        // up: two series (the server itself and the closed port), each with a value at every step of the zoomed range.
        end = await SettledEndAsync(history: 15);
        string endInput = UrlTime(end);
        await using var q = await ui.OpenAsync(
            $"/query?g0.expr=up&g0.tab=graph&g0.range_input=30s&g0.end_input={Uri.EscapeDataString(endInput)}");
        var page = q.Page;
        string upForm = await RerunAndCaptureRangeQueryAsync(q);
        using (var api = await PostAsync("/api/v1/query_range", upForm))
        {
            Assert.Equal(2, ResultLength(api));
        }
        var items = page.GetByTestId("graph-legend-item");
        await Assertions.Expect(page.GetByTestId("graph")).ToHaveAttributeAsync("data-series-count", "2");
        await Assertions.Expect(items).ToHaveCountAsync(2);

        // The tooltip lists every shown series.
        var tip = await HoverPlotAsync(page);
        await Assertions.Expect(tip.Locator(".ariane-tt-row")).ToHaveCountAsync(2);
        await Assertions.Expect(tip.Locator(".ariane-tt-time")).Not.ToBeEmptyAsync();
        await q.ScreenshotAsync("query-graph-tooltip");
        await MouseAwayAsync(page);

        // A click hides a series, a second click shows it again.
        await Assertions.Expect(items.Nth(0)).Not.ToHaveAttributeAsync("data-hidden", new Regex(".*"));
        await items.Nth(0).ClickAsync();
        await Assertions.Expect(items.Nth(0)).ToHaveAttributeAsync("data-hidden", "true");
        await Assertions.Expect(items.Nth(0)).ToHaveAttributeAsync("aria-pressed", "false");
        await Assertions.Expect(items.Nth(1)).Not.ToHaveAttributeAsync("data-hidden", new Regex(".*"));
        tip = await HoverPlotAsync(page);
        await Assertions.Expect(tip.Locator(".ariane-tt-row")).ToHaveCountAsync(1);
        await MouseAwayAsync(page);
        await items.Nth(0).ClickAsync();
        await Assertions.Expect(items.Nth(0)).Not.ToHaveAttributeAsync("data-hidden", new Regex(".*"));

        // Ctrl+click shows only that series; Ctrl+click on it again shows all.
        await items.Nth(1).ClickAsync(new LocatorClickOptions { Modifiers = [KeyboardModifier.Control] });
        await Assertions.Expect(items.Nth(0)).ToHaveAttributeAsync("data-hidden", "true");
        await Assertions.Expect(items.Nth(1)).Not.ToHaveAttributeAsync("data-hidden", new Regex(".*"));
        string onlyName = await items.Nth(1).InnerTextAsync();
        tip = await HoverPlotAsync(page);
        await Assertions.Expect(tip.Locator(".ariane-tt-row")).ToHaveCountAsync(1);
        await Assertions.Expect(tip.Locator(".ariane-tt-name")).ToHaveTextAsync(ShortName(onlyName));
        await MouseAwayAsync(page);
        await items.Nth(1).ClickAsync(new LocatorClickOptions { Modifiers = [KeyboardModifier.Control] });
        await Assertions.Expect(page.Locator("[data-testid=graph-legend-item][data-hidden]")).ToHaveCountAsync(0);

        // Dragging across the plot zooms: the URL's range and end follow; Reset goes back to the range before.
        Assert.Equal("30s", UrlQuery(page)["g0.range_input"]);
        Assert.Equal(endInput, UrlQuery(page)["g0.end_input"]);
        await Assertions.Expect(page.GetByTestId("graph-reset-zoom")).ToHaveCountAsync(0);
        var over = page.Locator("[data-testid=graph] .u-over");
        var box = await over.BoundingBoxAsync();
        Assert.NotNull(box);
        float y = box.Y + (box.Height / 2f);
        await page.Mouse.MoveAsync(box.X + (box.Width * 0.55f), y);
        await page.Mouse.DownAsync();
        await page.Mouse.MoveAsync(box.X + (box.Width * 0.95f), y, new MouseMoveOptions { Steps = 8 });
        await page.Mouse.UpAsync();
        await Assertions.Expect(page.GetByTestId("graph-reset-zoom")).ToBeVisibleAsync();
        await Assertions.Expect(page).Not.ToHaveURLAsync(new Regex(@"g0\.range_input=30s(&|$)"));
        var zoomed = UrlQuery(page);
        Assert.NotEqual(endInput, zoomed["g0.end_input"]);
        // 40 % of 30 s, give or take the rounding to whole seconds.
        Assert.Matches(@"^(1[0-4])s$", zoomed["g0.range_input"]!);
        await q.SettledAsync();
        await Assertions.Expect(page.GetByTestId("graph-reset-zoom")).ToBeVisibleAsync();
        await page.GetByTestId("graph-reset-zoom").ClickAsync();
        await Assertions.Expect(page).ToHaveURLAsync(new Regex(@"g0\.range_input=30s(&|$)"));
        Assert.Equal(endInput, UrlQuery(page)["g0.end_input"]);
        await Assertions.Expect(page.GetByTestId("graph-reset-zoom")).ToHaveCountAsync(0);
        await q.SettledAsync();

        // Stacked: the URL says so, and the graph still has both series.
        await page.GetByTestId("display-mode").GetByText("Stacked").ClickAsync();
        await Assertions.Expect(page).ToHaveURLAsync(new Regex(@"g0\.display_mode=stacked"));
        await Assertions.Expect(page.GetByTestId("graph")).ToHaveAttributeAsync("data-series-count", "2");
        tip = await HoverPlotAsync(page);
        await Assertions.Expect(tip.Locator(".ariane-tt-row")).ToHaveCountAsync(2);
        await MouseAwayAsync(page);

        // The tooltip in the dark theme too.
        await using var d = await ui.OpenAsync(
            $"/query?g0.expr=up&g0.tab=graph&g0.range_input=30s&g0.end_input={Uri.EscapeDataString(endInput)}", dark: true);
        await Assertions.Expect(d.Page.GetByTestId("graph-legend-item")).ToHaveCountAsync(2);
        tip = await HoverPlotAsync(d.Page);
        await Assertions.Expect(tip.Locator(".ariane-tt-row")).ToHaveCountAsync(2);
        await d.ScreenshotAsync("query-graph-tooltip");
    }

    /// <summary>
    /// The tooltip names a series by the labels that tell the shown series apart; with up's two series that is the
    /// legend's instance and job pairs (the metric name is the same): the legend's text without "up".
    /// </summary>
    private static Regex ShortName(string legend)
    {
        var pairs = LabelPair().Matches(legend).Select(m => Regex.Escape(m.Value));
        return new Regex(string.Join(".*", pairs));
    }

    [GeneratedRegex("(instance|job)=\"[^\"]*\"")]
    private static partial Regex LabelPair();

    /// <summary>How many nodes the server's AST of <paramref name="expr"/> has (every object with a "type", matchers aside).</summary>
    private async Task<int> AstNodesAsync(string expr)
    {
        using var doc = await PostAsync("/api/v1/parse_query", "query=" + Uri.EscapeDataString(expr));
        static int Count(JsonElement e) => e.ValueKind switch
        {
            JsonValueKind.Object => (e.TryGetProperty("type", out var t) && t.ValueKind == JsonValueKind.String ? 1 : 0)
                + e.EnumerateObject().Where(p => p.Name != "matchers").Sum(p => Count(p.Value)), // a matcher's "type" is =, != ...
            JsonValueKind.Array => e.EnumerateArray().Sum(Count),
            _ => 0,
        };
        return Count(doc.RootElement.GetProperty("data"));
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task The_explain_tab_shows_each_AST_node_with_its_result_and_a_click_queries_it(bool dark)
    {
        int nodes = await AstNodesAsync(ExplainExpr);
        Assert.Equal(6, nodes); // / ; sum ; rate ; matrix selector ; count ; up
        await using var p = await ui.OpenAsync($"/query?g0.expr={Uri.EscapeDataString(ExplainExpr)}&g0.tab=explain", dark);
        var page = p.Page;
        var tree = page.GetByTestId("explain-view");
        await Assertions.Expect(tree.GetByTestId("explain-node")).ToHaveCountAsync(nodes);
        await Assertions.Expect(tree.Locator("[data-testid=explain-node-result][data-state=done]")).ToHaveCountAsync(nodes);
        await Assertions.Expect(tree.GetByTestId("explain-node-text").First).ToHaveTextAsync(ExplainExpr);
        await Assertions.Expect(tree.GetByTestId("explain-node").First).ToHaveAttributeAsync("data-depth", "0");

        // The root's count is the instant query's (one series per job with HTTP requests: the server itself).
        using (var instant = await PostAsync("/api/v1/query", "query=" + Uri.EscapeDataString(ExplainExpr)))
        {
            int n = ResultLength(instant);
            var root = tree.GetByTestId("explain-node").First.GetByTestId("explain-node-result");
            await Assertions.Expect(root).ToHaveTextAsync(new Regex(n == 0 ? "no series" : $"^{n} series"));
        }
        // Each node's own count: count(up) is one series, up two (both targets).
        var countUp = tree.GetByTestId("explain-node").Filter(new LocatorFilterOptions
        {
            Has = page.GetByTestId("explain-node-text").GetByText("count(up)", new LocatorGetByTextOptions { Exact = true }),
        });
        await Assertions.Expect(countUp.GetByTestId("explain-node-result")).ToHaveTextAsync(new Regex("^1 series"));
        await p.ScreenshotAsync("query-explain");

        // A click on a node's text runs that part in the panel.
        await countUp.GetByTestId("explain-node-text").ClickAsync();
        await page.WaitForFunctionAsync("() => new URLSearchParams(location.search).get('g0.expr') === 'count(up)'");
        await Assertions.Expect(Editor(page)).ToHaveTextAsync("count(up)");
        await Assertions.Expect(tree.GetByTestId("explain-node")).ToHaveCountAsync(2);
        await Assertions.Expect(tree.Locator("[data-testid=explain-node-result][data-state=done]")).ToHaveCountAsync(2);
    }

    [Fact]
    public async Task A_zoom_into_a_stretch_without_data_can_be_reset_from_the_empty_state()
    {
        // An hour up to now: the server's samples are only the last minutes, at the right edge. Zooming into the left
        // part leaves no series, so the graph (and its own Reset zoom button) gives way to the empty state.
        long end = await SettledEndAsync(history: 15);
        await using var p = await ui.OpenAsync(
            $"/query?g0.expr=up&g0.tab=graph&g0.range_input=1h&g0.end_input={Uri.EscapeDataString(UrlTime(end))}");
        var page = p.Page;
        await Assertions.Expect(page.GetByTestId("graph-container")).ToBeVisibleAsync();
        var over = page.Locator("[data-testid=graph] .u-over");
        var box = await over.BoundingBoxAsync();
        Assert.NotNull(box);
        float y = box.Y + (box.Height / 2f);
        await page.Mouse.MoveAsync(box.X + (box.Width * 0.05f), y);
        await page.Mouse.DownAsync();
        await page.Mouse.MoveAsync(box.X + (box.Width * 0.40f), y, new MouseMoveOptions { Steps = 8 });
        await page.Mouse.UpAsync();
        await Assertions.Expect(page).Not.ToHaveURLAsync(new Regex(@"g0\.range_input=1h(&|$)"));
        await Assertions.Expect(page.GetByTestId("empty-result")).ToBeVisibleAsync();
        await page.GetByTestId("empty-reset-zoom").ClickAsync();
        await Assertions.Expect(page).ToHaveURLAsync(new Regex(@"g0\.range_input=1h(&|$)"));
        Assert.Equal(UrlTime(end), UrlQuery(page)["g0.end_input"]);
        await Assertions.Expect(page.GetByTestId("graph-container")).ToBeVisibleAsync();
    }

    [Fact]
    public async Task The_metrics_explorer_filters_as_you_type_and_puts_the_picked_name_in_the_editor()
    {
        string namesJson = await ui.Server.Client.GetStringAsync("/api/v1/label/__name__/values", TestContext.Current.CancellationToken);
        using var namesDoc = JsonDocument.Parse(namesJson);
        var all = namesDoc.RootElement.GetProperty("data").EnumerateArray().Select(e => e.GetString()!).ToList();
        var containing = all.Where(n => n.Contains("http_req", StringComparison.Ordinal)).Order(StringComparer.Ordinal).ToList();
        Assert.NotEmpty(containing);

        await using var p = await ui.OpenAsync("/query");
        var page = p.Page;
        await page.GetByTestId("metrics-explorer-button").ClickAsync();
        var filter = page.GetByTestId("metrics-explorer-filter");
        await Assertions.Expect(filter).ToBeFocusedAsync();
        var rows = page.GetByTestId("metrics-explorer-row");
        await Assertions.Expect(rows.First).ToBeVisibleAsync();
        await Assertions.Expect(page.GetByTestId("metrics-explorer-count")).ToHaveTextAsync(new Regex(@"^\d+ metrics"));

        await page.Keyboard.TypeAsync("http_req", new KeyboardTypeOptions { Delay = 30 });
        await Assertions.Expect(filter).ToHaveValueAsync("http_req");
        // "N of M metrics match": fewer than all. The names containing the text come first, in order; after them may
        // come names with its letters in order (promhttp_metric_handler_requests_total) and help-text matches.
        await Assertions.Expect(page.GetByTestId("metrics-explorer-count")).ToHaveTextAsync(new Regex(@"^\d+ of \d+ metrics match"));
        string countText = await page.GetByTestId("metrics-explorer-count").InnerTextAsync();
        var m = Regex.Match(countText, @"^(\d+) of (\d+)");
        int matched = int.Parse(m.Groups[1].Value, CultureInfo.InvariantCulture);
        int total = int.Parse(m.Groups[2].Value, CultureInfo.InvariantCulture);
        Assert.True(matched < total, countText);
        Assert.True(matched >= containing.Count, countText);
        await Assertions.Expect(rows.Nth(containing.Count - 1)).ToHaveAttributeAsync("data-metric", containing[^1]);
        var shown = new List<string>();
        foreach (var row in await rows.AllAsync())
        {
            shown.Add((await row.GetAttributeAsync("data-metric"))!);
        }
        Assert.Equal(containing, shown.Take(containing.Count));
        Assert.DoesNotContain(shown.Skip(containing.Count), n => n.Contains("http_req", StringComparison.Ordinal));
        await Assertions.Expect(rows.First).ToHaveAttributeAsync("aria-selected", "true");
        await p.ScreenshotAsync("query-metrics-explorer");

        // Enter picks the highlighted (first) row: into the editor, and the explorer closes.
        await page.Keyboard.PressAsync("Enter");
        await Assertions.Expect(filter).ToBeHiddenAsync();
        await Assertions.Expect(Editor(page)).ToHaveTextAsync(containing[0]);

        // A click picks a row too.
        await Editor(page).ClickAsync();
        await page.Keyboard.PressAsync("Control+A");
        await page.Keyboard.PressAsync("Delete");
        await Assertions.Expect(Editor(page).Locator(".cm-placeholder")).ToBeVisibleAsync(); // empty
        await page.GetByTestId("metrics-explorer-button").ClickAsync();
        await Assertions.Expect(filter).ToBeFocusedAsync();
        await page.Keyboard.TypeAsync("http_req");
        string second = containing.Count > 1 ? containing[1] : containing[0];
        await page.Locator($"[data-testid=metrics-explorer-row][data-metric=\"{second}\"]").ClickAsync();
        await Assertions.Expect(filter).ToBeHiddenAsync();
        await Assertions.Expect(Editor(page)).ToHaveTextAsync(second);

        // The picked name runs.
        await page.GetByTestId("execute-button").ClickAsync();
        await Assertions.Expect(page.GetByTestId("table-row").First).ToBeVisibleAsync();
    }
}
