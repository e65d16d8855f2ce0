using Ariane.Tests.Support;
using Microsoft.Playwright;

namespace Ariane.Tests.Server.UiE2e;

/// <summary>
/// Issue 12's browser suite: one real server and one headless Chromium (Debian's /usr/bin/chromium, driven through
/// Playwright's driver; nothing is downloaded) shared by every test of the <see cref="UiE2eCollection"/>.
/// <para>
/// How to add a check (one test class per page or area, in this folder):
/// <code>
/// [Collection(nameof(UiE2eCollection))]
/// public class MyPageE2eTests(UiE2eFixture ui)
/// {
///     [Fact]
///     public async Task The_page_shows_what_it_should()
///     {
///         await using var p = await ui.OpenAsync("/my-page");            // light, 1280x800; OpenAsync(path, dark: true) too
///         await p.Page.GetByTestId("my-thing").WaitForAsync();           // Playwright locators wait for the element
///         Assert.Equal("42", await p.Page.GetByTestId("my-thing").InnerTextAsync());
///         await p.ScreenshotAsync("my-page-detail");                     // saved under .build/test-reports/screenshots/
///     }                                                                   // disposing asserts no console errors happened
/// }
/// </code>
/// Every page is also in <see cref="UiPagesE2eTests.Pages"/>, which loads it in both themes and saves a screenshot.
/// The server scrapes itself (job "ariane", up) and a closed port (job "down", down with "connection refused").
/// </para>
/// </summary>
public sealed class UiE2eFixture : IAsyncLifetime
{
    private const string Chromium = "/usr/bin/chromium";
    private TempDir? _dir;
    private IPlaywright? _playwright;

    /// <summary>The server under test.</summary>
    public ServerProcess Server { get; private set; } = null!;

    /// <summary>The browser every test opens its own context in.</summary>
    public IBrowser Browser { get; private set; } = null!;

    /// <summary>Where each run's screenshots go (the suite reports' folder, so CI keeps them with the reports).</summary>
    public static string ScreenshotDir { get; } = Path.Combine(SuiteReport.Dir, "screenshots");

    /// <summary>Starts the server with an up and a down target, waits until both were scraped, and starts Chromium.</summary>
    public async ValueTask InitializeAsync()
    {
        Assert.True(File.Exists(Chromium), "chromium is missing: ./test.sh installs the Debian package 'chromium'");
        Directory.CreateDirectory(ScreenshotDir);
        _dir = new TempDir();
        int port = ServerProcess.FreePort();
        int closed = ServerProcess.FreePort();
        string config = Path.Combine(_dir.Path, "prometheus.yml");
        await File.WriteAllTextAsync(config, $$"""
            global:
              scrape_interval: 2s
            scrape_configs:
              - job_name: ariane
                static_configs:
                  - targets: ["127.0.0.1:{{port}}"]
              - job_name: down
                static_configs:
                  - targets: ["127.0.0.1:{{closed}}"]
            """);
        Server = ServerProcess.Launch(Path.Combine(_dir.Path, "data"), ["serve"], ["--config.file=" + config], port);
        await Server.WaitReadyAsync(TimeSpan.FromSeconds(60));
        await Server.EventuallyAsync(async () =>
        {
            string t = await Server.Client.GetStringAsync("/api/v1/targets");
            return t.Contains("\"health\":\"up\"", StringComparison.Ordinal) && t.Contains("\"health\":\"down\"", StringComparison.Ordinal);
        }, TimeSpan.FromSeconds(60), "the up and the down target scraped");

        _playwright = await Playwright.CreateAsync();
        Browser = await _playwright.Chromium.LaunchAsync(new BrowserTypeLaunchOptions
        {
            ExecutablePath = Chromium,
            Headless = true,
            Args = ["--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage"],
        });
    }

