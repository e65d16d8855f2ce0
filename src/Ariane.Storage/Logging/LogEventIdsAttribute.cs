namespace Ariane.Logging;

/// <summary>
/// The event ids a subsystem's <c>[LoggerMessage]</c> class may use, so that an id names one line of one subsystem
/// (docs/ARCHITECTURE.md, "Logging", lists the ranges). A test checks every <c>[LoggerMessage]</c> method against
/// the range of its class and every id for uniqueness. It lives in the lowest project so that every project's log
/// class can carry it.
/// </summary>
[AttributeUsage(AttributeTargets.Class, Inherited = false)]
public sealed class LogEventIdsAttribute(int first, int last) : Attribute
{
    /// <summary>The first id of the range.</summary>
    public int First { get; } = first;

    /// <summary>The last id of the range (inclusive).</summary>
    public int Last { get; } = last;
}
