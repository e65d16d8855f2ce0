using System.Buffers;
using System.Text;
using Ariane.Model;

namespace Ariane.Scrape;

/// <summary>
/// Per-target memory of the series a target exposes, keyed by the raw series text of the exposition
/// (<c>name{labels}</c>): a known series is appended by reference without parsing its labels again, and a
/// series dropped by metric relabelling stays dropped without re-running the rules.
/// </summary>
internal sealed class ScrapeCache
{
    /// <summary>One cached series.</summary>
    internal sealed class Entry
    {
        public ulong Ref;
        public Labels? Labels; // null: dropped by metric_relabel_configs
        public long LastIter;
    }

    private readonly Dictionary<string, Entry> _entries = new(StringComparer.Ordinal);
    private readonly Dictionary<string, Entry>.AlternateLookup<ReadOnlySpan<char>> _lookup;
    private char[] _chars = new char[256];

    public ScrapeCache()
    {
        _lookup = _entries.GetAlternateLookup<ReadOnlySpan<char>>();
    }

    public int Count => _entries.Count;

    /// <summary>Finds the entry for raw series bytes, or null; <paramref name="key"/> receives the decoded key for an insert.</summary>
    public Entry? Find(ReadOnlySpan<byte> series, out ReadOnlySpan<char> key)
    {
        int max = Encoding.UTF8.GetMaxCharCount(series.Length);
        if (_chars.Length < max)
        {
            _chars = new char[Math.Max(max, _chars.Length * 2)];
        }
        int n = Encoding.UTF8.GetChars(series, _chars);
        key = _chars.AsSpan(0, n);
        return _lookup.TryGetValue(key, out var e) ? e : null;
    }

    public Entry Add(ReadOnlySpan<char> key, Labels? labels)
    {
        var e = new Entry { Labels = labels };
        _entries[key.ToString()] = e;
        return e;
    }

    /// <summary>Forgets series not seen for <paramref name="keepIterations"/> scrapes, so churn does not grow the cache forever.</summary>
    public void Purge(long iter, long keepIterations)
    {
        List<string>? dead = null;
        foreach (var kv in _entries)
        {
            if (kv.Value.LastIter < iter - keepIterations)
            {
                (dead ??= []).Add(kv.Key);
            }
        }
        if (dead is not null)
        {
            foreach (var k in dead)
            {
                _entries.Remove(k);
            }
        }
    }
}
