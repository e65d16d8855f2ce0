using Ariane.Model;
using Ariane.Storage;
using Ariane.Tsdb;

namespace Ariane.Tests.Tsdb;

public class HeadTests
{
    private static Labels L(params string[] nv) => Labels.FromStrings(nv);

    /// <summary>Parses "a=1,b!=2,c=~x|y,d!~z" (no quotes; values may not hold commas).</summary>
    internal static LabelMatcher[] M(string spec)
    {
        if (spec.Length == 0)
        {
            return [];
        }
        var list = new List<LabelMatcher>();
        foreach (var part in spec.Split(','))
        {
            foreach (var (op, type) in new[] { ("!=", MatcherType.NotEqual), ("=~", MatcherType.Regex), ("!~", MatcherType.NotRegex), ("=", MatcherType.Equal) })
            {
                int i = part.IndexOf(op, StringComparison.Ordinal);
                if (i > 0)
                {
                    list.Add(new LabelMatcher(type, part[..i], part[(i + op.Length)..]));
                    break;
                }
            }
        }
        return list.ToArray();
    }

    private static readonly (string Id, Labels Labels)[] Fixture =
    [
        ("a", L("__name__", "up", "job", "node", "instance", "a")),
        ("b", L("__name__", "up", "job", "api", "instance", "b")),
        ("c", L("__name__", "up", "instance", "c")),
        ("d", L("__name__", "http_requests", "job", "api", "code", "200")),
    ];

    private static TempHead Populated()
    {
        var h = new TempHead();
        foreach (var (id, labels) in Fixture)
        {
            h.Add(labels, (1000, id[0]), (2000, id[0] + 1));
        }
        return h;
    }

    [Theory]
    [InlineData("", "a b c d")]
    [InlineData("__name__=up", "a b c")]
    [InlineData("job=api", "b d")]
    [InlineData("job=", "c")]
    [InlineData("job!=", "a b d")]
    [InlineData("job=~.+", "a b d")]
    [InlineData("job!~.+", "c")]
    [InlineData("job=~.*", "a b c d")]
    [InlineData("job!~.*", "")]
    [InlineData("job=~api|node", "a b d")]
    [InlineData("job=~a.*", "b d")]
    [InlineData("job=~a", "")]
    [InlineData("job!=api", "a c")]
    [InlineData("job!~api|node", "c")]
    [InlineData("job=~|api", "b c d")]
    [InlineData("__name__=up,job!=node", "b c")]
    [InlineData("__name__=up,job=", "c")]
    [InlineData("nonexistent=x", "")]
    [InlineData("nonexistent!=x", "a b c d")]
    [InlineData("nonexistent=", "a b c d")]
    [InlineData("nonexistent=~.+", "")]
    [InlineData("code=~2..", "d")]
    [InlineData("__name__=~up|http_requests,code!=200", "a b c")]
    [InlineData("instance=~a|b|c,job=~node|api", "a b")]
    [InlineData("job!=node,job!=api", "c")]
    public void SelectMatchesAsPrometheus(string matchers, string expected)
    {
        using var h = Populated();
        using var q = h.Head.Querier(0, 10_000);
        var set = q.Select(true, M(matchers));
        var got = new List<string>();
        while (set.MoveNext())
        {
            got.Add(set.Current.Labels.Get("instance") is { Length: > 0 } i ? i : "d");
        }
        got.Sort(StringComparer.Ordinal);
        Assert.Equal(expected, string.Join(' ', got));
    }

    [Fact]
    public void SortedSelectComesInLabelOrder()
    {
        using var h = Populated();
        Assert.StartsWith("{__name__=\"http_requests\"", TempHead.Dump(h.Head)[0].Labels);
        var labels = new List<Labels>();
        using var q = h.Head.Querier(0, 10_000);
        var set = q.Select(true);
        while (set.MoveNext())
        {
            labels.Add(set.Current.Labels);
        }
        for (int i = 1; i < labels.Count; i++)
        {
            Assert.True(labels[i - 1].CompareTo(labels[i]) < 0);
        }
    }

    [Theory]
    [InlineData("job", "", "api node")]
    [InlineData("job", "__name__=up", "api node")]
    [InlineData("job", "instance=c", "")]
    [InlineData("instance", "job=api", "b")]
    [InlineData("__name__", "job=~.+", "http_requests up")]
    [InlineData("nope", "", "")]
    public void LabelValuesWithMatchers(string name, string matchers, string expected)
    {
        using var h = Populated();
        using var q = h.Head.Querier(0, 10_000);
        Assert.Equal(expected, string.Join(' ', q.LabelValues(name, M(matchers))));
    }

