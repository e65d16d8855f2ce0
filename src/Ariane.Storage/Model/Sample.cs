namespace Ariane.Model;

/// <summary>Well-known sample values and timestamp helpers.</summary>
public static class SampleValue
{
    /// <summary>The bit pattern Prometheus writes as a staleness marker.</summary>
    public const ulong StaleNaNBits = 0x7ff0000000000002;

    /// <summary>The staleness marker: a NaN that queries treat as "series ended".</summary>
    public static readonly double StaleNaN = BitConverter.UInt64BitsToDouble(StaleNaNBits);

    /// <summary>True when <paramref name="v"/> is the staleness marker (not any NaN).</summary>
    public static bool IsStaleNaN(double v) => BitConverter.DoubleToUInt64Bits(v) == StaleNaNBits;
}
