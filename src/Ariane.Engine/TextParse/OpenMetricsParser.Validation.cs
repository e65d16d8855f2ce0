using System.Text;

namespace Ariane.TextParse;

/// <summary>The semantic rules of OpenMetrics 1.0 that go beyond one line's syntax.</summary>
/// <remarks>
/// State is kept per family (name, declared metadata, whether samples were seen), per metric group within the
/// family (the label set without <c>le</c>/<c>quantile</c>/the state label, plus the timestamp) and for the previous
/// series. Seen families and groups are kept as 64-bit hashes in reused collections, so a warmed-up parser does not
/// allocate per sample. Unless <see cref="SpecStrict"/>, summaries may have negative quantile values and sums, and a
/// histogram with negative buckets may carry a (possibly negative) <c>_sum</c>: the Go client emits both and
/// Prometheus accepts them; the specification forbids them.
/// </remarks>
public sealed partial class OpenMetricsParser
{
    private enum Suffix { None, Total, Created, Bucket, Count, Sum, GCount, GSum, Info, Invalid }

    private double _tsSeconds;

    // The current family.
    private bool _famActive;
    private byte[] _famName = new byte[64]; // copied: a streamed body's window may have dropped its line
    private int _famLen;
    private MetricType _famType;
    private bool _famTyped;
    private bool _famHelp;
    private bool _famUnit;
    private bool _famUnitNonEmpty;
    private bool _famHasSamples;
    private readonly Dictionary<ulong, MetricType> _seenFamilies = [];

    // The current metric group within the family.
    private bool _grpActive;
    private ulong _grpKey;
    private bool _grpHasTs;
    private double _grpTs;
    private readonly HashSet<ulong> _seenGroups = [];
    private bool _hBucket;
    private double _hLastLe;
    private double _hLastBucketValue;
    private bool _hNegBucket;
    private bool _hCount;
    private double _hCountValue;
    private bool _hSum;
    private double _hSumValue;

    // The previous sample's series, for timestamp order.
    private bool _lastValid;
    private byte[] _last = new byte[256]; // copied, as the family name
    private int _lastLen;
    private bool _lastHasTs;
    private double _lastTs;

    private ReadOnlySpan<byte> FamName => _famName.AsSpan(0, _famLen);

    private void ResetValidation()
    {
        _famActive = false;
        _grpActive = false;
        _lastValid = false;
        _seenFamilies.Clear();
        _seenGroups.Clear();
    }

    private void ValidateMetadata(Entry kind, ReadOnlySpan<byte> rest)
    {
        ReadOnlySpan<byte> name = MetricFamily();
        if (!_famActive || !name.SequenceEqual(FamName))
        {
            StartFamily(name);
        }
        else if (_famHasSamples)
        {
            Fail(KindName(kind) + " for metric family \"" + Show(name) + "\" after its samples");
        }
        switch (kind)
        {
            case Entry.Help:
                if (_famHelp)
                {
                    Fail("repeated HELP for \"" + Show(name) + "\"");
                }
                _famHelp = true;
                break;
            case Entry.Type:
                if (_famTyped)
                {
                    Fail("repeated TYPE for \"" + Show(name) + "\"");
                }
                _famTyped = true;
                _famType = _type;
                _seenFamilies[LineParser.Hash(name)] = _type;
                if (_famUnitNonEmpty && _type is MetricType.Info or MetricType.StateSet)
                {
                    Fail("info and stateset metrics must not have a unit");
                }
                for (Suffix s = Suffix.Total; s < Suffix.Invalid; s++)
                {
                    if (Allowed(_type, s) && _seenFamilies.ContainsKey(LineParser.Hash(name, SuffixText(s))))
                    {
                        Fail("metric family \"" + Show(name) + "\" clashes with the earlier family \"" + Show(name) + Encoding.ASCII.GetString(SuffixText(s)) + "\"");
                    }
                }
                break;
            default:
                if (_famUnit)
                {
                    Fail("repeated UNIT for \"" + Show(name) + "\"");
                }
                _famUnit = true;
                _famUnitNonEmpty = rest.Length != 0;
                if (_famUnitNonEmpty)
                {
                    if (_famType is MetricType.Info or MetricType.StateSet)
                    {
                        Fail("info and stateset metrics must not have a unit");
                    }
                    if (name.Length <= rest.Length + 1 || !name.EndsWith(rest) || name[name.Length - rest.Length - 1] != '_')
                    {
                        Fail("metric family \"" + Show(name) + "\" must end in \"_" + Show(rest) + "\" to have that unit");
                    }
                }
                break;
        }
    }

