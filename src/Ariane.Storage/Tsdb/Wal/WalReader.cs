using System.Buffers;
using System.Buffers.Binary;
using System.Globalization;
using Ariane.Model;
using Microsoft.Extensions.Logging;

namespace Ariane.Tsdb.Wal;

/// <summary>Receives what WAL replay reads.</summary>
internal interface IWalReplayHandler
{
    /// <summary>A series definition.</summary>
    void Series(ulong seriesRef, Labels labels);

    /// <summary>One sample.</summary>
    void Sample(ulong seriesRef, long t, double v);

    /// <summary>One sample with its start timestamp (0: none); handlers that keep none take it as a plain sample.</summary>
    void Sample(ulong seriesRef, long t, double v, long st) => Sample(seriesRef, t, v);

    /// <summary>One out-of-order sample.</summary>
    void OutOfOrderSample(ulong seriesRef, long t, double v);

    /// <summary>Interns label strings as they are decoded (null: plain strings).</summary>
    Func<ReadOnlySpan<char>, string>? Interner { get; }

    /// <summary>A deleted interval [mint, maxt] of a series; handlers that keep no tombstones ignore it.</summary>
    void Tombstone(ulong seriesRef, long mint, long maxt)
    {
    }
}

/// <summary>The outcome of a replay.</summary>
internal readonly record struct WalReplayResult(int NextSegment, int Corruptions, long Records);

/// <summary>
/// Replays the WAL folder in segment order. The first torn or corrupt record ends the replay: its segment is
/// truncated at the last good record, later segments are deleted, and a warning says so. Never throws for
/// bad data; only for I/O failures.
/// </summary>
internal static class WalReader
{
    private const int MaxRecordSize = 256 << 20;

    /// <summary>Segment numbers present in <paramref name="dir"/>, ascending.</summary>
    public static List<int> Segments(string dir)
    {
        var list = new List<int>();
        foreach (var path in Directory.EnumerateFiles(dir))
        {
            string name = Path.GetFileName(path);
            if (name.Length == 8 && int.TryParse(name, NumberStyles.None, CultureInfo.InvariantCulture, out int n))
            {
                list.Add(n);
            }
        }
        list.Sort();
        return list;
    }

    public static WalReplayResult Replay<THandler>(string dir, ref THandler handler, ILogger log)
        where THandler : IWalReplayHandler
    {
        var segments = Segments(dir);
        int corruptions = 0;
        long records = 0;
        for (int i = 0; i < segments.Count; i++)
        {
            int seg = segments[i];
            string path = Path.Combine(dir, WalWriter.SegmentName(seg));
            string? problem = null;
            long good;
            if (i > 0 && seg != segments[i - 1] + 1)
            {
                problem = "missing segment " + WalWriter.SegmentName(segments[i - 1] + 1);
                good = -1;
            }
            else
            {
                good = ReadSegment(path, ref handler, ref records, out problem);
            }
            if (problem is null)
            {
                continue;
            }
            corruptions++;
            int dropped = 0;
            for (int j = i + 1; j < segments.Count; j++)
            {
                File.Delete(Path.Combine(dir, WalWriter.SegmentName(segments[j])));
                dropped++;
            }
            if (good < WalWriter.SegmentHeaderSize)
            {
                File.Delete(path);
                dropped++;
                TsdbLog.WalSegmentDeleted(log, problem, WalWriter.SegmentName(seg), dropped - 1);
            }
            else
            {
                using (var h = File.OpenHandle(path, FileMode.Open, FileAccess.ReadWrite))
                {
                    RandomAccess.SetLength(h, good);
                    RandomAccess.FlushToDisk(h);
                }
                TsdbLog.WalSegmentTruncated(log, problem, WalWriter.SegmentName(seg), good, dropped);
            }
            // The writer goes on right after the last segment kept, so the numbers stay contiguous.
            int next = good >= WalWriter.SegmentHeaderSize ? seg + 1 : i > 0 ? segments[i - 1] + 1 : seg;
            return new WalReplayResult(next, corruptions, records);
        }
        return new WalReplayResult(segments.Count == 0 ? 0 : segments[^1] + 1, corruptions, records);
    }

