using System.Buffers.Binary;
using System.Text;
using Ariane.Model;
using Ariane.Storage;

namespace Ariane.Remote;

/// <summary>A remote-write payload that is not a valid WriteRequest; answered with HTTP 400.</summary>
public sealed class RemoteWriteException(string message) : Exception(message);

/// <summary>What one remote-write request did.</summary>
public struct RemoteWriteResult
{
    /// <summary>Series in the request.</summary>
    public int Series;

    /// <summary>Samples appended.</summary>
    public int Samples;

    /// <summary>Samples refused by storage (out of order, duplicate, invalid labels).</summary>
    public int Rejected;

    /// <summary>The first refusal, described for the response body.</summary>
    public string? FirstRejection;
}

/// <summary>
/// Decodes a Prometheus remote-write 1.0 <c>WriteRequest</c> (protobuf, already snappy-decompressed) straight
/// into an appender, without generated classes or intermediate objects: strings are made only for labels.
/// </summary>
public static class RemoteWriteDecoder
{
    /// <summary>
    /// Appends every sample of the request. Refused samples are counted, not fatal: the good ones are kept
    /// (the caller commits) and the caller reports the refusals with HTTP 400 so the sender does not retry them.
    /// </summary>
    public static RemoteWriteResult Decode(ReadOnlySpan<byte> request, IAppender app)
    {
        var result = new RemoteWriteResult();
        var labels = new List<Label>(16);
        var r = new ProtoReader(request);
        while (!r.AtEnd)
        {
            var (field, wire) = r.ReadTag();
            if (field == 1 && wire == 2)
            {
                DecodeTimeSeries(r.ReadBytes(), app, labels, ref result);
            }
            else
            {
                r.Skip(wire);
            }
        }
        return result;
    }

    private static void DecodeTimeSeries(ReadOnlySpan<byte> ts, IAppender app, List<Label> labels, ref RemoteWriteResult result)
    {
        labels.Clear();
        // Labels come first in practice, but the wire format allows any order: collect labels in a first pass.
        var r = new ProtoReader(ts);
        while (!r.AtEnd)
        {
            var (field, wire) = r.ReadTag();
            if (field == 1 && wire == 2)
            {
                labels.Add(DecodeLabel(r.ReadBytes()));
            }
            else
            {
                r.Skip(wire);
            }
        }
        result.Series++;
        var arr = labels.ToArray();
        Array.Sort(arr, static (a, b) => string.CompareOrdinal(a.Name, b.Name));
        for (int i = 1; i < arr.Length; i++)
        {
            if (string.Equals(arr[i].Name, arr[i - 1].Name, StringComparison.Ordinal))
            {
                throw new RemoteWriteException($"duplicate label name {arr[i].Name} in series {Labels.FromSorted(arr)}");
            }
        }
        var lset = Labels.FromSorted(arr);
        if (lset.Count == 0)
        {
            throw new RemoteWriteException("series without labels");
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
                    result.Rejected++;
                    result.FirstRejection ??= $"{Describe(status)} for series {lset} at timestamp {t}";
                }
            }
            else
            {
                r.Skip(wire);
            }
        }
    }

    private static string Describe(AppendStatus s) => s switch
    {
        AppendStatus.OutOfOrder => "out of order sample",
        AppendStatus.OutOfBounds => "out of bounds",
        AppendStatus.DuplicateTimestamp => "duplicate sample for timestamp",
        AppendStatus.InvalidLabels => "invalid labels",
        AppendStatus.TooOld => "too old sample",
        AppendStatus.TooFarInFuture => "sample timestamp too far in the future (more than --storage.tsdb.max-future-time ahead of the server's clock)",
        _ => s.ToString(),
    };

    private static Label DecodeLabel(ReadOnlySpan<byte> b)
    {
        string name = "", value = "";
        var r = new ProtoReader(b);
        while (!r.AtEnd)
        {
            var (field, wire) = r.ReadTag();
            if (field == 1 && wire == 2)
            {
                name = ReadUtf8(r.ReadBytes());
            }
            else if (field == 2 && wire == 2)
            {
                value = ReadUtf8(r.ReadBytes());
            }
            else
            {
                r.Skip(wire);
            }
        }
        if (name.Length == 0)
        {
            throw new RemoteWriteException("label with an empty name");
        }
        return new Label(name, value);
    }

    private static readonly UTF8Encoding StrictUtf8 = new(false, true);

    private static string ReadUtf8(ReadOnlySpan<byte> b)
    {
        try
        {
            return StrictUtf8.GetString(b);
        }
        catch (DecoderFallbackException)
        {
            throw new RemoteWriteException("label name or value is not valid UTF-8");
        }
    }
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
