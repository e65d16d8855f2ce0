using System.Runtime.CompilerServices;
using Ariane.Model;
using Ariane.Storage;

namespace Ariane.Tsdb;

/// <summary>
/// Reads several queriers (blocks, then the head) as one: series with the same labels are merged into one
/// series whose samples come in time order. When the sources do not overlap in time (the usual case: blocks
/// cover disjoint ranges and the head starts where the last block ends) a merged series just chains its
/// parts; otherwise it merges them sample by sample, keeping the first source's sample on equal timestamps.
/// </summary>
internal sealed class MergeQuerier(IQuerier[] queriers, bool disjoint) : IQuerier
{
    public ISeriesSet Select(bool sorted, params ReadOnlySpan<LabelMatcher> matchers)
    {
        var sets = new ISeriesSet[queriers.Length];
        for (int i = 0; i < queriers.Length; i++)
        {
            sets[i] = queriers[i].Select(true, matchers);
        }
        return new MergeSeriesSet(sets, disjoint);
    }

    public IReadOnlyList<string> LabelValues(string name, params ReadOnlySpan<LabelMatcher> matchers)
    {
        var lists = new IReadOnlyList<string>[queriers.Length];
        for (int i = 0; i < queriers.Length; i++)
        {
            lists[i] = queriers[i].LabelValues(name, matchers);
        }
        return MergeSorted(lists);
    }

    public IReadOnlyList<string> LabelNames(params ReadOnlySpan<LabelMatcher> matchers)
    {
        var lists = new IReadOnlyList<string>[queriers.Length];
        for (int i = 0; i < queriers.Length; i++)
        {
            lists[i] = queriers[i].LabelNames(matchers);
        }
        return MergeSorted(lists);
    }

    private static List<string> MergeSorted(IReadOnlyList<string>[] lists)
    {
        var set = new SortedSet<string>(StringComparer.Ordinal);
        foreach (var l in lists)
        {
            foreach (var s in l)
            {
                set.Add(s);
            }
        }
        return [.. set];
    }

    public void Dispose()
    {
        foreach (var q in queriers)
        {
            q.Dispose();
        }
    }
}

/// <summary>Merges sorted series sets by label set.</summary>
internal sealed class MergeSeriesSet : ISeriesSet
{
    private readonly ISeriesSet[] _sets;
    private readonly bool[] _live;
    private readonly bool _disjoint;
    private ISeries? _current;

    public MergeSeriesSet(ISeriesSet[] sets, bool disjoint)
    {
        _sets = sets;
        _disjoint = disjoint;
        _live = new bool[sets.Length];
        for (int i = 0; i < sets.Length; i++)
        {
            _live[i] = sets[i].MoveNext();
        }
    }

    public ISeries Current => _current!;

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public bool MoveNext()
    {
        Labels? min = null;
        for (int i = 0; i < _sets.Length; i++)
        {
            if (_live[i] && (min is null || _sets[i].Current.Labels.CompareTo(min) < 0))
            {
                min = _sets[i].Current.Labels;
            }
        }
        if (min is null)
        {
            _current = null;
            return false;
        }
        ISeries? single = null;
        int singleSource = -1;
        List<ISeries>? parts = null;
        List<int>? sources = null;
        for (int i = 0; i < _sets.Length; i++)
        {
            if (_live[i] && _sets[i].Current.Labels.Equals(min))
            {
                if (single is null)
                {
                    single = _sets[i].Current;
                    singleSource = i;
                }
                else
                {
                    (parts ??= [single]).Add(_sets[i].Current);
                    (sources ??= [singleSource]).Add(i);
                }
                _live[i] = _sets[i].MoveNext();
            }
        }
        if (parts is not null)
        {
            _current = new MergedSeries(min, [.. parts], [.. sources!], _sets.Length, _disjoint);
        }
        else if (_disjoint)
        {
            // Wrapped too, so that every series of the set iterates through a chain whose per-source iterators
            // the next series can reuse, whether it is found in one source or several.
            _current = new MergedSeries(min, [single!], [singleSource], _sets.Length, true);
        }
        else
        {
            _current = single;
        }
        return true;
    }
}

