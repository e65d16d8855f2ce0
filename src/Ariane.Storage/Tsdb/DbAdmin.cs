using Ariane.Model;
using Ariane.Tsdb.Blocks;

namespace Ariane.Tsdb;

// The admin operations of the HTTP API (delete_series, clean_tombstones). Both run under the compaction lock, so
// that the list of blocks cannot change under them and a head compaction cannot cut a block half-way through a
// deletion.
public sealed partial class Db
{
    /// <summary>
    /// Deletes the samples in [<paramref name="mint"/>, <paramref name="maxt"/>] (ms, closed) of every series
    /// matching all <paramref name="matchers"/>: a tombstone in each overlapping block (the block's tombstones file is
    /// rewritten) and in the head (logged to the WAL). Queries stop returning the samples at once; compaction or
    /// <see cref="CleanTombstones"/> removes them from disk. Returns the number of series touched (blocks and head).
    /// </summary>
    public int Delete(long mint, long maxt, ReadOnlySpan<LabelMatcher> matchers)
    {
        if (mint > maxt)
        {
            return 0;
        }
        lock (_compactLock)
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            int touched = 0;
            var metas = new List<ChunkMeta>();
            foreach (var b in Volatile.Read(ref _blocks))
            {
                if (!b.Meta.Overlaps(mint, maxt))
                {
                    continue;
                }
                // Clamped to the block, so a tombstone never claims time the block does not hold.
                var iv = new Interval(Math.Max(mint, b.Meta.MinTime), Math.Min(maxt, b.Meta.MaxTime - 1));
                var add = new List<KeyValuePair<uint, Interval>>();
                foreach (uint id in b.MatchingSeries(matchers))
                {
                    metas.Clear();
                    b.Index.Series(id, metas);
                    foreach (var c in metas)
                    {
                        if (c.MaxT >= iv.MinT && c.MinT <= iv.MaxT)
                        {
                            add.Add(new(id, iv));
                            break;
                        }
                    }
                }
                if (add.Count > 0)
                {
                    b.AddTombstones(add);
                    touched += add.Count;
                }
            }
            touched += Head.Delete(mint, maxt, matchers);
            TsdbLog.SeriesDeleted(_log, mint, maxt, touched);
            return touched;
        }
    }

    /// <summary>
    /// Rewrites every block that has tombstones without the deleted samples. Each new block names the old one as
    /// its parent, so a crash between writing it and deleting the old one is finished at the next open, as for a
    /// compaction. Head tombstones are not touched: the next head compaction leaves their samples out anyway.
    /// Returns the number of blocks rewritten.
    /// </summary>
    public int CleanTombstones()
    {
        lock (_compactLock)
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            int rewritten = 0;
            foreach (var b in Volatile.Read(ref _blocks))
            {
                if (b.Tombstones.Count == 0)
                {
                    continue;
                }
                var start = _time.GetTimestamp();
                var m = b.Meta;
                BlockMeta? meta;
                using (var q = b.Querier(m.MinTime, m.MaxTime - 1))
                {
                    meta = BlockWriter.Write(_options.Path, m.MinTime, m.MaxTime, q.Select(true), new BlockLineage(m.Level, m.Sources, [m.Ulid]), _time);
                }
                if (meta is not null)
                {
                    AddBlock(Block.Open(Path.Combine(_options.Path, meta.Ulid)));
                }
                RemoveBlocks([b], deleteFiles: true);
                rewritten++;
                if (meta is null)
                {
                    TsdbLog.TombstonesBlockDeleted(_log, m.Ulid);
                }
                else
                {
                    TsdbLog.TombstonesBlockRewritten(_log, m.Ulid, meta.Ulid, m.NumSamples - meta.NumSamples, (long)_time.GetElapsedTime(start).TotalMilliseconds);
                }
            }
            return rewritten;
        }
    }
}
