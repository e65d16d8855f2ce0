namespace Ariane.Tsdb.Blocks;

/// <summary>A block file that fails its checksum or does not decode.</summary>
public sealed class CorruptBlockException : Exception
{
    public CorruptBlockException(string message) : base(message)
    {
    }

    public CorruptBlockException(string message, Exception inner) : base(message, inner)
    {
    }

    public CorruptBlockException()
    {
    }
}
