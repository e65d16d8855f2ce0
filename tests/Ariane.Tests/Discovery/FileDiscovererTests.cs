using System.Threading.Channels;
using Ariane.Config;
using Ariane.Discovery;
using Ariane.Model;
using Ariane.Tests.Support;
using Microsoft.Extensions.Time.Testing;

namespace Ariane.Tests.Discovery;

public sealed class FileDiscovererTests : IDisposable
{
    private static readonly TimeSpan Wait = TimeSpan.FromSeconds(20);
    private readonly string _dir = Directory.CreateTempSubdirectory("ariane-filesd").FullName;

    public void Dispose() => Directory.Delete(_dir, true);

    private string Write(string name, string text)
    {
        string p = Path.Combine(_dir, name);
        // Write then move, so the watcher never sees a half-written file (as tools that generate SD files should).
        string tmp = p + ".tmp";
        File.WriteAllText(tmp, text);
        File.Move(tmp, p, overwrite: true);
        return p;
    }

    /// <summary>Reads snapshots until one satisfies <paramref name="ok"/>, or fails after a timeout.</summary>
    private static async Task<IReadOnlyList<TargetGroup>> Until(ChannelReader<IReadOnlyList<TargetGroup>> reader,
        Func<IReadOnlyList<TargetGroup>, bool> ok)
    {
        using var cts = new CancellationTokenSource(Wait);
        while (true)
        {
            var snap = await reader.ReadAsync(cts.Token);
            if (ok(snap))
            {
                return snap;
            }
        }
    }

    private static List<string> Addresses(IReadOnlyList<TargetGroup> groups) =>
        groups.SelectMany(g => g.Targets).Select(t => t.Get("__address__")).ToList();

    [Fact]
    public void ParsesJsonAndYamlFilesWithMetaFilepath()
    {
        string json = Write("a.json", """[{"targets": ["a:1", "b:1"], "labels": {"env": "prod"}}, {"targets": ["c:1"]}]""");
        string yml = Write("b.yml", "- targets: ['d:1']\n  labels:\n    env: dev\n");
        var d = new FileDiscoverer(new FileSdConfig { Files = [Path.Combine(_dir, "*.json"), Path.Combine(_dir, "*.yml")] },
            new FakeTimeProvider());
        var groups = d.Refresh();
        Assert.Equal(3, groups.Count);
        Assert.Equal(json + ":0", groups[0].Source);
        Assert.Equal(json + ":1", groups[1].Source);
        Assert.Equal(yml + ":0", groups[2].Source);
        Assert.Equal(Labels.FromStrings("env", "prod", "__meta_filepath", json), groups[0].Labels);
        Assert.Equal(Labels.FromStrings("__meta_filepath", json), groups[1].Labels);
        Assert.Equal(["a:1", "b:1", "c:1", "d:1"], Addresses(groups));
    }

    [Fact]
    public async Task PicksUpChangesPromptlyAndKeepsLastGoodOnErrors()
    {
        Write("t.json", """[{"targets": ["a:1"]}]""");
        var errors = new List<string>();
        var time = new FakeTimeProvider();
        await using var d = new FileDiscoverer(new FileSdConfig { Files = [Path.Combine(_dir, "*.json")] }, time,
            new ListLogger(errors));
        using var cts = new CancellationTokenSource();
        var run = d.RunAsync(cts.Token);

        var first = await Until(d.Updates, _ => true);
        Assert.Equal(["a:1"], Addresses(first));

        // A change is seen through the file watcher, without advancing the clock.
        Write("t.json", """[{"targets": ["a:1", "b:1"]}]""");
        await Until(d.Updates, s => Addresses(s).Count == 2);

        // A broken file keeps its last good groups; a new file in the glob is added.
        Write("t.json", """[{"targets": ["a:1", """);
        Write("u.json", """[{"targets": ["c:1"]}]""");
        var snap = await Until(d.Updates, s => Addresses(s).Contains("c:1"));
        Assert.Equal(["a:1", "b:1", "c:1"], Addresses(snap));
        lock (errors)
        {
            Assert.Contains(errors, e => e.Contains("t.json", StringComparison.Ordinal));
        }

        // A deleted file takes its targets away.
        File.Delete(Path.Combine(_dir, "u.json"));
        snap = await Until(d.Updates, s => !Addresses(s).Contains("c:1"));
        Assert.Equal(["a:1", "b:1"], Addresses(snap));

        await cts.CancelAsync();
        await run.WaitAsync(Wait, TestContext.Current.CancellationToken);
        Assert.False(await d.Updates.WaitToReadAsync(TestContext.Current.CancellationToken).AsTask().WaitAsync(Wait, TestContext.Current.CancellationToken));
    }

