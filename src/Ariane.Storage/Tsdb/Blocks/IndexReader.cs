using System.Buffers.Binary;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Text;
using Ariane.Model;

namespace Ariane.Tsdb.Blocks;

/// <summary>
/// Reads a block's memory-mapped <c>index</c>, of format version 2 or 1 (docs/format/block.md). Opening checks every
/// checksum in the file (header, table of contents, symbols, the series entries, the postings, the postings table),
/// so a damaged index is found when the block is opened, not in the middle of a query. Thread safe.
/// </summary>
internal sealed class IndexReader : IDisposable
{
    private readonly MappedFile _f;
    private readonly int _version;
    private readonly int _seriesShift; // version 2: series ids are entry offsets from the first entry >> this
    private readonly int[] _symbolOffsets;   // symbol ref → file offset of its length-prefixed bytes
    private readonly string?[] _symbolCache; // decoded symbols, filled on first use (benign races)
    private readonly Dictionary<string, NameEntry> _names;
    private readonly string[] _sortedNames;
    private readonly long _symbolsOff;
    private readonly long _seriesOff;
    private readonly long _seriesEnd;   // version 2: end of the series entries (where their CRC starts)
    private readonly long _postingsOff; // version 1: the first list; version 2: the postings section's contents
    private readonly long _postingsEnd; // version 2: end of the postings contents
    private readonly long _allOff;      // version 1: the all-series list
    private readonly long _tableOff;
    private readonly long _baseTime;    // version 2: what the first chunk's min time of a series is relative to

    private sealed class NameEntry(int[] values, long[] offsets)
    {
        public readonly int[] Values = values;   // value symbol refs, sorted (so in string order)
        public readonly long[] Offsets = offsets; // postings list offsets, relative to _postingsOff
    }

    private IndexReader(MappedFile f, int version, int seriesShift, int[] symbolOffsets, Dictionary<string, NameEntry> names, in Toc toc)
    {
        _f = f;
        _version = version;
        _seriesShift = seriesShift;
        _symbolOffsets = symbolOffsets;
        _symbolCache = new string?[symbolOffsets.Length];
        _names = names;
        _sortedNames = [.. names.Keys];
        Array.Sort(_sortedNames, StringComparer.Ordinal);
        _symbolsOff = toc.Symbols;
        _seriesOff = toc.Series;
        _seriesEnd = toc.SeriesEnd;
        _postingsOff = toc.Postings;
        _postingsEnd = toc.PostingsEnd;
        _allOff = toc.All;
        _tableOff = toc.Table;
        _baseTime = toc.BaseTime;
    }

    private readonly record struct Toc(long Symbols, long Series, long SeriesEnd, long Postings, long PostingsEnd, long Table, long All, long BaseTime);

    /// <summary>Bytes of the index file.</summary>
    public long Size => _f.Length;

    /// <summary>The format version of the file (1 or 2).</summary>
    public int Version => _version;

    /// <summary>Number of symbols.</summary>
    public int SymbolCount => _symbolOffsets.Length;

    public static IndexReader Open(string path)
    {
        var f = new MappedFile(path);
        try
        {
            return Open(f);
        }
        catch
        {
            f.Dispose();
            throw;
        }
    }

