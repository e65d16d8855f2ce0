using Ariane.Model;

namespace Ariane.Tsdb;

/// <summary>
/// The head's series: by label hash under striped locks (for the first append of a series), and by
/// reference in a paged array that is read without locks (for every later append and for queries).
/// </summary>
internal sealed class StripeSeries
{
    private const int StripeCount = 1024;
    private const int PageBits = 12;
    private const int PageSize = 1 << PageBits;

    // Per stripe, an open hash table of buckets chained through MemSeries.NextInHash: 8 bytes a series
    // instead of a dictionary entry's 24 plus slack.
    private readonly MemSeries?[][] _buckets = new MemSeries?[StripeCount][];
    private readonly int[] _stripeCounts = new int[StripeCount];
    private readonly Lock[] _locks = new Lock[StripeCount];
    private readonly Lock _pagesLock = new();
    private MemSeries?[]?[] _pages = new MemSeries?[]?[16];
    private long _lastRef;
    private long _count;

    public StripeSeries()
    {
        for (int i = 0; i < StripeCount; i++)
        {
            _buckets[i] = new MemSeries?[4];
            _locks[i] = new Lock();
        }
    }

    /// <summary>Number of series.</summary>
    public long Count => Interlocked.Read(ref _count);

    /// <summary>The highest reference handed out so far.</summary>
    public ulong LastRef => (ulong)Interlocked.Read(ref _lastRef);

    /// <summary>Every series created up to now, in reference order, without locks (see <see cref="ForEachLocked"/>).</summary>
    public SeriesWalk All() => new(this, LastRef);

    /// <summary>Every series with a reference up to <paramref name="lastRef"/>, in reference order, without locks.</summary>
    public SeriesWalk All(ulong lastRef) => new(this, lastRef);

    /// <summary>
    /// Calls <paramref name="visit"/> for every series created up to now, in reference order, each under its own
    /// lock: one series at a time, so that appends to the others go on. The one walk over all series for the head's
    /// statistics, truncation and the like; allocation-free with a static lambda and the state passed by reference.
    /// </summary>
    public void ForEachLocked<TState>(ref TState state, SeriesVisitor<TState> visit)
    {
        foreach (var s in All())
        {
            lock (s)
            {
                visit(s, ref state);
            }
        }
    }

    /// <summary>The series with reference <paramref name="seriesRef"/>, or null. Lock-free.</summary>
    public MemSeries? GetByRef(ulong seriesRef)
    {
        var pages = Volatile.Read(ref _pages);
        ulong p = seriesRef >> PageBits;
        if (p >= (ulong)pages.Length)
        {
            return null;
        }
        var page = Volatile.Read(ref pages[p]);
        return page is null ? null : Volatile.Read(ref page[(int)(seriesRef & (PageSize - 1))]);
    }

    /// <summary>
    /// The series with these labels, created when missing. <paramref name="onCreate"/> runs under the stripe lock
    /// before anyone else can see the series (the head indexes it and logs it to the WAL there), and
    /// <paramref name="forcedRef"/>, when not 0, is the reference to use (WAL replay).
    /// </summary>
    public MemSeries GetOrCreate<TCallback>(Labels labels, ulong forcedRef, ref TCallback onCreate, out bool created)
        where TCallback : struct, ISeriesCreated
    {
        ulong hash = labels.Hash;
        int stripe = (int)(hash & (StripeCount - 1));
        lock (_locks[stripe])
        {
            var buckets = _buckets[stripe];
            int b = Bucket(hash, buckets.Length);
            for (var s = buckets[b]; s is not null; s = s.NextInHash)
            {
                if (s.Labels.Hash == hash && s.Labels.Equals(labels))
                {
                    created = false;
                    return s;
                }
            }
            ulong r;
            if (forcedRef != 0)
            {
                r = forcedRef;
                long cur;
                while ((cur = Interlocked.Read(ref _lastRef)) < (long)r && Interlocked.CompareExchange(ref _lastRef, (long)r, cur) != cur)
                {
                }
            }
            else
            {
                r = (ulong)Interlocked.Increment(ref _lastRef);
            }
            var series = new MemSeries(r, onCreate.Intern(labels));
            if (++_stripeCounts[stripe] > buckets.Length)
            {
                buckets = Rehash(stripe);
                b = Bucket(hash, buckets.Length);
            }
            series.NextInHash = buckets[b];
            buckets[b] = series;
            SetRef(series);
            Interlocked.Increment(ref _count);
            onCreate.Created(series);
            created = true;
            return series;
        }
    }

    // The stripe uses the low bits of the hash; buckets use the bits above them.
    private static int Bucket(ulong hash, int length) => (int)((hash >> 10) & (ulong)(length - 1));

    private MemSeries?[] Rehash(int stripe)
    {
        var old = _buckets[stripe];
        var grown = new MemSeries?[old.Length * 2];
        foreach (var head in old)
        {
            var s = head;
            while (s is not null)
            {
                var next = s.NextInHash;
                int b = Bucket(s.Labels.Hash, grown.Length);
                s.NextInHash = grown[b];
                grown[b] = s;
                s = next;
            }
        }
        _buckets[stripe] = grown;
        return grown;
    }

    private void SetRef(MemSeries s)
    {
        lock (_pagesLock)
        {
            var pages = _pages;
            ulong p = s.Ref >> PageBits;
            if (p >= (ulong)pages.Length)
            {
                var grown = new MemSeries?[]?[Math.Max((int)p + 1, pages.Length * 2)];
                Array.Copy(pages, grown, pages.Length);
                pages = grown;
                Volatile.Write(ref _pages, grown);
            }
            var page = pages[p];
            if (page is null)
            {
                page = new MemSeries?[PageSize];
                Volatile.Write(ref pages[p], page);
            }
            Volatile.Write(ref page[(int)(s.Ref & (PageSize - 1))], s);
        }
    }
}

/// <summary>What <see cref="StripeSeries.ForEachLocked"/> does with one series, under the series' lock.</summary>
internal delegate void SeriesVisitor<TState>(MemSeries series, ref TState state);

/// <summary>The series of a <see cref="StripeSeries"/> up to a reference, skipping the references of none (a struct: no allocation).</summary>
internal readonly struct SeriesWalk(StripeSeries series, ulong lastRef)
{
    /// <summary>Starts the walk.</summary>
    public SeriesEnumerator GetEnumerator() => new(series, lastRef);
}

/// <summary>Walks <see cref="SeriesWalk"/>.</summary>
internal struct SeriesEnumerator(StripeSeries series, ulong lastRef)
{
    private ulong _ref;
    private MemSeries? _current;

    /// <summary>The series at the current reference.</summary>
    public readonly MemSeries Current => _current!;

    /// <summary>Moves to the next reference that holds a series.</summary>
    public bool MoveNext()
    {
        while (_ref < lastRef)
        {
            if (series.GetByRef(++_ref) is { } s)
            {
                _current = s;
                return true;
            }
        }
        return false;
    }
}

/// <summary>What the head does when a series is born: intern its labels, index it, log it.</summary>
internal interface ISeriesCreated
{
    /// <summary>The label set the series will keep (with interned strings).</summary>
    Labels Intern(Labels labels);

    /// <summary>Called under the stripe lock before the series is visible to other appenders.</summary>
    void Created(MemSeries series);
}
