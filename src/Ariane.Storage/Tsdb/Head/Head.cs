using Ariane.Model;
using Ariane.Storage;
using Ariane.Tsdb.Wal;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace Ariane.Tsdb;

/// <summary>
/// The in-memory head of the TSDB: series indexed by postings, samples in XOR chunks, every commit logged to
/// a segmented, checksummed WAL that is replayed at <c>Open</c>. Safe for concurrent appenders and queriers.
/// </summary>
public sealed partial class Head : IStorage, IDisposable
{
    internal readonly StripeSeries Series = new();
    internal readonly MemPostings Postings = new();

    private readonly TsdbOptions _options;
    private readonly TimeProvider _time;
    private readonly ILogger _log;
    private WalWriter? _wal;
    private ITimer? _syncTimer;
    private long _minT = long.MaxValue;
    private long _maxT = long.MinValue;
    private long _numSamples;
    private long _samplesAppended;
    private long _outOfOrder;
    private long _duplicates;
    private long _seriesCreated;
    private long _walCorruptions;
    private long _outOfBounds;
    private long _tooOld;
    private long _tooFarInFuture;
    private Func<ReadOnlySpan<char>, string>? _intern;
    private long _walFailures;
    private long _walFailStreak;
    private long _walFailLoggedAt;
    private long _oooAppended;
    private long _oooWindow;
    private long _oooMinT = long.MaxValue;
    private long _minValidTime = long.MinValue;
    private long _queryMinTime = long.MinValue;
    private int _disposed;

    /// <summary>
    /// Held for reading by every commit around its WAL write and its apply, and for writing by a WAL cut, so that
    /// when a cut returns every sample logged before it is in memory (what a checkpoint copies).
    /// </summary>
    internal readonly ReaderWriterLockSlim CommitLock = new(LockRecursionPolicy.NoRecursion);

    private Head(TsdbOptions options, TimeProvider time, ILogger log)
    {
        _options = options;
        _time = time;
        _log = log;
    }

    /// <summary>
    /// Opens the head in <see cref="TsdbOptions.Path"/>: creates the folder, replays the WAL (a torn or corrupt
    /// tail is cut off with a warning through <paramref name="log"/>, see <see cref="TsdbLog"/>), and starts the background fsync timer.
    /// </summary>
    public static Head Open(TsdbOptions options, TimeProvider time, ILogger? log = null) =>
        Open(options, time, log, long.MinValue);

    /// <summary>
    /// As <see cref="Open(TsdbOptions, TimeProvider, ILogger?)"/>, for a head next to blocks. The WAL's
    /// newest checkpoint says where the head was last cut: samples before that are skipped by the replay and refused
    /// afterwards. <paramref name="minValidTime"/> is used only for a checkpoint that does not say (older data folders).
    /// </summary>
    public static Head Open(TsdbOptions options, TimeProvider time, ILogger? log, long minValidTime)
    {
        log ??= NullLogger.Instance;
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(time);
        if (options.WalSegmentSize < 4096)
        {
            throw new ArgumentOutOfRangeException(nameof(options), "WalSegmentSize must be at least 4096 bytes");
        }
        string walDir = System.IO.Path.Combine(options.Path, "wal");
        Directory.CreateDirectory(walDir);
        var head = new Head(options, time, log) { _minValidTime = minValidTime, _queryMinTime = minValidTime, _oooWindow = (long)options.OutOfOrderTimeWindow.TotalMilliseconds };
        var replay = new ReplayHandler(head);
        int checkpoint;
        WalReplayResult result;
        ReplayGc.Begin();
        try
        {
            checkpoint = ReplayCheckpoint(head, walDir, ref replay, log);
            result = WalReader.Replay(walDir, ref replay, log);
        }
        finally
        {
            ReplayGc.End();
        }
        head._walCorruptions = result.Corruptions;
        long latest = head.MaxValidTime;
        if (head._minValidTime > latest)
        {
            // The head was cut up to a time ahead of the clock (a sample dated far ahead, before such samples were
            // refused, or a clock set back): refusing everything until then would stop ingestion for that long.
            TsdbLog.HeadCutAheadOfClock(log, head._minValidTime, latest);
            head._minValidTime = head._queryMinTime = latest;
        }
        if (replay.UnknownRefs > 0)
        {
            TsdbLog.UnknownSeriesRefs(log, replay.UnknownRefs);
        }
        // Segment numbers go on after the checkpoint even when no segment survived it.
        head._wal = new WalWriter(walDir, Math.Max(result.NextSegment, checkpoint + 1), options.WalSegmentSize);
        if (options.WalSyncInterval > TimeSpan.Zero)
        {
            head._syncTimer = time.CreateTimer(static s => ((Head)s!).TimerSync(), head, options.WalSyncInterval, options.WalSyncInterval);
        }
        return head;
    }

