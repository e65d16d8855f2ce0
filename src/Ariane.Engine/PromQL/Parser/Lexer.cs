using System.Globalization;
using System.Text;
using Ariane.PromQL.Ast;

namespace Ariane.PromQL.Parser;

internal enum TokenKind
{
    Eof,
    Error,
    Identifier,
    MetricIdentifier,
    Number,
    Duration,
    String,
    LeftParen,
    RightParen,
    LeftBrace,
    RightBrace,
    LeftBracket,
    RightBracket,
    Comma,
    Colon,
    Eql,

    // Operators.
    OperatorsStart,
    Add,
    Sub,
    Mul,
    Div,
    Mod,
    Pow,
    EqlC,
    Neq,
    Lte,
    Lss,
    Gte,
    Gtr,
    EqlRegex,
    NeqRegex,
    TrimUpper,
    TrimLower,
    At,
    Atan2,
    Land,
    Lor,
    Lunless,
    OperatorsEnd,

    // Aggregators.
    AggregatorsStart,
    Avg,
    Bottomk,
    Count,
    CountValues,
    Group,
    Max,
    Min,
    Quantile,
    Stddev,
    Stdvar,
    Sum,
    Topk,
    Limitk,
    LimitRatio,
    AggregatorsEnd,

    // Keywords.
    KeywordsStart,
    Bool,
    By,
    GroupLeft,
    GroupRight,
    Fill,
    FillLeft,
    FillRight,
    Ignoring,
    Offset,
    Smoothed,
    Anchored,
    On,
    Without,
    KeywordsEnd,

    // Preprocessors.
    Start,
    End,
    Step,
    Range,
    MaxOf,
    MinOf,
}

/// <summary>One lexed token: its kind, start offset, raw text, and for strings the unescaped value.</summary>
internal readonly record struct Token(TokenKind Kind, int Pos, string Text, string? Value = null)
{
    public int End => Kind == TokenKind.Error ? Pos : Pos + Text.Length;

    public bool IsOperator => Kind > TokenKind.OperatorsStart && Kind < TokenKind.OperatorsEnd;

    public bool IsAggregator => Kind > TokenKind.AggregatorsStart && Kind < TokenKind.AggregatorsEnd;

    public bool IsKeyword => Kind > TokenKind.KeywordsStart && Kind < TokenKind.KeywordsEnd;

    /// <summary>How Prometheus names the token in "unexpected ..." messages.</summary>
    public string Describe()
    {
        switch (Kind)
        {
            case TokenKind.Eof:
                return "end of input";
            case TokenKind.Error:
                return Text;
            case TokenKind.Identifier:
                return "identifier " + PromQLFormat.Quote(Text);
            case TokenKind.MetricIdentifier:
                return "metric identifier " + PromQLFormat.Quote(Text);
            case TokenKind.Number:
                return "number " + Truncated(Text);
            case TokenKind.Duration:
                return "duration " + Truncated(Text);
            case TokenKind.String:
                return "string " + Truncated(Text);
        }
        if (IsKeyword)
        {
            return "<" + Text + ">";
        }
        if (IsOperator)
        {
            return "<op:" + Text + ">";
        }
        if (IsAggregator)
        {
            return "<aggr:" + Text + ">";
        }
        return Truncated(Text);
    }

    private static string Truncated(string s)
    {
        // Go's %.10q: at most 10 runes, then "...".
        int runes = 0;
        int i = 0;
        while (i < s.Length && runes < 10)
        {
            i += char.IsHighSurrogate(s[i]) && i + 1 < s.Length && char.IsLowSurrogate(s[i + 1]) ? 2 : 1;
            runes++;
        }
        return i < s.Length ? PromQLFormat.Quote(s[..i]) + "..." : PromQLFormat.Quote(s);
    }
}

