using System.Text;
using Ariane.Config;
using Ariane.Discovery;
using Ariane.Relabel;

namespace Ariane.Scrape;

/// <summary>
/// A text that changes whenever anything in a scrape config that affects scraping changes, so a reload keeps
/// the loops (and their staleness tracking) of jobs whose configuration is the same.
/// </summary>
internal static class ScrapeConfigFingerprint
{
    public static string Of(ScrapeConfig c)
    {
        var sb = new StringBuilder();
        sb.Append(c.JobName).Append('|').Append(c.ScrapeInterval.Ticks).Append('|').Append(c.ScrapeTimeout.Ticks)
          .Append('|').Append(c.MetricsPath).Append('|').Append(c.Scheme).Append('|').Append(c.HonorLabels)
          .Append('|').Append(c.HonorTimestamps).Append('|').Append(c.SampleLimit).Append('|').Append(c.LabelLimit)
          .Append('|').Append(c.LabelNameLengthLimit).Append('|').Append(c.LabelValueLengthLimit).Append('|').Append(c.BodySizeLimit)
          .Append('|').Append(c.TargetLimit).Append('|').Append(c.EnableCompression);
        foreach (var (k, vs) in c.Params)
        {
            sb.Append("|p:").Append(k).Append('=').AppendJoin(',', vs);
        }
        DiscoverySet.AppendFingerprint(sb, c.StaticConfigs, c.FileSdConfigs);
        Relabels(sb, "r", c.RelabelConfigs);
        Relabels(sb, "m", c.MetricRelabelConfigs);
        var h = c.HttpClient;
        sb.Append("|a:").Append(h.BasicAuth?.Username).Append(':').Append(h.BasicAuth?.Password).Append(':').Append(h.BasicAuth?.PasswordFile)
          .Append(':').Append(h.Authorization?.Type).Append(':').Append(h.Authorization?.Credentials).Append(':').Append(h.Authorization?.CredentialsFile)
          .Append(':').Append(h.BearerToken).Append(':').Append(h.BearerTokenFile).Append(':').Append(h.FollowRedirects)
          .Append("|t:").Append(h.TlsConfig?.CaFile).Append(':').Append(h.TlsConfig?.CertFile).Append(':').Append(h.TlsConfig?.KeyFile)
          .Append(':').Append(h.TlsConfig?.ServerName).Append(':').Append(h.TlsConfig?.InsecureSkipVerify).Append(':').Append(h.TlsConfig?.MinVersion);
        return sb.ToString();
    }

    private static void Relabels(StringBuilder sb, string tag, List<RelabelConfig> rs)
    {
        foreach (var r in rs)
        {
            sb.Append('|').Append(tag).Append(':').AppendJoin(',', r.SourceLabels).Append(':').Append(r.Separator).Append(':').Append(r.Regex)
              .Append(':').Append(r.Modulus).Append(':').Append(r.TargetLabel).Append(':').Append(r.Replacement).Append(':').Append(r.Action);
        }
    }
}
