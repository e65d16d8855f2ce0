using System.IO.Hashing;
using System.Runtime.CompilerServices;
using System.Text;

namespace Ariane.Model;

/// <summary>One label: a name and a value.</summary>
public readonly record struct Label(string Name, string Value);

/// <summary>
/// The identity of a series: an immutable set of labels sorted by name, hashed once at construction so
/// that lookups and comparisons are cheap. Names are unique; empty values are dropped, as in Prometheus.
/// <para>
/// A set has one of two forms with the same behaviour. The plain form holds an array of labels. The packed form,
/// which the head keeps for each of its series (and the scrape cache shares), holds the names and values as
/// <see cref="LabelSymbols"/> numbers in unsigned varints, inside the object when they fit in 23 bytes: about 56
/// bytes a series instead of 150. <see cref="Get"/>, equality, ordering and <see cref="Count"/> read the packed form
/// in place; <see cref="AsSpan"/> and the other members that hand out labels build a plain array each time, so
/// code that reads a packed set often asks for <see cref="Unpacked"/> once.
/// </para>
/// </summary>
public sealed class Labels : IEquatable<Labels>, IComparable<Labels>
{
    /// <summary>The label that names the metric.</summary>
    public const string MetricName = "__name__";

    /// <summary>The empty label set.</summary>
    public static readonly Labels Empty = new(Array.Empty<Label>(), 0);

    // Bytes of the inline packed buffer; the last one holds the length of the packed bytes.
    private const int InlineBytes = 24;

    [InlineArray(InlineBytes)]
    private struct InlineBuffer
    {
        private byte _b;
    }

    private readonly object? _data;           // Label[] (plain), byte[] (packed, longer than the inline buffer) or null (packed inline)
    private readonly InlineBuffer _inline;

    private Labels(Label[] sorted, ulong hash)
    {
        _data = sorted;
        Hash = hash;
    }

    private Labels(ReadOnlySpan<byte> packed, ulong hash)
    {
        if (packed.Length < InlineBytes)
        {
            Span<byte> dst = _inline;
            packed.CopyTo(dst);
            dst[InlineBytes - 1] = (byte)packed.Length;
        }
        else
        {
            _data = packed.ToArray();
        }
        Hash = hash;
    }

    /// <summary>A 64-bit hash of names and values, stable across processes.</summary>
    public ulong Hash { get; }

    /// <summary>Number of labels.</summary>
    public int Count
    {
        get
        {
            if (_data is Label[] plain)
            {
                return plain.Length;
            }
            // Every varint ends in a byte below 0x80; two varints a label.
            int ends = 0;
            foreach (byte b in Packed)
            {
                if (b < 0x80)
                {
                    ends++;
                }
            }
            return ends / 2;
        }
    }

    /// <summary>The labels in name order (for a packed set, a new array each call).</summary>
    public ReadOnlySpan<Label> AsSpan() => _data is Label[] plain ? plain : Unpack();

    /// <summary>The label at position <paramref name="i"/> in name order.</summary>
    public Label this[int i] => AsSpan()[i];

    /// <summary>True for the packed form (see the type's remarks).</summary>
    internal bool IsPacked => _data is not Label[];

    private ReadOnlySpan<byte> Packed
    {
        get
        {
            if (_data is byte[] b)
            {
                return b;
            }
            ReadOnlySpan<byte> inline = _inline;
            return inline[..inline[InlineBytes - 1]];
        }
    }

    /// <summary>
    /// The packed form of this set, its names and values numbered in <see cref="LabelSymbols"/> (this set if it is
    /// packed already). Materialised strings of a packed set are the symbol table's, so equal strings are shared.
    /// </summary>
    internal Labels Pack()
    {
        if (IsPacked)
        {
            return this;
        }
        var plain = (Label[])_data!;
        Span<byte> buf = stackalloc byte[256];
        byte[]? rented = null;
        int need = plain.Length * 10;
        if (need > buf.Length)
        {
            rented = System.Buffers.ArrayPool<byte>.Shared.Rent(need);
            buf = rented;
        }
        int pos = 0;
        foreach (ref readonly var l in plain.AsSpan())
        {
            pos = WriteVarint(buf, pos, (uint)LabelSymbols.Intern(l.Name));
            pos = WriteVarint(buf, pos, (uint)LabelSymbols.Intern(l.Value));
        }
        var packed = new Labels(buf[..pos], Hash);
        if (rented is not null)
        {
            System.Buffers.ArrayPool<byte>.Shared.Return(rented);
        }
        return packed;
    }

