namespace Ariane.Config;

/// <summary>A configuration error with the position of the offending YAML node: <c>file:line:column: reason</c>.</summary>
public sealed class ConfigException : Exception
{
    /// <summary>Creates an error at a position (line and column are 1-based; 0 when unknown).</summary>
    public ConfigException(string file, int line, int column, string reason, Exception? inner = null)
        : base(Format(file, line, column, reason), inner)
    {
        File = file;
        Line = line;
        Column = column;
        Reason = reason;
    }

    /// <summary>The file name as given to the loader.</summary>
    public string File { get; }

    /// <summary>The 1-based line of the offending node.</summary>
    public int Line { get; }

    /// <summary>The 1-based column of the offending node.</summary>
    public int Column { get; }

    /// <summary>The problem without the position.</summary>
    public string Reason { get; }

    private static string Format(string file, int line, int column, string reason) =>
        line > 0 ? $"{file}:{line}:{column}: {reason}" : $"{file}: {reason}";
}
