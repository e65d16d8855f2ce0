using System.Diagnostics.CodeAnalysis;
using System.Globalization;
using System.IO.Hashing;
using System.Numerics;
using System.Text;
using System.Text.Unicode;
using Ariane.Model;

namespace Ariane.TextParse;

/// <summary>Where one label sits in the body: positions only, so that parsing a sample allocates nothing.</summary>
internal struct LabelPos
{
    /// <summary>Start of the name (inside the quotes for a quoted name).</summary>
    public int NameStart;
    public int NameLen;
    public bool NameEscaped;
    /// <summary>Start of the value, inside the quotes.</summary>
    public int ValueStart;
    public int ValueLen;
    public bool ValueEscaped;
    /// <summary>The whole <c>name="value"</c> as written, for hashing.</summary>
    public int RawStart;
    public int RawEnd;
}

/// <summary>
/// The machinery both text formats share: line splitting, label sets, quoted strings, numbers, label materialisation.
/// The format classes decide what whitespace and which lines are allowed.
/// </summary>
public abstract class LineParser : ExpositionParser
{
    /// <summary>Prometheus's "normal" NaN (0x7ff8000000000001), which is never the stale marker.</summary>
    internal static readonly double NormalNaN = BitConverter.UInt64BitsToDouble(0x7ff8000000000001UL);

    private protected ReadOnlyMemory<byte> _memory;
    private protected int _pos;
    private protected int _lineNo;
    private protected int _lineStart;

    // The current sample.
    private protected int _seriesStart;
    private protected int _seriesEnd;
    private protected int _nameStart;
    private protected int _nameLen;
    private protected bool _nameEscaped;
    private protected LabelPos[] _labels = new LabelPos[16];
    private protected int _labelCount;
    private protected double _value;
    private protected bool _hasTs;
    private protected long _tsMs;

    // The current exemplar.
    private protected bool _hasExemplar;
    private protected LabelPos[] _exLabels = new LabelPos[4];
    private protected int _exLabelCount;
    private protected double _exValue;
    private protected bool _exHasTs;
    private protected long _exTsMs;

    // The current metadata. The family name is copied out of the body: samples after it ask for it (start timestamps,
    // validation) when a streamed body's window no longer holds its line.
    private byte[] _famMeta = new byte[64];
    private protected int _famLenMeta;
    private protected int _famSeq; // counts metadata lines, so that state kept per family knows when it changed
    private protected MetricType _type;
    // The metadata text is materialised only when asked for, so that a scrape that ignores HELP allocates nothing.
    private string? _text;
    private int _textStart;
    private int _textLen;
    private int _textEscapes; // 0: none, 1: \\ and \n, 2: also \"

    // A streamed body (see Reset(Stream, ...)): the window of it held now, _memory being its first _winLen bytes.
    private Stream? _source;
    private byte[]? _window;
    private int _winLen;
    private int _maxWindow;

    private protected ReadOnlySpan<byte> Body => _memory.Span;

    /// <summary>The initial window of a streamed body.</summary>
    public const int DefaultWindow = 64 * 1024;

    /// <summary>The largest window of a streamed body, so the longest line it takes (16 MiB).</summary>
    public const int DefaultMaxWindow = 16 << 20;

    /// <inheritdoc/>
    public override void Reset(ReadOnlyMemory<byte> body)
    {
        ReleaseWindow();
        Start(body);
    }

    /// <inheritdoc/>
    public override void Reset(Stream source, int window = DefaultWindow, int maxWindow = DefaultMaxWindow)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(window, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(maxWindow, window);
        ReleaseWindow();
        _window = System.Buffers.ArrayPool<byte>.Shared.Rent(window);
        _maxWindow = maxWindow;
        _winLen = 0;
        _source = source;
        Start(_window.AsMemory(0, 0));
    }

    /// <inheritdoc/>
    public override void ReleaseWindow()
    {
        _source = null;
        if (_window is not null)
        {
            System.Buffers.ArrayPool<byte>.Shared.Return(_window);
            _window = null;
            _memory = default;
        }
    }

