using Ariane.Server.Cli;

namespace Ariane.Tests.Server;

public class CliTests
{
    [Fact]
    public void PrometheusFlagsAreIgnoredAndUnknownOnesRejected()
    {
        var (ignored, errors) = PrometheusFlags.Classify(
            ["--storage.tsdb.wal-segment-size=64MB", "--web.external-url", "http://x/", "--storage.tsdb.wal-compression", "--bogus.flag=1"]);
        Assert.Equal(3, ignored.Count);
        Assert.Equal(new KeyValuePair<string, string>("--web.external-url", "http://x/"), ignored[1]);
        Assert.Equal("true", ignored[2].Value);
        Assert.Single(errors);
        Assert.Contains("--bogus.flag", errors[0]);
    }

    [Fact]
    public void StStorageFeatureIsAppliedAndOtherFeaturesReportedAsIgnored()
    {
        var (ignored, _) = PrometheusFlags.Classify(
            ["--enable-feature=exemplar-storage,st-storage", "--enable-feature", "use-start-timestamps", "--web.external-url=http://x/"]);
        var o = new ServeOptions();
        var rest = CliApp.ApplyFeatures(o, ignored);
        Assert.True(o.StartTimestampStorage);
        Assert.Equal([new("--enable-feature", "exemplar-storage"), new("--web.external-url", "http://x/")], rest);
        Assert.False(new ServeOptions().StartTimestampStorage);
    }

    [Theory]
    [InlineData("127.0.0.1:9095", true, true)]
    [InlineData("localhost:9095", true, true)]
    [InlineData(":9095", true, false)]
    [InlineData("0.0.0.0:1", true, false)]
    [InlineData("[::1]:9095", true, true)]
    [InlineData("nonsense", false, false)]
    [InlineData("no-such-host.invalid:9095", false, false)]
    [InlineData("localhost:0", true, true)]
    public void ListenAddresses(string text, bool valid, bool loopback)
    {
        Assert.Equal(valid, Ariane.Server.ServerHost.TryResolveListenAddress(text, out var eps, out string? error));
        if (valid)
        {
            Assert.NotEmpty(eps);
            Assert.All(eps, ep => Assert.Equal(loopback, System.Net.IPAddress.IsLoopback(ep.Address)));
        }
        else
        {
            Assert.False(string.IsNullOrEmpty(error));
        }
    }
}
