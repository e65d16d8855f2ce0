namespace Ariane.Tests.Support;

/// <summary>
/// A clock that moves forward by a fixed step at every reading of its timestamp: a deadline measured on it passes
/// after a known number of readings, deep inside whatever loop reads it, without the test sleeping.
/// </summary>
internal sealed class TickingClock(TimeSpan step) : TimeProvider
{
    private long _ticks;

    /// <summary>How many times the timestamp has been read.</summary>
    public long Readings => Interlocked.Read(ref _ticks) / step.Ticks;

    /// <inheritdoc/>
    public override long TimestampFrequency => TimeSpan.TicksPerSecond;

    /// <inheritdoc/>
    public override long GetTimestamp() => Interlocked.Add(ref _ticks, step.Ticks);
}
