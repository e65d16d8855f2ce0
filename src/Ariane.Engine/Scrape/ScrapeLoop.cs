using System.Net;
using Ariane.Model;
using Ariane.Relabel;
using Ariane.Storage;
using Ariane.TextParse;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace Ariane.Scrape;

/// <summary>Counts from one append of a scrape body.</summary>
public struct ScrapeStats
{
    /// <summary>Samples in the body.</summary>
    public int Scraped;

    /// <summary>Samples left after metric relabelling.</summary>
    public int PostRelabel;

    /// <summary>Series new to this target's cache.</summary>
    public int SeriesAdded;

    /// <summary>Samples storage refused (out of order, duplicate timestamp).</summary>
    public int Rejected;
}

/// <summary>A scrape that failed for a reason attributable to the target (limits, parse errors).</summary>
public sealed class ScrapeException(string message) : Exception(message);

/// <summary>
/// Scrapes one target on its interval, at a stable offset within the interval derived from the target's
/// identity, and appends what it gets through the appender seam: relabelled samples, staleness markers for
/// series that vanished, and the synthetic series (<c>up</c>, <c>scrape_duration_seconds</c>, ...).
/// </summary>
public sealed class ScrapeLoop : IAsyncDisposable
{
    private static readonly string[] ReportNames =
    [
        "up", "scrape_duration_seconds", "scrape_samples_scraped", "scrape_samples_post_metric_relabeling", "scrape_series_added",
    ];

    private readonly ScrapeTarget _target;
    private readonly IAppendable _storage;
    private readonly ScrapeHttpClient _client;
    private readonly string _requestHeaders;
    private readonly TimeProvider _time;
    private readonly ILogger _log;
    private readonly ScrapeCache _cache = new();
    private readonly List<Label> _labelBuf = new(16);
    private readonly Labels[] _reportLabels = new Labels[ReportNames.Length];
    private readonly ulong[] _reportRefs = new ulong[ReportNames.Length];
    // Cache entry indexes of the series seen (without an explicit timestamp) by the last and the current scrape.
    private List<int> _prevSeen = [];
    private List<int> _curSeen = [];
    // Cache entry indexes of every series of the last and the current body, in body order (a guess for the next).
    private List<int> _prevOrder = [];
    private List<int> _curOrder = [];
    private ExpositionParser? _parser;
    private string? _parserContentType;
    private int _iter;
    private int _lastAdded;
    private bool _hadReport;
    private readonly CancellationTokenSource _stop = new();
    private ScrapeScheduler? _scheduler;
    private long _due;                   // when the scrape scheduled next (or running) is due, as a TimeProvider timestamp
    private long _lastDurationTicks = -1; // of the last successful scrape; -1 after a failure
    private TaskCompletionSource? _ended;

    /// <summary>
    /// Whether OpenMetrics <c>_created</c> samples are taken as the start timestamps of their series' samples instead
    /// of being stored as series (Prometheus's <c>--enable-feature=st-storage</c>).
    /// </summary>
    internal bool ParseStartTimestamps { get; set; }

    /// <summary>
    /// Creates the loop (<see cref="Start"/> begins scraping), logging to <paramref name="log"/> (<see cref="ScrapeLog"/>;
    /// nothing when null): a failed scrape as a warning when the target goes down, info when it is up again, and a debug
    /// line per scrape.
    /// </summary>
    internal ScrapeLoop(ScrapeTarget target, IAppendable storage, ScrapeHttpClient client, TimeProvider time, ILogger? log = null)
    {
        _requestHeaders = "Accept: " + AcceptHeader.Value + "\r\nAccept-Encoding: gzip\r\nX-Prometheus-Scrape-Timeout-Seconds: "
            + target.Timeout.TotalSeconds.ToString(System.Globalization.CultureInfo.InvariantCulture) + "\r\n";
        _target = target;
        _storage = storage;
        _client = client;
        _time = time;
        _log = log ?? NullLogger.Instance;
        for (int i = 0; i < ReportNames.Length; i++)
        {
            _reportLabels[i] = target.Labels.ToBuilder().Set(Labels.MetricName, ReportNames[i]).Build();
        }
    }

