using Ariane.Model;
using Ariane.PromQL.Ast;

namespace Ariane.PromQL.Parser;

/// <summary>
/// Parses a series selector (<c>metric{label="v", other=~"re"}</c>, <c>{"utf8.name"}</c>) into label matchers, as the
/// <c>match[]</c> parameters of the metadata APIs need. It uses the PromQL lexer and parser, so errors read like Prometheus's.
/// </summary>
public static class SelectorParser
{
    /// <summary>
    /// Parses <paramref name="input"/>; throws <see cref="PromQLParseException"/> on a syntax error, when the name is set
    /// twice, or when no matcher is non-empty (unless <paramref name="allowEmptyMatching"/>, as promtool's
    /// <c>{__name__=~'(?s:.*)'}</c> needs). A name written before the braces comes first in the result.
    /// </summary>
    public static LabelMatcher[] Parse(string input, bool allowEmptyMatching = false)
    {
        var vs = PromQLParser.ParseSelector(input);
        var ms = vs.Matchers;
        var result = new LabelMatcher[ms.Count];
        int k = 0;
        if (vs.Name is { Length: > 0 })
        {
            for (int i = 0; i < ms.Count - 1; i++)
            {
                if (ms[i].Name == Labels.MetricName)
                {
                    throw PromQLParseException.At(input, vs.Position.Start,
                        "metric name must not be set twice: " + PromQLFormat.Quote(vs.Name) + " or " + PromQLFormat.Quote(ms[i].Value));
                }
            }
            result[k++] = ms[^1];
            for (int i = 0; i < ms.Count - 1; i++)
            {
                result[k++] = ms[i];
            }
            return result;
        }
        bool anyNonEmpty = false;
        foreach (var m in ms)
        {
            result[k++] = m;
            anyNonEmpty |= !m.MatchesEmpty;
        }
        if (!anyNonEmpty && !allowEmptyMatching)
        {
            throw PromQLParseException.At(input, vs.Position.Start, "vector selector must contain at least one non-empty matcher");
        }
        return result;
    }
}
