using System.IO.Hashing;
using Ariane.Model;

namespace Ariane.Scrape;

/// <summary>
/// Per-target memory of the series a target exposes, keyed by the raw UTF-8 series text of the exposition
/// (<c>name{labels}</c>): a known series is appended by reference without parsing its labels again, and a
/// series dropped by metric relabelling stays dropped without re-running the rules. Lookups take the parser's
/// span directly, so a known series costs one hash and one compare, and no allocation.
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

    private readonly Dictionary<byte[], Entry> _entries = new(ByteKeyComparer.Instance);
    private readonly Dictionary<byte[], Entry>.AlternateLookup<ReadOnlySpan<byte>> _lookup;

    public ScrapeCache()
    {
        _lookup = _entries.GetAlternateLookup<ReadOnlySpan<byte>>();
    }

    public int Count => _entries.Count;

    /// <summary>Finds the entry for raw series bytes, or null.</summary>
    public Entry? Find(ReadOnlySpan<byte> series) => _lookup.TryGetValue(series, out var e) ? e : null;

    public Entry Add(ReadOnlySpan<byte> series, Labels? labels)
    {
        var e = new Entry { Labels = labels };
        _entries[series.ToArray()] = e;
        return e;
    }

    /// <summary>Forgets series not seen for <paramref name="keepIterations"/> scrapes, so churn does not grow the cache forever.</summary>
    public void Purge(long iter, long keepIterations)
    {
        List<byte[]>? dead = null;
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

    /// <summary>Compares byte-array keys by content, and spans against them without allocating.</summary>
    private sealed class ByteKeyComparer : IEqualityComparer<byte[]>, IAlternateEqualityComparer<ReadOnlySpan<byte>, byte[]>
    {
        public static readonly ByteKeyComparer Instance = new();

        public bool Equals(byte[]? x, byte[]? y) => x.AsSpan().SequenceEqual(y);

        public int GetHashCode(byte[] obj) => Hash(obj);

        public bool Equals(ReadOnlySpan<byte> alternate, byte[] other) => alternate.SequenceEqual(other);

        public int GetHashCode(ReadOnlySpan<byte> alternate) => Hash(alternate);

        public byte[] Create(ReadOnlySpan<byte> alternate) => alternate.ToArray();

        private static int Hash(ReadOnlySpan<byte> b) => (int)XxHash3.HashToUInt64(b);
    }
}
