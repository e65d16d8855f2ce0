using Ariane.Tsdb.Blocks;

namespace Ariane.Tsdb;

/// <summary>
/// Decides which blocks retention deletes, by age and by size. Pure (no I/O, no clock, no locks);
/// <see cref="Db.Compact"/> deletes what it picks and counts it.
/// </summary>
internal static class Retention
{
    /// <summary>
    /// The indexes of the blocks (<paramref name="blocks"/>, sorted oldest first) whose end is at least
    /// <paramref name="retentionTime"/> ms before the newest data: the later of <paramref name="headMaxTime"/> and the
    /// newest block's end, but never later than <paramref name="maxValidTime"/>, the clock's allowance for future
    /// samples, so that one series (or block) dated far ahead does not decide what is deleted for all the others.
    /// Empty when <paramref name="retentionTime"/> is not positive.
    /// </summary>
    public static List<int> ByTime(IReadOnlyList<BlockMeta> blocks, long headMaxTime, long maxValidTime, long retentionTime)
    {
        var doomed = new List<int>();
        if (retentionTime <= 0 || blocks.Count == 0)
        {
            return doomed;
        }
        long newest = Math.Min(Math.Max(headMaxTime, blocks[^1].MaxTime), maxValidTime);
        for (int i = 0; i < blocks.Count; i++)
        {
            if (newest - blocks[i].MaxTime >= retentionTime)
            {
                doomed.Add(i);
            }
        }
        return doomed;
    }

    /// <summary>
    /// How many of the oldest blocks to delete (their sizes in bytes <paramref name="blockSizes"/>, oldest first) so
    /// that they and the WAL (<paramref name="walSize"/> bytes) stay within <paramref name="retentionSize"/> bytes; 0
    /// when <paramref name="retentionSize"/> is not positive. The head's WAL is never deleted, so all blocks may go.
    /// </summary>
    public static int BySize(ReadOnlySpan<long> blockSizes, long walSize, long retentionSize)
    {
        if (retentionSize <= 0)
        {
            return 0;
        }
        long total = walSize;
        foreach (long size in blockSizes)
        {
            total += size;
        }
        int n = 0;
        for (; n < blockSizes.Length && total > retentionSize; n++)
        {
            total -= blockSizes[n];
        }
        return n;
    }
}
