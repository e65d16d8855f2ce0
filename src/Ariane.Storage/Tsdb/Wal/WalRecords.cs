using System.Buffers.Binary;
using System.Text;
using Ariane.Model;
using Ariane.Storage;

namespace Ariane.Tsdb.Wal;

/// <summary>The kinds of WAL record (the first byte of a record's header).</summary>
internal enum WalRecordType : byte
{
    /// <summary>Series definitions: reference and labels.</summary>
    Series = 1,

    /// <summary>A batch of samples: reference, timestamp, value.</summary>
    Samples = 2,

    /// <summary>Deleted intervals (<c>delete_series</c>): reference, min time, max time.</summary>
    Tombstones = 3,

    /// <summary>A batch of out-of-order samples (accepted within the out-of-order window), encoded as <see cref="Samples"/>.</summary>
    OutOfOrderSamples = 4,

    /// <summary>
    /// A batch of samples with start timestamps: as <see cref="Samples"/>, each sample followed by
    /// <see cref="WalStartTime.Code"/> of its start timestamp.
    /// </summary>
    SamplesWithStartTimes = 5,
}

/// <summary>How a <see cref="WalRecordType.SamplesWithStartTimes"/> record codes a sample's start timestamp.</summary>
internal static class WalStartTime
{
    /// <summary>0 for none, else the zigzag of <c>t − st</c> plus one (<paramref name="st"/> as <see cref="Chunks.StartTimes.Sanitize"/> left it).</summary>
    public static ulong Code(long t, long st)
    {
        if (st == 0)
        {
            return 0;
        }
        long d = t - st;
        return ((ulong)((d << 1) ^ (d >> 63))) + 1;
    }

    /// <summary>The start timestamp <paramref name="code"/> stands for at <paramref name="t"/>.</summary>
    public static long FromCode(ulong code, long t)
    {
        if (code == 0)
        {
            return 0;
        }
        code--;
        return t - ((long)(code >> 1) ^ -(long)(code & 1));
    }
}

/// <summary>
/// A growable byte buffer backed by <see cref="BufferPool{T}"/>, with the varint writers the WAL needs.
/// Framing: <c>type u8 | length u32le | crc32c u32le | payload</c>, the CRC over type and payload.
/// </summary>
internal sealed class WalBuffer : IDisposable
{
    /// <summary>Bytes in a record header.</summary>
    public const int HeaderSize = 9;

    private byte[] _buf;
    private int _len;
    private int _recordStart = -1;

    public WalBuffer(int capacity = 4096) => _buf = BufferPool<byte>.Shared.Rent(capacity);

    public int Length => _len;

    public ReadOnlySpan<byte> Written => new(_buf, 0, _len);

    public void Clear()
    {
        _len = 0;
        _recordStart = -1;
    }

    /// <summary>Starts a record; write the payload, then call <see cref="EndRecord"/>.</summary>
    public void BeginRecord(WalRecordType type)
    {
        Ensure(HeaderSize);
        _recordStart = _len;
        _buf[_len] = (byte)type;
        _len += HeaderSize;
    }

    /// <summary>Fills in the length and checksum of the record begun last.</summary>
    public void EndRecord()
    {
        int start = _recordStart;
        int payload = _len - start - HeaderSize;
        var hdr = _buf.AsSpan(start, HeaderSize);
        BinaryPrimitives.WriteInt32LittleEndian(hdr[1..], payload);
        uint crc = Crc32C.Append(0, hdr[..1]);
        crc = Crc32C.Append(crc, new ReadOnlySpan<byte>(_buf, start + HeaderSize, payload));
        BinaryPrimitives.WriteUInt32LittleEndian(hdr[5..], crc);
        _recordStart = -1;
    }

    /// <summary>True between <see cref="BeginRecord"/> and <see cref="EndRecord"/>.</summary>
    public bool InRecord => _recordStart >= 0;

    /// <summary>Bytes of payload in the open record.</summary>
    public int OpenPayloadLength => _recordStart < 0 ? 0 : _len - _recordStart - HeaderSize;

