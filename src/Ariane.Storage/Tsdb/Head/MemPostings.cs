using System.Diagnostics.CodeAnalysis;
using Ariane.Model;

namespace Ariane.Tsdb;

/// <summary>
/// A sorted, growable list of series references for one label pair, stored as unsigned LEB128 varints of the
/// differences between neighbours. References are handed out in creation order and the series of one target are
/// created together, so most differences take one byte: about 1.1 bytes a reference instead of 8 plus growth slack,
/// which made the postings the head's third-largest cost per series. Appends (nearly every add) are O(1); an add
/// out of order or a removal re-encodes the list. Reads decode from the start.
/// </summary>
internal sealed class PostingList
{
    private byte[] _data = [];
    private int _length;   // bytes in use
    private ulong _last;   // the largest reference, the base of the next difference

    /// <summary>Number of references (a reference added twice counts twice, as it is kept twice).</summary>
    public int Count { get; private set; }

    /// <summary>Adds a reference, keeping the list sorted (references nearly always arrive in order).</summary>
    public void Add(ulong r)
    {
        if (Count == 0 || r >= _last)
        {
            Append(r - _last);
            _last = r;
            Count++;
            return;
        }
        var refs = Decode();
        int i = refs.Length;
        while (i > 0 && refs[i - 1] > r)
        {
            i--;
        }
        var grown = new ulong[refs.Length + 1];
        Array.Copy(refs, grown, i);
        grown[i] = r;
        Array.Copy(refs, i, grown, i + 1, refs.Length - i);
        Encode(grown);
    }

    /// <summary>Removes a reference if present.</summary>
    public void Remove(ulong r)
    {
        var refs = Decode();
        int i = Array.BinarySearch(refs, r);
        if (i >= 0)
        {
            var kept = new ulong[refs.Length - 1];
            Array.Copy(refs, kept, i);
            Array.Copy(refs, i + 1, kept, i, refs.Length - i - 1);
            Encode(kept);
        }
    }

    /// <summary>Appends the references, in order, to <paramref name="dst"/>.</summary>
    public void AddTo(List<ulong> dst)
    {
        dst.EnsureCapacity(dst.Count + Count);
        var data = _data;
        int pos = 0, end = _length;
        ulong cur = 0;
        while (pos < end)
        {
            ulong d = 0;
            for (int shift = 0; ; shift += 7)
            {
                byte b = data[pos++];
                d |= (ulong)(b & 0x7F) << shift;
                if (b < 0x80)
                {
                    break;
                }
            }
            cur += d;
            dst.Add(cur);
        }
    }

    private ulong[] Decode()
    {
        var list = new List<ulong>(Count);
        AddTo(list);
        return list.ToArray();
    }

    private void Encode(ulong[] refs)
    {
        _data = [];
        _length = 0;
        _last = 0;
        Count = 0;
        foreach (ulong r in refs)
        {
            Append(r - _last);
            _last = r;
            Count++;
        }
    }

    private void Append(ulong d)
    {
        if (_data.Length - _length < 10)
        {
            // Grow by half (at least 8 bytes): postings are a large share of the per-series memory.
            Array.Resize(ref _data, Math.Max(_length + 10, Math.Max(8, _data.Length + (_data.Length >> 1))));
        }
        var data = _data;
        int pos = _length;
        Varints.Write(data, ref pos, d);
        _length = pos;
    }
}

/// <summary>
/// The inverted index of the head: label name → label value → sorted series references. Writers (series
/// creation) take the write lock; queries resolve matchers to a reference list under the read lock.
/// </summary>
[SuppressMessage("Design", "CA1001", Justification = "The lock lives as long as the Head; queries in flight at shutdown may still take it after Head.Dispose, and an undisposed ReaderWriterLockSlim holds only finalizable wait handles")]
internal sealed class MemPostings
{
    private readonly Dictionary<string, Dictionary<string, PostingList>> _m = new(StringComparer.Ordinal);
    private readonly ReaderWriterLockSlim _lock = new(LockRecursionPolicy.NoRecursion);