/// <summary>
/// PromQL's lexer: a small state machine over the query text (no regular expressions). Like Prometheus's, it tracks
/// braces and brackets itself, so label names inside braces and durations inside brackets lex differently.
/// </summary>
internal sealed class Lexer
{
    private static readonly Dictionary<string, TokenKind> Keywords = new(StringComparer.Ordinal)
    {
        ["and"] = TokenKind.Land,
        ["or"] = TokenKind.Lor,
        ["unless"] = TokenKind.Lunless,
        ["atan2"] = TokenKind.Atan2,
        ["sum"] = TokenKind.Sum,
        ["avg"] = TokenKind.Avg,
        ["count"] = TokenKind.Count,
        ["min"] = TokenKind.Min,
        ["max"] = TokenKind.Max,
        ["group"] = TokenKind.Group,
        ["stddev"] = TokenKind.Stddev,
        ["stdvar"] = TokenKind.Stdvar,
        ["topk"] = TokenKind.Topk,
        ["bottomk"] = TokenKind.Bottomk,
        ["count_values"] = TokenKind.CountValues,
        ["quantile"] = TokenKind.Quantile,
        ["limitk"] = TokenKind.Limitk,
        ["limit_ratio"] = TokenKind.LimitRatio,
        ["offset"] = TokenKind.Offset,
        ["smoothed"] = TokenKind.Smoothed,
        ["anchored"] = TokenKind.Anchored,
        ["by"] = TokenKind.By,
        ["without"] = TokenKind.Without,
        ["on"] = TokenKind.On,
        ["ignoring"] = TokenKind.Ignoring,
        ["group_left"] = TokenKind.GroupLeft,
        ["group_right"] = TokenKind.GroupRight,
        ["fill"] = TokenKind.Fill,
        ["fill_left"] = TokenKind.FillLeft,
        ["fill_right"] = TokenKind.FillRight,
        ["bool"] = TokenKind.Bool,
        ["start"] = TokenKind.Start,
        ["end"] = TokenKind.End,
        ["step"] = TokenKind.Step,
        ["range"] = TokenKind.Range,
        ["max_of"] = TokenKind.MaxOf,
        ["min_of"] = TokenKind.MinOf,
        ["inf"] = TokenKind.Number,
        ["nan"] = TokenKind.Number,
    };

    private readonly string _s;
    private int _pos;
    private int _start;
    private int _parenDepth;
    private bool _braceOpen;
    private bool _bracketOpen;
    private bool _durationMode; // inside [ ] before the first number: Prometheus's lexDurationExpr state
    private bool _gotColon;
    private bool _gotDuration;
    private bool _done;

    public Lexer(string input) => _s = input;

    public string Input => _s;

    private char Peek => _pos < _s.Length ? _s[_pos] : '\0';

    private bool AtEnd => _pos >= _s.Length;

    /// <summary>Returns the next token; after an error or the end it keeps returning that token.</summary>
    public Token Next()
    {
        if (_done)
        {
            return new Token(TokenKind.Eof, _s.Length, "");
        }
        while (true)
        {
            // Whitespace and comments produce no tokens.
            while (!AtEnd && (IsSpace(_s[_pos]) || _s[_pos] == '#'))
            {
                if (_s[_pos] == '#')
                {
                    while (!AtEnd && _s[_pos] is not ('\n' or '\r'))
                    {
                        _pos++;
                    }
                }
                else
                {
                    _pos++;
                }
            }
            _start = _pos;
            Token t;
            if (_braceOpen)
            {
                t = LexInsideBraces();
            }
            else if (_bracketOpen && _durationMode)
            {
                t = LexDurationExpr();
            }
            else
            {
                t = LexStatements();
            }
            if (t.Kind is TokenKind.Error or TokenKind.Eof)
            {
                _done = true;
            }
            return t;
        }
    }

    private Token Emit(TokenKind kind) => new(kind, _start, _s[_start.._pos]);

    private Token Error(string message) => new(TokenKind.Error, _start, message);

    private Token ErrorAt(int pos, string message) => new(TokenKind.Error, pos, message);

