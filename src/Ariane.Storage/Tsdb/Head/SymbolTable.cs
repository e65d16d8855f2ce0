namespace Ariane.Tsdb;

/// <summary>
/// Interns label names and values so that every series holding "job"="node" shares the same two strings.
/// Used when a series is created (not on the append hot path), so a plain lock is enough.
/// </summary>
internal sealed class SymbolTable
{
    private readonly HashSet<string> _set;
    private readonly HashSet<string>.AlternateLookup<ReadOnlySpan<char>> _spans;
    private readonly Lock _lock = new();

    public SymbolTable()
    {
        _set = new HashSet<string>(StringComparer.Ordinal);
        _spans = _set.GetAlternateLookup<ReadOnlySpan<char>>();
    }

    /// <summary>The shared string equal to <paramref name="s"/>, made only when it is new (WAL replay reads labels this way).</summary>
    public string Intern(ReadOnlySpan<char> s)
    {
        if (s.IsEmpty)
        {
            return string.Empty;
        }
        lock (_lock)
        {
            if (_spans.TryGetValue(s, out var found))
            {
                return found;
            }
            var str = s.ToString();
            _set.Add(str);
            return str;
        }
    }

    /// <summary>The shared instance equal to <paramref name="s"/>.</summary>
    public string Intern(string s)
    {
        if (s.Length == 0)
        {
            return string.Empty;
        }
        lock (_lock)
        {
            if (_set.TryGetValue(s, out var found))
            {
                return found;
            }
            _set.Add(s);
            return s;
        }
    }

    /// <summary>Number of distinct symbols.</summary>
    public int Count
    {
        get
        {
            lock (_lock)
            {
                return _set.Count;
            }
        }
    }
}
