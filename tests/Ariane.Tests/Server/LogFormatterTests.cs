using System.Text.Json;
using Ariane.Server.Logging;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Time.Testing;

namespace Ariane.Tests.Server;

/// <summary>The logfmt and JSON log formatters: fields as fields, quoting, flat JSON (issue 10 item 18).</summary>
public sealed class LogFormatterTests
{
    private static readonly FakeTimeProvider Time = new(DateTimeOffset.Parse("2026-12-07T14:00:00.123Z", System.Globalization.CultureInfo.InvariantCulture));

    private static string Format(ConsoleFormatterKind kind, LogLevel level, string template, params object?[] args)
    {
        var state = new List<KeyValuePair<string, object?>>();
        int a = 0;
        for (int i = template.IndexOf('{'); i >= 0; i = template.IndexOf('{', i + 1))
        {
            state.Add(new(template[(i + 1)..template.IndexOf('}', i)], args[a++]));
        }
        state.Add(new("{OriginalFormat}", template));
        var entry = new LogEntry<List<KeyValuePair<string, object?>>>(level, "Ariane.scrape", default, state, null, (s, _) => "formatted");
        var sw = new StringWriter();
        Microsoft.Extensions.Logging.Console.ConsoleFormatter f = kind == ConsoleFormatterKind.Logfmt ? new LogfmtFormatter(Time) : new JsonLogFormatter(Time);
        f.Write(entry, null, sw);
        return sw.ToString().TrimEnd('\n');
    }

    public enum ConsoleFormatterKind
    {
        Logfmt,
        Json,
    }

    [Theory]
    [InlineData("{Message}", "Scrape failed target=http://a:1/metrics err=\"line 1: bad \\\"x\\\"\"",
        "msg=\"Scrape failed\" target=http://a:1/metrics err=\"line 1: bad \\\"x\\\"\"")]
    [InlineData("TSDB started path={Path} series={Series}", null, "msg=\"TSDB started\" path=/data series=3")]
    [InlineData("Error loading config: {Error}", null, "msg=\"Error loading config\" err=\"bad: x\"")]
    [InlineData("Listening on http://{Address}", null, "msg=\"Listening on http://127.0.0.1:9095\"")]
    [InlineData("{Message}", "plain text only", "msg=\"plain text only\"")]
    [InlineData("Prometheus flag accepted but not applied yet: {Flag}={Value}", null, "msg=\"Prometheus flag accepted but not applied yet: --a=1\"")]
    public void LogfmtCarriesFieldsAsFields(string template, string? message, string expected)
    {
        object?[] args = template switch
        {
            "{Message}" => [message],
            "TSDB started path={Path} series={Series}" => ["/data", 3],
            "Error loading config: {Error}" => ["bad: x"],
            "Prometheus flag accepted but not applied yet: {Flag}={Value}" => ["--a", "1"],
            _ => ["127.0.0.1:9095"],
        };
        string line = Format(ConsoleFormatterKind.Logfmt, LogLevel.Warning, template, args);
        Assert.Equal("time=2026-12-07T14:00:00.123Z level=warn source=scrape " + expected, line);
    }

    [Fact]
    public void LogfmtQuotesNewlinesAndEmptyValues()
    {
        string line = Format(ConsoleFormatterKind.Logfmt, LogLevel.Information, "Reloaded file={File} note={Note}", "a b\nc", "");
        Assert.Equal("time=2026-12-07T14:00:00.123Z level=info source=scrape msg=Reloaded file=\"a b\\nc\" note=\"\"", line);
    }

    [Fact]
    public void JsonIsOneFlatObjectPerLine()
    {
        string line = Format(ConsoleFormatterKind.Json, LogLevel.Debug, "{Message}", "Scrape done target=http://a:1/metrics samples=5 err=\"\"");
        Assert.DoesNotContain('\n', line);
        using var doc = JsonDocument.Parse(line);
        var props = doc.RootElement.EnumerateObject().Select(p => (p.Name, p.Value.GetString())).ToList();
        Assert.Equal(
            [
                ("time", "2026-12-07T14:00:00.123Z"), ("level", "debug"), ("source", "scrape"), ("msg", "Scrape done"),
                ("target", "http://a:1/metrics"), ("samples", "5"), ("err", ""),
            ],
            props);
    }

    // Sends what a [LoggerMessage] method logs through a formatter, as the console logger does.
    private sealed class FormatterLogger(Microsoft.Extensions.Logging.Console.ConsoleFormatter formatter, string category) : ILogger
    {
        public StringWriter Output { get; } = new();

        public IDisposable? BeginScope<TState>(TState state)
            where TState : notnull => null;

        public bool IsEnabled(LogLevel logLevel) => true;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter1) =>
            formatter.Write(new LogEntry<TState>(logLevel, category, eventId, state, exception, formatter1), null, Output);
    }

    [Fact]
    public void GeneratedMessagesPrintTheirValuesAsFields()
    {
        var logfmt = new FormatterLogger(new LogfmtFormatter(Time), "Ariane.scrape");
        Ariane.Scrape.ScrapeLog.ScrapeFailed(logfmt, new Uri("http://a:1/metrics"), "line 1: bad \"x\"");
        Ariane.Scrape.ScrapeLog.InvalidTarget(logfmt, "node", "no address");
        Assert.Equal(
            "time=2026-12-07T14:00:00.123Z level=warn source=scrape msg=\"Scrape failed\" target=http://a:1/metrics err=\"line 1: bad \\\"x\\\"\"\n" +
            "time=2026-12-07T14:00:00.123Z level=warn source=scrape msg=\"Invalid target\" job=node err=\"no address\"\n",
            logfmt.Output.ToString());

        var json = new FormatterLogger(new JsonLogFormatter(Time), "Ariane.tsdb");
        Ariane.Tsdb.TsdbLog.WalSegmentTruncated(json, "checksum mismatch", "00000003", 4096, 1);
        using var doc = JsonDocument.Parse(json.Output.ToString());
        var props = doc.RootElement.EnumerateObject().Select(p => (p.Name, p.Value.GetString())).ToList();
        Assert.Equal(
            [
                ("time", "2026-12-07T14:00:00.123Z"), ("level", "warn"), ("source", "tsdb"),
                ("msg", "WAL segment damaged, truncated it there and deleted the later segments; samples logged after this point are lost"),
                ("problem", "checksum mismatch"), ("segment", "00000003"), ("offset", "4096"), ("later_segments", "1"),
            ],
            props);
    }

    [Fact]
    public void PlaceholderFormatsApplyToFields()
    {
        var logfmt = new FormatterLogger(new LogfmtFormatter(Time), "Ariane.web");
        Ariane.Server.Web.WebLog.CertificateLoaded(logfmt, "CN=ariane", new DateTime(2027, 1, 2, 3, 4, 5, DateTimeKind.Utc));
        Ariane.Server.Web.WebLog.BackupSent(logfmt, 3, 1024, 2);
        Assert.Equal(
            "time=2026-12-07T14:00:00.123Z level=info source=web msg=\"Loaded the new TLS certificate\" subject=\"CN=ariane\" not_after=2027-01-02T03:04:05.0000000Z\n" +
            "time=2026-12-07T14:00:00.123Z level=info source=web msg=\"Backup sent\" files=3 bytes=1024 duration_seconds=2.0\n",
            logfmt.Output.ToString());
    }
}
