using System.Text.RegularExpressions;

namespace Ariane.Relabel;

/// <summary>What a relabelling step does, as the <c>action</c> field of a Prometheus relabel config.</summary>
public enum RelabelAction
{
    /// <summary>Sets <c>target_label</c> to the expanded replacement when the regex matches the joined source values.</summary>
    Replace,
    /// <summary>Drops the label set unless the regex matches the joined source values.</summary>
    Keep,
    /// <summary>Drops the label set when the regex matches the joined source values.</summary>
    Drop,
    /// <summary>Drops the label set unless the joined source values equal the value of <c>target_label</c>.</summary>
    KeepEqual,
    /// <summary>Drops the label set when the joined source values equal the value of <c>target_label</c>.</summary>
    DropEqual,
    /// <summary>Sets <c>target_label</c> to the MD5 hash of the joined source values modulo <c>modulus</c>.</summary>
    HashMod,
    /// <summary>Copies every label whose name matches the regex to the name given by the expanded replacement.</summary>
    LabelMap,
    /// <summary>Removes every label whose name matches the regex.</summary>
    LabelDrop,
    /// <summary>Removes every label whose name does not match the regex.</summary>
    LabelKeep,
    /// <summary>Sets <c>target_label</c> to the lower-cased joined source values.</summary>
    Lowercase,
    /// <summary>Sets <c>target_label</c> to the upper-cased joined source values.</summary>
    Uppercase,
}

/// <summary>One relabelling step (an entry of <c>relabel_configs</c>, <c>metric_relabel_configs</c> and the like).</summary>
public sealed class RelabelConfig
{
    /// <summary>The default regex, <c>(.*)</c>, which matches anything and captures it as group 1.</summary>
    public const string DefaultRegex = "(.*)";

    /// <summary>The default separator between joined source label values.</summary>
    public const string DefaultSeparator = ";";

    /// <summary>The default replacement: the first capture group.</summary>
    public const string DefaultReplacement = "$1";

    private static readonly RelabelRegex DefaultCompiled = RelabelRegex.Compile(DefaultRegex);

    private RelabelRegex _regex = DefaultCompiled;

    /// <summary>Labels whose values are joined with <see cref="Separator"/> to make the matched value.</summary>
    public List<string> SourceLabels { get; set; } = [];

    /// <summary>Placed between source label values when joining them.</summary>
    public string Separator { get; set; } = DefaultSeparator;

    /// <summary>
    /// The regular expression, in RE2 syntax, fully anchored; setting it compiles it and throws
    /// <see cref="ArgumentException"/> when it is invalid.
    /// </summary>
    public string Regex
    {
        get => _regex.Pattern;
        set => _regex = RelabelRegex.Compile(value);
    }

    /// <summary>The compiled form of <see cref="Regex"/>, with Go's group numbering.</summary>
    internal RelabelRegex CompiledRegex => _regex;

    /// <summary>The modulus for <see cref="RelabelAction.HashMod"/>.</summary>
    public ulong Modulus { get; set; }

    /// <summary>The label written by replace, hashmod, lowercase and uppercase, or compared by keepequal and dropequal.</summary>
    public string TargetLabel { get; set; } = string.Empty;

    /// <summary>The replacement template, expanded as Go's <c>Regexp.Expand</c>.</summary>
    public string Replacement { get; set; } = DefaultReplacement;

    /// <summary>The step's action.</summary>
    public RelabelAction Action { get; set; } = RelabelAction.Replace;

    /// <summary>The action's name as written in YAML (lower case).</summary>
    public static string ActionName(RelabelAction a) => a switch
    {
        RelabelAction.Replace => "replace",
        RelabelAction.Keep => "keep",
        RelabelAction.Drop => "drop",
        RelabelAction.KeepEqual => "keepequal",
        RelabelAction.DropEqual => "dropequal",
        RelabelAction.HashMod => "hashmod",
        RelabelAction.LabelMap => "labelmap",
        RelabelAction.LabelDrop => "labeldrop",
        RelabelAction.LabelKeep => "labelkeep",
        RelabelAction.Lowercase => "lowercase",
        _ => "uppercase",
    };

    /// <summary>Parses an action name case-insensitively, as Prometheus does.</summary>
    public static bool TryParseAction(string name, out RelabelAction action)
    {
        switch (name.ToLowerInvariant())
        {
            case "replace": action = RelabelAction.Replace; return true;
            case "keep": action = RelabelAction.Keep; return true;
            case "drop": action = RelabelAction.Drop; return true;
            case "keepequal": action = RelabelAction.KeepEqual; return true;
            case "dropequal": action = RelabelAction.DropEqual; return true;
            case "hashmod": action = RelabelAction.HashMod; return true;
            case "labelmap": action = RelabelAction.LabelMap; return true;
            case "labeldrop": action = RelabelAction.LabelDrop; return true;
            case "labelkeep": action = RelabelAction.LabelKeep; return true;
            case "lowercase": action = RelabelAction.Lowercase; return true;
            case "uppercase": action = RelabelAction.Uppercase; return true;
            default: action = RelabelAction.Replace; return false;
        }
    }

