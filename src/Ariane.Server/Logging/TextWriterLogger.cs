namespace Ariane.Server.Logging;

/// <summary>
/// A logger for the offline CLI tools: each warning or error the TSDB logs becomes one line of the tool's error
/// output (<c>warning: WAL segment damaged, …</c>), as a message with its fields; lower levels are dropped.
/// </summary>
internal sealed class TextWriterLogger(TextWriter writer, string prefix) : ILogger
{
    /// <inheritdoc/>
    public IDisposable? BeginScope<TState>(TState state)
        where TState : notnull => null;

    /// <inheritdoc/>
    public bool IsEnabled(LogLevel logLevel) => logLevel >= LogLevel.Warning && logLevel != LogLevel.None;

    /// <inheritdoc/>
    public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
    {
        if (IsEnabled(logLevel))
        {
            writer.WriteLine(prefix + formatter(state, exception));
        }
    }
}
