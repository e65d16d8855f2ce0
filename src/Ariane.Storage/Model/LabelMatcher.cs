using System.Text.RegularExpressions;

namespace Ariane.Model;

/// <summary>How a <see cref="LabelMatcher"/> compares a label value.</summary>
public enum MatcherType
{
    /// <summary><c>=</c></summary>
    Equal,
    /// <summary><c>!=</c></summary>
    NotEqual,
    /// <summary><c>=~</c>, fully anchored.</summary>
    Regex,
    /// <summary><c>!~</c>, fully anchored.</summary>
    NotRegex,
}

/// <summary>
/// Selects series by one label: equality or a fully anchored regular expression, as in PromQL selectors.
/// An absent label matches as the empty string.
/// </summary>
public sealed class LabelMatcher
{
    private readonly Regex? _re;

    /// <summary>The literal strings a regex matcher's pattern matches exactly (its literal alternatives), or null.</summary>
    private readonly AlternativeSet? _set;

    /// <summary>Creates a matcher; throws <see cref="ArgumentException"/> for an invalid regular expression.</summary>
    public LabelMatcher(MatcherType type, string name, string value)
    {
        Type = type;
        Name = name;
        Value = value;
        if (type is MatcherType.Regex or MatcherType.NotRegex)
        {
            // Literal alternatives (Grafana's multi-value variables) become a set lookup; only the rest, if any, is a
            // regular expression, so thousands of values cost no automaton.
            if (LiteralAlternatives.TrySplit(value, out var set, out var rest))
            {
                _set = set;
                _re = rest is null ? null : RegexFactory.Anchored(rest);
            }
            else
            {
                _re = RegexFactory.Anchored(value);
            }
        }
    }

    /// <summary>
    /// For a <c>=~</c> matcher whose whole pattern is literal alternatives, the values it matches (so storage can look
    /// them up instead of testing every value); otherwise null.
    /// </summary>
    public IReadOnlyCollection<string>? SetMatches => Type == MatcherType.Regex && _re is null ? _set?.ExactOnly : null;

    /// <summary>The comparison.</summary>
    public MatcherType Type { get; }

    /// <summary>The label name.</summary>
    public string Name { get; }

    /// <summary>The value or pattern.</summary>
    public string Value { get; }

    /// <summary>True when the matcher matches the empty string (and so series without the label).</summary>
    public bool MatchesEmpty => Matches(string.Empty);

    /// <summary>True when <paramref name="value"/> satisfies the matcher.</summary>
    public bool Matches(string value) => Type switch
    {
        MatcherType.Equal => string.Equals(value, Value, StringComparison.Ordinal),
        MatcherType.NotEqual => !string.Equals(value, Value, StringComparison.Ordinal),
        MatcherType.Regex => MatchesPattern(value),
        _ => !MatchesPattern(value),
    };

    private bool MatchesPattern(string value) =>
        (_set is not null && _set.Contains(value)) || (_re is not null && _re.IsMatch(value));

    /// <summary>Shorthand for an equality matcher.</summary>
    public static LabelMatcher Eq(string name, string value) => new(MatcherType.Equal, name, value);

    /// <inheritdoc/>
    public override string ToString()
    {
        string op = Type switch
        {
            MatcherType.Equal => "=",
            MatcherType.NotEqual => "!=",
            MatcherType.Regex => "=~",
            _ => "!~",
        };
        var sb = new System.Text.StringBuilder(Name).Append(op).Append('"');
        Labels.EscapeInto(sb, Value);
        return sb.Append('"').ToString();
    }
}

/// <summary>
/// The one place regular expressions are made: fully anchored, culture-invariant, and matched by .NET's
/// non-backtracking engine, which like Prometheus's RE2 runs in time linear in the input, so a hostile pattern such
/// as <c>(a+)+$</c> cannot pin a thread (the timeout stays as a second guard). RE2 has no backreferences or
/// lookarounds either, so the patterns Prometheus accepts are accepted here.
/// </summary>
public static class RegexFactory
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(2);

    /// <summary>
    /// The longest pattern handed to the regular expression engine. Building .NET's non-backtracking automaton takes
    /// time that grows faster than the pattern (a 150,000-alternative pattern: minutes of CPU, only to be refused by
    /// its 10,000-node limit), and it cannot be interrupted, so longer patterns are refused at once. Literal
    /// alternatives never count: <see cref="LabelMatcher"/> takes them out as a set first.
    /// </summary>
    public const int MaxPatternLength = 16 * 1024;

    /// <summary>Compiles <c>^(?:pattern)$</c>; throws <see cref="ArgumentException"/> when the pattern is invalid.</summary>
    public static Regex Anchored(string pattern)
    {
        CheckLength(pattern);
        return Make("^(?:" + pattern + @")\z");
    }

    /// <summary>Compiles an unanchored pattern (for label_replace-style searches that anchor themselves).</summary>
    public static Regex Unanchored(string pattern)
    {
        CheckLength(pattern);
        return Make(pattern);
    }

    private static void CheckLength(string pattern)
    {
        if (pattern.Length > MaxPatternLength)
        {
            // As RE2 says of a program past its size limit; the pattern itself is not echoed.
            throw new ArgumentException($"expression too large: {pattern.Length} characters that are not literal alternatives (at most {MaxPatternLength})", nameof(pattern));
        }
    }

    // Syntax the non-backtracking engine does not run (lookarounds, atomic groups, conditionals: none of it RE2
    // syntax either) is an invalid pattern like any other, not a different kind of failure.
    private static Regex Make(string pattern)
    {
        try
        {
#pragma warning disable RS0030 // The factory is the sanctioned constructor.
            return new(pattern, RegexOptions.CultureInvariant | RegexOptions.Singleline | RegexOptions.NonBacktracking, Timeout);
#pragma warning restore RS0030
        }
        catch (NotSupportedException e)
        {
            throw new ArgumentException("invalid or unsupported syntax: " + e.Message, nameof(pattern), e);
        }
    }
}
