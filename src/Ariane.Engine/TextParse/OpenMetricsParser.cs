namespace Ariane.TextParse;

/// <summary>
/// Parser for OpenMetrics 1.0 text, strict as the specification: exact single-space syntax, <c># EOF</c>, metric
/// families grouped and not interleaved, metadata before samples, per-type sample names, values and labels,
/// histogram bucket rules and exemplar placement and length (see OpenMetricsParser.Validation.cs).
/// </summary>
/// <remarks>
/// By default three value rules are relaxed because the official Go client breaks them for metrics that observe
/// negative values, and Prometheus scrapes those targets: a summary's quantile values and <c>_sum</c> may be negative,
/// and a histogram with negative buckets may have a <c>_sum</c>. With <c>specStrict</c> every rule of OpenMetrics 1.0
/// applies (the conformance suite runs that way).
/// </remarks>
public sealed partial class OpenMetricsParser : LineParser
{
    private bool _eof;

    /// <summary>Creates a parser; call one of the <c>Reset</c> overloads before use. <paramref name="specStrict"/> applies every OpenMetrics 1.0 rule.</summary>
    public OpenMetricsParser(bool specStrict = false, bool scrapeLenient = false)
    {
        ScrapeLenient = scrapeLenient && !specStrict;
        SpecStrict = specStrict;
    }

    /// <summary>True when every OpenMetrics 1.0 rule applies, including those the Go client breaks for negative observations.</summary>
    public bool SpecStrict { get; }

    /// <summary>
    /// True for scraping: only the syntax is enforced (tokens, escapes, numbers, <c># EOF</c>), not the semantic rules
    /// Prometheus does not enforce either (family grouping and order, histogram and summary structure, value ranges),
    /// so an exporter that Prometheus scrapes is scraped here too.
    /// </summary>
    public bool ScrapeLenient { get; }

    /// <inheritdoc/>
    public override bool IsOpenMetrics => true;

    /// <inheritdoc/>
    public override void Reset(ReadOnlyMemory<byte> body)
    {
        base.Reset(body);
        ResetState();
    }

    /// <inheritdoc/>
    public override void Reset(Stream source, int window = DefaultWindow, int maxWindow = DefaultMaxWindow)
    {
        base.Reset(source, window, maxWindow);
        ResetState();
    }

    private void ResetState()
    {
        _eof = false;
        ResetValidation();
        _stFamily = -1;
        _stFoundLine = -1;
        _stNoneFrom = int.MaxValue;
    }

    /// <inheritdoc/>
    public override Entry Next()
    {
        if (_eof)
        {
            return Entry.EOF;
        }
        if (!NextLine(out ReadOnlySpan<byte> line, out bool terminated))
        {
            _lineNo++;
            Fail("unexpected end of input: missing \"# EOF\"");
        }
        if (line.IsEmpty)
        {
            Fail("empty line");
        }
        if (line[0] == '#')
        {
            if (line.SequenceEqual("# EOF"u8))
            {
                if (!AtEnd())
                {
                    _lineNo++;
                    Fail("unexpected data after \"# EOF\"");
                }
                if (!ScrapeLenient)
                {
                    EndFamily();
                }
                _eof = true;
                return Entry.EOF;
            }
            if (!terminated)
            {
                Fail("missing newline");
            }
            return Metadata(line);
        }
        if (!terminated)
        {
            Fail("missing newline after sample (and \"# EOF\")");
        }
        ParseSample(line);
        if (!ScrapeLenient)
        {
            ValidateSample();
        }
        return Entry.Series;
    }

    private Entry Metadata(ReadOnlySpan<byte> line)
    {
        Entry kind;
        if (line.StartsWith("# HELP "u8))
        {
            kind = Entry.Help;
        }
        else if (line.StartsWith("# TYPE "u8))
        {
            kind = Entry.Type;
        }
        else if (line.StartsWith("# UNIT "u8))
        {
            kind = Entry.Unit;
        }
        else
        {
            Fail("invalid comment: only \"# HELP\", \"# TYPE\", \"# UNIT\" and \"# EOF\" are allowed");
            return Entry.Invalid;
        }
        int i = 7;
        int nameLen;
        if (i < line.Length && line[i] == '"')
        {
            int e = ScanQuoted(line, i, out int start, out nameLen, out _);
            SetFamily(start, nameLen);
            i = e;
        }
        else
        {
            nameLen = MetricNameLength(line[i..]);
            SetFamily(i, nameLen);
            i += nameLen;
        }
        if (nameLen == 0)
        {
            Fail("expected metric name after " + KindName(kind));
        }
        if (i >= line.Length || line[i] != ' ')
        {
            Fail(i >= line.Length ? "expected text after " + KindName(kind) + " metric name" : "invalid metric name in " + KindName(kind));
        }
        ReadOnlySpan<byte> rest = line[(i + 1)..];
        SetText(i + 1, rest.Length, kind == Entry.Help ? 2 : 0);
        switch (kind)
        {
            case Entry.Help:
                if (!System.Text.Unicode.Utf8.IsValid(rest))
                {
                    Fail("invalid UTF-8 in HELP text");
                }
                break;
            case Entry.Type:
                _type = ParseType(rest);
                SetText(0, 0, 0);
                break;
            default:
                if (MetricNameLength(rest) != rest.Length)
                {
                    Fail("invalid unit \"" + PromTextParser.Printable(rest) + "\"");
                }
                break;
        }
        if (!ScrapeLenient)
        {
            ValidateMetadata(kind, rest);
        }
        return kind;
    }

    private static string KindName(Entry kind) => kind switch
    {
        Entry.Help => "HELP",
        Entry.Type => "TYPE",
        _ => "UNIT",
    };

