namespace Ariane.Tsdb;

/// <summary>How a chunk's samples are encoded (the first byte of a chunk record's payload).</summary>
internal enum ChunkEncoding : byte
{
    /// <summary>Gorilla: delta-of-delta timestamps, XORed float values (<see cref="Chunks.XorAppender"/>).</summary>
    Xor = 1,

    /// <summary>
    /// Decimal values and timestamps as frame-of-reference deltas in fixed-width bit fields
    /// (<see cref="Chunks.DeltaChunk"/>), holding its first timestamp; written by format 1.
    /// </summary>
    Delta = 2,

    /// <summary>
    /// <see cref="Delta"/> without the first timestamp, nor the interval when it is regular: the decoder takes the
    /// chunk's first and last timestamps from the index's chunk meta. What block writers use since format 2.
    /// </summary>
    DeltaIndexTimes = 3,

    /// <summary>
    /// A flag on any of the others: the chunk also holds its samples' start timestamps. Its data are then
    /// <c>codes length uvarint | start-timestamp codes (see <see cref="Chunks.StartTimes"/>) | data of the base
    /// encoding</c>. Chunks without start timestamps never carry the flag.
    /// </summary>
    StartTimesFlag = 0x80,
}
