using System.Buffers;
using System.Buffers.Binary;
using System.Net.Http.Headers;
using System.Text;
using Ariane.Model;

namespace Ariane.Remote;

/// <summary>A remote-read request the server refused or an answer that does not decode; <see cref="Status"/> is 0 when no HTTP status applies.</summary>
public sealed class RemoteReadException(string message, int status = 0) : Exception(message)
{
    /// <summary>The HTTP status of the refusal, or 0.</summary>
    public int Status { get; } = status;

    /// <summary>True when the server refused because the answer would hold too many samples (Prometheus's <c>--storage.remote.read-sample-limit</c>).</summary>
    public bool SampleLimitExceeded => Status == 400 && Message.Contains("sample limit", StringComparison.OrdinalIgnoreCase);
}

/// <summary>One series of a remote-read answer: its labels and its samples in the order received.</summary>
public sealed record RemoteReadSeries(Labels Labels, long[] Timestamps, double[] Values);

/// <summary>
/// The Prometheus remote-read 1.0 wire format, written by hand as <see cref="RemoteWriteDecoder"/> is: a
/// <c>ReadRequest</c> with one <c>Query</c> (time range, matchers) accepting the <c>SAMPLES</c> response type, and the
/// <c>ReadResponse</c> that answers it (<c>QueryResult</c> → <c>TimeSeries</c> → labels and samples). Histogram
/// samples in an answer are skipped.
/// </summary>
public static partial class RemoteReadCodec
{
    /// <summary>Encodes a ReadRequest for samples with <paramref name="startMs"/> &lt;= t &lt;= <paramref name="endMs"/> of the series matching every matcher.</summary>
    public static byte[] EncodeRequest(long startMs, long endMs, IReadOnlyList<LabelMatcher> matchers)
    {
        var query = new ArrayBufferWriter<byte>(256);
        WriteTag(query, 1, 0);
        WriteVarint(query, (ulong)startMs);
        WriteTag(query, 2, 0);
        WriteVarint(query, (ulong)endMs);
        foreach (var m in matchers)
        {
            var mb = new ArrayBufferWriter<byte>(64);
            int type = m.Type switch
            {
                MatcherType.Equal => 0,
                MatcherType.NotEqual => 1,
                MatcherType.Regex => 2,
                _ => 3,
            };
            if (type != 0)
            {
                WriteTag(mb, 1, 0);
                WriteVarint(mb, (ulong)type);
            }
            WriteString(mb, 2, m.Name);
            WriteString(mb, 3, m.Value);
            WriteBytes(query, 3, mb.WrittenSpan);
        }
        var req = new ArrayBufferWriter<byte>(query.WrittenCount + 16);
        WriteBytes(req, 1, query.WrittenSpan);
        // accepted_response_types: [SAMPLES], packed.
        WriteBytes(req, 2, [0]);
        return req.WrittenSpan.ToArray();
    }

    /// <summary>Decodes a ReadResponse (already snappy-decompressed): the series of every query result, in order.</summary>
    /// <exception cref="RemoteReadException">The bytes are not a valid ReadResponse.</exception>
    public static List<RemoteReadSeries> DecodeResponse(ReadOnlySpan<byte> body)
    {
        var list = new List<RemoteReadSeries>();
        try
        {
            var r = new ProtoReader(body);
            while (!r.AtEnd)
            {
                var (field, wire) = r.ReadTag();
                if (field == 1 && wire == 2)
                {
                    var qr = new ProtoReader(r.ReadBytes());
                    while (!qr.AtEnd)
                    {
                        var (f2, w2) = qr.ReadTag();
                        if (f2 == 1 && w2 == 2)
                        {
                            list.Add(DecodeSeries(qr.ReadBytes()));
                        }
                        else
                        {
                            qr.Skip(w2);
                        }
                    }
                }
                else
                {
                    r.Skip(wire);
                }
            }
        }
        catch (RemoteWriteException e)
        {
            throw new RemoteReadException("invalid remote-read response: " + e.Message);
        }
        return list;
    }

