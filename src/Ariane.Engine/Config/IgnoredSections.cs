namespace Ariane.Config;

/// <summary>
/// The parts of a configuration that Ariane parses and validates but does not act on yet, so that the server can
/// say so (one warning each, at start and at every reload) instead of ignoring them in silence. Each entry leaves
/// this list in the release that implements it.
/// </summary>
public static class IgnoredSections
{
    /// <summary>One line per ignored section present in <paramref name="cfg"/>: the section, then what it means.</summary>
    public static List<string> Of(PrometheusConfig cfg)
    {
        var list = new List<string>();
        if (cfg.RuleFiles.Count > 0)
        {
            list.Add($"rule_files: {cfg.RuleFiles.Count} rule file pattern(s) are not evaluated (recording and alerting rules are not implemented yet; 'ariane check rules' validates them)");
        }
        if (cfg.Alerting is not null)
        {
            list.Add("alerting: no alerts are sent to Alertmanager (alerting is not implemented yet)");
        }
        if (cfg.RemoteWrite.Count > 0)
        {
            list.Add($"remote_write: {cfg.RemoteWrite.Count} endpoint(s) receive nothing (sending remote write is not implemented yet)");
        }
        if (cfg.RemoteRead.Count > 0)
        {
            list.Add($"remote_read: {cfg.RemoteRead.Count} endpoint(s) are not queried (queries read local storage only)");
        }
        if (cfg.Storage?.MaxExemplars is not null)
        {
            list.Add("storage.exemplars: exemplars are not stored (exemplar storage is not implemented yet)");
        }
        foreach (string section in (string[])["tracing", "otlp", "runtime"])
        {
            if (cfg.Other.ContainsKey(section))
            {
                list.Add($"{section}: not applied (not implemented yet)");
            }
        }
        if (cfg.Global.QueryLogFile is not null)
        {
            list.Add("global.query_log_file: queries are not logged to a file (not implemented yet)");
        }
        if (cfg.Global.ScrapeFailureLogFile is not null)
        {
            list.Add("global.scrape_failure_log_file: scrape failures are not logged to a file (not implemented yet)");
        }
        return list;
    }
}
