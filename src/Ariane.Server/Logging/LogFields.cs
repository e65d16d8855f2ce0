using System.Globalization;
using System.Text;
using Microsoft.Extensions.Logging.Abstractions;

namespace Ariane.Server.Logging;

/// <summary>
/// Splits a log entry into a message and fields, as Prometheus's structured logs carry them
/// (<c>msg="Scrape failed" target=… err=…</c>): in the message templates of the <c>[LoggerMessage]</c> classes
/// (<c>ScrapeLog</c>, <c>TsdbLog</c>, ...), placeholders written <c>name={Name}</c> and a trailing <c>: {Err}</c>
/// become fields, others stay in the message (formatted with their <c>{Name:format}</c>, if any); a line logged as
/// <c>"{Message}"</c> holding <c>Text key=value …</c> is split into its text and its fields.
/// </summary>
internal static class LogFields
{
    private const string OriginalFormat = "{OriginalFormat}";

    /// <summary>The message and the fields of <paramref name="entry"/>, in order.</summary>
    public static string Extract<TState>(in LogEntry<TState> entry, List<KeyValuePair<string, string>> fields)
    {
        if (entry.State is not IReadOnlyList<KeyValuePair<string, object?>> values || values.Count == 0
            || values[^1].Key != OriginalFormat || values[^1].Value is not string template)
        {
            return entry.Formatter(entry.State, entry.Exception);
        }
        if (template == "{Message}" && values.Count == 2)
        {
            return SplitLogfmt(Convert.ToString(values[0].Value, CultureInfo.InvariantCulture) ?? "", fields);
        }
        var msg = new StringBuilder(template.Length);
        int i = 0;
        while (i < template.Length)
        {
            int open = template.IndexOf('{', i);
            int close = open < 0 ? -1 : template.IndexOf('}', open);
            if (open < 0 || close < 0)
            {
                msg.Append(template, i, template.Length - i);
                break;
            }
            // "{Name:format}" or "{Name,alignment}": the state's key is the name alone, the format applies to the value.
            string name = template[(open + 1)..close];
            string? format = null;
            int colon = name.IndexOf(':');
            if (colon >= 0)
            {
                format = name[(colon + 1)..];
                name = name[..colon];
            }
            int comma = name.IndexOf(',');
            if (comma >= 0)
            {
                name = name[..comma];
            }
            string value = Value(values, name, format);
            // "key={Name}": a field named key; "...: {Name}" at the end: a field; else the value stays in the text.
            int keyStart = open - 1;
            while (keyStart > i && template[keyStart - 1] is not ' ')
            {
                keyStart--;
            }
            if (open > i && template[open - 1] == '=' && keyStart < open - 1)
            {
                msg.Append(template, i, keyStart - i);
                fields.Add(new(template[keyStart..(open - 1)], value));
            }
            else if (close == template.Length - 1 && open >= 2 && template[open - 1] == ' ' && template[open - 2] == ':')
            {
                msg.Append(template, i, open - 2 - i);
                fields.Add(new(Key(name), value));
            }
            else
            {
                msg.Append(template, i, open - i).Append(value);
            }
            i = close + 1;
        }
        return msg.ToString().TrimEnd(' ', ':');
    }

    private static string Value(IReadOnlyList<KeyValuePair<string, object?>> values, string name, string? format)
    {
        foreach (var kv in values)
        {
            if (kv.Key == name)
            {
                return format is not null && kv.Value is IFormattable f
                    ? f.ToString(format, CultureInfo.InvariantCulture)
                    : Convert.ToString(kv.Value, CultureInfo.InvariantCulture) ?? "";
            }
        }
        return "";
    }

    /// <summary>A field key from a placeholder name: <c>Error</c> is <c>err</c> as in Prometheus, others snake_case.</summary>
    internal static string Key(string name)
    {
        if (name == "Error")
        {
            return "err";
        }
        var sb = new StringBuilder(name.Length + 4);
        for (int i = 0; i < name.Length; i++)
        {
            char c = name[i];
            if (char.IsUpper(c))
            {
                if (i > 0)
                {
                    sb.Append('_');
                }
                sb.Append(char.ToLowerInvariant(c));
            }
            else
            {
                sb.Append(c);
            }
        }
        return sb.ToString();
    }

    /// <summary>Splits <c>Text key=value key="quoted value"</c> at its first <c> key=</c> token.</summary>
    internal static string SplitLogfmt(string line, List<KeyValuePair<string, string>> fields)
    {
        int start = FirstField(line);
        if (start < 0)
        {
            return line;
        }
        string msg = line[..start].TrimEnd();
        int i = start;
        while (i < line.Length)
        {
            while (i < line.Length && line[i] == ' ')
            {
                i++;
            }
            int eq = line.IndexOf('=', i);
            if (eq < 0)
            {
                break;
            }
            string key = line[i..eq];
            i = eq + 1;
            var value = new StringBuilder();
            if (i < line.Length && line[i] == '"')
            {
                for (i++; i < line.Length && line[i] != '"'; i++)
                {
                    if (line[i] == '\\' && i + 1 < line.Length)
                    {
                        i++;
                        value.Append(line[i] switch { 'n' => '\n', 'r' => '\r', 't' => '\t', char c => c });
                    }
                    else
                    {
                        value.Append(line[i]);
                    }
                }
                i++;
            }
            else
            {
                int end = line.IndexOf(' ', i);
                end = end < 0 ? line.Length : end;
                value.Append(line, i, end - i);
                i = end;
            }
            fields.Add(new(key, value.ToString()));
        }
        return msg;
    }

    /// <summary>Where the first <c>key=</c> token (lower-case letters, digits and underscores) starts, or -1.</summary>
    private static int FirstField(string line)
    {
        for (int i = 0; i < line.Length; i++)
        {
            if (i > 0 && line[i - 1] != ' ')
            {
                continue;
            }
            int j = i;
            while (j < line.Length && (char.IsAsciiLetterLower(line[j]) || char.IsAsciiDigit(line[j]) || line[j] == '_'))
            {
                j++;
            }
            if (j > i && j < line.Length && line[j] == '=')
            {
                return i;
            }
        }
        return -1;
    }
}
