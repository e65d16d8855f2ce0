using System.Buffers;
using System.Text;
using System.Text.Json;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Logging.Console;

namespace Ariane.Server.Logging;

/// <summary>
/// Writes each log entry as one flat JSON object, as Prometheus's JSON logs: <c>{"time":…,"level":"info","source":…,
/// "msg":…, field: value…}</c>. Written with <see cref="Utf8JsonWriter"/>: no reflection, so NativeAOT keeps it whole.
/// </summary>
public sealed class JsonLogFormatter : ConsoleFormatter
{
    /// <summary>The name used with AddConsole(o =&gt; o.FormatterName = ...).</summary>
    public const string FormatterName = "ariane-json";

    private readonly TimeProvider _time;

    /// <summary>Creates the formatter.</summary>
    public JsonLogFormatter(TimeProvider time)
        : base(FormatterName)
    {
        _time = time;
    }

    /// <inheritdoc/>
    public override void Write<TState>(in LogEntry<TState> logEntry, IExternalScopeProvider? scopeProvider, TextWriter textWriter)
    {
        var fields = new List<KeyValuePair<string, string>>();
        string msg = LogFields.Extract(logEntry, fields);
        var buf = new ArrayBufferWriter<byte>(256);
        using (var w = new Utf8JsonWriter(buf))
        {
            w.WriteStartObject();
            w.WriteString("time", LogfmtFormatter.Time(_time));
            w.WriteString("level", LogfmtFormatter.Level(logEntry.LogLevel));
            w.WriteString("source", LogfmtFormatter.Source(logEntry.Category));
            w.WriteString("msg", msg);
            foreach (var (k, v) in fields)
            {
                w.WriteString(k, v);
            }
            if (logEntry.Exception is not null)
            {
                w.WriteString("err", logEntry.Exception.Message);
            }
            w.WriteEndObject();
        }
        textWriter.WriteLine(Encoding.UTF8.GetString(buf.WrittenSpan));
    }
}
