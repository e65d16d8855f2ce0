using System.Buffers.Binary;
using Ariane.Model;

namespace Ariane.Tsdb.Blocks;

/// <summary>Where a chunk of a block lies in time and in the chunk files.</summary>
internal readonly record struct ChunkMeta(long MinT, long MaxT, ulong Ref);

/// <summary>
/// Writes a block's <c>index</c> file, format version 2 (docs/format/block.md): header, symbols, series entries at
/// 8-byte aligned offsets from the first one (that offset ÷ 8 is a series' id in the block) with one CRC32C over them all,
/// postings lists bit-packed as differences in one section (the list of every series first), the postings table and a table of contents. Chunk metas are
/// stored relative to the block's start and to the previous chunk. Symbols first, then series in label order, then
/// <see cref="Finish"/>. Version 1 (16-byte aligned entries with a CRC each, u32 postings) is still read by
/// <see cref="IndexReader"/>.
/// </summary>
internal sealed class IndexWriter : IDisposable
{
    public const uint Magic = 0x58444941; // "AIDX" little-endian
    public const byte Version = 2;
    public const int HeaderSize = 8;
    public const int TocSize = 5 * 8 + 4;

    /// <summary>Version 1's alignment of series entries: a series' id was its entry's offset ÷ 16.</summary>
    public const int SeriesAlignV1 = 16;

    /// <summary>
    /// Series entries start at multiples of 2^<see cref="SeriesShift"/> bytes from the first one, and a series' id is
    /// that offset shifted right: ids are u32, so the entries of a block may take up to 32 GiB (the shift is stored in
    /// the header, byte 5). Padding costs 3.5 bytes an entry on average and makes the postings' differences 3 bits
    /// narrower: about even with no alignment, for 8 times the room.
    /// </summary>
    public const int SeriesShift = 3;

    private readonly FileStream _f;
    private readonly ByteBuffer _buf = new(4096);
    private readonly Dictionary<string, int> _symbols = new(StringComparer.Ordinal);
    private readonly Dictionary<long, List<uint>> _postings = []; // (name ref << 32 | value ref) → series ids
    private readonly List<uint> _all = [];
    private readonly long _baseTime;
    private long _pos;
    private long _symbolsOff;
    private long _seriesOff = -1;
    private uint _seriesCrc;
    private readonly uint _headerCrc;
    private Labels? _lastLabels;

    /// <summary>Starts an index whose chunk times are stored relative to <paramref name="baseTime"/> (the block's min time).</summary>
    public IndexWriter(string path, long baseTime)
    {
        _baseTime = baseTime;
        _f = new FileStream(path, FileMode.CreateNew, FileAccess.Write, FileShare.Read, 1 << 16);
        Span<byte> hdr = stackalloc byte[HeaderSize];
        hdr.Clear();
        BinaryPrimitives.WriteUInt32LittleEndian(hdr, Magic);
        hdr[4] = Version;
        hdr[5] = SeriesShift;
        _headerCrc = Crc32C.Append(0, hdr);
        Write(hdr);
    }

    /// <summary>Series written.</summary>
    public int SeriesCount => _all.Count;

    /// <summary>Writes the symbol table: every label name and value the series will use, sorted ordinally, unique.</summary>
    public void AddSymbols(IReadOnlyList<string> sorted)
    {
        if (_symbolsOff != 0)
        {
            throw new InvalidOperationException("symbols already written");
        }
        _buf.Clear();
        _buf.U32(0);
        _buf.U32((uint)sorted.Count);
        for (int i = 0; i < sorted.Count; i++)
        {
            if (i > 0 && string.CompareOrdinal(sorted[i - 1], sorted[i]) >= 0)
            {
                throw new ArgumentException("symbols must be sorted and unique", nameof(sorted));
            }
            _symbols[sorted[i]] = i;
            _buf.String(sorted[i]);
        }
        _symbolsOff = _pos;
        WriteSection();
    }