    private static IndexReader Open(MappedFile f)
    {
        if (f.Length < IndexWriter.HeaderSize + IndexWriter.TocSize)
        {
            throw new CorruptBlockException($"{f.Path}: too short for an index ({f.Length} bytes)");
        }
        var hdr = f.Span(0, IndexWriter.HeaderSize);
        int version = hdr[4];
        if (BinaryPrimitives.ReadUInt32LittleEndian(hdr) != IndexWriter.Magic || version is not (1 or IndexWriter.Version))
        {
            throw new CorruptBlockException($"{f.Path}: not an Ariane index (bad magic or version)");
        }
        int seriesShift = version == 1 ? 4 : hdr[5];
        if (seriesShift > 6)
        {
            throw new CorruptBlockException($"{f.Path}: series alignment 2^{seriesShift} out of range");
        }
        var tocBytes = f.Span(f.Length - IndexWriter.TocSize, IndexWriter.TocSize);
        // Version 2's CRC of the table of contents covers the header too.
        if (Crc32C.Append(version == 1 ? 0 : Crc32C.Append(0, hdr), tocBytes[..40]) != BinaryPrimitives.ReadUInt32LittleEndian(tocBytes[40..]))
        {
            throw new CorruptBlockException($"{f.Path}: table of contents fails its checksum");
        }
        long symbolsOff = BinaryPrimitives.ReadInt64LittleEndian(tocBytes);
        long seriesOff = BinaryPrimitives.ReadInt64LittleEndian(tocBytes[8..]);
        long postingsOff = BinaryPrimitives.ReadInt64LittleEndian(tocBytes[16..]);
        long tableOff = BinaryPrimitives.ReadInt64LittleEndian(tocBytes[24..]);
        long tocOff = f.Length - IndexWriter.TocSize;
        Toc toc;
        if (version == 1)
        {
            long allOff = BinaryPrimitives.ReadInt64LittleEndian(tocBytes[32..]);
            if (!(IndexWriter.HeaderSize <= symbolsOff && symbolsOff <= seriesOff && seriesOff <= postingsOff
                && postingsOff <= allOff && allOff <= tableOff && tableOff <= tocOff))
            {
                throw new CorruptBlockException($"{f.Path}: table of contents out of order");
            }
            toc = new Toc(symbolsOff, seriesOff, postingsOff, postingsOff, allOff, tableOff, allOff, 0);
        }
        else
        {
            if (!(IndexWriter.HeaderSize <= symbolsOff && symbolsOff <= seriesOff && seriesOff + 4 <= postingsOff
                && postingsOff + 8 <= tableOff && tableOff <= tocOff))
            {
                throw new CorruptBlockException($"{f.Path}: table of contents out of order");
            }
            long postingsLen = BinaryPrimitives.ReadUInt32LittleEndian(f.Span(postingsOff, 4));
            if (postingsOff + 8 + postingsLen != tableOff)
            {
                throw new CorruptBlockException($"{f.Path}: postings section length does not match the table of contents");
            }
            toc = new Toc(symbolsOff, seriesOff, postingsOff - 4, postingsOff + 4, postingsOff + 4 + postingsLen, tableOff, 0,
                BinaryPrimitives.ReadInt64LittleEndian(tocBytes[32..]));
        }

        // Symbols.
        var sym = Section(f, symbolsOff, "symbols");
        var r = new ByteReader(sym);
        int count = (int)r.U32();
        if (count < 0 || count > sym.Length)
        {
            throw new CorruptBlockException($"{f.Path}: symbol count {count} out of range");
        }
        var symbolOffsets = new int[count];
        long symBase = symbolsOff + 4;
        for (int i = 0; i < count; i++)
        {
            long at = symBase + r.Position;
            if (at > int.MaxValue)
            {
                throw new CorruptBlockException($"{f.Path}: symbol table too large");
            }
            symbolOffsets[i] = (int)at;
            r.Skip(r.Length());
        }

        if (version == 1)
        {
            CheckV1(f, seriesOff, postingsOff, tableOff);
        }
        else
        {
            // One CRC over every series entry; one over all postings lists.
            uint crc = 0;
            for (long at = seriesOff; at < toc.SeriesEnd; at += 1 << 20)
            {
                crc = Crc32C.Append(crc, f.Span(at, (int)Math.Min(1 << 20, toc.SeriesEnd - at)));
            }
            if (crc != BinaryPrimitives.ReadUInt32LittleEndian(f.Span(toc.SeriesEnd, 4)))
            {
                throw new CorruptBlockException($"{f.Path}: series entries fail their checksum");
            }
            Section(f, postingsOff, "postings");
        }

        // Postings table.
        var table = Section(f, tableOff, "postings table");
        var tr = new ByteReader(table);
        int entries = (int)tr.U32();
        var names = new Dictionary<string, NameEntry>(StringComparer.Ordinal);
        var values = new List<int>();
        var offsets = new List<long>();
        int curName = -1;
        long postingsSize = version == 1 ? toc.All - toc.Postings : toc.PostingsEnd - toc.Postings;
        long off = 0;
        for (int i = 0; i < entries; i++)
        {
            int n = tr.Length(), v = tr.Length();
            off = version == 1 ? (long)tr.Uvarint() : off + (long)tr.Uvarint();
            if (n >= count || v >= count || off >= postingsSize)
            {
                throw new CorruptBlockException($"{f.Path}: postings table entry {i} out of range");
            }
            if (n != curName)
            {
                Flush();
                curName = n;
            }
            values.Add(v);
            offsets.Add(off);
        }
        Flush();
        return new IndexReader(f, version, seriesShift, symbolOffsets, names, toc);

        void Flush()
        {
            if (curName >= 0)
            {
                names[DecodeSymbol(f, symbolOffsets[curName])] = new NameEntry([.. values], [.. offsets]);
            }
            values.Clear();
            offsets.Clear();
        }
    }

