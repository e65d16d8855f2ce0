using System.Text.Json;

namespace Ariane.Tsdb.Blocks;

/// <summary>
/// A block's <c>meta.json</c>, in the shape of Prometheus's: its id, the time range it covers (MaxTime
/// exclusive), counts, and its compaction history (level 1 for a block cut from the head; a compacted block's
/// level is one more than its highest parent's, its sources are the level-1 blocks it was made from).
/// </summary>
public sealed record BlockMeta
{
    /// <summary>The file's name in a block folder.</summary>
    public const string FileName = "meta.json";

    /// <summary>The block's id (a ULID, also its folder's name).</summary>
    public required string Ulid { get; init; }
    /// <summary>The first millisecond the block covers (inclusive).</summary>
    public required long MinTime { get; init; }
    /// <summary>The end of the time the block covers, in milliseconds (exclusive).</summary>
    public required long MaxTime { get; init; }
    /// <summary>Samples in the block.</summary>
    public long NumSamples { get; init; }
    /// <summary>Series in the block.</summary>
    public long NumSeries { get; init; }
    /// <summary>Chunks in the block.</summary>
    public long NumChunks { get; init; }
    /// <summary>Deleted intervals recorded in its tombstones file.</summary>
    public long NumTombstones { get; init; }
    /// <summary>Compaction level: 1 for a block cut from the head, one more than its highest parent's for a compacted one.</summary>
    public int Level { get; init; } = 1;
    /// <summary>The ids of the level-1 blocks this block was made from (its own id for a level-1 block).</summary>
    public IReadOnlyList<string> Sources { get; init; } = [];
    /// <summary>The ids of the blocks compacted into this one (empty for a level-1 block).</summary>
    public IReadOnlyList<string> Parents { get; init; } = [];

    /// <summary>True when the block has data for some t with mint &lt;= t &lt;= maxt.</summary>
    public bool Overlaps(long mint, long maxt) => MinTime <= maxt && MaxTime > mint;

    /// <summary>Writes <c>meta.json</c> into <paramref name="blockDir"/> atomically (a temporary file renamed).</summary>
    public void Write(string blockDir)
    {
        using var ms = new MemoryStream();
        using (var w = new Utf8JsonWriter(ms, new JsonWriterOptions { Indented = true }))
        {
            w.WriteStartObject();
            w.WriteString("ulid", Ulid);
            w.WriteNumber("minTime", MinTime);
            w.WriteNumber("maxTime", MaxTime);
            w.WriteStartObject("stats");
            w.WriteNumber("numSamples", NumSamples);
            w.WriteNumber("numSeries", NumSeries);
            w.WriteNumber("numChunks", NumChunks);
            w.WriteNumber("numTombstones", NumTombstones);
            w.WriteEndObject();
            w.WriteStartObject("compaction");
            w.WriteNumber("level", Level);
            w.WriteStartArray("sources");
            foreach (var s in Sources)
            {
                w.WriteStringValue(s);
            }
            w.WriteEndArray();
            w.WriteStartArray("parents");
            foreach (var p in Parents)
            {
                w.WriteStartObject();
                w.WriteString("ulid", p);
                w.WriteEndObject();
            }
            w.WriteEndArray();
            w.WriteEndObject();
            w.WriteNumber("version", 1);
            w.WriteEndObject();
        }
        FileUtil.WriteAtomically(Path.Combine(blockDir, FileName), ms.ToArray());
    }

    /// <summary>Reads the <c>meta.json</c> of <paramref name="blockDir"/>.</summary>
    public static BlockMeta Read(string blockDir)
    {
        string path = Path.Combine(blockDir, FileName);
        try
        {
            using var doc = JsonDocument.Parse(File.ReadAllBytes(path));
            var root = doc.RootElement;
            var stats = root.TryGetProperty("stats", out var st) ? st : default;
            var comp = root.GetProperty("compaction");
            var sources = new List<string>();
            if (comp.TryGetProperty("sources", out var src))
            {
                foreach (var s in src.EnumerateArray())
                {
                    sources.Add(s.GetString()!);
                }
            }
            var parents = new List<string>();
            if (comp.TryGetProperty("parents", out var par))
            {
                foreach (var p in par.EnumerateArray())
                {
                    parents.Add(p.GetProperty("ulid").GetString()!);
                }
            }
            return new BlockMeta
            {
                Ulid = root.GetProperty("ulid").GetString()!,
                MinTime = root.GetProperty("minTime").GetInt64(),
                MaxTime = root.GetProperty("maxTime").GetInt64(),
                NumSamples = Stat(stats, "numSamples"),
                NumSeries = Stat(stats, "numSeries"),
                NumChunks = Stat(stats, "numChunks"),
                NumTombstones = Stat(stats, "numTombstones"),
                Level = comp.GetProperty("level").GetInt32(),
                Sources = sources,
                Parents = parents,
            };
        }
        catch (Exception e) when (e is JsonException or KeyNotFoundException or InvalidOperationException or FormatException)
        {
            throw new CorruptBlockException($"{path}: {e.Message}", e);
        }
    }

    private static long Stat(JsonElement stats, string name) =>
        stats.ValueKind == JsonValueKind.Object && stats.TryGetProperty(name, out var v) ? v.GetInt64() : 0;
}
