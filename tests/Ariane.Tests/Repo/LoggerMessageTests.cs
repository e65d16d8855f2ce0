using System.Reflection;
using System.Text.RegularExpressions;
using Ariane.Logging;
using Ariane.Scrape;
using Ariane.Tests.Support;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace Ariane.Tests.Repo;

/// <summary>
/// The <c>[LoggerMessage]</c> classes keep to their event id ranges (issue 11 item 3): every id is unique, inside its
/// class's <see cref="LogEventIdsAttribute"/> range, the ranges do not overlap, and docs/ARCHITECTURE.md lists them.
/// </summary>
public sealed partial class LoggerMessageTests
{
    private static readonly Assembly[] Assemblies =
    [
        typeof(LogEventIdsAttribute).Assembly, // Ariane.Storage
        typeof(ScrapeManager).Assembly,        // Ariane.Engine
        typeof(Ariane.Server.ServerHost).Assembly,
    ];

    private static List<(Type Class, MethodInfo Method, int Id)> Messages()
    {
        var list = new List<(Type, MethodInfo, int)>();
        foreach (var a in Assemblies)
        {
            foreach (var t in a.GetTypes())
            {
                foreach (var m in t.GetMethods(BindingFlags.Public | BindingFlags.NonPublic | BindingFlags.Static | BindingFlags.Instance | BindingFlags.DeclaredOnly))
                {
                    if (m.GetCustomAttribute<LoggerMessageAttribute>() is { } lm)
                    {
                        list.Add((t, m, lm.EventId));
                    }
                }
            }
        }
        return list;
    }

    private static List<(Type Class, LogEventIdsAttribute Range)> LogClasses()
    {
        var list = new List<(Type, LogEventIdsAttribute)>();
        foreach (var a in Assemblies)
        {
            foreach (var t in a.GetTypes())
            {
                if (t.GetCustomAttribute<LogEventIdsAttribute>() is { } r)
                {
                    list.Add((t, r));
                }
            }
        }
        return list;
    }

    [Fact]
    public void EveryEventIdIsUniqueAndInsideItsClassRange()
    {
        var messages = Messages();
        Assert.True(messages.Count >= 50, $"only {messages.Count} [LoggerMessage] methods found");
        var seen = new Dictionary<int, string>();
        foreach (var (cls, method, id) in messages)
        {
            string name = cls.Name + "." + method.Name;
            var range = cls.GetCustomAttribute<LogEventIdsAttribute>();
            Assert.True(range is not null, $"{name}: its class has no [LogEventIds] range");
            Assert.True(id >= range.First && id <= range.Last, $"{name}: event id {id} is outside {cls.Name}'s range {range.First}–{range.Last}");
            Assert.True(seen.TryAdd(id, name), $"event id {id} is used by both {(seen.TryGetValue(id, out var other) ? other : "")} and {name}");
        }
    }

    [Fact]
    public void RangesDoNotOverlap()
    {
        var classes = LogClasses().OrderBy(c => c.Range.First).ToList();
        Assert.True(classes.Count >= 5, $"only {classes.Count} log classes found");
        for (int i = 0; i < classes.Count; i++)
        {
            Assert.True(classes[i].Range.First <= classes[i].Range.Last, $"{classes[i].Class.Name}: an empty range");
            if (i > 0)
            {
                Assert.True(classes[i - 1].Range.Last < classes[i].Range.First,
                    $"{classes[i - 1].Class.Name} and {classes[i].Class.Name} share event ids");
            }
        }
    }

    [GeneratedRegex(@"(?:^| )(?<key>[a-z0-9_]+)=\{")]
    private static partial Regex FieldKey();

    [Fact]
    public void NoFieldTakesTheKeyOfTheLineItself()
    {
        // The formatters write time, level, source and msg first; a field of the same name would make the JSON object
        // carry a key twice and the logfmt line read ambiguously.
        foreach (var (cls, method, _) in Messages())
        {
            string template = method.GetCustomAttribute<LoggerMessageAttribute>()!.Message;
            foreach (Match m in FieldKey().Matches(template))
            {
                Assert.True(m.Groups["key"].Value is not ("time" or "level" or "source" or "msg"),
                    $"{cls.Name}.{method.Name}: the field {m.Groups["key"].Value}= would repeat a key every line has");
            }
        }
    }

    [GeneratedRegex(@"^\| `(?<class>\w+)` \| (?<first>\d+)–(?<last>\d+) \|", RegexOptions.Multiline)]
    private static partial Regex RangeRow();

    [Fact]
    public void ArchitectureListsEveryRange()
    {
        string doc = File.ReadAllText(Path.Combine(TestPaths.RepoRoot, "docs", "ARCHITECTURE.md"));
        var documented = RangeRow().Matches(doc).ToDictionary(m => m.Groups["class"].Value, m => (int.Parse(m.Groups["first"].Value, System.Globalization.CultureInfo.InvariantCulture), int.Parse(m.Groups["last"].Value, System.Globalization.CultureInfo.InvariantCulture)));
        foreach (var (cls, range) in LogClasses())
        {
            Assert.True(documented.TryGetValue(cls.Name, out var d), $"docs/ARCHITECTURE.md's Logging table does not list {cls.Name}");
            Assert.Equal((range.First, range.Last), d);
        }
    }

    [Fact]
    public void AScrapeLogsNothingAndAllocatesNothingWithDebugOff()
    {
        var url = new Uri("http://127.0.0.1:9100/metrics");
        ScrapeLog.ScrapeDone(NullLogger.Instance, url, 0.5, 1, 1, 1, ""); // the first call initialises the generated statics
        long before = GC.GetAllocatedBytesForCurrentThread();
        for (int i = 0; i < 1000; i++)
        {
            ScrapeLog.ScrapeDone(NullLogger.Instance, url, 0.5, i, i, 0, "");
        }
        Assert.Equal(0, GC.GetAllocatedBytesForCurrentThread() - before);

        var info = new ListLogger(minLevel: LogLevel.Information);
        ScrapeLog.ScrapeDone(info, url, 0.5, 1, 1, 1, "");
        Assert.Empty(info.Lines);
    }
}
