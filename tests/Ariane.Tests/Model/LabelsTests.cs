using Ariane.Model;

namespace Ariane.Tests.Model;

public class LabelsTests
{
    [Fact]
    public void SortsDropsEmptyAndHashesStably()
    {
        var a = Labels.FromStrings("b", "2", "a", "1", "c", "");
        var b = Labels.FromStrings("a", "1", "b", "2");
        Assert.Equal(2, a.Count);
        Assert.Equal("a", a[0].Name);
        Assert.Equal(a, b);
        Assert.Equal(a.Hash, b.Hash);
        Assert.Equal("{a=\"1\", b=\"2\"}", a.ToString());
    }

    [Theory]
    [InlineData("a", "bc", "ab", "c")]
    [InlineData("x", "", "x", "y")]
    public void DifferentSetsDiffer(string n1, string v1, string n2, string v2)
    {
        Assert.NotEqual(Labels.FromStrings(n1, v1), Labels.FromStrings(n2, v2));
    }

    [Fact]
    public void RegexMatchersAreAnchored()
    {
        var m = new LabelMatcher(MatcherType.Regex, "job", "node|api");
        Assert.True(m.Matches("node"));
        Assert.False(m.Matches("node_exporter"));
        Assert.True(new LabelMatcher(MatcherType.NotRegex, "x", "a.*").MatchesEmpty);
    }
}
