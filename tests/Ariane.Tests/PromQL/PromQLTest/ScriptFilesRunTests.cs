namespace Ariane.Tests.PromQL.PromQLTest;

/// <summary>
/// Every conformance file runs end to end through the runner (storage loads, evals, cross-checks) with the fake
/// engine: nothing throws, every eval gets an outcome, and the native-histogram accounting is stable.
/// </summary>
public class ScriptFilesRunTests
{
    [Fact]
    public void EveryFileRunsThroughTheRunnerWithTheFakeEngine()
    {
        var reports = PromQLConformanceRunner.FileNames()
            .Select(f => ScriptRunner.RunFile(Path.Combine(PromQLConformanceRunner.TestDataDir, f), new FakeEngine()))
            .ToList();
        // No suite report: these counts are the fake engine's, and would read like the real conformance figures.
        Assert.Equal(2214, reports.Sum(r => r.Evals.Count));
        Assert.DoesNotContain(reports.SelectMany(r => r.Evals), e => e.Reason?.Contains("the engine threw", StringComparison.Ordinal) == true);
        // The real data loads without a single sample rejected by the head.
        Assert.DoesNotContain(reports.SelectMany(r => r.Notes), n => n.Contains("rejected", StringComparison.Ordinal));
        // Bare selectors are all the fake engine knows; those evals must pass, cross-checks included.
        Assert.Equal((12, 10), (reports.Single(r => r.File == "selectors.test").Passed, reports.Single(r => r.File == "staleness.test").Passed));
        // The native-histogram heuristic (FORMAT.md §10 counts about 896 with a similar one).
        Assert.Equal(901, reports.Sum(r => r.NativeHistograms));
    }
}
