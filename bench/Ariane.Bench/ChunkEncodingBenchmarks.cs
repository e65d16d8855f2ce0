using System.Globalization;
using System.IO.Compression;
using Ariane.Bench.Load;
using Ariane.Tsdb;
using Ariane.Tsdb.Blocks;
using Ariane.Tsdb.Chunks;
using BenchmarkDotNet.Attributes;

namespace Ariane.Bench;

/// <summary>
/// The storage benchmark's data (bench/storage.sh: DataSet, every 15 s) cut into block chunks of 120 samples per
/// series, encoded as XOR only and as the block writer chooses (delta where it is no larger), by kind of series.
/// </summary>
internal sealed class ChunkData
{
    public sealed record Chunk(string Kind, long[] Ts, double[] Vs, ChunkEncoding Enc, byte[] Data, byte[] Xor, ChunkEncoding Enc1, byte[] Data1);

    public ChunkData(int instances = 2, double hours = 6, int samplesPerChunk = BlockWriter.SamplesPerChunk)
    {
        var ds = new DataSet(instances, 1_795_480_000_000L, hours, 15_000, 1);
        int n = ds.SeriesCount;
        var values = new double[ds.Steps][];
        for (int k = 0; k < ds.Steps; k++)
        {
            values[k] = ds.Step(k).ToArray();
        }
        var chooser = new ChunkEncoder(samplesPerChunk);
        var xorOnly = new ChunkEncoder(samplesPerChunk) { AllowDelta = false };
        var format1 = new ChunkEncoder(samplesPerChunk) { TimesInIndex = false };
        for (int s = 0; s < n; s++)
        {
            string kind = Kind(ds.LabelPairs(s));
            for (int from = 0; from < ds.Steps; from += samplesPerChunk)
            {
                int len = Math.Min(samplesPerChunk, ds.Steps - from);
                var ts = new long[len];
                var vs = new double[len];
                for (int i = 0; i < len; i++)
                {
                    ts[i] = ds.StartMs + (from + i) * ds.IntervalMs;
                    vs[i] = values[from + i][s];
                }
                var enc = chooser.Encode(ts, vs, out var data);
                var d = data.ToArray();
                xorOnly.Encode(ts, vs, out var xor);
                var enc1 = format1.Encode(ts, vs, out var data1);
                Chunks.Add(new Chunk(kind, ts, vs, enc, d, xor.ToArray(), enc1, data1.ToArray()));
            }
        }
    }

    public List<Chunk> Chunks { get; } = [];

    public long Samples
    {
        get
        {
            long n = 0;
            foreach (var c in Chunks)
            {
                n += c.Ts.Length;
            }
            return n;
        }
    }

    private static string Kind((string Name, string Value)[] labels)
    {
        string name = labels[0].Value;
        return name switch
        {
            "http_requests_total" => "counter (integer)",
            "http_request_duration_seconds_bucket" => "histogram bucket (integer)",
            "http_request_duration_seconds_count" => "histogram count (integer)",
            "http_request_duration_seconds_sum" => "histogram sum (6 places)",
            "node_cpu_seconds_total" => "cpu seconds (float sum of 2-place steps)",
            "node_filesystem_avail_bytes" => "bytes gauge (integer)",
            "app_queue_depth" => "queue gauge (integer)",
            "node_load1" => "load gauge (2 places)",
            _ => name,
        };
    }