    /// <summary>This set in the plain form (this set if it is plain already), for code that reads it label by label.</summary>
    internal Labels Unpacked() => (_data is Label[]) ? this : new Labels(Unpack(), Hash);

    private Label[] Unpack()
    {
        var arr = new Label[Count];
        var r = new LabelReader(this);
        for (int i = 0; r.Next(out string name, out string value); i++)
        {
            arr[i] = new Label(name, value);
        }
        return arr;
    }

    private static int WriteVarint(Span<byte> dst, int pos, uint v)
    {
        while (v >= 0x80)
        {
            dst[pos++] = (byte)(v | 0x80);
            v >>= 7;
        }
        dst[pos++] = (byte)v;
        return pos;
    }

    /// <summary>Reads the labels of either form in name order without allocating.</summary>
    internal ref struct LabelReader
    {
        private readonly Label[]? _plain;
        private readonly ReadOnlySpan<byte> _packed;
        private int _i;

        public LabelReader(Labels labels)
        {
            if (labels._data is Label[] plain)
            {
                _plain = plain;
            }
            else
            {
                _packed = labels.Packed;
            }
        }

        /// <summary>The next label; false after the last.</summary>
        public bool Next(out string name, out string value)
        {
            if (_plain is not null)
            {
                if (_i < _plain.Length)
                {
                    name = _plain[_i].Name;
                    value = _plain[_i].Value;
                    _i++;
                    return true;
                }
            }
            else if (_i < _packed.Length)
            {
                name = LabelSymbols.Get(ReadVarint());
                value = LabelSymbols.Get(ReadVarint());
                return true;
            }
            name = value = string.Empty;
            return false;
        }

        private int ReadVarint()
        {
            uint v = 0;
            for (int shift = 0; ; shift += 7)
            {
                byte b = _packed[_i++];
                v |= (uint)(b & 0x7F) << shift;
                if (b < 0x80)
                {
                    return (int)v;
                }
            }
        }
    }

    /// <summary>Builds a label set from name/value pairs, sorting them and dropping empty values.</summary>
    public static Labels FromStrings(params string[] nameValues)
    {
        if (nameValues.Length % 2 != 0)
        {
            throw new ArgumentException("labels need name/value pairs", nameof(nameValues));
        }
        var arr = new Label[nameValues.Length / 2];
        for (int i = 0; i < arr.Length; i++)
        {
            arr[i] = new Label(nameValues[2 * i], nameValues[2 * i + 1]);
        }
        return FromUnsorted(arr);
    }

    /// <summary>Builds a label set from labels in any order (the array is taken over and may be reordered).</summary>
    public static Labels FromUnsorted(Label[] labels)
    {
        Array.Sort(labels, static (a, b) => string.CompareOrdinal(a.Name, b.Name));
        return FromSorted(labels);
    }

    /// <summary>Builds a label set from labels already sorted by name (the array is taken over).</summary>
    public static Labels FromSorted(Label[] sorted)
    {
        int empties = 0;
        for (int i = 0; i < sorted.Length; i++)
        {
            if (sorted[i].Value.Length == 0)
            {
                empties++;
            }
        }
        if (empties > 0)
        {
            var kept = new Label[sorted.Length - empties];
            int j = 0;
            foreach (var l in sorted)
            {
                if (l.Value.Length != 0)
                {
                    kept[j++] = l;
                }
            }
            sorted = kept;
        }
        return sorted.Length == 0 ? Empty : new Labels(sorted, ComputeHash(sorted));
    }

    /// <summary>The value of label <paramref name="name"/>, or "" when absent.</summary>
    public string Get(string name)
    {
        var r = new LabelReader(this);
        while (r.Next(out string n, out string v))
        {
            if (string.Equals(n, name, StringComparison.Ordinal))
            {
                return v;
            }
        }
        return string.Empty;
    }

