using Microsoft.Playwright;

namespace Ariane.Tests.Server.UiE2e;

/// <summary>
/// The targets and service-discovery pages (issue 12, item 4) against the suite's server: an up and a down target
/// with its error, filters that live in the URL, discovered labels on demand, and the relabel rule that dropped a
/// target.
/// </summary>
[Collection(nameof(UiE2eCollection))]
public class TargetsE2eTests(UiE2eFixture ui)
{
    private static ILocator Row(IPage page, string pool) => page.Locator($"[data-testid=target-row][data-pool=\"{pool}\"]");

    [Fact]
    public async Task The_targets_page_shows_an_up_and_a_down_target_with_its_error()
    {
        await using var p = await ui.OpenAsync("/targets");
        var up = Row(p.Page, "ariane");
        var down = Row(p.Page, "down");
        await Assertions.Expect(up).ToHaveCountAsync(1);
        await Assertions.Expect(down).ToHaveCountAsync(1);
        await Assertions.Expect(up.GetByTestId("target-health")).ToHaveTextAsync("up");
        await Assertions.Expect(down.GetByTestId("target-health")).ToHaveTextAsync("down");
        await Assertions.Expect(up.GetByTestId("target-error")).ToHaveCountAsync(0);
        await Assertions.Expect(down.GetByTestId("target-error")).ToContainTextAsync("refused");
        await Assertions.Expect(up.GetByTestId("target-endpoint")).ToHaveAttributeAsync("href", new System.Text.RegularExpressions.Regex("/metrics$"));
        await Assertions.Expect(up.GetByTestId("target-labels")).ToContainTextAsync("job=\"ariane\"");
        await Assertions.Expect(up.GetByTestId("target-last-scrape")).ToContainTextAsync("ago");

        var headers = p.Page.GetByTestId("pool-header");
        await Assertions.Expect(headers.And(p.Page.Locator("[data-pool=ariane]")).GetByTestId("pool-up-count")).ToHaveTextAsync("1 / 1 up");
        await Assertions.Expect(headers.And(p.Page.Locator("[data-pool=down]")).GetByTestId("pool-up-count")).ToHaveTextAsync("0 / 1 up");
        await p.ScreenshotAsync("targets-up-and-down");

        // A pool collapses and expands; "Collapse all" hides every row.
        await headers.And(p.Page.Locator("[data-pool=down]")).ClickAsync();
        await Assertions.Expect(down).ToHaveCountAsync(0);
        await p.Page.GetByTestId("expand-all").ClickAsync();
        await Assertions.Expect(down).ToHaveCountAsync(1);
        await p.Page.GetByTestId("collapse-all").ClickAsync();
        await Assertions.Expect(p.Page.GetByTestId("target-row")).ToHaveCountAsync(0);
    }

    [Fact]
    public async Task The_filters_live_in_the_URL_so_a_link_reproduces_the_view()
    {
        await using var p = await ui.OpenAsync("/targets");
        await p.Page.GetByTestId("filter-health-down").ClickAsync();
        await Assertions.Expect(p.Page).ToHaveURLAsync(new System.Text.RegularExpressions.Regex("health=down"));
        await Assertions.Expect(p.Page.GetByTestId("target-row")).ToHaveCountAsync(1);
        await Assertions.Expect(Row(p.Page, "down")).ToHaveCountAsync(1);

        // The same URL opened afresh shows the same view; free text matches the error.
        await using var again = await ui.OpenAsync("/targets?health=up,down&q=refused");
        await Assertions.Expect(again.Page.GetByTestId("filter-text")).ToHaveValueAsync("refused");
        await Assertions.Expect(again.Page.GetByTestId("target-row")).ToHaveCountAsync(1);
        await Assertions.Expect(Row(again.Page, "down")).ToHaveCountAsync(1);
        await again.Page.GetByTestId("filter-text").FillAsync("job=\"ariane\"");
        await Assertions.Expect(Row(again.Page, "ariane")).ToHaveCountAsync(1);
        await Assertions.Expect(again.Page).ToHaveURLAsync(new System.Text.RegularExpressions.Regex("q=job"));
    }

    [Fact]
    public async Task A_row_shows_its_discovered_labels_on_demand()
    {
        await using var p = await ui.OpenAsync("/targets");
        var row = Row(p.Page, "down");
        await Assertions.Expect(row.GetByTestId("discovered-labels")).ToHaveCountAsync(0);
        await row.GetByTestId("discovered-toggle").ClickAsync();
        await Assertions.Expect(row.GetByTestId("discovered-labels")).ToContainTextAsync("__address__=");
        await Assertions.Expect(row.GetByTestId("discovered-labels")).ToContainTextAsync("__scheme__=\"http\"");
    }

    [Fact]
    public async Task Service_discovery_shows_the_relabel_rule_that_dropped_a_target()
    {
        await using var p = await ui.OpenAsync("/service-discovery");
        var dropped = p.Page.Locator("[data-testid=sd-row][data-pool=relabelled]");
        await Assertions.Expect(dropped).ToHaveCountAsync(1);
        await Assertions.Expect(dropped.GetByTestId("sd-dropped")).ToBeVisibleAsync();
        var kept = p.Page.Locator("[data-testid=sd-row][data-pool=ariane]");
        await Assertions.Expect(kept.GetByTestId("sd-target-labels")).ToContainTextAsync("instance=");
        await Assertions.Expect(kept.GetByTestId("sd-discovered")).ToContainTextAsync("__address__=");

        await dropped.GetByTestId("relabel-toggle").ClickAsync();
        var step = dropped.GetByTestId("relabel-step");
        await Assertions.Expect(step).ToHaveCountAsync(1);
        await Assertions.Expect(step).ToHaveAttributeAsync("data-keep", "false");
        await Assertions.Expect(step.GetByTestId("relabel-drop-step")).ToBeVisibleAsync();
        await Assertions.Expect(step).ToContainTextAsync("Rule 1: drop");
        await Assertions.Expect(step).ToContainTextAsync("__address__");
        // A full-page screenshot of a scrolled page draws the fixed header over the content: back to the top first.
        await p.Page.EvaluateAsync("() => window.scrollTo(0, 0)");
        await p.ScreenshotAsync("service-discovery-relabel-steps");

        // A pool without relabel rules says so.
        await kept.GetByTestId("relabel-toggle").ClickAsync();
        await Assertions.Expect(kept.GetByTestId("relabel-steps")).ToContainTextAsync("has no relabel_configs");

        // The dropped filter is in the URL.
        await p.Page.GetByText("Dropped (1)").ClickAsync();
        await Assertions.Expect(p.Page).ToHaveURLAsync(new System.Text.RegularExpressions.Regex("show=dropped"));
        await Assertions.Expect(p.Page.GetByTestId("sd-row")).ToHaveCountAsync(1);
    }
}