    /// <summary>
    /// Prints bytes per sample by kind: the chunk data as XOR, as chosen, as chosen and then Brotli-compressed per
    /// chunk (random access kept) and, for scale, Brotli over all of a kind's chosen chunks at once (no random access).
    /// Each chunk record adds 8 bytes (length, encoding, count, CRC) and each index entry about 8 more.
    /// </summary>
    public static void PrintSizes(string[] args)
    {
        int instances = Arg(args, "--instances", 2), spc = Arg(args, "--samples-per-chunk", BlockWriter.SamplesPerChunk);
        double hours = Arg(args, "--hours", 6);
        var data = new ChunkData(instances, hours, spc);
        var kinds = new SortedDictionary<string, (long Samples, long Chunks, long Xor, long Chosen, long Delta, long Brotli, List<byte> All)>(StringComparer.Ordinal);
        var buf = new byte[1 << 16];
        foreach (var c in data.Chunks)
        {
            kinds.TryGetValue(c.Kind, out var k);
            k.All ??= [];
            k.Samples += c.Ts.Length;
            k.Chunks++;
            k.Xor += c.Xor.Length;
            k.Chosen += c.Data.Length;
            k.Delta += c.Enc != ChunkEncoding.Xor ? 1 : 0;
            k.Brotli += Math.Min(c.Data.Length, BrotliEncoder.TryCompress(c.Data, buf, out int b, 11, 22) ? b + 1 : c.Data.Length);
            k.All.AddRange(c.Data);
            kinds[c.Kind] = k;
        }
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"{instances} instances × {hours} h every 15 s, {spc} samples a chunk; chunk data only (add 8 B a chunk for the record, about 8 B for the index entry)\n"));
        Console.WriteLine("| kind | series | samples | XOR B/sample | chosen B/sample | chunks in delta | chosen + Brotli per chunk | chosen, Brotli over all (no random access) |");
        Console.WriteLine("|---|---:|---:|---:|---:|---:|---:|---:|");
        long ts = 0, tx = 0, tc = 0, td = 0, tb = 0, tch = 0, tall = 0;
        foreach (var (kind, k) in kinds)
        {
            long all = BrotliAll(k.All.ToArray());
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"| {kind} | {k.Samples / (long)(hours * 240)} | {k.Samples} | {(double)k.Xor / k.Samples:F3} | {(double)k.Chosen / k.Samples:F3} | {100.0 * k.Delta / k.Chunks:F0}% | {(double)k.Brotli / k.Samples:F3} | {(double)all / k.Samples:F3} |"));
            ts += k.Samples; tx += k.Xor; tc += k.Chosen; td += k.Delta; tb += k.Brotli; tch += k.Chunks; tall += all;
        }
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"| **all** | | {ts} | {(double)tx / ts:F3} | {(double)tc / ts:F3} | {100.0 * td / tch:F0}% | {(double)tb / ts:F3} | {(double)tall / ts:F3} |"));
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"\nwith 16 B a chunk of record and index: XOR {(double)(tx + 16 * tch) / ts:F3}, chosen {(double)(tc + 16 * tch) / ts:F3} B/sample ({tch} chunks)"));
    }

    private static long BrotliAll(byte[] all)
    {
        using var ms = new MemoryStream();
        using (var b = new BrotliStream(ms, CompressionLevel.SmallestSize, leaveOpen: true))
        {
            b.Write(all);
        }
        return ms.Length;
    }

    private static int Arg(string[] args, string name, int dflt)
    {
        int i = Array.IndexOf(args, name);
        return i >= 0 ? int.Parse(args[i + 1], CultureInfo.InvariantCulture) : dflt;
    }
}

/// <summary>
/// Decoding speed per sample of the storage benchmark's chunks through <see cref="ChunkDecoder"/>: as XOR only, and
/// in the encodings the block writer chooses. Per operation: one sample (OperationsPerInvoke = samples).
/// </summary>
[MemoryDiagnoser]
public class ChunkEncodingBenchmarks
{
    private ChunkData _data = null!;
    private readonly long[] _ts = new long[XorDecoder.MaxSamples];
    private readonly double[] _vs = new double[XorDecoder.MaxSamples];

    /// <summary>Which chunks: all, or one kind's initial word (counter, histogram, cpu, ...).</summary>
    [Params("all", "counter", "histogram bucket", "histogram sum", "cpu")]
    public string Kind { get; set; } = "all";

    private ChunkData.Chunk[] _chunks = [];

    [GlobalSetup]
    public void Setup()
    {
        _data = new ChunkData(instances: 2, hours: 6);
        var list = new List<ChunkData.Chunk>();
        foreach (var c in _data.Chunks)
        {
            if (Kind == "all" || c.Kind.StartsWith(Kind, StringComparison.Ordinal))
            {
                list.Add(c);
            }
        }
        _chunks = [.. list];
    }

    private int SampleCount
    {
        get
        {
            int n = 0;
            foreach (var c in _chunks)
            {
                n += c.Ts.Length;
            }
            return n;
        }
    }

    [Benchmark(Baseline = true)]
    public double DecodeXor()
    {
        double sum = 0;
        foreach (var c in _chunks)
        {
            ChunkDecoder.Decode(ChunkEncoding.Xor, c.Xor, c.Ts.Length, c.Ts[0], c.Ts[^1], _ts, _vs);
            sum += _vs[c.Ts.Length - 1];
        }
        return sum / SampleCount;
    }

    [Benchmark]
    public double DecodeChosenFormat1()
    {
        double sum = 0;
        foreach (var c in _chunks)
        {
            ChunkDecoder.Decode(c.Enc1, c.Data1, c.Ts.Length, c.Ts[0], c.Ts[^1], _ts, _vs);
            sum += _vs[c.Ts.Length - 1];
        }
        return sum / SampleCount;
    }

    [Benchmark]
    public double DecodeChosen()
    {
        double sum = 0;
        foreach (var c in _chunks)
        {
            ChunkDecoder.Decode(c.Enc, c.Data, c.Ts.Length, c.Ts[0], c.Ts[^1], _ts, _vs);
            sum += _vs[c.Ts.Length - 1];
        }
        return sum / SampleCount;
    }
}
