namespace Ariane.Model;

/// <summary>
/// Numbers the label names and values of packed label sets (see <see cref="Labels"/>): one shared string per
/// distinct text, so every series holding "job"="node" refers to the same two strings by number. Symbols are
/// never forgotten, as the head's string interning never forgot them before; numbering happens when a series is
/// created, not on the append path, so a plain lock is enough, and reading a number's string takes no lock.
/// </summary>
internal static class LabelSymbols
{
    private static readonly Dictionary<string, int> s_ids = new(StringComparer.Ordinal);
    private static readonly Dictionary<string, int>.AlternateLookup<ReadOnlySpan<char>> s_spans = s_ids.GetAlternateLookup<ReadOnlySpan<char>>();
    private static readonly Lock s_lock = new();
    private static string[] s_strings = new string[1024];

    /// <summary>The shared string equal to <paramref name="s"/>, made only when it is new (WAL replay reads labels this way).</summary>
    public static string Intern(ReadOnlySpan<char> s)
    {
        if (s.IsEmpty)
        {
            return string.Empty;
        }
        lock (s_lock)
        {
            if (s_spans.TryGetValue(s, out int id))
            {
                return s_strings[id];
            }
        }
        return Get(Intern(s.ToString()));
    }

    /// <summary>The number of <paramref name="s"/>, assigned on first sight.</summary>
    public static int Intern(string s)
    {
        lock (s_lock)
        {
            if (s_ids.TryGetValue(s, out int id))
            {
                return id;
            }
            id = s_ids.Count;
            var strings = s_strings;
            if (id == strings.Length)
            {
                var grown = new string[strings.Length * 2];
                Array.Copy(strings, grown, strings.Length);
                grown[id] = s;
                // Readers holding the old array only read numbers it already holds.
                Volatile.Write(ref s_strings, grown);
            }
            else
            {
                strings[id] = s;
            }
            s_ids.Add(s, id);
            return id;
        }
    }

    /// <summary>The string numbered <paramref name="id"/> (a number handed out by <c>Intern</c>).</summary>
    public static string Get(int id) => Volatile.Read(ref s_strings)[id];

    /// <summary>Number of distinct symbols.</summary>
    public static int Count
    {
        get
        {
            lock (s_lock)
            {
                return s_ids.Count;
            }
        }
    }
}
