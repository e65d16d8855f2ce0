using System.IO.Hashing;
using System.Text;

namespace Ariane.Model;

/// <summary>One label: a name and a value.</summary>
public readonly record struct Label(string Name, string Value);

/// <summary>
/// The identity of a series: an immutable set of labels sorted by name, hashed once at construction so
/// that lookups and comparisons are cheap. Names are unique; empty values are dropped, as in Prometheus.
/// </summary>
public sealed class Labels : IEquatable<Labels>, IComparable<Labels>
{
    /// <summary>The label that names the metric.</summary>
    public const string MetricName = "__name__";

    /// <summary>The empty label set.</summary>
    public static readonly Labels Empty = new([], 0);

    private readonly Label[] _labels;

    private Labels(Label[] sorted, ulong hash)
    {
        _labels = sorted;
        Hash = hash;
    }

    /// <summary>A 64-bit hash of names and values, stable across processes.</summary>
    public ulong Hash { get; }

    /// <summary>Number of labels.</summary>
    public int Count => _labels.Length;

    /// <summary>The labels in name order.</summary>
    public ReadOnlySpan<Label> AsSpan() => _labels;

    /// <summary>The label at position <paramref name="i"/> in name order.</summary>
    public Label this[int i] => _labels[i];

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
        foreach (ref readonly var l in _labels.AsSpan())
        {
            if (string.Equals(l.Name, name, StringComparison.Ordinal))
            {
                return l.Value;
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
        if (other is null || other.Hash != Hash || other._labels.Length != _labels.Length)
        {
            return false;
        }
        for (int i = 0; i < _labels.Length; i++)
        {
            if (!string.Equals(_labels[i].Name, other._labels[i].Name, StringComparison.Ordinal) ||
                !string.Equals(_labels[i].Value, other._labels[i].Value, StringComparison.Ordinal))
            {
                return false;
            }
        }
        return true;
    }

    /// <summary>True when this set equals the given sorted labels.</summary>
    public bool Equals(ReadOnlySpan<Label> sorted)
    {
        if (sorted.Length != _labels.Length)
        {
            return false;
        }
        for (int i = 0; i < sorted.Length; i++)
        {
            if (!string.Equals(_labels[i].Name, sorted[i].Name, StringComparison.Ordinal) ||
                !string.Equals(_labels[i].Value, sorted[i].Value, StringComparison.Ordinal))
            {
                return false;
            }
        }
        return true;
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
        int n = Math.Min(_labels.Length, other._labels.Length);
        for (int i = 0; i < n; i++)
        {
            int c = string.CompareOrdinal(_labels[i].Name, other._labels[i].Name);
            if (c != 0)
            {
                return c;
            }
            c = string.CompareOrdinal(_labels[i].Value, other._labels[i].Value);
            if (c != 0)
            {
                return c;
            }
        }
        return _labels.Length.CompareTo(other._labels.Length);
    }

    /// <summary>Prints as <c>{a="1", b="2"}</c>, the way Prometheus does.</summary>
    public override string ToString()
    {
        var sb = new StringBuilder("{");
        for (int i = 0; i < _labels.Length; i++)
        {
            if (i > 0)
            {
                sb.Append(", ");
            }
            sb.Append(_labels[i].Name).Append("=\"");
            EscapeInto(sb, _labels[i].Value);
            sb.Append('"');
        }
        return sb.Append('}').ToString();
    }

    internal static void EscapeInto(StringBuilder sb, string v)
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
    public IReadOnlyList<Label> AsList() => _labels;

    /// <summary>Enumerates labels without allocating.</summary>
    public ReadOnlySpan<Label>.Enumerator GetEnumerator() => new ReadOnlySpan<Label>(_labels).GetEnumerator();

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
        var d = new Dictionary<string, string>(_labels.Length, StringComparer.Ordinal);
        foreach (var l in _labels)
        {
            d[l.Name] = l.Value;
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