    /// <summary>Samples accepted by commits since open (replayed samples not included).</summary>
    public long SamplesAppended => Interlocked.Read(ref _samplesAppended);

    /// <summary>Samples rejected as older than their series' newest sample.</summary>
    public long OutOfOrderSamples => Interlocked.Read(ref _outOfOrder);

    /// <summary>Samples rejected for being older than <see cref="MinValidTime"/>.</summary>
    public long OutOfBoundsSamples => Interlocked.Read(ref _outOfBounds);

    /// <summary>Commits refused because the WAL could not be written (a full or failing disk).</summary>
    public long WalWriteFailures => Interlocked.Read(ref _walFailures);

    /// <summary>
    /// Counts a commit the WAL refused and logs it: once when writes start failing, then at most once a minute while
    /// they go on failing (a full disk refuses every commit, so one line per commit would flood the log).
    /// </summary>
    internal void WalWriteFailed(IOException e)
    {
        Interlocked.Increment(ref _walFailures);
        long streak = Interlocked.Increment(ref _walFailStreak);
        long now = _time.GetUtcNow().ToUnixTimeMilliseconds();
        long last = Interlocked.Read(ref _walFailLoggedAt);
        if (streak == 1)
        {
            Interlocked.Exchange(ref _walFailLoggedAt, now);
            TsdbLog.WalWriteFailed(_log, e.Message);
        }
        else if (now - last >= 60_000 && Interlocked.CompareExchange(ref _walFailLoggedAt, now, last) == last)
        {
            TsdbLog.WalWritesStillFailing(_log, streak, e.Message);
        }
    }

    /// <summary>After a successful WAL write: ends a run of failures, saying how many commits it refused.</summary>
    internal void WalWriteSucceeded()
    {
        if (Volatile.Read(ref _walFailStreak) != 0)
        {
            long n = Interlocked.Exchange(ref _walFailStreak, 0);
            if (n > 0)
            {
                TsdbLog.WalWritesSucceedAgain(_log, n);
            }
        }
    }

    /// <summary>Out-of-order samples refused for being older than the out-of-order window allows.</summary>
    public long TooOldSamples => Interlocked.Read(ref _tooOld);

    /// <summary>Out-of-order samples accepted (within the window), replayed ones not included.</summary>
    public long OutOfOrderSamplesAppended => Interlocked.Read(ref _oooAppended);

    /// <summary>The out-of-order window; zero refuses every out-of-order sample. Changed by a config reload.</summary>
    public TimeSpan OutOfOrderTimeWindow
    {
        get => TimeSpan.FromMilliseconds(Interlocked.Read(ref _oooWindow));
        set => Interlocked.Exchange(ref _oooWindow, Math.Max(0, (long)value.TotalMilliseconds));
    }

    internal long OooWindowMs => Interlocked.Read(ref _oooWindow);

    /// <summary>The oldest out-of-order sample held (it may be before <see cref="MinValidTime"/>), or long.MaxValue.</summary>
    public long OutOfOrderMinTime => Interlocked.Read(ref _oooMinT);

    /// <summary>The head refuses samples before this time (ms): they are in blocks, or are being written to one.</summary>
    public long MinValidTime => Interlocked.Read(ref _minValidTime);

    /// <summary>Queries of the head start here (ms): what is before is in blocks. At most <see cref="MinValidTime"/>.</summary>
    public long QueryMinTime => Interlocked.Read(ref _queryMinTime);

    /// <summary>Raises <see cref="MinValidTime"/> (never lowers it).</summary>
    internal void RaiseMinValidTime(long t)
    {
        long cur;
        while (t > (cur = Interlocked.Read(ref _minValidTime)) && Interlocked.CompareExchange(ref _minValidTime, t, cur) != cur)
        {
        }
    }

