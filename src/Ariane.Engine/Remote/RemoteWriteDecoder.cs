using System.Buffers.Binary;
using System.Text;
using Ariane.Model;
using Ariane.Storage;

namespace Ariane.Remote;

/// <summary>A remote-write payload that is not a valid WriteRequest; answered with HTTP 400 and nothing stored.</summary>
public sealed class RemoteWriteException(string message) : Exception(message);

/// <summary>What one remote-write request did.</summary>
public struct RemoteWriteResult
{
    /// <summary>Series in the request.</summary>
    public int Series;

    /// <summary>Samples appended.</summary>
    public int Samples;

    /// <summary>Samples refused: by storage (out of order, duplicate, ...) or with their series (see <see cref="RejectedSeries"/>).</summary>
    public int Rejected;

    /// <summary>Series refused whole: over a label limit, or with invalid or duplicate label names.</summary>
    public int RejectedSeries;

    /// <summary>The first refusal, described for the response body (echoed input truncated).</summary>
    public string? FirstRejection;

    /// <summary>True when anything in the request was refused, which the receiver answers with HTTP 400.</summary>
    public readonly bool AnyRejected => Rejected > 0 || RejectedSeries > 0;

    /// <summary>The response body for a request with refusals: how much was refused and the first reason.</summary>
    public readonly string Summary()
    {
        string series = RejectedSeries > 0 ? $" ({RejectedSeries} of {Series} series refused)" : "";
        return $"{Rejected} of {Rejected + Samples} samples rejected{series}; first: {FirstRejection}";
    }

    internal void Reject(int samples, string reason)
    {
        Rejected += samples;
        FirstRejection ??= reason;
    }
}

/// <summary>
/// Decodes a Prometheus remote-write 1.0 <c>WriteRequest</c> (protobuf, already snappy-decompressed) straight
/// into an appender, without generated classes or intermediate objects: strings are made only for labels, and only
/// for series within the <see cref="RemoteWriteLimits"/>, which are checked on the raw bytes first.
/// </summary>
public static class RemoteWriteDecoder
{
    // Echoed input (series, label names and values) is cut to this many characters in error messages, as Mimir does.
    private const int MaxEcho = 200;

    /// <summary>Appends every sample of the request under the default limits.</summary>
    public static RemoteWriteResult Decode(ReadOnlySpan<byte> request, IAppender app) => Decode(request, app, RemoteWriteLimits.Default);

    /// <summary>
    /// Appends every sample of the request. Refusals are counted, not fatal, as the remote-write spec allows and
    /// Prometheus's 2.0 receiver and Mimir do: a series over a limit or with invalid labels is skipped whole, a sample
    /// storage refuses is skipped alone, the rest is kept (the caller commits) and the caller reports the refusals with
    /// HTTP 400 so the sender does not retry them. Only a malformed protobuf throws <see cref="RemoteWriteException"/>.
    /// </summary>
    public static RemoteWriteResult Decode(ReadOnlySpan<byte> request, IAppender app, RemoteWriteLimits limits)
    {
        var result = new RemoteWriteResult();
        var labels = new List<Label>(16);
        var r = new ProtoReader(request);
        while (!r.AtEnd)
        {
            var (field, wire) = r.ReadTag();
            if (field == 1 && wire == 2)
            {
                DecodeTimeSeries(r.ReadBytes(), app, limits, labels, ref result);
            }
            else
            {
                r.Skip(wire);
            }
        }
        return result;
    }

