using System.Text;
using Ariane.Model;
using Ariane.TextParse;

namespace Ariane.Tests.TextParse;

/// <summary>Table tests for the semantics both text parsers share and where they differ.</summary>
public class ExpositionParserTests
{
    private static ExpositionParser Parser(bool om) => om ? new OpenMetricsParser() : new PromTextParser();

    /// <summary>Parses <paramref name="text"/> and returns the first series' parser, positioned on it.</summary>
    private static ExpositionParser FirstSeries(bool om, string text)
    {
        ExpositionParser p = Parser(om);
        p.Reset(Encoding.UTF8.GetBytes(text));
        Entry e;
        while ((e = p.Next()) != Entry.Series)
        {
            Assert.NotEqual(Entry.EOF, e);
        }
        return p;
    }

    private static List<Label> LabelsOf(ExpositionParser p)
    {
        var l = new List<Label>();
        p.GetLabels(l);
        return l;
    }

    [Theory]
    [InlineData(false, "a{x=\"b\\\\c\"} 1\n", "b\\c")]
    [InlineData(false, "a{x=\"b\\\"c\"} 1\n", "b\"c")]
    [InlineData(false, "a{x=\"b\\nc\"} 1\n", "b\nc")]
    [InlineData(false, "a{x=\"b\\zc\"} 1\n", "b\\zc")]
    [InlineData(false, "a{x=\"\\\\\\\"\"} 1\n", "\\\"")]
    [InlineData(false, "a{x=\"ünï\"} 1\n", "ünï")]
    [InlineData(true, "a{x=\"b\\\\c\"} 1\n# EOF\n", "b\\c")]
    [InlineData(true, "a{x=\"b\\\"c # \"} 1\n# EOF\n", "b\"c # ")]
    [InlineData(true, "a{x=\"b\\nc\"} 1\n# EOF\n", "b\nc")]
    public void LabelValuesAreUnescaped(bool om, string text, string want)
    {
        ExpositionParser p = FirstSeries(om, text);
        Assert.Equal([new Label("__name__", "a"), new Label("x", want)], LabelsOf(p));
    }

    [Theory]
    [InlineData(false, "# HELP a x\\\\y\\nz\\\"\n", "x\\y\nz\\\"")]
    [InlineData(true, "# HELP a x\\\\y\\nz\\\"\n# EOF\n", "x\\y\nz\"")]
    [InlineData(true, "# HELP a \n# EOF\n", "")]
    public void HelpIsUnescaped(bool om, string text, string want)
    {
        ExpositionParser p = Parser(om);
        p.Reset(Encoding.UTF8.GetBytes(text));
        Assert.Equal(Entry.Help, p.Next());
        Assert.Equal("a", Encoding.UTF8.GetString(p.MetricFamily()));
        Assert.Equal(want, p.Text);
    }

    [Theory]
    [InlineData(false, "a 1 1700000000123\n", true, 1700000000123L)]
    [InlineData(false, "a 1 -5\n", true, -5L)]
    [InlineData(false, "a 1\n", false, 0L)]
    [InlineData(false, "a\t1\t\t42  \n", true, 42L)]
    [InlineData(true, "a 1 1700000000.123\n# EOF\n", true, 1700000000123L)]
    [InlineData(true, "a 1 1.5e3\n# EOF\n", true, 1500000L)]
    [InlineData(true, "a 1 -1\n# EOF\n", true, -1000L)]
    [InlineData(true, "a 1\n# EOF\n", false, 0L)]
    public void Timestamps(bool om, string text, bool hasTs, long ms)
    {
        ExpositionParser p = FirstSeries(om, text);
        Assert.Equal(hasTs, p.HasTimestamp);
        Assert.Equal(ms, p.TimestampMs);
    }

    [Theory]
    [InlineData(false, "NaN", double.NaN)]
    [InlineData(false, "nan", double.NaN)]
    [InlineData(false, "+Inf", double.PositiveInfinity)]
    [InlineData(false, "Inf", double.PositiveInfinity)]
    [InlineData(false, "+inf", double.PositiveInfinity)]
    [InlineData(false, "-Infinity", double.NegativeInfinity)]
    [InlineData(false, "1e3", 1000.0)]
    [InlineData(false, ".5", 0.5)]
    [InlineData(false, "-0.25E-2", -0.0025)]
    [InlineData(false, "0001", 1.0)]
    [InlineData(true, "NaN", double.NaN)]
    [InlineData(true, "+Inf", double.PositiveInfinity)]
    [InlineData(true, "-Inf", double.NegativeInfinity)]
    [InlineData(true, "9223372036854775808", 9223372036854775808.0)]
    public void Values(bool om, string value, double want)
    {
        ExpositionParser p = FirstSeries(om, "a " + value + (om ? "\n# EOF\n" : "\n"));
        if (double.IsNaN(want))
        {
            Assert.True(double.IsNaN(p.Value));
            Assert.Equal(0x7ff8000000000001UL, BitConverter.DoubleToUInt64Bits(p.Value));
        }
        else
        {
            Assert.Equal(want, p.Value);
        }
    }

