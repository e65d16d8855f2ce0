using System.Buffers.Binary;
using System.Text;
using Ariane.Tsdb.Blocks;

namespace Ariane.Tsdb;

/// <summary>A growable little-endian byte buffer with varints, for building index and chunk records.</summary>
internal sealed class ByteBuffer
{
    private byte[] _buf;
    private int _len;

    public ByteBuffer(int capacity = 256) => _buf = new byte[capacity];

    public int Length => _len;

    public ReadOnlySpan<byte> Span => new(_buf, 0, _len);

    public Span<byte> WritableSpan => new(_buf, 0, _len);

    public void Clear() => _len = 0;

    public void Byte(byte b)
    {
        Ensure(1);
        _buf[_len++] = b;
    }

    public void U16(ushort v)
    {
        Ensure(2);
        BinaryPrimitives.WriteUInt16LittleEndian(_buf.AsSpan(_len), v);
        _len += 2;
    }

    public void U32(uint v)
    {
        Ensure(4);
        BinaryPrimitives.WriteUInt32LittleEndian(_buf.AsSpan(_len), v);
        _len += 4;
    }

    public void U64(ulong v)
    {
        Ensure(8);
        BinaryPrimitives.WriteUInt64LittleEndian(_buf.AsSpan(_len), v);
        _len += 8;
    }

    public void Uvarint(ulong v)
    {
        Ensure(Varints.MaxLength);
        Varints.Write(_buf, ref _len, v);
    }

    public void Varint(long v) => Uvarint(Varints.ZigZag(v));

    /// <summary>A UTF-8 string prefixed by its byte length as a uvarint.</summary>
    public void String(string s)
    {
        int n = Encoding.UTF8.GetByteCount(s);
        Uvarint((ulong)n);
        Ensure(n);
        Encoding.UTF8.GetBytes(s, _buf.AsSpan(_len));
        _len += n;
    }

    public void Bytes(ReadOnlySpan<byte> b)
    {
        Ensure(b.Length);
        b.CopyTo(_buf.AsSpan(_len));
        _len += b.Length;
    }

    /// <summary>Overwrites 4 bytes at <paramref name="at"/>.</summary>
    public void PatchU32(int at, uint v) => BinaryPrimitives.WriteUInt32LittleEndian(_buf.AsSpan(at), v);

    private void Ensure(int n)
    {
        if (_len + n > _buf.Length)
        {
            Array.Resize(ref _buf, Math.Max(_buf.Length * 2, _len + n));
        }
    }
}

/// <summary>Reads what <see cref="ByteBuffer"/> wrote; running past the end throws <see cref="CorruptBlockException"/>.</summary>
internal ref struct ByteReader(ReadOnlySpan<byte> data)
{
    private readonly ReadOnlySpan<byte> _data = data;
    private int _pos;

    public readonly int Position => _pos;

    public readonly int Remaining => _data.Length - _pos;

    public readonly bool End => _pos >= _data.Length;

    public byte Byte()
    {
        Need(1);
        return _data[_pos++];
    }

    public ushort U16()
    {
        Need(2);
        var v = BinaryPrimitives.ReadUInt16LittleEndian(_data[_pos..]);
        _pos += 2;
        return v;
    }

    public uint U32()
    {
        Need(4);
        var v = BinaryPrimitives.ReadUInt32LittleEndian(_data[_pos..]);
        _pos += 4;
        return v;
    }

    public ulong U64()
    {
        Need(8);
        var v = BinaryPrimitives.ReadUInt64LittleEndian(_data[_pos..]);
        _pos += 8;
        return v;
    }

    public ulong Uvarint() => Varints.TryRead(_data, ref _pos, out ulong u) switch
    {
        VarintStatus.Ok => u,
        VarintStatus.Truncated => throw new CorruptBlockException("unexpected end of data"),
        _ => throw new CorruptBlockException("varint overflows 64 bits"),
    };

    public long Varint() => Varints.UnZigZag(Uvarint());

    /// <summary>A uvarint that must fit an int (a length or a count).</summary>
    public int Length()
    {
        ulong u = Uvarint();
        if (u > int.MaxValue)
        {
            throw new CorruptBlockException($"length {u} out of range");
        }
        return (int)u;
    }

    public ReadOnlySpan<byte> Bytes(int n)
    {
        Need(n);
        var s = _data.Slice(_pos, n);
        _pos += n;
        return s;
    }

    public string String() => Encoding.UTF8.GetString(Bytes(Length()));

    public void Skip(int n)
    {
        Need(n);
        _pos += n;
    }

    private readonly void Need(int n)
    {
        if (n < 0 || _pos > _data.Length - n)
        {
            throw new CorruptBlockException("unexpected end of data");
        }
    }
}