    // Returns the offset after the last good record; sets problem when the segment did not end cleanly there.
    private static long ReadSegment<THandler>(string path, ref THandler handler, ref long records, out string? problem)
        where THandler : IWalReplayHandler
    {
        using var fs = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite, 1 << 20, FileOptions.SequentialScan);
        long length = fs.Length;
        Span<byte> hdr = stackalloc byte[WalBuffer.HeaderSize];
        if (ReadFully(fs, hdr[..WalWriter.SegmentHeaderSize]) < WalWriter.SegmentHeaderSize ||
            !hdr[..4].SequenceEqual("AWAL"u8) || hdr[4] != WalWriter.Version)
        {
            problem = "bad segment header";
            return 0;
        }
        long pos = WalWriter.SegmentHeaderSize;
        byte[] buf = ArrayPool<byte>.Shared.Rent(64 << 10);
        try
        {
            while (true)
            {
                int n = ReadFully(fs, hdr);
                if (n == 0)
                {
                    problem = null;
                    return pos;
                }
                if (n < hdr.Length)
                {
                    problem = "torn record header";
                    return pos;
                }
                byte type = hdr[0];
                int len = BinaryPrimitives.ReadInt32LittleEndian(hdr[1..]);
                uint crc = BinaryPrimitives.ReadUInt32LittleEndian(hdr[5..]);
                if (len < 0 || len > MaxRecordSize || pos + WalBuffer.HeaderSize + len > length)
                {
                    problem = "torn or corrupt record (length " + len.ToString(CultureInfo.InvariantCulture) + ")";
                    return pos;
                }
                if (buf.Length < len)
                {
                    ArrayPool<byte>.Shared.Return(buf);
                    buf = ArrayPool<byte>.Shared.Rent(len);
                }
                var payload = buf.AsSpan(0, len);
                if (ReadFully(fs, payload) < len)
                {
                    problem = "torn record";
                    return pos;
                }
                uint actual = Crc32C.Append(Crc32C.Append(0, hdr[..1]), payload);
                if (actual != crc)
                {
                    problem = "checksum mismatch";
                    return pos;
                }
                try
                {
                    Apply((WalRecordType)type, payload, ref handler);
                }
                catch (InvalidDataException e)
                {
                    problem = "undecodable record (" + e.Message + ")";
                    return pos;
                }
                records++;
                pos += WalBuffer.HeaderSize + len;
            }
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buf);
        }
    }

    private static void Apply<THandler>(WalRecordType type, ReadOnlySpan<byte> payload, ref THandler handler)
        where THandler : IWalReplayHandler
    {
        var d = new WalDecoder(payload);
        switch (type)
        {
            case WalRecordType.Series:
                while (!d.End)
                {
                    ulong r = d.Uvarint();
                    ulong n = d.Uvarint();
                    if (r == 0 || n == 0 || n > (ulong)payload.Length)
                    {
                        throw new InvalidDataException("bad series entry");
                    }
                    var labels = new Label[n];
                    for (ulong k = 0; k < n; k++)
                    {
                        labels[k] = new Label(d.String(handler.Interner), d.String(handler.Interner));
                    }
                    handler.Series(r, Labels.FromSorted(labels));
                }
                break;
            case WalRecordType.Samples:
            case WalRecordType.OutOfOrderSamples:
            case WalRecordType.SamplesWithStartTimes:
                if (d.End)
                {
                    break;
                }
                bool ooo = type == WalRecordType.OutOfOrderSamples;
                bool withSt = type == WalRecordType.SamplesWithStartTimes;
                ulong baseRef = d.Uvarint();
                long baseT = d.Varint();
                while (!d.End)
                {
                    ulong r = (ulong)((long)baseRef + d.Varint());
                    long t = baseT + d.Varint();
                    double v = BitConverter.UInt64BitsToDouble(d.UInt64());
                    if (withSt)
                    {
                        handler.Sample(r, t, v, WalStartTime.FromCode(d.Uvarint(), t));
                    }
                    else if (ooo)
                    {
                        handler.OutOfOrderSample(r, t, v);
                    }
                    else
                    {
                        handler.Sample(r, t, v);
                    }
                }
                break;
            case WalRecordType.Tombstones:
                while (!d.End)
                {
                    ulong r = d.Uvarint();
                    long mint = d.Varint();
                    long maxt = d.Varint();
                    if (r == 0 || maxt < mint)
                    {
                        throw new InvalidDataException("bad tombstone entry");
                    }
                    handler.Tombstone(r, mint, maxt);
                }
                break;
            default:
                throw new InvalidDataException("unknown record type " + ((int)type).ToString(CultureInfo.InvariantCulture));
        }
    }

    private static int ReadFully(Stream s, Span<byte> buf)
    {
        int total = 0;
        while (total < buf.Length)
        {
            int n = s.Read(buf[total..]);
            if (n == 0)
            {
                break;
            }
            total += n;
        }
        return total;
    }
}