    public void WriteUvarint(ulong v)
    {
        Ensure(Varints.MaxLength);
        Varints.Write(_buf, ref _len, v);
    }

    public void WriteVarint(long v) => WriteUvarint(Varints.ZigZag(v));

    public void WriteUInt64(ulong v)
    {
        Ensure(8);
        BinaryPrimitives.WriteUInt64LittleEndian(_buf.AsSpan(_len), v);
        _len += 8;
    }

    public void WriteString(string s)
    {
        int n = Encoding.UTF8.GetByteCount(s);
        WriteUvarint((ulong)n);
        Ensure(n);
        Encoding.UTF8.GetBytes(s, _buf.AsSpan(_len));
        _len += n;
    }

    /// <summary>Appends one series entry (ref, labels) to an open Series record.</summary>
    public void WriteSeries(ulong seriesRef, Labels labels)
    {
        WriteUvarint(seriesRef);
        WriteUvarint((ulong)labels.Count);
        var r = new Labels.LabelReader(labels);
        while (r.Next(out string name, out string value))
        {
            WriteString(name);
            WriteString(value);
        }
    }

    private void Ensure(int n)
    {
        if (_len + n > _buf.Length)
        {
            var b = BufferPool<byte>.Shared.Rent(Math.Max(_len + n, _buf.Length * 2));
            Array.Copy(_buf, b, _len);
            BufferPool<byte>.Shared.Return(_buf);
            _buf = b;
        }
    }

    public void Dispose()
    {
        var b = _buf;
        _buf = [];
        _len = 0;
        if (b.Length > 0)
        {
            BufferPool<byte>.Shared.Return(b);
        }
    }
}

/// <summary>Reads the payload of a WAL record; every method throws <see cref="InvalidDataException"/> on malformed input.</summary>
internal ref struct WalDecoder(ReadOnlySpan<byte> data)
{
    private readonly ReadOnlySpan<byte> _data = data;
    private int _pos;

    public readonly bool End => _pos >= _data.Length;

    public ulong Uvarint() => Varints.TryRead(_data, ref _pos, out ulong v) switch
    {
        VarintStatus.Ok => v,
        VarintStatus.Truncated => throw new InvalidDataException("varint runs past the record"),
        _ => throw new InvalidDataException("varint too long"),
    };

    public long Varint() => Varints.UnZigZag(Uvarint());

    public ulong UInt64()
    {
        if (_pos + 8 > _data.Length)
        {
            throw new InvalidDataException("value runs past the record");
        }
        ulong v = BinaryPrimitives.ReadUInt64LittleEndian(_data[_pos..]);
        _pos += 8;
        return v;
    }

    /// <summary>A string decoded into a stack buffer and passed through <paramref name="intern"/> (no string made when it is known).</summary>
    public string String(Func<ReadOnlySpan<char>, string>? intern)
    {
        if (intern is null)
        {
            return String();
        }
        ulong n = Uvarint();
        if (n > (ulong)(_data.Length - _pos))
        {
            throw new InvalidDataException("string runs past the record");
        }
        var bytes = _data.Slice(_pos, (int)n);
        _pos += (int)n;
        char[]? rented = null;
        Span<char> chars = bytes.Length <= 256 ? stackalloc char[256] : (rented = System.Buffers.ArrayPool<char>.Shared.Rent(bytes.Length));
        try
        {
            int len = Encoding.UTF8.GetChars(bytes, chars);
            return intern(chars[..len]);
        }
        finally
        {
            if (rented is not null)
            {
                System.Buffers.ArrayPool<char>.Shared.Return(rented);
            }
        }
    }

    public string String()
    {
        ulong n = Uvarint();
        if (n > (ulong)(_data.Length - _pos))
        {
            throw new InvalidDataException("string runs past the record");
        }
        string s = Encoding.UTF8.GetString(_data.Slice(_pos, (int)n));
        _pos += (int)n;
        return s;
    }
}
