using System.IO.Hashing;
using Ariane.Model;

namespace Ariane.Scrape;

/// <summary>
/// Per-target memory of the series a target exposes, keyed by a 128-bit XXH3 hash of the raw UTF-8 series text of the
/// exposition (<c>name{labels}</c>): a known series is appended by reference without parsing its labels again, and a
/// series dropped by metric relabelling stays dropped without re-running the rules. Keeping the hash instead of
/// the text saves about a hundred bytes per series; two different series texts of one target colliding in 128 bits
/// is far less likely than a memory error.
/// <para>
/// Entries are structs in one array, chained through bucket indexes (no object per series): about 45 bytes a
/// series instead of a dictionary entry plus an entry object, and nothing for the garbage collector to trace but
/// the label sets, which are storage's own. An entry is named by its index, which stays valid until
/// <see cref="Purge"/> removes it; a reference to an entry is valid until the next <see cref="Add"/>.
/// </para>
/// </summary>
internal sealed class ScrapeCache
{
    /// <summary>One cached series.</summary>
    internal struct Entry
    {
        // The key as two halves: a UInt128 field would align the struct to 16 bytes and pad it from 40 to 48.
        internal ulong KeyLow;
        internal ulong KeyHigh;
        public ulong Ref;
        public Labels? Labels; // null: dropped by metric_relabel_configs
        public int LastIter;   // the scrape that last saw the series (a loop scraping every second wraps after 68 years)
        internal int Next;     // next entry index + 1 in the same bucket (0: none); on the free list, the next free one
    }

    private int[] _buckets = [];   // entry index + 1, 0 for an empty bucket
    private Entry[] _entries = [];
    private int _used;             // entries ever handed out (free ones included)
    private int _count;
    private int _freeList = -1;

    public int Count => _count;

    /// <summary>The entry at <paramref name="index"/> (from <c>Find</c> or <see cref="Add"/>).</summary>
    public ref Entry this[int index] => ref _entries[index];

    /// <summary>
    /// Finds the entry for raw series bytes: its index, or -1; <paramref name="key"/> is what <see cref="Add"/> takes.
    /// </summary>
    public int Find(ReadOnlySpan<byte> series, out UInt128 key) => Find(series, -1, out key);

    /// <summary>
    /// As <see cref="Find(ReadOnlySpan{byte}, out UInt128)"/>, trying the entry at <paramref name="likely"/> (or none,
    /// when negative) before the hash table.
    /// </summary>
    public int Find(ReadOnlySpan<byte> series, int likely, out UInt128 key)
    {
        key = XxHash128.HashToUInt128(series);
        var entries = _entries;
        if ((uint)likely < (uint)entries.Length && entries[likely].KeyLow == (ulong)key && entries[likely].KeyHigh == (ulong)(key >> 64))
        {
            return likely;
        }
        if (_buckets.Length == 0)
        {
            return -1;
        }
        for (int i = _buckets[Bucket(key, _buckets.Length)] - 1; i >= 0; i = entries[i].Next - 1)
        {
            if (entries[i].KeyLow == (ulong)key && entries[i].KeyHigh == (ulong)(key >> 64))
            {
                return i;
            }
        }
        return -1;
    }

    /// <summary>Adds an entry for a key <c>Find</c> did not find; returns its index.</summary>
    public int Add(UInt128 key, Labels? labels)
    {
        int i;
        if (_freeList >= 0)
        {
            i = _freeList;
            _freeList = _entries[i].Next - 1;
        }
        else
        {
            if (_used == _entries.Length)
            {
                Grow();
            }
            i = _used++;
        }
        ref int bucket = ref _buckets[Bucket(key, _buckets.Length)];
        _entries[i] = new Entry { KeyLow = (ulong)key, KeyHigh = (ulong)(key >> 64), Labels = labels, Next = bucket };
        bucket = i + 1;
        _count++;
        return i;
    }

    // The hash is uniform, so its low bits pick the bucket; the table has as many buckets as entry slots.
    private static int Bucket(UInt128 key, int buckets) => Bucket((ulong)key, buckets);

    private static int Bucket(ulong keyLow, int buckets) => (int)(keyLow & (ulong)(buckets - 1));

    private void Grow()
    {
        int size = _entries.Length == 0 ? 16 : _entries.Length * 2;
        Array.Resize(ref _entries, size);
        var buckets = new int[size];
        // Only a full table grows (free slots are used first), so every slot below _used is live.
        for (int i = 0; i < _used; i++)
        {
            ref int b = ref buckets[Bucket(_entries[i].KeyLow, size)];
            _entries[i].Next = b;
            b = i + 1;
        }
        _buckets = buckets;
    }

    /// <summary>Forgets series not seen for <paramref name="keepIterations"/> scrapes, so churn does not grow the cache forever.</summary>
    public void Purge(int iter, int keepIterations)
    {
        for (int b = 0; b < _buckets.Length; b++)
        {
            ref int link = ref _buckets[b];
            while (link != 0)
            {
                ref var e = ref _entries[link - 1];
                if (e.LastIter < iter - keepIterations)
                {
                    int i = link - 1;
                    link = e.Next;
                    e = new Entry { Next = _freeList + 1 };
                    _freeList = i;
                    _count--;
                }
                else
                {
                    link = ref e.Next;
                }
            }
        }
    }
}
