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

    private readonly Dictionary<ulong, MemSeries>[] _byHash = new Dictionary<ulong, MemSeries>[StripeCount];
    private readonly Lock[] _locks = new Lock[StripeCount];
    private readonly Lock _pagesLock = new();
    private MemSeries?[]?[] _pages = new MemSeries?[]?[16];
    private long _lastRef;
    private long _count;

    public StripeSeries()
    {
        for (int i = 0; i < StripeCount; i++)
        {
            _byHash[i] = [];
            _locks[i] = new Lock();
        }
    }

    /// <summary>Number of series.</summary>
    public long Count => Interlocked.Read(ref _count);

    /// <summary>The highest reference handed out so far.</summary>
    public ulong LastRef => (ulong)Interlocked.Read(ref _lastRef);

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
            var dict = _byHash[stripe];
            if (dict.TryGetValue(hash, out var head))
            {
                for (var s = head; s is not null; s = s.NextInHash)
                {
                    if (s.Labels.Equals(labels))
                    {
                        created = false;
                        return s;
                    }
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
            series.NextInHash = head;
            dict[hash] = series;
            SetRef(series);
            Interlocked.Increment(ref _count);
            onCreate.Created(series);
            created = true;
            return series;
        }
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

/// <summary>What the head does when a series is born: intern its labels, index it, log it.</summary>
internal interface ISeriesCreated
{
    /// <summary>The label set the series will keep (with interned strings).</summary>
    Labels Intern(Labels labels);

    /// <summary>Called under the stripe lock before the series is visible to other appenders.</summary>
    void Created(MemSeries series);
}
