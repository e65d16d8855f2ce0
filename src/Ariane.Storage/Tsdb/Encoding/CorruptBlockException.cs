namespace Ariane.Tsdb.Blocks;

/// <summary>A block file that fails its checksum or does not decode.</summary>
public sealed class CorruptBlockException : Exception
{
    /// <summary>Creates the exception with a message.</summary>
    public CorruptBlockException(string message) : base(message)
    {
    }

    /// <summary>Creates the exception with a message and its cause.</summary>
    public CorruptBlockException(string message, Exception inner) : base(message, inner)
    {
    }

    /// <summary>Creates the exception.</summary>
    public CorruptBlockException()
    {
    }
}
