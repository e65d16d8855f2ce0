using Ariane.Logging;
using Microsoft.Extensions.Logging;

namespace Ariane.Discovery;

/// <summary>The service discoverers' log lines, event ids 3000–3999: a file that fails to load, a folder that cannot be watched.</summary>
[LogEventIds(3000, 3999)]
internal static partial class DiscoveryLog
{
    [LoggerMessage(EventId = 3001, Level = LogLevel.Warning, Message = "Error reading file path={Path} err={Err}")]
    public static partial void FileReadFailed(ILogger log, string path, string err);

    [LoggerMessage(EventId = 3002, Level = LogLevel.Warning, Message = "File watcher error dir={Dir} err={Err}")]
    public static partial void WatcherFailed(ILogger log, string dir, string err);

    [LoggerMessage(EventId = 3003, Level = LogLevel.Warning, Message = "Cannot watch folder, changes are seen at the refresh interval dir={Dir} err={Err}")]
    public static partial void CannotWatch(ILogger log, string dir, string err);
}