    private Token LexStatements()
    {
        if (AtEnd)
        {
            if (_parenDepth != 0)
            {
                return Error("unclosed left parenthesis");
            }
            if (_bracketOpen)
            {
                return Error("unclosed left bracket");
            }
            return new Token(TokenKind.Eof, _s.Length, "");
        }
        char r = _s[_pos++];
        switch (r)
        {
            case ',': return Emit(TokenKind.Comma);
            case '*': return Emit(TokenKind.Mul);
            case '/': return Emit(TokenKind.Div);
            case '%': return Emit(TokenKind.Mod);
            case '+': return Emit(TokenKind.Add);
            case '-': return Emit(TokenKind.Sub);
            case '^': return Emit(TokenKind.Pow);
            case '@': return Emit(TokenKind.At);
            case '=':
                if (Peek == '=')
                {
                    _pos++;
                    return Emit(TokenKind.EqlC);
                }
                if (Peek == '~')
                {
                    return Error("unexpected character after '=': " + QuoteRune('~'));
                }
                return Emit(TokenKind.Eql);
            case '!':
                if (AtEnd)
                {
                    return Error("unexpected character after '!': " + QuoteRune(null));
                }
                {
                    char t = _s[_pos++];
                    if (t != '=')
                    {
                        return Error("unexpected character after '!': " + QuoteRune(t));
                    }
                }
                return Emit(TokenKind.Neq);
            case '<':
                if (Peek == '=')
                {
                    _pos++;
                    return Emit(TokenKind.Lte);
                }
                if (Peek == '/')
                {
                    _pos++;
                    return Emit(TokenKind.TrimUpper);
                }
                return Emit(TokenKind.Lss);
            case '>':
                if (Peek == '=')
                {
                    _pos++;
                    return Emit(TokenKind.Gte);
                }
                if (Peek == '/')
                {
                    _pos++;
                    return Emit(TokenKind.TrimLower);
                }
                return Emit(TokenKind.Gtr);
            case '"' or '\'':
                return LexString(r);
            case '`':
                return LexRawString();
            case '(':
                _parenDepth++;
                return Emit(TokenKind.LeftParen);
            case ')':
                _parenDepth--;
                if (_parenDepth < 0)
                {
                    return ErrorAt(_pos, "unexpected right parenthesis " + QuoteRune(')'));
                }
                return Emit(TokenKind.RightParen);
            case '{':
                _braceOpen = true;
                return Emit(TokenKind.LeftBrace);
            case '[':
                if (_bracketOpen)
                {
                    return Error("unexpected left bracket " + QuoteRune('['));
                }
                _gotColon = false;
                _gotDuration = false;
                _bracketOpen = true;
                _durationMode = true;
                return Emit(TokenKind.LeftBracket);
            case ']':
                if (!_bracketOpen)
                {
                    return Error("unexpected right bracket " + QuoteRune(']'));
                }
                _bracketOpen = false;
                return Emit(TokenKind.RightBracket);
        }
        if (char.IsAsciiDigit(r) || (r == '.' && char.IsAsciiDigit(Peek)))
        {
            _pos--;
            return LexNumberOrDuration();
        }
        if (IsAlpha(r) || r == ':')
        {
            if (!_bracketOpen)
            {
                _pos--;
                return LexKeywordOrIdentifier();
            }
            if (r == ':')
            {
                if (_gotColon)
                {
                    return Error("unexpected colon " + QuoteRune(':'));
                }
                _gotColon = true;
                return Emit(TokenKind.Colon);
            }
            if (TryDurationKeyword(out var kw))
            {
                return kw;
            }
            _pos = _start + 1;
            return Error("unexpected character: " + QuoteRune(r) + ", expected " + QuoteRune(':'));
        }
        return Error("unexpected character: " + QuoteRune(RuneAt(_start)));
    }

    private Token LexInsideBraces()
    {
        if (AtEnd)
        {
            return Error("unexpected end of input inside braces");
        }
        char r = _s[_pos++];
        if (IsAlpha(r))
        {
            while (!AtEnd && IsAlphaNumeric(_s[_pos]))
            {
                _pos++;
            }
            return Emit(TokenKind.Identifier);
        }
        switch (r)
        {
            case ',':
                return Emit(TokenKind.Comma);
            case '"' or '\'':
                return LexString(r);
            case '`':
                return LexRawString();
            case '=':
                if (Peek == '~')
                {
                    _pos++;
                    return Emit(TokenKind.EqlRegex);
                }
                return Emit(TokenKind.Eql);
            case '!':
                if (Peek == '~')
                {
                    _pos++;
                    return Emit(TokenKind.NeqRegex);
                }
                if (Peek == '=')
                {
                    _pos++;
                    return Emit(TokenKind.Neq);
                }
                {
                    string q = QuoteRune(AtEnd ? null : RuneAt(_pos));
                    return Error("unexpected character after '!' inside braces: " + q);
                }
            case '{':
                return Error("unexpected left brace " + QuoteRune('{'));
            case '}':
                _braceOpen = false;
                return Emit(TokenKind.RightBrace);
        }
        return Error("unexpected character inside braces: " + QuoteRune(RuneAt(_start)));
    }

