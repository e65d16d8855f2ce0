using Ariane.Tsdb;
using Ariane.Tsdb.Blocks;

namespace Ariane.Tests.Tsdb;

// The compactor's decisions over block metas alone: no folder, no clock (DbTests cover the I/O around them).
public class CompactionPlannerTests
{
    private const long H = 3_600_000;

    internal static BlockMeta[] Blocks(params (long MinH, long MaxH)[] ranges)
    {
        var metas = new BlockMeta[ranges.Length];
        for (int i = 0; i < ranges.Length; i++)
        {
            metas[i] = new BlockMeta { Ulid = $"b{i:D2}", MinTime = ranges[i].MinH * H, MaxTime = ranges[i].MaxH * H };
        }
        return metas;
    }

    private static readonly long[] DefaultLevels = [6 * H, 18 * H, 54 * H];

    private static void AssertRun(Range expected, Range? actual)
    {
        Assert.True(actual.HasValue, "no group planned");
        Assert.Equal(expected, actual.Value);
    }

    [Fact]
    public void LevelsAreTheBlockRangeTimesPowersOfThreeUpToTheLargestBlock()
    {
        // 15 days of retention: blocks up to a tenth of it (36 h).
        Assert.Equal([6 * H, 18 * H], CompactionPlanner.Levels(2 * H, 0, 360 * H));
        // No retention: up to 31 days.
        Assert.Equal([6 * H, 18 * H, 54 * H, 162 * H, 486 * H], CompactionPlanner.Levels(2 * H, 0, 0));
        // A maximum block range wins over retention.
        Assert.Equal([6 * H, 18 * H, 54 * H], CompactionPlanner.Levels(2 * H, 54 * H, 360 * H));
        // A maximum no larger than the block range: no compaction levels at all.
        Assert.Empty(CompactionPlanner.Levels(2 * H, 2 * H, 0));
    }

    [Fact]
    public void NothingToPlanWithFewerThanTwoBlocks()
    {
        Assert.Null(CompactionPlanner.Plan(Blocks(), DefaultLevels));
        Assert.Null(CompactionPlanner.Plan(Blocks((0, 2)), DefaultLevels));
    }

    [Fact]
    public void OverlappingBlocksComeFirstWhateverTheirSize()
    {
        // Two complete level windows too, but the overlap at the end is merged first.
        var b = Blocks((0, 2), (2, 4), (4, 6), (6, 8), (8, 10), (10, 12), (12, 20), (14, 16), (19, 22), (22, 24));
        AssertRun(6..9, CompactionPlanner.Plan(b, DefaultLevels));
        // A chain of overlaps: each block starts before the end reached so far.
        AssertRun(0..3, CompactionPlanner.Plan(Blocks((0, 2), (1, 4), (3, 5), (5, 7)), DefaultLevels));
    }

    [Fact]
    public void BlocksOfOneCompleteWindowAreGrouped()
    {
        AssertRun(0..3, CompactionPlanner.Plan(Blocks((0, 2), (2, 4), (4, 6), (6, 8)), DefaultLevels));
        // Two blocks in the window are enough; a gap inside the window does not matter.
        AssertRun(0..2, CompactionPlanner.Plan(Blocks((0, 2), (4, 6), (8, 10)), DefaultLevels));
    }

    [Fact]
    public void AWindowIsGroupedOnlyOnceTheNewestBlockStartsAfterIt()
    {
        // The newest block is never grouped, and the window [0, 6h) is not complete while it starts inside it.
        Assert.Null(CompactionPlanner.Plan(Blocks((0, 2), (2, 4), (4, 6)), DefaultLevels));
        Assert.Null(CompactionPlanner.Plan(Blocks((0, 2), (2, 4)), DefaultLevels));
    }

    [Fact]
    public void ABlockThatFillsOrCrossesAWindowStaysOutOfThatLevel()
    {
        // [0, 6h) fills its window at 6 h: the next window's three blocks are grouped.
        AssertRun(1..4, CompactionPlanner.Plan(Blocks((0, 6), (6, 8), (8, 10), (10, 12), (12, 14)), DefaultLevels));
        // [4h, 8h) crosses the 6 h windows: the one block left in [0, 6h) is no group, nor is [8h, 10h) alone.
        Assert.Null(CompactionPlanner.Plan(Blocks((0, 2), (4, 8), (8, 10), (12, 14)), [6 * H]));
    }