    private void Start(ReadOnlyMemory<byte> body)
    {
        _memory = body;
        _pos = 0;
        _lineNo = 0;
        _lineStart = 0;
        _labelCount = 0;
        _exLabelCount = 0;
        _hasExemplar = false;
        SetText(0, 0, 0);
        _type = MetricType.Unknown;
    }

    /// <inheritdoc/>
    public override ReadOnlySpan<byte> Series() => Body.Slice(_seriesStart, _seriesEnd - _seriesStart);

    /// <inheritdoc/>
    public override double Value => _value;

    /// <inheritdoc/>
    public override bool HasTimestamp => _hasTs;

    /// <inheritdoc/>
    public override long TimestampMs => _tsMs;

    /// <inheritdoc/>
    public override ReadOnlySpan<byte> MetricFamily() => _famMeta.AsSpan(0, _famLenMeta);

    /// <summary>Records the family name of a metadata line, at <paramref name="lineOffset"/> in the current line.</summary>
    private protected void SetFamily(int lineOffset, int len)
    {
        if (len > _famMeta.Length)
        {
            _famMeta = new byte[Math.Max(len, 2 * _famMeta.Length)];
        }
        Body.Slice(_lineStart + lineOffset, len).CopyTo(_famMeta);
        _famLenMeta = len;
        _famSeq++;
    }

    /// <inheritdoc/>
    public override MetricType Type => _type;

    /// <inheritdoc/>
    public override string Text => _text ??= _textEscapes == 0
        ? Encoding.UTF8.GetString(Body.Slice(_textStart, _textLen))
        : Unescape(Body.Slice(_textStart, _textLen), quotes: _textEscapes == 2);

    /// <summary>Records where the current metadata text is (relative to the current line) and how it is escaped.</summary>
    private protected void SetText(int lineOffset, int len, int escapes)
    {
        _text = null;
        _textStart = _lineStart + lineOffset;
        _textLen = len;
        _textEscapes = escapes;
    }

    /// <summary>The metric name of the current sample, as written (quoted names without their quotes, still escaped).</summary>
    internal ReadOnlySpan<byte> MetricNameRaw => Body.Slice(_nameStart, _nameLen);

    /// <inheritdoc/>
    public override void GetLabels(List<Label> into)
    {
        into.Clear();
        ReadOnlySpan<byte> body = Body;
        into.Add(new Label(Labels.MetricName, Str(body.Slice(_nameStart, _nameLen), _nameEscaped)));
        for (int i = 0; i < _labelCount; i++)
        {
            ref readonly LabelPos l = ref _labels[i];
            into.Add(new Label(Str(body.Slice(l.NameStart, l.NameLen), l.NameEscaped), Str(body.Slice(l.ValueStart, l.ValueLen), l.ValueEscaped)));
        }
    }

    /// <inheritdoc/>
    public override bool TryGetExemplar(out Exemplar exemplar)
    {
        if (!_hasExemplar)
        {
            exemplar = default;
            return false;
        }
        ReadOnlySpan<byte> body = Body;
        var arr = new Label[_exLabelCount];
        for (int i = 0; i < _exLabelCount; i++)
        {
            ref readonly LabelPos l = ref _exLabels[i];
            arr[i] = new Label(Str(body.Slice(l.NameStart, l.NameLen), l.NameEscaped), Str(body.Slice(l.ValueStart, l.ValueLen), l.ValueEscaped));
        }
        exemplar = new Exemplar(Labels.FromUnsorted(arr), _exValue, _exHasTs, _exTsMs);
        return true;
    }

