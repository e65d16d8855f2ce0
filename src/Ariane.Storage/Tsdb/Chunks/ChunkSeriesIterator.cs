using System.Runtime.CompilerServices;
using Ariane.Storage;

namespace Ariane.Tsdb.Chunks;

/// <summary>
/// Walks a series stored as a sequence of XOR chunks in time order (the head's, or a block's), limited to
/// [mint, maxt]. Each chunk it enters is decoded whole by <see cref="XorDecoder"/> into the iterator's own arrays,
/// so stepping through it is an index increment; <c>Read</c> copies runs of samples, or decodes a chunk
/// straight into the caller's buffers when all of it is wanted. Subclasses say where the chunks are. Allocation-free
/// after construction (reuse it through <see cref="ISeries.Iterator"/>).
/// </summary>
internal abstract class ChunkSeriesIterator : ISampleIterator
{
    private long[] _ts = new long[XorDecoder.MaxSamples];
    private double[] _vs = new double[XorDecoder.MaxSamples];
    private long[]? _sts;       // the current chunk's start timestamps when it has any (allocated on first use)
    private bool _chunkSt;      // whether _sts holds the current chunk's start timestamps
    private long _chunkMaxT;
    private int _n;             // samples decoded from the current chunk (after filtering)
    private int _i;             // index of the next sample in it
    private bool _inChunk;
    private bool _done;
    private long _t;
    private double _v;
    private long _st;

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
        _st = 0;
        _chunkSt = false;
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
    /// how many are left, moving <paramref name="sts"/> along when it is not empty. The default keeps them all.
    /// </summary>
    protected virtual int Filter(Span<long> ts, Span<double> vs, Span<long> sts, int n) => n;

    /// <summary>
    /// Whether the chunk <see cref="NextChunk"/> gave last may have start timestamps (a cheap check, so chunks
    /// without are never asked for them). The default: none.
    /// </summary>
    protected virtual bool MayHaveStartTimes => false;

    /// <summary>
    /// Fills <paramref name="sts"/> with the start timestamps of the chunk decoded into <paramref name="ts"/> (not yet
    /// filtered); false, leaving it alone, when the chunk has none. Called only when <see cref="MayHaveStartTimes"/>.
    /// </summary>
    protected virtual bool DecodeStartTimes(ReadOnlySpan<long> ts, Span<long> sts) => false;

    /// <summary>Decodes the chunk <see cref="NextChunk"/> gave; XOR unless the source says otherwise (a block's chunk encodings).</summary>
    protected virtual void Decode(ReadOnlySpan<byte> data, int count, Span<long> ts, Span<double> vs) =>
        XorDecoder.Decode(data, count, ts, vs);

    /// <inheritdoc/>
    public long T => _t;

    /// <inheritdoc/>
    public double V => _v;

    /// <inheritdoc/>
    public long ST => _st;

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
                int i = _i++;
                if (t < Mint)
                {
                    continue;
                }
                _t = t;
                _v = _vs[i];
                _st = _chunkSt ? _sts![i] : 0;
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
    public int Read(long maxt, Span<long> ts, Span<double> vs) => ReadCore(maxt, ts, vs, default, false);

    /// <inheritdoc/>
    public int Read(long maxt, Span<long> ts, Span<double> vs, Span<long> sts) => ReadCore(maxt, ts, vs, sts, true);

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private int ReadCore(long maxt, Span<long> ts, Span<double> vs, Span<long> sts, bool wantSt)
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
                    if (wantSt)
                    {
                        if (_chunkSt)
                        {
                            _sts.AsSpan(i, k).CopyTo(sts[n..]);
                        }
                        else
                        {
                            sts.Slice(n, k).Clear();
                        }
                    }
                    n += k;
                    _t = _ts[j - 1];
                    _v = _vs[j - 1];
                    _st = _chunkSt ? _sts![j - 1] : 0;
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
                // Start timestamps go where the caller wants them, or (for ST) into the iterator's own buffer.
                Span<long> dsts = default;
                bool hasSt = false;
                if (MayHaveStartTimes)
                {
                    dsts = wantSt ? sts.Slice(n, count) : StBuffer(count);
                    hasSt = DecodeStartTimes(dts, dsts);
                    if (!hasSt)
                    {
                        dsts = default;
                    }
                }
                int kept = Filter(dts, dvs, dsts, count);
                int skip = 0;
                while (skip < kept && dts[skip] < Mint)
                {
                    skip++;
                }
                if (skip > 0)
                {
                    dts[skip..kept].CopyTo(dts);
                    dvs[skip..kept].CopyTo(dvs);
                    if (hasSt)
                    {
                        dsts[skip..kept].CopyTo(dsts);
                    }
                    kept -= skip;
                }
                if (wantSt && !hasSt)
                {
                    sts.Slice(n, kept).Clear();
                }
                if (kept > 0)
                {
                    _st = hasSt ? dsts[kept - 1] : 0;
                    n += kept;
                    _t = ts[n - 1];
                    _v = vs[n - 1];
                }
                _n = 0;
                _i = 0;
                _inChunk = true;
                _chunkSt = false;
                continue;
            }
            Enter(data, count);
        }
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
        _chunkSt = MayHaveStartTimes && DecodeStartTimes(_ts.AsSpan(0, count), StBuffer(count));
        _n = Filter(_ts, _vs, _chunkSt ? _sts : default, count);
        _i = 0;
        _inChunk = true;
    }

    private Span<long> StBuffer(int count)
    {
        if (_sts is null || _sts.Length < Math.Max(count, _ts.Length))
        {
            _sts = new long[Math.Max(count, _ts.Length)];
        }
        return _sts.AsSpan(0, count);
    }
}