    private Token LexDurationExpr()
    {
        if (AtEnd)
        {
            return Error("unexpected end of input in duration expression");
        }
        char r = _s[_pos++];
        switch (r)
        {
            case ']':
                _bracketOpen = false;
                _gotColon = false;
                return Emit(TokenKind.RightBracket);
            case ':':
                if (!_gotDuration)
                {
                    return ErrorAt(_pos, "unexpected colon before duration in duration expression");
                }
                if (_gotColon)
                {
                    return ErrorAt(_pos, "unexpected repeated colon in duration expression");
                }
                _gotColon = true;
                return Emit(TokenKind.Colon);
            case '(':
                _parenDepth++;
                return Emit(TokenKind.LeftParen);
            case ')':
                _parenDepth--;
                if (_parenDepth < 0)
                {
                    return ErrorAt(_pos, "unexpected right parenthesis " + QuoteRune(')'));
                }
                _gotDuration = true;
                return Emit(TokenKind.RightParen);
            case '+': return Emit(TokenKind.Add);
            case '-': return Emit(TokenKind.Sub);
            case '*': return Emit(TokenKind.Mul);
            case '/': return Emit(TokenKind.Div);
            case '%': return Emit(TokenKind.Mod);
            case '^': return Emit(TokenKind.Pow);
            case ',': return Emit(TokenKind.Comma);
        }
        if (IsDurationKeywordStart(r))
        {
            if (TryDurationKeyword(out var kw))
            {
                _gotDuration = true;
                return kw;
            }
            _pos = _start + 1;
            return Error("unexpected character in duration expression: " + QuoteRune(r));
        }
        if (char.IsAsciiDigit(r) || (r == '.' && char.IsAsciiDigit(Peek)))
        {
            _pos--;
            _gotDuration = true;
            _durationMode = false;
            return LexNumberOrDuration();
        }
        return Error("unexpected character in duration expression: " + QuoteRune(RuneAt(_start)));
    }

    private static bool IsDurationKeywordStart(char c) => char.ToLowerInvariant(c) is 's' or 'r' or 'm';

    private bool TryDurationKeyword(out Token token)
    {
        int p = _start;
        while (p < _s.Length && IsAlpha(_s[p]))
        {
            p++;
        }
        string word = _s[_start..p].ToLowerInvariant();
        TokenKind kind = word switch
        {
            "step" => TokenKind.Step,
            "range" => TokenKind.Range,
            "max_of" => TokenKind.MaxOf,
            "min_of" => TokenKind.MinOf,
            _ => TokenKind.Eof,
        };
        if (kind == TokenKind.Eof)
        {
            token = default;
            return false;
        }
        _pos = p;
        token = Emit(kind);
        return true;
    }

    private Token LexKeywordOrIdentifier()
    {
        while (!AtEnd && (IsAlphaNumeric(_s[_pos]) || _s[_pos] == ':'))
        {
            _pos++;
        }
        string word = _s[_start.._pos];
        if (Keywords.TryGetValue(word.ToLowerInvariant(), out var kw))
        {
            if (kw is TokenKind.Fill or TokenKind.FillLeft or TokenKind.FillRight && !FollowedByLeftParen())
            {
                return Emit(TokenKind.Identifier);
            }
            return Emit(kw);
        }
        return Emit(word.Contains(':', StringComparison.Ordinal) ? TokenKind.MetricIdentifier : TokenKind.Identifier);
    }

    private bool FollowedByLeftParen()
    {
        int p = _pos;
        while (p < _s.Length && IsSpace(_s[p]))
        {
            p++;
        }
        return p < _s.Length && _s[p] == '(';
    }

    private Token LexNumberOrDuration()
    {
        if (ScanNumber())
        {
            return Emit(TokenKind.Number);
        }
        if (AcceptRemainingDuration())
        {
            // The duration check reads one character too far.
            _pos--;
            return Emit(TokenKind.Duration);
        }
        return Error("bad number or duration syntax: " + PromQLFormat.Quote(_s[_start..Math.Min(_pos, _s.Length)]));
    }

    private bool Accept(string valid)
    {
        if (!AtEnd && valid.Contains(_s[_pos], StringComparison.Ordinal))
        {
            _pos++;
            return true;
        }
        return false;
    }

    private bool Is(string valid) => !AtEnd && valid.Contains(_s[_pos], StringComparison.Ordinal);

