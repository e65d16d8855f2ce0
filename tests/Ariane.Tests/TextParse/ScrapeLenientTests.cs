using System.Text;
using Ariane.TextParse;

namespace Ariane.Tests.TextParse;

/// <summary>Scraping takes OpenMetrics bodies that break the spec's semantic rules but not its syntax, as Prometheus does.</summary>
public class ScrapeLenientTests
{
    [Theory]
    [InlineData("# TYPE a counter\na_total 1\n# TYPE b gauge\nb 2\na_total 3\n# EOF\n", 3)] // a family repeated (interleaved)
    [InlineData("# TYPE h histogram\nh_bucket{le=\"1\"} 5\nh_bucket{le=\"+Inf\"} 3\nh_count 9\nh_sum 1\n# EOF\n", 4)] // decreasing buckets, count mismatch
    [InlineData("# TYPE g gauge\ng 1 # {trace_id=\"x\"} 1\n# EOF\n", 1)] // exemplar on a gauge
    [InlineData("# TYPE c counter\nc_total -1\n# EOF\n", 1)] // negative counter
    [InlineData("a 1\n# TYPE a gauge\n# EOF\n", 1)] // metadata after samples
    public void AcceptedWhenScrapingRejectedByTheSpec(string body, int samples)
    {
        var bytes = Encoding.UTF8.GetBytes(body);
        var scrape = ExpositionParser.ForContentType("application/openmetrics-text; version=1.0.0; charset=utf-8");
        Assert.Equal(samples, Count(scrape, bytes));
        Assert.Throws<ExpositionParseException>(() => Count(new OpenMetricsParser(specStrict: true), bytes));
    }

    [Theory]
    [InlineData("a 1\n")] // no # EOF
    [InlineData("a{b=\"c} 1\n# EOF\n")] // broken syntax
    [InlineData("a one\n# EOF\n")] // not a number
    public void SyntaxErrorsStillFailTheScrape(string body)
    {
        var scrape = ExpositionParser.ForContentType("application/openmetrics-text; version=1.0.0");
        Assert.Throws<ExpositionParseException>(() => Count(scrape, Encoding.UTF8.GetBytes(body)));
    }

    private static int Count(ExpositionParser p, byte[] body)
    {
        p.Reset(body);
        int n = 0;
        var labels = new List<Ariane.Model.Label>();
        Entry e;
        while ((e = p.Next()) != Entry.EOF)
        {
            if (e == Entry.Series)
            {
                p.GetLabels(labels);
                p.TryGetExemplar(out _);
                n++;
            }
        }
        return n;
    }
}