    [Theory]
    [InlineData("", "__name__ code instance job")]
    [InlineData("__name__=up", "__name__ instance job")]
    [InlineData("job=", "__name__ instance")]
    [InlineData("code=200", "__name__ code job")]
    [InlineData("code=404", "")]
    public void LabelNamesWithMatchers(string matchers, string expected)
    {
        using var h = Populated();
        using var q = h.Head.Querier(0, 10_000);
        Assert.Equal(expected, string.Join(' ', q.LabelNames(M(matchers))));
    }

    [Fact]
    public void SamplesAreVisibleOnlyAfterCommit()
    {
        using var h = new TempHead();
        var s = L("__name__", "m");
        var app = h.Head.Appender();
        ulong r = 0;
        Assert.Equal(AppendStatus.Ok, app.Append(ref r, s, 10, 1));
        Assert.NotEqual(0UL, r);
        Assert.Empty(TempHead.Dump(h.Head));
        app.Commit();
        Assert.Equal([(10L, 1.0)], TempHead.Dump(h.Head).Single().Samples);
        Assert.Throws<InvalidOperationException>(() => app.Append(ref r, s, 11, 1));

        var rb = h.Head.Appender();
        Assert.Equal(AppendStatus.Ok, rb.Append(ref r, s, 20, 2));
        Assert.Equal(AppendStatus.Ok, rb.Append(ref r, L("__name__", "other"), 20, 2));
        rb.Rollback();
        Assert.Equal([(10L, 1.0)], TempHead.Dump(h.Head).Single().Samples);
        Assert.Equal(1, h.Head.SamplesAppended);
    }

    [Fact]
    public void CachedRefsWorkAcrossAppenders()
    {
        using var h = new TempHead();
        var s = L("__name__", "m", "x", "1");
        ulong r = 0;
        for (int i = 0; i < 5; i++)
        {
            var app = h.Head.Appender();
            Assert.Equal(AppendStatus.Ok, app.Append(ref r, s, i, i));
            app.Commit();
        }
        ulong r2 = 0;
        var a2 = h.Head.Appender();
        a2.Append(ref r2, L("x", "1", "__name__", "m"), 5, 5);
        a2.Commit();
        Assert.Equal(r, r2);
        Assert.Equal(6, TempHead.Dump(h.Head).Single().Samples.Count);
        Assert.Equal(1, h.Head.Stats().NumSeries);
    }

    [Theory]
    [InlineData(100, 5.0, AppendStatus.Ok)]
    [InlineData(85, 5.0, AppendStatus.OutOfOrder)]
    [InlineData(50, 1.0, AppendStatus.OutOfOrder)]
    [InlineData(90, 1.0, AppendStatus.Ok)]   // equal to the newest sample: a silent no-op
    [InlineData(90, 2.0, AppendStatus.DuplicateTimestamp)]
    public void OutOfOrderAndDuplicates(long t, double v, AppendStatus want)
    {
        using var h = new TempHead();
        var s = L("__name__", "m");
        h.Add(s, (80, 0), (90, 1));
        var app = h.Head.Appender();
        ulong r = 0;
        Assert.Equal(want, app.Append(ref r, s, t, v));
        app.Commit();
        var samples = TempHead.Dump(h.Head).Single().Samples;
        Assert.Equal(want == AppendStatus.Ok && t > 90 ? 3 : 2, samples.Count);
        Assert.Equal(want == AppendStatus.OutOfOrder ? 1 : 0, h.Head.OutOfOrderSamples);
        Assert.Equal(want == AppendStatus.DuplicateTimestamp ? 1 : 0, h.Head.DuplicateSamples);
    }

    // The same cases as above with the earlier samples still uncommitted in the same batch: the appender must see its
    // own pending samples (a remote-write request may hold several samples of a series), not just the committed ones,
    // so that it reports the refusal instead of logging the sample and dropping it silently at commit.
    [Theory]
    [InlineData(100, 5.0, AppendStatus.Ok)]
    [InlineData(85, 5.0, AppendStatus.OutOfOrder)]
    [InlineData(50, 1.0, AppendStatus.OutOfOrder)]
    [InlineData(90, 1.0, AppendStatus.Ok)]   // equal to the newest pending sample: a silent no-op
    [InlineData(90, 2.0, AppendStatus.DuplicateTimestamp)]
    public void OutOfOrderAndDuplicatesWithinOneBatch(long t, double v, AppendStatus want)
    {
        using var h = new TempHead();
        var s = L("__name__", "m");
        var other = L("__name__", "n");
        h.Add(s, (70, 0));
        var app = h.Head.Appender();
        ulong r = 0, ro = 0;
        Assert.Equal(AppendStatus.Ok, app.Append(ref r, s, 80, 0));
        Assert.Equal(AppendStatus.Ok, app.Append(ref ro, other, 80, 0)); // another series in between
        Assert.Equal(AppendStatus.Ok, app.Append(ref r, s, 90, 1));
        Assert.Equal(want, app.Append(ref r, s, t, v));
        app.Commit();
        int stored = want == AppendStatus.Ok && t > 90 ? 4 : 3;
        Assert.Equal(stored, TempHead.Dump(h.Head, ms: [LabelMatcher.Eq("__name__", "m")]).Single().Samples.Count);
        Assert.Equal(want == AppendStatus.OutOfOrder ? 1 : 0, h.Head.OutOfOrderSamples);
        Assert.Equal(want == AppendStatus.DuplicateTimestamp ? 1 : 0, h.Head.DuplicateSamples);
        // The WAL holds only what was applied, so a restart sees the same.
        h.Reopen();
        Assert.Equal(stored, TempHead.Dump(h.Head, ms: [LabelMatcher.Eq("__name__", "m")]).Single().Samples.Count);
    }