    /// <summary>Indexes a new series under each of its label pairs.</summary>
    public void Add(ulong seriesRef, Labels labels)
    {
        _lock.EnterWriteLock();
        try
        {
            var r = new Labels.LabelReader(labels);
            while (r.Next(out string name, out string value))
            {
                if (!_m.TryGetValue(name, out var values))
                {
                    values = new Dictionary<string, PostingList>(StringComparer.Ordinal);
                    _m[name] = values;
                }
                if (!values.TryGetValue(value, out var list))
                {
                    list = new PostingList();
                    values[value] = list;
                }
                list.Add(seriesRef);
            }
        }
        finally
        {
            _lock.ExitWriteLock();
        }
    }

    /// <summary>
    /// The sorted references of series matching every matcher, as Prometheus's PostingsForMatchers: a matcher
    /// that does not match "" intersects with the union of the postings of the values it matches; one that
    /// matches "" (so also series without the label) subtracts the postings of the values it does not match.
    /// <paramref name="all"/> supplies every reference when no matcher narrows the set.
    /// </summary>
    public List<ulong> Select(ReadOnlySpan<LabelMatcher> matchers, StripeSeries all)
    {
        var result = new List<ulong>();
        _lock.EnterReadLock();
        try
        {
            List<ulong>? acc = null;
            bool anyPositive = false;
            foreach (var m in matchers)
            {
                if (m.MatchesEmpty)
                {
                    continue;
                }
                anyPositive = true;
                var u = Union(m, invert: false);
                acc = acc is null ? u : Intersect(acc, u);
                if (acc.Count == 0)
                {
                    return result;
                }
            }
            if (!anyPositive)
            {
                acc = AllRefs(all);
            }
            foreach (var m in matchers)
            {
                if (!m.MatchesEmpty)
                {
                    continue;
                }
                var sub = Union(m, invert: true);
                if (sub.Count > 0)
                {
                    acc = Subtract(acc!, sub);
                }
            }
            return acc!;
        }
        finally
        {
            _lock.ExitReadLock();
        }
    }

    private static List<ulong> AllRefs(StripeSeries all)
    {
        var list = new List<ulong>((int)Math.Min(all.Count, int.MaxValue));
        foreach (var s in all.All())
        {
            list.Add(s.Ref);
        }
        return list;
    }

    // The union of the postings of every value of m.Name for which m matches (or, inverted, does not match).
    private List<ulong> Union(LabelMatcher m, bool invert)
    {
        var result = new List<ulong>();
        if (!_m.TryGetValue(m.Name, out var values))
        {
            return result;
        }
        if (m.Type == MatcherType.Equal && !invert)
        {
            if (values.TryGetValue(m.Value, out var one))
            {
                one.AddTo(result);
            }
            return result;
        }
        if (m.Type == MatcherType.NotEqual && invert)
        {
            if (values.TryGetValue(m.Value, out var one))
            {
                one.AddTo(result);
            }
            return result;
        }
        int lists = 0;
        if (m.Type == MatcherType.Regex && !invert && m.SetMatches is { } set && set.Count < values.Count)
        {
            // Literal alternatives (a Grafana multi-value variable): look each up instead of testing every value.
            foreach (var value in set)
            {
                if (values.TryGetValue(value, out var list))
                {
                    list.AddTo(result);
                    lists++;
                }
            }
            if (lists > 1)
            {
                result.Sort();
                Dedup(result);
            }
            return result;
        }
        foreach (var (value, list) in values)
        {
            if (m.Matches(value) != invert)
            {
                list.AddTo(result);
                lists++;
            }
        }
        if (lists > 1)
        {
            result.Sort();
            Dedup(result);
        }
        return result;
    }

    private static void Dedup(List<ulong> sorted)
    {
        int w = 0;
        for (int i = 0; i < sorted.Count; i++)
        {
            if (i == 0 || sorted[i] != sorted[w - 1])
            {
                sorted[w++] = sorted[i];
            }
        }
        sorted.RemoveRange(w, sorted.Count - w);
    }