    /// <summary>
    /// Checks the combination of fields as Prometheus's <c>relabel.Config.Validate</c> does; returns the
    /// problem in Prometheus's words, or null when the step is valid.
    /// </summary>
    public string? Validate()
    {
        string a = ActionName(Action);
        bool needsTarget = Action is RelabelAction.Replace or RelabelAction.HashMod or RelabelAction.Lowercase
            or RelabelAction.Uppercase or RelabelAction.KeepEqual or RelabelAction.DropEqual;
        if (Action == RelabelAction.HashMod && Modulus == 0)
        {
            return "relabel configuration for hashmod requires non-zero modulus";
        }
        if (needsTarget && TargetLabel.Length == 0)
        {
            return $"relabel configuration for {a} action requires 'target_label' value";
        }
        // As Prometheus: these targets are checked against the template pattern (references allowed), hashmod's strictly.
        if (Action is RelabelAction.Replace or RelabelAction.Lowercase or RelabelAction.Uppercase or RelabelAction.KeepEqual
            or RelabelAction.DropEqual && !IsValidTargetTemplate(TargetLabel))
        {
            return $"\"{TargetLabel}\" is invalid 'target_label' for {a} action";
        }
        if (Action == RelabelAction.HashMod && !Model.Labels.IsValidLabelName(TargetLabel))
        {
            return $"\"{TargetLabel}\" is invalid 'target_label' for {a} action";
        }
        if (Action is RelabelAction.Lowercase or RelabelAction.Uppercase or RelabelAction.KeepEqual or RelabelAction.DropEqual &&
            Replacement != DefaultReplacement)
        {
            return $"'replacement' can not be set for {a} action";
        }
        if (Action == RelabelAction.LabelMap && !IsValidTargetTemplate(Replacement))
        {
            return $"\"{Replacement}\" is invalid 'replacement' for {a} action";
        }
        if (Action is RelabelAction.KeepEqual or RelabelAction.DropEqual &&
            (Regex != DefaultRegex || Modulus != 0 || Separator != DefaultSeparator || Replacement != DefaultReplacement))
        {
            return $"{a} action requires only 'source_labels' and `target_label`, and no other fields";
        }
        if (Action is RelabelAction.LabelDrop or RelabelAction.LabelKeep &&
            (SourceLabels.Count != 0 || TargetLabel.Length != 0 || Modulus != 0 || Separator != DefaultSeparator ||
             Replacement != DefaultReplacement))
        {
            return $"{a} action requires only 'regex', and no other fields";
        }
        return null;
    }

    /// <summary>
    /// True for a label name that may contain <c>$name</c>/<c>${name}</c> references, as Prometheus's legacy
    /// <c>relabelTarget</c> pattern <c>^(?:(?:[a-zA-Z_]|\$(?:\{\w+\}|\w+))+\w*)+$</c>.
    /// </summary>
    internal static bool IsValidTargetTemplate(string s)
    {
        if (s.Length == 0)
        {
            return false;
        }
        int i = 0;
        bool first = true;
        while (i < s.Length)
        {
            char c = s[i];
            if (c == '$')
            {
                i++;
                if (i < s.Length && s[i] == '{')
                {
                    int start = ++i;
                    while (i < s.Length && IsWord(s[i]))
                    {
                        i++;
                    }
                    if (i == start || i >= s.Length || s[i] != '}')
                    {
                        return false;
                    }
                    i++;
                }
                else
                {
                    int start = i;
                    while (i < s.Length && IsWord(s[i]))
                    {
                        i++;
                    }
                    if (i == start)
                    {
                        return false;
                    }
                }
            }
            else if (first ? c is (>= 'a' and <= 'z') or (>= 'A' and <= 'Z') or '_' : IsWord(c))
            {
                i++;
            }
            else
            {
                return false;
            }
            first = false;
        }
        return true;
    }

    private static bool IsWord(char c) => c is (>= 'a' and <= 'z') or (>= 'A' and <= 'Z') or (>= '0' and <= '9') or '_';
}

/// <summary>
/// A relabel regex compiled through <see cref="Model.RegexFactory"/>, with group numbering made to follow Go's
/// RE2: .NET numbers unnamed groups before named ones, so named groups are rewritten as unnamed groups and their
/// names kept here in Go's left-to-right order. <c>(?P&lt;name&gt;…)</c> is accepted as in Go.
/// </summary>
internal sealed class RelabelRegex
{
    private RelabelRegex(string pattern, Regex regex, Dictionary<string, int> names)
    {
        Pattern = pattern;
        Regex = regex;
        Names = names;
    }

    public string Pattern { get; }

    public Regex Regex { get; }

    /// <summary>Group name to Go group number (first wins, as Go's Expand picks the first group with the name).</summary>
    public Dictionary<string, int> Names { get; }

