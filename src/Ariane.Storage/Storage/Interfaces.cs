using Ariane.Model;

namespace Ariane.Storage;

// The seam between everything that writes samples (scrape, remote write, rules, backfill) and everything
// that reads them (PromQL, the HTTP APIs, federation). The running server sees storage only through these and
// TsdbSeam.cs (admin and stats), opened by TsdbStorage.Open; the offline data-folder tools of the CLI (tsdb,
// backfill, migrate, restore) are the one exception, as docs/ARCHITECTURE.md says.

/// <summary>Hands out appenders. Implementations are safe for concurrent use.</summary>
public interface IAppendable
{
    /// <summary>
    /// Starts a batch. An appender is used by one thread at a time; its samples become visible to
    /// queriers, and durable per the WAL sync policy, only at <see cref="IAppender.Commit"/>.
    /// </summary>
    IAppender Appender();
}

/// <summary>The outcome of one append. Anything but <see cref="Ok"/> drops that sample only.</summary>
public enum AppendStatus
{
    /// <summary>Accepted.</summary>
    Ok,
    /// <summary>Older than the newest sample of the series (and outside any out-of-order window).</summary>
    OutOfOrder,
    /// <summary>Too old for the head to accept at all.</summary>
    OutOfBounds,
    /// <summary>Same timestamp as the newest sample but another value.</summary>
    DuplicateTimestamp,
    /// <summary>The label set is not valid (no metric name, duplicate names, bad characters).</summary>
    InvalidLabels,
    /// <summary>Out of order and older than the out-of-order window allows.</summary>
    TooOld,
    /// <summary>
    /// Further ahead of the wall clock than the storage allows (Prometheus reports these as out of bounds); such a
    /// sample would otherwise decide when the head is cut and what retention deletes for every other series.
    /// </summary>
    TooFarInFuture,
}

/// <summary>
/// A batch of samples for one writer. Not thread safe. <see cref="Labels"/> passed in are retained by the
/// storage (they are immutable), so callers may keep using them.
/// </summary>
public interface IAppender
{
    /// <summary>
    /// Adds a sample. <paramref name="seriesRef"/> is a cache slot: pass 0 the first time and keep the value
    /// it is set to, so later appends to the same series skip the label lookup. A value set by one appender
    /// is valid for later appenders of the same storage.
    /// </summary>
    AppendStatus Append(ref ulong seriesRef, Labels labels, long timestampMs, double value);

    /// <summary>
    /// Adds a sample with its start timestamp (OpenMetrics' created time, OTLP's start time): the time the
    /// counter, or for a delta sample the interval, started. 0 means none, as in Prometheus. Storages that keep no
    /// start timestamps drop it.
    /// </summary>
    AppendStatus Append(ref ulong seriesRef, Labels labels, long timestampMs, double value, long startTimestampMs) =>
        Append(ref seriesRef, labels, timestampMs, value);

    /// <summary>
    /// The storage's own (interned) labels of a series this storage handed <paramref name="seriesRef"/> out for, or
    /// null when unknown. Callers that cache label sets per series (the scrape cache) keep this copy instead of
    /// theirs, so each series' labels are held once.
    /// </summary>
    Labels? SeriesLabels(ulong seriesRef);

    /// <summary>Makes the batch visible and writes it to the WAL. The appender may not be used afterwards.</summary>
    void Commit();

    /// <summary>Discards the batch. The appender may not be used afterwards.</summary>
    void Rollback();
}

/// <summary>Opens queriers over a time range. Implementations are safe for concurrent use.</summary>
public interface IQuerierSource
{
    /// <summary>A querier that sees samples with mint &lt;= t &lt;= maxt (milliseconds), as committed now.</summary>
    IQuerier Querier(long mint, long maxt);
}