    [Theory]
    [InlineData("0x1p-3")]
    [InlineData("1_000")]
    [InlineData("0x10")]
    [InlineData("+nan")]
    [InlineData("1e400")]
    [InlineData("infinit")]
    [InlineData("1,5")]
    [InlineData("")]
    public void BadValuesAreRejected(string value)
    {
        var p = new PromTextParser();
        p.Reset(Encoding.UTF8.GetBytes("a " + value + "\n"));
        var e = Assert.Throws<ExpositionParseException>(() => p.Next());
        Assert.Equal(1, e.Line);
    }

    [Fact]
    public void ExemplarIsReturned()
    {
        ExpositionParser p = FirstSeries(true, "# TYPE a counter\na_total 3 # {trace_id=\"x\",span=\"y\"} 1.5 123.456\n# EOF\n");
        Assert.True(p.TryGetExemplar(out Exemplar ex));
        Assert.Equal(Labels.FromStrings("trace_id", "x", "span", "y"), ex.Labels);
        Assert.Equal(1.5, ex.Value);
        Assert.True(ex.HasTimestamp);
        Assert.Equal(123456L, ex.TimestampMs);
        Assert.Equal(3.0, p.Value);
        Assert.False(p.HasTimestamp);
    }

    [Fact]
    public void ExemplarWithoutTimestampAndNoExemplar()
    {
        ExpositionParser p = FirstSeries(true, "# TYPE a histogram\na_bucket{le=\"+Inf\"} 3 7 # {id=\"1\"} 2\na_bucket{le=\"+Inf\"} 4 8\n# EOF\n");
        Assert.True(p.TryGetExemplar(out Exemplar ex));
        Assert.False(ex.HasTimestamp);
        Assert.Equal(7000L, p.TimestampMs);
        Assert.Equal(Entry.Series, p.Next());
        Assert.False(p.TryGetExemplar(out _));
    }

    [Theory]
    [InlineData(false, "{\"my.metric\", a=\"b\"} 1\n", "{\"my.metric\", a=\"b\"}", "my.metric")]
    [InlineData(true, "{\"my.metric\",a=\"b\"} 1\n# EOF\n", "{\"my.metric\",a=\"b\"}", "my.metric")]
    [InlineData(false, "http_requests_total{code=\"200\"} 1 5\n", "http_requests_total{code=\"200\"}", "http_requests_total")]
    [InlineData(false, "a{b=\"c\",} 1\n", "a{b=\"c\",}", "a")]
    public void SeriesAndQuotedNames(bool om, string text, string series, string name)
    {
        ExpositionParser p = FirstSeries(om, text);
        Assert.Equal(series, Encoding.UTF8.GetString(p.Series()));
        Assert.Equal(name, LabelsOf(p)[0].Value);
    }

    [Fact]
    public void PromTextEntries()
    {
        var p = new PromTextParser();
        p.Reset(Encoding.UTF8.GetBytes("# HELP a The a.\n# TYPE a counter\n# just a comment\n\n  a 1\n# TYPE b untyped\nb 2"));
        Assert.Equal(Entry.Help, p.Next());
        Assert.Equal(Entry.Type, p.Next());
        Assert.Equal(MetricType.Counter, p.Type);
        Assert.Equal(Entry.Comment, p.Next());
        Assert.Equal(Entry.Series, p.Next());
        Assert.Equal(Entry.Type, p.Next());
        Assert.Equal(MetricType.Unknown, p.Type);
        Assert.Equal(Entry.Series, p.Next());
        Assert.Equal(2.0, p.Value);
        Assert.Equal(Entry.EOF, p.Next());
        Assert.Equal(Entry.EOF, p.Next());
    }