    /// <summary>Adds a series (in label order) with its chunks (in time order); returns its id in the block.</summary>
    public uint AddSeries(Labels labels, ReadOnlySpan<ChunkMeta> chunks)
    {
        if (_symbolsOff == 0)
        {
            throw new InvalidOperationException("symbols must be written first");
        }
        if (_lastLabels is not null && _lastLabels.CompareTo(labels) >= 0)
        {
            throw new ArgumentException($"series out of order: {labels} after {_lastLabels}", nameof(labels));
        }
        _lastLabels = labels;
        if (_seriesOff < 0)
        {
            _seriesOff = _pos;
        }
        int pad = (int)(-(_pos - _seriesOff) & ((1 << SeriesShift) - 1));
        if (pad > 0)
        {
            Span<byte> zeros = stackalloc byte[1 << SeriesShift];
            zeros.Clear();
            _seriesCrc = Crc32C.Append(_seriesCrc, zeros[..pad]);
            Write(zeros[..pad]);
        }
        if ((_pos - _seriesOff) >> SeriesShift > uint.MaxValue)
        {
            throw new InvalidOperationException("index series section too large");
        }
        uint id = (uint)((_pos - _seriesOff) >> SeriesShift);
        _buf.Clear();
        var span = labels.AsSpan();
        _buf.Uvarint((ulong)span.Length);
        foreach (ref readonly var l in span)
        {
            int n = Symbol(l.Name), v = Symbol(l.Value);
            _buf.Uvarint((ulong)n);
            _buf.Uvarint((ulong)v);
            long key = ((long)n << 32) | (uint)v;
            if (!_postings.TryGetValue(key, out var list))
            {
                _postings[key] = list = [];
            }
            list.Add(id);
        }
        WriteChunkMetas(_buf, chunks, _baseTime);
        WriteEntry();
        _all.Add(id);
        return id;
    }

    /// <summary>
    /// Chunk metas of format 2: the chunk count, then the first chunk's min time from <paramref name="baseTime"/>, its
    /// span (max − min time) and reference; each later chunk's gap after the previous one and span as differences
    /// from the previous gap and span (a regular series repeats both: one byte each), and its reference from the
    /// previous one's.
    /// </summary>
    internal static void WriteChunkMetas(ByteBuffer buf, ReadOnlySpan<ChunkMeta> chunks, long baseTime)
    {
        buf.Uvarint((ulong)chunks.Length);
        long prevMaxT = 0, prevGap = 0, prevSpan = 0;
        ulong prevRef = 0;
        for (int i = 0; i < chunks.Length; i++)
        {
            var c = chunks[i];
            long spanT = c.MaxT - c.MinT;
            if (i == 0)
            {
                buf.Varint(c.MinT - baseTime);
                buf.Uvarint((ulong)spanT);
                buf.Uvarint(c.Ref);
            }
            else
            {
                long gap = c.MinT - prevMaxT;
                buf.Varint(gap - prevGap);
                buf.Varint(spanT - prevSpan);
                buf.Varint((long)(c.Ref - prevRef));
                prevGap = gap;
            }
            prevMaxT = c.MaxT;
            prevSpan = spanT;
            prevRef = c.Ref;
        }
    }