    /// <summary>
    /// The newest timestamp (ms) the head accepts now: the wall clock plus <see cref="TsdbOptions.MaxFutureTime"/>. Also
    /// the cap on the head's newest time where that time decides something for every series (cutting, retention).
    /// </summary>
    public long MaxValidTime => TsdbOptions.LatestValidTime(_time.GetUtcNow().ToUnixTimeMilliseconds(), _options.MaxFutureTime);

    /// <summary>Samples rejected for being further ahead of the clock than <see cref="TsdbOptions.MaxFutureTime"/>.</summary>
    public long TooFarInFutureSamples => Interlocked.Read(ref _tooFarInFuture);

    internal void CountTooFarInFuture() => Interlocked.Increment(ref _tooFarInFuture);

    /// <summary>Samples rejected for repeating a timestamp with another value.</summary>
    public long DuplicateSamples => Interlocked.Read(ref _duplicates);

    /// <summary>Series created since open, replayed ones included.</summary>
    public long SeriesCreated => Interlocked.Read(ref _seriesCreated);

    /// <summary>WAL fsync calls completed.</summary>
    public long WalFsyncs => _wal?.Fsyncs ?? 0;

    /// <summary>Torn or corrupt WAL tails cut off at open.</summary>
    public long WalCorruptionsRepaired => Interlocked.Read(ref _walCorruptions);

    /// <summary>Bytes written to the WAL since open.</summary>
    public long WalBytesWritten => _wal?.BytesWritten ?? 0;

    /// <summary>Milliseconds of the oldest sample in the head, or long.MaxValue when empty.</summary>
    public long MinTime => Interlocked.Read(ref _minT);

    /// <summary>Milliseconds of the newest sample in the head, or long.MinValue when empty.</summary>
    public long MaxTime => Interlocked.Read(ref _maxT);

    /// <inheritdoc/>
    public IAppender Appender()
    {
        ObjectDisposedException.ThrowIf(Volatile.Read(ref _disposed) != 0, this);
        return new HeadAppender(this);
    }

    /// <inheritdoc/>
    public IQuerier Querier(long mint, long maxt) => new HeadQuerier(this, Math.Max(mint, QueryMinTime), maxt);

    /// <summary>A querier that ignores <see cref="QueryMinTime"/> (for cutting a block out of the head).</summary>
    internal IQuerier RawQuerier(long mint, long maxt) => new HeadQuerier(this, mint, maxt);

    /// <summary>Fsyncs the WAL now.</summary>
    public void Sync() => _wal!.Sync();

    /// <summary>Series in the head (cheap, unlike <c>Stats</c>).</summary>
    public long NumSeries => Series.Count;

    /// <summary>Chunks held by the head's series (a walk over the series, without the cardinality tables of <see cref="Stats()"/>).</summary>
    public long NumChunks()
    {
        long chunks = 0;
        Series.ForEachLocked(ref chunks, static (MemSeries s, ref long n) => n += s.ChunkCount);
        return chunks;
    }

    /// <summary>The head's totals and top-N cardinality tables, for <c>/api/v1/status/tsdb</c>.</summary>
    public HeadStats Stats() => Stats(_options.StatsLimit);

    /// <summary>The head's totals and the top <paramref name="limit"/> rows of each cardinality table (<c>?limit=</c>).</summary>
    public HeadStats Stats(int limit)
    {
        var p = Postings.Stats(Labels.MetricName, Math.Max(1, limit));
        long chunks = NumChunks();
        return new HeadStats(Series.Count, Interlocked.Read(ref _numSamples), p.NumLabelPairs, chunks, MinTime, MaxTime,
            p.SeriesCountByMetricName, p.LabelValueCountByLabelName, p.MemoryInBytesByLabelName, p.SeriesCountByLabelValuePair);
    }

