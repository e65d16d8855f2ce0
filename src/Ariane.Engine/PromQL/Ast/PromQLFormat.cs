using System.Globalization;
using System.Text;
using Ariane.Config;
using Ariane.Exposition;
using Ariane.Model;

namespace Ariane.PromQL.Ast;

/// <summary>Formatting helpers shared by the printer and the parser's error messages (Go's strconv and Prometheus's model formats).</summary>
public static class PromQLFormat
{
    /// <summary>
    /// A duration literal given in seconds (<c>offset 1.5</c>, <c>x[90]</c>) as ticks, cut to whole milliseconds toward
    /// zero: what the engine evaluates anyway (as Prometheus, which truncates durations to milliseconds when it
    /// evaluates), and what the printer can write back exactly (durations print in milliseconds).
    /// </summary>
    public static long SecondsToWholeMsTicks(double seconds)
    {
        long t = SecondsToTicks(seconds);
        return t - (t % TimeSpan.TicksPerMillisecond);
    }

    /// <summary>Converts seconds to <see cref="TimeSpan"/> ticks, rounding to the nearest tick.</summary>
    public static long SecondsToTicks(double seconds)
    {
        double t = Math.Round(seconds * TimeSpan.TicksPerSecond);
        if (double.IsNaN(t))
        {
            return 0;
        }
        return t >= long.MaxValue ? long.MaxValue : t <= long.MinValue ? long.MinValue : (long)t;
    }

    /// <summary>Appends a float like Go's <c>strconv.FormatFloat(v, 'f', -1, 64)</c>: shortest digits, never an exponent.</summary>
    public static void AppendFloat(StringBuilder sb, double v) => ShortestFloat.AppendGo(sb, v, int.MinValue, int.MaxValue);

    /// <summary>Formats a float like Go's <c>FormatFloat(v, 'f', -1, 64)</c>.</summary>
    public static string FormatFloat(double v)
    {
        var sb = new StringBuilder();
        AppendFloat(sb, v);
        return sb.ToString();
    }

    /// <summary>Appends a float like Go's <c>%v</c> (shortest, exponent form outside [1e-4, 1e21)).</summary>
    public static void AppendFillValue(StringBuilder sb, double v) => ShortestFloat.AppendGo(sb, v, -4, 21);

    /// <summary>True when two floats are the same value (NaN equals NaN).</summary>
    public static bool SameFloat(double a, double b) => a.Equals(b);

    /// <summary>Appends <c> @ 123.000</c>, <c> @ start()</c> or <c> @ end()</c> when set.</summary>
    public static void AppendAt(StringBuilder sb, long? timestampMs, AtModifier startOrEnd)
    {
        if (timestampMs is { } ts)
        {
            sb.Append(" @ ").Append((ts / 1000.0).ToString("F3", CultureInfo.InvariantCulture));
        }
        else if (startOrEnd == AtModifier.Start)
        {
            sb.Append(" @ start()");
        }
        else if (startOrEnd == AtModifier.End)
        {
            sb.Append(" @ end()");
        }
    }

    /// <summary>Appends <c> offset 5m</c> / <c> offset -5m</c> / <c> offset (expr)</c> when set.</summary>
    public static void AppendOffset(StringBuilder sb, TimeSpan offset, DurationExpr? offsetExpr)
    {
        if (offsetExpr is not null)
        {
            sb.Append(" offset ");
            offsetExpr.WriteTo(sb);
        }
        else if (offset > TimeSpan.Zero)
        {
            sb.Append(" offset ");
            PromDuration.Append(sb, offset);
        }
        else if (offset < TimeSpan.Zero)
        {
            sb.Append(" offset -");
            PromDuration.Append(sb, TimeSpan.FromTicks(-offset.Ticks));
        }
    }

