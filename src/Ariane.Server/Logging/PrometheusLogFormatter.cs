using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Logging.Console;

namespace Ariane.Server.Logging;

/// <summary>
/// What the logfmt and JSON formatters share: each entry becomes Prometheus's keys (<c>time</c>, <c>level</c>,
/// <c>source</c>, <c>msg</c>) and the fields of its message template (<see cref="LogFields"/>); the subclass writes them.
/// </summary>
public abstract class PrometheusLogFormatter : ConsoleFormatter
{
    private readonly TimeProvider _time;

    /// <summary>Creates the formatter registered as <paramref name="name"/>, stamping lines with <paramref name="time"/>.</summary>
    protected PrometheusLogFormatter(string name, TimeProvider time)
        : base(name)
    {
        _time = time;
    }

    /// <inheritdoc/>
    public sealed override void Write<TState>(in LogEntry<TState> logEntry, IExternalScopeProvider? scopeProvider, TextWriter textWriter)
    {
        var fields = new List<KeyValuePair<string, string>>();
        string msg = LogFields.Extract(logEntry, fields);
        Write(textWriter, new Line(Time(_time), Level(logEntry.LogLevel), Source(logEntry.Category), msg, fields, logEntry.Exception?.Message));
    }

    /// <summary>Writes one line.</summary>
    protected abstract void Write(TextWriter textWriter, in Line line);

    /// <summary>One entry in Prometheus's keys: its fields in template order, then <c>err</c> from an exception, if any.</summary>
    protected readonly record struct Line(string Time, string Level, string Source, string Msg, List<KeyValuePair<string, string>> Fields, string? ExceptionMessage);

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
