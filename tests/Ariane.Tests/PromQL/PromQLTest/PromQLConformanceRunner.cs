using System.Collections.Concurrent;
using System.Globalization;
using System.Text;
using Ariane.Tests.Support;

namespace Ariane.Tests.PromQL.PromQLTest;

/// <summary>
/// Runs the promqltest conformance files (../shared/conformance/promql/testdata) against the PromQL engine and
/// keeps the suite report. The engine is <see cref="ArianeTestEngine"/>; the theory (one case per file) is
/// <c>PromQLConformanceTests</c> beside it:
/// <code>
/// public class PromQLConformanceTests
/// {
///     public static TheoryData&lt;string&gt; Files =&gt; PromQLConformanceRunner.Files();
///
///     [Theory]
///     [MemberData(nameof(Files))]
///     public void File(string file) =&gt; PromQLConformanceRunner.RunAndAssert(file);
/// }
/// </code>
/// </summary>
public static class PromQLConformanceRunner
{
    private static readonly ConcurrentDictionary<string, FileReport> Reports = new(StringComparer.Ordinal);

    /// <summary>The folder of the .test files.</summary>
    public static string TestDataDir => Path.Combine(TestPaths.Conformance, "promql", "testdata");

    /// <summary>The known-failures list (<c>file.test:LINE: reason</c>), kept in the source tree.</summary>
    public static string KnownFailuresPath => Path.Combine(TestPaths.RepoRoot, "tests", "Ariane.Tests", "PromQL", "promql-known-failures.txt");

    /// <summary>The engine under test.</summary>
    public static IPromQLTestEngine? CreateEngine() => new ArianeTestEngine();

    /// <summary>The names of the .test files, sorted (the theory's cases).</summary>
    public static TheoryData<string> Files()
    {
        var data = new TheoryData<string>();
        foreach (string f in FileNames())
        {
            data.Add(f);
        }
        return data;
    }

    /// <summary>The names of the .test files, sorted.</summary>
    public static IReadOnlyList<string> FileNames() =>
        Directory.GetFiles(TestDataDir, "*.test").Select(Path.GetFileName).Order(StringComparer.Ordinal).ToArray()!;

    /// <summary>Runs one file with the known-failures list applied.</summary>
    public static FileReport Run(string file, IPromQLTestEngine engine, ScriptRunnerOptions? options = null) =>
        ScriptRunner.RunFile(Path.Combine(TestDataDir, file), engine, options, KnownFailures.Load(KnownFailuresPath));

    /// <summary>
    /// Runs one file against <see cref="CreateEngine"/>, rewrites the "promql-conformance" suite report with every
    /// file run so far, and fails on an unexpected failure or a known-failures entry that is no longer true.
    /// </summary>
    public static void RunAndAssert(string file)
    {
        var engine = CreateEngine() ?? throw new InvalidOperationException("no PromQL engine is plugged in (PromQLConformanceRunner.CreateEngine)");
        var report = Run(file, engine);
        Reports[file] = report;
        SuiteReport.Write("promql-conformance", Summary(Reports.Values));
        Assert.True(report.Ok, $"{file}: {report.Failed} unexpected failure(s), {report.StaleKnownFailures.Count} stale known-failure entr(y/ies)\n{report.Problems()}");
    }

    /// <summary>The suite report: totals, then one line per file.</summary>
    public static string Summary(IEnumerable<FileReport> reports)
    {
        var list = reports.OrderBy(r => r.File, StringComparer.Ordinal).ToList();
        var sb = new StringBuilder();
        int evals = list.Sum(r => r.Evals.Count);
        sb.Append(CultureInfo.InvariantCulture,
            $"promql conformance: {list.Sum(r => r.Passed)} passed, {list.Sum(r => r.Failed)} failed, {list.Sum(r => r.Known)} known failures, " +
            $"{list.Sum(r => r.NativeHistograms)} native histograms (later issue), of {evals} evals in {list.Count} files\n");
        foreach (var r in list)
        {
            sb.Append(CultureInfo.InvariantCulture,
                $"  {r.File,-28} passed {r.Passed,4}  failed {r.Failed,4}  known {r.Known,4}  native-histogram {r.NativeHistograms,4}  of {r.Evals.Count,4}");
            if (r.StaleKnownFailures.Count > 0)
            {
                sb.Append(CultureInfo.InvariantCulture, $"  ({r.StaleKnownFailures.Count} stale known-failure entries)");
            }
            sb.Append('\n');
        }
        return sb.ToString();
    }
}