    private static void DecodeTimeSeries(ReadOnlySpan<byte> ts, IAppender app, RemoteWriteLimits limits, List<Label> labels, ref RemoteWriteResult result)
    {
        result.Series++;
        // One pass over the labels, checking each on its bytes before its strings are made: from the first label over a
        // limit (or invalid) on, labels are only counted, so that a hostile series (a million labels, a 100 MB value)
        // costs one scan and no allocation.
        labels.Clear();
        int labelCount = 0;
        var refusal = Refusal.None;
        ReadOnlySpan<byte> badName = default, badValue = default;
        var r = new ProtoReader(ts);
        while (!r.AtEnd)
        {
            var (field, wire) = r.ReadTag();
            if (field != 1 || wire != 2)
            {
                r.Skip(wire);
                continue;
            }
            labelCount++;
            ReadLabel(r.ReadBytes(), out var name, out var value);
            if (refusal != Refusal.None || (limits.MaxLabelNamesPerSeries > 0 && labelCount > limits.MaxLabelNamesPerSeries))
            {
                continue;
            }
            if (limits.MaxLabelNameLength > 0 && name.Length > limits.MaxLabelNameLength)
            {
                refusal = Refusal.LongName;
                badName = name;
            }
            else if (limits.MaxLabelValueLength > 0 && value.Length > limits.MaxLabelValueLength)
            {
                refusal = Refusal.LongValue;
                badName = name;
                badValue = value;
            }
            else if (name.IsEmpty || !TryReadUtf8(name, out string n) || !TryReadUtf8(value, out string v))
            {
                refusal = Refusal.Invalid;
            }
            else
            {
                labels.Add(new Label(n, v));
            }
        }
        if (limits.MaxLabelNamesPerSeries > 0 && labelCount > limits.MaxLabelNamesPerSeries)
        {
            RejectSeries(ref result, ts,
                $"received a series whose number of labels exceeds the limit (actual: {labelCount}, limit: {limits.MaxLabelNamesPerSeries}) series: '{SeriesText(ts)}' (limit: --web.remote-write-receiver.max-label-names-per-series)");
            return;
        }
        switch (refusal)
        {
            case Refusal.LongName:
                RejectSeries(ref result, ts,
                    $"received a series whose label name length exceeds the limit (actual: {badName.Length}, limit: {limits.MaxLabelNameLength}), label: '{Echo(badName)}' series: '{SeriesText(ts)}' (limit: --web.remote-write-receiver.max-label-name-length)");
                return;
            case Refusal.LongValue:
                RejectSeries(ref result, ts,
                    $"received a series whose label value length exceeds the limit (actual: {badValue.Length}, limit: {limits.MaxLabelValueLength}), label: '{Echo(badName)}', value: '{Echo(badValue)}' (truncated) series: '{SeriesText(ts)}' (limit: --web.remote-write-receiver.max-label-value-length)");
                return;
            case Refusal.Invalid:
                RejectSeries(ref result, ts, $"invalid metric name or labels, got {SeriesText(ts)}");
                return;
        }

        // Prometheus sorts what the sender did not, and refuses (its 2.0 receiver with a 400, as here) a series without a
        // metric name, with an empty or non-UTF-8 name, or with a name twice.
        var arr = labels.ToArray();
        Array.Sort(arr, static (a, b) => string.CompareOrdinal(a.Name, b.Name));
        for (int i = 1; i < arr.Length; i++)
        {
            if (string.Equals(arr[i].Name, arr[i - 1].Name, StringComparison.Ordinal))
            {
                RejectSeries(ref result, ts, $"invalid labels for series, labels {SeriesText(ts)}, duplicated label {Truncate(arr[i].Name)}");
                return;
            }
        }
        var lset = Labels.FromSorted(arr);
        if (lset.Name.Length == 0)
        {
            RejectSeries(ref result, ts, $"invalid metric name or labels, got {SeriesText(ts)}");
            return;
        }

        ulong sref = 0;
        r = new ProtoReader(ts);
        while (!r.AtEnd)
        {
            var (field, wire) = r.ReadTag();
            if (field == 2 && wire == 2)
            {
                var s = new ProtoReader(r.ReadBytes());
                double v = 0;
                long t = 0;
                while (!s.AtEnd)
                {
                    var (sf, sw) = s.ReadTag();
                    if (sf == 1 && sw == 1)
                    {
                        v = BitConverter.UInt64BitsToDouble(s.ReadFixed64());
                    }
                    else if (sf == 2 && sw == 0)
                    {
                        t = (long)s.ReadVarint();
                    }
                    else
                    {
                        s.Skip(sw);
                    }
                }
                var status = app.Append(ref sref, lset, t, v);
                if (status == AppendStatus.Ok)
                {
                    result.Samples++;
                }
                else
                {
                    // Each refusal's text is made only for the first.
                    result.Reject(1, result.FirstRejection ?? $"{Describe(status)} for series {Truncate(lset.ToString())} at timestamp {t}");
                }
            }
            else
            {
                r.Skip(wire);
            }
        }
    }

    private enum Refusal : byte
    {
        None,
        LongName,
        LongValue,
        Invalid,
    }

    // Refuses a series with all its samples, which are counted here (only refused series need the count).
    private static void RejectSeries(ref RemoteWriteResult result, ReadOnlySpan<byte> ts, string reason)
    {
        int samples = 0;
        var r = new ProtoReader(ts);
        while (!r.AtEnd)
        {
            var (field, wire) = r.ReadTag();
            if (field == 2 && wire == 2)
            {
                samples++;
            }
            r.Skip(wire);
        }
        result.RejectedSeries++;
        result.Reject(samples, reason);
    }

    /// <summary>
    /// Prometheus's text for a refusal by storage; a status without a text of its own here (one added to storage later)
    /// is named by its enum name rather than lost.
    /// </summary>
    public static string Describe(AppendStatus s) => s switch
    {
        AppendStatus.OutOfOrder => "out of order sample",
        AppendStatus.OutOfBounds => "out of bounds",
        AppendStatus.DuplicateTimestamp => "duplicate sample for timestamp",
        AppendStatus.InvalidLabels => "invalid labels",
        AppendStatus.TooOld => "too old sample",
        AppendStatus.TooFarInFuture => "sample timestamp too far in the future (more than --storage.tsdb.max-future-time ahead of the server's clock)",
        _ => s.ToString(),
    };