    /// <summary>True when a label called <paramref name="name"/> is present.</summary>
    public bool Has(string name) => Get(name).Length != 0;

    /// <summary>The metric name, or "" when the set has none.</summary>
    public string Name => Get(MetricName);

    /// <summary>
    /// Hashes names and values (their UTF-16 code units, each followed by the separator U+FFFF, which no label
    /// text contains, so ("a","bc") and ("ab","c") differ) with one-shot XXH3: no hasher object, no allocation
    /// for label sets up to 1 KB of text.
    /// </summary>
    public static ulong ComputeHash(ReadOnlySpan<Label> sorted)
    {
        int chars = 0;
        foreach (ref readonly var l in sorted)
        {
            chars += l.Name.Length + l.Value.Length + 2;
        }
        char[]? rented = null;
        Span<char> buf = chars <= 512 ? stackalloc char[512] : (rented = System.Buffers.ArrayPool<char>.Shared.Rent(chars));
        int at = 0;
        foreach (ref readonly var l in sorted)
        {
            l.Name.CopyTo(buf[at..]);
            at += l.Name.Length;
            buf[at++] = '\uFFFF';
            l.Value.CopyTo(buf[at..]);
            at += l.Value.Length;
            buf[at++] = '\uFFFF';
        }
        ulong h = XxHash3.HashToUInt64(System.Runtime.InteropServices.MemoryMarshal.AsBytes(buf[..at]));
        if (rented is not null)
        {
            System.Buffers.ArrayPool<char>.Shared.Return(rented);
        }
        return h;
    }

    /// <inheritdoc/>
    public bool Equals(Labels? other)
    {
        if (ReferenceEquals(this, other))
        {
            return true;
        }
        if (other is null || other.Hash != Hash)
        {
            return false;
        }
        if (IsPacked && other.IsPacked)
        {
            // One symbol table numbers both, so equal sets have equal bytes.
            return Packed.SequenceEqual(other.Packed);
        }
        var a = new LabelReader(this);
        var b = new LabelReader(other);
        while (true)
        {
            bool more = a.Next(out string an, out string av);
            if (more != b.Next(out string bn, out string bv))
            {
                return false;
            }
            if (!more)
            {
                return true;
            }
            if (!string.Equals(an, bn, StringComparison.Ordinal) || !string.Equals(av, bv, StringComparison.Ordinal))
            {
                return false;
            }
        }
    }

    /// <summary>True when this set equals the given sorted labels.</summary>
    public bool Equals(ReadOnlySpan<Label> sorted)
    {
        var r = new LabelReader(this);
        int i = 0;
        while (r.Next(out string name, out string value))
        {
            if (i == sorted.Length ||
                !string.Equals(name, sorted[i].Name, StringComparison.Ordinal) ||
                !string.Equals(value, sorted[i].Value, StringComparison.Ordinal))
            {
                return false;
            }
            i++;
        }
        return i == sorted.Length;
    }

    /// <inheritdoc/>
    public override bool Equals(object? obj) => obj is Labels l && Equals(l);

    /// <inheritdoc/>
    public override int GetHashCode() => (int)(Hash ^ (Hash >> 32));

    /// <summary>Orders label sets as Prometheus does: label by label, name then value, shorter first.</summary>
    public int CompareTo(Labels? other)
    {
        if (other is null)
        {
            return 1;
        }
        var a = new LabelReader(this);
        var b = new LabelReader(other);
        while (true)
        {
            bool moreA = a.Next(out string an, out string av);
            bool moreB = b.Next(out string bn, out string bv);
            if (!moreA || !moreB)
            {
                return moreA == moreB ? 0 : moreA ? 1 : -1;
            }
            int c = string.CompareOrdinal(an, bn);
            if (c != 0)
            {
                return c;
            }
            c = string.CompareOrdinal(av, bv);
            if (c != 0)
            {
                return c;
            }
        }
    }

