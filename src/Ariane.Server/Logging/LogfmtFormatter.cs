using System.Text;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Logging.Console;

namespace Ariane.Server.Logging;

/// <summary>
/// Writes log lines in Prometheus's logfmt style: <c>time=... level=info source=scrape msg="Scrape failed" target=... err=...</c>,
/// the entry's fields as fields (see <see cref="LogFields"/>).
/// </summary>
public sealed class LogfmtFormatter : ConsoleFormatter
{
    /// <summary>The name used with AddConsole(o =&gt; o.FormatterName = ...).</summary>
    public const string FormatterName = "logfmt";

    private readonly TimeProvider _time;

    /// <summary>Creates the formatter.</summary>
    public LogfmtFormatter(TimeProvider time)
        : base(FormatterName)
    {
        _time = time;
    }

    /// <inheritdoc/>
    public override void Write<TState>(in LogEntry<TState> logEntry, IExternalScopeProvider? scopeProvider, TextWriter textWriter)
    {
        var fields = new List<KeyValuePair<string, string>>();
        string msg = LogFields.Extract(logEntry, fields);
        var sb = new StringBuilder(128);
        sb.Append("time=").Append(Time(_time));
        sb.Append(" level=").Append(Level(logEntry.LogLevel));
        sb.Append(" source=").Append(Source(logEntry.Category));
        sb.Append(" msg=").Append(Echo.Logfmt(msg));
        foreach (var (k, v) in fields)
        {
            sb.Append(' ').Append(k).Append('=').Append(Echo.Logfmt(v));
        }
        if (logEntry.Exception is not null)
        {
            sb.Append(" err=").Append(Echo.Logfmt(logEntry.Exception.Message));
        }
        textWriter.WriteLine(sb.ToString());
    }

    internal static string Time(TimeProvider time) =>
        time.GetUtcNow().ToString("yyyy-MM-dd'T'HH:mm:ss.fff'Z'", System.Globalization.CultureInfo.InvariantCulture);

    internal static string Source(string category)
    {
        int dot = category.LastIndexOf('.');
        return dot >= 0 ? category[(dot + 1)..] : category;
    }

    internal static string Level(LogLevel l) => l switch
    {
        LogLevel.Trace or LogLevel.Debug => "debug",
        LogLevel.Information => "info",
        LogLevel.Warning => "warn",
        _ => "error",
    };
}
