using System.Globalization;
using System.Text;

namespace Ariane;

/// <summary>
/// Shortens input that an error message or a log line quotes back: a hostile target can send a 10 MB label value, and
/// its whole text must not be copied into every log line and into <c>/api/v1/targets</c>.
/// </summary>
public static class Echo
{
    /// <summary>How many characters of quoted input an error shows.</summary>
    public const int MaxChars = 256;

    /// <summary>
    /// <paramref name="s"/> when it is at most <paramref name="max"/> characters; otherwise its first
    /// <paramref name="max"/> characters followed by <c>… (N bytes)</c>, N being the whole text's UTF-8 length.
    /// </summary>
    public static string Truncate(string s, int max = MaxChars)
    {
        if (s.Length <= max)
        {
            return s;
        }
        int cut = max;
        if (char.IsHighSurrogate(s[cut - 1]))
        {
            cut--; // never split a surrogate pair
        }
        return string.Concat(s.AsSpan(0, cut), "… (", Encoding.UTF8.GetByteCount(s).ToString(CultureInfo.InvariantCulture), " bytes)");
    }

    /// <summary><see cref="Truncate(string, int)"/> of UTF-8 input, decoding no more of it than is shown.</summary>
    public static string Truncate(ReadOnlySpan<byte> utf8, int max = MaxChars)
    {
        // A UTF-8 character is at most 4 bytes: decoding 4 * max bytes yields at least max characters when there are more.
        var head = utf8.Length <= 4 * max ? utf8 : utf8[..(4 * max)];
        string text = Encoding.UTF8.GetString(head);
        if (text.Length <= max && head.Length == utf8.Length)
        {
            return text;
        }
        int cut = Math.Min(max, text.Length);
        if (char.IsHighSurrogate(text[cut - 1]))
        {
            cut--;
        }
        return string.Concat(text.AsSpan(0, cut), "… (", utf8.Length.ToString(CultureInfo.InvariantCulture), " bytes)");
    }

    /// <summary>
    /// A logfmt value: as it is when it needs no quotes, otherwise in double quotes with <c>"</c>, <c>\</c> and control
    /// characters escaped, so a log line built from fields stays one line that logfmt readers split right.
    /// </summary>
    public static string Logfmt(string value)
    {
        bool needs = value.Length == 0;
        foreach (char c in value)
        {
            if (c is ' ' or '"' or '=' or '\\' || char.IsControl(c))
            {
                needs = true;
                break;
            }
        }
        if (!needs)
        {
            return value;
        }
        var sb = new StringBuilder(value.Length + 8);
        sb.Append('"');
        foreach (char c in value)
        {
            switch (c)
            {
                case '"': sb.Append("\\\""); break;
                case '\\': sb.Append("\\\\"); break;
                case '\n': sb.Append("\\n"); break;
                case '\r': sb.Append("\\r"); break;
                case '\t': sb.Append("\\t"); break;
                default: sb.Append(c); break;
            }
        }
        return sb.Append('"').ToString();
    }
}