    // Version 1: each series entry (16-byte aligned) and each postings list has its own CRC.
    private static void CheckV1(MappedFile f, long seriesOff, long postingsOff, long tableOff)
    {
        long pos = seriesOff;
        while (pos < postingsOff)
        {
            long aligned = (pos + IndexWriter.SeriesAlignV1 - 1) / IndexWriter.SeriesAlignV1 * IndexWriter.SeriesAlignV1;
            if (aligned >= postingsOff)
            {
                break;
            }
            pos = aligned;
            var er = new ByteReader(f.Span(pos, (int)Math.Min(10, postingsOff - pos)));
            int len = er.Length();
            var payload = f.Span(pos + er.Position, len);
            uint crc = BinaryPrimitives.ReadUInt32LittleEndian(f.Span(pos + er.Position + len, 4));
            if (Crc32C.Append(0, payload) != crc)
            {
                throw new CorruptBlockException($"{f.Path}: series entry at offset {pos} fails its checksum");
            }
            pos += er.Position + len + 4;
        }
        pos = postingsOff;
        while (pos < tableOff)
        {
            int len = (int)BinaryPrimitives.ReadUInt32LittleEndian(f.Span(pos, 4));
            Section(f, pos, "postings");
            pos += 4 + (long)len + 4;
        }
    }

    // A section at off: len u32 | contents (len bytes) | crc32c u32. Returns the contents.
    private static ReadOnlySpan<byte> Section(MappedFile f, long off, string what)
    {
        int len = (int)BinaryPrimitives.ReadUInt32LittleEndian(f.Span(off, 4));
        var body = f.Span(off + 4, len);
        uint crc = BinaryPrimitives.ReadUInt32LittleEndian(f.Span(off + 4 + len, 4));
        if (Crc32C.Append(0, body) != crc)
        {
            throw new CorruptBlockException($"{f.Path}: {what} section at offset {off} fails its checksum");
        }
        return body;
    }

    private static string DecodeSymbol(MappedFile f, int offset)
    {
        var r = new ByteReader(f.Span(offset, (int)Math.Min(10, f.Length - offset)));
        int len = r.Length();
        return Encoding.UTF8.GetString(f.Span(offset + r.Position, len));
    }

    /// <summary>The string of symbol <paramref name="r"/>.</summary>
    public string Symbol(int r)
    {
        if ((uint)r >= (uint)_symbolOffsets.Length)
        {
            throw new CorruptBlockException($"{_f.Path}: symbol reference {r} out of range");
        }
        return _symbolCache[r] ??= DecodeSymbol(_f, _symbolOffsets[r]);
    }

    /// <summary>Sorted label names of the block.</summary>
    public IReadOnlyList<string> LabelNames() => _sortedNames;