    /// <summary>Takes the next line (without its newline) and advances; false at the end of the body.</summary>
    private protected bool NextLine(out ReadOnlySpan<byte> line, out bool terminated)
    {
        ReadOnlySpan<byte> body = Body;
        int nl = body[_pos..].IndexOf((byte)'\n');
        if (nl < 0 && _source is not null)
        {
            // The rest of the window is not a whole line: read on (cold, once per window).
            nl = ReadLine();
            body = Body;
        }
        if (_pos >= body.Length)
        {
            line = default;
            terminated = false;
            return false;
        }
        _lineNo++;
        _lineStart = _pos;
        if (nl < 0)
        {
            line = body[_pos..];
            _pos = body.Length;
            terminated = false;
        }
        else
        {
            line = body.Slice(_pos, nl);
            _pos += nl + 1;
            terminated = true;
        }
        return true;
    }

    /// <summary>
    /// For a streamed body whose window holds no whole line from <c>_pos</c> on: moves the partial line to the front,
    /// reads on until a newline arrives or the body ends, growing the window up to its cap; returns the newline's
    /// offset from <c>_pos</c>, or -1 at the end of the body. A line longer than the cap is an error.
    /// </summary>
    [System.Runtime.CompilerServices.MethodImpl(System.Runtime.CompilerServices.MethodImplOptions.NoInlining)]
    private int ReadLine()
    {
        while (true)
        {
            int searched = _winLen - _pos;
            int got = Refill(_pos);
            if (got < 0)
            {
                return -1;
            }
            if (got == 0)
            {
                _lineNo++;
                Fail("line longer than " + (_maxWindow % (1 << 20) == 0
                    ? (_maxWindow >> 20).ToString(CultureInfo.InvariantCulture) + " MiB"
                    : _maxWindow.ToString(CultureInfo.InvariantCulture) + " bytes") + " (the parse window's limit)");
            }
            // Only the bytes read now can hold the newline.
            int nl = Body.Slice(_pos + searched, got).IndexOf((byte)'\n');
            if (nl >= 0)
            {
                return searched + nl;
            }
        }
    }

    /// <summary>
    /// Reads more of a streamed body into the window, first dropping the bytes before <paramref name="keepFrom"/>
    /// (every position the parser holds moves with the bytes, see <see cref="Rebase"/>) and growing the window when it
    /// is full, up to its cap. Returns the bytes read: -1 at the end of the body (or of a body not streamed), 0 when
    /// the window is full at its cap.
    /// </summary>
    private protected int Refill(int keepFrom)
    {
        if (_source is null || _window is null)
        {
            return -1;
        }
        if (keepFrom > 0)
        {
            Buffer.BlockCopy(_window, keepFrom, _window, 0, _winLen - keepFrom);
            _winLen -= keepFrom;
            _pos -= keepFrom;
            _lineStart -= keepFrom;
            _seriesStart -= keepFrom;
            _seriesEnd -= keepFrom;
            _nameStart -= keepFrom;
            _textStart -= keepFrom;
            Shift(_labels, _labelCount, keepFrom);
            Shift(_exLabels, _exLabelCount, keepFrom);
            Rebase(keepFrom);
        }
        int capacity = Math.Min(_window.Length, _maxWindow);
        if (_winLen == capacity)
        {
            if (capacity == _maxWindow)
            {
                _memory = _window.AsMemory(0, _winLen);
                return 0;
            }
            byte[] bigger = System.Buffers.ArrayPool<byte>.Shared.Rent((int)Math.Min(2L * _window.Length, _maxWindow));
            Buffer.BlockCopy(_window, 0, bigger, 0, _winLen);
            System.Buffers.ArrayPool<byte>.Shared.Return(_window);
            _window = bigger;
            capacity = Math.Min(_window.Length, _maxWindow);
        }
        int n = _source.Read(_window, _winLen, capacity - _winLen);
        if (n == 0)
        {
            _source = null; // the body is whole in the window now
        }
        _winLen += n;
        _memory = _window.AsMemory(0, _winLen);
        return n == 0 ? -1 : n;
    }

    /// <summary>True when the body has no byte after the current position (reading on for a streamed body).</summary>
    private protected bool AtEnd()
    {
        while (_pos >= Body.Length)
        {
            if (Refill(_pos) < 0)
            {
                return true;
            }
        }
        return false;
    }

