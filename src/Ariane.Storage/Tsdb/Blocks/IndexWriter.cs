using System.Buffers.Binary;
using Ariane.Model;
using Ariane.Tsdb.Wal;

namespace Ariane.Tsdb.Blocks;

/// <summary>Where a chunk of a block lies in time and in the chunk files.</summary>
internal readonly record struct ChunkMeta(long MinT, long MaxT, ulong Ref);

/// <summary>
/// Writes a block's <c>index</c> file (docs/format/block.md): header, symbols, series (each at a 16-byte
/// aligned offset; the offset ÷ 16 is the series' id in the block), postings lists, the postings table and a
/// table of contents, every section and series entry with its own CRC32C. Symbols first, then series in
/// label order, then <see cref="Finish"/>.
/// </summary>
internal sealed class IndexWriter : IDisposable
{
    public const uint Magic = 0x58444941; // "AIDX" little-endian
    public const byte Version = 1;
    public const int HeaderSize = 8;
    public const int TocSize = 5 * 8 + 4;
    public const int SeriesAlign = 16;

    private readonly FileStream _f;
    private readonly ByteBuffer _buf = new(4096);
    private readonly Dictionary<string, int> _symbols = new(StringComparer.Ordinal);
    private readonly Dictionary<long, List<uint>> _postings = []; // (name ref << 32 | value ref) → series ids
    private readonly List<uint> _all = [];
    private long _pos;
    private long _symbolsOff;
    private long _seriesOff = -1;
    private Labels? _lastLabels;

    public IndexWriter(string path)
    {
        _f = new FileStream(path, FileMode.CreateNew, FileAccess.Write, FileShare.Read, 1 << 16);
        Span<byte> hdr = stackalloc byte[HeaderSize];
        hdr.Clear();
        BinaryPrimitives.WriteUInt32LittleEndian(hdr, Magic);
        hdr[4] = Version;
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
        Pad(SeriesAlign);
        if (_pos / SeriesAlign > uint.MaxValue)
        {
            throw new InvalidOperationException("index series section too large");
        }
        uint id = (uint)(_pos / SeriesAlign);
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
        _buf.Uvarint((ulong)chunks.Length);
        long prevMaxT = 0;
        ulong prevRef = 0;
        for (int i = 0; i < chunks.Length; i++)
        {
            var c = chunks[i];
            if (i == 0)
            {
                _buf.Varint(c.MinT);
                _buf.Uvarint((ulong)(c.MaxT - c.MinT));
                _buf.Uvarint(c.Ref);
            }
            else
            {
                _buf.Varint(c.MinT - prevMaxT);
                _buf.Uvarint((ulong)(c.MaxT - c.MinT));
                _buf.Varint((long)(c.Ref - prevRef));
            }
            prevMaxT = c.MaxT;
            prevRef = c.Ref;
        }
        WriteEntry();
        _all.Add(id);
        return id;
    }

    /// <summary>Writes postings, the postings table and the table of contents, then fsyncs and closes.</summary>
    public void Finish()
    {
        if (_seriesOff < 0)
        {
            _seriesOff = _pos;
        }
        long postingsOff = _pos;
        var keys = new List<long>(_postings.Keys);
        keys.Sort();
        var offsets = new long[keys.Count];
        for (int i = 0; i < keys.Count; i++)
        {
            offsets[i] = _pos;
            WritePostings(_postings[keys[i]]);
        }
        long allOff = _pos;
        WritePostings(_all);
        long tableOff = _pos;
        _buf.Clear();
        _buf.U32(0);
        _buf.U32((uint)keys.Count);
        for (int i = 0; i < keys.Count; i++)
        {
            _buf.Uvarint((ulong)(keys[i] >> 32));
            _buf.Uvarint((uint)keys[i]);
            _buf.Uvarint((ulong)(offsets[i] - postingsOff));
        }
        WriteSection();
        Span<byte> toc = stackalloc byte[TocSize];
        BinaryPrimitives.WriteInt64LittleEndian(toc, _symbolsOff);
        BinaryPrimitives.WriteInt64LittleEndian(toc[8..], _seriesOff);
        BinaryPrimitives.WriteInt64LittleEndian(toc[16..], postingsOff);
        BinaryPrimitives.WriteInt64LittleEndian(toc[24..], tableOff);
        BinaryPrimitives.WriteInt64LittleEndian(toc[32..], allOff);
        BinaryPrimitives.WriteUInt32LittleEndian(toc[40..], Crc32C.Append(0, toc[..40]));
        Write(toc);
        _f.Flush(flushToDisk: true);
        _f.Dispose();
    }

    private int Symbol(string s) =>
        _symbols.TryGetValue(s, out int r) ? r : throw new ArgumentException($"label string \"{s}\" is not in the symbol table");

    private void WritePostings(List<uint> ids)
    {
        _buf.Clear();
        _buf.U32(0);
        _buf.U32((uint)ids.Count);
        foreach (uint id in ids)
        {
            _buf.U32(id);
        }
        WriteSection();
    }

    // A section: len u32 (patched: bytes after it, before the CRC) | contents | crc32c(contents).
    private void WriteSection()
    {
        int len = _buf.Length - 4;
        _buf.PatchU32(0, (uint)len);
        uint crc = Crc32C.Append(0, _buf.Span[4..]);
        _buf.U32(crc);
        Write(_buf.Span);
    }

    // A series entry: len uvarint | payload | crc32c(payload).
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
        Write(len[..n]);
        Write(payload);
        Span<byte> crc = stackalloc byte[4];
        BinaryPrimitives.WriteUInt32LittleEndian(crc, Crc32C.Append(0, payload));
        Write(crc);
    }

    private void Pad(int align)
    {
        int n = (int)((align - _pos % align) % align);
        if (n > 0)
        {
            Span<byte> z = stackalloc byte[align];
            z.Clear();
            Write(z[..n]);
        }
    }

    private void Write(ReadOnlySpan<byte> b)
    {
        _f.Write(b);
        _pos += b.Length;
    }

    public void Dispose() => _f.Dispose();
}
