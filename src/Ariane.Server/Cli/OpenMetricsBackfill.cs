using Ariane.Model;
using Ariane.TextParse;
using Ariane.Tsdb.Blocks;

namespace Ariane.Server.Cli;

/// <summary>
/// <c>tsdb create-blocks-from openmetrics FILE [OUTDIR]</c>: turns an OpenMetrics text file whose samples all carry
/// timestamps (and which ends with <c># EOF</c>) into blocks, one per aligned window of the block duration, as
/// promtool does. The file is read once, in pieces of a few MiB cut at line ends, so neither the file nor its
/// samples are held in memory: samples go to per-window spill files (<see cref="BlockBackfiller"/>), then each
/// window becomes a block. A syntax error, a sample without a timestamp or one too far ahead of the clock stops
/// everything before any block is written, with the line number.
/// </summary>
internal static class OpenMetricsBackfill
{
    private const int PieceSize = 4 << 20;
    private static readonly byte[] SyntheticEof = "# EOF"u8.ToArray();

    /// <summary>The block duration promtool picks for a <c>--max-block-duration</c>: the largest of 2h × 3^k (k &lt; 10) not above it, at least 2h.</summary>
    public static TimeSpan BlockDuration(TimeSpan max)
    {
        var d = TimeSpan.FromHours(2);
        for (int k = 1; k < 10; k++)
        {
            var next = d * 3;
            if (next > max)
            {
                break;
            }
            d = next;
        }
        return d;
    }

    public static int Run(string file, string outDir, bool human, bool quiet, TimeSpan maxBlockDuration, TextWriter o, TextWriter err, TimeProvider time)
    {
        if (!File.Exists(file))
        {
            err.WriteLine($"error: {file}: no such file");
            return 1;
        }
        if (Tsdb.ForeignDataDir.ForeignSigns(outDir) is { Count: > 0 } signs)
        {
            // Ariane's blocks in Prometheus's folder would be damaged blocks to Prometheus.
            err.WriteLine($"error: {outDir} is a Prometheus data folder (found {string.Join(", ", signs)}); Ariane's blocks do not belong there: give an Ariane data folder or a new one (promtool tsdb create-blocks-from writes Prometheus's blocks)");
            return 1;
        }
        try
        {
            Directory.CreateDirectory(outDir);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            err.WriteLine($"error: create output dir: {e.Message}");
            return 1;
        }
        using var backfiller = new BlockBackfiller(outDir, BlockDuration(maxBlockDuration), time);
        try
        {
            Read(file, backfiller);
        }
        catch (ExpositionParseException e)
        {
            err.WriteLine($"error: {file}: {e.Message}");
            return 1;
        }
        catch (IOException e)
        {
            err.WriteLine($"error: {file}: {e.Message}");
            return 1;
        }
        bool header = true;
        long conflicts = 0;
        try
        {
            backfiller.Finish(b =>
            {
                conflicts += b.ConflictingSamples;
                if (!quiet)
                {
                    // promtool prints each block through its own tabwriter, the header with the first.
                    var rows = new List<string[]>();
                    if (header)
                    {
                        rows.Add(TsdbCommand.BlockHeader);
                    }
                    rows.Add(TsdbCommand.BlockRow(b.Meta, FileSize(Path.Combine(outDir, b.Meta.Ulid)), human));
                    o.Write(TsdbCommand.BlockTable(rows));
                    header = false;
                }
            });
        }
        catch (IOException e)
        {
            err.WriteLine($"error: writing blocks to {outDir}: {e.Message}");
            return 1;
        }
        if (conflicts > 0)
        {
            err.WriteLine($"warning: {conflicts} sample(s) repeated a timestamp of their series with another value; the first one in the file was kept");
        }
        return 0;
    }

    private static long FileSize(string dir) => new DirectoryInfo(dir).EnumerateFiles("*", SearchOption.AllDirectories).Sum(f => f.Length);

