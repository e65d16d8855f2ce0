using System.Text;
using Ariane.Model;

namespace Ariane.PromQL.Parser;

/// <summary>A PromQL syntax error, with Prometheus's wording: <c>1:15: parse error: unexpected ...</c>.</summary>
public sealed class PromQLParseException : Exception
{
    /// <summary>Creates the error at a 1-based line and column.</summary>
    public PromQLParseException(int line, int column, string detail)
        : base($"{line}:{column}: parse error: {detail}")
    {
        Line = line;
        Column = column;
        Detail = detail;
    }

    /// <summary>1-based line.</summary>
    public int Line { get; }

    /// <summary>1-based column.</summary>
    public int Column { get; }

    /// <summary>The message without the position.</summary>
    public string Detail { get; }
}

/// <summary>
/// Parses a series selector (<c>metric{label="v", other=~"re"}</c>, <c>{"utf8.name"}</c>) into label matchers,
/// as the <c>match[]</c> parameters of the metadata APIs need. The full PromQL parser reuses its lexing rules.
/// </summary>
public static class SelectorParser
{
    /// <summary>Parses <paramref name="input"/>; throws <see cref="PromQLParseException"/> on a syntax error.</summary>
    public static LabelMatcher[] Parse(string input)
    {
        var p = new Cursor(input);
        var matchers = new List<LabelMatcher>();
        p.SkipSpace();
        if (p.AtEnd)
        {
            throw p.Error("unexpected end of input");
        }
        string? name = null;
        if (IsIdentStart(p.Peek))
        {
            name = p.ReadMetricIdent();
            matchers.Add(LabelMatcher.Eq(Labels.MetricName, name));
            p.SkipSpace();
        }
        if (!p.AtEnd && p.Peek == '{')
        {
            p.Advance();
            ParseMatcherList(ref p, matchers, name is not null);
        }
        else if (name is null)
        {
            throw p.Error($"unexpected character: '{p.Peek}'");
        }
        p.SkipSpace();
        if (!p.AtEnd)
        {
            throw p.Error($"unexpected character after selector: '{p.Peek}'");
        }
        bool anyNonEmpty = false;
        foreach (var m in matchers)
        {
            if (!m.MatchesEmpty)
            {
                anyNonEmpty = true;
                break;
            }
        }
        if (!anyNonEmpty)
        {
            throw new PromQLParseException(1, 1, "vector selector must contain at least one non-empty matcher");
        }
        return matchers.ToArray();
    }

    private static void ParseMatcherList(ref Cursor p, List<LabelMatcher> matchers, bool hasName)
    {
        while (true)
        {
            p.SkipSpace();
            if (p.AtEnd)
            {
                throw p.Error("unexpected end of input inside braces");
            }
            if (p.Peek == '}')
            {
                p.Advance();
                return;
            }
            string label;
            int startCol = p.Column;
            if (p.Peek is '"' or '\'' or '`')
            {
                label = p.ReadString();
                p.SkipSpace();
                if (p.AtEnd || p.Peek is ',' or '}')
                {
                    // A bare quoted string names the metric: {"metric.name"}.
                    if (hasName)
                    {
                        throw new PromQLParseException(1, startCol, "metric name must not be set twice: " + label);
                    }
                    matchers.Add(LabelMatcher.Eq(Labels.MetricName, label));
                    hasName = true;
                    goto next;
                }
            }
            else if (IsIdentStart(p.Peek))
            {
                label = p.ReadLabelIdent();
            }
            else
            {
                throw p.Error($"unexpected character inside braces: '{p.Peek}'");
            }
            p.SkipSpace();
            MatcherType type;
            if (p.TryConsume("=~")) { type = MatcherType.Regex; }
            else if (p.TryConsume("!~")) { type = MatcherType.NotRegex; }
            else if (p.TryConsume("!=")) { type = MatcherType.NotEqual; }
            else if (p.TryConsume("=")) { type = MatcherType.Equal; }
            else
            {
                throw p.Error(p.AtEnd ? "unexpected end of input inside braces" : $"unexpected character inside braces: '{p.Peek}'");
            }
            p.SkipSpace();
            if (p.AtEnd || p.Peek is not ('"' or '\'' or '`'))
            {
                throw p.Error("unexpected " + (p.AtEnd ? "end of input" : $"character '{p.Peek}'") + " in label matching, expected string");
            }
            int valCol = p.Column;
            string value = p.ReadString();
            try
            {
                matchers.Add(new LabelMatcher(type, label, value));
            }
            catch (ArgumentException e)
            {
                throw new PromQLParseException(1, valCol, "invalid regular expression in label matcher: " + e.Message);
            }
        next:
            p.SkipSpace();
            if (p.AtEnd)
            {
                throw p.Error("unexpected end of input inside braces");
            }
            if (p.Peek == ',')
            {
                p.Advance();
                continue;
            }
            if (p.Peek != '}')
            {
                throw p.Error($"unexpected character inside braces: '{p.Peek}'");
            }
        }
    }

