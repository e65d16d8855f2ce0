namespace Ariane.Server.Cli;

/// <summary>
/// Prometheus server flags that Ariane accepts but does not act on yet, so that an existing Prometheus
/// command line starts Ariane; each one given is reported at start-up as ignored.
/// </summary>
internal static class PrometheusFlags
{
    /// <summary>Flags that take no value (booleans).</summary>
    public static readonly HashSet<string> Booleans = new(StringComparer.Ordinal)
    {
        "--web.enable-otlp-receiver", "--storage.tsdb.allow-overlapping-blocks",
        "--storage.tsdb.wal-compression", "--storage.tsdb.allow-overlapping-compaction", "--agent",
        "--scrape.adjust-timestamps", "--storage.tsdb.head-chunks-write-queue-size", "--web.cors.origin",
        "--no-web.enable-lifecycle", "--no-web.enable-admin-api", "--no-storage.tsdb.wal-compression",
        "--storage.tsdb.enable-native-histograms", "--web.enable-remote-write-receiver-v2",
    };

    /// <summary>Flags that take a value.</summary>
    public static readonly HashSet<string> WithValue = new(StringComparer.Ordinal)
    {
        "--web.external-url", "--web.route-prefix", "--web.user-assets", "--web.console.templates",
        "--web.console.libraries", "--web.page-title", "--web.cors.origin", "--web.max-connections",
        "--web.read-timeout", "--web.remote-write-receiver.accepted-protobuf-messages",
        "--storage.tsdb.wal-segment-size",
        "--storage.tsdb.head-chunks-write-queue-size", "--storage.tsdb.samples-per-chunk",
        "--storage.agent.path", "--storage.agent.wal-compression", "--storage.agent.retention.min-time",
        "--storage.agent.retention.max-time", "--storage.agent.no-lockfile", "--storage.remote.flush-deadline",
        "--rules.alert.for-outage-tolerance",
        "--rules.alert.for-grace-period", "--rules.alert.resend-delay", "--rules.max-concurrent-evals",
        "--alertmanager.notification-queue-capacity", "--alertmanager.drain-notification-queue-on-shutdown",
        "--enable-feature", "--scrape.discovery-reload-interval", "--scrape.timestamp-tolerance",
        "--auto-gomemlimit.ratio", "--auto-gomaxprocs", "--auto-gomemlimit", "--config.auto-reload-interval",
        "--agent.path", "--scrape.name-escaping-scheme",
    };

    /// <summary>
    /// Sorts the tokens the parser did not match into ignored Prometheus flags (name, value) and errors.
    /// Values may be attached (<c>--flag=value</c>) or follow as the next token.
    /// </summary>
    public static (List<KeyValuePair<string, string>> Ignored, List<string> Errors) Classify(IReadOnlyList<string> unmatched)
    {
        var ignored = new List<KeyValuePair<string, string>>();
        var errors = new List<string>();
        for (int i = 0; i < unmatched.Count; i++)
        {
            string tok = unmatched[i];
            int eq = tok.IndexOf('=', StringComparison.Ordinal);
            string name = eq > 0 ? tok[..eq] : tok;
            bool takesValue = WithValue.Contains(name);
            if (!takesValue && !Booleans.Contains(name))
            {
                errors.Add(tok.StartsWith('-') ? $"unknown flag {name}" : $"unexpected argument {tok}");
                continue;
            }
            string value = eq > 0 ? tok[(eq + 1)..] : "true";
            if (eq < 0 && takesValue && i + 1 < unmatched.Count && !unmatched[i + 1].StartsWith("--", StringComparison.Ordinal))
            {
                value = unmatched[++i];
            }
            ignored.Add(new(name, value));
        }
        return (ignored, errors);
    }
}
