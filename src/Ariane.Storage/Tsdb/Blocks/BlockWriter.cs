using Ariane.Model;
using Ariane.Storage;
using Ariane.Tsdb.Chunks;

namespace Ariane.Tsdb.Blocks;

/// <summary>What a new block records about where it came from.</summary>
internal readonly record struct BlockLineage(int Level, IReadOnlyList<string> Sources, IReadOnlyList<string> Parents)
{
    public static BlockLineage Fresh => new(1, [], []);
}

/// <summary>
/// Writes a block from series in label order: samples re-encoded into chunks of up to 240 samples (each in
/// the smallest encoding that holds it exactly, see <see cref="ChunkEncoder"/>), chunk files,
/// index, tombstones (none) and meta, in <c>&lt;ulid&gt;.tmp</c>, fsynced, then renamed to <c>&lt;ulid&gt;</c>
/// (a crash leaves only a <c>.tmp</c> folder, which opening the database removes).
/// </summary>
internal static class BlockWriter
{
    public const string TmpSuffix = ".tmp";

    /// <summary>
    /// Samples per block chunk: twice the head's (and Prometheus's) 120, which halves the per-chunk record, index entry
    /// and encoding header (measured in docs/benchmarks.md); within <see cref="XorDecoder.MaxSamples"/>, the readers'
    /// buffer size.
    /// </summary>
    public const int SamplesPerChunk = 2 * XorAppender.SamplesPerChunk;

    /// <summary>
    /// Whether chunks may be written in <see cref="ChunkEncoding.Delta"/> (the default); false writes XOR only, as
    /// blocks were before it (tests and benchmarks compare the two).
    /// </summary>
    internal static bool AllowDelta { get; set; } = true;

    /// <summary>
    /// Writes the samples of <paramref name="series"/> with mint &lt;= t &lt; maxt into a new block under
    /// <paramref name="parentDir"/>. Returns its meta, or null when there was no sample to write.
    /// </summary>
    public static BlockMeta? Write(string parentDir, long mint, long maxt, ISeriesSet series, BlockLineage lineage, TimeProvider time)
    {
        var list = new List<ISeries>();
        var symbols = new HashSet<string>(StringComparer.Ordinal);
        Labels? prev = null;
        while (series.MoveNext())
        {
            var s = series.Current;
            if (prev is not null && prev.CompareTo(s.Labels) >= 0)
            {
                throw new ArgumentException("series must come sorted by labels without duplicates", nameof(series));
            }
            prev = s.Labels;
            list.Add(s);
            foreach (ref readonly var l in s.Labels.AsSpan())
            {
                symbols.Add(l.Name);
                symbols.Add(l.Value);
            }
        }
        var sortedSymbols = new List<string>(symbols);
        sortedSymbols.Sort(StringComparer.Ordinal);

        string ulid = Ulid.New(time.GetUtcNow().ToUnixTimeMilliseconds());
        string tmp = Path.Combine(parentDir, ulid + TmpSuffix);
        string final = Path.Combine(parentDir, ulid);
        Directory.CreateDirectory(tmp);
        try
        {
            long samples = 0, chunksWritten = 0, seriesWritten = 0;
            long minSeen = long.MaxValue, maxSeen = long.MinValue;
            using (var chunks = new ChunkWriter(tmp))
            using (var index = new IndexWriter(Path.Combine(tmp, "index"), mint))
            {
                index.AddSymbols(sortedSymbols);
                var metas = new List<ChunkMeta>();
                var encoder = new ChunkEncoder(SamplesPerChunk) { AllowDelta = AllowDelta };
                var cts = new long[SamplesPerChunk];
                var cvs = new double[SamplesPerChunk];
                var csts = new long[SamplesPerChunk];
                ISampleIterator? it = null;
                foreach (var s in list)
                {
                    metas.Clear();
                    it = s.Iterator(it);
                    if (!it.Seek(mint))
                    {
                        continue;
                    }
                    int n = 0;
                    long lastT = long.MinValue;
                    do
                    {
                        long t = it.T;
                        if (t >= maxt)
                        {
                            break;
                        }
                        if (t <= lastT)
                        {
                            continue; // a source repeating or going back in time: keep the first sample
                        }
                        if (n == SamplesPerChunk)
                        {
                            metas.Add(WriteChunk(chunks, encoder, cts, cvs, csts, n));
                            n = 0;
                        }
                        cts[n] = t;
                        cvs[n] = it.V;
                        csts[n] = it.ST;
                        n++;
                        lastT = t;
                        samples++;
                    }
                    while (it.Next());
                    if (n > 0)
                    {
                        metas.Add(WriteChunk(chunks, encoder, cts, cvs, csts, n));
                    }
                    if (metas.Count == 0)
                    {
                        continue;
                    }
                    minSeen = Math.Min(minSeen, metas[0].MinT);
                    maxSeen = Math.Max(maxSeen, metas[^1].MaxT);
                    index.AddSeries(s.Labels, System.Runtime.InteropServices.CollectionsMarshal.AsSpan(metas));
                    chunksWritten += metas.Count;
                    seriesWritten++;
                }
                if (seriesWritten == 0)
                {
                    index.Dispose();
                    chunks.Dispose();
                    Directory.Delete(tmp, recursive: true);
                    return null;
                }
                chunks.Finish();
                index.Finish();
            }
            Tombstones.Empty.Write(tmp);
            var meta = new BlockMeta
            {
                Ulid = ulid,
                MinTime = mint,
                MaxTime = maxt,
                NumSamples = samples,
                NumSeries = seriesWritten,
                NumChunks = chunksWritten,
                Level = lineage.Level,
                Sources = lineage.Sources.Count == 0 ? [ulid] : lineage.Sources,
                Parents = lineage.Parents,
            };
            meta.Write(tmp);
            FileUtil.SyncDir(Path.Combine(tmp, "chunks"));
            FileUtil.SyncDir(tmp);
            Directory.Move(tmp, final);
            FileUtil.SyncDir(parentDir);
            return meta;
        }
        catch
        {
            TryDelete(tmp);
            throw;
        }
    }

    // Encodes samples [0, n) of the buffers in the smallest encoding that holds them and writes the chunk.
    private static ChunkMeta WriteChunk(ChunkWriter chunks, ChunkEncoder encoder, long[] ts, double[] vs, long[] sts, int n)
    {
        var enc = encoder.Encode(ts.AsSpan(0, n), vs.AsSpan(0, n), sts.AsSpan(0, n), out var data);
        return new ChunkMeta(ts[0], ts[n - 1], chunks.Write(enc, n, data));
    }

    private static void TryDelete(string dir)
    {
        try
        {
            if (Directory.Exists(dir))
            {
                Directory.Delete(dir, recursive: true);
            }
        }
        catch (IOException)
        {
        }
        catch (UnauthorizedAccessException)
        {
        }
    }
}