    /// <summary>Copies <paramref name="s"/> into <paramref name="into"/>, growing it when too small.</summary>
    private static void Keep(ref byte[] into, ReadOnlySpan<byte> s)
    {
        if (s.Length > into.Length)
        {
            into = new byte[Math.Max(s.Length, 2 * into.Length)];
        }
        s.CopyTo(into);
    }

    private void StartFamily(ReadOnlySpan<byte> name)
    {
        EndFamily();
        ulong h = LineParser.Hash(name);
        if (_seenFamilies.ContainsKey(h))
        {
            Fail("metric family \"" + Show(name) + "\" appears again: families must not be repeated or interleaved");
        }
        for (Suffix s = Suffix.Total; s < Suffix.Invalid; s++)
        {
            ReadOnlySpan<byte> st = SuffixText(s);
            if (name.Length > st.Length && name.EndsWith(st)
                && _seenFamilies.TryGetValue(LineParser.Hash(name[..^st.Length]), out MetricType t) && Allowed(t, s))
            {
                Fail("metric family \"" + Show(name) + "\" clashes with a sample name of family \"" + Show(name[..^st.Length]) + "\"");
            }
        }
        _seenFamilies[h] = MetricType.Unknown;
        _famActive = true;
        Keep(ref _famName, name);
        _famLen = name.Length;
        _famType = MetricType.Unknown;
        _famTyped = _famHelp = _famUnit = _famUnitNonEmpty = _famHasSamples = false;
    }

    private void EndFamily()
    {
        if (!_famActive)
        {
            return;
        }
        FinishGroup();
        _grpActive = false;
        _seenGroups.Clear();
        _lastValid = false;
        _famActive = false;
    }

