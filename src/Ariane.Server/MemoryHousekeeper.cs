using Ariane.Storage;

namespace Ariane.Server;

/// <summary>
/// Gives back what a burst of work (a backfill through remote write, a large query, a compaction) left behind: every
/// <see cref="Period"/> it lets the buffer pools drop arrays idle that long, and runs a background full collection when
/// they dropped much or much was allocated since the last one.
/// </summary>
/// <remarks>
/// The runtime starts full collections from allocation budgets, so a server that goes quiet after a burst keeps its
/// dead large arrays and promoted garbage resident indefinitely: measured after a day of data for 4,020 series sent by
/// remote write, 11 MB of live heap in a 49 MB heap. Go's collector (Prometheus, VictoriaMetrics) runs whenever the
/// heap doubles and returns freed pages in the background; this does the same job in two cheap checks a period.
/// </remarks>
internal sealed class MemoryHousekeeper : IDisposable
{
    /// <summary>How often it looks, and how long a pooled array must have been idle to be dropped.</summary>
    public static readonly TimeSpan Period = TimeSpan.FromSeconds(10);

    private const long ReleasedEnough = 1 << 20;
    private const long HeapFloor = 16 << 20;
    private const long CompactBelow = 64 << 20;

    private readonly ITimer _timer;

    public MemoryHousekeeper(TimeProvider time) => _timer = time.CreateTimer(_ => Run(), null, Period, Period);

    /// <summary>Full collections this started.</summary>
    public static long Collections => Interlocked.Read(ref s_collections);

    private static long s_collections;

    internal static void Run()
    {
        long released = BufferPools.TrimIdle(Period);
        // As Go's collector paces itself: collect when the heap has grown to twice what the last full collection
        // found alive (with a floor, so that a small heap is left alone).
        var last = GC.GetGCMemoryInfo(GCKind.Any);
        var full = GC.GetGCMemoryInfo(GCKind.FullBlocking);
        var background = GC.GetGCMemoryInfo(GCKind.Background);
        long alive = (background.Index > full.Index ? background : full).PromotedBytes;
        bool grown = last.HeapSizeBytes > 2 * alive + HeapFloor;
        if (released >= ReleasedEnough || grown)
        {
            if (alive < CompactBelow)
            {
                // A small live heap: compact, so that the space the garbage held goes back to the system (a
                // non-compacting collection leaves it as free space inside regions that stay committed). The pause
                // is a few milliseconds per megabyte alive.
                GC.Collect(2, GCCollectionMode.Aggressive, blocking: true, compacting: true);
            }
            else
            {
                // Background (concurrent) collection: threads keep running; wholly free regions go back after it.
                GC.Collect(2, GCCollectionMode.Forced, blocking: false, compacting: false);
            }
            Interlocked.Increment(ref s_collections);
        }
    }

    public void Dispose() => _timer.Dispose();
}