    /// <summary>Writes what is queued, fsyncs and closes the WAL (a clean shutdown). Later appends throw.</summary>
    public void Dispose()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0)
        {
            return;
        }
        _syncTimer?.Dispose();
        CommitLock.EnterWriteLock();
        try
        {
            _wal?.Dispose();
        }
        finally
        {
            CommitLock.ExitWriteLock();
        }
    }

    private void TimerSync()
    {
        try
        {
            _wal?.Sync();
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            TsdbLog.WalFsyncFailed(_log, e.Message);
        }
    }

    internal WalWriter Wal => _wal!;

    /// <summary>Called (from a committing thread) when the head spans more than <see cref="CompactableSpan"/>.</summary>
    internal Action? Compactable;

    /// <summary>The span (ms) past which the head should be cut into a block; long.MaxValue never.</summary>
    internal long CompactableSpan = long.MaxValue;

    internal void CheckCompactable()
    {
        long max = Interlocked.Read(ref _maxT);
        long min = Math.Max(Interlocked.Read(ref _minT), Interlocked.Read(ref _minValidTime));
        if (max != long.MinValue && min != long.MaxValue && max - min > CompactableSpan
            && Math.Min(max, MaxValidTime) - min > CompactableSpan)
        {
            // The second test reads the clock only when the first passes: a sample held from before future samples
            // were refused must not start a compaction pass at every commit.
            Compactable?.Invoke();
        }
    }

    /// <summary>True when the label set may name a series: not empty, names non-empty, sorted and unique.</summary>
    internal static bool ValidLabels(Labels labels)
    {
        var span = labels.AsSpan();
        if (span.IsEmpty)
        {
            return false;
        }
        for (int i = 0; i < span.Length; i++)
        {
            if (span[i].Name.Length == 0 || (i > 0 && string.CompareOrdinal(span[i - 1].Name, span[i].Name) >= 0))
            {
                return false;
            }
        }
        return true;
    }

    internal MemSeries GetOrCreate(Labels labels)
    {
        var hook = new CreateHook(this, log: true);
        return Series.GetOrCreate(labels, 0, ref hook, out _);
    }

    internal void CountRejected(SampleResult r, long n = 1)
    {
        if (r == SampleResult.OutOfOrder)
        {
            Interlocked.Add(ref _outOfOrder, n);
        }
        else if (r == SampleResult.DuplicateTimestamp)
        {
            Interlocked.Add(ref _duplicates, n);
        }
        else if (r == SampleResult.OutOfBounds)
        {
            Interlocked.Add(ref _outOfBounds, n);
        }
        else if (r == SampleResult.TooOld)
        {
            Interlocked.Add(ref _tooOld, n);
        }
    }

    /// <summary>Counts out-of-order samples applied and lowers <see cref="OutOfOrderMinTime"/>.</summary>
    internal void CountOooAppended(long n, long mint, bool replay)
    {
        if (n == 0)
        {
            return;
        }
        Interlocked.Add(ref _numSamples, n);
        if (!replay)
        {
            Interlocked.Add(ref _oooAppended, n);
            Interlocked.Add(ref _samplesAppended, n);
        }
        long cur;
        while (mint < (cur = Interlocked.Read(ref _oooMinT)) && Interlocked.CompareExchange(ref _oooMinT, mint, cur) != cur)
        {
        }
    }

    /// <summary>Recomputes <see cref="OutOfOrderMinTime"/> after out-of-order samples were dropped.</summary>
    internal void ResetOooMinTime()
    {
        long min = long.MaxValue;
        Series.ForEachLocked(ref min, static (MemSeries s, ref long m) => m = Math.Min(m, s.OooMinT));
        Interlocked.Exchange(ref _oooMinT, min);
    }

    internal void CountAppended(long n, long mint, long maxt, bool replay)
    {
        if (n == 0)
        {
            return;
        }
        Interlocked.Add(ref _numSamples, n);
        if (!replay)
        {
            Interlocked.Add(ref _samplesAppended, n);
        }
        long cur;
        while (mint < (cur = Interlocked.Read(ref _minT)) && Interlocked.CompareExchange(ref _minT, mint, cur) != cur)
        {
        }
        while (maxt > (cur = Interlocked.Read(ref _maxT)) && Interlocked.CompareExchange(ref _maxT, maxt, cur) != cur)
        {
        }
    }

    private readonly struct CreateHook(Head head, bool log) : ISeriesCreated
    {
        // The packed form numbers names and values in the shared symbol table: a series' labels cost about 56 bytes.
        public Labels Intern(Labels labels) => labels.Pack();

        public void Created(MemSeries series)
        {
            head.Postings.Add(series.Ref, series.Labels);
            if (log)
            {
                head._wal!.LogSeries(series.Ref, series.Labels);
            }
            Interlocked.Increment(ref head._seriesCreated);
        }
    }

    private struct ReplayHandler(Head head) : IWalReplayHandler
    {
        private Dictionary<ulong, MemSeries>? _remap;
        private MemSeries? _last;

        public long UnknownRefs;
        private long _seriesSeen;

        // Replay decodes label strings straight into the symbol table: no string per label of every series.
        public readonly Func<ReadOnlySpan<char>, string>? Interner => head._intern ??= LabelSymbols.Intern;

        public void Series(ulong seriesRef, Labels labels)
        {
            if ((++_seriesSeen & 4095) == 0)
            {
                ReplayGc.Tick();
            }
            if (!ValidLabels(labels))
            {
                return;
            }
            var existing = head.Series.GetByRef(seriesRef);
            if (existing is not null)
            {
                if (!existing.Labels.Equals(labels))
                {
                    TsdbLog.WalSeriesDefinedTwice(head._log, seriesRef);
                }
                return;
            }
            var hook = new CreateHook(head, log: false);
            var s = head.Series.GetOrCreate(labels, seriesRef, ref hook, out bool created);
            if (!created && s.Ref != seriesRef)
            {
                (_remap ??= [])[seriesRef] = s;
            }
        }

        public void Sample(ulong seriesRef, long t, double v) => Apply(seriesRef, t, v, ooo: false, 0);

        public void Sample(ulong seriesRef, long t, double v, long st) => Apply(seriesRef, t, v, ooo: false, Chunks.StartTimes.Sanitize(t, st));

        public void OutOfOrderSample(ulong seriesRef, long t, double v) => Apply(seriesRef, t, v, ooo: true, 0);

        private void Apply(ulong seriesRef, long t, double v, bool ooo, long st)
        {
            if (t < head._minValidTime)
            {
                return; // in a block already
            }
            var s = _last is not null && _last.Ref == seriesRef ? _last : head.Series.GetByRef(seriesRef);
            if (s is null && (_remap is null || !_remap.TryGetValue(seriesRef, out s)))
            {
                UnknownRefs++;
                return;
            }
            _last = s;
            SampleResult r;
            lock (s)
            {
                r = ooo ? s.AppendOoo(t, v) : s.Append(t, v, st);
            }
            if (r != SampleResult.Appended)
            {
                return;
            }
            if (ooo)
            {
                head.CountOooAppended(1, t, replay: true);
            }
            else
            {
                head.CountAppended(1, t, t, replay: true);
            }
        }

        public void Tombstone(ulong seriesRef, long mint, long maxt)
        {
            var s = head.Series.GetByRef(seriesRef);
            if (s is null && (_remap is null || !_remap.TryGetValue(seriesRef, out s)))
            {
                return;
            }
            head.AddDeleted(s.Ref, new Blocks.Interval(mint, maxt));
        }
    }
}

