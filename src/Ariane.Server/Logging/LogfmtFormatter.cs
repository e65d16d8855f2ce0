using System.Text;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Logging.Console;

namespace Ariane.Server.Logging;

/// <summary>Writes log lines in Prometheus's logfmt style: <c>time=... level=info source=scrape msg="..."</c>.</summary>
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
        string msg = logEntry.Formatter(logEntry.State, logEntry.Exception);
        var sb = new StringBuilder(128);
        sb.Append("time=").Append(_time.GetUtcNow().ToString("yyyy-MM-dd'T'HH:mm:ss.fff'Z'", System.Globalization.CultureInfo.InvariantCulture));
        sb.Append(" level=").Append(Level(logEntry.LogLevel));
        string category = logEntry.Category;
        int dot = category.LastIndexOf('.');
        sb.Append(" source=").Append(dot >= 0 ? category[(dot + 1)..] : category);
        sb.Append(" msg=");
        Quote(sb, msg);
        if (logEntry.Exception is not null)
        {
            sb.Append(" err=");
            Quote(sb, logEntry.Exception.Message);
        }
        textWriter.WriteLine(sb.ToString());
    }

    internal static string Level(LogLevel l) => l switch
    {
        LogLevel.Trace or LogLevel.Debug => "debug",
        LogLevel.Information => "info",
        LogLevel.Warning => "warn",
        _ => "error",
    };

    private static void Quote(StringBuilder sb, string s)
    {
        bool needs = s.Length == 0;
        foreach (char c in s)
        {
            if (c is ' ' or '"' or '=' or '\\' || char.IsControl(c))
            {
                needs = true;
                break;
            }
        }
        if (!needs)
        {
            sb.Append(s);
            return;
        }
        sb.Append('"');
        foreach (char c in s)
        {
            switch (c)
            {
                case '"': sb.Append("\\\""); break;
                case '\\': sb.Append("\\\\"); break;
                case '\n': sb.Append("\\n"); break;
                case '\r': sb.Append("\\r"); break;
                case '\t': sb.Append("\\t"); break;
                default: sb.Append(c); break;
            }
        }
        sb.Append('"');
    }
}