    private static void Shift(LabelPos[] labels, int count, int by)
    {
        for (int i = 0; i < count; i++)
        {
            ref var l = ref labels[i];
            l.NameStart -= by;
            l.ValueStart -= by;
            l.RawStart -= by;
            l.RawEnd -= by;
        }
    }

    /// <summary>
    /// Called when a streamed body's window dropped its first <paramref name="by"/> bytes: a format moves the positions
    /// it keeps beyond the current entry, and forgets those that pointed into the dropped bytes.
    /// </summary>
    private protected virtual void Rebase(int by)
    {
    }

    /// <summary>Throws for the current line.</summary>
    [DoesNotReturn]
    private protected void Fail(string problem) => throw new ExpositionParseException(_lineNo, problem);

    /// <summary>Length of a legacy metric name (<c>[a-zA-Z_:][a-zA-Z0-9_:]*</c>) at the start of <paramref name="s"/>.</summary>
    internal static int MetricNameLength(ReadOnlySpan<byte> s)
    {
        int i = 0;
        while (i < s.Length)
        {
            byte c = s[i];
            bool ok = (uint)((c | 0x20) - 'a') <= 'z' - 'a' || c == '_' || c == ':' || (i > 0 && (uint)(c - '0') <= 9);
            if (!ok)
            {
                break;
            }
            i++;
        }
        return i;
    }

    /// <summary>Length of a legacy label name (<c>[a-zA-Z_][a-zA-Z0-9_]*</c>) at the start of <paramref name="s"/>.</summary>
    internal static int LabelNameLength(ReadOnlySpan<byte> s)
    {
        int i = 0;
        while (i < s.Length)
        {
            byte c = s[i];
            bool ok = (uint)((c | 0x20) - 'a') <= 'z' - 'a' || c == '_' || (i > 0 && (uint)(c - '0') <= 9);
            if (!ok)
            {
                break;
            }
            i++;
        }
        return i;
    }

    /// <summary>
    /// Scans a quoted string starting at the opening quote <c>line[i]</c>; returns the index after the closing quote and
    /// the content's position. Any escape is allowed (unknown ones stay verbatim, as in Prometheus); the content must be UTF-8.
    /// </summary>
    private protected int ScanQuoted(ReadOnlySpan<byte> line, int i, out int start, out int len, out bool escaped)
    {
        i++;
        start = i;
        escaped = false;
        while (true)
        {
            int k = line[i..].IndexOfAny((byte)'"', (byte)'\\');
            if (k < 0)
            {
                Fail("unterminated quoted string");
            }
            i += k;
            if (line[i] == '"')
            {
                break;
            }
            escaped = true;
            if (i + 1 >= line.Length)
            {
                Fail("unterminated quoted string");
            }
            i += 2;
        }
        len = i - start;
        if (!Utf8.IsValid(line.Slice(start, len)))
        {
            Fail("invalid UTF-8 in quoted string");
        }
        return i + 1;
    }

