using System.Runtime.CompilerServices;
using Ariane.Storage;

namespace Ariane.Tsdb.Chunks;

/// <summary>
/// Walks a series stored as a sequence of XOR chunks in time order (the head's, or a block's), limited to
/// [mint, maxt]. Each chunk it enters is decoded whole by <see cref="XorDecoder"/> into the iterator's own arrays,
/// so stepping through it is an index increment; <see cref="Read"/> copies runs of samples, or decodes a chunk
/// straight into the caller's buffers when all of it is wanted. Subclasses say where the chunks are. Allocation-free
/// after construction (reuse it through <see cref="ISeries.Iterator"/>).
/// </summary>
internal abstract class ChunkSeriesIterator : ISampleIterator
{
    private long[] _ts = new long[XorDecoder.MaxSamples];
    private double[] _vs = new double[XorDecoder.MaxSamples];
    private long _chunkMaxT;
    private int _n;             // samples decoded from the current chunk (after filtering)
    private int _i;             // index of the next sample in it
    private bool _inChunk;
    private bool _done;
    private long _t;
    private double _v;

    /// <summary>The first timestamp wanted.</summary>
    protected long Mint { get; private set; }

    /// <summary>The last timestamp wanted.</summary>
    protected long Maxt { get; private set; }

    /// <summary>Starts over at the first chunk, for [mint, maxt]; subclasses reset their chunk position first.</summary>
    protected void ResetRange(long mint, long maxt)
    {
        Mint = mint;
        Maxt = maxt;
        _n = 0;
        _i = 0;
        _inChunk = false;
        _done = false;
        _t = long.MinValue;
        _v = 0;
    }

    /// <summary>
    /// Moves to the next chunk that ends at or after <paramref name="minT"/> and starts at or before <see cref="Maxt"/>;
    /// false when there is none. On success <paramref name="data"/> holds the chunk's bit stream from its start (it
    /// may run on past the chunk's end), <paramref name="count"/> its samples and <paramref name="maxT"/> its last
    /// timestamp.
    /// </summary>
    protected abstract bool NextChunk(long minT, out ReadOnlySpan<byte> data, out int count, out long maxT);

    /// <summary>
    /// Drops samples that must not be seen (a block's deleted intervals) from the decoded chunk in place and returns
    /// how many are left. The default keeps them all.
    /// </summary>
    protected virtual int Filter(Span<long> ts, Span<double> vs, int n) => n;

    /// <summary>Decodes the chunk <see cref="NextChunk"/> gave; XOR unless the source says otherwise (a block's chunk encodings).</summary>
    protected virtual void Decode(ReadOnlySpan<byte> data, int count, Span<long> ts, Span<double> vs) =>
        XorDecoder.Decode(data, count, ts, vs);

    /// <inheritdoc/>
    public long T => _t;

    /// <inheritdoc/>
    public double V => _v;

    /// <inheritdoc/>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public bool Next()
    {
        while (!_done)
        {
            if (_inChunk && _i < _n)
            {
                long t = _ts[_i];
                if (t > Maxt)
                {
                    _done = true;
                    return false;
                }
                double v = _vs[_i++];
                if (t < Mint)
                {
                    continue;
                }
                _t = t;
                _v = v;
                return true;
            }
            if (!OpenChunk(Mint))
            {
                _done = true;
            }
        }
        return false;
    }

    /// <inheritdoc/>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public bool Seek(long t)
    {
        if (_done)
        {
            return false;
        }
        if (_inChunk && _t >= t && _t != long.MinValue)
        {
            return true;
        }
        if (t < Mint)
        {
            t = Mint;
        }
        // Skip whole chunks that end before t.
        if (!_inChunk || _chunkMaxT < t)
        {
            if (!OpenChunk(t))
            {
                _done = true;
                return false;
            }
        }
        // Within the chunk, jump to the first sample at or after t.
        int i = _i;
        while (i < _n && _ts[i] < t)
        {
            i++;
        }
        _i = i;
        return Next();
    }

    /// <inheritdoc/>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public int Read(long maxt, Span<long> ts, Span<double> vs)
    {
        if (maxt > Maxt)
        {
            maxt = Maxt;
        }
        int want = Math.Min(ts.Length, vs.Length);
        int n = 0;
        while (n < want && !_done)
        {
            if (_inChunk && _i < _n)
            {
                int i = _i;
                while (i < _n && _ts[i] < Mint)
                {
                    i++;
                }
                int limit = Math.Min(_n, i + (want - n));
                int j = limit;
                if (_chunkMaxT > maxt)
                {
                    j = i;
                    while (j < limit && _ts[j] <= maxt)
                    {
                        j++;
                    }
                }
                int k = j - i;
                if (k > 0)
                {
                    _ts.AsSpan(i, k).CopyTo(ts[n..]);
                    _vs.AsSpan(i, k).CopyTo(vs[n..]);
                    n += k;
                    _t = _ts[j - 1];
                    _v = _vs[j - 1];
                }
                _i = j;
                if (j < _n && _ts[j] > maxt)
                {
                    // The next sample is after maxt: nothing more within range.
                    _done = _ts[j] > Maxt;
                    return n;
                }
                // The chunk is used up (the next round opens another) or the buffers are full.
                continue;
            }
            if (!NextChunk(Mint, out var data, out int count, out long chunkMaxT))
            {
                _inChunk = false;
                _done = true;
                break;
            }
            _chunkMaxT = chunkMaxT;
            if (count <= want - n && chunkMaxT <= maxt)
            {
                // All of the chunk is wanted and fits: decode it where the caller wants it.
                var dts = ts.Slice(n, count);
                var dvs = vs.Slice(n, count);
                Decode(data, count, dts, dvs);
                int kept = Filter(dts, dvs, count);
                int skip = 0;
                while (skip < kept && dts[skip] < Mint)
                {
                    skip++;
                }
                if (skip > 0)
                {
                    dts[skip..kept].CopyTo(dts);
                    dvs[skip..kept].CopyTo(dvs);
                    kept -= skip;
                }
                if (kept > 0)
                {
                    n += kept;
                    _t = ts[n - 1];
                    _v = vs[n - 1];
                }
                _n = 0;
                _i = 0;
                _inChunk = true;
                continue;
            }
            Enter(data, count);
        }
        return n;
    }

    /// <summary>
    /// <see cref="Read(long, Span{long}, Span{double})"/> with start timestamps: chunks keep none yet, so every one is
    /// 0 (none). The bulk copy stays as fast as without them, which the counter functions' queries rely on.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public int Read(long maxt, Span<long> ts, Span<double> vs, Span<long> sts)
    {
        int n = Read(maxt, ts, vs);
        sts[..n].Clear();
        return n;
    }

    // Moves to the next chunk that ends at or after minT and decodes it; false when there is none within range.
    private bool OpenChunk(long minT)
    {
        _inChunk = false;
        if (!NextChunk(minT, out var data, out int count, out long maxT))
        {
            return false;
        }
        _chunkMaxT = maxT;
        Enter(data, count);
        return true;
    }

    private void Enter(ReadOnlySpan<byte> data, int count)
    {
        if (count > _ts.Length)
        {
            // Only blocks from elsewhere hold chunks of more than a head chunk's samples (the format allows 65535).
            _ts = new long[count];
            _vs = new double[count];
        }
        Decode(data, count, _ts, _vs);
        _n = Filter(_ts, _vs, count);
        _i = 0;
        _inChunk = true;
    }
}
