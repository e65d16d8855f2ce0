// The web UI's benchmark (issue 12): in headless Chromium, against a real Ariane holding backfilled data, the time
// from navigation to the first graph drawn for a range query answering 100 series x 1,000 points, and to the table
// drawn for 10,000 series; the time after the API answered; the JS heap after each; the app's initial JavaScript and
// CSS, gzipped. Usage: bench/ui.sh [--runs 5]. Markdown on stdout.
using System.Diagnostics;
using System.Globalization;
using System.Text;
using System.Text.Json;
using System.Text.RegularExpressions;
using Microsoft.Playwright;

var inv = CultureInfo.InvariantCulture;
string repo = args.Length > 1 && args[0] == "--repo" ? args[1] : Directory.GetCurrentDirectory();
int runs = 5;
bool profile = args.Contains("--profile");
for (int i = 0; i < args.Length - 1; i++)
{
    if (args[i] == "--runs")
    {
        runs = int.Parse(args[i + 1], inv);
    }
}
string binary = Path.Combine(repo, ".build/server/ariane");
string work = Path.Combine(Path.GetTempPath(), "ariane-bench-ui-" + Environment.ProcessId);
Directory.CreateDirectory(work);
try
{
    // 1. The data: 100 series x 1,000 points 15 s apart, and 10,000 series with a sample at the same end, backfilled.
    long end = DateTimeOffset.UtcNow.ToUnixTimeSeconds() / 60 * 60 - 120;
    const int Points = 1000, Step = 15;
    long start = end - (Points - 1) * Step;
    string om = Path.Combine(work, "data.om");
    using (var w = new StreamWriter(om, false, new UTF8Encoding(false)))
    {
        w.WriteLine("# TYPE bench_graph gauge");
        for (int s = 0; s < 100; s++)
        {
            for (int p = 0; p < Points; p++)
            {
                double v = 100 + 50 * Math.Sin((p + s * 7) / 40.0) + s;
                w.WriteLine(string.Create(inv, $"bench_graph{{series=\"{s}\"}} {v:F3} {start + p * Step}"));
            }
        }
        w.WriteLine("# TYPE bench_table gauge");
        for (int s = 0; s < 10_000; s++)
        {
            w.WriteLine(string.Create(inv, $"bench_table{{series=\"{s}\",shard=\"{s % 16}\"}} {s * 1.5} {end}"));
        }
        w.WriteLine("# EOF");
    }
    string data = Path.Combine(work, "data");
    Run(binary, ["tsdb", "create-blocks-from", "openmetrics", om, data, "-q"]);

    // 2. The server, scraping nothing.
    string config = Path.Combine(work, "prometheus.yml");
    File.WriteAllText(config, "global:\n  scrape_interval: 1m\n");
    int port = FreePort();
    using var server = Process.Start(new ProcessStartInfo(binary)
    {
        ArgumentList = { "serve", "--config.file=" + config, "--storage.tsdb.path=" + data, "--storage.tsdb.retention.time=100y", $"--web.listen-address=127.0.0.1:{port}" },
        RedirectStandardOutput = true,
        RedirectStandardError = true,
    })!;
    server.OutputDataReceived += (_, _) => { };
    server.ErrorDataReceived += (_, _) => { };
    server.BeginOutputReadLine();
    server.BeginErrorReadLine();
    try
    {
        string baseUrl = $"http://127.0.0.1:{port}";
        using var http = new HttpClient();
        for (int i = 0; ; i++)
        {
            try
            {
                if ((await http.GetAsync(baseUrl + "/-/ready")).IsSuccessStatusCode)
                {
                    break;
                }
            }
            catch (HttpRequestException) when (i < 600)
            {
            }
            await Task.Delay(100);
        }

        // 3. The browser. Each run opens a fresh context (cold cache), navigates, and waits for the drawing.
        using var pw = await Playwright.CreateAsync();
        await using var browser = await pw.Chromium.LaunchAsync(new BrowserTypeLaunchOptions
        {
            ExecutablePath = "/usr/bin/chromium",
            Headless = true,
            Args = ["--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage"],
        });
        string endInput = DateTimeOffset.FromUnixTimeSeconds(end).UtcDateTime.ToString("yyyy-MM-dd HH:mm:ss", inv);
        var cases = new (string Name, string Url, string Api, string Selector, string Mark)[]
        {
            ("graph: 100 series x 1,000 points", $"/query?g0.expr=bench_graph&g0.tab=graph&g0.range_input={(Points - 1) * Step}s&g0.end_input={Uri.EscapeDataString(endInput)}&g0.res_type=fixed&g0.res_step={Step}",
                "/api/v1/query_range", "[data-testid=\"graph\"] canvas", "graph"),
            ("table: 10,000 series", $"/query?g0.expr=bench_table&g0.tab=table&g0.moment_input={Uri.EscapeDataString(endInput)}",
                "/api/v1/query", "[data-testid=\"table-row\"]", "table"),
        };
        Console.WriteLine($"UI benchmark: {runs} runs per case, headless Chromium {browser.Version}, cold browser context each run; median and range.\n");
        Console.WriteLine("| case | navigation → drawn (ms) | API answered → drawn (ms) | of which JSON parsed → drawn (ms) | API answer (ms) | JS heap after (MB) | run again (Execute): API answered → drawn (ms) |");
        Console.WriteLine("| --- | ---: | ---: | ---: | ---: | ---: | ---: |");
        foreach (var c in cases)
        {
            var total = new List<double>();
            var after = new List<double>();
            var apiMs = new List<double>();
            var heap = new List<double>();
            var parsed = new List<double>();
            var again = new List<double>();
            for (int r = 0; r < runs; r++)
            {
                await using var ctx = await browser.NewContextAsync(new BrowserNewContextOptions { ViewportSize = new ViewportSize { Width = 1280, Height = 800 } });
                var page = await ctx.NewPageAsync();
                // Records when the first matching element is in the DOM, and the next animation frame after it (the
                // frame that shows it): "drawn".
                await page.AddInitScriptAsync($$"""
                    window.__bench = {};
                    new MutationObserver(() => {
                      if (window.__bench.seen === undefined && document.querySelector({{JsonSerializer.Serialize(c.Selector)}})) {
                        window.__bench.seen = performance.now();
                        requestAnimationFrame(() => { window.__bench.drawn = performance.now(); });
                      }
                    }).observe(document, { subtree: true, childList: true });
                    """);
                ICDPSession? prof = null;
                if (profile && r == runs - 1)
                {
                    // --profile: the last run's CPU profile, self time by function, from navigation to drawn.
                    prof = await ctx.NewCDPSessionAsync(page);
                    await prof.SendAsync("Profiler.enable");
                    await prof.SendAsync("Profiler.setSamplingInterval", new Dictionary<string, object> { ["interval"] = 200 });
                    await prof.SendAsync("Profiler.start");
                }
                await page.GotoAsync(baseUrl + c.Url);
                await page.WaitForFunctionAsync("() => window.__bench && window.__bench.drawn !== undefined", null, new PageWaitForFunctionOptions { Timeout = 60_000 });
                if (prof is not null)
                {
                    PrintProfile(c.Name, (await prof.SendAsync("Profiler.stop"))!.Value.GetProperty("profile"));
                }
                var m = await page.EvaluateAsync<JsonElement>($$"""
                    () => {
                      const api = performance.getEntriesByType('resource').filter(e => e.name.includes({{JsonSerializer.Serialize(c.Api)}}));
                      const last = api[api.length - 1];
                      const mark = performance.getEntriesByName('ariane:{{c.Mark}}:answered');
                      return { drawn: window.__bench.drawn, answered: last ? last.responseEnd : -1, asked: last ? last.startTime : -1,
                               parsed: mark.length ? mark[mark.length - 1].startTime : -1 };
                    }
                    """);
                double drawn = m.GetProperty("drawn").GetDouble(), answered = m.GetProperty("answered").GetDouble(), asked = m.GetProperty("asked").GetDouble();
                var cdp = await ctx.NewCDPSessionAsync(page);
                await cdp.SendAsync("HeapProfiler.collectGarbage");
                var h = await cdp.SendAsync("Runtime.getHeapUsage");
                double parsedAt = m.GetProperty("parsed").GetDouble();
                parsed.Add(parsedAt >= 0 ? drawn - parsedAt : double.NaN);
                // The same query run again from the page (its code loaded, its editor ready): the click on Execute,
                // then the app's own "drawn" mark (a frame after the result rendered) against the new answer's end.
                int marks = await page.EvaluateAsync<int>($"() => performance.getEntriesByName('ariane:{c.Mark}:drawn').length");
                ICDPSession? prof2 = null;
                if (profile && r == runs - 1)
                {
                    prof2 = await ctx.NewCDPSessionAsync(page);
                    await prof2.SendAsync("Profiler.enable");
                    await prof2.SendAsync("Profiler.setSamplingInterval", new Dictionary<string, object> { ["interval"] = 200 });
                    await prof2.SendAsync("Profiler.start");
                }
                await page.GetByTestId("execute-button").First.ClickAsync();
                await page.WaitForFunctionAsync($"() => performance.getEntriesByName('ariane:{c.Mark}:drawn').length > {marks}", null, new PageWaitForFunctionOptions { Timeout = 60_000 });
                if (prof2 is not null)
                {
                    PrintProfile(c.Name + ", run again", (await prof2.SendAsync("Profiler.stop"))!.Value.GetProperty("profile"));
                }
                again.Add(await page.EvaluateAsync<double>($$"""
                    () => {
                      const api = performance.getEntriesByType('resource').filter(e => e.name.includes({{JsonSerializer.Serialize(c.Api)}}));
                      const d = performance.getEntriesByName('ariane:{{c.Mark}}:drawn');
                      return d[d.length - 1].startTime - api[api.length - 1].responseEnd;
                    }
                    """));
                total.Add(drawn);
                after.Add(answered >= 0 ? drawn - answered : double.NaN);
                apiMs.Add(answered >= 0 ? answered - asked : double.NaN);
                heap.Add(h!.Value.GetProperty("usedSize").GetDouble() / 1048576);
            }
            Console.WriteLine($"| {c.Name} | {Stat(total)} | {Stat(after)} | {Stat(parsed)} | {Stat(apiMs)} | {Stat(heap, "F1")} | {Stat(again)} |");
        }
    }
    finally
    {
        server.Kill();
        await server.WaitForExitAsync();
    }

    // 4. The app's initial load: the files index.html names (JS and CSS), gzipped, as the server sends them.
    string dist = Path.Combine(repo, "web/dist");
    string index = File.ReadAllText(Path.Combine(dist, "index.html"));
    long js = 0, css = 0;
    foreach (Match f in Regex.Matches(index, "(?:src|href)=\"/(assets/[^\"]+\\.(js|css))\""))
    {
        long gz = new FileInfo(Path.Combine(dist, f.Groups[1].Value + ".gz")).Length;
        if (f.Groups[2].Value == "js")
        {
            js += gz;
        }
        else
        {
            css += gz;
        }
    }
    long lazy = Directory.GetFiles(Path.Combine(dist, "assets"), "*.js.gz").Sum(f => new FileInfo(f).Length) - js;
    Console.WriteLine($"\nInitial bundle, gzipped: JavaScript {js / 1024.0:F1} KB + CSS {css / 1024.0:F1} KB = {(js + css) / 1024.0:F1} KB (chunks loaded later: {lazy / 1024.0:F1} KB).");
}
finally
{
    Directory.Delete(work, recursive: true);
}

