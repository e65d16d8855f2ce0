namespace Ariane.Config;

/// <summary>Expands paths whose last element may hold <c>*</c> or <c>?</c> wildcards, as Go's <c>filepath.Glob</c> for that case.</summary>
public static class FileGlob
{
    /// <summary>True when the last path element has a wildcard.</summary>
    public static bool HasMeta(string path) => Path.GetFileName(path).AsSpan().IndexOfAny('*', '?', '[') >= 0;

    /// <summary>The existing files matching <paramref name="pattern"/>, sorted ordinally; a plain path yields itself when it exists.</summary>
    public static List<string> Expand(string pattern)
    {
        var list = new List<string>();
        if (!HasMeta(pattern))
        {
            if (File.Exists(pattern))
            {
                list.Add(pattern);
            }
            return list;
        }
        string dir = Path.GetDirectoryName(pattern) is { Length: > 0 } d ? d : ".";
        if (!Directory.Exists(dir))
        {
            return list;
        }
        var options = new EnumerationOptions
        {
            MatchType = MatchType.Simple,
            MatchCasing = MatchCasing.CaseSensitive,
            IgnoreInaccessible = true,
            RecurseSubdirectories = false,
        };
        string name = Path.GetFileName(pattern);
        foreach (string f in Directory.EnumerateFiles(dir, name, options))
        {
            list.Add(Path.GetDirectoryName(pattern) is { Length: > 0 } ? f : Path.GetFileName(f));
        }
        list.Sort(StringComparer.Ordinal);
        return list;
    }
}
