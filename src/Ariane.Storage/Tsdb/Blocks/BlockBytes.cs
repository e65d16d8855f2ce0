using System.Globalization;
using System.Text;

namespace Ariane.Tsdb.Blocks;

/// <summary>
/// Where the bytes of one or more blocks go, part by part of the index and the chunk files (<c>ariane tsdb analyze
/// --bytes</c>); filled by <see cref="IndexReader.Measure"/> and <see cref="ChunkReader.Measure"/>.
/// </summary>
public sealed class BlockBytes
{
    /// <summary>Blocks measured.</summary>
    public long Blocks { get; set; }
    /// <summary>Samples in them, from their meta.json.</summary>
    public long Samples { get; set; }
    /// <summary>Bytes of their meta.json and tombstones files.</summary>
    public long OtherFiles { get; set; }

    /// <summary>Index bytes: header and table of contents.</summary>
    public long IndexHeaderToc { get; set; }
    /// <summary>Index bytes: the symbol table.</summary>
    public long Symbols { get; set; }
    /// <summary>Series entries in the indexes (a count).</summary>
    public long SeriesEntries { get; set; }
    /// <summary>Index bytes: the series entries' label references.</summary>
    public long SeriesLabels { get; set; }
    /// <summary>Index bytes: the series entries' chunk metas.</summary>
    public long SeriesChunkMetas { get; set; }
    /// <summary>Chunk metas in the indexes (a count).</summary>
    public long ChunkMetas { get; set; }
    /// <summary>Index bytes: series entry lengths and checksums.</summary>
    public long SeriesFraming { get; set; }
    /// <summary>Index bytes: the alignment padding between series entries.</summary>
    public long SeriesPadding { get; set; }
    /// <summary>Index bytes: series ids in the postings lists.</summary>
    public long PostingsIds { get; set; }
    /// <summary>Postings entries (a count).</summary>
    public long PostingsEntries { get; set; }
    /// <summary>Index bytes: postings lengths, counts and checksums.</summary>
    public long PostingsFraming { get; set; }
    /// <summary>Index bytes: the all-series postings list.</summary>
    public long PostingsAll { get; set; }
    /// <summary>Index bytes: the postings offset table.</summary>
    public long PostingsTable { get; set; }

    /// <summary>Chunk file bytes: file headers.</summary>
    public long ChunkFileHeaders { get; set; }
    /// <summary>Chunk records (a count).</summary>
    public long Records { get; set; }
    /// <summary>Chunk file bytes: record lengths and CRCs.</summary>
    public long RecordFraming { get; set; }
    /// <summary>Chunk file bytes: record encoding and sample count.</summary>
    public long RecordHeaders { get; set; }
    /// <summary>XOR-encoded chunk records (a count).</summary>
    public long XorRecords { get; set; }
    /// <summary>Chunk file bytes: XOR chunk data.</summary>
    public long XorData { get; set; }
    /// <summary>Delta-encoded chunk records (a count).</summary>
    public long DeltaRecords { get; set; }
    /// <summary>Chunk file bytes: delta chunks' timestamp headers.</summary>
    public long DeltaTimeHeader { get; set; }
    /// <summary>Chunk file bytes: delta chunks' value headers.</summary>
    public long DeltaValueHeader { get; set; }
    /// <summary>Chunk file bytes: delta chunks' timestamp fields.</summary>
    public long DeltaTimeBits { get; set; }
    /// <summary>Chunk file bytes: delta chunks' value fields.</summary>
    public long DeltaValueBits { get; set; }
    /// <summary>Chunk records that carry start timestamps (a count).</summary>
    public long StartTimeRecords { get; set; }
    /// <summary>Chunk file bytes: start-timestamp columns.</summary>
    public long StartTimeBytes { get; set; }

    /// <summary>Bytes of the index files.</summary>
    public long Index => IndexHeaderToc + Symbols + SeriesLabels + SeriesChunkMetas + SeriesFraming + SeriesPadding
        + PostingsIds + PostingsFraming + PostingsAll + PostingsTable;