    private MetricType ParseType(ReadOnlySpan<byte> w)
    {
        if (w.SequenceEqual("counter"u8))
        {
            return MetricType.Counter;
        }
        if (w.SequenceEqual("gauge"u8))
        {
            return MetricType.Gauge;
        }
        if (w.SequenceEqual("histogram"u8))
        {
            return MetricType.Histogram;
        }
        if (w.SequenceEqual("gaugehistogram"u8))
        {
            return MetricType.GaugeHistogram;
        }
        if (w.SequenceEqual("summary"u8))
        {
            return MetricType.Summary;
        }
        if (w.SequenceEqual("info"u8))
        {
            return MetricType.Info;
        }
        if (w.SequenceEqual("stateset"u8))
        {
            return MetricType.StateSet;
        }
        if (w.SequenceEqual("unknown"u8))
        {
            return MetricType.Unknown;
        }
        Fail("invalid metric type \"" + PromTextParser.Printable(w) + "\"");
        return MetricType.Unknown;
    }

    private void ParseSample(ReadOnlySpan<byte> line)
    {
        int i = 0;
        _seriesStart = _lineStart;
        _hasExemplar = false;
        _labelCount = 0;
        if (line[0] == '{')
        {
            i = ScanLabels(line, 0, lenient: false, allowName: true, ref _labels, ref _labelCount, out bool gotName);
            if (!gotName)
            {
                Fail("metric name missing");
            }
        }
        else
        {
            int len = MetricNameLength(line);
            if (len == 0)
            {
                Fail("invalid metric name");
            }
            _nameStart = _lineStart;
            _nameLen = len;
            _nameEscaped = false;
            i = len;
            if (i < line.Length && line[i] == '{')
            {
                i = ScanLabels(line, i, lenient: false, allowName: false, ref _labels, ref _labelCount, out _);
            }
        }
        _seriesEnd = _lineStart + i;
        if (i >= line.Length)
        {
            Fail("expected value after metric");
        }
        if (line[i] != ' ')
        {
            Fail(_labelCount == 0 && line[i - 1] != '}' ? "invalid metric name" : "expected a space before the value");
        }
        i++;
        int e = Token(line, i);
        if (!TryParseFloat(line[i..e], out _value))
        {
            Fail("invalid value \"" + PromTextParser.Printable(line[i..e]) + "\"");
        }
        if (double.IsNaN(_value))
        {
            _value = NormalNaN;
        }
        _hasTs = false;
        _tsMs = 0;
        _tsSeconds = 0;
        i = e;
        if (i == line.Length)
        {
            return;
        }
        i++;
        if (i < line.Length && line[i] != '#')
        {
            e = Token(line, i);
            _tsSeconds = ParseTimestamp(line[i..e]);
            _tsMs = SecondsToMs(_tsSeconds);
            _hasTs = true;
            i = e;
            if (i == line.Length)
            {
                return;
            }
            i++;
        }
        if (i >= line.Length || line[i] != '#')
        {
            Fail("expected timestamp or exemplar after value");
        }
        ParseExemplar(line, i);
    }

    private void ParseExemplar(ReadOnlySpan<byte> line, int i)
    {
        if (i + 2 >= line.Length || line[i + 1] != ' ' || line[i + 2] != '{')
        {
            Fail("expected \" # {\" to start an exemplar");
        }
        i = ScanLabels(line, i + 2, lenient: false, allowName: false, ref _exLabels, ref _exLabelCount, out _);
        int runes = 0;
        ReadOnlySpan<byte> body = Body;
        for (int k = 0; k < _exLabelCount; k++)
        {
            ref readonly LabelPos l = ref _exLabels[k];
            runes += CountRunes(body.Slice(l.NameStart, l.NameLen)) + CountRunes(body.Slice(l.ValueStart, l.ValueLen));
        }
        if (runes > 128)
        {
            Fail("exemplar labels have " + runes.ToString(System.Globalization.CultureInfo.InvariantCulture) + " characters, more than 128");
        }
        if (i >= line.Length || line[i] != ' ')
        {
            Fail("expected value after exemplar labels");
        }
        i++;
        int e = Token(line, i);
        if (!TryParseFloat(line[i..e], out _exValue))
        {
            Fail("invalid exemplar value \"" + PromTextParser.Printable(line[i..e]) + "\"");
        }
        _exHasTs = false;
        _exTsMs = 0;
        if (e < line.Length)
        {
            i = e + 1;
            e = Token(line, i);
            _exTsMs = SecondsToMs(ParseTimestamp(line[i..e]));
            _exHasTs = true;
            if (e != line.Length)
            {
                Fail("unexpected text after exemplar timestamp");
            }
        }
        _hasExemplar = true;
    }

    private double ParseTimestamp(ReadOnlySpan<byte> s)
    {
        if (!TryParseFloat(s, out double ts) || !double.IsFinite(ts))
        {
            Fail("invalid timestamp \"" + PromTextParser.Printable(s) + "\"");
        }
        return ts;
    }

    /// <summary>The end of the space-separated token starting at <paramref name="i"/>; an empty token is an error.</summary>
    private int Token(ReadOnlySpan<byte> line, int i)
    {
        int k = i < line.Length ? line[i..].IndexOf((byte)' ') : -1;
        int e = k < 0 ? line.Length : i + k;
        if (e == i)
        {
            Fail(i >= line.Length ? "unexpected end of line" : "unexpected space");
        }
        return e;
    }

    /// <summary>Unicode code points in valid UTF-8: every byte that is not a continuation byte starts one.</summary>
    private static int CountRunes(ReadOnlySpan<byte> s)
    {
        int n = 0;
        foreach (byte b in s)
        {
            if ((b & 0xC0) != 0x80)
            {
                n++;
            }
        }
        return n;
    }
}
