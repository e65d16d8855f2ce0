using System.Globalization;
using System.Text;

namespace Ariane.Tests.PromQL.PromQLTest;

/// <summary>The counter-reset hint of a native histogram literal.</summary>
public enum CounterResetHint
{
    /// <summary><c>unknown</c> (the default).</summary>
    Unknown,
    /// <summary><c>reset</c>.</summary>
    Reset,
    /// <summary><c>not_reset</c>.</summary>
    NotReset,
    /// <summary><c>gauge</c>.</summary>
    Gauge,
}

/// <summary>
/// A native histogram as written in a script, <c>{{schema:0 sum:5 count:4 buckets:[1 2 1]}}</c>: the 11 keys of
/// FORMAT.md §5.1 with their defaults. Bucket counts are absolute (not deltas). <see cref="Hint"/> is null when
/// the literal does not state <c>counter_reset_hint</c>, because expected results compare it only when stated.
/// Ariane cannot store native histograms yet; this record is what the runner keeps until it can.
/// </summary>
public sealed record HistogramLiteral
{
    /// <summary>The schema used by custom-bucket (NHCB) histograms.</summary>
    public const int CustomBucketsSchema = -53;

    /// <summary><c>schema</c>: −4…8 exponential, −53 custom buckets.</summary>
    public int Schema { get; init; }

    /// <summary><c>sum</c>.</summary>
    public double Sum { get; init; }

    /// <summary><c>count</c>.</summary>
    public double Count { get; init; }

    /// <summary><c>z_bucket</c>: the zero bucket's count.</summary>
    public double ZeroCount { get; init; }

    /// <summary><c>z_bucket_w</c>: the zero bucket's width (threshold).</summary>
    public double ZeroThreshold { get; init; }

    /// <summary><c>buckets</c>: positive bucket counts starting at index <see cref="Offset"/>.</summary>
    public IReadOnlyList<double> Buckets { get; init; } = [];

    /// <summary><c>offset</c>: the index of the first positive bucket.</summary>
    public int Offset { get; init; }

    /// <summary><c>n_buckets</c>: negative bucket counts starting at index <see cref="NegativeOffset"/>.</summary>
    public IReadOnlyList<double> NegativeBuckets { get; init; } = [];

    /// <summary><c>n_offset</c>: the index of the first negative bucket.</summary>
    public int NegativeOffset { get; init; }

    /// <summary><c>custom_values</c>: upper bounds of custom buckets (schema −53).</summary>
    public IReadOnlyList<double> CustomValues { get; init; } = [];

    /// <summary><c>counter_reset_hint</c>, or null when not stated.</summary>
    public CounterResetHint? Hint { get; init; }

    /// <summary>
    /// <c>this + other</c> (or <c>this − other</c>), as the <c>{{A}}+{{B}}xN</c> progression needs: the finer
    /// exponential schema is reduced to the coarser, buckets are added index by index, the wider zero bucket
    /// wins. The hint of <c>this</c> is kept.
    /// </summary>
    public HistogramLiteral Combine(HistogramLiteral other, bool subtract)
    {
        double sign = subtract ? -1 : 1;
        if ((Schema == CustomBucketsSchema) != (other.Schema == CustomBucketsSchema))
        {
            throw new FormatException("cannot combine a custom-bucket histogram with an exponential one");
        }
        int schema = Math.Min(Schema, other.Schema);
        if (Schema == CustomBucketsSchema && !CustomValues.SequenceEqual(other.CustomValues))
        {
            throw new FormatException("cannot combine custom-bucket histograms with different custom_values");
        }
        var pos = new SortedDictionary<int, double>();
        var neg = new SortedDictionary<int, double>();
        AddBuckets(pos, Buckets, Offset, Schema, schema, 1);
        AddBuckets(pos, other.Buckets, other.Offset, other.Schema, schema, sign);
        AddBuckets(neg, NegativeBuckets, NegativeOffset, Schema, schema, 1);
        AddBuckets(neg, other.NegativeBuckets, other.NegativeOffset, other.Schema, schema, sign);
        var (pb, po) = Dense(pos);
        var (nb, no) = Dense(neg);
        return this with
        {
            Schema = schema,
            Sum = Sum + sign * other.Sum,
            Count = Count + sign * other.Count,
            ZeroCount = ZeroCount + sign * other.ZeroCount,
            ZeroThreshold = Math.Max(ZeroThreshold, other.ZeroThreshold),
            Buckets = pb,
            Offset = po,
            NegativeBuckets = nb,
            NegativeOffset = no,
        };
    }

