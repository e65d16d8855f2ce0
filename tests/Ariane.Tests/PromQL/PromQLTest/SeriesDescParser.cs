using System.Globalization;
using System.Text;
using Ariane.Config;
using Ariane.Model;

namespace Ariane.Tests.PromQL.PromQLTest;

/// <summary>
/// Parses the data lines of a script (FORMAT.md §4–§5): series descriptions <c>name{l="v"}</c>, value
/// sequences (<c>1 _x3 0+10x5 stale {{...}}x2</c>), native histogram literals and <c>@st</c> duration
/// sequences. Errors are <see cref="FormatException"/>s naming the 1-based column; the script parser adds file:line.
/// </summary>
public static class SeriesDescParser
{
    /// <summary>A series description and where its values start.</summary>
    public readonly record struct SeriesDesc(Labels Labels, bool StartTimestamps, int ValuesStart);

    /// <summary>Parses a whole data line: the series, then its expanded values.</summary>
    public static (Labels Labels, IReadOnlyList<SequenceValue> Values) ParseSeriesLine(string line)
    {
        var d = ParseSeriesDesc(line);
        if (d.StartTimestamps)
        {
            throw new FormatException("an @st line is only allowed in a load block");
        }
        return (d.Labels, ParseValues(line, d.ValuesStart));
    }

    /// <summary>Parses the series description at the start of <paramref name="line"/> (and a directly following <c>@st</c>).</summary>
    public static SeriesDesc ParseSeriesDesc(string line)
    {
        var c = new Cursor(line, 0);
        c.SkipSpace();
        var labels = new List<Label>();
        bool any = false;
        if (IsMetricStart(c.Peek))
        {
            labels.Add(new Label(Labels.MetricName, c.ReadWhile(IsMetricChar)));
            any = true;
        }
        int afterName = c.Pos;
        c.SkipSpace();
        if (c.Peek == '{' && c.PeekAt(1) != '{')
        {
            c.Pos++;
            ParseLabelSet(ref c, labels);
            any = true;
        }
        else
        {
            c.Pos = afterName;
        }
        if (!any)
        {
            throw c.Error("expected a metric name or '{'");
        }
        bool st = false;
        if (string.CompareOrdinal(line, c.Pos, "@st", 0, 3) == 0)
        {
            c.Pos += 3;
            st = true;
        }
        if (!c.AtEnd && !IsSpace(c.Peek))
        {
            throw c.Error($"unexpected character '{c.Peek}' after the series description");
        }
        var seen = new HashSet<string>(StringComparer.Ordinal);
        foreach (var l in labels)
        {
            if (!seen.Add(l.Name))
            {
                throw new FormatException($"duplicate label name \"{l.Name}\"");
            }
        }
        return new SeriesDesc(Labels.FromUnsorted(labels.ToArray()), st, c.Pos);
    }

    private static void ParseLabelSet(ref Cursor c, List<Label> labels)
    {
        while (true)
        {
            c.SkipSpace();
            if (c.Peek == '}')
            {
                c.Pos++;
                return;
            }
            string name;
            bool quotedName = false;
            if (c.Peek is '"' or '\'' or '`')
            {
                name = ReadQuoted(ref c);
                quotedName = true;
            }
            else if (IsLabelStart(c.Peek))
            {
                name = c.ReadWhile(IsLabelChar);
            }
            else
            {
                throw c.Error(c.AtEnd ? "unexpected end of line inside braces" : $"unexpected character '{c.Peek}' inside braces");
            }
            c.SkipSpace();
            if (c.Peek == '=')
            {
                c.Pos++;
                c.SkipSpace();
                if (c.Peek is not ('"' or '\'' or '`'))
                {
                    throw c.Error("expected a quoted label value");
                }
                labels.Add(new Label(name, ReadQuoted(ref c)));
            }
            else if (quotedName && c.Peek is ',' or '}')
            {
                // {"utf8.metric.name"}: a bare quoted string is the metric name.
                labels.Add(new Label(Labels.MetricName, name));
            }
            else
            {
                throw c.Error("expected '=' after a label name (series descriptions only allow equality)");
            }
            c.SkipSpace();
            if (c.Peek == ',')
            {
                c.Pos++;
            }
            else if (c.Peek != '}')
            {
                throw c.Error(c.AtEnd ? "unexpected end of line inside braces" : $"expected ',' or '}}', got '{c.Peek}'");
            }
        }
    }

