using Ariane.Remote;
using FsCheck;
using FsCheck.Xunit;

namespace Ariane.Tests.Remote;

public class SnappyBlockTests
{
    private static byte[] Decode(byte[] block)
    {
        if (!SnappyBlock.TryGetDecodedLength(block, out long len, out _))
        {
            throw new InvalidDataException(SnappyBlock.CorruptInput);
        }
        var output = new byte[len];
        SnappyBlock.Decode(block, output);
        return output;
    }

    // The preamble rewritten to declare another length, the elements kept.
    private static byte[] Redeclare(byte[] block, ulong declared)
    {
        int i = 0;
        while ((block[i] & 0x80) != 0)
        {
            i++;
        }
        var b = new List<byte>();
        for (ulong v = declared; ; v >>= 7)
        {
            if (v < 0x80)
            {
                b.Add((byte)v);
                break;
            }
            b.Add((byte)(v | 0x80));
        }
        b.AddRange(block.AsSpan(i + 1).ToArray());
        return [.. b];
    }

    private static byte[] Sample(int size, int period)
    {
        var data = new byte[size];
        for (int i = 0; i < size; i++)
        {
            data[i] = (byte)("abcdefghijklmnopqrstuvwxyz"[i % period] + i / 5000);
        }
        return data;
    }

    [Property(MaxTest = 300)]
    public bool DecodesWhatSnappierEncodes(byte[] data, PositiveInt period, bool repetitive)
    {
        data ??= [];
        if (repetitive)
        {
            // Long runs make copies, overlapping ones among them.
            int p = period.Get % 40 + 1;
            data = [.. Enumerable.Range(0, data.Length * 20).Select(i => data.Length == 0 ? (byte)0 : data[i % Math.Min(p, data.Length)])];
        }
        return Decode(Snappier.Snappy.CompressToArray(data)).AsSpan().SequenceEqual(data);
    }

    [Fact]
    public void DecodesLargeBlocks()
    {
        foreach (int size in new[] { 0, 1, 59, 60, 61, 255, 256, 65_535, 65_536, 70_000, 3 << 20 })
        {
            var data = Sample(size, size % 23 + 1);
            Assert.Equal(data, Decode(Snappier.Snappy.CompressToArray(data)));
        }
    }

    public static TheoryData<string, byte[]> Corrupt()
    {
        var block = Snappier.Snappy.CompressToArray(Sample(1000, 7));
        var random = new byte[1000];
        new Random(5).NextBytes(random);
        var literal = Snappier.Snappy.CompressToArray(random);
        return new()
        {
            { "empty body", [] },
            { "declared 2^31", [0x80, 0x80, 0x80, 0x80, 0x08, 0x00] },
            { "declared 2^32 - 1 with one byte", [0xFF, 0xFF, 0xFF, 0xFF, 0x0F, 0x00] },
            { "declared 2^32", [0x80, 0x80, 0x80, 0x80, 0x10, 0x00] },
            { "preamble longer than 5 bytes", [0x80, 0x80, 0x80, 0x80, 0x80, 0x01] },
            { "preamble cut", [0x80] },
            { "declared 1 short", Redeclare(block, 999) },
            { "declared half", Redeclare(block, 500) },
            { "declared 1 long", Redeclare(block, 1001) },
            { "declared 0 with data", Redeclare(block, 0) },
            { "literal declared 1 short", Redeclare(literal, 999) },
            { "literal declared 1 long", Redeclare(literal, 1001) },
            { "declared more than the data could expand to", Redeclare(block, (ulong)block.Length * 22) },
            { "garbage", [1, 2, 3, 4, 5, 6, 7, 8] },
            { "copy before any output", [4, 0x01, 0x01] },
            { "copy with offset 0", [8, 0x00, (byte)'a', 0x01, 0x00] },
            { "truncated literal", block[..(block.Length / 2)] },
            { "literal length past the end", [10, 0xF0, 0xFF, 0xFF, 0xFF, 0x7F] },
        };
    }

    [Theory]
    [MemberData(nameof(Corrupt))]
    public void RefusesCorruptBlocksAsGoSnappyDoes(string what, byte[] block)
    {
        var e = Assert.Throws<InvalidDataException>(() => Decode(block));
        Assert.StartsWith(SnappyBlock.CorruptInput, e.Message);
        Assert.NotNull(what);
    }

    [Fact]
    public void AnImpossibleDeclaredLengthIsRefusedBeforeAnyBufferIsSized()
    {
        // A 10-byte body cannot produce more than 64/3 of its payload: a huge declared length is refused at once.
        Assert.False(SnappyBlock.TryGetDecodedLength([0x80, 0x80, 0x80, 0x40, 0, 0, 0, 0, 0, 0], out _, out _));
        Assert.True(SnappyBlock.TryGetDecodedLength([0x00], out long zero, out int pre));
        Assert.Equal((0L, 1), (zero, pre));
    }

    [Fact]
    public void MutatedBlocksNeverThrowAnythingElse()
    {
        var rng = new Random(7);
        var valid = Snappier.Snappy.CompressToArray(Sample(3000, 11));
        for (int i = 0; i < 20_000; i++)
        {
            var b = (byte[])valid.Clone();
            if (i % 3 == 0)
            {
                b = b[..rng.Next(b.Length)];
            }
            for (int k = 0; k < 3 && b.Length > 0; k++)
            {
                b[rng.Next(b.Length)] = (byte)rng.Next(256);
            }
            try
            {
                Decode(b);
            }
            catch (InvalidDataException)
            {
            }
        }
    }
}
