using System.Text;

namespace Ariane.Server.Logging;

/// <summary>
/// Writes log lines in Prometheus's logfmt style: <c>time=... level=info source=scrape msg="Scrape failed" target=... err=...</c>,
/// the entry's fields as fields (see <see cref="LogFields"/>).
/// </summary>
public sealed class LogfmtFormatter(TimeProvider time) : PrometheusLogFormatter(FormatterName, time)
{
    /// <summary>The name used with AddConsole(o =&gt; o.FormatterName = ...).</summary>
    public const string FormatterName = "logfmt";

    /// <inheritdoc/>
    protected override void Write(TextWriter textWriter, in Line line)
    {
        var sb = new StringBuilder(128);
        sb.Append("time=").Append(line.Time);
        sb.Append(" level=").Append(line.Level);
        sb.Append(" source=").Append(line.Source);
        sb.Append(" msg=").Append(Echo.Logfmt(line.Msg));
        foreach (var (k, v) in line.Fields)
        {
            sb.Append(' ').Append(k).Append('=').Append(Echo.Logfmt(v));
        }
        if (line.ExceptionMessage is not null)
        {
            sb.Append(" err=").Append(Echo.Logfmt(line.ExceptionMessage));
        }
        textWriter.WriteLine(sb.ToString());
    }
}
