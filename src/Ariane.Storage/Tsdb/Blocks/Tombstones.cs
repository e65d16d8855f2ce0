using System.Buffers.Binary;

namespace Ariane.Tsdb.Blocks;

/// <summary>A closed time interval [MinT, MaxT] in milliseconds.</summary>
public readonly record struct Interval(long MinT, long MaxT)
{
    /// <summary>True when <paramref name="t"/> lies in the interval (both ends included).</summary>
    public bool Contains(long t) => t >= MinT && t <= MaxT;
}

/// <summary>
/// Deleted intervals per series of a block (its <c>tombstones</c> file): header (magic, version), then
/// <c>count uvarint | (series id uvarint | n uvarint | (mint varint | maxt varint) × n) × count | crc32c u32le</c>,
/// the CRC over everything after the header. Immutable once built.
/// </summary>
internal sealed class Tombstones
{
    public const string FileName = "tombstones";
    public const uint Magic = 0x424D5441; // "ATMB"
    public const byte Version = 1;

    public static readonly Tombstones Empty = new([]);

    private readonly Dictionary<uint, Interval[]> _m;

    public Tombstones(Dictionary<uint, Interval[]> m) => _m = m;

    public int Count => _m.Count;

    /// <summary>Total intervals over all series.</summary>
    public int IntervalCount
    {
        get
        {
            int n = 0;
            foreach (var v in _m.Values)
            {
                n += v.Length;
            }
            return n;
        }
    }

    public IEnumerable<KeyValuePair<uint, Interval[]>> Entries => _m;

    /// <summary>The deleted intervals of series <paramref name="id"/>, or null.</summary>
    public Interval[]? Get(uint id) => _m.TryGetValue(id, out var v) ? v : null;

    /// <summary>A copy with <paramref name="add"/> merged in (intervals of a series sorted and coalesced).</summary>
    public Tombstones With(IEnumerable<KeyValuePair<uint, Interval>> add)
    {
        var lists = new Dictionary<uint, List<Interval>>();
        foreach (var (id, ivs) in _m)
        {
            lists[id] = [.. ivs];
        }
        foreach (var (id, iv) in add)
        {
            if (!lists.TryGetValue(id, out var l))
            {
                lists[id] = l = [];
            }
            l.Add(iv);
        }
        var m = new Dictionary<uint, Interval[]>(lists.Count);
        foreach (var (id, l) in lists)
        {
            l.Sort(static (a, b) => a.MinT.CompareTo(b.MinT));
            var merged = new List<Interval>(l.Count);
            foreach (var iv in l)
            {
                if (merged.Count > 0 && iv.MinT <= merged[^1].MaxT + 1)
                {
                    var last = merged[^1];
                    merged[^1] = new Interval(last.MinT, Math.Max(last.MaxT, iv.MaxT));
                }
                else
                {
                    merged.Add(iv);
                }
            }
            m[id] = [.. merged];
        }
        return new Tombstones(m);
    }

    /// <summary>Writes the file into <paramref name="blockDir"/> through a temporary file and a rename.</summary>
    public void Write(string blockDir)
    {
        var b = new ByteBuffer(64);
        b.U32(Magic);
        b.Byte(Version);
        b.Byte(0);
        b.Byte(0);
        b.Byte(0);
        b.Uvarint((ulong)_m.Count);
        var ids = new List<uint>(_m.Keys);
        ids.Sort();
        foreach (uint id in ids)
        {
            var ivs = _m[id];
            b.Uvarint(id);
            b.Uvarint((ulong)ivs.Length);
            foreach (var iv in ivs)
            {
                b.Varint(iv.MinT);
                b.Varint(iv.MaxT);
            }
        }
        b.U32(Crc32C.Append(0, b.Span[8..]));
        string path = Path.Combine(blockDir, FileName);
        FileUtil.WriteAtomically(path, b.Span);
    }

    /// <summary>Reads the file of <paramref name="blockDir"/>; a missing file means no tombstones.</summary>
    public static Tombstones Read(string blockDir)
    {
        string path = Path.Combine(blockDir, FileName);
        if (!File.Exists(path))
        {
            return Empty;
        }
        var data = File.ReadAllBytes(path);
        if (data.Length < 12 || BinaryPrimitives.ReadUInt32LittleEndian(data) != Magic || data[4] != Version)
        {
            throw new CorruptBlockException($"{path}: not an Ariane tombstones file");
        }
        var body = data.AsSpan(8, data.Length - 12);
        if (Crc32C.Append(0, body) != BinaryPrimitives.ReadUInt32LittleEndian(data.AsSpan(data.Length - 4)))
        {
            throw new CorruptBlockException($"{path}: fails its checksum");
        }
        var r = new ByteReader(body);
        int n = r.Length();
        var m = new Dictionary<uint, Interval[]>(Math.Min(n, 1 << 16));
        for (int i = 0; i < n; i++)
        {
            uint id = (uint)r.Uvarint();
            var ivs = new Interval[Math.Min(r.Length(), body.Length)];
            for (int j = 0; j < ivs.Length; j++)
            {
                ivs[j] = new Interval(r.Varint(), r.Varint());
            }
            m[id] = ivs;
        }
        return new Tombstones(m);
    }
}
