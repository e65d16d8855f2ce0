using Ariane.Logging;
using Microsoft.Extensions.Logging;

namespace Ariane.Scrape;

/// <summary>
/// The scrape manager's, pools' and loops' log lines, event ids 2000–2999: <c>msg="Scrape failed" target=… err=…</c>
/// as Prometheus's scrape logs. The generated methods check the level first, so a scrape formats and allocates
/// nothing for a line that is off (the per-scrape debug line included).
/// </summary>
[LogEventIds(2000, 2999)]
internal static partial class ScrapeLog
{
    [LoggerMessage(EventId = 2001, Level = LogLevel.Warning, Message = "Scrape failed target={Target} err={Err}")]
    public static partial void ScrapeFailed(ILogger log, Uri target, string err);

    [LoggerMessage(EventId = 2002, Level = LogLevel.Information, Message = "Scrape target is up again target={Target}")]
    public static partial void TargetUpAgain(ILogger log, Uri target);

    [LoggerMessage(EventId = 2003, Level = LogLevel.Debug, Message = "Scrape done target={Target} duration_seconds={DurationSeconds} samples={Samples} post_relabel={PostRelabel} series_added={SeriesAdded} err={Err}")]
    public static partial void ScrapeDone(ILogger log, Uri target, double durationSeconds, int samples, int postRelabel, int seriesAdded, string err);

    [LoggerMessage(EventId = 2004, Level = LogLevel.Warning, Message = "Writing staleness markers failed target={Target} err={Err}")]
    public static partial void StalenessMarkersFailed(ILogger log, Uri target, string err);

    [LoggerMessage(EventId = 2005, Level = LogLevel.Warning, Message = "Invalid target job={Job} err={Err}")]
    public static partial void InvalidTarget(ILogger log, string job, string err);

    [LoggerMessage(EventId = 2006, Level = LogLevel.Debug, Message = "Discovery update job={Job} provider={Provider} groups={Groups} targets={Targets}")]
    public static partial void DiscoveryUpdate(ILogger log, string job, string provider, int groups, int targets);

    [LoggerMessage(EventId = 2007, Level = LogLevel.Warning, Message = "Scrape loop error target={Target} err={Err}")]
    public static partial void ScrapeLoopError(ILogger log, Uri target, string err);
}