/// <summary>
/// One series found in one or more sources, in source order (older sources first); <paramref name="sources"/> says
/// which of the <paramref name="sourceCount"/> sources each part came from.
/// </summary>
internal sealed class MergedSeries(Labels labels, ISeries[] parts, int[] sources, int sourceCount, bool disjoint) : ISeries
{
    public Labels Labels => labels;

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public ISampleIterator Iterator(ISampleIterator? reuse = null)
    {
        if (disjoint)
        {
            // Each source's iterator is reused for the same source's part of the next series (a block's for a
            // block's, the head's for the head's).
            var chain = reuse as ChainIterator is { } c && c.SourceCount == sourceCount ? c : new ChainIterator(sourceCount);
            var active = chain.Begin(parts.Length);
            for (int i = 0; i < parts.Length; i++)
            {
                active[i] = chain.Pool[sources[i]] = parts[i].Iterator(chain.Pool[sources[i]]);
            }
            return chain;
        }
        var merged = new ISampleIterator[parts.Length];
        for (int i = 0; i < parts.Length; i++)
        {
            merged[i] = parts[i].Iterator();
        }
        return new MergeIterator(merged);
    }
}

/// <summary>Iterates sources one after another (they cover disjoint, increasing time ranges).</summary>
internal sealed class ChainIterator(int sourceCount) : ISampleIterator
{
    private ISampleIterator[] _its = new ISampleIterator[sourceCount];
    private int _count;
    private int _i;

    /// <summary>How many sources the chain keeps an iterator for.</summary>
    public int SourceCount => sourceCount;

    /// <summary>The last iterator of each source, for reuse (null where there is none yet).</summary>
    public ISampleIterator?[] Pool { get; } = new ISampleIterator?[sourceCount];

    /// <summary>Starts over with <paramref name="n"/> parts, which the caller puts in the returned slots in order.</summary>
    public ISampleIterator[] Begin(int n)
    {
        if (_its.Length < n)
        {
            _its = new ISampleIterator[n];
        }
        _count = n;
        _i = 0;
        return _its;
    }

    public long T => _its[_i].T;

    public double V => _its[_i].V;

    public long ST => _its[_i].ST;

    public bool Next()
    {
        while (_i < _count)
        {
            if (_its[_i].Next())
            {
                return true;
            }
            if (_i == _count - 1)
            {
                return false;
            }
            _i++;
        }
        return false;
    }

    public bool Seek(long t)
    {
        while (_i < _count)
        {
            if (_its[_i].Seek(t))
            {
                return true;
            }
            if (_i == _count - 1)
            {
                return false;
            }
            _i++;
        }
        return false;
    }

    public int Read(long maxt, Span<long> ts, Span<double> vs) => ReadCore(maxt, ts, vs, default, false);

    public int Read(long maxt, Span<long> ts, Span<double> vs, Span<long> sts) => ReadCore(maxt, ts, vs, sts, true);

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private int ReadCore(long maxt, Span<long> ts, Span<double> vs, Span<long> sts, bool wantSt)
    {
        int want = Math.Min(ts.Length, vs.Length);
        int n = 0;
        while (n < want && _i < _count)
        {
            var it = _its[_i];
            int k = wantSt ? it.Read(maxt, ts[n..], vs[n..], sts[n..]) : it.Read(maxt, ts[n..], vs[n..]);
            n += k;
            if (n == want)
            {
                break;
            }
            // This source has nothing more up to maxt. A later one starts after all of its samples, so it can only
            // add some when this one ended before maxt.
            if (_i == _count - 1 || (k > 0 && it.T >= maxt))
            {
                break;
            }
            _i++;
        }
        return n;
    }
}

/// <summary>Merges overlapping sources by timestamp; on equal timestamps the earliest source wins.</summary>
internal sealed class MergeIterator : ISampleIterator
{
    private readonly ISampleIterator[] _its;
    private readonly bool[] _has;
    private bool _started;
    private int _cur = -1;

    public MergeIterator(ISampleIterator[] its)
    {
        _its = its;
        _has = new bool[its.Length];
    }

    public long T => _its[_cur].T;

    public double V => _its[_cur].V;

    public long ST => _its[_cur].ST;

    public bool Next()
    {
        if (!_started)
        {
            _started = true;
            for (int i = 0; i < _its.Length; i++)
            {
                _has[i] = _its[i].Next();
            }
        }
        else if (_cur >= 0)
        {
            long t = _its[_cur].T;
            for (int i = 0; i < _its.Length; i++)
            {
                if (_has[i] && _its[i].T == t)
                {
                    _has[i] = _its[i].Next();
                }
            }
        }
        return Pick();
    }

    public bool Seek(long t)
    {
        if (_started && _cur >= 0 && _its[_cur].T >= t)
        {
            return true;
        }
        _started = true;
        for (int i = 0; i < _its.Length; i++)
        {
            _has[i] = _its[i].Seek(t);
        }
        return Pick();
    }

    private bool Pick()
    {
        _cur = -1;
        for (int i = 0; i < _its.Length; i++)
        {
            if (_has[i] && (_cur < 0 || _its[i].T < _its[_cur].T))
            {
                _cur = i;
            }
        }
        return _cur >= 0;
    }
}