    /// <summary>Bytes of the chunk files.</summary>
    public long Chunks => ChunkFileHeaders + RecordFraming + RecordHeaders + XorData
        + DeltaTimeHeader + DeltaValueHeader + DeltaTimeBits + DeltaValueBits + StartTimeBytes;

    /// <summary>Adds the meta and tombstones files of a block, and counts it.</summary>
    public void AddBlock(Block b)
    {
        Blocks++;
        Samples += b.Meta.NumSamples;
        foreach (string name in new[] { BlockMeta.FileName, Tombstones.FileName })
        {
            var fi = new FileInfo(Path.Combine(b.Dir, name));
            OtherFiles += fi.Exists ? fi.Length : 0;
        }
    }

    /// <summary>Measures a block into this breakdown.</summary>
    public void Measure(Block b)
    {
        AddBlock(b);
        b.Index.Measure(this);
        b.Chunks.Measure(this);
    }

    /// <summary>A table: part, bytes, share of the total, bytes per sample, and per unit where one applies.</summary>
    public string Render()
    {
        var inv = CultureInfo.InvariantCulture;
        long total = Index + Chunks + OtherFiles;
        var sb = new StringBuilder();
        sb.Append(inv, $"Blocks: {Blocks}, samples: {Samples}, series entries: {SeriesEntries}, chunk metas: {ChunkMetas}, chunk records: {Records} ({DeltaRecords} delta, {XorRecords} XOR)\n");
        sb.Append("| part | bytes | share | bytes / sample | per |\n| --- | ---: | ---: | ---: | --- |\n");
        void Row(string name, long bytes, string per = "", long units = 0)
        {
            string perText = units > 0 ? ((double)bytes / units).ToString("F2", inv) + " B / " + per : "";
            sb.Append(inv, $"| {name} | {bytes} | {(total == 0 ? 0 : 100.0 * bytes / total):F1}% | {(Samples == 0 ? 0 : (double)bytes / Samples):F4} | {perText} |\n");
        }
        Row("**index**", Index, "series entry", SeriesEntries);
        Row("index: header and table of contents", IndexHeaderToc);
        Row("index: symbols", Symbols);
        Row("index: series labels", SeriesLabels, "series entry", SeriesEntries);
        Row("index: chunk metas", SeriesChunkMetas, "chunk meta", ChunkMetas);
        Row("index: series lengths and checksums", SeriesFraming, "series entry", SeriesEntries);
        Row("index: series alignment padding", SeriesPadding, "series entry", SeriesEntries);
        Row("index: postings ids", PostingsIds, "posting", PostingsEntries);
        Row("index: postings lengths, counts and checksums", PostingsFraming);
        Row("index: all-series postings list", PostingsAll, "series entry", SeriesEntries);
        Row("index: postings table", PostingsTable);
        Row("**chunks**", Chunks, "chunk record", Records);
        Row("chunks: file headers", ChunkFileHeaders);
        Row("chunks: record lengths and CRCs", RecordFraming, "chunk record", Records);
        Row("chunks: record encoding and count", RecordHeaders, "chunk record", Records);
        Row("chunks: XOR data", XorData, "XOR record", XorRecords);
        Row("chunks: delta timestamp headers", DeltaTimeHeader, "delta record", DeltaRecords);
        Row("chunks: delta value headers", DeltaValueHeader, "delta record", DeltaRecords);
        Row("chunks: delta timestamp fields", DeltaTimeBits, "delta record", DeltaRecords);
        Row("chunks: delta value fields", DeltaValueBits, "delta record", DeltaRecords);
        Row("chunks: start-timestamp columns", StartTimeBytes, "record with them", StartTimeRecords);
        Row("meta.json and tombstones", OtherFiles);
        Row("**total**", total);
        return sb.ToString();
    }
}
