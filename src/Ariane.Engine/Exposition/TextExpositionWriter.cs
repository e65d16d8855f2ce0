using System.Buffers;
using System.Globalization;
using System.Text;

namespace Ariane.Exposition;

/// <summary>
/// Writes the Prometheus text exposition format 0.0.4 (<c># HELP</c>, <c># TYPE</c> and sample lines) as UTF-8
/// into a buffer writer, escaping HELP text and label values and formatting floats as Prometheus does.
/// </summary>
/// <remarks>
/// The writer does not check that names are valid or that a family's samples are contiguous: callers own the
/// shape of the output. It is a struct-free, allocation-light class; one instance is not thread-safe.
/// </remarks>
public sealed class TextExpositionWriter
{
    /// <summary>The content type of the format this writer produces.</summary>
    public const string ContentType = "text/plain; version=0.0.4; charset=utf-8";

    private readonly IBufferWriter<byte> _output;

    /// <summary>Creates a writer appending to <paramref name="output"/>.</summary>
    public TextExpositionWriter(IBufferWriter<byte> output)
    {
        ArgumentNullException.ThrowIfNull(output);
        _output = output;
    }

    /// <summary>Writes <c># HELP name text</c>, escaping backslashes and line feeds in the text.</summary>
    public void Help(string name, string text)
    {
        WriteRaw("# HELP "u8);
        WriteAscii(name);
        WriteByte((byte)' ');
        WriteEscaped(text, escapeQuotes: false);
        WriteByte((byte)'\n');
    }

    /// <summary>Writes <c># TYPE name type</c>; type is counter, gauge, histogram, summary or untyped.</summary>
    public void Type(string name, string type)
    {
        WriteRaw("# TYPE "u8);
        WriteAscii(name);
        WriteByte((byte)' ');
        WriteAscii(type);
        WriteByte((byte)'\n');
    }

    /// <summary>Writes the HELP and TYPE lines of a family.</summary>
    public void Family(string name, string type, string help)
    {
        Help(name, help);
        Type(name, type);
    }

    /// <summary>Writes a family that has one sample without labels: its HELP and TYPE lines, then the sample.</summary>
    public void Single(string name, string type, string help, double value)
    {
        Family(name, type, help);
        Sample(name, value);
    }

    /// <summary>Writes a sample without labels.</summary>
    public void Sample(string name, double value) => Sample(name, ReadOnlySpan<string>.Empty, ReadOnlySpan<string>.Empty, value);

    /// <summary>Writes a sample with one label.</summary>
    public void Sample(string name, string labelName, string labelValue, double value) =>
        Sample(name, new ReadOnlySpan<string>(in labelName), new ReadOnlySpan<string>(in labelValue), value);

    /// <summary>Writes a sample whose labels are given as (name, value) pairs, in the order given.</summary>
    public void Sample(string name, ReadOnlySpan<(string Name, string Value)> labels, double value)
    {
        WriteAscii(name);
        if (labels.Length > 0)
        {
            WriteByte((byte)'{');
            for (int i = 0; i < labels.Length; i++)
            {
                WriteLabel(i, labels[i].Name, labels[i].Value);
            }
            WriteByte((byte)'}');
        }
        WriteValueAndEnd(value, null);
    }

    /// <summary>Writes a sample whose label names and values are parallel spans of the same length.</summary>
    public void Sample(string name, ReadOnlySpan<string> labelNames, ReadOnlySpan<string> labelValues, double value, long? timestampMs = null)
    {
        if (labelNames.Length != labelValues.Length)
        {
            throw new ArgumentException("label names and values differ in length", nameof(labelValues));
        }
        WriteAscii(name);
        if (labelNames.Length > 0)
        {
            WriteByte((byte)'{');
            for (int i = 0; i < labelNames.Length; i++)
            {
                WriteLabel(i, labelNames[i], labelValues[i]);
            }
            WriteByte((byte)'}');
        }
        WriteValueAndEnd(value, timestampMs);
    }

    /// <summary>Formats a float as the exposition format spells it: NaN, +Inf, -Inf, else shortest round-trip.</summary>
    public static string FormatValue(double value)
    {
        Span<byte> buffer = stackalloc byte[32];
        int n = FormatValue(value, buffer);
        return Encoding.ASCII.GetString(buffer[..n]);
    }

    /// <summary>Formats a float into <paramref name="destination"/> (at least 32 bytes) and returns the length.</summary>
    public static int FormatValue(double value, Span<byte> destination)
    {
        if (double.IsNaN(value))
        {
            "NaN"u8.CopyTo(destination);
            return 3;
        }
        if (double.IsPositiveInfinity(value))
        {
            "+Inf"u8.CopyTo(destination);
            return 4;
        }
        if (double.IsNegativeInfinity(value))
        {
            "-Inf"u8.CopyTo(destination);
            return 4;
        }
        if (!value.TryFormat(destination, out int written, "R", CultureInfo.InvariantCulture))
        {
            throw new ArgumentException("destination too small", nameof(destination));
        }
        return written;
    }

    private void WriteLabel(int index, string name, string value)
    {
        if (index > 0)
        {
            WriteByte((byte)',');
        }
        WriteAscii(name);
        WriteRaw("=\""u8);
        WriteEscaped(value, escapeQuotes: true);
        WriteByte((byte)'"');
    }

    private void WriteValueAndEnd(double value, long? timestampMs)
    {
        Span<byte> span = _output.GetSpan(64);
        span[0] = (byte)' ';
        int n = 1 + FormatValue(value, span[1..]);
        if (timestampMs is long ts)
        {
            span[n++] = (byte)' ';
            ts.TryFormat(span[n..], out int w, default, CultureInfo.InvariantCulture);
            n += w;
        }
        span[n++] = (byte)'\n';
        _output.Advance(n);
    }

    private void WriteByte(byte b)
    {
        _output.GetSpan(1)[0] = b;
        _output.Advance(1);
    }

    private void WriteRaw(ReadOnlySpan<byte> bytes)
    {
        bytes.CopyTo(_output.GetSpan(bytes.Length));
        _output.Advance(bytes.Length);
    }

    private void WriteAscii(string text)
    {
        // Metric and label names are ASCII by the format's grammar, but encoding as UTF-8 keeps odd input intact.
        int max = Encoding.UTF8.GetMaxByteCount(text.Length);
        int n = Encoding.UTF8.GetBytes(text, _output.GetSpan(max));
        _output.Advance(n);
    }

    private void WriteEscaped(string text, bool escapeQuotes)
    {
        int start = 0;
        for (int i = 0; i < text.Length; i++)
        {
            char c = text[i];
            ReadOnlySpan<byte> escape;
            if (c == '\\')
            {
                escape = "\\\\"u8;
            }
            else if (c == '\n')
            {
                escape = "\\n"u8;
            }
            else if (c == '"' && escapeQuotes)
            {
                escape = "\\\""u8;
            }
            else
            {
                continue;
            }
            WriteChars(text.AsSpan(start, i - start));
            WriteRaw(escape);
            start = i + 1;
        }
        WriteChars(text.AsSpan(start));
    }

    private void WriteChars(ReadOnlySpan<char> chars)
    {
        if (chars.IsEmpty)
        {
            return;
        }
        int max = Encoding.UTF8.GetMaxByteCount(chars.Length);
        int n = Encoding.UTF8.GetBytes(chars, _output.GetSpan(max));
        _output.Advance(n);
    }
}
