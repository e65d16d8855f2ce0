using System.Text.RegularExpressions;
using Ariane.Tests.Support;

namespace Ariane.Tests.Repo;

/// <summary>The user guides point only at what the repository holds.</summary>
public partial class DocsTests
{
    [GeneratedRegex(@"\]\(([^)#\s]+)(#[^)]*)?\)")]
    private static partial Regex Link();

    public static TheoryData<string> Docs()
    {
        var data = new TheoryData<string>();
        foreach (string f in Directory.EnumerateFiles(Path.Combine(TestPaths.RepoRoot, "docs"), "*.md", SearchOption.AllDirectories))
        {
            data.Add(Path.GetRelativePath(TestPaths.RepoRoot, f));
        }
        return data;
    }

    [Theory]
    [MemberData(nameof(Docs))]
    public void Links_resolve_inside_the_repository(string doc)
    {
        string path = Path.Combine(TestPaths.RepoRoot, doc);
        string text = File.ReadAllText(path);
        foreach (Match m in Link().Matches(text))
        {
            string target = m.Groups[1].Value;
            if (target.Contains("://", StringComparison.Ordinal) || target.StartsWith("mailto:", StringComparison.Ordinal))
            {
                continue;
            }
            string full = Path.GetFullPath(Path.Combine(Path.GetDirectoryName(path)!, target));
            Assert.True(full.StartsWith(TestPaths.RepoRoot + Path.DirectorySeparatorChar, StringComparison.Ordinal), $"{doc} links outside the repository: {target}");
            Assert.True(File.Exists(full) || Directory.Exists(full), $"{doc} links to {target}, which does not exist");
        }
        // The design notes live outside the repository; a guide summarises what it needs instead of pointing there.
        Assert.DoesNotContain("DESIGN.md", text, StringComparison.Ordinal);
    }
}