    /// <summary>Prints as <c>{a="1", b="2"}</c>, the way Prometheus does.</summary>
    public override string ToString()
    {
        var sb = new StringBuilder("{");
        var r = new LabelReader(this);
        for (int i = 0; r.Next(out string name, out string value); i++)
        {
            if (i > 0)
            {
                sb.Append(", ");
            }
            sb.Append(name).Append("=\"");
            EscapeInto(sb, value);
            sb.Append('"');
        }
        return sb.Append('}').ToString();
    }

    /// <summary>
    /// Appends a label value escaped as the text exposition format and Prometheus's label printing escape it (backslash,
    /// double quote and line feed), without the surrounding quotes.
    /// </summary>
    public static void EscapeInto(StringBuilder sb, string v)
    {
        foreach (char c in v)
        {
            switch (c)
            {
                case '\\': sb.Append("\\\\"); break;
                case '"': sb.Append("\\\""); break;
                case '\n': sb.Append("\\n"); break;
                default: sb.Append(c); break;
            }
        }
    }

    /// <summary>A mutable copy of the labels, for relabelling and rule output.</summary>
    public LabelsBuilder ToBuilder() => new(this);

    /// <summary>Exposes the backing list for read-only enumeration in cold code.</summary>
    public IReadOnlyList<Label> AsList() => _data as Label[] ?? Unpack();

    /// <summary>Enumerates labels without allocating.</summary>
    public ReadOnlySpan<Label>.Enumerator GetEnumerator() => AsSpan().GetEnumerator();

    /// <summary>True when the label set is a valid UTF-8 / name-shaped set (checked by callers that take outside input).</summary>
    public static bool IsValidLabelName(ReadOnlySpan<char> name)
    {
        if (name.IsEmpty)
        {
            return false;
        }
        for (int i = 0; i < name.Length; i++)
        {
            char c = name[i];
            bool ok = c is (>= 'a' and <= 'z') or (>= 'A' and <= 'Z') or '_' || (i > 0 && c is >= '0' and <= '9');
            if (!ok)
            {
                return false;
            }
        }
        return true;
    }

    /// <summary>Reads the labels as a dictionary (cold paths: JSON, templates).</summary>
    public Dictionary<string, string> ToDictionary()
    {
        var d = new Dictionary<string, string>(Count, StringComparer.Ordinal);
        var r = new LabelReader(this);
        while (r.Next(out string name, out string value))
        {
            d[name] = value;
        }
        return d;
    }

}

/// <summary>A mutable label set used to derive a new <see cref="Labels"/> (relabelling, target labels, rule output).</summary>
public sealed class LabelsBuilder
{
    private readonly List<Label> _list;

    /// <summary>Starts from an existing set.</summary>
    public LabelsBuilder(Labels? from = null)
    {
        _list = new List<Label>(from is null ? 8 : from.Count + 4);
        if (from is not null)
        {
            _list.AddRange(from.AsList());
        }
    }

    /// <summary>Sets a label; an empty value deletes it.</summary>
    public LabelsBuilder Set(string name, string value)
    {
        for (int i = 0; i < _list.Count; i++)
        {
            if (string.Equals(_list[i].Name, name, StringComparison.Ordinal))
            {
                if (value.Length == 0)
                {
                    _list.RemoveAt(i);
                }
                else
                {
                    _list[i] = new Label(name, value);
                }
                return this;
            }
        }
        if (value.Length != 0)
        {
            _list.Add(new Label(name, value));
        }
        return this;
    }

    /// <summary>Deletes a label if present.</summary>
    public LabelsBuilder Del(string name) => Set(name, string.Empty);

    /// <summary>The current value of a label, or "".</summary>
    public string Get(string name)
    {
        foreach (var l in _list)
        {
            if (string.Equals(l.Name, name, StringComparison.Ordinal))
            {
                return l.Value;
            }
        }
        return string.Empty;
    }

    /// <summary>Removes every label for which <paramref name="drop"/> is true.</summary>
    public LabelsBuilder RemoveWhere(Predicate<Label> drop)
    {
        _list.RemoveAll(drop);
        return this;
    }

    /// <summary>The labels currently held, in insertion order.</summary>
    public IReadOnlyList<Label> Current => _list;

    /// <summary>Builds the immutable, sorted set.</summary>
    public Labels Build() => Labels.FromUnsorted(_list.ToArray());
}
