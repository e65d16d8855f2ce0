using System.Text;
using Ariane.Model;
using Ariane.Scrape;

namespace Ariane.Tests.Scrape;

/// <summary>The scrape cache's table: lookups across growth, purging and the reuse of freed slots.</summary>
public sealed class ScrapeCacheTests
{
    private static byte[] Text(string series) => Encoding.UTF8.GetBytes(series);

    [Fact]
    public void FindsEveryEntryAcrossGrowthPurgeAndReuse()
    {
        var cache = new ScrapeCache();
        var labels = new Dictionary<string, Labels>();
        // Three generations of series: each seen for a while, then gone, so purges free slots the next one reuses.
        int iter = 0;
        for (int gen = 0; gen < 3; gen++)
        {
            for (int scrape = 0; scrape < 20; scrape++)
            {
                iter++;
                for (int i = 0; i < 300; i++)
                {
                    string s = $"m{{gen=\"{gen}\",i=\"{i}\"}}";
                    int e = cache.Find(Text(s), out var key);
                    if (e < 0)
                    {
                        Assert.Equal(0, scrape);
                        var l = Labels.FromStrings("__name__", "m", "gen", gen.ToString(), "i", i.ToString());
                        labels[s] = l;
                        e = cache.Add(key, i % 7 == 0 ? null : l);
                        cache[e].Ref = (ulong)(gen * 1000 + i + 1);
                    }
                    Assert.Equal((ulong)(gen * 1000 + i + 1), cache[e].Ref);
                    Assert.Same(i % 7 == 0 ? null : labels[s], cache[e].Labels);
                    cache[e].LastIter = iter;
                }
                if (iter % 16 == 0)
                {
                    cache.Purge(iter, 16);
                }
            }
            Assert.InRange(cache.Count, 300, 600);
        }
        cache.Purge(iter + 100, 16);
        Assert.Equal(0, cache.Count);
        Assert.True(cache.Find(Text("m{gen=\"2\",i=\"5\"}"), out _) < 0);
    }
}