    [Fact]
    public async Task RefreshIntervalRereadsFilesOnTheInjectedClock()
    {
        // A folder that does not exist yet cannot be watched: only the refresh interval can find the file.
        string sub = Path.Combine(_dir, "later");
        var time = new FakeTimeProvider();
        await using var d = new FileDiscoverer(
            new FileSdConfig { Files = [Path.Combine(sub, "*.yaml")], RefreshInterval = TimeSpan.FromMinutes(5) }, time);
        using var cts = new CancellationTokenSource();
        var run = d.RunAsync(cts.Token);
        Assert.Empty(await Until(d.Updates, _ => true));

        Directory.CreateDirectory(sub);
        File.WriteAllText(Path.Combine(sub, "x.yaml"), "- targets: [x:1]\n");
        var got = Task.Run(() => Until(d.Updates, s => s.Count == 1));
        // Advance until the loop has taken the timer and refreshed.
        using var advance = new CancellationTokenSource(Wait);
        while (!got.IsCompleted && !advance.IsCancellationRequested)
        {
            time.Advance(TimeSpan.FromMinutes(5));
            await Task.WhenAny(got, Task.Delay(50, advance.Token));
        }
        Assert.Equal(["x:1"], Addresses(await got));
        await cts.CancelAsync();
        await run.WaitAsync(Wait, TestContext.Current.CancellationToken);
    }

    [Fact]
    public async Task StoppingWhileFilesAreRewrittenNeverThrows()
    {
        // Issue 10 item 5: shutdown cancels the run (whose finally stops the watchers) and disposes the discoverer at
        // the same time, while watcher events keep arriving; the two stops used to iterate and clear one list together
        // ("Collection was modified"). Many folders make the list long enough for the race to show.
        var patterns = new List<string>();
        for (int i = 0; i < 40; i++)
        {
            string sub = Path.Combine(_dir, "d" + i);
            Directory.CreateDirectory(sub);
            File.WriteAllText(Path.Combine(sub, "t.json"), """[{"targets": ["a:1"]}]""");
            patterns.Add(Path.Combine(sub, "*.json"));
        }
        using var rewrite = new CancellationTokenSource();
        var writer = Task.Run(() =>
        {
            for (int n = 0; !rewrite.IsCancellationRequested; n++)
            {
                File.WriteAllText(Path.Combine(_dir, "d" + (n % 40), "t.json"), $$"""[{"targets": ["a:{{n % 7}}"]}]""");
            }
        }, TestContext.Current.CancellationToken);
        try
        {
            for (int round = 0; round < 40; round++)
            {
                var d = new FileDiscoverer(new FileSdConfig { Files = patterns }, new FakeTimeProvider());
                using var cts = new CancellationTokenSource();
                var run = Task.Run(() => d.RunAsync(cts.Token), TestContext.Current.CancellationToken);
                await Until(d.Updates, _ => true);
                // As ScrapePool.DisposeAsync does: cancel, then dispose without waiting for the run to end.
                var cancel = Task.Run(cts.Cancel, TestContext.Current.CancellationToken);
                await d.DisposeAsync();
                await cancel.WaitAsync(Wait, TestContext.Current.CancellationToken);
                await run.WaitAsync(Wait, TestContext.Current.CancellationToken);
            }
        }
        finally
        {
            await rewrite.CancelAsync();
            await writer.WaitAsync(Wait, TestContext.Current.CancellationToken);
        }
    }

    [Fact]
    public void BadFilesReportPositions()
    {
        string p = Write("bad.yml", "- targets: [a:1]\n  labels:\n    0bad: x\n");
        var e = Assert.Throws<ConfigException>(() => TargetGroups.ParseFile(p));
        Assert.Equal($"{p}:3:5: \"0bad\" is not a valid label name", e.Message);
    }
}