    /// <summary>
    /// Opens <paramref name="path"/> in a fresh browser context (its own storage: a remembered theme does not leak
    /// between tests) with the system colour scheme light or dark, and waits until the page has loaded its data.
    /// </summary>
    public async Task<UiPage> OpenAsync(string path, bool dark = false, int width = 1280, int height = 800)
    {
        var context = await Browser.NewContextAsync(new BrowserNewContextOptions
        {
            ColorScheme = dark ? ColorScheme.Dark : ColorScheme.Light,
            ViewportSize = new ViewportSize { Width = width, Height = height },
            BaseURL = Server.BaseAddress.ToString(),
        });
        var page = await context.NewPageAsync();
        var p = new UiPage(context, page, dark);
        await p.GotoAsync(path);
        return p;
    }

    /// <summary>Stops Chromium, then the server.</summary>
    public async ValueTask DisposeAsync()
    {
        if (Browser is not null)
        {
            await Browser.CloseAsync();
        }
        _playwright?.Dispose();
        if (Server is not null)
        {
            await Server.DisposeAsync();
        }
        _dir?.Dispose();
    }
}

/// <summary>The browser suite's tests share one server and one browser and run one after another.</summary>
[CollectionDefinition(nameof(UiE2eCollection), DisableParallelization = true)]
public sealed class UiE2eCollection : ICollectionFixture<UiE2eFixture>;

/// <summary>One page in its own browser context, recording the console errors and failed requests it causes.</summary>
public sealed class UiPage : IAsyncDisposable
{
    private readonly IBrowserContext _context;
    private readonly List<string> _errors = [];
    private readonly List<string> _expected = [];

    internal UiPage(IBrowserContext context, IPage page, bool dark)
    {
        _context = context;
        Page = page;
        Dark = dark;
        page.Console += (_, m) =>
        {
            if (m.Type == "error")
            {
                lock (_errors) { _errors.Add("console: " + m.Text); }
            }
        };
        page.PageError += (_, e) => { lock (_errors) { _errors.Add("uncaught: " + e); } };
    }

    /// <summary>The Playwright page.</summary>
    public IPage Page { get; }

    /// <summary>Whether the context's system colour scheme is dark.</summary>
    public bool Dark { get; }

    /// <summary>The console errors and uncaught exceptions so far, less the expected ones.</summary>
    public IReadOnlyList<string> Errors
    {
        get
        {
            lock (_errors)
            {
                return [.. _errors.Where(e => !_expected.Exists(x => e.Contains(x, StringComparison.Ordinal)))];
            }
        }
    }

    /// <summary>
    /// A console error containing <paramref name="text"/> is part of the test (the browser logs every 4xx answer,
    /// e.g. the 400 of a query with a syntax error the test types on purpose).
    /// </summary>
    public void ExpectConsoleError(string text)
    {
        lock (_errors) { _expected.Add(text); }
    }

    /// <summary>Navigates and waits until the app rendered and no request is in flight or loading indicator shown.</summary>
    public async Task GotoAsync(string path)
    {
        await Page.GotoAsync(path, new PageGotoOptions { WaitUntil = WaitUntilState.NetworkIdle, Timeout = 30_000 });
        await SettledAsync();
    }

    /// <summary>Waits until no loading indicator (an element labelled "loading…") is left on the page.</summary>
    public async Task SettledAsync()
    {
        await Page.Locator("#root header").First.WaitForAsync(new LocatorWaitForOptions { Timeout = 15_000 });
        await Page.WaitForFunctionAsync("() => document.querySelectorAll('[aria-label^=\"loading\"]').length === 0",
            null, new PageWaitForFunctionOptions { Timeout = 20_000 });
    }

    /// <summary>Saves a full-page screenshot as <c>screenshots/&lt;name&gt;-light|dark.png</c> and returns its path.</summary>
    public async Task<string> ScreenshotAsync(string name)
    {
        string file = Path.Combine(UiE2eFixture.ScreenshotDir, $"{name}-{(Dark ? "dark" : "light")}.png");
        await Page.ScreenshotAsync(new PageScreenshotOptions { Path = file, FullPage = true });
        return file;
    }

    /// <summary>Closes the context; fails the test if the page logged a console error or threw.</summary>
    public async ValueTask DisposeAsync()
    {
        var errors = Errors;
        await _context.CloseAsync();
        Assert.True(errors.Count == 0, "the page logged errors:\n" + string.Join("\n", errors));
    }
}