static void PrintProfile(string name, JsonElement profile)
{
    // Self time per node = its samples x the mean interval; summed by function name and script.
    var nodes = new Dictionary<int, string>();
    foreach (var n in profile.GetProperty("nodes").EnumerateArray())
    {
        var f = n.GetProperty("callFrame");
        string url = f.GetProperty("url").GetString() ?? "";
        nodes[n.GetProperty("id").GetInt32()] = $"{(f.GetProperty("functionName").GetString() is { Length: > 0 } fn ? fn : "(anonymous)")} {url[(url.LastIndexOf('/') + 1)..]}:{f.GetProperty("lineNumber").GetInt32()}";
    }
    var samples = profile.GetProperty("samples").EnumerateArray().Select(x => x.GetInt32()).ToList();
    var deltas = profile.GetProperty("timeDeltas").EnumerateArray().Select(x => x.GetInt64()).ToList();
    var self = new Dictionary<string, double>();
    for (int i = 0; i < samples.Count; i++)
    {
        string k = nodes[samples[i]];
        self[k] = self.GetValueOrDefault(k) + (i + 1 < deltas.Count ? deltas[i + 1] : 0) / 1000.0;
    }
    Console.WriteLine($"\nCPU profile, {name} (self ms, top 20):");
    foreach (var (k, v) in self.OrderByDescending(x => x.Value).Take(20))
    {
        Console.WriteLine($"  {v,8:F1}  {k}");
    }
}

static string Stat(List<double> xs, string fmt = "F0")
{
    var s = xs.Where(x => !double.IsNaN(x)).Order().ToList();
    if (s.Count == 0)
    {
        return "n/a";
    }
    var inv = CultureInfo.InvariantCulture;
    return $"{s[s.Count / 2].ToString(fmt, inv)} ({s[0].ToString(fmt, inv)}–{s[^1].ToString(fmt, inv)})";
}

static void Run(string file, string[] args)
{
    var psi = new ProcessStartInfo(file) { RedirectStandardError = true };
    foreach (string a in args)
    {
        psi.ArgumentList.Add(a);
    }
    using var p = Process.Start(psi)!;
    string err = p.StandardError.ReadToEnd();
    p.WaitForExit();
    if (p.ExitCode != 0)
    {
        throw new InvalidOperationException($"{file} {string.Join(' ', args)} exited {p.ExitCode}: {err}");
    }
}

static int FreePort()
{
    using var l = new System.Net.Sockets.TcpListener(System.Net.IPAddress.Loopback, 0);
    l.Start();
    int port = ((System.Net.IPEndPoint)l.LocalEndpoint).Port;
    l.Stop();
    return port;
}