    /// <summary>Writes the series CRC, postings, the postings table and the table of contents, then fsyncs and closes.</summary>
    public void Finish()
    {
        if (_seriesOff < 0)
        {
            _seriesOff = _pos;
        }
        Span<byte> crc = stackalloc byte[4];
        BinaryPrimitives.WriteUInt32LittleEndian(crc, _seriesCrc);
        Write(crc);

        // Postings: one section, the list of every series, then a list per label pair (sorted by name, then value):
        // each a count, then the ids as deltas.
        long postingsOff = _pos;
        var keys = new List<long>(_postings.Keys);
        keys.Sort();
        var offsets = new int[keys.Count];
        _buf.Clear();
        _buf.U32(0);
        PutPostings(_all);
        for (int i = 0; i < keys.Count; i++)
        {
            offsets[i] = _buf.Length - 4;
            PutPostings(_postings[keys[i]]);
        }
        WriteSection();

        // The table: per label pair, its name and value symbols and its list's offset from the previous list's.
        long tableOff = _pos;
        _buf.Clear();
        _buf.U32(0);
        _buf.U32((uint)keys.Count);
        for (int i = 0; i < keys.Count; i++)
        {
            _buf.Uvarint((ulong)(keys[i] >> 32));
            _buf.Uvarint((uint)keys[i]);
            _buf.Uvarint((ulong)(offsets[i] - (i == 0 ? 0 : offsets[i - 1])));
        }
        WriteSection();
        Span<byte> toc = stackalloc byte[TocSize];
        BinaryPrimitives.WriteInt64LittleEndian(toc, _symbolsOff);
        BinaryPrimitives.WriteInt64LittleEndian(toc[8..], _seriesOff);
        BinaryPrimitives.WriteInt64LittleEndian(toc[16..], postingsOff);
        BinaryPrimitives.WriteInt64LittleEndian(toc[24..], tableOff);
        BinaryPrimitives.WriteInt64LittleEndian(toc[32..], _baseTime);
        // The table of contents' CRC covers the header too (its version and series alignment).
        BinaryPrimitives.WriteUInt32LittleEndian(toc[40..], Crc32C.Append(_headerCrc, toc[..40]));
        Write(toc);
        _f.Flush(flushToDisk: true);
        _f.Dispose();
    }

    // A postings list: count uvarint, first id uvarint, then (count ≥ 2) the smallest difference between
    // consecutive ids dmin uvarint, a width w u8 and count − 1 fields of w bits holding (difference − dmin), least
    // significant bit first: fixed-width fields decode without a branch per id.
    private void PutPostings(List<uint> ids)
    {
        _buf.Uvarint((ulong)ids.Count);
        if (ids.Count == 0)
        {
            return;
        }
        _buf.Uvarint(ids[0]);
        if (ids.Count == 1)
        {
            return;
        }
        uint lo = uint.MaxValue, hi = 0;
        for (int i = 1; i < ids.Count; i++)
        {
            uint d = ids[i] - ids[i - 1];
            lo = Math.Min(lo, d);
            hi = Math.Max(hi, d);
        }
        int w = 32 - System.Numerics.BitOperations.LeadingZeroCount(hi - lo);
        _buf.Uvarint(lo);
        _buf.Byte((byte)w);
        if (w == 0)
        {
            return;
        }
        ulong acc = 0;
        int bits = 0;
        for (int i = 1; i < ids.Count; i++)
        {
            acc |= (ulong)(ids[i] - ids[i - 1] - lo) << bits;
            bits += w;
            while (bits >= 8)
            {
                _buf.Byte((byte)acc);
                acc >>= 8;
                bits -= 8;
            }
        }
        if (bits > 0)
        {
            _buf.Byte((byte)acc);
        }
    }

    private int Symbol(string s) =>
        _symbols.TryGetValue(s, out int r) ? r : throw new ArgumentException($"label string \"{s}\" is not in the symbol table");

    // A section: len u32 (patched: bytes after it, before the CRC) | contents | crc32c(contents).
    private void WriteSection()
    {
        int len = _buf.Length - 4;
        _buf.PatchU32(0, (uint)len);
        uint crc = Crc32C.Append(0, _buf.Span[4..]);
        _buf.U32(crc);
        Write(_buf.Span);
    }

    // A series entry: len uvarint | payload, covered by the series CRC.
    private void WriteEntry()
    {
        var payload = _buf.Span;
        Span<byte> len = stackalloc byte[10];
        int n = 0;
        ulong u = (ulong)payload.Length;
        while (u >= 0x80)
        {
            len[n++] = (byte)(u | 0x80);
            u >>= 7;
        }
        len[n++] = (byte)u;
        _seriesCrc = Crc32C.Append(Crc32C.Append(_seriesCrc, len[..n]), payload);
        Write(len[..n]);
        Write(payload);
    }

    private void Write(ReadOnlySpan<byte> b)
    {
        _f.Write(b);
        _pos += b.Length;
    }

    public void Dispose() => _f.Dispose();
}
