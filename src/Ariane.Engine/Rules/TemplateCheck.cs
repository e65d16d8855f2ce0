namespace Ariane.Rules;

/// <summary>
/// A light check of an alert's label and annotation templates (Go <c>text/template</c>, as Prometheus expands them)
/// until Ariane has a template engine: every action <c>{{ … }}</c> is closed, and every variable used is one Prometheus
/// defines (<c>$labels</c>, <c>$externalLabels</c>, <c>$externalURL</c>, <c>$value</c>, <c>$</c>) or one the template
/// declared before (<c>$x := …</c>). Errors are worded as Go's template parser words them.
/// </summary>
internal static class TemplateCheck
{
    private static readonly string[] Predefined = ["$", "$labels", "$externalLabels", "$externalURL", "$value"];

    /// <summary>The error text for <paramref name="text"/> as template <paramref name="name"/>, or null when it is well formed.</summary>
    public static string? Check(string text, string name)
    {
        var vars = new HashSet<string>(Predefined, StringComparer.Ordinal);
        int i = 0;
        while ((i = text.IndexOf("{{", i, StringComparison.Ordinal)) >= 0)
        {
            int line = 1 + Count(text.AsSpan(0, i), '\n');
            int end = ActionEnd(text, i + 2);
            if (end < 0)
            {
                return $"template: {name}:{line}: unclosed action";
            }
            string action = text[(i + 2)..end];
            if (action.TrimStart('-', ' ', '\t', '\n', '\r').StartsWith("/*", StringComparison.Ordinal))
            {
                i = end + 2;
                continue;
            }
            if (Undefined(action, vars) is { } missing)
            {
                return $"template: {name}:{line}: undefined variable \"{missing}\"";
            }
            i = end + 2;
        }
        return null;
    }

    private static int Count(ReadOnlySpan<char> s, char c)
    {
        int n = 0;
        foreach (char x in s)
        {
            n += x == c ? 1 : 0;
        }
        return n;
    }

    // The index of the "}}" closing the action that starts at from, skipping quoted strings; -1 when there is none.
    private static int ActionEnd(string text, int from)
    {
        for (int i = from; i < text.Length; i++)
        {
            char c = text[i];
            if (c is '"' or '`' or '\'')
            {
                int close = SkipQuoted(text, i);
                if (close < 0)
                {
                    return -1;
                }
                i = close;
            }
            else if (c == '}' && i + 1 < text.Length && text[i + 1] == '}')
            {
                return i;
            }
        }
        return -1;
    }

    // The index of the quote closing the string that opens at start, or -1.
    private static int SkipQuoted(string text, int start)
    {
        char q = text[start];
        for (int i = start + 1; i < text.Length; i++)
        {
            if (q != '`' && text[i] == '\\')
            {
                i++;
            }
            else if (text[i] == q)
            {
                return i;
            }
        }
        return -1;
    }

    // The first variable used in the action and not defined before it; declarations in it are added to vars.
    private static string? Undefined(string action, HashSet<string> vars)
    {
        for (int i = 0; i < action.Length; i++)
        {
            char c = action[i];
            if (c is '"' or '`' or '\'')
            {
                i = SkipQuoted(action, i);
                if (i < 0)
                {
                    return null;
                }
                continue;
            }
            if (c != '$')
            {
                continue;
            }
            int j = i + 1;
            while (j < action.Length && (char.IsLetterOrDigit(action[j]) || action[j] == '_'))
            {
                j++;
            }
            string v = action[i..j];
            int k = j;
            while (k < action.Length && action[k] is ' ' or '\t' or ',')
            {
                if (action[k] == ',')
                {
                    // "range $i, $e :=": both are declared.
                    int m = action.IndexOf(":=", k, StringComparison.Ordinal);
                    if (m > 0)
                    {
                        vars.Add(v);
                        break;
                    }
                }
                k++;
            }
            if (k + 1 < action.Length && action[k] == ':' && action[k + 1] == '=')
            {
                vars.Add(v);
            }
            else if (!vars.Contains(v))
            {
                return v;
            }
            i = j - 1;
        }
        return null;
    }
}
