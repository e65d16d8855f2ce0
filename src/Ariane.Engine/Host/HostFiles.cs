using System.Globalization;
using System.Text;
using Microsoft.Win32.SafeHandles;

namespace Ariane.Host;

/// <summary>
/// Reads the small pseudo-files of /proc and /sys into one reused buffer, so that a scrape allocates little.
/// </summary>
/// <remarks>
/// <see cref="Read"/> hands out a span over the shared buffer that is valid until the next call to
/// <see cref="Read"/>; the helpers for tiny files use a caller's stack buffer instead, so they may be called
/// while such a span is alive. One instance is used by one scrape at a time.
/// </remarks>
internal sealed class HostFiles
{
    private byte[] _buffer = new byte[16 * 1024];

    public HostFiles(string procRoot, string sysRoot, string rootFs)
    {
        ProcRoot = procRoot;
        SysRoot = sysRoot;
        RootFs = rootFs;
    }

    public string ProcRoot { get; }

    public string SysRoot { get; }

    public string RootFs { get; }

    public string Proc(string relative) => Path.Join(ProcRoot, relative);

    public string Sys(string relative) => Path.Join(SysRoot, relative);

    public string Root(string relative) => Path.Join(RootFs, relative);

    /// <summary>Reads a whole file; throws the usual IO exceptions when it is missing or unreadable.</summary>
    public ReadOnlySpan<byte> Read(string path)
    {
        using SafeFileHandle handle = File.OpenHandle(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite);
        int total = 0;
        while (true)
        {
            if (total == _buffer.Length)
            {
                Array.Resize(ref _buffer, _buffer.Length * 2);
            }
            int n = RandomAccess.Read(handle, _buffer.AsSpan(total), total);
            if (n == 0)
            {
                return _buffer.AsSpan(0, total);
            }
            total += n;
        }
    }

    /// <summary>Reads a tiny file (a sysfs attribute) into <paramref name="destination"/>, trimmed of white space.</summary>
    public static bool TryReadSmall(string path, Span<byte> destination, out int length)
    {
        length = 0;
        try
        {
            using SafeFileHandle handle = File.OpenHandle(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite);
            int total = 0;
            while (total < destination.Length)
            {
                int n = RandomAccess.Read(handle, destination[total..], total);
                if (n == 0)
                {
                    break;
                }
                total += n;
            }
            ReadOnlySpan<byte> trimmed = destination[..total].TrimEnd(" \t\n\0"u8);
            length = trimmed.Length;
            return true;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return false;
        }
    }

    /// <summary>Reads a tiny file holding one number, decimal or (as sysfs writes flags) 0x-prefixed hexadecimal.</summary>
    public static bool TryReadDouble(string path, out double value)
    {
        Span<byte> buffer = stackalloc byte[64];
        value = 0;
        if (!TryReadSmall(path, buffer, out int n))
        {
            return false;
        }
        ReadOnlySpan<byte> text = buffer[..n].Trim(" \t"u8);
        if (text.StartsWith("0x"u8))
        {
            bool ok = long.TryParse(text[2..], NumberStyles.AllowHexSpecifier, CultureInfo.InvariantCulture, out long hex);
            value = hex;
            return ok;
        }
        return Spans.TryParseDouble(text, out value);
    }

    /// <summary>Reads a tiny file holding one line of text; null when it cannot be read.</summary>
    public static string? TryReadString(string path)
    {
        Span<byte> buffer = stackalloc byte[512];
        return TryReadSmall(path, buffer, out int n) ? Encoding.UTF8.GetString(buffer[..n]) : null;
    }
}

/// <summary>Span helpers for the line- and white-space-separated text of /proc files.</summary>
internal static class Spans
{
    /// <summary>Takes the next line (without its line feed) off the front of <paramref name="text"/>.</summary>
    public static bool NextLine(scoped ref ReadOnlySpan<byte> text, out ReadOnlySpan<byte> line)
    {
        if (text.IsEmpty)
        {
            line = default;
            return false;
        }
        int nl = text.IndexOf((byte)'\n');
        if (nl < 0)
        {
            line = text;
            text = default;
        }
        else
        {
            line = text[..nl];
            text = text[(nl + 1)..];
        }
        return true;
    }

    /// <summary>Takes the next space- or tab-separated field off the front of <paramref name="line"/>.</summary>
    public static bool NextField(scoped ref ReadOnlySpan<byte> line, out ReadOnlySpan<byte> field)
    {
        line = line.TrimStart(" \t"u8);
        if (line.IsEmpty)
        {
            field = default;
            return false;
        }
        int end = line.IndexOfAny((byte)' ', (byte)'\t');
        if (end < 0)
        {
            field = line;
            line = default;
        }
        else
        {
            field = line[..end];
            line = line[end..];
        }
        return true;
    }

    /// <summary>The white-space-separated field at <paramref name="index"/> (0-based) of a line.</summary>
    public static bool Field(ReadOnlySpan<byte> line, int index, out ReadOnlySpan<byte> field)
    {
        for (int i = 0; i < index; i++)
        {
            if (!NextField(ref line, out _))
            {
                field = default;
                return false;
            }
        }
        return NextField(ref line, out field);
    }

    public static bool TryParseDouble(ReadOnlySpan<byte> text, out double value) =>
        double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out value);

    /// <summary>Parses a number; a malformed file fails its collector, as in node_exporter.</summary>
    public static double ParseDouble(ReadOnlySpan<byte> text) =>
        TryParseDouble(text, out double value) ? value : throw new FormatException("not a number: " + Encoding.UTF8.GetString(text));

    /// <summary>Parses the next field as a number.</summary>
    public static double NextDouble(ref ReadOnlySpan<byte> line) =>
        NextField(ref line, out ReadOnlySpan<byte> field) ? ParseDouble(field) : throw new FormatException("missing field");

    public static string ToUtf8String(ReadOnlySpan<byte> text) => Encoding.UTF8.GetString(text);
}