    /// <summary>A matcher as Prometheus prints it: the name quoted unless it is a legacy label name, the value Go-quoted.</summary>
    public static string MatcherString(LabelMatcher m)
    {
        var sb = new StringBuilder();
        if (IsLegacyLabelName(m.Name, allowLeadingDigit: false))
        {
            sb.Append(m.Name);
        }
        else
        {
            AppendQuoted(sb, m.Name);
        }
        sb.Append(m.Type switch
        {
            MatcherType.Equal => "=",
            MatcherType.NotEqual => "!=",
            MatcherType.Regex => "=~",
            _ => "!~",
        });
        AppendQuoted(sb, m.Value);
        return sb.ToString();
    }

    /// <summary>Appends grouping labels separated by <c>", "</c>, quoting names that are not legacy label names.</summary>
    public static void AppendLabelList(StringBuilder sb, IReadOnlyList<string> labels)
    {
        for (int i = 0; i < labels.Count; i++)
        {
            if (i > 0)
            {
                sb.Append(", ");
            }
            if (IsLegacyLabelName(labels[i], allowLeadingDigit: false))
            {
                sb.Append(labels[i]);
            }
            else
            {
                AppendQuoted(sb, labels[i]);
            }
        }
    }

    /// <summary>True for <c>[a-zA-Z_][a-zA-Z0-9_]*</c>.</summary>
    public static bool IsLegacyLabelName(string s, bool allowLeadingDigit)
    {
        if (s.Length == 0)
        {
            return false;
        }
        for (int i = 0; i < s.Length; i++)
        {
            char c = s[i];
            if (c == '_' || char.IsAsciiLetter(c) || ((i > 0 || allowLeadingDigit) && char.IsAsciiDigit(c)))
            {
                continue;
            }
            return false;
        }
        return true;
    }

    /// <summary>Appends <paramref name="s"/> quoted like Go's <c>strconv.Quote</c>; lone surrogates U+DC80..U+DCFF stand for raw bytes and print as <c>\xNN</c>.</summary>
    public static void AppendQuoted(StringBuilder sb, string s)
    {
        sb.Append('"');
        for (int i = 0; i < s.Length; i++)
        {
            char c = s[i];
            if (char.IsHighSurrogate(c) && i + 1 < s.Length && char.IsLowSurrogate(s[i + 1]))
            {
                var rune = new Rune(c, s[i + 1]);
                i++;
                if (IsPrint(rune))
                {
                    sb.Append(c).Append(s[i]);
                }
                else
                {
                    sb.Append("\\U").Append(rune.Value.ToString("x8", CultureInfo.InvariantCulture));
                }
                continue;
            }
            if (char.IsSurrogate(c))
            {
                if (c is >= '\uDC80' and <= '\uDCFF')
                {
                    sb.Append("\\x").Append(((int)c - 0xDC00).ToString("x2", CultureInfo.InvariantCulture));
                }
                else
                {
                    sb.Append("\\ufffd");
                }
                continue;
            }
            switch (c)
            {
                case '"': sb.Append("\\\""); continue;
                case '\\': sb.Append("\\\\"); continue;
                case '\a': sb.Append("\\a"); continue;
                case '\b': sb.Append("\\b"); continue;
                case '\f': sb.Append("\\f"); continue;
                case '\n': sb.Append("\\n"); continue;
                case '\r': sb.Append("\\r"); continue;
                case '\t': sb.Append("\\t"); continue;
                case '\v': sb.Append("\\v"); continue;
            }
            if (IsPrint(new Rune(c)))
            {
                sb.Append(c);
            }
            else if (c < ' ' || c == '\x7f')
            {
                sb.Append("\\x").Append(((int)c).ToString("x2", CultureInfo.InvariantCulture));
            }
            else
            {
                sb.Append("\\u").Append(((int)c).ToString("x4", CultureInfo.InvariantCulture));
            }
        }
        sb.Append('"');
    }

    /// <summary>Quotes like Go's <c>strconv.Quote</c>.</summary>
    public static string Quote(string s)
    {
        var sb = new StringBuilder(s.Length + 2);
        AppendQuoted(sb, s);
        return sb.ToString();
    }