    [Fact]
    public void OpenMetricsEntriesAndReset()
    {
        var p = new OpenMetricsParser();
        byte[] body = Encoding.UTF8.GetBytes("# TYPE a_seconds gauge\n# UNIT a_seconds seconds\n# HELP a_seconds h\na_seconds 1\n# EOF\n");
        for (int round = 0; round < 2; round++)
        {
            p.Reset(body);
            Assert.Equal(Entry.Type, p.Next());
            Assert.Equal(MetricType.Gauge, p.Type);
            Assert.Equal(Entry.Unit, p.Next());
            Assert.Equal("seconds", p.Text);
            Assert.Equal("a_seconds", Encoding.UTF8.GetString(p.MetricFamily()));
            Assert.Equal(Entry.Help, p.Next());
            Assert.Equal(Entry.Series, p.Next());
            Assert.Equal(Entry.EOF, p.Next());
            Assert.Equal(Entry.EOF, p.Next());
        }
    }

    [Theory]
    [InlineData(false, "a 1\nb\n", 2, "expected value after metric")]
    [InlineData(false, "a 1\n\n# TYPE a bogus\n", 3, "invalid metric type")]
    [InlineData(false, "a{b=\"c\" 1\n", 1, "expected ',' or '}'")]
    [InlineData(false, "a 1 2 3\n", 1, "unexpected text after timestamp")]
    [InlineData(false, "a 1 1.5\n", 1, "invalid timestamp")]
    [InlineData(false, "a{b=\"1\",b=\"2\"} 1\n", 1, "duplicate label name")]
    [InlineData(false, "a 1 # {x=\"y\"} 1\n", 1, "invalid timestamp")]
    [InlineData(true, "a 1", 1, "missing newline")]
    [InlineData(true, "a 1\n\n# EOF\n", 2, "empty line")]
    [InlineData(true, "# TYPE a counter\na_total -1\n# EOF\n", 2, "must not be NaN or negative")]
    [InlineData(true, "a 1\n", 2, "missing \"# EOF\"")]
    [InlineData(true, "# TYPE a gauge\na 1\n# EOF\n# EOF\n", 4, "after \"# EOF\"")]
    [InlineData(true, "", 1, "missing \"# EOF\"")]
    public void ErrorsNameTheLine(bool om, string text, int line, string contains)
    {
        ExpositionParser p = Parser(om);
        p.Reset(Encoding.UTF8.GetBytes(text));
        var e = Assert.Throws<ExpositionParseException>(() =>
        {
            while (p.Next() != Entry.EOF)
            {
            }
        });
        Assert.Equal(line, e.Line);
        Assert.StartsWith($"line {line}: ", e.Message, StringComparison.Ordinal);
        Assert.Contains(contains, e.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("application/openmetrics-text; version=1.0.0; charset=utf-8", true)]
    [InlineData("application/openmetrics-text;version=0.0.1", true)]
    [InlineData("Application/OpenMetrics-Text", true)]
    [InlineData("text/plain; version=0.0.4; charset=utf-8", false)]
    [InlineData("", false)]
    [InlineData(null, false)]
    [InlineData("application/json", false)]
    [InlineData("application/openmetrics-textual", false)]
    public void ContentTypeSelectsTheParser(string? contentType, bool om)
    {
        ExpositionParser p = ExpositionParser.ForContentType(contentType);
        Assert.Equal(om, p.IsOpenMetrics);
        Assert.Equal(om, p is OpenMetricsParser);
    }

    [Fact]
    public void AcceptHeaderPrefersOpenMetrics()
    {
        Assert.StartsWith("application/openmetrics-text;version=1.0.0;q=0.5,", AcceptHeader.Value, StringComparison.Ordinal);
        Assert.Contains("text/plain;version=0.0.4;q=0.3", AcceptHeader.Value, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("# TYPE a summary\na{quantile=\"0.5\"} -1\na_sum -3\na_count 1\n# EOF\n")]
    [InlineData("# TYPE a histogram\na_bucket{le=\"-1\"} 1\na_bucket{le=\"+Inf\"} 1\na_sum -3\na_count 1\n# EOF\n")]
    public void NegativeObservationsOnlyStrictModeRejects(string text)
    {
        byte[] body = Encoding.UTF8.GetBytes(text);
        OpenMetricsConformanceTests.ParseAll(new OpenMetricsParser(), body);
        Assert.Throws<ExpositionParseException>(() => OpenMetricsConformanceTests.ParseAll(new OpenMetricsParser(specStrict: true), body));
    }
}