    /// <summary>
    /// Scans a label set starting at the <c>{</c> at <c>line[i]</c> into <paramref name="into"/>; returns the index after
    /// <c>}</c>. <paramref name="lenient"/> is Prometheus text (blanks between tokens, trailing comma);
    /// OpenMetrics allows only a blank after a comma. With <paramref name="allowName"/> a first item that is a lone
    /// quoted string is the metric name (<c>{"my.metric", a="b"}</c>).
    /// </summary>
    private protected int ScanLabels(ReadOnlySpan<byte> line, int i, bool lenient, bool allowName, ref LabelPos[] into, ref int count, out bool gotName)
    {
        gotName = false;
        count = 0;
        i++;
        bool first = true;
        int abs = _lineStart;
        while (true)
        {
            if (lenient || !first)
            {
                i = SkipBlanks(line, i);
            }
            if (i >= line.Length)
            {
                Fail("unterminated label set");
            }
            if (line[i] == '}')
            {
                if (!first && !lenient)
                {
                    Fail("unexpected '}' after ',' in label set");
                }
                return i + 1;
            }
            int rawStart = i;
            int nameStart, nameLen;
            bool nameEscaped = false;
            if (line[i] == '"')
            {
                i = ScanQuoted(line, i, out nameStart, out nameLen, out nameEscaped);
                if (lenient)
                {
                    i = SkipBlanks(line, i);
                }
                if (i < line.Length && line[i] != '=' && first && allowName)
                {
                    gotName = true;
                    _nameStart = abs + nameStart;
                    _nameLen = nameLen;
                    _nameEscaped = nameEscaped;
                    if (nameLen == 0)
                    {
                        Fail("empty metric name");
                    }
                    goto separator;
                }
            }
            else
            {
                nameStart = i;
                nameLen = LabelNameLength(line[i..]);
                if (nameLen == 0)
                {
                    Fail("invalid label name");
                }
                i += nameLen;
                if (lenient)
                {
                    i = SkipBlanks(line, i);
                }
            }
            if (i >= line.Length || line[i] != '=')
            {
                Fail("expected '=' after label name");
            }
            i++;
            if (lenient)
            {
                i = SkipBlanks(line, i);
            }
            if (i >= line.Length || line[i] != '"')
            {
                Fail("expected quoted label value");
            }
            i = ScanQuoted(line, i, out int valueStart, out int valueLen, out bool valueEscaped);
            for (int j = 0; j < count; j++)
            {
                ref readonly LabelPos o = ref into[j];
                if (line.Slice(o.NameStart - abs, o.NameLen).SequenceEqual(line.Slice(nameStart, nameLen)))
                {
                    Fail("duplicate label name \"" + Echo.Truncate(line.Slice(nameStart, nameLen)) + "\"");
                }
            }
            if (count == into.Length)
            {
                Array.Resize(ref into, count * 2);
            }
            into[count++] = new LabelPos
            {
                NameStart = abs + nameStart,
                NameLen = nameLen,
                NameEscaped = nameEscaped,
                ValueStart = abs + valueStart,
                ValueLen = valueLen,
                ValueEscaped = valueEscaped,
                RawStart = abs + rawStart,
                RawEnd = abs + i,
            };
        separator:
            if (lenient)
            {
                i = SkipBlanks(line, i);
            }
            if (i >= line.Length)
            {
                Fail("unterminated label set");
            }
            if (line[i] == ',')
            {
                i++;
                first = false;
                continue;
            }
            if (line[i] == '}')
            {
                return i + 1;
            }
            Fail("expected ',' or '}' in label set");
        }
    }

    /// <summary>Skips blanks and tabs.</summary>
    private protected static int SkipBlanks(ReadOnlySpan<byte> line, int i)
    {
        while (i < line.Length && (line[i] == ' ' || line[i] == '\t'))
        {
            i++;
        }
        return i;
    }

    /// <summary>
    /// Parses a float as Prometheus does (Go's strconv.ParseFloat without hex floats or underscores): decimal and
    /// exponent forms, and case-insensitive <c>[+-]inf</c>, <c>[+-]infinity</c>, <c>nan</c>. Out-of-range values fail.
    /// </summary>
    internal static bool TryParseFloat(ReadOnlySpan<byte> s, out double v)
    {
        v = 0;
        if (s.IsEmpty)
        {
            return false;
        }
        int k = s[0] is (byte)'+' or (byte)'-' ? 1 : 0;
        if (k < s.Length && (s[k] | 0x20) is (byte)'i' or (byte)'n')
        {
            ReadOnlySpan<byte> rest = s[k..];
            if (Ascii.EqualsIgnoreCase(rest, "inf"u8) || Ascii.EqualsIgnoreCase(rest, "infinity"u8))
            {
                v = s[0] == '-' ? double.NegativeInfinity : double.PositiveInfinity;
                return true;
            }
            if (k == 0 && Ascii.EqualsIgnoreCase(rest, "nan"u8))
            {
                v = double.NaN;
                return true;
            }
            return false;
        }
        if (TryParseSimpleFloat(s, out v))
        {
            return true;
        }
        foreach (byte b in s)
        {
            if (!((uint)(b - '0') <= 9 || b is (byte)'.' or (byte)'e' or (byte)'E' or (byte)'+' or (byte)'-'))
            {
                return false;
            }
        }
        return double.TryParse(s, NumberStyles.AllowLeadingSign | NumberStyles.AllowDecimalPoint | NumberStyles.AllowExponent, CultureInfo.InvariantCulture, out v)
            && !double.IsInfinity(v);
    }

