namespace Ariane.TextParse;

/// <summary>
/// Parser for the Prometheus text format 0.0.4, as lenient as Prometheus's own: blank lines, free comments, blanks
/// and tabs between tokens, a trailing comma in label sets, integer millisecond timestamps, quoted UTF-8 names.
/// </summary>
public sealed class PromTextParser : LineParser
{
    /// <summary>Creates a parser; call one of the <c>Reset</c> overloads before use.</summary>
    public PromTextParser()
    {
    }

    /// <inheritdoc/>
    public override bool IsOpenMetrics => false;

    /// <inheritdoc/>
    public override Entry Next()
    {
        while (NextLine(out ReadOnlySpan<byte> line, out _))
        {
            int i = SkipBlanks(line, 0);
            if (i == line.Length)
            {
                continue;
            }
            if (line[i] == '#')
            {
                return Comment(line, i + 1);
            }
            ParseSample(line, i);
            return Entry.Series;
        }
        return Entry.EOF;
    }

    private Entry Comment(ReadOnlySpan<byte> line, int i)
    {
        i = SkipBlanks(line, i);
        ReadOnlySpan<byte> rest = line[i..];
        bool help = rest.StartsWith("HELP"u8);
        bool type = rest.StartsWith("TYPE"u8);
        if ((!help && !type) || rest.Length == 4 || (rest[4] != ' ' && rest[4] != '\t'))
        {
            SetText(i, line.Length - i, 0);
            return Entry.Comment;
        }
        i = SkipBlanks(line, i + 4);
        if (i < line.Length && line[i] == '"')
        {
            i = ScanQuoted(line, i, out int start, out int len, out _);
            SetFamily(start, len);
        }
        else
        {
            int len = MetricNameLength(line[i..]);
            if (len == 0)
            {
                Fail(help ? "expected metric name after HELP" : "expected metric name after TYPE");
            }
            SetFamily(i, len);
            i += len;
        }
        if (i < line.Length && line[i] != ' ' && line[i] != '\t')
        {
            Fail("invalid metric name in " + (help ? "HELP" : "TYPE"));
        }
        i = SkipBlanks(line, i);
        if (help)
        {
            ReadOnlySpan<byte> text = line[i..];
            if (!System.Text.Unicode.Utf8.IsValid(text))
            {
                Fail("invalid UTF-8 in HELP text");
            }
            SetText(i, text.Length, 1);
            return Entry.Help;
        }
        int end = line.Length;
        while (end > i && (line[end - 1] == ' ' || line[end - 1] == '\t'))
        {
            end--;
        }
        ReadOnlySpan<byte> word = line[i..end];
        _type = word switch
        {
            _ when word.SequenceEqual("counter"u8) => MetricType.Counter,
            _ when word.SequenceEqual("gauge"u8) => MetricType.Gauge,
            _ when word.SequenceEqual("histogram"u8) => MetricType.Histogram,
            _ when word.SequenceEqual("summary"u8) => MetricType.Summary,
            _ when word.SequenceEqual("untyped"u8) => MetricType.Unknown,
            _ => InvalidType(),
        };
        SetText(0, 0, 0);
        return Entry.Type;
    }

    private MetricType InvalidType()
    {
        Fail("invalid metric type");
        return MetricType.Unknown;
    }

    private void ParseSample(ReadOnlySpan<byte> line, int i)
    {
        _seriesStart = _lineStart + i;
        _hasExemplar = false;
        _labelCount = 0;
        if (line[i] == '{')
        {
            i = ScanLabels(line, i, lenient: true, allowName: true, ref _labels, ref _labelCount, out bool gotName);
            if (!gotName)
            {
                Fail("metric name missing");
            }
        }
        else
        {
            int len = MetricNameLength(line[i..]);
            if (len == 0)
            {
                Fail("invalid metric name");
            }
            _nameStart = _lineStart + i;
            _nameLen = len;
            _nameEscaped = false;
            i += len;
            int j = SkipBlanks(line, i);
            if (j < line.Length && line[j] == '{')
            {
                i = ScanLabels(line, j, lenient: true, allowName: false, ref _labels, ref _labelCount, out _);
            }
        }
        _seriesEnd = _lineStart + i;
        int v = SkipBlanks(line, i);
        if (v == i && v < line.Length && line[i - 1] != '}')
        {
            Fail("invalid metric name");
        }
        if (v >= line.Length)
        {
            Fail("expected value after metric");
        }
        int e = v;
        while (e < line.Length && line[e] != ' ' && line[e] != '\t')
        {
            e++;
        }
        if (!TryParseFloat(line[v..e], out _value))
        {
            Fail("invalid value \"" + Printable(line[v..e]) + "\"");
        }
        if (double.IsNaN(_value))
        {
            _value = NormalNaN;
        }
        _hasTs = false;
        _tsMs = 0;
        int t = SkipBlanks(line, e);
        if (t < line.Length)
        {
            int te = t;
            while (te < line.Length && line[te] != ' ' && line[te] != '\t')
            {
                te++;
            }
            if (!TryParseInt64(line[t..te], out _tsMs))
            {
                Fail("invalid timestamp \"" + Printable(line[t..te]) + "\"");
            }
            _hasTs = true;
            if (SkipBlanks(line, te) != line.Length)
            {
                Fail("unexpected text after timestamp");
            }
        }
    }

    /// <summary>A short, safe rendering of offending input for an error message.</summary>
    internal static string Printable(ReadOnlySpan<byte> s)
    {
        if (s.Length > 40)
        {
            s = s[..40];
        }
        return System.Text.Encoding.UTF8.GetString(s);
    }
}