    public static RelabelRegex Compile(string pattern)
    {
        var names = new Dictionary<string, int>(StringComparer.Ordinal);
        var sb = new System.Text.StringBuilder(pattern.Length);
        int group = 0;
        bool inClass = false;
        for (int i = 0; i < pattern.Length; i++)
        {
            char c = pattern[i];
            if (c == '\\' && i + 1 < pattern.Length)
            {
                sb.Append(c).Append(pattern[++i]);
                continue;
            }
            if (inClass)
            {
                if (c == ']')
                {
                    inClass = false;
                }
                sb.Append(c);
                continue;
            }
            if (c == '[')
            {
                inClass = true;
                sb.Append(c);
                // A ']' right after '[' or '[^' is a literal member of the class.
                if (i + 1 < pattern.Length && pattern[i + 1] == '^')
                {
                    sb.Append(pattern[++i]);
                }
                if (i + 1 < pattern.Length && pattern[i + 1] == ']')
                {
                    sb.Append(pattern[++i]);
                }
                continue;
            }
            if (c == '(')
            {
                string rest = pattern.Substring(i + 1);
                int nameStart = rest.StartsWith("?P<", StringComparison.Ordinal) ? 3
                    : rest.StartsWith("?<", StringComparison.Ordinal) && !rest.StartsWith("?<=", StringComparison.Ordinal) &&
                      !rest.StartsWith("?<!", StringComparison.Ordinal) ? 2 : -1;
                if (nameStart > 0)
                {
                    int close = rest.IndexOf('>', nameStart);
                    if (close < 0)
                    {
                        throw new ArgumentException($"invalid named capture in {pattern}", nameof(pattern));
                    }
                    group++;
                    names.TryAdd(rest.Substring(nameStart, close - nameStart), group);
                    sb.Append('(');
                    i += close + 1;
                    continue;
                }
                if (!rest.StartsWith('?'))
                {
                    group++;
                }
            }
            sb.Append(c);
        }
        var re = Model.RegexFactory.Anchored(sb.ToString());
        return new RelabelRegex(pattern, re, names);
    }

    /// <summary>Matches the whole of <paramref name="s"/> (guarding against .NET's <c>$</c> matching before a final newline).</summary>
    public Match? MatchAll(string s)
    {
        var m = Regex.Match(s);
        return m.Success && m.Index == 0 && m.Length == s.Length ? m : null;
    }

    /// <summary>Expands <paramref name="template"/> with the groups of <paramref name="m"/>, exactly as Go's <c>Regexp.ExpandString</c>.</summary>
    public string Expand(string template, Match m)
    {
        if (!template.Contains('$', StringComparison.Ordinal))
        {
            return template;
        }
        var sb = new System.Text.StringBuilder(template.Length + 16);
        int i = 0;
        while (i < template.Length)
        {
            int d = template.IndexOf('$', i);
            if (d < 0)
            {
                break;
            }
            sb.Append(template, i, d - i);
            i = d + 1;
            if (i < template.Length && template[i] == '$')
            {
                sb.Append('$');
                i++;
                continue;
            }
            if (!Extract(template, i, out string name, out int num, out int next))
            {
                // Malformed: the '$' is raw text.
                sb.Append('$');
                continue;
            }
            i = next;
            if (num >= 0)
            {
                if (num < m.Groups.Count && m.Groups[num].Success)
                {
                    sb.Append(m.Groups[num].Value);
                }
            }
            else if (Names.TryGetValue(name, out int g) && m.Groups[g].Success)
            {
                sb.Append(m.Groups[g].Value);
            }
        }
        if (i < template.Length)
        {
            sb.Append(template, i, template.Length - i);
        }
        return sb.ToString();
    }

    private static bool Extract(string s, int i, out string name, out int num, out int next)
    {
        name = string.Empty;
        num = -1;
        next = i;
        if (i >= s.Length)
        {
            return false;
        }
        bool brace = false;
        if (s[i] == '{')
        {
            brace = true;
            i++;
        }
        int start = i;
        while (i < s.Length)
        {
            if (char.IsSurrogate(s[i]) && i + 1 < s.Length && char.IsSurrogatePair(s[i], s[i + 1]))
            {
                if (!char.IsLetterOrDigit(s, i))
                {
                    break;
                }
                i += 2;
                continue;
            }
            char c = s[i];
            if (!char.IsLetter(c) && !char.IsDigit(c) && c != '_')
            {
                break;
            }
            i++;
        }
        if (i == start)
        {
            return false;
        }
        name = s.Substring(start, i - start);
        if (brace)
        {
            if (i >= s.Length || s[i] != '}')
            {
                return false;
            }
            i++;
        }
        num = 0;
        foreach (char c in name)
        {
            if (c is < '0' or > '9' || num >= 100_000_000)
            {
                num = -1;
                break;
            }
            num = num * 10 + (c - '0');
        }
        if (name[0] == '0' && name.Length > 1)
        {
            num = -1;
        }
        next = i;
        return true;
    }
}