    private static ReadOnlySpan<double> PowersOf10 =>
    [
        1e0, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9, 1e10, 1e11, 1e12, 1e13, 1e14, 1e15, 1e16, 1e17, 1e18, 1e19, 1e20, 1e21, 1e22,
    ];

    private static ReadOnlySpan<ulong> UInt64PowersOf10 =>
    [
        1, 10, 100, 1000, 10000, 100000, 1000000, 10000000, 100000000, 1000000000, 10000000000, 100000000000,
        1000000000000, 10000000000000, 100000000000000, 1000000000000000, 10000000000000000, 100000000000000000,
        1000000000000000000, 10000000000000000000,
    ];

    /// <summary>
    /// The common case of a scrape value, exactly and fast: <c>[sign]digits[.digits][e[sign]digits]</c> with at most
    /// 19 significant digits. Up to 15 digits with a decimal exponent within ±22, one multiplication or division by an
    /// exact power of ten gives the correctly rounded double (Clinger's fast path); otherwise, with the exponent
    /// within ±19 (the 17-digit values Go clients print, such as <c>26069.712316872417</c>), the value is rounded
    /// from an exact integer product or quotient (<see cref="RoundExact"/>). Anything else is left to the general parser.
    /// </summary>
    private static bool TryParseSimpleFloat(ReadOnlySpan<byte> s, out double v)
    {
        v = 0;
        int i = 0;
        bool neg = false;
        if (s[0] is (byte)'+' or (byte)'-')
        {
            neg = s[0] == '-';
            i = 1;
        }
        ulong mant = 0;
        int digits = 0, exp = 0;
        bool any = false;
        for (; i < s.Length && (uint)(s[i] - '0') <= 9; i++)
        {
            any = true;
            if (mant != 0 || s[i] != '0')
            {
                if (++digits > 19)
                {
                    return false;
                }
                mant = mant * 10 + (uint)(s[i] - '0');
            }
        }
        if (i < s.Length && s[i] == '.')
        {
            for (i++; i < s.Length && (uint)(s[i] - '0') <= 9; i++)
            {
                any = true;
                if (mant != 0 || s[i] != '0')
                {
                    if (++digits > 19)
                    {
                        return false;
                    }
                    mant = mant * 10 + (uint)(s[i] - '0');
                }
                exp--;
            }
        }
        if (!any)
        {
            return false;
        }
        if (i < s.Length && (s[i] | 0x20) == 'e')
        {
            i++;
            bool eneg = false;
            if (i < s.Length && s[i] is (byte)'+' or (byte)'-')
            {
                eneg = s[i] == '-';
                i++;
            }
            int e = 0, edigits = 0;
            for (; i < s.Length && (uint)(s[i] - '0') <= 9; i++)
            {
                if (++edigits > 4)
                {
                    return false;
                }
                e = e * 10 + (s[i] - '0');
            }
            if (edigits == 0)
            {
                return false;
            }
            exp += eneg ? -e : e;
        }
        if (i != s.Length)
        {
            return false;
        }
        double d;
        if (mant == 0)
        {
            d = 0;
        }
        else if (digits <= 15 && exp >= -22 && exp <= 22)
        {
            d = mant;
            d = exp >= 0 ? d * PowersOf10[exp] : d / PowersOf10[-exp];
        }
        else if (exp >= -19 && exp <= 19)
        {
            d = exp >= 0
                ? RoundExact((UInt128)mant * UInt64PowersOf10[exp], 0)
                : RoundQuotient(mant, UInt64PowersOf10[-exp]);
        }
        else
        {
            return false;
        }
        v = neg ? -d : d;
        return true;
    }