    private static List<ulong> Intersect(List<ulong> a, List<ulong> b)
    {
        var r = new List<ulong>(Math.Min(a.Count, b.Count));
        int i = 0, j = 0;
        while (i < a.Count && j < b.Count)
        {
            ulong x = a[i], y = b[j];
            if (x == y)
            {
                r.Add(x);
                i++;
                j++;
            }
            else if (x < y)
            {
                i++;
            }
            else
            {
                j++;
            }
        }
        return r;
    }

    private static List<ulong> Subtract(List<ulong> a, List<ulong> b)
    {
        var r = new List<ulong>(a.Count);
        int j = 0;
        foreach (ulong x in a)
        {
            while (j < b.Count && b[j] < x)
            {
                j++;
            }
            if (j >= b.Count || b[j] != x)
            {
                r.Add(x);
            }
        }
        return r;
    }

    /// <summary>Sorted label names in the index.</summary>
    public List<string> Names()
    {
        _lock.EnterReadLock();
        try
        {
            var r = new List<string>(_m.Count);
            foreach (var (name, values) in _m)
            {
                if (values.Count > 0)
                {
                    r.Add(name);
                }
            }
            r.Sort(StringComparer.Ordinal);
            return r;
        }
        finally
        {
            _lock.ExitReadLock();
        }
    }

    /// <summary>Sorted values of a label name in the index.</summary>
    public List<string> Values(string name)
    {
        _lock.EnterReadLock();
        try
        {
            var r = new List<string>();
            if (_m.TryGetValue(name, out var values))
            {
                foreach (var (value, list) in values)
                {
                    if (list.Count > 0)
                    {
                        r.Add(value);
                    }
                }
            }
            r.Sort(StringComparer.Ordinal);
            return r;
        }
        finally
        {
            _lock.ExitReadLock();
        }
    }

    /// <summary>Cardinality statistics, as Prometheus's MemPostings.Stats.</summary>
    public PostingsStats Stats(string metricLabel, int limit)
    {
        var metrics = new TopK(limit);
        var valueCounts = new TopK(limit);
        var valueLengths = new TopK(limit);
        var pairs = new TopK(limit);
        long numLabelPairs = 0;
        _lock.EnterReadLock();
        try
        {
            foreach (var (name, values) in _m)
            {
                long size = 0;
                foreach (var (value, list) in values)
                {
                    if (list.Count == 0)
                    {
                        continue;
                    }
                    if (string.Equals(name, metricLabel, StringComparison.Ordinal))
                    {
                        metrics.Push(value, list.Count);
                    }
                    size += value.Length;
                    pairs.Push(name + "=" + value, list.Count);
                    numLabelPairs++;
                }
                valueCounts.Push(name, values.Count);
                valueLengths.Push(name, size);
            }
        }
        finally
        {
            _lock.ExitReadLock();
        }
        return new PostingsStats(metrics.Result(), valueCounts.Result(), valueLengths.Result(), pairs.Result(), numLabelPairs);
    }
}

/// <summary>The cardinality tables of <see cref="MemPostings.Stats"/>.</summary>
internal readonly record struct PostingsStats(
    IReadOnlyList<LabelStat> SeriesCountByMetricName,
    IReadOnlyList<LabelStat> LabelValueCountByLabelName,
    IReadOnlyList<LabelStat> MemoryInBytesByLabelName,
    IReadOnlyList<LabelStat> SeriesCountByLabelValuePair,
    long NumLabelPairs);

/// <summary>Keeps the k largest counts, ties broken by name.</summary>
internal sealed class TopK(int k)
{
    private readonly List<LabelStat> _items = new(k + 1);

    public void Push(string name, long count)
    {
        if (_items.Count == k && Compare(new LabelStat(name, count), _items[k - 1]) >= 0)
        {
            return;
        }
        var s = new LabelStat(name, count);
        int i = _items.Count;
        while (i > 0 && Compare(s, _items[i - 1]) < 0)
        {
            i--;
        }
        _items.Insert(i, s);
        if (_items.Count > k)
        {
            _items.RemoveAt(k);
        }
    }

    private static int Compare(LabelStat a, LabelStat b)
    {
        int c = b.Value.CompareTo(a.Value);
        return c != 0 ? c : string.CompareOrdinal(a.Name, b.Name);
    }

    public IReadOnlyList<LabelStat> Result() => _items.ToArray();
}