    /// <summary>Sorted values of label <paramref name="name"/> in the block.</summary>
    public IReadOnlyList<string> LabelValues(string name)
    {
        if (!_names.TryGetValue(name, out var e))
        {
            return [];
        }
        var list = new string[e.Values.Length];
        for (int i = 0; i < list.Length; i++)
        {
            list[i] = Symbol(e.Values[i]);
        }
        return list;
    }

    /// <summary>Number of distinct values of <paramref name="name"/>.</summary>
    public int ValueCount(string name) => _names.TryGetValue(name, out var e) ? e.Values.Length : 0;

    /// <summary>Calls <paramref name="match"/> on each value of <paramref name="name"/> and collects the postings of those it accepts.</summary>
    public void PostingsMatching(string name, Func<string, bool> match, List<uint[]> into)
    {
        if (!_names.TryGetValue(name, out var e))
        {
            return;
        }
        for (int i = 0; i < e.Values.Length; i++)
        {
            if (match(Symbol(e.Values[i])))
            {
                into.Add(ReadPostings(_postingsOff + e.Offsets[i]));
            }
        }
    }

    /// <summary>The sorted series ids having label <paramref name="name"/>=<paramref name="value"/> (empty when none).</summary>
    public uint[] Postings(string name, string value)
    {
        if (!_names.TryGetValue(name, out var e))
        {
            return [];
        }
        int lo = 0, hi = e.Values.Length - 1;
        while (lo <= hi)
        {
            int mid = (lo + hi) >>> 1;
            int c = string.CompareOrdinal(Symbol(e.Values[mid]), value);
            if (c == 0)
            {
                return ReadPostings(_postingsOff + e.Offsets[mid]);
            }
            if (c < 0)
            {
                lo = mid + 1;
            }
            else
            {
                hi = mid - 1;
            }
        }
        return [];
    }

    /// <summary>Every series id of the block, sorted.</summary>
    public uint[] AllPostings()
    {
        // Version 2's list of every series is the first of the postings section.
        return _version == 1 ? ReadPostingsV1(_allOff) : ReadPostingsV2(_postingsOff);
    }

    private uint[] ReadPostings(long off) => _version == 1 ? ReadPostingsV1(off) : ReadPostingsV2(off);

    private uint[] ReadPostingsV1(long off)
    {
        int len = (int)BinaryPrimitives.ReadUInt32LittleEndian(_f.Span(off, 4));
        var body = _f.Span(off + 4, len);
        int n = (int)BinaryPrimitives.ReadUInt32LittleEndian(body);
        if (n < 0 || (long)n * 4 + 4 != len)
        {
            throw new CorruptBlockException($"{_f.Path}: postings list at offset {off} has a bad length");
        }
        var ids = new uint[n];
        for (int i = 0; i < n; i++)
        {
            ids[i] = BinaryPrimitives.ReadUInt32LittleEndian(body[(4 + i * 4)..]);
        }
        return ids;
    }

    // Version 2: see IndexWriter.PutPostings.
    private uint[] ReadPostingsV2(long off)
    {
        // The span runs to the end of the file (the table and table of contents follow the postings), so that the
        // last fields can be loaded as whole words.
        var body = _f.Span(off, (int)Math.Min(int.MaxValue, _f.Length - off));
        int limit = (int)Math.Min(int.MaxValue, _postingsEnd - off);
        int pos = 0;
        ulong n = ReadUvarint(body, ref pos);
        if (n > (ulong)(_seriesEnd - _seriesOff)) // ids are distinct entries
        {
            throw new CorruptBlockException($"{_f.Path}: postings list at offset {off} has a bad count");
        }
        var ids = new uint[n];
        if (n == 0)
        {
            return ids;
        }
        ulong first = ReadUvarint(body, ref pos);
        uint id = (uint)first;
        ids[0] = id;
        if (n == 1)
        {
            return ids;
        }
        uint dmin = (uint)ReadUvarint(body, ref pos);
        int w = pos < limit ? body[pos++] : 33;
        if (w > 32 || (long)pos + ((long)(n - 1) * w + 7) / 8 > limit || body.Length - pos < 8 + ((long)(n - 1) * w + 7) / 8)
        {
            throw new CorruptBlockException($"{_f.Path}: postings list at offset {off} is truncated or has a bad width");
        }
        // Checked above: 8 bytes are readable from every field's first byte, so the loop loads words unchecked.
        ref byte bits = ref Unsafe.Add(ref MemoryMarshal.GetReference(body), pos);
        ulong mask = (1UL << w) - 1;
        long at = 0;
        for (int i = 1; i < ids.Length; i++, at += w)
        {
            ulong word = Unsafe.ReadUnaligned<ulong>(ref Unsafe.Add(ref bits, (nint)(at >> 3)));
            if (!BitConverter.IsLittleEndian)
            {
                word = BinaryPrimitives.ReverseEndianness(word);
            }
            id += dmin + (uint)((word >> (int)(at & 7)) & mask);
            ids[i] = id;
        }
        return ids;
    }

