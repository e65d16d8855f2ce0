using System.IO.Hashing;
using Ariane.Model;

namespace Ariane.Scrape;

/// <summary>
/// Per-target memory of the series a target exposes, keyed by a 128-bit XXH3 hash of the raw UTF-8 series text of the
/// exposition (<c>name{labels}</c>): a known series is appended by reference without parsing its labels again, and a
/// series dropped by metric relabelling stays dropped without re-running the rules. Keeping the hash instead of
/// the text saves about a hundred bytes per series; two different series texts of one target colliding in 128 bits
/// is far less likely than a memory error.
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

    private readonly Dictionary<UInt128, Entry> _entries = [];

    public int Count => _entries.Count;

    /// <summary>Finds the entry for raw series bytes, or null; <paramref name="key"/> is what <see cref="Add"/> takes.</summary>
    public Entry? Find(ReadOnlySpan<byte> series, out UInt128 key)
    {
        key = XxHash128.HashToUInt128(series);
        return _entries.TryGetValue(key, out var e) ? e : null;
    }

    public Entry Add(UInt128 key, Labels? labels)
    {
        var e = new Entry { Labels = labels };
        _entries[key] = e;
        return e;
    }

    /// <summary>Forgets series not seen for <paramref name="keepIterations"/> scrapes, so churn does not grow the cache forever.</summary>
    public void Purge(long iter, long keepIterations)
    {
        List<UInt128>? dead = null;
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
