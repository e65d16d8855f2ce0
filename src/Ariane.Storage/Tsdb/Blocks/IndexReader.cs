using System.Buffers.Binary;
using System.Text;
using Ariane.Model;
using Ariane.Tsdb.Wal;

namespace Ariane.Tsdb.Blocks;

/// <summary>
/// Reads a block's memory-mapped <c>index</c>. Opening checks every checksum in the file (header, table of
/// contents, symbols, each series entry, each postings list, the postings table), so a damaged index is found
/// when the block is opened, not in the middle of a query. Thread safe.
/// </summary>
internal sealed class IndexReader : IDisposable
{
    private readonly MappedFile _f;
    private readonly int[] _symbolOffsets;   // symbol ref → file offset of its length-prefixed bytes
    private readonly string?[] _symbolCache; // decoded symbols, filled on first use (benign races)
    private readonly Dictionary<string, NameEntry> _names;
    private readonly string[] _sortedNames;
    private readonly long _postingsOff;
    private readonly long _allOff;

    private sealed class NameEntry(int[] values, long[] offsets)
    {
        public readonly int[] Values = values;   // value symbol refs, sorted (so in string order)
        public readonly long[] Offsets = offsets; // postings list offsets, relative to the postings section
    }

    private IndexReader(MappedFile f, int[] symbolOffsets, Dictionary<string, NameEntry> names, long postingsOff, long allOff)
    {
        _f = f;
        _symbolOffsets = symbolOffsets;
        _symbolCache = new string?[symbolOffsets.Length];
        _names = names;
        _sortedNames = [.. names.Keys];
        Array.Sort(_sortedNames, StringComparer.Ordinal);
        _postingsOff = postingsOff;
        _allOff = allOff;
    }

    /// <summary>Bytes of the index file.</summary>
    public long Size => _f.Length;

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
        if (BinaryPrimitives.ReadUInt32LittleEndian(hdr) != IndexWriter.Magic || hdr[4] != IndexWriter.Version)
        {
            throw new CorruptBlockException($"{f.Path}: not an Ariane index (bad magic or version)");
        }
        var toc = f.Span(f.Length - IndexWriter.TocSize, IndexWriter.TocSize);
        if (Crc32C.Append(0, toc[..40]) != BinaryPrimitives.ReadUInt32LittleEndian(toc[40..]))
        {
            throw new CorruptBlockException($"{f.Path}: table of contents fails its checksum");
        }
        long symbolsOff = BinaryPrimitives.ReadInt64LittleEndian(toc);
        long seriesOff = BinaryPrimitives.ReadInt64LittleEndian(toc[8..]);
        long postingsOff = BinaryPrimitives.ReadInt64LittleEndian(toc[16..]);
        long tableOff = BinaryPrimitives.ReadInt64LittleEndian(toc[24..]);
        long allOff = BinaryPrimitives.ReadInt64LittleEndian(toc[32..]);
        long tocOff = f.Length - IndexWriter.TocSize;
        if (!(IndexWriter.HeaderSize <= symbolsOff && symbolsOff <= seriesOff && seriesOff <= postingsOff
            && postingsOff <= allOff && allOff <= tableOff && tableOff <= tocOff))
        {
            throw new CorruptBlockException($"{f.Path}: table of contents out of order");
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

        // Series entries: walk them all to check each one's CRC.
        long pos = seriesOff;
        while (pos < postingsOff)
        {
            long aligned = (pos + IndexWriter.SeriesAlign - 1) / IndexWriter.SeriesAlign * IndexWriter.SeriesAlign;
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

        // Postings lists.
        pos = postingsOff;
        while (pos < tableOff)
        {
            int len = (int)BinaryPrimitives.ReadUInt32LittleEndian(f.Span(pos, 4));
            Section(f, pos, "postings");
            pos += 4 + (long)len + 4;
        }

        // Postings table.
        var table = Section(f, tableOff, "postings table");
        var tr = new ByteReader(table);
        int entries = (int)tr.U32();
        var names = new Dictionary<string, NameEntry>(StringComparer.Ordinal);
        var values = new List<int>();
        var offsets = new List<long>();
        int curName = -1;
        for (int i = 0; i < entries; i++)
        {
            int n = tr.Length(), v = tr.Length();
            long off = (long)tr.Uvarint();
            if (n >= count || v >= count || off > allOff - postingsOff)
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
        return new IndexReader(f, symbolOffsets, names, postingsOff, allOff);

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
    public uint[] AllPostings() => ReadPostings(_allOff);

    private uint[] ReadPostings(long off)
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

    /// <summary>Reads series <paramref name="id"/>: its labels and (when <paramref name="chunks"/> is given) its chunk metas.</summary>
    public Labels Series(uint id, List<ChunkMeta>? chunks)
    {
        long pos = (long)id * IndexWriter.SeriesAlign;
        var r = new ByteReader(_f.Span(pos, (int)Math.Min(10, _f.Length - pos)));
        int len = r.Length();
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
        return Labels.FromSorted(labels);
    }

    public void Dispose() => _f.Dispose();
}
