using Microsoft.Playwright;

namespace Ariane.Tests.Server.UiE2e;

/// <summary>
/// Every page of the app in both colour schemes: it loads without console errors, shows its heading, and leaves a
/// screenshot under .build/test-reports/screenshots/ for a person to look at. The theme toggle and the home page.
/// </summary>
[Collection(nameof(UiE2eCollection))]
public class UiPagesE2eTests(UiE2eFixture ui)
{
    /// <summary>Every page in the navigation (and the not-found page): screenshot name, path, a text it must show.</summary>
    public static TheoryData<string, string, string> Pages => new()
    {
        { "home", "/", "Overview" },
        { "query", "/query", "Add query" },
        { "targets", "/targets", "Targets" },
        { "service-discovery", "/service-discovery", "Service discovery" },
        { "status", "/status", "Runtime information" },
        { "tsdb-status", "/tsdb-status", "Top metrics by series" },
        { "flags", "/flags", "Command-line flags" },
        { "config", "/config", "scrape_configs" },
        { "not-found", "/no-such-page", "Page not found" },
    };

    [Theory]
    [MemberData(nameof(Pages))]
    public async Task Every_page_loads_in_the_light_theme(string name, string path, string text) => await LoadAsync(name, path, text, dark: false);

    [Theory]
    [MemberData(nameof(Pages))]
    public async Task Every_page_loads_in_the_dark_theme(string name, string path, string text) => await LoadAsync(name, path, text, dark: true);

    private async Task LoadAsync(string name, string path, string text, bool dark)
    {
        await using var p = await ui.OpenAsync(path, dark);
        await Assertions.Expect(p.Page.GetByText(text, new PageGetByTextOptions { Exact = false }).First).ToBeVisibleAsync();
        Assert.Equal(dark ? "dark" : "light", await p.Page.Locator("html").GetAttributeAsync("data-mantine-color-scheme"));
        await p.ScreenshotAsync(name);
    }

    [Fact]
    public async Task Every_page_fits_a_phone_screen()
    {
        foreach (var row in Pages)
        {
            var (name, path, _) = row.Data;
            await using var p = await ui.OpenAsync(path, width: 390, height: 844);
            // Nothing wider than the screen: the page does not scroll sideways.
            int overflow = await p.Page.EvaluateAsync<int>("() => document.documentElement.scrollWidth - window.innerWidth");
            Assert.True(overflow <= 0, $"{path} is {overflow} px wider than a 390 px screen");
            await p.ScreenshotAsync(name + "-phone");
        }
    }

    [Fact]
    public async Task The_theme_toggle_is_remembered_after_a_reload()
    {
        await using var p = await ui.OpenAsync("/");
        var html = p.Page.Locator("html");
        Assert.Equal("light", await html.GetAttributeAsync("data-mantine-color-scheme"));
        await p.Page.GetByTestId("theme-toggle").ClickAsync();
        await Assertions.Expect(html).ToHaveAttributeAsync("data-mantine-color-scheme", "dark");
        await p.Page.ReloadAsync(new PageReloadOptions { WaitUntil = WaitUntilState.NetworkIdle });
        await Assertions.Expect(html).ToHaveAttributeAsync("data-mantine-color-scheme", "dark");
        await p.Page.GetByTestId("theme-toggle").ClickAsync();
        await Assertions.Expect(html).ToHaveAttributeAsync("data-mantine-color-scheme", "light");
    }

    [Fact]
    public async Task The_home_page_shows_the_jobs_up_and_down()
    {
        await using var p = await ui.OpenAsync("/");
        await Assertions.Expect(p.Page.GetByText("ariane", new PageGetByTextOptions { Exact = true }).First).ToBeVisibleAsync();
        await Assertions.Expect(p.Page.GetByText("down", new PageGetByTextOptions { Exact = true }).First).ToBeVisibleAsync();
    }

    [Fact]
    public async Task The_navigation_opens_every_page_without_a_full_reload()
    {
        await using var p = await ui.OpenAsync("/");
        var nav = p.Page.GetByRole(AriaRole.Navigation, new PageGetByRoleOptions { Name = "Pages" });
        foreach (var link in await nav.GetByRole(AriaRole.Link).AllAsync())
        {
            string href = (await link.GetAttributeAsync("href"))!;
            await link.ClickAsync();
            await Assertions.Expect(p.Page).ToHaveURLAsync(new System.Text.RegularExpressions.Regex(System.Text.RegularExpressions.Regex.Escape(href) + "$"));
            await p.SettledAsync();
        }
    }
}
