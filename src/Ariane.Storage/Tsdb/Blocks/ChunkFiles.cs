using System.Buffers.Binary;
using System.Globalization;

namespace Ariane.Tsdb.Blocks;

/// <summary>
/// Writes a block's chunk files <c>chunks/000001</c>, <c>000002</c>, ...: an 8-byte header (magic, version 2),
/// then chunk records <c>len uvarint | payload | crc32c(payload) u32le</c>, payload = <c>encoding u8 |
/// sample count u8 | data</c> (version 1's count was a u16, still read by <see cref="ChunkReader"/>). A chunk's reference is <c>file number &lt;&lt; 32 | offset of its record</c>.
/// A file takes no more records once past <see cref="MaxFileSize"/>. A chunk identical (encoding, count and data) to
/// one written in the last <see cref="DedupeWindow"/> bytes is not written again: its reference is returned, so
/// series with the same samples share one record (a classic histogram's upper buckets and its count, counters
/// that stay at zero).
/// </summary>
internal sealed class ChunkWriter : IDisposable
{
    public const uint Magic = 0x4B484341; // "ACHK" little-endian
    public const byte Version = 2;
    public const int HeaderSize = 8;

    /// <summary>The most samples a record holds (its count is one byte).</summary>
    public const int MaxSamples = byte.MaxValue;
    public const long MaxFileSize = 512L << 20;

    /// <summary>How many bytes of recent chunk payloads are kept to find identical chunks.</summary>
    public const int DedupeWindow = 32 << 20;

    private readonly string _dir;
    private readonly ByteBuffer _rec = new(512);
    private readonly Dictionary<ulong, (ulong Ref, byte[] Payload)> _recent = [];
    private readonly Queue<ulong> _recentOrder = new();
    private long _recentBytes;
    private FileStream? _file;
    private int _fileNo;
    private long _pos;

    public ChunkWriter(string blockDir)
    {
        _dir = System.IO.Path.Combine(blockDir, "chunks");
        Directory.CreateDirectory(_dir);
    }

    /// <summary>Chunk files written so far.</summary>
    public int Files => _fileNo;

    /// <summary>Bytes written to chunk files so far.</summary>
    public long BytesWritten { get; private set; }

    /// <summary>Chunks that were identical to a recent one and share its record.</summary>
    public long Deduplicated { get; private set; }

    /// <summary>Writes a chunk and returns its reference.</summary>
    public ulong Write(ChunkEncoding encoding, int count, ReadOnlySpan<byte> data)
    {
        if ((uint)count > MaxSamples)
        {
            throw new ArgumentOutOfRangeException(nameof(count), count, "a chunk record holds at most 255 samples");
        }
        _rec.Clear();
        int payload = 2 + data.Length;
        _rec.Uvarint((ulong)payload);
        int start = _rec.Length;
        _rec.Byte((byte)encoding);
        _rec.Byte((byte)count);
        _rec.Bytes(data);
        var payloadBytes = _rec.Span[start..];
        ulong key = System.IO.Hashing.XxHash3.HashToUInt64(payloadBytes);
        if (_recent.TryGetValue(key, out var seen) && payloadBytes.SequenceEqual(seen.Payload))
        {
            Deduplicated++;
            return seen.Ref;
        }
        uint crc = Crc32C.Append(0, payloadBytes);
        var copy = payloadBytes.ToArray();
        _rec.U32(crc);
        if (_file is null || _pos + _rec.Length > MaxFileSize && _pos > HeaderSize)
        {
            NextFile();
        }
        ulong r = ((ulong)_fileNo << 32) | (ulong)_pos;
        _file!.Write(_rec.Span);
        _pos += _rec.Length;
        BytesWritten += _rec.Length;
        Remember(key, r, copy);
        return r;
    }