    [Fact]
    public void LevelsAreTriedSmallestFirst()
    {
        // Nothing to do at 6 h (each block fills its window); at 18 h the three 6 h blocks are grouped.
        var b = Blocks((0, 6), (6, 12), (12, 18), (18, 20));
        AssertRun(0..3, CompactionPlanner.Plan(b, DefaultLevels));
        Assert.Null(CompactionPlanner.Plan(b, [6 * H]));
    }

    [Fact]
    public void WindowsAlignBefore1970Too()
    {
        Assert.Equal(9, CompactionPlanner.Mod(-1, 10));
        Assert.Equal(0, CompactionPlanner.Mod(-10, 10));
        AssertRun(0..3, CompactionPlanner.Plan(Blocks((-6, -4), (-4, -2), (-2, 0), (0, 2)), DefaultLevels));
    }

    [Fact]
    public void TheHeadIsCutOnceItSpansMoreThanOneAndAHalfBlockRanges()
    {
        Assert.Null(CompactionPlanner.NextHeadBlock(long.MaxValue, long.MinValue, 2 * H)); // empty head
        Assert.Null(CompactionPlanner.NextHeadBlock(H, 4 * H, 2 * H)); // exactly 1.5 ranges
        Assert.Equal<long?>(0, CompactionPlanner.NextHeadBlock(H, 4 * H + 1, 2 * H));
        Assert.Equal<long?>(4 * H, CompactionPlanner.NextHeadBlock(5 * H, 9 * H, 2 * H));
        Assert.Equal<long?>(-2 * H, CompactionPlanner.NextHeadBlock(-H, 3 * H, 2 * H));
    }
}

public class RetentionTests
{
    private const long H = 3_600_000;

    private static BlockMeta[] Blocks(params (long MinH, long MaxH)[] ranges) => CompactionPlannerTests.Blocks(ranges);

    private static readonly BlockMeta[] Day = Blocks((0, 2), (2, 4), (4, 6), (6, 8), (8, 10), (10, 12));

    [Fact]
    public void BlocksEndingARetentionTimeBeforeTheNewestDataAreDeleted()
    {
        // Newest data at 13 h (the head); 5 h of retention: blocks ending at 8 h or before go.
        Assert.Equal([0, 1, 2, 3], Retention.ByTime(Day, 13 * H, long.MaxValue, 5 * H));
        // An empty head: the newest block's end counts.
        Assert.Equal([0, 1, 2, 3], Retention.ByTime(Day, long.MinValue, long.MaxValue, 4 * H));
        Assert.Empty(Retention.ByTime(Day, 13 * H, long.MaxValue, 100 * H));
    }

    [Fact]
    public void NoTimeRetentionWhenNotPositiveOrNoBlocks()
    {
        Assert.Empty(Retention.ByTime(Day, 13 * H, long.MaxValue, 0));
        Assert.Empty(Retention.ByTime(Blocks(), 13 * H, long.MaxValue, 5 * H));
    }

    [Fact]
    public void OneSeriesDatedFarAheadDoesNotDecideRetention()
    {
        // A head sample a year ahead: without the clock's allowance every block would go; with it (the clock at
        // 12 h, 1 h allowed ahead), retention counts from 13 h as if the sample were not there.
        Assert.Equal(Enumerable.Range(0, 6), Retention.ByTime(Day, 12 * H + 8760 * H, long.MaxValue, 5 * H));
        Assert.Equal([0, 1, 2, 3], Retention.ByTime(Day, 12 * H + 8760 * H, 13 * H, 5 * H));
        // The same for a block dated far ahead.
        var withFuture = Blocks((0, 2), (2, 4), (4, 6), (6, 8), (8, 10), (10, 12), (8760, 8762));
        Assert.Equal([0, 1, 2, 3], Retention.ByTime(withFuture, 12 * H, 13 * H, 5 * H));
    }

    [Fact]
    public void TheOldestBlocksGoWhileBlocksAndWalExceedTheSize()
    {
        long[] sizes = [10, 20, 30];
        Assert.Equal(2, Retention.BySize(sizes, 5, 40)); // 65 → 55 → 35
        Assert.Equal(0, Retention.BySize(sizes, 5, 65));
        Assert.Equal(1, Retention.BySize(sizes, 5, 64));
        // The WAL alone is too large: every block goes (the WAL is never deleted).
        Assert.Equal(3, Retention.BySize(sizes, 100, 40));
        Assert.Equal(0, Retention.BySize(sizes, 100, 0)); // no size retention
        Assert.Equal(0, Retention.BySize([], 100, 40));
    }
}