    private ulong ReadUvarint(ReadOnlySpan<byte> b, ref int pos)
    {
        ulong u = 0;
        for (int shift = 0; shift < 64; shift += 7)
        {
            if (pos >= b.Length)
            {
                break;
            }
            byte x = b[pos++];
            u |= (ulong)(x & 0x7F) << shift;
            if (x < 0x80)
            {
                return u;
            }
        }
        throw new CorruptBlockException($"{_f.Path}: bad varint in postings");
    }

    /// <summary>Reads series <paramref name="id"/>: its labels and (when <paramref name="chunks"/> is given) its chunk metas.</summary>
    public Labels Series(uint id, List<ChunkMeta>? chunks)
    {
        long pos = _version == 1 ? (long)id * IndexWriter.SeriesAlignV1 : _seriesOff + ((long)id << _seriesShift);
        long end = _version == 1 ? _f.Length : _seriesEnd;
        if (pos >= end)
        {
            throw new CorruptBlockException($"{_f.Path}: series {id} out of range");
        }
        var r = new ByteReader(_f.Span(pos, (int)Math.Min(10, end - pos)));
        int len = r.Length();
        if (len > end - pos - r.Position)
        {
            throw new CorruptBlockException($"{_f.Path}: series {id} runs past the series section");
        }
        var p = new ByteReader(_f.Span(pos + r.Position, len));
        int n = p.Length();
        if (n > len)
        {
            throw new CorruptBlockException($"{_f.Path}: series {id} has a bad label count");
        }
        var labels = new Label[n];
        for (int i = 0; i < n; i++)
        {
            labels[i] = new Label(Symbol(p.Length()), Symbol(p.Length()));
        }
        if (chunks is not null)
        {
            if (_version == 1)
            {
                ReadChunkMetasV1(ref p, chunks);
            }
            else
            {
                ReadChunkMetas(ref p, _baseTime, chunks);
            }
        }
        return Labels.FromSorted(labels);
    }

    private static void ReadChunkMetasV1(ref ByteReader p, List<ChunkMeta> chunks)
    {
        int nc = p.Length();
        long prevMaxT = 0;
        ulong prevRef = 0;
        for (int i = 0; i < nc; i++)
        {
            long mint = i == 0 ? p.Varint() : prevMaxT + p.Varint();
            long maxt = mint + (long)p.Uvarint();
            ulong cref = i == 0 ? p.Uvarint() : prevRef + (ulong)p.Varint();
            chunks.Add(new ChunkMeta(mint, maxt, cref));
            prevMaxT = maxt;
            prevRef = cref;
        }
    }

    /// <summary>Reads what <see cref="IndexWriter.WriteChunkMetas"/> wrote.</summary>
    internal static void ReadChunkMetas(ref ByteReader p, long baseTime, List<ChunkMeta> chunks)
    {
        int nc = p.Length();
        long prevMaxT = 0, prevGap = 0, prevSpan = 0;
        ulong prevRef = 0;
        for (int i = 0; i < nc; i++)
        {
            long mint, span;
            ulong cref;
            if (i == 0)
            {
                mint = baseTime + p.Varint();
                span = (long)p.Uvarint();
                cref = p.Uvarint();
            }
            else
            {
                long gap = prevGap + p.Varint();
                mint = prevMaxT + gap;
                span = prevSpan + p.Varint();
                cref = prevRef + (ulong)p.Varint();
                prevGap = gap;
            }
            long maxt = mint + span;
            chunks.Add(new ChunkMeta(mint, maxt, cref));
            prevMaxT = maxt;
            prevSpan = span;
            prevRef = cref;
        }
    }

