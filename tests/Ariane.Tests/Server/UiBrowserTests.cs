using System.Diagnostics;
using Ariane.Tests.Support;

namespace Ariane.Tests.Server;

/// <summary>
/// Issue 12: the web app in a real browser (Debian's Chromium, headless, installed by test.sh) against a real server:
/// each page is rendered in both colour schemes, its DOM after the scripts ran is checked, and a screenshot of each is
/// saved under <c>.build/test-reports/screenshots/</c> for a person to look at.
/// </summary>
public class UiBrowserTests
{
    private const string Chromium = "/usr/bin/chromium";

    /// <summary>Runs headless Chromium on <paramref name="url"/>: its DOM after scripts ran, and a screenshot.</summary>
    private static async Task<string> RenderAsync(string url, string screenshot, bool dark, CancellationToken ct)
    {
        Assert.True(File.Exists(Chromium), "chromium is missing: ./test.sh installs the Debian package 'chromium'");
        string[] common =
        [
            "--headless", "--no-sandbox", "--disable-gpu", "--hide-scrollbars", "--no-first-run", "--window-size=1280,800",
            "--virtual-time-budget=10000", "--user-data-dir=" + Path.Combine(Path.GetTempPath(), "ariane-chromium-" + Guid.NewGuid().ToString("N")),
            .. dark ? new[] { "--force-dark-mode", "--blink-settings=preferredColorScheme=0" } : [],
        ];
        string dom = await RunAsync([.. common, "--dump-dom", url], ct);
        await RunAsync([.. common, "--screenshot=" + screenshot, url], ct);
        Assert.True(new FileInfo(screenshot).Length > 1000, "no screenshot written: " + screenshot);
        return dom;
    }

    private static async Task<string> RunAsync(string[] args, CancellationToken ct)
    {
        var psi = new ProcessStartInfo(Chromium) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (string a in args)
        {
            psi.ArgumentList.Add(a);
        }
        using var p = Process.Start(psi)!;
        var stdout = p.StandardOutput.ReadToEndAsync(ct);
        var stderr = p.StandardError.ReadToEndAsync(ct);
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(ct);
        timeout.CancelAfter(TimeSpan.FromSeconds(90));
        try
        {
            await p.WaitForExitAsync(timeout.Token);
        }
        catch (OperationCanceledException)
        {
            p.Kill(entireProcessTree: true);
            throw;
        }
        string output = await stdout;
        Assert.True(p.ExitCode == 0, $"chromium exited {p.ExitCode}: {await stderr}");
        return output;
    }

    [Fact]
    public async Task Every_page_renders_in_both_themes_and_is_saved_as_a_screenshot()
    {
        var ct = TestContext.Current.CancellationToken;
        using var dir = new TempDir();
        await using var s = await ServerProcess.StartAsync(dir.Path);
        // The embedded default configuration scrapes the server itself (job "ariane"): wait until the targets API
        // shows it, so the home page has something to show.
        await s.EventuallyAsync(async () => (await s.Client.GetStringAsync("/api/v1/targets", ct)).Contains("\"health\":\"up\""),
            TimeSpan.FromSeconds(60), "the self-scrape target up");
        string shots = Path.Combine(SuiteReport.Dir, "screenshots");
        Directory.CreateDirectory(shots);
        var pages = new (string Name, string Path, string[] Expect)[]
        {
            ("home", "/", ["Overview", "Targets", "ariane", "up", "version"]),
            ("not-found", "/no-such-page", ["Page not found", "Go to the home page"]),
        };
        var report = new List<string>();
        foreach (var (name, path, expect) in pages)
        {
            foreach (bool dark in new[] { false, true })
            {
                string file = Path.Combine(shots, $"{name}-{(dark ? "dark" : "light")}.png");
                string dom = await RenderAsync(new Uri(s.BaseAddress, path).ToString(), file, dark, ct);
                foreach (string text in expect)
                {
                    Assert.True(dom.Contains(text, StringComparison.Ordinal), $"{name} ({(dark ? "dark" : "light")}): \"{text}\" is not on the page:\n{dom[..Math.Min(3000, dom.Length)]}");
                }
                Assert.Contains(dark ? "data-mantine-color-scheme=\"dark\"" : "data-mantine-color-scheme=\"light\"", dom);
                report.Add($"  {name,-10} {(dark ? "dark " : "light")} {path,-14} ok, screenshot {Path.GetFileName(file)}");
            }
        }
        SuiteReport.Write("ui-browser", $"UI in headless Chromium: {report.Count} page renders checked, screenshots in .build/test-reports/screenshots/\n" + string.Join("\n", report));
    }
}
