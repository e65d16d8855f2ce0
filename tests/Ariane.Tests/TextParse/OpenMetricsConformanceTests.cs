using System.Text;
using System.Text.Json;
using Ariane.Model;
using Ariane.Tests.Support;
using Ariane.TextParse;

namespace Ariane.Tests.TextParse;

/// <summary>
/// Runs the OpenMetrics parser conformance cases (../shared/conformance/openmetrics/om-parsers/*), one theory row per
/// case, with every OpenMetrics 1.0 rule on; and the realistic payloads in prometheus-textparse with the parser the
/// scrape loop gets; writes a pass count to the suite report.
/// </summary>
public class OpenMetricsConformanceTests
{
    private static readonly string CasesDir = Path.Combine(TestPaths.Conformance, "openmetrics", "om-parsers");
    private static readonly string PayloadDir = Path.Combine(TestPaths.Conformance, "openmetrics", "prometheus-textparse");
    private static readonly string KnownFailuresFile = Path.Combine(TestPaths.RepoRoot, "tests", "Ariane.Tests", "TextParse", "openmetrics-known-failures.txt");

    public static TheoryData<string> Cases()
    {
        var data = new TheoryData<string>();
        foreach (string name in CaseNames())
        {
            data.Add(name);
        }
        return data;
    }

    private static IEnumerable<string> CaseNames() =>
        Directory.GetDirectories(CasesDir).Select(Path.GetFileName).OfType<string>().Order(StringComparer.Ordinal);

    private static Dictionary<string, string> KnownFailures() =>
        File.ReadAllLines(KnownFailuresFile)
            .Where(l => l.Length > 0 && !l.StartsWith('#'))
            .Select(l => l.Split(':', 2))
            .ToDictionary(p => p[0].Trim(), p => p.Length > 1 ? p[1].Trim() : "");

    private sealed record Outcome(bool ShouldParse, bool Passed, string Detail);

    private static Outcome Run(string name)
    {
        string dir = Path.Combine(CasesDir, name);
        using var json = JsonDocument.Parse(File.ReadAllText(Path.Combine(dir, "test.json")));
        bool shouldParse = json.RootElement.GetProperty("shouldParse").GetBoolean();
        byte[] body = File.ReadAllBytes(Path.Combine(dir, "metrics"));
        try
        {
            ParseAll(new OpenMetricsParser(specStrict: true), body);
            return new Outcome(shouldParse, shouldParse, shouldParse ? "parsed" : "parsed but should have been rejected");
        }
        catch (ExpositionParseException e)
        {
            bool namesLine = e.Message.StartsWith("line " + e.Line + ": ", StringComparison.Ordinal) && e.Line >= 1;
            if (shouldParse)
            {
                return new Outcome(true, false, "rejected: " + e.Message);
            }
            return new Outcome(false, namesLine, namesLine ? "rejected: " + e.Message : "message does not name the line: " + e.Message);
        }
        catch (Exception e)
        {
            return new Outcome(shouldParse, false, "unexpected " + e.GetType().Name + ": " + e.Message);
        }
    }

    /// <summary>Parses a whole body, touching every accessor so that all validation runs; returns the series count.</summary>
    internal static int ParseAll(ExpositionParser p, byte[] body)
    {
        p.Reset(body);
        var labels = new List<Label>();
        int series = 0;
        Entry e;
        while ((e = p.Next()) != Entry.EOF)
        {
            switch (e)
            {
                case Entry.Series:
                    series++;
                    _ = p.Series();
                    _ = p.Value;
                    _ = p.TimestampMs;
                    p.GetLabels(labels);
                    _ = Labels.FromUnsorted(labels.ToArray());
                    p.TryGetExemplar(out _);
                    break;
                case Entry.Type:
                    _ = p.MetricFamily();
                    _ = p.Type;
                    break;
                case Entry.Help:
                case Entry.Unit:
                    _ = p.MetricFamily();
                    _ = p.Text;
                    break;
            }
        }
        Assert.Equal(Entry.EOF, p.Next());
        return series;
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public void Case(string name)
    {
        Outcome o = Run(name);
        bool known = KnownFailures().TryGetValue(name, out string? reason);
        if (known)
        {
            Assert.False(o.Passed, $"{name} now passes: remove it from openmetrics-known-failures.txt");
            return; // A known failure, reported in the summary with its reason.
        }
        Assert.True(o.Passed, $"{name} (shouldParse={o.ShouldParse}): {o.Detail}");
    }

    [Fact]
    public void KnownFailuresNameRealCases()
    {
        var names = CaseNames().ToHashSet();
        foreach (string k in KnownFailures().Keys)
        {
            Assert.Contains(k, names);
        }
    }

    /// <summary>Series lines counted independently: lines that are neither empty nor comments.</summary>
    private static int HandCount(string path) =>
        File.ReadAllLines(path).Count(l => l.Trim().Length > 0 && !l.TrimStart().StartsWith('#'));

    private static IEnumerable<string> PayloadNames() =>
        Directory.GetFiles(PayloadDir, "*.txt").Select(Path.GetFileName).OfType<string>().Order(StringComparer.Ordinal);

    public static TheoryData<string> Payloads()
    {
        var data = new TheoryData<string>();
        foreach (string f in PayloadNames())
        {
            data.Add(f);
        }
        return data;
    }

    [Theory]
    [MemberData(nameof(Payloads))]
    public void RealisticPayloadParses(string file)
    {
        string path = Path.Combine(PayloadDir, file);
        ExpositionParser p = file.EndsWith(".om.txt", StringComparison.Ordinal) ? new OpenMetricsParser() : new PromTextParser();
        Assert.Equal(HandCount(path), ParseAll(p, File.ReadAllBytes(path)));
    }

    [Fact]
    public void Summary()
    {
        var known = KnownFailures();
        int passed = 0, validOk = 0, invalidOk = 0, total = 0;
        var knownSeen = new List<string>();
        var failed = new List<string>();
        foreach (string name in CaseNames())
        {
            total++;
            Outcome o = Run(name);
            if (o.Passed)
            {
                passed++;
                if (o.ShouldParse)
                {
                    validOk++;
                }
                else
                {
                    invalidOk++;
                }
            }
            else if (known.TryGetValue(name, out string? reason))
            {
                knownSeen.Add($"{name} ({reason})");
            }
            else
            {
                failed.Add($"{name}: {o.Detail}");
            }
        }
        var sb = new StringBuilder();
        sb.Append($"openmetrics parser suite: {passed}/{total} passed ({validOk} valid accepted, {invalidOk} invalid rejected), {knownSeen.Count} known failures");
        sb.Append(knownSeen.Count > 0 ? ": " + string.Join("; ", knownSeen) : "").AppendLine();
        if (failed.Count > 0)
        {
            sb.AppendLine($"{failed.Count} unexpected failures: " + string.Join("; ", failed));
        }
        foreach (string file in PayloadNames())
        {
            string path = Path.Combine(PayloadDir, file);
            ExpositionParser p = file.EndsWith(".om.txt", StringComparison.Ordinal) ? new OpenMetricsParser() : new PromTextParser();
            int n = ParseAll(p, File.ReadAllBytes(path));
            sb.AppendLine($"payload {file} ({(p.IsOpenMetrics ? "openmetrics" : "prometheus text")}): {n} series, hand count {HandCount(path)}");
        }
        SuiteReport.Write("openmetrics", sb.ToString());
        Assert.Empty(failed);
    }
}