    /// <summary>Reads a PromQL string literal (double, single or back quotes) with Go escapes, returning its value.</summary>
    internal static string ReadQuoted(ref Cursor c)
    {
        int start = c.Pos;
        char q = c.Peek;
        c.Pos++;
        var sb = new StringBuilder();
        while (true)
        {
            if (c.AtEnd)
            {
                c.Pos = start;
                throw c.Error("unterminated quoted string");
            }
            char ch = c.Text[c.Pos++];
            if (ch == q)
            {
                return sb.ToString();
            }
            if (ch != '\\' || q == '`')
            {
                if (ch == '\n' && q != '`')
                {
                    throw c.Error("newline in quoted string");
                }
                sb.Append(ch);
                continue;
            }
            if (c.AtEnd)
            {
                throw c.Error("unterminated escape sequence");
            }
            char e = c.Text[c.Pos++];
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
                case '"' when q == '"': sb.Append('"'); break;
                case '\'' when q == '\'': sb.Append('\''); break;
                case 'x': sb.Append((char)ReadHex(ref c, 2)); break;
                case 'u': sb.Append(char.ConvertFromUtf32(ReadHex(ref c, 4))); break;
                case 'U': sb.Append(char.ConvertFromUtf32(ReadHex(ref c, 8))); break;
                case >= '0' and <= '7':
                    {
                        int v = e - '0';
                        for (int k = 0; k < 2; k++)
                        {
                            if (c.AtEnd || c.Peek is < '0' or > '7')
                            {
                                throw c.Error("invalid octal escape");
                            }
                            v = v * 8 + (c.Text[c.Pos++] - '0');
                        }
                        sb.Append((char)v);
                        break;
                    }
                default:
                    c.Pos -= 2;
                    throw c.Error($"unknown escape sequence '\\{e}'");
            }
        }
    }

    private static int ReadHex(ref Cursor c, int digits)
    {
        if (c.Pos + digits > c.Text.Length ||
            !int.TryParse(c.Text.AsSpan(c.Pos, digits), NumberStyles.AllowHexSpecifier, CultureInfo.InvariantCulture, out int v))
        {
            throw c.Error("invalid hex escape");
        }
        c.Pos += digits;
        return v;
    }

    /// <summary>Expands the value sequence in <paramref name="text"/> from <paramref name="start"/> (FORMAT.md §5).</summary>
    public static List<SequenceValue> ParseValues(string text, int start = 0)
    {
        var c = new Cursor(text, start);
        var values = new List<SequenceValue>();
        while (true)
        {
            c.SkipSpace();
            if (c.AtEnd)
            {
                return values;
            }
            if (c.Peek == '{' && c.PeekAt(1) == '{')
            {
                ParseHistogramItem(ref c, values);
            }
            else if (c.Peek == '_')
            {
                c.Pos++;
                int n = c.Peek == 'x' ? ReadTimes(ref c) : 1;
                for (int i = 0; i < n; i++)
                {
                    values.Add(SequenceValue.None);
                }
            }
            else if (c.StartsWithWord("stale"))
            {
                c.Pos += 5;
                values.Add(SequenceValue.Float(SampleValue.StaleNaN));
            }
            else
            {
                double a = ReadFloat(ref c);
                if (c.Peek == 'x')
                {
                    int n = ReadTimes(ref c);
                    for (int i = 0; i <= n; i++)
                    {
                        values.Add(SequenceValue.Float(a));
                    }
                }
                else if (c.Peek is '+' or '-')
                {
                    double sign = c.Peek == '-' ? -1 : 1;
                    c.Pos++;
                    double b = sign * ReadFloat(ref c);
                    if (c.Peek != 'x')
                    {
                        throw c.Error("expected 'x<count>' after 'a+b' or 'a-b'");
                    }
                    int n = ReadTimes(ref c);
                    // Added step by step, as the reference parser does, so float rounding matches.
                    for (int i = 0; i <= n; i++)
                    {
                        values.Add(SequenceValue.Float(a));
                        a += b;
                    }
                }
                else
                {
                    values.Add(SequenceValue.Float(a));
                }
            }
            if (!c.AtEnd && !IsSpace(c.Peek))
            {
                throw c.Error($"unexpected character '{c.Peek}' in a value sequence");
            }
        }
    }

    private static void ParseHistogramItem(ref Cursor c, List<SequenceValue> values)
    {
        var a = ReadHistogram(ref c);
        if (c.Peek == 'x')
        {
            int n = ReadTimes(ref c);
            for (int i = 0; i <= n; i++)
            {
                values.Add(SequenceValue.Of(a));
            }
        }
        else if (c.Peek is '+' or '-' && c.PeekAt(1) == '{' && c.PeekAt(2) == '{')
        {
            bool subtract = c.Peek == '-';
            c.Pos++;
            var b = ReadHistogram(ref c);
            if (c.Peek != 'x')
            {
                throw c.Error("expected 'x<count>' after '{{A}}+{{B}}'");
            }
            int n = ReadTimes(ref c);
            for (int i = 0; i <= n; i++)
            {
                values.Add(SequenceValue.Of(a));
                if (i < n)
                {
                    a = a.Combine(b, subtract);
                }
            }
        }
        else
        {
            values.Add(SequenceValue.Of(a));
        }
    }

    /// <summary>Parses one histogram literal <c>{{key:value ...}}</c> (the whole text).</summary>
    public static HistogramLiteral ParseHistogram(string text)
    {
        var c = new Cursor(text, 0);
        c.SkipSpace();
        var h = ReadHistogram(ref c);
        c.SkipSpace();
        if (!c.AtEnd)
        {
            throw c.Error("unexpected text after the histogram");
        }
        return h;
    }

    private static HistogramLiteral ReadHistogram(ref Cursor c)
    {
        if (c.Peek != '{' || c.PeekAt(1) != '{')
        {
            throw c.Error("expected '{{'");
        }
        c.Pos += 2;
        var h = new HistogramLiteral();
        var seen = new HashSet<string>(StringComparer.Ordinal);
        while (true)
        {
            c.SkipSpace();
            if (c.Peek == '}' && c.PeekAt(1) == '}')
            {
                c.Pos += 2;
                return h;
            }
            if (c.AtEnd)
            {
                throw c.Error("unterminated histogram, expected '}}'");
            }
            int keyPos = c.Pos;
            string key = c.ReadWhile(static ch => ch is (>= 'a' and <= 'z') or '_');
            c.SkipSpace();
            if (key.Length == 0 || c.Peek != ':')
            {
                c.Pos = keyPos;
                throw c.Error("expected 'key:value' in a histogram");
            }
            c.Pos++;
            c.SkipSpace();
            if (!seen.Add(key))
            {
                c.Pos = keyPos;
                throw c.Error($"duplicate histogram key '{key}'");
            }
            h = key switch
            {
                "schema" => h with { Schema = ReadInt(ref c) },
                "sum" => h with { Sum = ReadFloat(ref c) },
                "count" => h with { Count = ReadFloat(ref c) },
                "z_bucket" => h with { ZeroCount = ReadFloat(ref c) },
                "z_bucket_w" => h with { ZeroThreshold = ReadFloat(ref c) },
                "buckets" => h with { Buckets = ReadList(ref c) },
                "offset" => h with { Offset = ReadInt(ref c) },
                "n_buckets" => h with { NegativeBuckets = ReadList(ref c) },
                "n_offset" => h with { NegativeOffset = ReadInt(ref c) },
                "custom_values" => h with { CustomValues = ReadList(ref c) },
                "counter_reset_hint" => h with { Hint = ReadHint(ref c) },
                _ => throw Unknown(ref c, keyPos, key),
            };
            if (!c.AtEnd && !IsSpace(c.Peek) && c.Peek != '}')
            {
                throw c.Error($"unexpected character '{c.Peek}' in a histogram");
            }
        }

        static FormatException Unknown(ref Cursor c, int pos, string key)
        {
            c.Pos = pos;
            return c.Error($"unknown histogram key '{key}'");
        }
    }

    private static CounterResetHint ReadHint(ref Cursor c)
    {
        string w = c.ReadWhile(static ch => ch is (>= 'a' and <= 'z') or '_');
        return w switch
        {
            "unknown" => CounterResetHint.Unknown,
            "reset" => CounterResetHint.Reset,
            "not_reset" => CounterResetHint.NotReset,
            "gauge" => CounterResetHint.Gauge,
            _ => throw c.Error($"invalid counter_reset_hint '{w}' (unknown, reset, not_reset or gauge)"),
        };
    }

    private static double[] ReadList(ref Cursor c)
    {
        if (c.Peek != '[')
        {
            throw c.Error("expected '['");
        }
        c.Pos++;
        var l = new List<double>();
        while (true)
        {
            c.SkipSpace();
            if (c.Peek == ']')
            {
                c.Pos++;
                return l.ToArray();
            }
            if (c.AtEnd)
            {
                throw c.Error("unterminated list, expected ']'");
            }
            l.Add(ReadFloat(ref c));
            if (c.Peek == ',')
            {
                c.Pos++;
            }
        }
    }

    private static int ReadInt(ref Cursor c)
    {
        int start = c.Pos;
        double v = ReadFloat(ref c);
        if (v != Math.Floor(v) || double.IsInfinity(v) || Math.Abs(v) > int.MaxValue)
        {
            c.Pos = start;
            throw c.Error("expected an integer");
        }
        return (int)v;
    }

    private static int ReadTimes(ref Cursor c)
    {
        c.Pos++; // 'x'
        string digits = c.ReadWhile(static ch => ch is >= '0' and <= '9');
        if (digits.Length == 0 || !int.TryParse(digits, NumberStyles.None, CultureInfo.InvariantCulture, out int n))
        {
            throw c.Error("expected a repetition count after 'x'");
        }
        return n;
    }

    /// <summary>
    /// Reads a signed decimal float, <c>Inf</c> or <c>NaN</c> (any case). Hexadecimal is not accepted here:
    /// as in the reference lexer, <c>0x10</c> in a value sequence is "0 repeated", not sixteen.
    /// </summary>
    private static double ReadFloat(ref Cursor c)
    {
        int start = c.Pos;
        double sign = 1;
        if (c.Peek is '+' or '-')
        {
            sign = c.Peek == '-' ? -1 : 1;
            c.Pos++;
        }
        if (c.StartsWithIgnoreCase("inf"))
        {
            c.Pos += 3;
            return sign * double.PositiveInfinity;
        }
        if (c.StartsWithIgnoreCase("nan"))
        {
            c.Pos += 3;
            return double.NaN;
        }
        int numStart = c.Pos;
        c.ReadWhile(static ch => ch is >= '0' and <= '9');
        if (c.Peek == '.')
        {
            c.Pos++;
            c.ReadWhile(static ch => ch is >= '0' and <= '9');
        }
        bool digits = false;
        for (int i = numStart; i < c.Pos; i++)
        {
            digits |= c.Text[i] is >= '0' and <= '9';
        }
        if (!digits)
        {
            c.Pos = start;
            throw c.Error(c.AtEnd ? "expected a number" : $"expected a number, got '{c.Peek}'");
        }
        if (c.Peek is 'e' or 'E' && (char.IsAsciiDigit(c.PeekAt(1)) || (c.PeekAt(1) is '+' or '-' && char.IsAsciiDigit(c.PeekAt(2)))))
        {
            c.Pos += 2;
            c.ReadWhile(static ch => ch is >= '0' and <= '9');
        }
        return sign * double.Parse(c.Text.AsSpan(numStart, c.Pos - numStart), NumberStyles.AllowDecimalPoint | NumberStyles.AllowExponent, CultureInfo.InvariantCulture);
    }

    /// <summary>
    /// Parses a number-only line as the reference does (an integer with Go's base prefixes 0x, 0o, 0b or a leading
    /// 0 for octal, else a float, Inf or NaN); false when the line is not a number.
    /// </summary>
    public static bool TryParseNumber(string s, out double value)
    {
        value = 0;
        var span = s.AsSpan();
        bool neg = false;
        if (span.Length > 0 && span[0] is '+' or '-')
        {
            neg = span[0] == '-';
            span = span[1..];
        }
        if (span.Length == 0)
        {
            return false;
        }
        if (TryParseGoInt(span, out long n))
        {
            value = neg ? -(double)n : n;
            return true;
        }
        if (span.Equals("inf", StringComparison.OrdinalIgnoreCase) || span.Equals("infinity", StringComparison.OrdinalIgnoreCase))
        {
            value = neg ? double.NegativeInfinity : double.PositiveInfinity;
            return true;
        }
        if (span.Equals("nan", StringComparison.OrdinalIgnoreCase))
        {
            value = double.NaN;
            return true;
        }
        foreach (char ch in span)
        {
            if (!(char.IsAsciiDigit(ch) || ch is '.' or 'e' or 'E' or '+' or '-'))
            {
                return false;
            }
        }
        if (!char.IsAsciiDigit(span[0]) && span[0] != '.')
        {
            return false;
        }
        if (double.TryParse(span, NumberStyles.AllowDecimalPoint | NumberStyles.AllowExponent, CultureInfo.InvariantCulture, out double v))
        {
            value = neg ? -v : v;
            return true;
        }
        return false;
    }

    private static bool TryParseGoInt(ReadOnlySpan<char> s, out long v)
    {
        v = 0;
        int radix = 10;
        if (s.Length > 2 && s[0] == '0' && s[1] is 'x' or 'X' or 'o' or 'O' or 'b' or 'B')
        {
            radix = s[1] is 'x' or 'X' ? 16 : s[1] is 'o' or 'O' ? 8 : 2;
            s = s[2..];
        }
        else if (s.Length > 1 && s[0] == '0')
        {
            radix = 8;
            s = s[1..];
        }
        if (s.Length == 0)
        {
            return false;
        }
        foreach (char ch in s)
        {
            int d = ch switch
            {
                >= '0' and <= '9' => ch - '0',
                >= 'a' and <= 'f' => ch - 'a' + 10,
                >= 'A' and <= 'F' => ch - 'A' + 10,
                _ => 99,
            };
            if (d >= radix)
            {
                return false;
            }
            try
            {
                v = checked(v * radix + d);
            }
            catch (OverflowException)
            {
                return false;
            }
        }
        return true;
    }

    /// <summary>
    /// Expands an <c>@st</c> sequence of duration offsets (ms): <c>_</c>, <c>_xN</c>, <c>d</c>, <c>dxN</c>,
    /// <c>d+exN</c>, <c>d-exN</c>, with signed Prometheus durations. Null entries mean "no start timestamp".
    /// </summary>
    public static List<long?> ParseStartOffsets(string text, int start = 0)
    {
        var c = new Cursor(text, start);
        var values = new List<long?>();
        while (true)
        {
            c.SkipSpace();
            if (c.AtEnd)
            {
                return values;
            }
            if (c.Peek == '_')
            {
                c.Pos++;
                int n = c.Peek == 'x' ? ReadTimes(ref c) : 1;
                for (int i = 0; i < n; i++)
                {
                    values.Add(null);
                }
            }
            else
            {
                long a = ReadDuration(ref c, signed: true);
                if (c.Peek == 'x')
                {
                    int n = ReadTimes(ref c);
                    for (int i = 0; i <= n; i++)
                    {
                        values.Add(a);
                    }
                }
                else if (c.Peek is '+' or '-')
                {
                    long b = ReadDuration(ref c, signed: true);
                    if (c.Peek != 'x')
                    {
                        throw c.Error("expected 'x<count>' after 'a+b' or 'a-b'");
                    }
                    int n = ReadTimes(ref c);
                    for (int i = 0; i <= n; i++)
                    {
                        values.Add(a);
                        a += b;
                    }
                }
                else
                {
                    values.Add(a);
                }
            }
            if (!c.AtEnd && !IsSpace(c.Peek))
            {
                throw c.Error($"unexpected character '{c.Peek}' in a start-timestamp sequence");
            }
        }
    }

    private static long ReadDuration(ref Cursor c, bool signed)
    {
        int start = c.Pos;
        long sign = 1;
        if (signed && c.Peek is '+' or '-')
        {
            sign = c.Peek == '-' ? -1 : 1;
            c.Pos++;
        }
        string d = c.ReadWhile(static ch => ch is (>= '0' and <= '9') or 'y' or 'w' or 'd' or 'h' or 'm' or 's');
        if (!PromDuration.TryParse(d, out var ts))
        {
            c.Pos = start;
            throw c.Error($"invalid duration '{d}'");
        }
        return sign * (long)ts.TotalMilliseconds;
    }

    /// <summary>Parses a Prometheus duration (<c>0</c>, <c>5m</c>, <c>10s53ms</c>, <c>100d</c>; a sign when <paramref name="signed"/>) into ms.</summary>
    public static long ParseDurationMs(string text, bool signed = false)
    {
        var c = new Cursor(text, 0);
        long v = ReadDuration(ref c, signed);
        if (!c.AtEnd)
        {
            throw new FormatException($"invalid duration \"{text}\"");
        }
        return v;
    }

    /// <summary>Formats a float as in scripts and Prometheus output: <c>+Inf</c>, <c>NaN</c>, <c>stale</c>, shortest round-trip.</summary>
    public static string FormatFloat(double v) =>
        SampleValue.IsStaleNaN(v) ? "stale"
        : double.IsNaN(v) ? "NaN"
        : double.IsPositiveInfinity(v) ? "+Inf"
        : double.IsNegativeInfinity(v) ? "-Inf"
        : v.ToString("R", CultureInfo.InvariantCulture);

    private static bool IsSpace(char c) => c is ' ' or '\t';

    private static bool IsMetricStart(char c) => c is (>= 'a' and <= 'z') or (>= 'A' and <= 'Z') or '_' or ':';

    private static bool IsMetricChar(char c) => IsMetricStart(c) || c is >= '0' and <= '9';

    private static bool IsLabelStart(char c) => c is (>= 'a' and <= 'z') or (>= 'A' and <= 'Z') or '_';

    private static bool IsLabelChar(char c) => IsLabelStart(c) || c is >= '0' and <= '9';

    /// <summary>A position in a line, with the small helpers the parsers share.</summary>
    internal struct Cursor(string text, int pos)
    {
        public readonly string Text = text;
        public int Pos = pos;

        public readonly bool AtEnd => Pos >= Text.Length;

        public readonly char Peek => Pos < Text.Length ? Text[Pos] : '\0';

        public readonly char PeekAt(int k) => Pos + k < Text.Length ? Text[Pos + k] : '\0';

        public void SkipSpace()
        {
            while (Pos < Text.Length && IsSpace(Text[Pos]))
            {
                Pos++;
            }
        }

        public string ReadWhile(Func<char, bool> ok)
        {
            int s = Pos;
            while (Pos < Text.Length && ok(Text[Pos]))
            {
                Pos++;
            }
            return Text[s..Pos];
        }

        public readonly bool StartsWithIgnoreCase(string w) =>
            string.Compare(Text, Pos, w, 0, w.Length, StringComparison.OrdinalIgnoreCase) == 0 && Pos + w.Length <= Text.Length;

        /// <summary>True when the keyword is here and not followed by more word characters.</summary>
        public readonly bool StartsWithWord(string w) =>
            string.CompareOrdinal(Text, Pos, w, 0, w.Length) == 0 && Pos + w.Length <= Text.Length &&
            (Pos + w.Length == Text.Length || !IsMetricChar(Text[Pos + w.Length]));

        public readonly FormatException Error(string msg) => new($"col {Pos + 1}: {msg}");
    }
}