    private bool AcceptRemainingDuration()
    {
        if (!Accept("smhdwy"))
        {
            return false;
        }
        Accept("s");
        while (Accept("0123456789"))
        {
            while (Accept("0123456789"))
            {
            }
            if (!Accept("smhdw"))
            {
                return false;
            }
            Accept("s");
        }
        // Reads one more character (or the end) like Prometheus, then the caller steps back.
        bool ok = AtEnd || !IsAlphaNumeric(_s[_pos]);
        _pos++;
        return ok;
    }

    private bool ScanNumber()
    {
        int initial = _pos;
        string digits = "0123456789";
        if (Accept("0") && Accept("xX"))
        {
            Accept("_");
            digits = "0123456789abcdefABCDEF";
        }
        Accept(".");
        Accept(digits);
        bool dotConsumed = false;
        bool expConsumed = false;
        while (Is(digits) || Is("._eE"))
        {
            if (Is(".") && dotConsumed)
            {
                Accept(".");
                return false;
            }
            if (Is("eE") && expConsumed)
            {
                Accept("eE");
                return false;
            }
            if (Accept("."))
            {
                dotConsumed = true;
                if (Accept("_."))
                {
                    return false;
                }
                if (digits.Length > 10)
                {
                    return false;
                }
                continue;
            }
            if (Accept("eE"))
            {
                expConsumed = true;
                Accept("+-");
                if (Accept("._eE") || AtEnd)
                {
                    return false;
                }
                continue;
            }
            if (Accept("_"))
            {
                if (Accept("._eE") || AtEnd)
                {
                    return false;
                }
                continue;
            }
            while (Accept(digits))
            {
            }
        }
        if (_pos == initial)
        {
            return false;
        }
        return AtEnd || !IsAlphaNumeric(_s[_pos]);
    }

    private Token LexString(char quote)
    {
        var sb = new StringBuilder();
        List<byte>? pendingBytes = null;
        while (true)
        {
            if (AtEnd)
            {
                return Error("unterminated quoted string");
            }
            char c = _s[_pos++];
            if (c == '\n')
            {
                return Error("unterminated quoted string");
            }
            if (c == quote)
            {
                FlushBytes(sb, ref pendingBytes);
                return new Token(TokenKind.String, _start, _s[_start.._pos], sb.ToString());
            }
            if (c != '\\')
            {
                FlushBytes(sb, ref pendingBytes);
                if (!AppendChar(sb, c))
                {
                    return Error("invalid UTF-8 rune");
                }
                continue;
            }
            if (AtEnd)
            {
                return Error("escape sequence not terminated");
            }
            char e = _s[_pos++];
            int n;
            int radix;
            uint max;
            switch (e)
            {
                case 'a': FlushBytes(sb, ref pendingBytes); sb.Append('\a'); continue;
                case 'b': FlushBytes(sb, ref pendingBytes); sb.Append('\b'); continue;
                case 'f': FlushBytes(sb, ref pendingBytes); sb.Append('\f'); continue;
                case 'n': FlushBytes(sb, ref pendingBytes); sb.Append('\n'); continue;
                case 'r': FlushBytes(sb, ref pendingBytes); sb.Append('\r'); continue;
                case 't': FlushBytes(sb, ref pendingBytes); sb.Append('\t'); continue;
                case 'v': FlushBytes(sb, ref pendingBytes); sb.Append('\v'); continue;
                case '\\': FlushBytes(sb, ref pendingBytes); sb.Append('\\'); continue;
                case >= '0' and <= '7':
                    _pos--;
                    n = 3;
                    radix = 8;
                    max = 255;
                    break;
                case 'x':
                    n = 2;
                    radix = 16;
                    max = 255;
                    break;
                case 'u':
                    n = 4;
                    radix = 16;
                    max = 0x10FFFF;
                    break;
                case 'U':
                    n = 8;
                    radix = 16;
                    max = 0x10FFFF;
                    break;
                default:
                    if (e == quote)
                    {
                        FlushBytes(sb, ref pendingBytes);
                        sb.Append(e);
                        continue;
                    }
                    return Error("unknown escape sequence " + GoUnicodeFormat(RuneAt(_pos - 1)));
            }
            uint x = 0;
            for (int k = 0; k < n; k++)
            {
                if (AtEnd)
                {
                    return Error("escape sequence not terminated");
                }
                char d = _s[_pos++];
                int dv = d is >= '0' and <= '9' ? d - '0' : d is >= 'a' and <= 'f' ? d - 'a' + 10 : d is >= 'A' and <= 'F' ? d - 'A' + 10 : 16;
                if (dv >= radix)
                {
                    return Error("illegal character " + GoUnicodeFormat(RuneAt(_pos - 1)) + " in escape sequence");
                }
                x = (x * (uint)radix) + (uint)dv;
            }
            if (x > max || (x >= 0xD800 && x < 0xE000))
            {
                return Error("escape sequence is an invalid Unicode code point");
            }
            if (max == 255)
            {
                (pendingBytes ??= new List<byte>()).Add((byte)x);
            }
            else
            {
                FlushBytes(sb, ref pendingBytes);
                sb.Append(char.ConvertFromUtf32((int)x));
            }
        }
    }

