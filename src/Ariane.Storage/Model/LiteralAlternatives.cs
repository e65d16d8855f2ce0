using System.Text;

namespace Ariane.Model;

/// <summary>
/// Splits a regular expression (RE2 syntax, matched fully anchored) into the literal strings it matches exactly and
/// the rest: <c>host-1\.example\.com:9100|host-2\.example\.com:9100</c>, <c>(a|b|c)</c>, <c>(?:a|b):9100</c>.
/// Grafana's multi-value variables produce such alternations of hundreds or thousands of values; as a set lookup
/// they cost time and memory linear in the pattern to build and constant to match, where an automaton grows past
/// any sensible size limit (and .NET's takes time quadratic in the alternatives to build).
/// </summary>
/// <remarks>
/// A fully anchored alternation matches a value when one of its alternatives matches all of it, so the literal
/// alternatives can be taken out and looked up while the others stay a regular expression. Each alternative may be
/// literal characters (escaped punctuation included, as RE2 reads <c>\.</c> or <c>\-</c>) and dots (any one
/// character, as an unescaped dot in a hostname) around at most one group of such alternatives. Anything that could change how the alternatives are read (inline flags such as
/// <c>(?i)</c>, <c>\Q...\E</c> quoting) leaves the whole pattern to the regular expression engine.
/// </remarks>
public static class LiteralAlternatives
{
    /// <summary>
    /// Splits <paramref name="pattern"/>: true when at least one top-level alternative is literal, with those strings in
    /// <paramref name="literals"/> and the other alternatives joined in <paramref name="rest"/> (null when there are none).
    /// </summary>
    public static bool TrySplit(string pattern, out AlternativeSet literals, out string? rest)
    {
        literals = new AlternativeSet();
        rest = null;
        if (pattern.Contains("(?", StringComparison.Ordinal) && !OnlyNonCapturingGroups(pattern))
        {
            return false;
        }
        if (pattern.Contains("\\Q", StringComparison.Ordinal))
        {
            return false;
        }
        var body = StripGroup(pattern);
        if (!TopLevelAlternatives(body, out var alternatives))
        {
            return false;
        }
        StringBuilder? others = null;
        var sb = new StringBuilder();
        var wild = new List<int>();
        foreach (var (start, length) in alternatives)
        {
            if (!TryExpand(body.AsSpan(start, length), literals, sb, wild))
            {
                others ??= new StringBuilder();
                if (others.Length > 0)
                {
                    others.Append('|');
                }
                others.Append(body, start, length);
            }
        }
        if (literals.Count == 0)
        {
            return false;
        }
        rest = others?.ToString();
        return true;
    }

    /// <summary>Whether every <c>(?</c> in the pattern opens a non-capturing group <c>(?:</c> (no flags, no named groups).</summary>
    private static bool OnlyNonCapturingGroups(string p)
    {
        for (int i = p.IndexOf("(?", StringComparison.Ordinal); i >= 0; i = p.IndexOf("(?", i + 2, StringComparison.Ordinal))
        {
            if (i + 2 >= p.Length || p[i + 2] != ':' || (i > 0 && p[i - 1] == '\\'))
            {
                return false;
            }
        }
        return true;
    }

    /// <summary>The pattern without one group around all of it (<c>(...)</c> or <c>(?:...)</c>), or the pattern itself.</summary>
    private static string StripGroup(string p)
    {
        if (p.Length < 2 || p[0] != '(' || p[^1] != ')')
        {
            return p;
        }
        int open = p.StartsWith("(?:", StringComparison.Ordinal) ? 3 : 1;
        // The group must close at the last character, not earlier: (a)|(b) is not one group.
        int depth = 0;
        for (int i = 0; i < p.Length; i++)
        {
            char c = p[i];
            if (c == '\\')
            {
                i++;
                continue;
            }
            if (c == '[')
            {
                i = SkipClass(p, i);
                if (i < 0)
                {
                    return p;
                }
                continue;
            }
            if (c == '(')
            {
                depth++;
            }
            else if (c == ')')
            {
                depth--;
                if (depth == 0 && i != p.Length - 1)
                {
                    return p;
                }
            }
        }
        return depth == 0 ? p.Substring(open, p.Length - open - 1) : p;
    }

    /// <summary>The index of the <c>]</c> closing the class opened at <paramref name="i"/>, or -1 (RE2: a <c>]</c> first in the class is literal).</summary>
    private static int SkipClass(string p, int i)
    {
        int j = i + 1;
        if (j < p.Length && p[j] == '^')
        {
            j++;
        }
        if (j < p.Length && p[j] == ']')
        {
            j++;
        }
        for (; j < p.Length; j++)
        {
            if (p[j] == '\\')
            {
                j++;
            }
            else if (p[j] == ']')
            {
                return j;
            }
        }
        return -1;
    }

