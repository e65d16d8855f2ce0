using Ariane.Storage;
using Ariane.Tsdb.Chunks;

namespace Ariane.Tsdb.Blocks;

/// <summary>
/// An immutable on-disk block opened for reading: meta, memory-mapped index and chunks, tombstones. Queriers
/// pin it (<see cref="TryAcquire"/>); <see cref="Close"/> unmaps once the last one lets go, so a block can be
/// deleted (compaction, retention) while queries still read it.
/// </summary>
public sealed class Block
{
    private readonly IndexReader _index;
    private readonly ChunkReader _chunks;
    private readonly object _tombLock = new();
    private Tombstones _tombstones;
    private int _refs = 1; // the owner's reference, dropped by Close
    private int _closed;

    private Block(string dir, BlockMeta meta, IndexReader index, ChunkReader chunks, Tombstones tombstones)
    {
        Dir = dir;
        Meta = meta;
        _index = index;
        _chunks = chunks;
        _tombstones = tombstones;
    }

    /// <summary>The block's folder.</summary>
    public string Dir { get; }

    /// <summary>The block's meta.json.</summary>
    public BlockMeta Meta { get; private set; }

    internal IndexReader Index => _index;

    internal ChunkReader Chunks => _chunks;

    internal Tombstones Tombstones => Volatile.Read(ref _tombstones);

    /// <summary>Bytes on disk: index, chunks, tombstones and meta.</summary>
    public long Size => _index.Size + _chunks.Size + FileSize(Tombstones.FileName) + FileSize(BlockMeta.FileName);

    private long FileSize(string name)
    {
        var fi = new FileInfo(Path.Combine(Dir, name));
        return fi.Exists ? fi.Length : 0;
    }

    /// <summary>Opens the block in <paramref name="dir"/>, checking its meta and every index checksum.</summary>
    /// <exception cref="CorruptBlockException">Something in the block does not decode or fails its checksum.</exception>
    public static Block Open(string dir)
    {
        var meta = BlockMeta.Read(dir);
        if (meta.Ulid != Path.GetFileName(dir.TrimEnd('/')))
        {
            throw new CorruptBlockException($"{dir}: meta.json names block {meta.Ulid}");
        }
        var tomb = Tombstones.Read(dir);
        var index = IndexReader.Open(Path.Combine(dir, "index"));
        ChunkReader chunks;
        try
        {
            chunks = ChunkReader.Open(dir);
        }
        catch
        {
            index.Dispose();
            throw;
        }
        return new Block(dir, meta, index, chunks, tomb);
    }

    /// <summary>Pins the block for a reader; false once it is closed.</summary>
    public bool TryAcquire()
    {
        while (true)
        {
            int r = Volatile.Read(ref _refs);
            if (r == 0 || Volatile.Read(ref _closed) != 0)
            {
                return false;
            }
            if (Interlocked.CompareExchange(ref _refs, r + 1, r) == r)
            {
                return true;
            }
        }
    }

    /// <summary>Unpins; the last release after <see cref="Close"/> unmaps the files.</summary>
    public void Release()
    {
        if (Interlocked.Decrement(ref _refs) == 0)
        {
            _index.Dispose();
            _chunks.Dispose();
        }
    }

    /// <summary>Drops the owner's reference: the block unmaps when no querier holds it any more.</summary>
    public void Close()
    {
        if (Interlocked.Exchange(ref _closed, 1) == 0)
        {
            Release();
        }
    }

    /// <summary>A querier over [mint, maxt]; it pins the block until disposed.</summary>
    public IQuerier Querier(long mint, long maxt)
    {
        if (!TryAcquire())
        {
            throw new ObjectDisposedException(nameof(Block), $"block {Meta.Ulid} is closed");
        }
        return new BlockQuerier(this, mint, maxt);
    }

    /// <summary>
    /// Adds deleted intervals and persists the new tombstones file (atomically). Series ids come from
    /// <see cref="MatchingSeries"/>.
    /// </summary>
    internal void AddTombstones(IEnumerable<KeyValuePair<uint, Interval>> add)
    {
        lock (_tombLock)
        {
            var t = Tombstones.With(add);
            t.Write(Dir);
            Volatile.Write(ref _tombstones, t);
            var meta = Meta with { NumTombstones = t.IntervalCount };
            meta.Write(Dir);
            Meta = meta;
        }
    }

    /// <summary>The ids of series matching the matchers.</summary>
    internal uint[] MatchingSeries(ReadOnlySpan<Model.LabelMatcher> matchers) => BlockPostings.Select(_index, matchers);

    /// <summary>
    /// Reads the chunk of <paramref name="c"/> (checking its CRC) and decodes its samples into
    /// <paramref name="ts"/> and <paramref name="vs"/> (at least <see cref="XorDecoder.MaxSamples"/> long) through
    /// <see cref="ChunkDecoder"/>; a chunk that does not decode is reported as corrupt. The caller holds the block.
    /// </summary>
    internal void DecodeChunk(ChunkMeta c, Span<long> ts, Span<double> vs, out int count)
    {
        var data = _chunks.Read(c.Ref, out var enc, out count);
        try
        {
            ChunkDecoder.Decode(enc, data, count, c.MinT, c.MaxT, ts, vs);
        }
        catch (Exception e) when (e is InvalidDataException or ArgumentException)
        {
            throw new CorruptBlockException($"{Dir}: chunk {c.Ref:x}: {e.Message}");
        }
    }

    /// <summary>Reads and decodes every series and chunk of the block, checking every checksum; returns the first problem or null.</summary>
    public string? Verify()
    {
        if (!TryAcquire())
        {
            return null;
        }
        try
        {
            var metas = new List<ChunkMeta>();
            var ts = new long[XorDecoder.MaxSamples];
            var vs = new double[XorDecoder.MaxSamples];
            foreach (uint id in _index.AllPostings())
            {
                metas.Clear();
                _index.Series(id, metas);
                foreach (var c in metas)
                {
                    DecodeChunk(c, ts, vs, out _);
                }
            }
            return null;
        }
        catch (CorruptBlockException e)
        {
            return e.Message;
        }
        finally
        {
            Release();
        }
    }
}
