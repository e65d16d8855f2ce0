using System.Text;
using Ariane.Server.Logging;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace Ariane.Tests.Support;

/// <summary>
/// A logger that keeps each line at or above <c>minLevel</c> as the server's logfmt formatter prints it, without the
/// time, level and source: <c>Scrape failed target=http://… err="…"</c>. Lines go to <c>lines</c> under its lock, so
/// a test that reads the list under the same lock sees whole lines.
/// </summary>
internal sealed class ListLogger(List<string>? lines = null, LogLevel minLevel = LogLevel.Trace) : ILogger
{
    private readonly List<(LogLevel Level, string Line)> _entries = [];

    /// <summary>Every line kept, in order.</summary>
    public List<string> Lines { get; } = lines ?? [];

    /// <summary>The lines logged at <paramref name="level"/>, in order.</summary>
    public List<string> At(LogLevel level)
    {
        lock (Lines)
        {
            return [.. _entries.Where(e => e.Level == level).Select(e => e.Line)];
        }
    }

    /// <inheritdoc/>
    public IDisposable? BeginScope<TState>(TState state)
        where TState : notnull => null;

    /// <inheritdoc/>
    public bool IsEnabled(LogLevel logLevel) => logLevel >= minLevel && logLevel != LogLevel.None;

    /// <inheritdoc/>
    public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
    {
        if (!IsEnabled(logLevel))
        {
            return;
        }
        var fields = new List<KeyValuePair<string, string>>();
        var sb = new StringBuilder(LogFields.Extract(new LogEntry<TState>(logLevel, "test", eventId, state, exception, formatter), fields));
        foreach (var (k, v) in fields)
        {
            sb.Append(' ').Append(k).Append('=').Append(Echo.Logfmt(v));
        }
        lock (Lines)
        {
            Lines.Add(sb.ToString());
            _entries.Add((logLevel, sb.ToString()));
        }
    }
}
