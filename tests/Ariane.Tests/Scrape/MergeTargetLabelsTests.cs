using Ariane.Model;
using Ariane.Scrape;

namespace Ariane.Tests.Scrape;

public class MergeTargetLabelsTests
{
    [Theory]
    // Without honor_labels the target wins and the scraped value moves to exported_<name>.
    [InlineData("__name__,m,job,scraped", "job,t,instance,i", false, "{__name__=\"m\", exported_job=\"scraped\", instance=\"i\", job=\"t\"}")]
    // exported_job taken too: prefix again.
    [InlineData("__name__,m,job,s,exported_job,e", "job,t", false, "{__name__=\"m\", exported_exported_job=\"s\", exported_job=\"e\", job=\"t\"}")]
    // With honor_labels the scraped value wins; target labels fill the gaps.
    [InlineData("__name__,m,job,scraped", "job,t,instance,i", true, "{__name__=\"m\", instance=\"i\", job=\"scraped\"}")]
    [InlineData("__name__,m", "job,t", false, "{__name__=\"m\", job=\"t\"}")]
    public void MergesLikePrometheus(string scraped, string target, bool honor, string expected)
    {
        static Labels L(string s) => Labels.FromStrings(s.Split(','));
        Assert.Equal(expected, ScrapeLoop.MergeTargetLabels(L(scraped), L(target), honor).ToString());
    }
}