    private void ValidateSample()
    {
        ReadOnlySpan<byte> name = MetricNameRaw;
        Suffix sfx = Suffix.Invalid;
        if (_famActive && name.StartsWith(FamName))
        {
            sfx = SuffixOf(name[_famLen..]);
            if (!Allowed(_famType, sfx))
            {
                sfx = Suffix.Invalid;
            }
        }
        if (sfx == Suffix.Invalid)
        {
            StartFamily(MetricNameRaw);
            sfx = Suffix.None;
        }
        _famHasSamples = true;
        MetricType t = _famType;

        // Which label does not identify the metric (group) but the point within it.
        ReadOnlySpan<byte> pointLabel = t switch
        {
            MetricType.Histogram or MetricType.GaugeHistogram when sfx == Suffix.Bucket => "le"u8,
            MetricType.Summary when sfx == Suffix.None => "quantile"u8,
            MetricType.StateSet => FamName,
            _ => default,
        };
        ReadOnlySpan<byte> body = Body;
        ulong key = 0x9E3779B97F4A7C15UL;
        int point = -1;
        for (int i = 0; i < _labelCount; i++)
        {
            ref readonly LabelPos l = ref _labels[i];
            if (!pointLabel.IsEmpty && body.Slice(l.NameStart, l.NameLen).SequenceEqual(pointLabel))
            {
                point = i;
                continue;
            }
            key += LineParser.Hash(body[l.RawStart..l.RawEnd]) * 0xC2B2AE3D27D4EB4FUL;
        }

        if (!_grpActive)
        {
            StartGroup(key);
        }
        else if (key != _grpKey)
        {
            FinishGroup();
            _seenGroups.Add(_grpKey);
            if (_seenGroups.Contains(key))
            {
                Fail("samples of one metric must be together, not interleaved with another metric's");
            }
            StartGroup(key);
        }
        else if (_hasTs != _grpHasTs || (_hasTs && _tsSeconds != _grpTs))
        {
            FinishGroup();
            StartGroup(key);
        }

        ReadOnlySpan<byte> series = Series();
        if (_lastValid && series.SequenceEqual(_last.AsSpan(0, _lastLen)))
        {
            if (!_lastHasTs || !_hasTs)
            {
                Fail("duplicate sample for a series (or samples with and without timestamp mixed)");
            }
            if (_tsSeconds < _lastTs)
            {
                Fail("timestamps of a series must not go backwards");
            }
        }
        _lastValid = true;
        Keep(ref _last, series);
        _lastLen = series.Length;
        _lastHasTs = _hasTs;
        _lastTs = _tsSeconds;

        double v = _value;
        switch (t)
        {
            case MetricType.Counter:
                if (sfx == Suffix.Total)
                {
                    CounterLike(v, "counter");
                }
                break;
            case MetricType.Histogram:
            case MetricType.GaugeHistogram:
                switch (sfx)
                {
                    case Suffix.Bucket:
                        Bucket(point, v);
                        break;
                    case Suffix.Count:
                    case Suffix.GCount:
                        CounterLike(v, "histogram count");
                        _hCount = true;
                        _hCountValue = v;
                        break;
                    case Suffix.Sum:
                    case Suffix.GSum:
                        if (double.IsNaN(v))
                        {
                            Fail("histogram sum must not be NaN");
                        }
                        _hSum = true;
                        _hSumValue = v;
                        break;
                }
                break;
            case MetricType.Summary:
                if (sfx == Suffix.None)
                {
                    Quantile(point, v);
                }
                else if (sfx == Suffix.Sum && !SpecStrict)
                {
                    if (double.IsNaN(v))
                    {
                        Fail("summary sum must not be NaN");
                    }
                }
                else if (sfx is Suffix.Count or Suffix.Sum)
                {
                    CounterLike(v, "summary " + (sfx == Suffix.Count ? "count" : "sum"));
                }
                break;
            case MetricType.Info:
                if (v != 1)
                {
                    Fail("info metric value must be 1");
                }
                break;
            case MetricType.StateSet:
                if (point < 0)
                {
                    Fail("stateset sample needs a label named after the metric family");
                }
                if (v != 0 && v != 1)
                {
                    Fail("stateset value must be 0 or 1");
                }
                break;
        }

        if (_hasExemplar && !((t == MetricType.Counter && sfx == Suffix.Total)
            || (t is MetricType.Histogram or MetricType.GaugeHistogram && sfx == Suffix.Bucket)))
        {
            Fail("exemplars are only allowed on counter _total and histogram _bucket samples");
        }
    }

    private void StartGroup(ulong key)
    {
        _grpActive = true;
        _grpKey = key;
        _grpHasTs = _hasTs;
        _grpTs = _tsSeconds;
        _hBucket = false;
        _hLastLe = double.NegativeInfinity;
        _hLastBucketValue = 0;
        _hNegBucket = false;
        _hCount = false;
        _hSum = false;
    }

    private void FinishGroup()
    {
        if (!_grpActive || _famType is not (MetricType.Histogram or MetricType.GaugeHistogram))
        {
            return;
        }
        bool gauge = _famType == MetricType.GaugeHistogram;
        if (!_hBucket || !double.IsPositiveInfinity(_hLastLe))
        {
            Fail("histogram \"" + Show(FamName) + "\" has no +Inf bucket");
        }
        if (_hCount && _hCountValue != _hLastBucketValue)
        {
            Fail("histogram \"" + Show(FamName) + "\" count does not match its +Inf bucket");
        }
        if (_hSum && !_hCount)
        {
            Fail(gauge ? "gaugehistogram _gsum needs _gcount" : "histogram _sum needs _count");
        }
        if (_hCount && !_hSum)
        {
            Fail(gauge ? "gaugehistogram _gcount needs _gsum" : "histogram _count needs _sum");
        }
        if (_hSum && _hSumValue < 0 && !_hNegBucket)
        {
            Fail("histogram sum must not be negative without negative buckets");
        }
        if (_hSum && _hNegBucket && SpecStrict && !gauge)
        {
            Fail("histogram with negative buckets must not have a _sum");
        }
    }