    /// <summary>The (start, length) of each alternative at depth 0; false when the pattern's brackets do not balance.</summary>
    private static bool TopLevelAlternatives(string p, out List<(int Start, int Length)> alternatives)
    {
        alternatives = [];
        int depth = 0, start = 0;
        for (int i = 0; i < p.Length; i++)
        {
            char c = p[i];
            switch (c)
            {
                case '\\':
                    i++;
                    break;
                case '[':
                    i = SkipClass(p, i);
                    if (i < 0)
                    {
                        return false;
                    }
                    break;
                case '(':
                    depth++;
                    break;
                case ')':
                    if (--depth < 0)
                    {
                        return false;
                    }
                    break;
                case '|' when depth == 0:
                    alternatives.Add((start, i - start));
                    start = i + 1;
                    break;
            }
        }
        if (depth != 0)
        {
            return false;
        }
        alternatives.Add((start, p.Length - start));
        return true;
    }

    /// <summary>
    /// Adds the strings one alternative matches when it is literal characters and dots (any one character) around at
    /// most one group of such alternatives; false (nothing added) otherwise.
    /// </summary>
    private static bool TryExpand(ReadOnlySpan<char> alt, AlternativeSet into, StringBuilder sb, List<int> wild)
    {
        sb.Clear();
        wild.Clear();
        int groupAt = -1;
        List<(string Text, int[] Wild)>? group = null;
        for (int i = 0; i < alt.Length; i++)
        {
            char c = alt[i];
            if (c == '(')
            {
                if (group is not null)
                {
                    return false;
                }
                int close = ReadGroup(alt, i, out group);
                if (close < 0)
                {
                    return false;
                }
                groupAt = sb.Length;
                i = close;
                continue;
            }
            if (!TryAtom(alt, ref i, out char lit, out bool any))
            {
                return false;
            }
            if (any)
            {
                wild.Add(sb.Length);
            }
            sb.Append(lit);
        }
        string all = sb.ToString();
        if (group is null)
        {
            return into.TryAdd(all, wild.ToArray());
        }
        // Prefix + each group value + suffix, with the wildcard positions shifted to where they land.
        var items = new List<(string, int[])>(group.Count);
        foreach (var (text, gw) in group)
        {
            var w = new List<int>();
            foreach (int p in wild)
            {
                w.Add(p < groupAt ? p : p + text.Length);
            }
            foreach (int p in gw)
            {
                w.Add(groupAt + p);
            }
            w.Sort();
            items.Add((string.Concat(all.AsSpan(0, groupAt), text, all.AsSpan(groupAt)), w.ToArray()));
        }
        return into.TryAddAll(items);
    }

    /// <summary>Reads a group of literal alternatives opened at <paramref name="open"/>; the index of its <c>)</c>, or -1.</summary>
    private static int ReadGroup(ReadOnlySpan<char> alt, int open, out List<(string Text, int[] Wild)>? values)
    {
        values = [];
        int i = open + 1;
        if (alt[i..].StartsWith("?:"))
        {
            i += 2;
        }
        var sb = new StringBuilder();
        var wild = new List<int>();
        for (; i < alt.Length; i++)
        {
            char c = alt[i];
            if (c is ')' or '|')
            {
                values.Add((sb.ToString(), wild.ToArray()));
                sb.Clear();
                wild.Clear();
                if (c == ')')
                {
                    return i;
                }
                continue;
            }
            if (c == '(' || !TryAtom(alt, ref i, out char lit, out bool any))
            {
                values = null;
                return -1;
            }
            if (any)
            {
                wild.Add(sb.Length);
            }
            sb.Append(lit);
        }
        values = null;
        return -1;
    }

    /// <summary>A literal character (<see cref="TryLiteral"/>) or a dot, which matches any one character (<paramref name="any"/>).</summary>
    private static bool TryAtom(ReadOnlySpan<char> s, ref int i, out char lit, out bool any)
    {
        any = s[i] == '.';
        if (any)
        {
            lit = '\0';
            return true;
        }
        return TryLiteral(s, ref i, out lit);
    }