    internal static bool IsIdentStart(char c) => c is (>= 'a' and <= 'z') or (>= 'A' and <= 'Z') or '_' or ':';

    private ref struct Cursor
    {
        private readonly string _s;
        private int _i;

        public Cursor(string s)
        {
            _s = s;
            _i = 0;
        }

        public readonly bool AtEnd => _i >= _s.Length;

        public readonly char Peek => _s[_i];

        public readonly int Column => _i + 1;

        public void Advance() => _i++;

        public readonly PromQLParseException Error(string detail) => new(1, _i + 1, detail);

        public void SkipSpace()
        {
            while (_i < _s.Length && (char.IsWhiteSpace(_s[_i]) || _s[_i] == '#'))
            {
                if (_s[_i] == '#')
                {
                    while (_i < _s.Length && _s[_i] != '\n')
                    {
                        _i++;
                    }
                    continue;
                }
                _i++;
            }
        }

        public bool TryConsume(string op)
        {
            if (string.CompareOrdinal(_s, _i, op, 0, op.Length) == 0)
            {
                _i += op.Length;
                return true;
            }
            return false;
        }

        public string ReadMetricIdent()
        {
            int start = _i;
            while (_i < _s.Length && (IsIdentStart(_s[_i]) || char.IsAsciiDigit(_s[_i])))
            {
                _i++;
            }
            return _s[start.._i];
        }

        public string ReadLabelIdent()
        {
            int start = _i;
            while (_i < _s.Length && (_s[_i] is (>= 'a' and <= 'z') or (>= 'A' and <= 'Z') or '_' || char.IsAsciiDigit(_s[_i])))
            {
                _i++;
            }
            if (_i == start)
            {
                throw Error($"unexpected character: '{_s[_i]}'");
            }
            return _s[start.._i];
        }

        public string ReadString()
        {
            char q = _s[_i];
            int startCol = _i + 1;
            _i++;
            var sb = new StringBuilder();
            while (true)
            {
                if (_i >= _s.Length)
                {
                    throw new PromQLParseException(1, startCol, "unterminated quoted string");
                }
                char c = _s[_i++];
                if (c == q)
                {
                    return sb.ToString();
                }
                if (q == '`')
                {
                    sb.Append(c);
                    continue;
                }
                if (c == '\n')
                {
                    throw new PromQLParseException(1, startCol, "unterminated quoted string");
                }
                if (c != '\\')
                {
                    sb.Append(c);
                    continue;
                }
                if (_i >= _s.Length)
                {
                    throw new PromQLParseException(1, startCol, "unterminated quoted string");
                }
                char e = _s[_i++];
                switch (e)
                {
                    case 'a': sb.Append('\a'); break;
                    case 'b': sb.Append('\b'); break;
                    case 'f': sb.Append('\f'); break;
                    case 'n': sb.Append('\n'); break;
                    case 'r': sb.Append('\r'); break;
                    case 't': sb.Append('\t'); break;
                    case 'v': sb.Append('\v'); break;
                    case '\\': sb.Append('\\'); break;
                    case '"' or '\'': sb.Append(e); break;
                    case 'x': sb.Append((char)ReadHex(2)); break;
                    case 'u': sb.Append(char.ConvertFromUtf32(ReadHex(4))); break;
                    case 'U': sb.Append(char.ConvertFromUtf32(ReadHex(8))); break;
                    case >= '0' and <= '7':
                        int v = e - '0';
                        for (int k = 0; k < 2; k++)
                        {
                            if (_i >= _s.Length || _s[_i] is < '0' or > '7')
                            {
                                throw Error("invalid escape sequence in string");
                            }
                            v = v * 8 + (_s[_i++] - '0');
                        }
                        sb.Append((char)v);
                        break;
                    default:
                        throw Error("unknown escape sequence '\\" + e + "'");
                }
            }
        }

        private int ReadHex(int n)
        {
            if (_i + n > _s.Length)
            {
                throw Error("invalid escape sequence in string");
            }
            int v = 0;
            for (int k = 0; k < n; k++)
            {
                char h = _s[_i];
                if (!char.IsAsciiHexDigit(h))
                {
                    throw Error("invalid escape sequence in string");
                }
                v = v * 16 + (h <= '9' ? h - '0' : (h | 0x20) - 'a' + 10);
                _i++;
            }
            if (v > 0x10FFFF || (v >= 0xD800 && v <= 0xDFFF))
            {
                throw Error("invalid unicode code point in string");
            }
            return v;
        }
    }
}
