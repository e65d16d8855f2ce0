namespace Ariane.TextParse;

// Start timestamps from OpenMetrics' _created samples. A counter's, histogram's or summary's _created sample comes
// after the samples it belongs to, so finding it means reading ahead within the family, for the first sample of each
// label set; the samples after it with the same labels (a histogram's other buckets, _count, _sum) reuse the answer.
// A family found to have no _created sample after some point is not searched again from there.
public sealed partial class OpenMetricsParser
{
    private LabelPos[] _stLabels = new LabelPos[16];
    private int _stCount;
    private int _stFamily = -1;        // _famSeq of the family the cached answer belongs to
    private int _stFoundLine = -1;     // start of the _created line found last (its labels in _stLabels), -1 for none
    private long _stValue;
    private int _stNoneFrom = int.MaxValue; // no _created line from this position to the family's end

    /// <inheritdoc/>
    public override bool IsCreatedSample =>
        HasStartTimes(_type) && !_nameEscaped && NameIs(MetricNameRaw, MetricFamily(), "_created"u8);

    /// <inheritdoc/>
    public override bool TryGetStartTimestamp(out long ms)
    {
        ms = 0;
        if (!HasStartTimes(_type) || _nameEscaped)
        {
            return false;
        }
        var fam = MetricFamily();
        var name = MetricNameRaw;
        bool known = _type switch
        {
            MetricType.Counter => NameIs(name, fam, "_total"u8),
            MetricType.Histogram => NameIs(name, fam, "_bucket"u8) || NameIs(name, fam, "_count"u8) || NameIs(name, fam, "_sum"u8),
            _ => name.SequenceEqual(fam) || NameIs(name, fam, "_count"u8) || NameIs(name, fam, "_sum"u8),
        };
        if (!known)
        {
            return false;
        }
        if (_stFamily != _famSeq)
        {
            _stFamily = _famSeq;
            _stFoundLine = -1;
            _stNoneFrom = int.MaxValue;
        }
        ReadOnlySpan<byte> body = Body;
        if (_stFoundLine >= 0 && SameLabels(body, _stLabels, _stCount))
        {
            ms = _stValue;
            return true;
        }
        if (_lineStart >= _stNoneFrom)
        {
            return false;
        }
        int savedLineStart = _lineStart;
        try
        {
            bool anyCreated = false;
            int pos = _pos;
            while (true)
            {
                int nl = body[pos..].IndexOf((byte)'\n');
                if (nl < 0)
                {
                    // A streamed body's window ends inside the family: read on, keeping the current line (so the
                    // window holds at most the lines from here to the _created line, within its cap).
                    int before = _lineStart;
                    int got = Refill(_lineStart);
                    if (got > 0)
                    {
                        pos -= before - _lineStart;
                        savedLineStart = _lineStart;
                        body = Body;
                        continue;
                    }
                    if (got == 0 || pos >= body.Length)
                    {
                        break; // the window is at its cap, or the body ends
                    }
                }
                var line = nl < 0 ? body[pos..] : body.Slice(pos, nl);
                int start = pos;
                pos = nl < 0 ? body.Length : pos + nl + 1;
                if (line.IsEmpty || line[0] is (byte)'#' or (byte)'{')
                {
                    break; // the family ends (or a quoted name, not looked into)
                }
                int len = MetricNameLength(line);
                if (len == 0 || !NameIs(line[..len], fam, "_created"u8))
                {
                    continue;
                }
                anyCreated = true;
                int i = len;
                int count = 0;
                if (i < line.Length && line[i] == '{')
                {
                    _lineStart = start;
                    i = ScanLabels(line, i, lenient: false, allowName: false, ref _stLabels, ref count, out _);
                    _lineStart = savedLineStart;
                }
                if (!SameLabels(body, _stLabels, count) || i >= line.Length || line[i] != ' ')
                {
                    continue;
                }
                int e = line[(i + 1)..].IndexOf((byte)' ');
                var value = e < 0 ? line[(i + 1)..] : line.Slice(i + 1, e);
                if (!TryParseFloat(value, out double seconds) || !double.IsFinite(seconds))
                {
                    return false;
                }
                _stCount = count;
                _stFoundLine = start;
                _stValue = SecondsToMs(seconds);
                ms = _stValue;
                return true;
            }
            if (!anyCreated)
            {
                _stNoneFrom = savedLineStart;
            }
            return false;
        }
        catch (ExpositionParseException)
        {
            return false; // the line is reported when the parser reaches it
        }
        finally
        {
            _lineStart = savedLineStart;
        }
    }

    /// <inheritdoc/>
    private protected override void Rebase(int by)
    {
        // The _created line found last stays usable while the window holds it; the family's "none from here" mark
        // moves with the bytes (a position before the window still means "from before here").
        if (_stFoundLine >= 0)
        {
            _stFoundLine -= by;
            if (_stFoundLine < 0)
            {
                _stFoundLine = -1;
            }
            else
            {
                for (int i = 0; i < _stCount; i++)
                {
                    ref var l = ref _stLabels[i];
                    l.NameStart -= by;
                    l.ValueStart -= by;
                    l.RawStart -= by;
                    l.RawEnd -= by;
                }
            }
        }
        if (_stNoneFrom != int.MaxValue)
        {
            _stNoneFrom = Math.Max(_stNoneFrom - by, -1);
        }
    }

    private static bool HasStartTimes(MetricType t) => t is MetricType.Counter or MetricType.Histogram or MetricType.Summary;

    private static bool NameIs(ReadOnlySpan<byte> name, ReadOnlySpan<byte> family, ReadOnlySpan<byte> suffix) =>
        name.Length == family.Length + suffix.Length && name.StartsWith(family) && name.EndsWith(suffix);

    // Whether the labels `other` hold are the current sample's, but for a histogram bucket's le and a summary's
    // quantile (compared as written, in any order).
    private bool SameLabels(ReadOnlySpan<byte> body, LabelPos[] other, int otherCount)
    {
        int mine = 0;
        for (int k = 0; k < _labelCount; k++)
        {
            ref readonly var l = ref _labels[k];
            var n = body.Slice(l.NameStart, l.NameLen);
            if ((_type == MetricType.Histogram && n.SequenceEqual("le"u8)) || (_type == MetricType.Summary && n.SequenceEqual("quantile"u8)))
            {
                continue;
            }
            mine++;
            bool found = false;
            for (int j = 0; j < otherCount; j++)
            {
                ref readonly var o = ref other[j];
                if (body.Slice(o.NameStart, o.NameLen).SequenceEqual(n))
                {
                    found = body.Slice(o.ValueStart, o.ValueLen).SequenceEqual(body.Slice(l.ValueStart, l.ValueLen));
                    break;
                }
            }
            if (!found)
            {
                return false;
            }
        }
        return mine == otherCount;
    }
}
