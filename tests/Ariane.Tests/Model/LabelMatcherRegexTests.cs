using System.Diagnostics;
using Ariane.Model;

namespace Ariane.Tests.Model;

/// <summary>
/// Regex matchers as RE2 accepts them: large literal alternations (Grafana's multi-value variables) are a set lookup,
/// the other alternatives stay a regular expression, and what is neither stays bounded in time to build.
/// </summary>
public class LabelMatcherRegexTests
{
    private static string Hosts(int n, bool escaped) =>
        string.Join("|", Enumerable.Range(1, n).Select(i => $"host-{i:0000}" + (escaped ? "\\.example\\.com" : ".example.com") + ":9100"));

    /// <summary>200 and 2,000 hostnames, with and without escaped dots: before, over .NET's 10,000-node automaton limit.</summary>
    [Theory]
    [InlineData(200, true)]
    [InlineData(200, false)]
    [InlineData(2000, true)]
    [InlineData(2000, false)]
    public void LargeHostnameAlternationsAreAccepted(int n, bool escaped)
    {
        foreach (var pattern in new[] { Hosts(n, escaped), "(" + Hosts(n, escaped) + ")", "(?:" + Hosts(n, escaped) + ")" })
        {
            var m = new LabelMatcher(MatcherType.Regex, "instance", pattern);
            Assert.True(m.Matches("host-0001.example.com:9100"));
            Assert.True(m.Matches($"host-{n:0000}.example.com:9100"));
            Assert.False(m.Matches($"host-{n + 1:0000}.example.com:9100"));
            Assert.False(m.Matches("host-0001.example.com:910"));
            Assert.False(m.MatchesEmpty);
            // An unescaped dot matches any character, as RE2 reads it; an escaped one only a dot.
            Assert.Equal(!escaped, m.Matches("host-0001xexample.com:9100"));
            Assert.True(new LabelMatcher(MatcherType.NotRegex, "instance", pattern).Matches("other"));
        }
    }

    /// <summary>Literal alternatives with the rest of the pattern: each alternative keeps its own meaning.</summary>
    [Theory]
    [InlineData("a|b|c", "b", true)]
    [InlineData("a|b|c", "ab", false)]
    [InlineData("a||b", "", true)]
    [InlineData("(a|b):9100", "b:9100", true)]
    [InlineData("(a|b):9100", "a", false)]
    [InlineData("x(a|b)y|z", "xby", true)]
    [InlineData("api|node-.*", "node-1", true)]
    [InlineData("api|node-.*", "api", true)]
    [InlineData("api|node-.*", "apix", false)]
    [InlineData("(?i)api|node", "NODE", true)]
    [InlineData("(?i)api|node", "API", true)]
    [InlineData("a\\.b|c\\-d", "a.b", true)]
    [InlineData("a\\.b|c\\-d", "axb", false)]
    [InlineData("[|]|b", "|", true)]
    [InlineData("(a)|(b)", "b", true)]
    [InlineData("(a|b)(c|d)", "bd", true)]
    [InlineData("(a|b)*", "abab", true)]
    [InlineData("a|b+", "bbb", true)]
    [InlineData("a.c|xyz", "abc", true)]
    [InlineData("a.c|xyz", "ac", false)]
    [InlineData("(a.|b)c", "a-c", true)]
    [InlineData("(a.|b)c", "bc", true)]
    [InlineData(".|ab", "\n", true)]
    [InlineData("", "", true)]
    [InlineData("", "a", false)]
    public void AlternativesKeepTheirMeaning(string pattern, string value, bool matches)
    {
        Assert.Equal(matches, new LabelMatcher(MatcherType.Regex, "l", pattern).Matches(value));
        Assert.Equal(!matches, new LabelMatcher(MatcherType.NotRegex, "l", pattern).Matches(value));
    }

    /// <summary>
    /// Hostile patterns are refused or accepted in bounded time: 150,000 literal alternatives (a set, built in well
    /// under a second), and the same count of non-literal ones (refused at once by size, where .NET's automaton
    /// builder took minutes to refuse), nested repetition.
    /// </summary>
    [Fact]
    public void HostilePatternsAreBoundedInTime()
    {
        var sw = Stopwatch.StartNew();
        var big = new LabelMatcher(MatcherType.Regex, "l", string.Join("|", Enumerable.Range(1, 150_000).Select(i => "x" + i)));
        Assert.True(big.Matches("x149999"));
        Assert.False(big.Matches("x0"));
        Assert.True(sw.Elapsed < TimeSpan.FromSeconds(10), $"literal set took {sw.Elapsed}");

        foreach (var pattern in new[]
        {
            string.Join("|", Enumerable.Range(1, 150_000).Select(i => "x[0-9]" + i)),
            "(a|b)*{1000}",
            "((a{100}){100}){100}",
        })
        {
            sw.Restart();
            var e = Assert.ThrowsAny<ArgumentException>(() => new LabelMatcher(MatcherType.Regex, "l", pattern));
            Assert.True(sw.Elapsed < TimeSpan.FromSeconds(10), $"{pattern[..Math.Min(30, pattern.Length)]}: {sw.Elapsed}");
            Assert.True(e.Message.Length < 2000, "the error does not echo a huge pattern");
        }
    }

    /// <summary>A set matcher hands its values to storage for direct lookups.</summary>
    [Fact]
    public void PureSetsAreExposedForPostings()
    {
        Assert.Equal(["a", "b"], new LabelMatcher(MatcherType.Regex, "l", "(a|b)").SetMatches!.Order());
        Assert.Null(new LabelMatcher(MatcherType.Regex, "l", "a|b.*").SetMatches);
        Assert.Null(new LabelMatcher(MatcherType.NotRegex, "l", "a|b").SetMatches);
    }
}
