using System.Text.RegularExpressions;

namespace Ariane.Tests.PromQL.PromQLTest;

/// <summary>
/// The known-failures list: one line per eval not yet passing, <c>file.test:LINE: reason</c> (LINE is the eval
/// header's line). Blank lines and <c>#</c> comments are ignored. A listed eval that fails counts as known; a
/// listed eval that passes (or no longer exists) is an error, so the list only ever shrinks to the truth.
/// </summary>
public sealed partial class KnownFailures
{
    private readonly Dictionary<(string File, int Line), string> _entries;

    private KnownFailures(Dictionary<(string, int), string> entries) => _entries = entries;

    /// <summary>The empty list.</summary>
    public static KnownFailures None { get; } = new([]);

    /// <summary>Number of entries.</summary>
    public int Count => _entries.Count;

    /// <summary>Reads the list from a file.</summary>
    public static KnownFailures Load(string path) => Parse(File.ReadAllText(path), Path.GetFileName(path));

    /// <summary>Parses the list; a malformed or duplicate line throws <see cref="FormatException"/> naming it.</summary>
    public static KnownFailures Parse(string text, string source = "known failures")
    {
        var entries = new Dictionary<(string, int), string>();
        string[] lines = text.Split('\n');
        for (int i = 0; i < lines.Length; i++)
        {
            string l = lines[i].Trim();
            if (l.Length == 0 || l.StartsWith('#'))
            {
                continue;
            }
            var m = EntryPattern().Match(l);
            if (!m.Success)
            {
                throw new FormatException($"{source}:{i + 1}: expected 'file.test:LINE: reason', got '{l}'");
            }
            var key = (m.Groups[1].Value, int.Parse(m.Groups[2].Value, System.Globalization.CultureInfo.InvariantCulture));
            if (!entries.TryAdd(key, m.Groups[3].Value.Trim()))
            {
                throw new FormatException($"{source}:{i + 1}: {key.Item1}:{key.Item2} is listed twice");
            }
        }
        return new KnownFailures(entries);
    }

    /// <summary>The reason an eval is listed, or null.</summary>
    public string? Reason(string file, int line) => _entries.TryGetValue((file, line), out var r) ? r : null;

    /// <summary>The entries of one file, by line.</summary>
    public IEnumerable<(int Line, string Reason)> ForFile(string file) =>
        _entries.Where(e => e.Key.File == file).Select(e => (e.Key.Line, e.Value)).OrderBy(e => e.Line);

    [GeneratedRegex(@"^([^\s:]+\.test):(\d+):\s*(\S.*)$")]
    private static partial Regex EntryPattern();
}