    private static RemoteReadSeries DecodeSeries(ReadOnlySpan<byte> ts)
    {
        var labels = new List<Label>();
        int samples = 0;
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
                if (field == 2 && wire == 2)
                {
                    samples++;
                }
                r.Skip(wire);
            }
        }
        var t = new long[samples];
        var v = new double[samples];
        int i = 0;
        r = new ProtoReader(ts);
        while (!r.AtEnd)
        {
            var (field, wire) = r.ReadTag();
            if (field == 2 && wire == 2)
            {
                var s = new ProtoReader(r.ReadBytes());
                while (!s.AtEnd)
                {
                    var (sf, sw) = s.ReadTag();
                    if (sf == 1 && sw == 1)
                    {
                        v[i] = BitConverter.UInt64BitsToDouble(s.ReadFixed64());
                    }
                    else if (sf == 2 && sw == 0)
                    {
                        t[i] = (long)s.ReadVarint();
                    }
                    else
                    {
                        s.Skip(sw);
                    }
                }
                i++;
            }
            else
            {
                r.Skip(wire);
            }
        }
        if (labels.Count == 0)
        {
            throw new RemoteReadException("invalid remote-read response: a series without labels");
        }
        return new RemoteReadSeries(Labels.FromUnsorted([.. labels]), t, v);
    }

    private static Label DecodeLabel(ReadOnlySpan<byte> b)
    {
        string name = "", value = "";
        var r = new ProtoReader(b);
        while (!r.AtEnd)
        {
            var (field, wire) = r.ReadTag();
            if (field == 1 && wire == 2)
            {
                name = Encoding.UTF8.GetString(r.ReadBytes());
            }
            else if (field == 2 && wire == 2)
            {
                value = Encoding.UTF8.GetString(r.ReadBytes());
            }
            else
            {
                r.Skip(wire);
            }
        }
        return new Label(name, value);
    }

    private static void WriteTag(IBufferWriter<byte> w, int field, int wire) => WriteVarint(w, (ulong)((field << 3) | wire));

    private static void WriteVarint(IBufferWriter<byte> w, ulong v)
    {
        var span = w.GetSpan(10);
        int n = 0;
        while (v >= 0x80)
        {
            span[n++] = (byte)(v | 0x80);
            v >>= 7;
        }
        span[n++] = (byte)v;
        w.Advance(n);
    }

    private static void WriteBytes(IBufferWriter<byte> w, int field, ReadOnlySpan<byte> b)
    {
        WriteTag(w, field, 2);
        WriteVarint(w, (ulong)b.Length);
        w.Write(b);
    }

    private static void WriteString(IBufferWriter<byte> w, int field, string s) => WriteBytes(w, field, Encoding.UTF8.GetBytes(s));

    /// <summary>Encodes a ReadResponse with one result holding <paramref name="series"/> (for tests and fakes of a remote-read server).</summary>
    public static byte[] EncodeResponse(IEnumerable<RemoteReadSeries> series)
    {
        var qr = new ArrayBufferWriter<byte>(1024);
        Span<byte> sample = stackalloc byte[8];
        foreach (var s in series)
        {
            var ts = new ArrayBufferWriter<byte>(256);
            foreach (var l in s.Labels)
            {
                var lb = new ArrayBufferWriter<byte>(64);
                WriteString(lb, 1, l.Name);
                WriteString(lb, 2, l.Value);
                WriteBytes(ts, 1, lb.WrittenSpan);
            }
            for (int i = 0; i < s.Timestamps.Length; i++)
            {
                var sb = new ArrayBufferWriter<byte>(20);
                WriteTag(sb, 1, 1);
                BinaryPrimitives.WriteUInt64LittleEndian(sample, BitConverter.DoubleToUInt64Bits(s.Values[i]));
                sb.Write(sample);
                WriteTag(sb, 2, 0);
                WriteVarint(sb, (ulong)s.Timestamps[i]);
                WriteBytes(ts, 2, sb.WrittenSpan);
            }
            WriteBytes(qr, 1, ts.WrittenSpan);
        }
        var resp = new ArrayBufferWriter<byte>(qr.WrittenCount + 8);
        WriteBytes(resp, 1, qr.WrittenSpan);
        return resp.WrittenSpan.ToArray();
    }
}

/// <summary>Reads samples from a Prometheus-compatible remote-read endpoint (<c>POST /api/v1/read</c>, snappy-compressed protobuf).</summary>
public sealed class RemoteReadClient(HttpClient http, Uri readUrl)
{
    /// <summary>The endpoint read from.</summary>
    public Uri Url { get; } = readUrl;

    /// <summary>The series matching <paramref name="matchers"/> with their samples in [startMs, endMs].</summary>
    /// <exception cref="RemoteReadException">The server refused the request or answered something that does not decode.</exception>
    /// <exception cref="HttpRequestException">The server could not be reached.</exception>
    public async Task<List<RemoteReadSeries>> ReadAsync(long startMs, long endMs, IReadOnlyList<LabelMatcher> matchers, CancellationToken ct)
    {
        byte[] body = Snappier.Snappy.CompressToArray(RemoteReadCodec.EncodeRequest(startMs, endMs, matchers));
        using var content = new ByteArrayContent(body);
        content.Headers.ContentType = new MediaTypeHeaderValue("application/x-protobuf");
        content.Headers.ContentEncoding.Add("snappy");
        using var req = new HttpRequestMessage(HttpMethod.Post, Url) { Content = content };
        req.Headers.Add("X-Prometheus-Remote-Read-Version", "0.1.0");
        req.Headers.AcceptEncoding.Add(new StringWithQualityHeaderValue("snappy"));
        using var resp = await http.SendAsync(req, HttpCompletionOption.ResponseContentRead, ct).ConfigureAwait(false);
        byte[] raw = await resp.Content.ReadAsByteArrayAsync(ct).ConfigureAwait(false);
        if (!resp.IsSuccessStatusCode)
        {
            string text = Encoding.UTF8.GetString(raw).Trim();
            throw new RemoteReadException($"{Url} answered {(int)resp.StatusCode} {resp.ReasonPhrase}: {text}", (int)resp.StatusCode);
        }
        byte[] decoded;
        try
        {
            decoded = Snappier.Snappy.DecompressToArray(raw);
        }
        catch (InvalidDataException e)
        {
            throw new RemoteReadException($"{Url} answered a body that is not snappy-compressed: {e.Message}");
        }
        return RemoteReadCodec.DecodeResponse(decoded);
    }
}