    /// <summary>Parses the whole file into the backfiller; throws <see cref="ExpositionParseException"/> with the file's line number.</summary>
    internal static void Read(string file, BlockBackfiller backfiller, int pieceSize = PieceSize)
    {
        using var f = new FileStream(file, FileMode.Open, FileAccess.Read, FileShare.Read, 1, FileOptions.SequentialScan);
        long length = f.Length;
        var buf = new byte[pieceSize + SyntheticEof.Length];
        int have = 0;
        long consumed = 0; // bytes of the file parsed so far
        int lineBase = 0;
        var parser = new OpenMetricsParser(specStrict: false, scrapeLenient: true);
        var ids = new Dictionary<byte[], int>(ByteArrayComparer.Instance);
        var lookup = ids.GetAlternateLookup<ReadOnlySpan<byte>>();
        var labels = new List<Label>(16);
        Span<byte> saved = stackalloc byte[SyntheticEof.Length];
        while (true)
        {
            int room = buf.Length - SyntheticEof.Length - have;
            if (room == 0)
            {
                // One line longer than the buffer: grow it and read on.
                Array.Resize(ref buf, buf.Length * 2);
                room = buf.Length - SyntheticEof.Length - have;
            }
            int n = f.Read(buf, have, room);
            have += n;
            bool last = n == 0 || consumed + have >= length;
            int end = last ? have : Array.LastIndexOf(buf, (byte)'\n', have - 1) + 1;
            if (end == 0 && !last)
            {
                continue; // no complete line yet
            }
            // A piece that is not the file's end gets a "# EOF" of its own so the parser accepts it; the bytes it
            // covers (the start of the next piece) are put back afterwards.
            int savedLen = Math.Min(SyntheticEof.Length, have - end);
            buf.AsSpan(end, savedLen).CopyTo(saved);
            int pieceLen = end;
            if (!last)
            {
                SyntheticEof.CopyTo(buf, end);
                pieceLen += SyntheticEof.Length;
            }
            parser.Reset(new ReadOnlyMemory<byte>(buf, 0, pieceLen));
            int lines = 0;
            try
            {
                lines = ParsePiece(parser, backfiller, lookup, labels);
            }
            catch (ExpositionParseException e)
            {
                throw new ExpositionParseException(lineBase + e.Line, e.Problem);
            }
            if (last)
            {
                return;
            }
            lineBase += lines - 1; // the synthetic "# EOF" is not a line of the file
            saved[..savedLen].CopyTo(buf.AsSpan(end));
            Buffer.BlockCopy(buf, end, buf, 0, have - end);
            consumed += end;
            have -= end;
        }
    }

    // Returns the number of lines the piece had (its "# EOF" included).
    private static int ParsePiece(OpenMetricsParser parser, BlockBackfiller backfiller,
        Dictionary<byte[], int>.AlternateLookup<ReadOnlySpan<byte>> lookup, List<Label> labels)
    {
        int lines = 0;
        while (true)
        {
            var e = parser.Next();
            lines++;
            if (e == Entry.EOF)
            {
                return lines;
            }
            if (e != Entry.Series)
            {
                continue;
            }
            var raw = parser.Series();
            if (!lookup.TryGetValue(raw, out int id))
            {
                parser.GetLabels(labels);
                id = backfiller.SeriesId(Labels.FromUnsorted([.. labels]));
                lookup[raw] = id;
            }
            if (!parser.HasTimestamp)
            {
                parser.GetLabels(labels);
                throw new ExpositionParseException(lines, $"expected timestamp for series {Labels.FromUnsorted([.. labels])}, got none");
            }
            if (parser.TimestampMs > backfiller.LatestAllowed)
            {
                // As the server refuses it: one block far ahead would cap what retention and head cutting go by.
                parser.GetLabels(labels);
                throw new ExpositionParseException(lines, $"sample of series {Labels.FromUnsorted([.. labels])} at {parser.TimestampMs} is too far in the future (more than {Config.PromDuration.Format(Tsdb.TsdbOptions.DefaultMaxFutureTime)} after now)");
            }
            backfiller.Add(id, parser.TimestampMs, parser.Value);
        }
    }

    /// <summary>Compares byte keys by content, and byte spans with them, for lookups without allocating.</summary>
    private sealed class ByteArrayComparer : IEqualityComparer<byte[]>, IAlternateEqualityComparer<ReadOnlySpan<byte>, byte[]>
    {
        public static readonly ByteArrayComparer Instance = new();

        public bool Equals(byte[]? x, byte[]? y) => x.AsSpan().SequenceEqual(y);

        public int GetHashCode(byte[] obj) => GetHashCode(obj.AsSpan());

        public bool Equals(ReadOnlySpan<byte> alternate, byte[] other) => alternate.SequenceEqual(other);

        public int GetHashCode(ReadOnlySpan<byte> alternate)
        {
            var h = new HashCode();
            h.AddBytes(alternate);
            return h.ToHashCode();
        }

        public byte[] Create(ReadOnlySpan<byte> alternate) => alternate.ToArray();
    }
}
