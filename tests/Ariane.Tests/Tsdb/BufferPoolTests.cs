using Ariane.Storage;

namespace Ariane.Tests.Tsdb;

/// <summary>The pool of large buffers: power-of-two arrays, reuse, a bound per size, and idle arrays let go.</summary>
public sealed class BufferPoolTests
{
    // A type of its own, so that other tests renting from the shared byte pool do not interfere.
    private readonly record struct Item(long A, long B);

    [Fact]
    public void RentsPowersOfTwoAndReusesWhatComesBack()
    {
        var pool = BufferPool<Item>.Shared;
        BufferPools.TrimIdle(TimeSpan.Zero);
        var a = pool.Rent(1000);
        Assert.Equal(1024, a.Length);
        Assert.Equal(256, pool.Rent(1).Length);
        pool.Return(a);
        Assert.Same(a, pool.Rent(600));
        pool.Return(new Item[1000]); // not from the pool: not kept
        Assert.Equal(0, pool.HeldBytes);
    }

    [Fact]
    public void KeepsAFewPerSizeAndDropsIdleOnes()
    {
        var pool = BufferPool<Item>.Shared;
        BufferPools.TrimIdle(TimeSpan.Zero);
        var rented = Enumerable.Range(0, 10).Select(_ => pool.Rent(4096)).ToList();
        Assert.Equal(10, rented.Distinct().Count());
        rented.ForEach(pool.Return);
        Assert.Equal(4 * 4096 * 16, pool.HeldBytes);
        Assert.Equal(0, BufferPools.TrimIdle(TimeSpan.FromHours(1)));
        Assert.True(BufferPools.TrimIdle(TimeSpan.Zero) >= 4 * 4096 * 16);
        Assert.Equal(0, pool.HeldBytes);
    }
}
