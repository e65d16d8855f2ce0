using System.Buffers.Binary;
using System.Numerics;

namespace Ariane.Tsdb;

/// <summary>CRC-32C (Castagnoli), the checksum Prometheus's WAL uses; hardware accelerated where the CPU has it.</summary>
internal static class Crc32C
{
    /// <summary>Continues a CRC over <paramref name="data"/>; start with 0.</summary>
    public static uint Append(uint crc, ReadOnlySpan<byte> data)
    {
        crc = ~crc;
        while (data.Length >= 8)
        {
            crc = BitOperations.Crc32C(crc, BinaryPrimitives.ReadUInt64LittleEndian(data));
            data = data[8..];
        }
        foreach (byte b in data)
        {
            crc = BitOperations.Crc32C(crc, b);
        }
        return ~crc;
    }
}
