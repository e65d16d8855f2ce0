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
        List<ISeries>? parts = null;
        for (int i = 0; i < _sets.Length; i++)
        {
            if (_live[i] && _sets[i].Current.Labels.Equals(min))
            {
                if (single is null)
                {
                    single = _sets[i].Current;
                }
                else
                {
                    (parts ??= [single]).Add(_sets[i].Current);
                }
                _live[i] = _sets[i].MoveNext();
            }
        }
        _current = parts is null ? single : new MergedSeries(min, [.. parts], _disjoint);
        return true;
    }
}

/// <summary>One series found in several sources, in source order (older sources first).</summary>
internal sealed class MergedSeries(Labels labels, ISeries[] parts, bool disjoint) : ISeries
{
    public Labels Labels => labels;

    public ISampleIterator Iterator(ISampleIterator? reuse = null)
    {
        var its = new ISampleIterator[parts.Length];
        for (int i = 0; i < parts.Length; i++)
        {
            its[i] = parts[i].Iterator();
        }
        return disjoint ? new ChainIterator(its) : new MergeIterator(its);
    }
}

/// <summary>Iterates sources one after another (they cover disjoint, increasing time ranges).</summary>
internal sealed class ChainIterator(ISampleIterator[] its) : ISampleIterator
{
    private int _i;

    public long T => its[_i].T;

    public double V => its[_i].V;

    public bool Next()
    {
        while (_i < its.Length)
        {
            if (its[_i].Next())
            {
                return true;
            }
            if (_i == its.Length - 1)
            {
                return false;
            }
            _i++;
        }
        return false;
    }

    public bool Seek(long t)
    {
        while (_i < its.Length)
        {
            if (its[_i].Seek(t))
            {
                return true;
            }
            if (_i == its.Length - 1)
            {
                return false;
            }
            _i++;
        }
        return false;
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