    /// <summary>Adds the bytes of the index, part by part, to <paramref name="m"/> (for <c>tsdb analyze --bytes</c>).</summary>
    public void Measure(BlockBytes m)
    {
        m.IndexHeaderToc += IndexWriter.HeaderSize + IndexWriter.TocSize;
        long symLen = BinaryPrimitives.ReadUInt32LittleEndian(_f.Span(_symbolsOff, 4));
        m.Symbols += symLen + 8;
        long seriesEnd = _version == 1 ? _postingsOff : _seriesEnd;
        long pos = _seriesOff;
        var metas = new List<ChunkMeta>();
        while (pos < seriesEnd)
        {
            // Version 1 aligns entries to file offsets, version 2 to offsets from the first entry.
            long from = _version == 1 ? 0 : _seriesOff, align = 1L << _seriesShift;
            long aligned = from + (pos - from + align - 1) / align * align;
            if (aligned >= seriesEnd)
            {
                m.SeriesPadding += seriesEnd - pos;
                break;
            }
            m.SeriesPadding += aligned - pos;
            pos = aligned;
            var r = new ByteReader(_f.Span(pos, (int)Math.Min(10, seriesEnd - pos)));
            int len = r.Length();
            var p = new ByteReader(_f.Span(pos + r.Position, len));
            int n = p.Length();
            for (int i = 0; i < 2 * n; i++)
            {
                p.Uvarint();
            }
            int labelBytes = p.Position;
            metas.Clear();
            if (_version == 1)
            {
                ReadChunkMetasV1(ref p, metas);
            }
            else
            {
                ReadChunkMetas(ref p, _baseTime, metas);
            }
            m.SeriesEntries++;
            m.ChunkMetas += metas.Count;
            m.SeriesLabels += labelBytes;
            m.SeriesChunkMetas += len - labelBytes;
            m.SeriesFraming += r.Position + (_version == 1 ? 4 : 0);
            m.PostingsEntries += n;
            pos += r.Position + len + (_version == 1 ? 4 : 0);
        }
        if (_version == 1)
        {
            long lists = 0;
            long at = _postingsOff;
            while (at < _allOff)
            {
                long len = BinaryPrimitives.ReadUInt32LittleEndian(_f.Span(at, 4));
                lists++;
                at += 4 + len + 4;
            }
            long listBytes = _allOff - _postingsOff;
            m.PostingsIds += listBytes - lists * 12;
            m.PostingsFraming += lists * 12;
            m.PostingsAll += _tableOff - _allOff;
        }
        else
        {
            m.SeriesFraming += 4; // the series CRC
            long at = _postingsOff;
            for (int list = 0; at < _postingsEnd; list++)
            {
                var body = _f.Span(at, (int)(_postingsEnd - at));
                int q = 0;
                ulong n = ReadUvarint(body, ref q);
                int header = q;
                if (n > 0)
                {
                    ReadUvarint(body, ref q);
                }
                if (n > 1)
                {
                    ReadUvarint(body, ref q);
                    int w = body[q++];
                    header = q;
                    q += (int)(((long)(n - 1) * w + 7) / 8);
                }
                if (list == 0)
                {
                    m.PostingsAll += q; // the list of every series comes first
                }
                else
                {
                    m.PostingsIds += q - header;
                    m.PostingsFraming += header;
                }
                at += q;
            }
            m.PostingsFraming += 8;
        }
        long tableLen = BinaryPrimitives.ReadUInt32LittleEndian(_f.Span(_tableOff, 4));
        m.PostingsTable += tableLen + 8;
    }

    public void Dispose() => _f.Dispose();
}