    [Fact]
    public void StaleNaNDuplicateIsComparedBitwise()
    {
        using var h = new TempHead();
        var s = L("__name__", "m");
        h.Add(s, (10, SampleValue.StaleNaN));
        var app = h.Head.Appender();
        ulong r = 0;
        Assert.Equal(AppendStatus.Ok, app.Append(ref r, s, 10, SampleValue.StaleNaN));
        Assert.Equal(AppendStatus.DuplicateTimestamp, app.Append(ref r, s, 10, double.NaN));
        app.Commit();
        var v = TempHead.Dump(h.Head).Single().Samples.Single().V;
        Assert.True(SampleValue.IsStaleNaN(v));
    }

    public static TheoryData<string, Labels> InvalidLabelSets() => new()
    {
        { "empty", Labels.Empty },
        { "duplicate names", Labels.FromSorted([new("a", "1"), new("a", "2")]) },
        { "unsorted", Labels.FromSorted([new("b", "1"), new("a", "2")]) },
        { "empty name", Labels.FromSorted([new("", "1"), new("a", "2")]) },
    };

    [Theory]
    [MemberData(nameof(InvalidLabelSets))]
    public void InvalidLabelsAreRejected(string name, Labels labels)
    {
        Assert.NotNull(name);
        using var h = new TempHead();
        var app = h.Head.Appender();
        ulong r = 0;
        Assert.Equal(AppendStatus.InvalidLabels, app.Append(ref r, labels, 1, 1));
        app.Commit();
        Assert.Equal(0, h.Head.Stats().NumSeries);
    }

    [Fact]
    public void SeriesWithoutMetricNameIsAccepted()
    {
        using var h = new TempHead();
        h.Add(L("job", "x"), (1, 1));
        Assert.Single(TempHead.Dump(h.Head));
    }

    [Fact]
    public void QuerierRangeAndSeekAcrossChunks()
    {
        using var h = new TempHead();
        var s = L("__name__", "m");
        var samples = Enumerable.Range(0, 500).Select(i => (T: i * 15_000L, V: (double)i)).ToArray();
        h.Add(s, samples);
        Assert.Equal(5, h.Head.Stats().ChunkCount);

        var all = TempHead.Dump(h.Head).Single().Samples;
        Assert.Equal(samples.Select(x => (x.T, x.V)), all);

        var part = TempHead.Dump(h.Head, 15_000 * 100, 15_000 * 300).Single().Samples;
        Assert.Equal(201, part.Count);
        Assert.Equal(100, part[0].V);
        Assert.Equal(300, part[^1].V);

        using var q = h.Head.Querier(15_000 * 10, 15_000 * 450);
        var set = q.Select(false, LabelMatcher.Eq("__name__", "m"));
        Assert.True(set.MoveNext());
        var it = set.Current.Iterator();
        Assert.True(it.Seek(0));                 // clamps to mint
        Assert.Equal(10, it.V);
        Assert.True(it.Seek(15_000 * 250 + 1));  // skips whole chunks
        Assert.Equal(251, it.V);
        Assert.True(it.Seek(15_000 * 100));      // backwards: stays
        Assert.Equal(251, it.V);
        Assert.True(it.Next());
        Assert.Equal(252, it.V);
        Assert.False(it.Seek(15_000 * 451));
        Assert.False(it.Next());

        var it2 = set.Current.Iterator(it);
        Assert.Same(it, it2);
        Assert.True(it2.Next());
        Assert.Equal(10, it2.V);

        Assert.Empty(TempHead.Dump(h.Head, 15_000 * 600, 15_000 * 700));
    }