    /// <summary>
    /// <paramref name="mant"/> / <paramref name="div"/> correctly rounded: the dividend shifted left so that the
    /// quotient has 63 or 64 significant bits and still fits in 64, then the quotient rounded with the remainder as a
    /// sticky bit.
    /// </summary>
    private static double RoundQuotient(ulong mant, ulong div)
    {
        int divBits = 64 - BitOperations.LeadingZeroCount(div);
        int shift = divBits + 63 - (64 - BitOperations.LeadingZeroCount(mant)); // 3..126
        ulong hi = shift >= 64 ? mant << (shift - 64) : mant >> (64 - shift);
        ulong lo = shift >= 64 ? 0 : mant << shift;
        ulong q = DivRem128(hi, lo, div, out ulong r);
        int drop = 64 - BitOperations.LeadingZeroCount(q) - 53; // 10 or 11
        ulong m = q >> drop;
        ulong rest = q & ((1UL << drop) - 1);
        ulong half = 1UL << (drop - 1);
        if (rest > half || (rest == half && (r != 0 || (m & 1) != 0)))
        {
            m++; // may carry to 2^53, which is still exact as a double
        }
        return Math.ScaleB((double)m, drop - shift);
    }

    /// <summary>
    /// (<paramref name="hi"/>·2^64 + <paramref name="lo"/>) / <paramref name="div"/> for <paramref name="hi"/> &lt;
    /// <paramref name="div"/> (so the quotient fits in 64 bits): schoolbook division in two 32-bit quotient digits
    /// with a normalised divisor, each digit estimated from the divisor's top half and corrected at most twice.
    /// </summary>
    private static ulong DivRem128(ulong hi, ulong lo, ulong div, out ulong rem)
    {
        const ulong B = 1UL << 32;
        int s = BitOperations.LeadingZeroCount(div);
        div <<= s;
        ulong dh = div >> 32, dl = div & 0xFFFFFFFF;
        ulong n32 = s == 0 ? hi : (hi << s) | (lo >> (64 - s));
        ulong n10 = lo << s;
        ulong n1 = n10 >> 32, n0 = n10 & 0xFFFFFFFF;
        ulong q1 = n32 / dh, rhat = n32 - q1 * dh;
        while (q1 >= B || q1 * dl > ((rhat << 32) | n1))
        {
            q1--;
            rhat += dh;
            if (rhat >= B)
            {
                break;
            }
        }
        ulong n21 = (n32 << 32) + n1 - q1 * div; // exact modulo 2^64: the true value is below div
        ulong q0 = n21 / dh;
        rhat = n21 - q0 * dh;
        while (q0 >= B || q0 * dl > ((rhat << 32) | n0))
        {
            q0--;
            rhat += dh;
            if (rhat >= B)
            {
                break;
            }
        }
        rem = ((n21 << 32) + n0 - q0 * div) >> s;
        return (q1 << 32) + q0;
    }

    /// <summary>
    /// The double nearest to <paramref name="x"/> × 2^<paramref name="exp2"/> (ties to even), where
    /// <paramref name="sticky"/> says that <paramref name="x"/> was truncated (the true value is a little larger).
    /// Only for results in the normal range, which every caller's are (at most 2^128, at least 10^-19).
    /// </summary>
    private static double RoundExact(UInt128 x, int exp2, bool sticky = false)
    {
        int bits = 128 - (int)UInt128.LeadingZeroCount(x);
        if (bits <= 53)
        {
            return Math.ScaleB((double)(ulong)x, exp2); // exact (sticky is only ever set with 64+ bits)
        }
        int drop = bits - 53;
        ulong m = (ulong)(x >> drop);
        UInt128 rest = x & ((UInt128.One << drop) - 1);
        UInt128 half = UInt128.One << (drop - 1);
        if (rest > half || (rest == half && (sticky || (m & 1) != 0)))
        {
            m++; // may carry to 2^53, which is still exact as a double
        }
        return Math.ScaleB((double)m, exp2 + drop);
    }