    /// <summary>Go's <c>unicode.IsPrint</c>: letters, marks, numbers, punctuation, symbols and the ASCII space.</summary>
    public static bool IsPrint(Rune r)
    {
        if (r.Value == ' ')
        {
            return true;
        }
        return Rune.GetUnicodeCategory(r) switch
        {
            UnicodeCategory.UppercaseLetter or UnicodeCategory.LowercaseLetter or UnicodeCategory.TitlecaseLetter
                or UnicodeCategory.ModifierLetter or UnicodeCategory.OtherLetter
                or UnicodeCategory.NonSpacingMark or UnicodeCategory.SpacingCombiningMark or UnicodeCategory.EnclosingMark
                or UnicodeCategory.DecimalDigitNumber or UnicodeCategory.LetterNumber or UnicodeCategory.OtherNumber
                or UnicodeCategory.ConnectorPunctuation or UnicodeCategory.DashPunctuation or UnicodeCategory.OpenPunctuation
                or UnicodeCategory.ClosePunctuation or UnicodeCategory.InitialQuotePunctuation or UnicodeCategory.FinalQuotePunctuation
                or UnicodeCategory.OtherPunctuation
                or UnicodeCategory.MathSymbol or UnicodeCategory.CurrencySymbol or UnicodeCategory.ModifierSymbol or UnicodeCategory.OtherSymbol => true,
            _ => false,
        };
    }

    /// <summary>The source text of a binary operator.</summary>
    public static string OpText(BinaryOp op) => op switch
    {
        BinaryOp.Add => "+",
        BinaryOp.Sub => "-",
        BinaryOp.Mul => "*",
        BinaryOp.Div => "/",
        BinaryOp.Mod => "%",
        BinaryOp.Pow => "^",
        BinaryOp.Atan2 => "atan2",
        BinaryOp.Eql => "==",
        BinaryOp.Neq => "!=",
        BinaryOp.Lss => "<",
        BinaryOp.Lte => "<=",
        BinaryOp.Gtr => ">",
        BinaryOp.Gte => ">=",
        BinaryOp.And => "and",
        BinaryOp.Or => "or",
        BinaryOp.Unless => "unless",
        BinaryOp.TrimUpper => "</",
        _ => ">/",
    };

    /// <summary>The source text of a duration operator.</summary>
    public static string DurationOpText(DurationOp op) => op switch
    {
        DurationOp.Add => "+",
        DurationOp.Sub => "-",
        DurationOp.Mul => "*",
        DurationOp.Div => "/",
        DurationOp.Mod => "%",
        DurationOp.Pow => "^",
        DurationOp.Step => "step",
        DurationOp.Range => "range",
        DurationOp.MinOf => "min_of",
        _ => "max_of",
    };

    /// <summary>The keyword of an aggregation operator.</summary>
    public static string AggregateText(AggregateOp op) => op switch
    {
        AggregateOp.Sum => "sum",
        AggregateOp.Avg => "avg",
        AggregateOp.Min => "min",
        AggregateOp.Max => "max",
        AggregateOp.Count => "count",
        AggregateOp.Group => "group",
        AggregateOp.Stddev => "stddev",
        AggregateOp.Stdvar => "stdvar",
        AggregateOp.Topk => "topk",
        AggregateOp.Bottomk => "bottomk",
        AggregateOp.Quantile => "quantile",
        AggregateOp.CountValues => "count_values",
        AggregateOp.Limitk => "limitk",
        _ => "limit_ratio",
    };

    /// <summary>Prometheus's documented name of a type: <c>scalar</c>, <c>instant vector</c>, <c>range vector</c>, <c>string</c>.</summary>
    public static string DocumentedType(ExprType t) => t switch
    {
        ExprType.Scalar => "scalar",
        ExprType.InstantVector => "instant vector",
        ExprType.RangeVector => "range vector",
        ExprType.String => "string",
        _ => "none",
    };

    /// <summary>Prometheus's internal name of a type: <c>scalar</c>, <c>vector</c>, <c>matrix</c>, <c>string</c>.</summary>
    public static string InternalType(ExprType t) => t switch
    {
        ExprType.Scalar => "scalar",
        ExprType.InstantVector => "vector",
        ExprType.RangeVector => "matrix",
        ExprType.String => "string",
        _ => "none",
    };
}