    private void Remember(ulong key, ulong chunkRef, byte[] payload)
    {
        if (!_recent.TryAdd(key, (chunkRef, payload)))
        {
            return; // another payload with the same hash: keep the first
        }
        _recentOrder.Enqueue(key);
        _recentBytes += payload.Length;
        while (_recentBytes > DedupeWindow && _recentOrder.TryDequeue(out ulong old))
        {
            if (_recent.Remove(old, out var gone))
            {
                _recentBytes -= gone.Payload.Length;
            }
        }
    }

    private void NextFile()
    {
        CloseFile();
        _fileNo++;
        _file = new FileStream(System.IO.Path.Combine(_dir, FileName(_fileNo)), FileMode.CreateNew, FileAccess.Write, FileShare.Read, 1 << 16);
        Span<byte> hdr = stackalloc byte[HeaderSize];
        hdr.Clear();
        BinaryPrimitives.WriteUInt32LittleEndian(hdr, Magic);
        hdr[4] = Version;
        _file.Write(hdr);
        _pos = HeaderSize;
        BytesWritten += HeaderSize;
    }

    public static string FileName(int n) => n.ToString("D6", CultureInfo.InvariantCulture);

    private void CloseFile()
    {
        if (_file is null)
        {
            return;
        }
        _file.Flush(flushToDisk: true);
        _file.Dispose();
        _file = null;
    }

    /// <summary>Flushes and fsyncs the last file. Call before the block is renamed into place.</summary>
    public void Finish() => CloseFile();

    public void Dispose() => CloseFile();
}

/// <summary>Reads chunk records from a block's memory-mapped chunk files, checking each record's CRC.</summary>
internal sealed class ChunkReader : IDisposable
{
    private readonly MappedFile[] _files;
    private readonly byte[] _headerSizes; // per file: bytes of a record's payload before the data (3 in version 1, 2 since)

    private ChunkReader(MappedFile[] files, byte[] headerSizes)
    {
        _files = files;
        _headerSizes = headerSizes;
    }

    public static ChunkReader Open(string blockDir)
    {
        string dir = System.IO.Path.Combine(blockDir, "chunks");
        var names = Directory.Exists(dir) ? Directory.GetFiles(dir) : [];
        Array.Sort(names, StringComparer.Ordinal);
        var files = new MappedFile[names.Length];
        var headerSizes = new byte[names.Length];
        try
        {
            for (int i = 0; i < names.Length; i++)
            {
                if (System.IO.Path.GetFileName(names[i]) != ChunkWriter.FileName(i + 1))
                {
                    throw new CorruptBlockException($"{names[i]}: unexpected chunk file (expected {ChunkWriter.FileName(i + 1)})");
                }
                files[i] = new MappedFile(names[i]);
                var hdr = files[i].Span(0, ChunkWriter.HeaderSize);
                if (BinaryPrimitives.ReadUInt32LittleEndian(hdr) != ChunkWriter.Magic || hdr[4] is not (1 or ChunkWriter.Version))
                {
                    throw new CorruptBlockException($"{names[i]}: not an Ariane chunk file (bad magic or version)");
                }
                headerSizes[i] = (byte)(hdr[4] == 1 ? 3 : 2);
            }
        }
        catch
        {
            foreach (var f in files)
            {
                f?.Dispose();
            }
            throw;
        }
        return new ChunkReader(files, headerSizes);
    }

    /// <summary>Total bytes of the chunk files.</summary>
    public long Size
    {
        get
        {
            long n = 0;
            foreach (var f in _files)
            {
                n += f.Length;
            }
            return n;
        }
    }

    /// <summary>The chunk at <paramref name="chunkRef"/>: its encoding, sample count and data (valid while the block is open).</summary>
    public ReadOnlySpan<byte> Read(ulong chunkRef, out ChunkEncoding encoding, out int count) =>
        Read(chunkRef, 0, out encoding, out count);