    /// <summary>The target this loop scrapes.</summary>
    public ScrapeTarget Target => _target;

    /// <summary>Schedules the loop's scrapes on <paramref name="scheduler"/>, the first at the target's offset.</summary>
    internal void Start(ScrapeScheduler scheduler)
    {
        _scheduler = scheduler;
        // The offset is taken from the wall clock; the schedule then runs on the monotonic one, so a clock
        // change neither stalls nor bunches scrapes.
        _due = _time.GetTimestamp() + ToTimestamp(InitialDelay(_time.GetUtcNow()));
        scheduler.Add(this, _due);
    }

    /// <summary>
    /// Stops the loop. With <paramref name="markStale"/> (the target went away) the series it exposed are
    /// marked stale; at shutdown they are not, so a restart continues them seamlessly, as Prometheus does.
    /// </summary>
    public async Task StopAsync(bool markStale)
    {
        // Off the schedule first, so that the scrape cancelled next is not rescheduled.
        var running = _scheduler?.RemoveAsync(this) ?? Task.CompletedTask;
        await _stop.CancelAsync().ConfigureAwait(false);
        await running.ConfigureAwait(false);
        if (markStale)
        {
            long ts = _time.GetUtcNow().ToUnixTimeMilliseconds();
            var app = _storage.Appender();
            foreach (int e in _prevSeen)
            {
                AppendStale(app, ref _cache[e], ts);
            }
            if (_hadReport)
            {
                for (int i = 0; i < _reportRefs.Length; i++)
                {
                    app.Append(ref _reportRefs[i], _reportLabels[i], ts, SampleValue.StaleNaN);
                }
            }
            try
            {
                app.Commit();
            }
            catch (IOException e)
            {
                // Storage could not write the markers (a full disk): the series then end by staleness timeout instead.
                ScrapeLog.StalenessMarkersFailed(_log, _target.Url, e.Message);
            }
            _prevSeen = [];
        }
    }

    /// <inheritdoc/>
    public async ValueTask DisposeAsync()
    {
        await StopAsync(markStale: false).ConfigureAwait(false);
        _stop.Dispose();
    }

    /// <summary>The delay before the first scrape: a stable offset within the interval, so targets spread out.</summary>
    internal TimeSpan InitialDelay(DateTimeOffset now)
    {
        long interval = _target.Interval.Ticks;
        if (interval <= 0)
        {
            return TimeSpan.Zero;
        }
        long offset = (long)(_target.Labels.Hash % (ulong)interval);
        long nowTicks = now.UtcTicks;
        long next = nowTicks - nowTicks % interval + offset;
        if (next < nowTicks)
        {
            next += interval;
        }
        return TimeSpan.FromTicks(next - nowTicks);
    }

    // State the scheduler reads and writes under its lock.
    internal bool Running;
    internal bool Stopped;

    /// <summary>
    /// How long the scheduler should expect the next scrape to take: twice the last one plus 20 ms, or without a
    /// last one (or after a failure, which may have been a timeout) long enough that another thread keeps time.
    /// </summary>
    internal long ExpectedDuration => _lastDurationTicks < 0 ? long.MaxValue : ToTimestamp(TimeSpan.FromTicks(2 * _lastDurationTicks + 20 * TimeSpan.TicksPerMillisecond));

    /// <summary>
    /// The due time after the current one (a <see cref="TimeProvider.GetTimestamp"/> value), skipping the slots a long
    /// scrape overran.
    /// </summary>
    internal long NextDue(long now)
    {
        long interval = Math.Max(ToTimestamp(_target.Interval), 1);
        _due += interval;
        if (_due <= now)
        {
            _due += ((now - _due) / interval + 1) * interval;
        }
        return _due;
    }

    private long ToTimestamp(TimeSpan t) => (long)(t.Ticks * ((double)_time.TimestampFrequency / TimeSpan.TicksPerSecond));