    private static void AddBuckets(SortedDictionary<int, double> into, IReadOnlyList<double> counts, int offset, int from, int to, double sign)
    {
        for (int i = 0; i < counts.Count; i++)
        {
            int idx = offset + i;
            if (from != to && from != CustomBucketsSchema)
            {
                // Bucket idx covers (base^(idx-1), base^idx]; halving the resolution (from−to) times merges
                // 2^(from−to) neighbours, which is this shift on idx−1.
                idx = ((idx - 1) >> (from - to)) + 1;
            }
            into[idx] = (into.TryGetValue(idx, out double v) ? v : 0) + sign * counts[i];
        }
    }

    private static (double[] Counts, int Offset) Dense(SortedDictionary<int, double> buckets)
    {
        if (buckets.Count == 0)
        {
            return ([], 0);
        }
        int first = buckets.Keys.First();
        int last = buckets.Keys.Last();
        var counts = new double[last - first + 1];
        foreach (var (k, v) in buckets)
        {
            counts[k - first] = v;
        }
        return (counts, first);
    }

    /// <summary>Prints the literal back in script syntax, keys in a fixed order, defaults left out.</summary>
    public override string ToString()
    {
        var sb = new StringBuilder("{{");
        void Key(string k, string v) => sb.Append(sb.Length > 2 ? " " : "").Append(k).Append(':').Append(v);
        static string List(IReadOnlyList<double> l) => "[" + string.Join(" ", l.Select(SeriesDescParser.FormatFloat)) + "]";
        if (Schema != 0)
        {
            Key("schema", Schema.ToString(CultureInfo.InvariantCulture));
        }
        if (Sum != 0)
        {
            Key("sum", SeriesDescParser.FormatFloat(Sum));
        }
        if (Count != 0)
        {
            Key("count", SeriesDescParser.FormatFloat(Count));
        }
        if (ZeroCount != 0)
        {
            Key("z_bucket", SeriesDescParser.FormatFloat(ZeroCount));
        }
        if (ZeroThreshold != 0)
        {
            Key("z_bucket_w", SeriesDescParser.FormatFloat(ZeroThreshold));
        }
        if (Buckets.Count > 0)
        {
            Key("buckets", List(Buckets));
        }
        if (Offset != 0)
        {
            Key("offset", Offset.ToString(CultureInfo.InvariantCulture));
        }
        if (NegativeBuckets.Count > 0)
        {
            Key("n_buckets", List(NegativeBuckets));
        }
        if (NegativeOffset != 0)
        {
            Key("n_offset", NegativeOffset.ToString(CultureInfo.InvariantCulture));
        }
        if (CustomValues.Count > 0)
        {
            Key("custom_values", List(CustomValues));
        }
        if (Hint is { } h)
        {
            Key("counter_reset_hint", h switch
            {
                CounterResetHint.Reset => "reset",
                CounterResetHint.NotReset => "not_reset",
                CounterResetHint.Gauge => "gauge",
                _ => "unknown",
            });
        }
        return sb.Append("}}").ToString();
    }

    /// <summary>Value equality over every key (the generated one would compare the lists by reference).</summary>
    public bool Equals(HistogramLiteral? other) => other is not null && ToString() == other.ToString();

    /// <inheritdoc/>
    public override int GetHashCode() => ToString().GetHashCode(StringComparison.Ordinal);
}
