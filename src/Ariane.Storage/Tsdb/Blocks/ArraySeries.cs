using Ariane.Model;
using Ariane.Storage;

namespace Ariane.Tsdb.Blocks;

/// <summary>A series whose samples are held in two arrays sorted by time, to write blocks from samples gathered in memory.</summary>
internal sealed class ArraySeries(Labels labels, long[] t, double[] v, int count) : ISeries
{
    public Labels Labels => labels;

    public int Count => count;

    public ISampleIterator Iterator(ISampleIterator? reuse = null)
    {
        if (reuse is ArrayIterator it)
        {
            it.Reset(t, v, count);
            return it;
        }
        var n = new ArrayIterator();
        n.Reset(t, v, count);
        return n;
    }
}

/// <summary>Walks an <see cref="ArraySeries"/>.</summary>
internal sealed class ArrayIterator : ISampleIterator
{
    private long[] _t = [];
    private double[] _v = [];
    private int _n;
    private int _i;

    public void Reset(long[] t, double[] v, int count)
    {
        _t = t;
        _v = v;
        _n = count;
        _i = -1;
    }

    public bool Next() => ++_i < _n;

    public bool Seek(long t)
    {
        if (_i < 0)
        {
            _i = 0;
        }
        while (_i < _n && _t[_i] < t)
        {
            _i++;
        }
        return _i < _n;
    }

    public long T => _t[_i];

    public double V => _v[_i];
}
