using System.Buffers.Binary;
using Ariane.Tsdb.Blocks;

namespace Ariane.Tsdb;

/// <summary>
/// The data folder holds another program's data (Prometheus's): opening it would treat those files as damaged
/// Ariane files (move the blocks to <c>quarantine/</c>, cut the WAL), so nothing was opened and nothing changed.
/// </summary>
public sealed class ForeignDataDirectoryException(string message) : IOException(message);

/// <summary>
/// Recognises a data folder that Ariane did not write, before anything in it is opened for writing. Ariane's own files
/// carry their own magic numbers (WAL segments start with <c>AWAL</c>, block indexes with <c>AIDX</c>, chunk files with
/// <c>ACHK</c>), so the check looks for positive signs of Prometheus's instead: its head chunk folder, its query log,
/// blocks whose index or chunk files have Prometheus's magic numbers, WAL segments that start with a valid Prometheus
/// record. An empty folder, a new one or any Ariane folder (old ones included: no marker file is needed) shows none;
/// a damaged Ariane file does not turn into a Prometheus one, so corruption keeps its own handling.
/// </summary>
public static class ForeignDataDir
{
    // Prometheus's magic numbers, big-endian on disk (tsdb/index and tsdb/chunks).
    private const uint PrometheusIndexMagic = 0xBAAAD700;
    private const uint PrometheusChunksMagic = 0x85BD40DD;

    /// <summary>What in <paramref name="dir"/> shows it was written by Prometheus, or an empty list.</summary>
    public static List<string> PrometheusSigns(string dir)
    {
        var signs = new List<string>();
        if (!Directory.Exists(dir))
        {
            return signs;
        }
        if (Directory.Exists(Path.Combine(dir, "chunks_head")))
        {
            signs.Add("chunks_head/ (Prometheus's head chunks)");
        }
        if (File.Exists(Path.Combine(dir, "queries.active")))
        {
            signs.Add("queries.active (Prometheus's query log)");
        }
        foreach (var sub in Directory.EnumerateDirectories(dir))
        {
            string name = Path.GetFileName(sub);
            if (!Ulid.IsValid(name))
            {
                continue;
            }
            if (StartsWith(Path.Combine(sub, "index"), PrometheusIndexMagic) || StartsWith(Path.Combine(sub, "chunks", "000001"), PrometheusChunksMagic))
            {
                signs.Add($"block {name} (Prometheus's block format)");
            }
        }
        string wal = Path.Combine(dir, "wal");
        if (Directory.Exists(wal))
        {
            var segments = new List<string>(Directory.EnumerateFiles(wal));
            foreach (var cp in Directory.EnumerateDirectories(wal, "checkpoint.*"))
            {
                segments.AddRange(Directory.EnumerateFiles(cp));
            }
            foreach (var seg in segments)
            {
                if (IsPrometheusSegment(seg))
                {
                    signs.Add($"{Path.GetRelativePath(dir, seg)} (a Prometheus WAL segment)");
                    break; // one is proof enough; a WAL has many
                }
            }
        }
        return signs;
    }

    /// <summary>
    /// What shows that <paramref name="dir"/> is a folder Ariane did not write: Prometheus's signs, unless Ariane's own WAL
    /// or blocks are there too (then it is Ariane's folder with a foreign block moved in, which is quarantined as any
    /// block that does not open). Empty for Ariane's folders and new ones.
    /// </summary>
    public static List<string> ForeignSigns(string dir)
    {
        var signs = PrometheusSigns(dir);
        return signs.Count > 0 && HasArianeFiles(dir) ? [] : signs;
    }

    /// <summary>True when the folder holds a WAL segment or a block index that Ariane wrote (by their magic numbers).</summary>
    public static bool HasArianeFiles(string dir)
    {
        Span<byte> b = stackalloc byte[4];
        string wal = Path.Combine(dir, "wal");
        if (Directory.Exists(wal))
        {
            foreach (var seg in Directory.EnumerateFiles(wal))
            {
                if (Read(seg, b) == 4 && b.SequenceEqual("AWAL"u8))
                {
                    return true;
                }
            }
        }
        foreach (var sub in Directory.EnumerateDirectories(dir))
        {
            if (Ulid.IsValid(Path.GetFileName(sub)) && Read(Path.Combine(sub, "index"), b) == 4 && BinaryPrimitives.ReadUInt32LittleEndian(b) == IndexWriter.Magic)
            {
                return true;
            }
        }
        return false;
    }

    /// <summary>
    /// Throws <see cref="ForeignDataDirectoryException"/> when <paramref name="dir"/> was written by Prometheus (see
    /// <see cref="ForeignSigns"/>), with a message that says how to copy its data into Ariane instead. Reads only.
    /// </summary>
    public static void ThrowIfForeign(string dir)
    {
        var signs = ForeignSigns(dir);
        if (signs.Count == 0)
        {
            return;
        }
        throw new ForeignDataDirectoryException(
            $"{dir} is a Prometheus data folder, not Ariane's (found {string.Join(", ", signs)}); Ariane has not changed anything in it. " +
            "Ariane keeps its data in its own format: give it a folder of its own (--storage.tsdb.path), and copy Prometheus's history into it " +
            "with Prometheus running on this folder: ./ariane migrate prometheus --url http://<prometheus>:9090 --from <start> --storage.tsdb.path <ariane folder> " +
            "(see docs/migrating-from-prometheus.md)");
    }

    private static bool StartsWith(string file, uint magicBigEndian)
    {
        Span<byte> b = stackalloc byte[4];
        return Read(file, b) == 4 && BinaryPrimitives.ReadUInt32BigEndian(b) == magicBigEndian;
    }

    // A Prometheus segment starts with a record header (type, big-endian u16 length, big-endian CRC-32C of the data)
    // of a full or first fragment, optionally compressed; Ariane's segments start with "AWAL".
    private static bool IsPrometheusSegment(string file)
    {
        const int header = 7, pageSize = 32 * 1024;
        Span<byte> buf = stackalloc byte[pageSize];
        int n = Read(file, buf);
        if (n < header || buf[..4].SequenceEqual("AWAL"u8))
        {
            return false;
        }
        byte type = buf[0];
        int kind = type & 0x07;
        int length = BinaryPrimitives.ReadUInt16BigEndian(buf[1..]);
        uint crc = BinaryPrimitives.ReadUInt32BigEndian(buf[3..]);
        if ((type & ~0x1F) != 0 || kind is not (1 or 2) || length == 0 || header + length > n)
        {
            return false;
        }
        return Crc32C.Append(0, buf.Slice(header, length)) == crc;
    }

    private static int Read(string file, Span<byte> into)
    {
        try
        {
            using var h = File.OpenHandle(file, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete);
            int total = 0;
            while (total < into.Length)
            {
                int n = RandomAccess.Read(h, into[total..], total);
                if (n == 0)
                {
                    break;
                }
                total += n;
            }
            return total;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return 0;
        }
    }
}