    /// <summary>A task that completes when the running scrape has ended (called under the scheduler's lock).</summary>
    internal Task WhenScrapeEnds() => (_ended ??= new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously)).Task;

    /// <summary>Called under the scheduler's lock when a scheduled scrape has ended.</summary>
    internal void ScrapeEnded()
    {
        _ended?.TrySetResult();
        _ended = null;
    }

    /// <summary>Runs the scrape the scheduler found due, on the scheduler's thread.</summary>
    internal void ScrapeScheduled()
    {
        var stop = _stop.Token;
        if (stop.IsCancellationRequested)
        {
            return;
        }
        try
        {
            ScrapeOnce(stop);
        }
        catch (OperationCanceledException) when (stop.IsCancellationRequested)
        {
        }
    }

    /// <summary>Performs one scrape now, on the calling thread (it blocks on the target), and appends its result.</summary>
    public void ScrapeOnce(CancellationToken stop)
    {
        var start = _time.GetUtcNow();
        long ts = start.ToUnixTimeMilliseconds();
        long t0 = _time.GetTimestamp();
        if (_target.LastScrape != default)
        {
            ScrapeMetrics.ObserveInterval(_target.Interval, start - _target.LastScrape, ts);
        }
        string? error = null;
        var stats = new ScrapeStats();
        IAppender? app = null;
        try
        {
            stats = FetchAndAppend(ts, ref app, stop);
        }
        catch (OperationCanceledException) when (stop.IsCancellationRequested)
        {
            app?.Rollback();
            throw;
        }
        catch (Exception e)
        {
            // Nothing of a scrape that fails half-way is kept: its samples go with the rolled-back appender.
            app?.Rollback();
            // Whatever produced it, an error is shown and logged at a bounded length (it may quote the target's input).
            error = Echo.Truncate(Describe(e), MaxErrorChars);
            stats = default;
            ScrapeMetrics.Failed(error);
            // A failed scrape makes everything the target exposed last time stale, as Prometheus does.
            app = _storage.Appender();
            foreach (int entry in _prevSeen)
            {
                AppendStale(app, ref _cache[entry], ts);
            }
            _prevSeen.Clear();
        }
        app ??= _storage.Appender(); // set on every path above; this tells the compiler so
        var duration = _time.GetElapsedTime(t0);
        _lastDurationTicks = error is null ? duration.Ticks : -1;
        // The synthetic series go in the same batch as the samples: one commit, one WAL write per scrape.
        AppendReport(app, ts, error is null, duration, stats);
        try
        {
            app.Commit();
        }
        catch (IOException e)
        {
            // Storage could not write the scrape (a full disk): the scrape failed, and says why.
            error = "storage: " + e.Message;
        }
        bool wasDown = _target.Health == TargetHealth.Down;
        _target.Report(start, duration, error);
        // A target that stays down is logged when it goes down and when it comes back, not on every scrape.
        if (error is not null && !wasDown)
        {
            ScrapeLog.ScrapeFailed(_log, _target.Url, error);
        }
        else if (error is null && wasDown)
        {
            ScrapeLog.TargetUpAgain(_log, _target.Url);
        }
        // Checks the level before it boxes or formats anything: a scrape allocates nothing here with debug off.
        ScrapeLog.ScrapeDone(_log, _target.Url, duration.TotalSeconds, stats.Scraped, stats.PostRelabel, stats.SeriesAdded, error ?? "");
    }

    private static string Describe(Exception e) => e switch
    {
        TaskCanceledException or OperationCanceledException => "context deadline exceeded",
        HttpRequestException h when h.InnerException is not null => h.Message + ": " + h.InnerException.Message,
        _ => e.Message,
    };

    /// <summary>The longest error a scrape reports; the parts quoting input are shortened first (<see cref="Echo"/>).</summary>
    private const int MaxErrorChars = 1024;

    /// <summary>The error of a scrape whose body is over the limit, as Prometheus words it.</summary>
    internal const string BodySizeLimitExceeded = "body size limit exceeded";

    /// <summary>
    /// Requests the target and streams its body through the parser into a new appender (left in
    /// <paramref name="app"/>, for the caller to commit or roll back): the body is read in a window of
    /// <see cref="LineParser.DefaultWindow"/> bytes that grows only for a longer line, up to
    /// <see cref="LineParser.DefaultMaxWindow"/>, never whole. The timeout covers the request and the whole body.
    /// </summary>
    private ScrapeStats FetchAndAppend(long ts, ref IAppender? app, CancellationToken stop)
    {
        using var cts = CancellationTokenSource.CreateLinkedTokenSource(stop);
        cts.CancelAfter(_target.Timeout);
        try
        {
            // The deadline closes the connection under a blocked call, headers or body.
            using var resp = _client.Get(_target.Url, _requestHeaders, cts.Token);
            if (resp.StatusCode != (int)HttpStatusCode.OK)
            {
                throw new ScrapeException($"server returned HTTP status {resp.StatusCode} {resp.ReasonPhrase}");
            }
            using var gzip = string.Equals(resp.ContentEncoding, "gzip", StringComparison.OrdinalIgnoreCase)
                ? new System.IO.Compression.GZipStream(resp.Body, System.IO.Compression.CompressionMode.Decompress, leaveOpen: true)
                : null;
            // The limit counts decompressed bytes.
            long limit = _target.Config.EffectiveBodySizeLimit;
            using var body = new BodyLimitStream(gzip ?? resp.Body, limit);
            app = _storage.Appender();
            return AppendBody(app, body, resp.ContentType, ts, (int)Math.Min(LineParser.DefaultWindow, limit + 1));
        }
        catch (Exception e) when (cts.IsCancellationRequested && e is not OperationCanceledException)
        {
            // The deadline (or a stop) closed the connection under the read.
            throw new OperationCanceledException(null, e, stop.IsCancellationRequested ? stop : cts.Token);
        }
    }

    /// <summary>Parses a body read from <paramref name="body"/> as it arrives (see <see cref="FetchAndAppend"/>) and appends it.</summary>
    internal ScrapeStats AppendBody(IAppender app, Stream body, string? contentType, long defaultTs, int window = LineParser.DefaultWindow)
    {
        var p = ParserFor(contentType);
        p.Reset(body, window, LineParser.DefaultMaxWindow);
        try
        {
            return AppendParsed(app, p, defaultTs);
        }
        finally
        {
            p.ReleaseWindow();
        }
    }

    /// <summary>
    /// Parses a body and appends its samples: known series by cached reference, new ones through target-label
    /// merging and metric relabelling; then staleness markers for series that were there last time and are not now.
    /// Throws <see cref="ScrapeException"/> or <see cref="ExpositionParseException"/> when the scrape must fail.
    /// </summary>
    internal ScrapeStats AppendBody(IAppender app, ReadOnlyMemory<byte> body, string? contentType, long defaultTs)
    {
        var p = ParserFor(contentType);
        p.Reset(body);
        return AppendParsed(app, p, defaultTs);
    }

    private ExpositionParser ParserFor(string? contentType)
    {
        if (_parser is null || !string.Equals(_parserContentType, contentType, StringComparison.Ordinal))
        {
            _parser = ExpositionParser.ForContentType(contentType);
            _parserContentType = contentType;
        }
        return _parser;
    }

    private ScrapeStats AppendParsed(IAppender app, ExpositionParser p, long defaultTs)
    {
        var cfg = _target.Config;
        _iter++;
        _curSeen.Clear();
        var stats = new ScrapeStats();
        // Metadata rarely changes: it is re-read on the first scrapes, every 8th, and after new series appeared.
        bool readMetadata = _iter <= 2 || _iter % 8 == 0 || _lastAdded > 0;
        var metadata = readMetadata ? new Dictionary<string, MetricMetadata>(StringComparer.Ordinal) : null;
        int appended = 0;
        // Targets list their series in the same order every time: the n-th series is most likely the entry that
        // was n-th last time, which is checked first (reading the entries in order instead of at random).
        var prevOrder = _prevOrder;
        _curOrder.Clear();
        Entry entry;
        while ((entry = p.Next()) != Entry.EOF)
        {
            switch (entry)
            {
                case Entry.Type:
                    if (metadata is not null)
                    {
                        UpdateMetadata(metadata, p, type: TypeName(p.Type));
                    }
                    continue;
                case Entry.Help:
                    if (metadata is not null)
                    {
                        UpdateMetadata(metadata, p, help: p.Text);
                    }
                    continue;
                case Entry.Unit:
                    if (metadata is not null)
                    {
                        UpdateMetadata(metadata, p, unit: p.Text);
                    }
                    continue;
                case Entry.Series:
                    break;
                default:
                    continue;
            }
            long st = 0;
            if (ParseStartTimestamps && p.IsOpenMetrics)
            {
                if (p.IsCreatedSample)
                {
                    continue; // the series' start time, not a sample of its own
                }
                if (p.TryGetStartTimestamp(out long created))
                {
                    st = created;
                }
            }
            stats.Scraped++;
            long ts = defaultTs;
            bool explicitTs = false;
            if (p.HasTimestamp && cfg.HonorTimestamps)
            {
                ts = p.TimestampMs;
                explicitTs = true;
            }
            double v = p.Value;
            int n = _curOrder.Count;
            int ci = _cache.Find(p.Series(), n < prevOrder.Count ? prevOrder[n] : -1, out var key);
            bool isNew = false;
            if (ci < 0)
            {
                var lset = BuildLabels(p);
                ci = _cache.Add(key, lset);
                isNew = true;
            }
            ref var ce = ref _cache[ci];
            if (ce.Labels is null)
            {
                _curOrder.Add(ci);
                continue; // dropped by metric relabelling
            }
            stats.PostRelabel++;
            if (ce.LastIter == _iter)
            {
                // The same series twice in one body: Prometheus counts it as a duplicate and keeps the first. It is
                // left out of the order too, so that an endless body repeating one line holds nothing per line.
                stats.Rejected++;
                continue;
            }
            _curOrder.Add(ci);
            ce.LastIter = _iter;
            var status = app.Append(ref ce.Ref, ce.Labels, ts, v, st);
            if (status != AppendStatus.Ok)
            {
                stats.Rejected++;
                ScrapeMetrics.Rejected(status);
                continue;
            }
            appended++;
            if (isNew)
            {
                stats.SeriesAdded++;
                // Keep storage's interned copy of the labels, not ours: each series' labels are then held once.
                ce.Labels = app.SeriesLabels(ce.Ref) ?? ce.Labels;
            }
            if (!explicitTs)
            {
                _curSeen.Add(ci);
            }
            if (cfg.SampleLimit > 0 && appended > cfg.SampleLimit)
            {
                throw new ScrapeException($"sample limit exceeded: more than {cfg.SampleLimit} samples after metric relabelling");
            }
        }
        foreach (int prev in _prevSeen)
        {
            ref var pe = ref _cache[prev];
            if (pe.LastIter != _iter)
            {
                AppendStale(app, ref pe, defaultTs);
            }
        }
        (_prevSeen, _curSeen) = (_curSeen, _prevSeen);
        (_prevOrder, _curOrder) = (_curOrder, _prevOrder);
        if (metadata is not null)
        {
            _target.SetMetadata(metadata);
        }
        _lastAdded = stats.SeriesAdded;
        if (_iter % 16 == 0)
        {
            _cache.Purge(_iter, 16);
        }
        return stats;
    }

    private Labels? BuildLabels(ExpositionParser p)
    {
        var cfg = _target.Config;
        p.GetLabels(_labelBuf);
        var scraped = Labels.FromUnsorted(_labelBuf.ToArray());
        var merged = MergeTargetLabels(scraped, _target.Labels, cfg.HonorLabels);
        var result = cfg.MetricRelabelConfigs.Count > 0 ? Relabeler.Process(merged, cfg.MetricRelabelConfigs) : merged;
        if (result is null)
        {
            return null;
        }
        CheckLimits(result);
        return result;
    }

    private void CheckLimits(Labels l)
    {
        var cfg = _target.Config;
        if (cfg.LabelLimit > 0 && l.Count > cfg.LabelLimit)
        {
            throw new ScrapeException($"label_limit exceeded (metric: {Echo.Truncate(l.Name)}, number of labels: {l.Count}, limit: {cfg.LabelLimit})");
        }
        foreach (var lbl in l)
        {
            // The offending input is quoted shortened: a hostile target's 10 MB value would otherwise be copied into
            // lastError and into a log line on every scrape.
            if (cfg.LabelNameLengthLimit > 0 && lbl.Name.Length > cfg.LabelNameLengthLimit)
            {
                throw new ScrapeException($"label_name_length_limit exceeded (metric: {Echo.Truncate(l.Name)}, label name: {Echo.Truncate(lbl.Name)}, limit: {cfg.LabelNameLengthLimit})");
            }
            if (cfg.LabelValueLengthLimit > 0 && lbl.Value.Length > cfg.LabelValueLengthLimit)
            {
                throw new ScrapeException($"label_value_length_limit exceeded (metric: {Echo.Truncate(l.Name)}, label name: {Echo.Truncate(lbl.Name)}, value: \"{Echo.Truncate(lbl.Value)}\", limit: {cfg.LabelValueLengthLimit})");
            }
        }
    }

    /// <summary>
    /// Adds the target's labels to a scraped label set. With honor_labels the scraped value wins; otherwise the
    /// target's wins and a clashing scraped label is kept as <c>exported_&lt;name&gt;</c> (repeatedly prefixed
    /// while that name is taken too), as Prometheus does.
    /// </summary>
    public static Labels MergeTargetLabels(Labels scraped, Labels target, bool honorLabels)
    {
        if (target.Count == 0)
        {
            return scraped;
        }
        var b = scraped.ToBuilder();
        foreach (var t in target)
        {
            string existing = scraped.Get(t.Name);
            if (honorLabels)
            {
                if (existing.Length == 0)
                {
                    b.Set(t.Name, t.Value);
                }
                continue;
            }
            if (existing.Length != 0)
            {
                string name = "exported_" + t.Name;
                while (b.Get(name).Length != 0 || target.Has(name))
                {
                    name = "exported_" + name;
                }
                b.Set(name, existing);
            }
            b.Set(t.Name, t.Value);
        }
        return b.Build();
    }

    private static void AppendStale(IAppender app, ref ScrapeCache.Entry e, long ts)
    {
        if (e.Labels is not null)
        {
            app.Append(ref e.Ref, e.Labels, ts, SampleValue.StaleNaN);
        }
    }

    private void AppendReport(IAppender app, long ts, bool up, TimeSpan duration, ScrapeStats stats)
    {
        app.Append(ref _reportRefs[0], _reportLabels[0], ts, up ? 1 : 0);
        app.Append(ref _reportRefs[1], _reportLabels[1], ts, duration.TotalSeconds);
        app.Append(ref _reportRefs[2], _reportLabels[2], ts, stats.Scraped);
        app.Append(ref _reportRefs[3], _reportLabels[3], ts, stats.PostRelabel);
        app.Append(ref _reportRefs[4], _reportLabels[4], ts, stats.SeriesAdded);
        _hadReport = true;
    }

    private static void UpdateMetadata(Dictionary<string, MetricMetadata> md, ExpositionParser p, string? type = null, string? help = null, string? unit = null)
    {
        string fam = System.Text.Encoding.UTF8.GetString(p.MetricFamily());
        md.TryGetValue(fam, out var cur);
        cur ??= new MetricMetadata("unknown", "", "");
        md[fam] = new MetricMetadata(type ?? cur.Type, help ?? cur.Help, unit ?? cur.Unit);
    }

    private static string TypeName(MetricType t) => t switch
    {
        MetricType.Counter => "counter",
        MetricType.Gauge => "gauge",
        MetricType.Histogram => "histogram",
        MetricType.GaugeHistogram => "gaugehistogram",
        MetricType.Summary => "summary",
        MetricType.Info => "info",
        MetricType.StateSet => "stateset",
        _ => "unknown",
    };
}
