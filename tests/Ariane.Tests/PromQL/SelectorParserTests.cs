using Ariane.Model;
using Ariane.PromQL.Parser;

namespace Ariane.Tests.PromQL;

public class SelectorParserTests
{
    [Theory]
    [InlineData("up", "__name__=\"up\"")]
    [InlineData("up{job=\"node\"}", "__name__=\"up\"|job=\"node\"")]
    [InlineData("{__name__=~\"up|down\", job!=\"x\"}", "__name__=~\"up|down\"|job!=\"x\"")]
    [InlineData("{\"metric.with.dots\", a!~'b'}", "__name__=\"metric.with.dots\"|a!~\"b\"")]
    [InlineData("m{a=`raw\\n`}", "__name__=\"m\"|a=\"raw\\\\n\"")]
    [InlineData("m{a=\"x\\ny\",}", "__name__=\"m\"|a=\"x\\ny\"")]
    [InlineData("  up { job = \"a\" } ", "__name__=\"up\"|job=\"a\"")]
    [InlineData("ns:metric:rate5m", "__name__=\"ns:metric:rate5m\"")]
    public void Parses(string input, string expected)
    {
        var ms = SelectorParser.Parse(input);
        Assert.Equal(expected, string.Join("|", ms.Select(m => m.ToString())));
    }

    [Theory]
    [InlineData("", "unknown position: parse error: unexpected end of input")]
    [InlineData("{}", "vector selector must contain at least one non-empty matcher")]
    [InlineData("{a=\"\"}", "vector selector must contain at least one non-empty matcher")]
    [InlineData("up{job=}", "1:8: parse error: unexpected \"}\" in label matching, expected string")]
    [InlineData("up{job=\"x}", "unterminated quoted string")]
    [InlineData("up{job~\"x\"}", "1:7: parse error: unexpected character inside braces: '~'")]
    [InlineData("up{job=~\"(\"}", "1:4: parse error: error parsing regexp")]
    [InlineData("up)", "1:4: parse error: unexpected right parenthesis ')'")]
    [InlineData("up{a=\"\\q\"}", "unknown escape sequence")]
    public void RejectsWithPosition(string input, string fragment)
    {
        var e = Assert.Throws<PromQLParseException>(() => SelectorParser.Parse(input));
        Assert.Contains(fragment, e.Message);
    }

    [Fact]
    public void RegexMatcherIsAnchored()
    {
        var ms = SelectorParser.Parse("{job=~\"no.e\"}");
        Assert.Equal(MatcherType.Regex, ms[0].Type);
        Assert.True(ms[0].Matches("node"));
        Assert.False(ms[0].Matches("nodes"));
    }
}