    /// <summary>
    /// <see cref="Read(ulong, out ChunkEncoding, out int)"/>, with the data followed by up to <paramref name="slack"/>
    /// more bytes of the file (its checksum and whatever comes next), so that a decoder may load whole words at its end.
    /// </summary>
    public ReadOnlySpan<byte> Read(ulong chunkRef, int slack, out ChunkEncoding encoding, out int count) =>
        Read(chunkRef, slack, out encoding, out count, out _);

    /// <summary>As above, also giving the data's own length (without the slack).</summary>
    public ReadOnlySpan<byte> Read(ulong chunkRef, int slack, out ChunkEncoding encoding, out int count, out int length)
    {
        int fileNo = (int)(chunkRef >> 32);
        long offset = (long)(uint)chunkRef;
        if (fileNo < 1 || fileNo > _files.Length)
        {
            throw new CorruptBlockException($"chunk reference {chunkRef:x} names file {fileNo}, which does not exist");
        }
        var f = _files[fileNo - 1];
        int hs = _headerSizes[fileNo - 1];
        var r = new ByteReader(f.Span(offset, (int)Math.Min(16, f.Length - offset)));
        int len = r.Length();
        long start = offset + r.Position;
        var rec = f.Span(start, len + 4);
        var payload = rec[..len];
        if (len < hs || Crc32C.Append(0, payload) != BinaryPrimitives.ReadUInt32LittleEndian(rec[len..]))
        {
            throw new CorruptBlockException($"{f.Path}: chunk at offset {offset} fails its checksum");
        }
        encoding = (ChunkEncoding)payload[0];
        count = hs == 3 ? BinaryPrimitives.ReadUInt16LittleEndian(payload[1..]) : payload[1];
        length = len - hs;
        if (slack <= 0)
        {
            return payload[hs..];
        }
        return f.Span(start + hs, (int)Math.Min(len - hs + slack, f.Length - start - hs));
    }

    /// <summary>Adds the bytes of every chunk file, record by record, to <paramref name="m"/> (for <c>tsdb analyze --bytes</c>).</summary>
    public void Measure(BlockBytes m)
    {
        for (int i = 0; i < _files.Length; i++)
        {
            var f = _files[i];
            int hs = _headerSizes[i];
            m.ChunkFileHeaders += ChunkWriter.HeaderSize;
            long pos = ChunkWriter.HeaderSize;
            while (pos < f.Length)
            {
                var r = new ByteReader(f.Span(pos, (int)Math.Min(16, f.Length - pos)));
                int len = r.Length();
                var payload = f.Span(pos + r.Position, len);
                var enc = (ChunkEncoding)payload[0];
                int count = hs == 3 ? BinaryPrimitives.ReadUInt16LittleEndian(payload[1..]) : payload[1];
                m.Records++;
                m.RecordFraming += r.Position + 4;
                m.RecordHeaders += hs;
                var data = payload[hs..];
                if ((enc & ChunkEncoding.StartTimesFlag) != 0)
                {
                    var rest = Chunks.ChunkDecoder.SplitStartTimes(data, out _);
                    m.StartTimeRecords++;
                    m.StartTimeBytes += data.Length - rest.Length;
                    data = rest;
                    enc &= ~ChunkEncoding.StartTimesFlag;
                }
                if (enc is ChunkEncoding.Delta or ChunkEncoding.DeltaIndexTimes)
                {
                    var (th, vh, tb, vb) = Chunks.DeltaChunk.Layout(data, count, enc == ChunkEncoding.DeltaIndexTimes);
                    m.DeltaRecords++;
                    m.DeltaTimeHeader += th;
                    m.DeltaValueHeader += vh;
                    m.DeltaTimeBits += tb;
                    m.DeltaValueBits += vb;
                }
                else
                {
                    m.XorRecords++;
                    m.XorData += data.Length;
                }
                pos += r.Position + len + 4;
            }
        }
    }

    public void Dispose()
    {
        foreach (var f in _files)
        {
            f.Dispose();
        }
    }
}