    /// <summary>
    /// Reads the literal character at <paramref name="i"/> (advancing past an escape): a character that is not a
    /// metacharacter, or RE2's escaped ASCII punctuation (<c>\.</c>, <c>\-</c>, <c>\:</c>); false for anything else.
    /// </summary>
    private static bool TryLiteral(ReadOnlySpan<char> s, ref int i, out char lit)
    {
        lit = s[i];
        switch (lit)
        {
            case '\\':
                if (i + 1 >= s.Length)
                {
                    return false;
                }
                char e = s[i + 1];
                // RE2: a backslash before ASCII punctuation is that character; before a letter or digit it is a class,
                // an anchor or a code, which is not literal here.
                if (e >= 0x80 || char.IsAsciiLetterOrDigit(e) || char.IsWhiteSpace(e))
                {
                    return false;
                }
                lit = e;
                i++;
                return true;
            case '.' or '[' or ']' or '{' or '}' or '*' or '+' or '?' or '^' or '$' or '|' or '(' or ')':
                return false;
            default:
                // A newline is literal in RE2 as in .NET; anything else not special is itself.
                return true;
        }
    }
}

/// <summary>
/// The strings a set of literal alternatives matches: exact strings in a hash set, and strings with dots (any one
/// character, at fixed positions) in one hash set per shape (length and dot positions), each looked up with the
/// value's characters at those positions blanked. Hostname lists share one or two shapes; the number of shapes is
/// bounded, so a match costs a few lookups whatever the pattern.
/// </summary>
public sealed class AlternativeSet
{
    /// <summary>The most shapes of dotted alternatives kept; alternatives of further shapes stay regular expressions.</summary>
    public const int MaxShapes = 16;

    private readonly HashSet<string> _exact = new(StringComparer.Ordinal);
    private readonly List<(int Length, int[] Wild, HashSet<string> Keys)> _shapes = [];

    /// <summary>How many strings and shaped strings the set holds.</summary>
    public int Count { get; private set; }

    /// <summary>The exact strings when the set has no dotted alternatives; otherwise null.</summary>
    public IReadOnlyCollection<string>? ExactOnly => _shapes.Count == 0 ? _exact : null;

    /// <summary>Adds an alternative with dots at <paramref name="wild"/> (blanked in <paramref name="text"/>); false when its shape is one too many.</summary>
    internal bool TryAdd(string text, int[] wild)
    {
        if (wild.Length == 0)
        {
            _exact.Add(text);
            Count++;
            return true;
        }
        var keys = Shape(text.Length, wild, create: true);
        if (keys is null)
        {
            return false;
        }
        keys.Add(text);
        Count++;
        return true;
    }

    /// <summary>Adds all the alternatives of one group, or none when their shapes do not fit.</summary>
    internal bool TryAddAll(List<(string Text, int[] Wild)> items)
    {
        int newShapes = 0;
        var seen = new List<(int, int[])>();
        foreach (var (text, wild) in items)
        {
            if (wild.Length > 0 && Shape(text.Length, wild, create: false) is null && !seen.Exists(x => x.Item1 == text.Length && x.Item2.AsSpan().SequenceEqual(wild)))
            {
                seen.Add((text.Length, wild));
                newShapes++;
            }
        }
        if (_shapes.Count + newShapes > MaxShapes)
        {
            return false;
        }
        foreach (var (text, wild) in items)
        {
            TryAdd(text, wild);
        }
        return true;
    }

    private HashSet<string>? Shape(int length, int[] wild, bool create)
    {
        foreach (var (l, w, keys) in _shapes)
        {
            if (l == length && w.AsSpan().SequenceEqual(wild))
            {
                return keys;
            }
        }
        if (!create || _shapes.Count >= MaxShapes)
        {
            return null;
        }
        var set = new HashSet<string>(StringComparer.Ordinal);
        _shapes.Add((length, wild, set));
        return set;
    }

    /// <summary>Whether <paramref name="value"/> is one of the strings.</summary>
    public bool Contains(string value)
    {
        if (_exact.Contains(value))
        {
            return true;
        }
        if (_shapes.Count == 0)
        {
            return false;
        }
        char[]? rented = null;
        Span<char> buf = value.Length <= 256 ? stackalloc char[256] : (rented = System.Buffers.ArrayPool<char>.Shared.Rent(value.Length));
        try
        {
            foreach (var (length, wild, keys) in _shapes)
            {
                if (length != value.Length)
                {
                    continue;
                }
                var key = buf[..length];
                value.AsSpan().CopyTo(key);
                foreach (int p in wild)
                {
                    key[p] = '\0';
                }
                if (keys.GetAlternateLookup<ReadOnlySpan<char>>().Contains(key))
                {
                    return true;
                }
            }
            return false;
        }
        finally
        {
            if (rented is not null)
            {
                System.Buffers.ArrayPool<char>.Shared.Return(rented);
            }
        }
    }
}
