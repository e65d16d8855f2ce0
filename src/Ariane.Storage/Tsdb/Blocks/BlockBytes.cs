using System.Globalization;
using System.Text;

namespace Ariane.Tsdb.Blocks;

/// <summary>
/// Where the bytes of one or more blocks go, part by part of the index and the chunk files (<c>ariane tsdb analyze
/// --bytes</c>); filled by <see cref="IndexReader.Measure"/> and <see cref="ChunkReader.Measure"/>.
/// </summary>
public sealed class BlockBytes
{
    public long Blocks { get; set; }
    public long Samples { get; set; }
    public long OtherFiles { get; set; }

    public long IndexHeaderToc { get; set; }
    public long Symbols { get; set; }
    public long SeriesEntries { get; set; }
    public long SeriesLabels { get; set; }
    public long SeriesChunkMetas { get; set; }
    public long ChunkMetas { get; set; }
    public long SeriesFraming { get; set; }
    public long SeriesPadding { get; set; }
    public long PostingsIds { get; set; }
    public long PostingsEntries { get; set; }
    public long PostingsFraming { get; set; }
    public long PostingsAll { get; set; }
    public long PostingsTable { get; set; }

    public long ChunkFileHeaders { get; set; }
    public long Records { get; set; }
    public long RecordFraming { get; set; }
    public long RecordHeaders { get; set; }
    public long XorRecords { get; set; }
    public long XorData { get; set; }
    public long DeltaRecords { get; set; }
    public long DeltaTimeHeader { get; set; }
    public long DeltaValueHeader { get; set; }
    public long DeltaTimeBits { get; set; }
    public long DeltaValueBits { get; set; }
    public long StartTimeRecords { get; set; }
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