    /// <summary>Parses a decimal int64 with an optional sign, as Go's strconv.ParseInt(s, 10, 64).</summary>
    internal static bool TryParseInt64(ReadOnlySpan<byte> s, out long v)
    {
        v = 0;
        int i = 0;
        bool neg = false;
        if (s.Length > 0 && s[0] is (byte)'+' or (byte)'-')
        {
            neg = s[0] == '-';
            i = 1;
        }
        if (i >= s.Length)
        {
            return false;
        }
        ulong acc = 0;
        ulong limit = neg ? 9223372036854775808UL : 9223372036854775807UL;
        for (; i < s.Length; i++)
        {
            uint d = (uint)(s[i] - '0');
            if (d > 9 || acc > (limit - d) / 10)
            {
                return false;
            }
            acc = acc * 10 + d;
        }
        v = neg ? (long)(0UL - acc) : (long)acc;
        return true;
    }

    /// <summary>Seconds as a float to milliseconds, truncating like Go's <c>int64(ts * 1000)</c> and saturating.</summary>
    internal static long SecondsToMs(double seconds)
    {
        double ms = seconds * 1000;
        if (ms >= 9.2233720368547758E18)
        {
            return long.MaxValue;
        }
        if (ms <= -9.2233720368547758E18)
        {
            return long.MinValue;
        }
        return (long)ms;
    }

    /// <summary>A string from UTF-8, undoing <c>\\</c>, <c>\"</c> and <c>\n</c> (other escapes stay as written).</summary>
    internal static string Str(ReadOnlySpan<byte> s, bool escaped) => escaped ? Unescape(s, quotes: true) : Encoding.UTF8.GetString(s);

    /// <summary>Undoes <c>\\</c>, <c>\n</c> and, with <paramref name="quotes"/>, <c>\"</c>; other backslashes stay.</summary>
    internal static string Unescape(ReadOnlySpan<byte> s, bool quotes)
    {
        byte[]? rented = null;
        Span<byte> buf = s.Length <= 512 ? stackalloc byte[s.Length] : (rented = System.Buffers.ArrayPool<byte>.Shared.Rent(s.Length));
        int n = 0;
        for (int i = 0; i < s.Length; i++)
        {
            byte c = s[i];
            if (c == '\\' && i + 1 < s.Length)
            {
                byte d = s[i + 1];
                if (d == '\\' || (quotes && d == '"'))
                {
                    buf[n++] = d;
                    i++;
                    continue;
                }
                if (d == 'n')
                {
                    buf[n++] = (byte)'\n';
                    i++;
                    continue;
                }
            }
            buf[n++] = c;
        }
        string r = Encoding.UTF8.GetString(buf[..n]);
        if (rented is not null)
        {
            System.Buffers.ArrayPool<byte>.Shared.Return(rented);
        }
        return r;
    }

    /// <summary>A stable 64-bit hash of a byte string.</summary>
    internal static ulong Hash(ReadOnlySpan<byte> s) => XxHash3.HashToUInt64(s);

    /// <summary>The hash of <paramref name="a"/> followed by <paramref name="b"/>, without allocating for short names.</summary>
    internal static ulong Hash(ReadOnlySpan<byte> a, ReadOnlySpan<byte> b)
    {
        int n = a.Length + b.Length;
        if (n <= 512)
        {
            Span<byte> buf = stackalloc byte[n];
            a.CopyTo(buf);
            b.CopyTo(buf[a.Length..]);
            return XxHash3.HashToUInt64(buf);
        }
        var arr = new byte[n];
        a.CopyTo(arr);
        b.CopyTo(arr.AsSpan(a.Length));
        return XxHash3.HashToUInt64(arr);
    }
}