    private static void ReadLabel(ReadOnlySpan<byte> b, out ReadOnlySpan<byte> name, out ReadOnlySpan<byte> value)
    {
        name = default;
        value = default;
        var r = new ProtoReader(b);
        while (!r.AtEnd)
        {
            var (field, wire) = r.ReadTag();
            if (field == 1 && wire == 2)
            {
                name = r.ReadBytes();
            }
            else if (field == 2 && wire == 2)
            {
                value = r.ReadBytes();
            }
            else
            {
                r.Skip(wire);
            }
        }
    }

    private static readonly UTF8Encoding StrictUtf8 = new(false, true);

    private static bool TryReadUtf8(ReadOnlySpan<byte> b, out string s)
    {
        try
        {
            s = StrictUtf8.GetString(b);
            return true;
        }
        catch (DecoderFallbackException)
        {
            s = "";
            return false;
        }
    }

    // The series as the sender wrote it, for an error message: {name="value", ...} in wire order, cut after MaxEcho
    // characters; built from the first bytes of each label only, so that a huge series costs nothing here.
    private static string SeriesText(ReadOnlySpan<byte> ts)
    {
        var sb = new StringBuilder("{");
        var r = new ProtoReader(ts);
        bool first = true;
        while (!r.AtEnd && sb.Length <= MaxEcho)
        {
            var (field, wire) = r.ReadTag();
            if (field == 1 && wire == 2)
            {
                ReadLabel(r.ReadBytes(), out var name, out var value);
                if (!first)
                {
                    sb.Append(", ");
                }
                first = false;
                sb.Append(Lenient(name)).Append("=\"");
                Labels.EscapeInto(sb, Lenient(value));
                sb.Append('"');
            }
            else
            {
                r.Skip(wire);
            }
        }
        if (sb.Length > MaxEcho)
        {
            sb.Length = MaxEcho;
            return sb.Append('…').ToString();
        }
        return sb.Append('}').ToString();
    }

    // At most MaxEcho + 1 characters of UTF-8 bytes, invalid sequences replaced: for display only.
    private static string Lenient(ReadOnlySpan<byte> b) => Encoding.UTF8.GetString(b[..Math.Min(b.Length, 4 * (MaxEcho + 1))]);

    private static string Echo(ReadOnlySpan<byte> b) => Truncate(Lenient(b));

    private static string Truncate(string s) => s.Length <= MaxEcho ? s : string.Concat(s.AsSpan(0, MaxEcho), "…");
}

/// <summary>A minimal forward-only protobuf wire-format reader over a span; malformed input throws <see cref="RemoteWriteException"/>.</summary>
internal ref struct ProtoReader
{
    private readonly ReadOnlySpan<byte> _b;
    private int _i;

    public ProtoReader(ReadOnlySpan<byte> b)
    {
        _b = b;
        _i = 0;
    }

    public readonly bool AtEnd => _i >= _b.Length;

    public (int Field, int Wire) ReadTag()
    {
        ulong tag = ReadVarint();
        int field = (int)(tag >> 3);
        if (field <= 0)
        {
            throw new RemoteWriteException("invalid protobuf field number");
        }
        return (field, (int)(tag & 7));
    }

    public ulong ReadVarint()
    {
        ulong v = 0;
        for (int shift = 0; shift < 64; shift += 7)
        {
            if (_i >= _b.Length)
            {
                throw new RemoteWriteException("truncated protobuf varint");
            }
            byte c = _b[_i++];
            v |= (ulong)(c & 0x7F) << shift;
            if (c < 0x80)
            {
                return v;
            }
        }
        throw new RemoteWriteException("protobuf varint too long");
    }

    public ulong ReadFixed64()
    {
        if (_i + 8 > _b.Length)
        {
            throw new RemoteWriteException("truncated protobuf fixed64");
        }
        ulong v = BinaryPrimitives.ReadUInt64LittleEndian(_b.Slice(_i, 8));
        _i += 8;
        return v;
    }

    public ReadOnlySpan<byte> ReadBytes()
    {
        ulong len = ReadVarint();
        if (len > (ulong)(_b.Length - _i))
        {
            throw new RemoteWriteException("truncated protobuf message");
        }
        var s = _b.Slice(_i, (int)len);
        _i += (int)len;
        return s;
    }

    public void Skip(int wire)
    {
        switch (wire)
        {
            case 0: ReadVarint(); break;
            case 1: Advance(8); break;
            case 2: ReadBytes(); break;
            case 5: Advance(4); break;
            default: throw new RemoteWriteException($"unsupported protobuf wire type {wire}");
        }
    }

    private void Advance(int n)
    {
        if (_i + n > _b.Length)
        {
            throw new RemoteWriteException("truncated protobuf message");
        }
        _i += n;
    }
}
