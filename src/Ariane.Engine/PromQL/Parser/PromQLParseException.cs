using System.Text;

namespace Ariane.PromQL.Parser;

/// <summary>A PromQL syntax or type error, with Prometheus's wording: <c>1:15: parse error: unexpected ...</c>.</summary>
public sealed class PromQLParseException : Exception
{
    /// <summary>Creates the error at a 1-based line and column (columns count UTF-8 bytes, as Prometheus's do).</summary>
    public PromQLParseException(int line, int column, string detail)
        : base($"{line}:{column}: parse error: {detail}")
    {
        Line = line;
        Column = column;
        Detail = detail;
        Offset = -1;
    }

    private PromQLParseException(string message, int line, int column, int offset, string detail)
        : base(message)
    {
        Line = line;
        Column = column;
        Offset = offset;
        Detail = detail;
    }

    /// <summary>1-based line (0 when the query was empty).</summary>
    public int Line { get; }

    /// <summary>1-based column in UTF-8 bytes (0 when the query was empty).</summary>
    public int Column { get; }

    /// <summary>The character offset of the error in the query, or -1 when unknown.</summary>
    public int Offset { get; }

    /// <summary>The message without the position.</summary>
    public string Detail { get; }

    /// <summary>Creates the error at character <paramref name="offset"/> of <paramref name="query"/>, positioned as Prometheus does.</summary>
    public static PromQLParseException At(string query, int offset, string detail)
    {
        if (query.Length == 0)
        {
            return new PromQLParseException("unknown position: parse error: " + detail, 0, 0, 0, detail);
        }
        offset = Math.Clamp(offset, 0, query.Length);
        int line = 1;
        int lineStart = 0;
        for (int i = 0; i < offset; i++)
        {
            if (query[i] == '\n')
            {
                line++;
                lineStart = i + 1;
            }
        }
        int col = Encoding.UTF8.GetByteCount(query.AsSpan(lineStart, offset - lineStart)) + 1;
        return new PromQLParseException($"{line}:{col}: parse error: {detail}", line, col, offset, detail);
    }
}