/// <summary>Reads series by label matchers. Dispose it when done; it may pin storage resources.</summary>
public interface IQuerier : IDisposable
{
    /// <summary>
    /// The series matching every matcher (an empty-matching matcher also matches series without the label).
    /// With <paramref name="sorted"/>, series come in label-set order.
    /// </summary>
    ISeriesSet Select(bool sorted, params ReadOnlySpan<LabelMatcher> matchers);

    /// <summary>Sorted distinct values of <paramref name="name"/> among series matching the matchers (all series when none).</summary>
    IReadOnlyList<string> LabelValues(string name, params ReadOnlySpan<LabelMatcher> matchers);

    /// <summary>Sorted distinct label names among series matching the matchers (all series when none).</summary>
    IReadOnlyList<string> LabelNames(params ReadOnlySpan<LabelMatcher> matchers);
}

/// <summary>
/// An iterator over series; a set is read once. A series it yielded stays readable after the set has moved on (until
/// its querier is disposed), and different series may be read on different threads at once, each through its own
/// iterator: the engine reads a selection's series in parallel.
/// </summary>
public interface ISeriesSet
{
    /// <summary>Advances; false at the end.</summary>
    bool MoveNext();

    /// <summary>The current series.</summary>
    ISeries Current { get; }
}

/// <summary>One series: its labels and its samples in the querier's range.</summary>
public interface ISeries
{
    /// <summary>The series' identity.</summary>
    Labels Labels { get; }

    /// <summary>An iterator over the samples, in time order. Pass a previous iterator to reuse it.</summary>
    ISampleIterator Iterator(ISampleIterator? reuse = null);
}

/// <summary>Walks samples in time order without allocating.</summary>
public interface ISampleIterator
{
    /// <summary>Advances to the next sample; false at the end.</summary>
    bool Next();

    /// <summary>Advances to the first sample with timestamp &gt;= <paramref name="t"/>; false when there is none.</summary>
    bool Seek(long t);

    /// <summary>The current timestamp in milliseconds.</summary>
    long T { get; }

    /// <summary>The current value.</summary>
    double V { get; }

    /// <summary>The current sample's start timestamp in milliseconds, 0 when it has none.</summary>
    long ST => 0;

    /// <summary>
    /// Copies the samples that <see cref="Next"/> would step to, up to the first after <paramref name="maxt"/>, into
    /// <paramref name="ts"/> and <paramref name="vs"/> (at most as many as the shorter holds) and returns how many:
    /// the bulk form of a <see cref="Next"/> loop, for readers that want every sample of a range. The iterator then
    /// stands on the last sample copied. Fewer than the buffers hold means no sample up to maxt is left; the
    /// iterator's position is then unspecified (it may have stepped onto a later sample).
    /// </summary>
    int Read(long maxt, Span<long> ts, Span<double> vs) => ReadByNext(this, maxt, ts, vs, default);

    /// <summary>
    /// <see cref="Read(long, Span{long}, Span{double})"/> that also copies each sample's start timestamp (0 when it
    /// has none) into <paramref name="sts"/>, which is at least as long as the shorter of the other two.
    /// </summary>
    int Read(long maxt, Span<long> ts, Span<double> vs, Span<long> sts) => ReadByNext(this, maxt, ts, vs, sts);

    // The default bulk reads: a Next loop, copying start timestamps too when sts is not empty.
    private static int ReadByNext(ISampleIterator it, long maxt, Span<long> ts, Span<double> vs, Span<long> sts)
    {
        int want = Math.Min(ts.Length, vs.Length);
        bool withSt = !sts.IsEmpty;
        int n = 0;
        while (n < want && it.Next())
        {
            long t = it.T;
            if (t > maxt)
            {
                break;
            }
            ts[n] = t;
            vs[n] = it.V;
            if (withSt)
            {
                sts[n] = it.ST;
            }
            n++;
        }
        return n;
    }
}

/// <summary>Both halves of the seam: what the server wires to scrape, rules and queries.</summary>
public interface IStorage : IAppendable, IQuerierSource
{
}
