using System.Globalization;
using System.Text;
using Ariane.Tests.Support;

namespace Ariane.Tests.PromQL.PromQLTest;

/// <summary>Every conformance file parses, and its commands add up to the table of FORMAT.md §10.</summary>
public class ScriptFilesTests
{
    // FORMAT.md §10: evals, instant, range, expect fail (incl. eval_fail), ordered, expected output has {{,
    // load (all loads, load_with_nhcb included), load_with_nhcb, loads with {{, loads with @st, clear.
    private static readonly (string File, int Evals, int Instant, int Range, int Fail, int Ordered, int ExpectsHistograms,
        int Load, int LoadNhcb, int LoadsWithHistograms, int LoadsWithSt, int Clear)[] Table =
    [
        ("aggregators.test", 160, 153, 7, 4, 11, 0, 20, 0, 7, 0, 19),
        ("at_modifier.test", 78, 63, 15, 0, 0, 0, 5, 0, 0, 0, 3),
        ("collision.test", 2, 2, 0, 1, 0, 0, 2, 0, 0, 0, 2),
        ("duration_expression.test", 59, 30, 29, 0, 0, 0, 4, 0, 0, 0, 3),
        ("extended_vectors.test", 169, 162, 7, 8, 0, 0, 27, 0, 15, 0, 27),
        ("fill-modifier.test", 46, 39, 7, 0, 0, 0, 12, 0, 0, 0, 11),
        ("functions.test", 431, 394, 37, 7, 13, 18, 53, 0, 26, 0, 46),
        ("histograms.test", 185, 185, 0, 6, 0, 7, 37, 32, 2, 0, 4),
        ("info.test", 53, 4, 49, 2, 0, 0, 17, 0, 1, 0, 16),
        ("limit.test", 37, 13, 24, 0, 0, 6, 1, 0, 1, 0, 0),
        ("literals.test", 25, 25, 0, 0, 0, 0, 0, 0, 0, 0, 0),
        ("name_label_dropping.test", 30, 29, 1, 1, 0, 0, 3, 0, 0, 0, 2),
        ("native_histograms.test", 522, 502, 20, 0, 0, 208, 74, 0, 74, 0, 55),
        ("operators.test", 214, 113, 101, 6, 0, 5, 17, 1, 2, 0, 13),
        ("range_queries.test", 18, 5, 13, 0, 0, 1, 10, 0, 1, 0, 9),
        ("selectors.test", 31, 31, 0, 0, 0, 0, 7, 0, 0, 0, 4),
        ("staleness.test", 17, 17, 0, 0, 0, 0, 2, 0, 0, 0, 1),
        ("start_timestamps.test", 26, 7, 19, 0, 0, 7, 10, 0, 4, 10, 10),
        ("subquery.test", 34, 34, 0, 0, 0, 2, 6, 0, 1, 0, 4),
        ("trig_functions.test", 19, 19, 0, 0, 0, 0, 1, 0, 0, 0, 1),
        ("type_and_unit.test", 58, 58, 0, 0, 0, 0, 2, 0, 0, 0, 1),
    ];

    private static string Row(string file, int[] c) =>
        file + ": " + string.Join(" ", c.Select(x => x.ToString(CultureInfo.InvariantCulture)));

    [Fact]
    public void EveryFileParsesAndMatchesTheCountsOfFormatMd()
    {
        var files = PromQLConformanceRunner.FileNames();
        Assert.Equal(Table.Select(t => t.File), files);
        var expected = new List<string>();
        var actual = new List<string>();
        var report = new StringBuilder();
        int evals = 0, instant = 0, range = 0, histogramEvals = 0;
        foreach (var t in Table)
        {
            var script = ScriptParser.ParseFile(Path.Combine(PromQLConformanceRunner.TestDataDir, t.File));
            var ev = script.Evals.ToList();
            var loads = script.Commands.OfType<LoadCommand>().ToList();
            int[] c =
            [
                ev.Count,
                ev.Count(e => e.Kind == EvalKind.Instant),
                ev.Count(e => e.Kind == EvalKind.Range),
                ev.Count(e => e.Fail is not null),
                ev.Count(e => e.Ordered),
                ev.Count(e => e.ExpectsHistograms),
                loads.Count,
                loads.Count(l => l.WithNhcb),
                loads.Count(l => l.HasHistograms),
                loads.Count(l => l.HasStartTimestamps),
                script.Commands.OfType<ClearCommand>().Count(),
            ];
            expected.Add(Row(t.File, [t.Evals, t.Instant, t.Range, t.Fail, t.Ordered, t.ExpectsHistograms, t.Load, t.LoadNhcb, t.LoadsWithHistograms, t.LoadsWithSt, t.Clear]));
            actual.Add(Row(t.File, c));
            evals += c[0];
            instant += c[1];
            range += c[2];
            histogramEvals += c[5];
            report.Append(CultureInfo.InvariantCulture,
                $"  {t.File,-28} evals {c[0],4}  instant {c[1],4}  range {c[2],4}  expect-fail {c[3],3}  ordered {c[4],3}  expects-{{{{}}}} {c[5],4}  loads {c[6],3}  clears {c[10],3}\n");
        }
        SuiteReport.Write("promql-scripts",
            $"promql scripts: {files.Count} files parsed, {evals} evals ({instant} instant, {range} range), {histogramEvals} expect native histograms\n" + report);
        var diff = expected.Zip(actual).Where(p => p.First != p.Second).Select(p => $"expected {p.First}\n     got {p.Second}").ToList();
        Assert.True(diff.Count == 0, "counts differ from FORMAT.md §10:\n" + string.Join("\n", diff));
        Assert.Equal((2214, 1885, 329), (evals, instant, range));
    }
}
