using System.Globalization;
using System.Text;

namespace Ariane.Config;

/// <summary>Prometheus's duration syntax (<c>model.Duration</c>): <c>1y2w3d4h5m6s7ms</c>, units in that order, or <c>0</c>.</summary>
public static class PromDuration
{
    private static readonly (string Unit, long Ms)[] Units =
    [
        ("y", 365L * 24 * 3600 * 1000),
        ("w", 7L * 24 * 3600 * 1000),
        ("d", 24L * 3600 * 1000),
        ("h", 3600L * 1000),
        ("m", 60L * 1000),
        ("s", 1000),
        ("ms", 1),
    ];

    /// <summary>Parses a duration; false for anything Prometheus rejects ("not a valid duration string").</summary>
    public static bool TryParse(string s, out TimeSpan value)
    {
        value = TimeSpan.Zero;
        if (s == "0")
        {
            return true;
        }
        if (s.Length == 0)
        {
            return false;
        }
        long total = 0;
        int i = 0;
        int nextUnit = 0;
        while (i < s.Length)
        {
            int start = i;
            while (i < s.Length && s[i] is >= '0' and <= '9')
            {
                i++;
            }
            if (i == start)
            {
                return false;
            }
            if (!long.TryParse(s.AsSpan(start, i - start), NumberStyles.None, CultureInfo.InvariantCulture, out long n))
            {
                return false;
            }
            int u = -1;
            for (int k = nextUnit; k < Units.Length; k++)
            {
                string unit = Units[k].Unit;
                if (string.CompareOrdinal(s, i, unit, 0, unit.Length) == 0 &&
                    // "m" must not swallow the "m" of "ms".
                    !(unit == "m" && i + 1 < s.Length && s[i + 1] == 's'))
                {
                    u = k;
                    break;
                }
            }
            if (u < 0)
            {
                return false;
            }
            i += Units[u].Unit.Length;
            nextUnit = u + 1;
            try
            {
                total = checked(total + checked(n * Units[u].Ms));
            }
            catch (OverflowException)
            {
                return false;
            }
        }
        if (total > (long)TimeSpan.MaxValue.TotalMilliseconds)
        {
            return false;
        }
        value = TimeSpan.FromMilliseconds(total);
        return true;
    }

    /// <summary>Parses a duration or throws <see cref="FormatException"/> with Prometheus's message.</summary>
    public static TimeSpan Parse(string s) =>
        TryParse(s, out var v) ? v : throw new FormatException($"not a valid duration string: \"{s}\"");

    /// <summary>
    /// Formats as Prometheus does (<c>model.Duration.String</c>): <c>0s</c>, <c>15s</c>, <c>1h30m</c>, <c>8d</c>,
    /// <c>90d</c>, <c>2w</c>. The one duration printer of the config, PromQL and the API.
    /// </summary>
    public static string Format(TimeSpan d)
    {
        var sb = new StringBuilder();
        Append(sb, d);
        return sb.ToString();
    }

    /// <summary>
    /// Appends <paramref name="d"/> as <see cref="Format"/> does: whole milliseconds (cut toward zero), the units
    /// largest first with zero units left out, years and weeks only when they divide the rest exactly (Prometheus
    /// prints 8 days as <c>8d</c>, not <c>1w1d</c>, and 90 days as <c>90d</c>), and <c>0s</c> for zero.
    /// </summary>
    /// <remarks>
    /// Go's <c>model.Duration</c> prints nothing for a negative duration; a sign and the magnitude is printed here,
    /// which is what PromQL's printer needs for <c>offset -5m</c>.
    /// </remarks>
    public static void Append(StringBuilder sb, TimeSpan d)
    {
        long ms = d.Ticks / TimeSpan.TicksPerMillisecond;
        if (ms == 0)
        {
            sb.Append("0s");
            return;
        }
        ulong rest;
        if (ms < 0)
        {
            sb.Append('-');
            rest = (ulong)-(ms + 1) + 1;
        }
        else
        {
            rest = (ulong)ms;
        }
        for (int k = 0; k < Units.Length; k++)
        {
            var (unit, mult) = Units[k];
            ulong m = (ulong)mult;
            // Years and weeks only when exact: 90d reads more easily than 12w6d.
            if (k < 2 && rest % m != 0)
            {
                continue;
            }
            ulong v = rest / m;
            if (v > 0)
            {
                sb.Append(v.ToString(CultureInfo.InvariantCulture)).Append(unit);
                rest -= v * m;
            }
        }
    }
}

/// <summary>Byte sizes as Prometheus's <c>units.Base2Bytes</c>: <c>10MB</c>, <c>1GiB</c>, <c>1.5KB</c>; KB and KiB are both 1024.</summary>
public static class ByteSize
{
    private static readonly (string Unit, long Bytes)[] Units =
    [
        ("KiB", 1L << 10), ("MiB", 1L << 20), ("GiB", 1L << 30), ("TiB", 1L << 40), ("PiB", 1L << 50), ("EiB", 1L << 60),
        ("KB", 1L << 10), ("MB", 1L << 20), ("GB", 1L << 30), ("TB", 1L << 40), ("PB", 1L << 50), ("EB", 1L << 60),
        ("B", 1),
    ];

    /// <summary>Parses a size; <c>0</c> alone is allowed, otherwise every number needs a unit, and parts add up (<c>1GB512MB</c>).</summary>
    public static bool TryParse(string s, out long bytes)
    {
        bytes = 0;
        if (s == "0")
        {
            return true;
        }
        if (s.Length == 0)
        {
            return false;
        }
        double total = 0;
        int i = 0;
        while (i < s.Length)
        {
            int start = i;
            while (i < s.Length && (s[i] is >= '0' and <= '9' || s[i] == '.'))
            {
                i++;
            }
            if (i == start || !double.TryParse(s.AsSpan(start, i - start), NumberStyles.AllowDecimalPoint, CultureInfo.InvariantCulture, out double n))
            {
                return false;
            }
            int ustart = i;
            while (i < s.Length && !(s[i] is >= '0' and <= '9' || s[i] == '.'))
            {
                i++;
            }
            var unit = s.AsSpan(ustart, i - ustart);
            long mult = 0;
            foreach (var (name, b) in Units)
            {
                if (unit.SequenceEqual(name))
                {
                    mult = b;
                    break;
                }
            }
            if (mult == 0)
            {
                return false;
            }
            total += n * mult;
        }
        if (total >= long.MaxValue)
        {
            return false;
        }
        bytes = (long)total;
        return true;
    }

    /// <summary>Formats as Prometheus does for the status page: the largest exact unit (<c>10MiB</c>, <c>0B</c>).</summary>
    public static string Format(long bytes)
    {
        if (bytes == 0)
        {
            return "0B";
        }
        for (int k = 5; k >= 0; k--)
        {
            var (unit, b) = Units[k];
            if (bytes % b == 0)
            {
                return (bytes / b).ToString(CultureInfo.InvariantCulture) + unit;
            }
        }
        return bytes.ToString(CultureInfo.InvariantCulture) + "B";
    }
}