    private void Bucket(int le, double v)
    {
        if (le < 0)
        {
            Fail("histogram bucket needs an \"le\" label");
        }
        ref readonly LabelPos l = ref _labels[le];
        double bound = CanonicalNumber(Body.Slice(l.ValueStart, l.ValueLen), "le");
        CounterLike(v, "histogram bucket");
        if (_hBucket && bound <= _hLastLe)
        {
            Fail("histogram buckets must be in increasing \"le\" order");
        }
        if (_hBucket && v < _hLastBucketValue)
        {
            Fail("histogram bucket values must not decrease");
        }
        if (bound < 0)
        {
            _hNegBucket = true;
        }
        _hBucket = true;
        _hLastLe = bound;
        _hLastBucketValue = v;
    }

    private void Quantile(int q, double v)
    {
        if (q < 0)
        {
            Fail("summary quantile sample needs a \"quantile\" label");
        }
        ref readonly LabelPos l = ref _labels[q];
        double quantile = CanonicalNumber(Body.Slice(l.ValueStart, l.ValueLen), "quantile");
        if (!(quantile >= 0 && quantile <= 1))
        {
            Fail("quantile must be between 0 and 1");
        }
        if (v < 0 && SpecStrict)
        {
            Fail("summary quantile value must not be negative");
        }
    }

    /// <summary>A number in a label value: not NaN, and infinities spelled exactly <c>+Inf</c>/<c>-Inf</c>.</summary>
    private double CanonicalNumber(ReadOnlySpan<byte> s, string what)
    {
        if (!TryParseFloat(s, out double d) || double.IsNaN(d)
            || (double.IsInfinity(d) && !s.SequenceEqual("+Inf"u8) && !s.SequenceEqual("-Inf"u8)))
        {
            Fail("invalid \"" + what + "\" value \"" + Show(s) + "\"");
        }
        return d;
    }

    private void CounterLike(double v, string what)
    {
        if (double.IsNaN(v) || v < 0)
        {
            Fail(what + " value must not be NaN or negative");
        }
    }

    private static Suffix SuffixOf(ReadOnlySpan<byte> rest)
    {
        if (rest.IsEmpty)
        {
            return Suffix.None;
        }
        for (Suffix s = Suffix.Total; s < Suffix.Invalid; s++)
        {
            if (rest.SequenceEqual(SuffixText(s)))
            {
                return s;
            }
        }
        return Suffix.Invalid;
    }

    private static ReadOnlySpan<byte> SuffixText(Suffix s) => s switch
    {
        Suffix.Total => "_total"u8,
        Suffix.Created => "_created"u8,
        Suffix.Bucket => "_bucket"u8,
        Suffix.Count => "_count"u8,
        Suffix.Sum => "_sum"u8,
        Suffix.GCount => "_gcount"u8,
        Suffix.GSum => "_gsum"u8,
        Suffix.Info => "_info"u8,
        _ => default,
    };

    /// <summary>Which sample names (family name plus suffix) a family of type <paramref name="t"/> has.</summary>
    private static bool Allowed(MetricType t, Suffix s) => t switch
    {
        MetricType.Counter => s is Suffix.Total or Suffix.Created,
        MetricType.Histogram => s is Suffix.Bucket or Suffix.Count or Suffix.Sum or Suffix.Created,
        MetricType.GaugeHistogram => s is Suffix.Bucket or Suffix.GCount or Suffix.GSum,
        MetricType.Summary => s is Suffix.None or Suffix.Count or Suffix.Sum or Suffix.Created,
        MetricType.Info => s is Suffix.Info,
        _ => s is Suffix.None,
    };

    private static string Show(ReadOnlySpan<byte> s) => PromTextParser.Printable(s);
}