/// <summary>
/// Replay builds the head's whole object graph at once: with the small gen0 budget the server runs with (4 MB, for a
/// small resident set) that is hundreds of young collections, each tracing into the growing older generations
/// (measured: 5.6 s of GC pauses in 12 s replaying 1M series). During replay the GC is held off in no-GC regions of
/// <see cref="RegionBytes"/>, renewed when one is used up, so it runs a few times instead of hundreds.
/// </summary>
internal static class ReplayGc
{
    private const long RegionBytes = 256L << 20;
    private static bool s_active;
    private static long s_start;

    public static void Begin()
    {
        try
        {
            s_active = GC.TryStartNoGCRegion(RegionBytes);
            s_start = GC.GetTotalAllocatedBytes();
        }
        catch (InvalidOperationException)
        {
            s_active = false; // already in a region (another head replaying at once, in tests)
        }
        catch (ArgumentOutOfRangeException)
        {
            s_active = false;
        }
    }

    /// <summary>Renews the region when most of it is used (called every few thousand series).</summary>
    public static void Tick()
    {
        if (!s_active || GC.GetTotalAllocatedBytes() - s_start < RegionBytes * 3 / 4)
        {
            return;
        }
        End();
        Begin();
    }

    public static void End()
    {
        if (!s_active)
        {
            return;
        }
        s_active = false;
        if (System.Runtime.GCSettings.LatencyMode == System.Runtime.GCLatencyMode.NoGCRegion)
        {
            try
            {
                GC.EndNoGCRegion();
            }
            catch (InvalidOperationException)
            {
                // The region ended by itself (more was allocated than it allowed): nothing to end.
            }
        }
    }
}
