namespace Ariane.Tests.Support;

/// <summary>Where the repository, the shared conformance data and the suite reports are.</summary>
public static class TestPaths
{
    /// <summary>The repository root (the folder holding Ariane.slnx).</summary>
    public static string RepoRoot { get; } = FindRoot();

    /// <summary>../shared/conformance beside the repository (ARIANE_SHARED overrides ../shared).</summary>
    public static string Conformance { get; } = Path.Combine(
        Environment.GetEnvironmentVariable("ARIANE_SHARED") is { Length: > 0 } s ? s : Path.Combine(RepoRoot, "..", "shared"),
        "conformance");

    private static string FindRoot()
    {
        var dir = new DirectoryInfo(AppContext.BaseDirectory);
        while (dir is not null && !File.Exists(Path.Combine(dir.FullName, "Ariane.slnx")))
        {
            dir = dir.Parent;
        }
        return dir?.FullName ?? throw new InvalidOperationException("cannot find the repository root above " + AppContext.BaseDirectory);
    }
}

/// <summary>
/// Suite reports: conformance and compatibility tests write their pass counts here, and test.sh prints them
/// after the run, whatever the test runner's verbosity.
/// </summary>
public static class SuiteReport
{
    /// <summary>The reports' folder: <c>ARIANE_REPORT_DIR</c> (test.sh sets it), else <c>.build/test-reports</c>.</summary>
    public static string Dir => Environment.GetEnvironmentVariable("ARIANE_REPORT_DIR") is { Length: > 0 } d
        ? d
        : Path.Combine(TestPaths.RepoRoot, ".build", "test-reports");

    /// <summary>Writes (replaces) the report named <paramref name="suite"/>.</summary>
    public static void Write(string suite, string text)
    {
        Directory.CreateDirectory(Dir);
        File.WriteAllText(Path.Combine(Dir, suite + ".txt"), text.TrimEnd() + "\n");
    }
}
