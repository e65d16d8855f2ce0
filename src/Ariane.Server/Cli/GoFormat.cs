using System.Globalization;
using System.Text;

namespace Ariane.Server.Cli;

/// <summary>
/// Text the way promtool's Go prints it (durations, times, byte sizes, <c>%g</c> floats, quoted label values,
/// <c>text/tabwriter</c> columns), so the tsdb tools' output reads, and diffs, like promtool's.
/// </summary>
internal static class GoFormat
{
    /// <summary>Go's <c>time.Duration.String()</c> for a whole number of milliseconds: <c>2h0m0s</c>, <c>1m30.5s</c>, <c>500ms</c>, <c>0s</c>.</summary>
    public static string Duration(long ms)
    {
        if (ms == 0)
        {
            return "0s";
        }
        var sb = new StringBuilder();
        ulong u = ms < 0 ? (ulong)-(ms + 1) + 1 : (ulong)ms;
        if (ms < 0)
        {
            sb.Append('-');
        }
        if (u < 1000)
        {
            return sb.Append(u.ToString(CultureInfo.InvariantCulture)).Append("ms").ToString();
        }
        ulong secs = u / 1000, frac = u % 1000;
        ulong h = secs / 3600, m = secs / 60 % 60, s = secs % 60;
        if (h > 0)
        {
            sb.Append(h.ToString(CultureInfo.InvariantCulture)).Append('h');
        }
        if (h > 0 || m > 0)
        {
            sb.Append(m.ToString(CultureInfo.InvariantCulture)).Append('m');
        }
        sb.Append(s.ToString(CultureInfo.InvariantCulture));
        if (frac > 0)
        {
            sb.Append('.').Append(frac.ToString("000", CultureInfo.InvariantCulture).TrimEnd('0'));
        }
        return sb.Append('s').ToString();
    }

    /// <summary>Go's <c>time.Unix(ms/1000, 0).UTC().String()</c>: <c>2023-04-01 10:00:00 +0000 UTC</c>.</summary>
    public static string UtcTime(long ms) =>
        DateTimeOffset.FromUnixTimeSeconds(ms / 1000).UtcDateTime.ToString("yyyy-MM-dd HH:mm:ss", CultureInfo.InvariantCulture) + " +0000 UTC";

    /// <summary>
    /// <c>units.Base2Bytes(n).String()</c> as promtool prints sizes with <c>-r</c>: every non-zero base-1024 digit
    /// with its unit, largest first (<c>1KiB1B</c>, <c>3MiB512KiB</c>, <c>0B</c>).
    /// </summary>
    public static string Base2Bytes(long n)
    {
        string[] units = ["B", "KiB", "MiB", "GiB", "TiB", "PiB", "EiB"];
        var parts = new List<string>();
        for (int i = 0; i < units.Length; i++)
        {
            if (n % 1024 != 0 || (i == 0 && n == 0))
            {
                parts.Add((n % 1024).ToString(CultureInfo.InvariantCulture) + units[i]);
            }
            n /= 1024;
            if (n == 0)
            {
                break;
            }
        }
        parts.Reverse();
        return string.Concat(parts);
    }

    /// <summary>
    /// Go's <c>%g</c> for a float64: the shortest digits that round-trip, in exponent form when the exponent is
    /// below -4 or at least 6 (<c>1e+06</c>, <c>1.23456789e+08</c>, <c>1e-05</c>), plain otherwise; <c>NaN</c>,
    /// <c>+Inf</c>, <c>-Inf</c>.
    /// </summary>
    public static string FloatG(double v)
    {
        var sb = new StringBuilder();
        Exposition.ShortestFloat.AppendGo(sb, v, -4, 6);
        return sb.ToString();
    }

    /// <summary>Go's <c>strconv.Quote</c>: double quotes, C-style escapes for control characters, printable Unicode as is.</summary>
    public static string Quote(string s)
    {
        var sb = new StringBuilder(s.Length + 2).Append('"');
        foreach (var rune in s.EnumerateRunes())
        {
            int c = rune.Value;
            switch (c)
            {
                case '"': sb.Append("\\\""); break;
                case '\\': sb.Append("\\\\"); break;
                case '\a': sb.Append("\\a"); break;
                case '\b': sb.Append("\\b"); break;
                case '\f': sb.Append("\\f"); break;
                case '\n': sb.Append("\\n"); break;
                case '\r': sb.Append("\\r"); break;
                case '\t': sb.Append("\\t"); break;
                case '\v': sb.Append("\\v"); break;
                default:
                    if (c < 0x20 || c == 0x7f)
                    {
                        sb.Append("\\x").Append(c.ToString("x2", CultureInfo.InvariantCulture));
                    }
                    else if (Rune.IsControl(rune) || Rune.GetUnicodeCategory(rune) is UnicodeCategory.Format or UnicodeCategory.Surrogate or UnicodeCategory.OtherNotAssigned)
                    {
                        sb.Append(c > 0xFFFF ? "\\U" + c.ToString("x8", CultureInfo.InvariantCulture) : "\\u" + c.ToString("x4", CultureInfo.InvariantCulture));
                    }
                    else
                    {
                        sb.Append(rune.ToString());
                    }
                    break;
            }
        }
        return sb.Append('"').ToString();
    }

    /// <summary>Prometheus's <c>labels.Labels.String()</c>: <c>{a="1", b="2"}</c> with Go-quoted values.</summary>
    public static string Labels(Model.Labels labels)
    {
        var sb = new StringBuilder("{");
        int i = 0;
        foreach (var l in labels)
        {
            if (i++ > 0)
            {
                sb.Append(", ");
            }
            sb.Append(l.Name).Append('=').Append(Quote(l.Value));
        }
        return sb.Append('}').ToString();
    }

    /// <summary>
    /// Go's <c>text/tabwriter</c> with flags 0 and padding character ' ': every cell but a line's last is padded to
    /// its column's widest cell plus <paramref name="padding"/>, and to at least <paramref name="minWidth"/>.
    /// </summary>
    public static string Table(IReadOnlyList<string[]> rows, int minWidth, int padding)
    {
        var widths = new List<int>();
        foreach (var row in rows)
        {
            for (int c = 0; c < row.Length - 1; c++)
            {
                int w = Math.Max(minWidth, new StringInfo(row[c]).LengthInTextElements + padding);
                if (c == widths.Count)
                {
                    widths.Add(w);
                }
                else
                {
                    widths[c] = Math.Max(widths[c], w);
                }
            }
        }
        var sb = new StringBuilder();
        foreach (var row in rows)
        {
            for (int c = 0; c < row.Length; c++)
            {
                sb.Append(row[c]);
                if (c < row.Length - 1)
                {
                    sb.Append(' ', widths[c] - new StringInfo(row[c]).LengthInTextElements);
                }
            }
            sb.Append('\n');
        }
        return sb.ToString();
    }
}
