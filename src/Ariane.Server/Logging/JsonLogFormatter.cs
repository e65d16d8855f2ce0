using System.Buffers;
using System.Text;
using System.Text.Json;

namespace Ariane.Server.Logging;

/// <summary>
/// Writes each log entry as one flat JSON object, as Prometheus's JSON logs: <c>{"time":…,"level":"info","source":…,
/// "msg":…, field: value…}</c>. Written with <see cref="Utf8JsonWriter"/>: no reflection, so NativeAOT keeps it whole.
/// </summary>
public sealed class JsonLogFormatter(TimeProvider time) : PrometheusLogFormatter(FormatterName, time)
{
    /// <summary>The name used with AddConsole(o =&gt; o.FormatterName = ...).</summary>
    public const string FormatterName = "ariane-json";

    /// <inheritdoc/>
    protected override void Write(TextWriter textWriter, in Line line)
    {
        var buf = new ArrayBufferWriter<byte>(256);
        using (var w = new Utf8JsonWriter(buf))
        {
            w.WriteStartObject();
            w.WriteString("time", line.Time);
            w.WriteString("level", line.Level);
            w.WriteString("source", line.Source);
            w.WriteString("msg", line.Msg);
            foreach (var (k, v) in line.Fields)
            {
                w.WriteString(k, v);
            }
            if (line.ExceptionMessage is not null)
            {
                w.WriteString("err", line.ExceptionMessage);
            }
            w.WriteEndObject();
        }
        textWriter.WriteLine(Encoding.UTF8.GetString(buf.WrittenSpan));
    }
}