    [Fact]
    public void StatsReportCardinality()
    {
        using var h = Populated();
        var st = h.Head.Stats();
        Assert.Equal(4, st.NumSeries);
        Assert.Equal(8, st.NumSamples);
        Assert.Equal(1000, st.MinTime);
        Assert.Equal(2000, st.MaxTime);
        Assert.Equal(4, st.ChunkCount);
        Assert.Equal(new LabelStat[] { new("up", 3), new("http_requests", 1) }, st.SeriesCountByMetricName);
        Assert.Equal(new("instance", 3), st.LabelValueCountByLabelName[0]);
        Assert.Contains(new("job", "node".Length + "api".Length), st.MemoryInBytesByLabelName);
        Assert.Equal(new("__name__=up", 3), st.SeriesCountByLabelValuePair[0]);
        Assert.Equal(8, st.NumLabelPairs);
        Assert.Equal(4, h.Head.SeriesCreated);
    }

    [Fact]
    public void LabelStringsAreInterned()
    {
        using var h = new TempHead();
        h.Add(L("__name__", new string("metric".AsSpan()), "job", new string("node".AsSpan())), (1, 1));
        h.Add(L("__name__", new string("metric".AsSpan()), "job", new string("api".AsSpan())), (1, 1));
        var labels = new List<Labels>();
        using var q = h.Head.Querier(0, 10);
        var set = q.Select(false);
        while (set.MoveNext())
        {
            labels.Add(set.Current.Labels);
        }
        Assert.Same(labels[0][0].Value, labels[1][0].Value);
        Assert.Same(labels[0][1].Name, labels[1][1].Name);
    }

    [Fact]
    public void RacingAppendersOnOneSeriesKeepItOrdered()
    {
        using var h = new TempHead();
        var s = L("__name__", "shared");
        var threads = Enumerable.Range(0, 4).Select(w => new Thread(() =>
        {
            ulong r = 0;
            for (int i = 0; i < 2000; i++)
            {
                var app = h.Head.Appender();
                app.Append(ref r, s, i * 4 + w, w);
                app.Commit();
            }
        })).ToList();
        threads.ForEach(t => t.Start());
        threads.ForEach(t => t.Join());
        var samples = TempHead.Dump(h.Head).Single().Samples;
        for (int i = 1; i < samples.Count; i++)
        {
            Assert.True(samples[i].T > samples[i - 1].T);
        }
        Assert.Equal(8000, samples.Count + h.Head.OutOfOrderSamples);
        Assert.Equal(samples.Count, h.Head.SamplesAppended);
        h.Reopen();
        // The WAL may hold samples that lost the race in memory; replay keeps whatever is in order.
        Assert.True(TempHead.Dump(h.Head).Single().Samples.Count >= samples.Count);
    }

    [Fact]
    public void ConcurrentAppendersAndQueriersSeeWholeSamples()
    {
        using var h = new TempHead();
        const int Writers = 4, SeriesPerWriter = 50, Steps = 300;
        using var stop = new CancellationTokenSource();
        var errors = new List<string>();
        var reader = new Thread(() =>
        {
            var reuse = (ISampleIterator?)null;
            while (!stop.IsCancellationRequested)
            {
                using var q = h.Head.Querier(long.MinValue, long.MaxValue);
                var set = q.Select(false, new LabelMatcher(MatcherType.Regex, "w", ".+"));
                while (set.MoveNext())
                {
                    var it = set.Current.Iterator(reuse);
                    reuse = it;
                    long prev = -1;
                    while (it.Next())
                    {
                        if (it.T <= prev || it.V != it.T * 0.5)
                        {
                            lock (errors)
                            {
                                errors.Add($"{set.Current.Labels}: t={it.T} v={it.V} prev={prev}");
                            }
                        }
                        prev = it.T;
                    }
                }
            }
        });
        reader.Start();
        var writers = Enumerable.Range(0, Writers).Select(w => new Thread(() =>
        {
            var refs = new ulong[SeriesPerWriter];
            var labels = Enumerable.Range(0, SeriesPerWriter).Select(i => L("__name__", "c", "w", w.ToString(), "i", i.ToString())).ToArray();
            for (int step = 0; step < Steps; step++)
            {
                var app = h.Head.Appender();
                for (int i = 0; i < SeriesPerWriter; i++)
                {
                    long t = step * 1000L + i;
                    Assert.Equal(AppendStatus.Ok, app.Append(ref refs[i], labels[i], t, t * 0.5));
                }
                app.Commit();
            }
        })).ToList();
        writers.ForEach(t => t.Start());
        writers.ForEach(t => t.Join());
        stop.Cancel();
        reader.Join();
        Assert.Empty(errors);
        Assert.Equal(Writers * SeriesPerWriter * Steps, h.Head.Stats().NumSamples);
        Assert.Equal(Writers * SeriesPerWriter, h.Head.Stats().NumSeries);
        var dump = TempHead.Dump(h.Head);
        Assert.All(dump, d => Assert.Equal(Steps, d.Samples.Count));
    }
}
