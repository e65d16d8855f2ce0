using Ariane.Tsdb;

namespace Ariane.Tests.Tsdb;

// The one varint codec behind WAL records, the block index, tombstones, chunks and the head: Go's encoding/binary bytes.
public class VarintsTests
{
    [Theory]
    [InlineData(0UL, new byte[] { 0x00 })]
    [InlineData(1UL, new byte[] { 0x01 })]
    [InlineData(127UL, new byte[] { 0x7F })]
    [InlineData(128UL, new byte[] { 0x80, 0x01 })]
    [InlineData(300UL, new byte[] { 0xAC, 0x02 })]
    [InlineData(ulong.MaxValue, new byte[] { 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0x01 })]
    public void UnsignedAsGoWritesThem(ulong value, byte[] bytes)
    {
        var buf = new byte[Varints.MaxLength];
        int pos = 0;
        Varints.Write(buf, ref pos, value);
        Assert.Equal(bytes, buf[..pos]);
        Assert.Equal(bytes.Length, Varints.Size(value));
        int at = 0;
        Assert.Equal(VarintStatus.Ok, Varints.TryRead(bytes, ref at, out ulong got));
        Assert.Equal(value, got);
        Assert.Equal(bytes.Length, at);
    }

    [Theory]
    [InlineData(0L, 0UL)]
    [InlineData(-1L, 1UL)]
    [InlineData(1L, 2UL)]
    [InlineData(-2L, 3UL)]
    [InlineData(long.MaxValue, ulong.MaxValue - 1)]
    [InlineData(long.MinValue, ulong.MaxValue)]
    public void SignedInZigzagForm(long value, ulong zigzag)
    {
        Assert.Equal(zigzag, Varints.ZigZag(value));
        Assert.Equal(value, Varints.UnZigZag(zigzag));
        var buf = new byte[Varints.MaxLength];
        int pos = 0;
        Varints.WriteSigned(buf, ref pos, value);
        int at = 0;
        Assert.Equal(VarintStatus.Ok, Varints.TryRead(buf.AsSpan(0, pos), ref at, out ulong got));
        Assert.Equal(value, Varints.UnZigZag(got));
    }

    [Fact]
    public void TruncatedAndTooLongAreTold()
    {
        int pos = 0;
        Assert.Equal(VarintStatus.Truncated, Varints.TryRead([0x80, 0x80], ref pos, out _));
        pos = 0;
        Assert.Equal(VarintStatus.Truncated, Varints.TryRead([], ref pos, out _));
        pos = 0;
        Assert.Equal(VarintStatus.TooLong, Varints.TryRead([0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0x01], ref pos, out _));
        pos = 0;
        Assert.Throws<InvalidDataException>(() => Varints.Read(new byte[] { 0x80 }, ref pos));
    }
}