    private Token LexRawString()
    {
        var sb = new StringBuilder();
        while (true)
        {
            if (AtEnd)
            {
                return Error("unterminated raw string");
            }
            char c = _s[_pos++];
            if (c == '`')
            {
                return new Token(TokenKind.String, _start, _s[_start.._pos], sb.ToString());
            }
            if (!AppendChar(sb, c))
            {
                return Error("invalid UTF-8 rune");
            }
        }
    }

    // Appends one UTF-16 unit of the input, rejecting lone surrogates (what Go sees as invalid UTF-8).
    private bool AppendChar(StringBuilder sb, char c)
    {
        if (char.IsHighSurrogate(c))
        {
            if (_pos < _s.Length && char.IsLowSurrogate(_s[_pos]))
            {
                sb.Append(c).Append(_s[_pos++]);
                return true;
            }
            return false;
        }
        if (char.IsLowSurrogate(c))
        {
            return false;
        }
        sb.Append(c);
        return true;
    }

    // Raw bytes from \x and octal escapes are decoded as UTF-8; bytes that do not form valid UTF-8 are kept as
    // lone surrogates U+DC80..U+DCFF (like Python's surrogateescape) so "invalid label name" checks can see them.
    private static void FlushBytes(StringBuilder sb, ref List<byte>? bytes)
    {
        if (bytes is null || bytes.Count == 0)
        {
            return;
        }
        byte[] b = bytes.ToArray();
        bytes.Clear();
        int i = 0;
        while (i < b.Length)
        {
            var status = Rune.DecodeFromUtf8(b.AsSpan(i), out var rune, out int consumed);
            if (status == System.Buffers.OperationStatus.Done)
            {
                sb.Append(rune.ToString());
                i += consumed;
            }
            else
            {
                sb.Append((char)(0xDC00 + b[i]));
                i++;
            }
        }
    }

    private string RuneAt(int i)
    {
        if (i >= _s.Length)
        {
            return "";
        }
        if (char.IsHighSurrogate(_s[i]) && i + 1 < _s.Length && char.IsLowSurrogate(_s[i + 1]))
        {
            return _s.Substring(i, 2);
        }
        return _s.Substring(i, 1);
    }

    /// <summary>Go's <c>%q</c> of a rune: <c>'x'</c>, <c>'\n'</c>, <c>'\''</c>; null stands for Go's eof rune.</summary>
    internal static string QuoteRune(string? r)
    {
        if (r is null || r.Length == 0)
        {
            return "'\uFFFD'";
        }
        if (r == "'")
        {
            return "'\\''";
        }
        if (r == "\"")
        {
            return "'\"'";
        }
        string q = PromQLFormat.Quote(r);
        return "'" + q[1..^1] + "'";
    }

    internal static string QuoteRune(char c) => QuoteRune(c.ToString());

    // Go's %#U: U+0063 'c' (the quoted form only for printable runes).
    private static string GoUnicodeFormat(string r)
    {
        if (r.Length == 0)
        {
            return "U+FFFFFFFFFFFFFFFF";
        }
        int cp = char.IsSurrogatePair(r, 0) ? char.ConvertToUtf32(r, 0) : r[0];
        string hex = "U+" + cp.ToString("X4", CultureInfo.InvariantCulture);
        if (!char.IsSurrogate(r, 0) && PromQLFormat.IsPrint(Rune.GetRuneAt(r, 0)))
        {
            return hex + " '" + r + "'";
        }
        return hex;
    }

    internal static bool IsSpace(char c) => c is ' ' or '\t' or '\n' or '\r';

    internal static bool IsAlpha(char c) => c == '_' || char.IsAsciiLetter(c);

    internal static bool IsAlphaNumeric(char c) => IsAlpha(c) || char.IsAsciiDigit(c);
}
