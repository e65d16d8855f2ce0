using Ariane.Tsdb.Blocks;

namespace Ariane.Tsdb;

/// <summary>
/// Decides what the compactor does next, from block metas and times alone: when the head is cut into a block, and
/// which blocks are merged into one. Pure (no I/O, no clock, no locks); <see cref="Db.Compact"/> takes the locks,
/// writes the blocks and counts what it did.
/// </summary>
internal static class CompactionPlanner
{
    /// <summary>The largest block when neither the maximum block range nor the retention time says otherwise.</summary>
    private static readonly long DefaultMaxBlockRange = (long)TimeSpan.FromDays(31).TotalMilliseconds;

    /// <summary>
    /// The start of the next block to cut from a head holding samples from <paramref name="headMinTime"/> to
    /// <paramref name="headMaxTime"/> (both already clamped to what the head accepts), or null while the head spans
    /// no more than 1.5 block ranges. The block is <c>[start, start + blockRange)</c>, aligned on the range.
    /// </summary>
    public static long? NextHeadBlock(long headMinTime, long headMaxTime, long blockRange)
    {
        if (headMaxTime == long.MinValue || headMinTime == long.MaxValue || headMaxTime - headMinTime <= blockRange / 2 * 3)
        {
            return null;
        }
        return headMinTime - Mod(headMinTime, blockRange);
    }

    /// <summary>
    /// The ranges of the compaction levels, in ms: the block range times 3, 9, 27, ... up to the largest block,
    /// <paramref name="maxBlockRange"/> when positive, else a tenth of <paramref name="retentionTime"/> (when
    /// positive) but at most 31 days.
    /// </summary>
    public static List<long> Levels(long blockRange, long maxBlockRange, long retentionTime)
    {
        long max = maxBlockRange;
        if (max <= 0)
        {
            max = retentionTime > 0 ? Math.Min(retentionTime / 10, DefaultMaxBlockRange) : DefaultMaxBlockRange;
        }
        var list = new List<long>();
        for (long r = blockRange * 3; r <= max && r > 0; r *= 3)
        {
            list.Add(r);
        }
        return list;
    }

    /// <summary>
    /// The next run of blocks to compact into one, as a range of indexes into <paramref name="blocks"/> (sorted
    /// oldest first, by start time then ULID), or null when there is nothing to do. Overlapping blocks come first
    /// (merged whatever their size); then, level by level (<paramref name="levels"/>, smallest first), two or more
    /// blocks that lie inside one aligned window of the level's range, once that window is complete (the newest
    /// block starts after it). The newest block is never part of a level group, as in Prometheus, so that a block
    /// just cut is not compacted at once.
    /// </summary>
    public static Range? Plan(IReadOnlyList<BlockMeta> blocks, IReadOnlyList<long> levels)
    {
        if (blocks.Count < 2)
        {
            return null;
        }
        for (int i = 1; i < blocks.Count; i++)
        {
            if (blocks[i].MinTime < blocks[i - 1].MaxTime)
            {
                long end = blocks[i - 1].MaxTime;
                int j = i;
                for (; j < blocks.Count && blocks[j].MinTime < end; j++)
                {
                    end = Math.Max(end, blocks[j].MaxTime);
                }
                return (i - 1)..j;
            }
        }
        long newestMin = blocks[^1].MinTime;
        foreach (long r in levels)
        {
            // The run being gathered: [start, start + count) inside the window starting at `window`.
            int start = 0, count = 0;
            long window = long.MinValue;
            for (int i = 0; i < blocks.Count - 1; i++)
            {
                var m = blocks[i];
                long w = m.MinTime - Mod(m.MinTime, r);
                if (m.MaxTime > w + r || m.MaxTime - m.MinTime >= r)
                {
                    // Crosses the window or fills it: not part of a group at this level.
                    if (count > 1 && window + r <= newestMin)
                    {
                        return start..(start + count);
                    }
                    count = 0;
                    window = long.MinValue;
                    continue;
                }
                if (w != window || count == 0)
                {
                    if (count > 1 && window + r <= newestMin)
                    {
                        return start..(start + count);
                    }
                    start = i;
                    count = 0;
                    window = w;
                }
                count++;
            }
            if (count > 1 && window + r <= newestMin)
            {
                return start..(start + count);
            }
        }
        return null;
    }

    /// <summary><paramref name="a"/> modulo <paramref name="m"/>, never negative (block windows before 1970 align too).</summary>
    public static long Mod(long a, long m)
    {
        long r = a % m;
        return r < 0 ? r + m : r;
    }
}
