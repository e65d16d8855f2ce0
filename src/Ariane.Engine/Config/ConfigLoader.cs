using Ariane.Model;
using Ariane.Relabel;
using YamlDotNet.RepresentationModel;

namespace Ariane.Config;

/// <summary>
/// Loads <c>prometheus.yml</c> strictly, as Prometheus does: unknown fields, wrong types and invalid values are
/// errors, reported as a <see cref="ConfigException"/> with the file, line and column of the offending node.
/// </summary>
public static partial class ConfigLoader
{
    /// <summary>Discovery mechanisms Prometheus knows but Ariane does not implement: accepted, kept raw, reported.</summary>
    internal static readonly HashSet<string> OtherSdConfigs = new(StringComparer.Ordinal)
    {
        "azure_sd_configs", "consul_sd_configs", "digitalocean_sd_configs", "docker_sd_configs", "dockerswarm_sd_configs",
        "dns_sd_configs", "ec2_sd_configs", "eureka_sd_configs", "gce_sd_configs", "hetzner_sd_configs", "http_sd_configs",
        "ionos_sd_configs", "kubernetes_sd_configs", "kuma_sd_configs", "lightsail_sd_configs", "linode_sd_configs",
        "marathon_sd_configs", "nerve_sd_configs", "nomad_sd_configs", "openstack_sd_configs", "ovhcloud_sd_configs",
        "puppetdb_sd_configs", "scaleway_sd_configs", "serverset_sd_configs", "stackit_sd_configs", "triton_sd_configs",
        "uyuni_sd_configs", "vultr_sd_configs",
    };

    private static readonly HashSet<string> ScrapeProtocols = new(StringComparer.Ordinal)
    {
        "PrometheusProto", "OpenMetricsText0.0.1", "OpenMetricsText1.0.0", "PrometheusText0.0.4", "PrometheusText1.0.0",
    };

    /// <summary>Reads and loads a config file; relative paths inside it resolve against its folder.</summary>
    public static PrometheusConfig LoadFile(string path)
    {
        string text;
        try
        {
            text = File.ReadAllText(path);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new ConfigException(path, 0, 0, "cannot read config file: " + e.Message, e);
        }
        string full = Path.GetFullPath(path);
        var cfg = Load(text, path, Path.GetDirectoryName(full));
        cfg.FilePath = full;
        return cfg;
    }

    /// <summary>Loads config text; <paramref name="fileName"/> names it in errors; relative paths resolve against <paramref name="baseDir"/> when given.</summary>
    public static PrometheusConfig Load(string yaml, string fileName, string? baseDir = null)
    {
        var r = new YamlReader(fileName, baseDir);
        var root = r.ParseDocument(yaml);
        var cfg = new PrometheusConfig { Source = yaml };
        if (root is null || YamlReader.IsNull(root))
        {
            return cfg;
        }
        new Parser(r, cfg).Top(root);
        LoadScrapeConfigFiles(cfg);
        cfg.RedactedSource = ConfigRedactor.Redact(yaml);
        return cfg;
    }

    /// <summary>
    /// The configuration used when none is given: Ariane scraping itself at <c>/metrics</c> and the host at
    /// <c>/node/metrics</c> on <paramref name="selfAddress"/> (host:port), every 15s.
    /// </summary>
    public static PrometheusConfig Default(string selfAddress) =>
        Load(DefaultYaml.Replace("SELF_ADDRESS", selfAddress, StringComparison.Ordinal), "<default config>");

    private const string DefaultYaml = """
        # Ariane's built-in configuration, used when no --config.file is given.
        global:
          scrape_interval: 15s
          evaluation_interval: 15s

        scrape_configs:
          # Ariane's own metrics.
          - job_name: ariane
            static_configs:
              - targets: ["SELF_ADDRESS"]

          # Host metrics in node_exporter's format, served by Ariane itself.
          - job_name: node
            metrics_path: /node/metrics
            static_configs:
              - targets: ["SELF_ADDRESS"]

        """;

    /// <summary>
    /// Appends the jobs of <c>scrape_config_files</c> (globs, expanded now), each file holding only
    /// <c>scrape_configs</c>, with paths inside it relative to its own folder, and job names unique overall.
    /// </summary>
    private static void LoadScrapeConfigFiles(PrometheusConfig cfg)
    {
        foreach (string pattern in cfg.ScrapeConfigFiles)
        {
            foreach (string file in FileGlob.Expand(pattern))
            {
                string text;
                try
                {
                    text = File.ReadAllText(file);
                }
                catch (Exception e) when (e is IOException or UnauthorizedAccessException)
                {
                    throw new ConfigException(file, 0, 0, "cannot read scrape config file: " + e.Message, e);
                }
                var fr = new YamlReader(file, Path.GetDirectoryName(Path.GetFullPath(file)));
                if (fr.ParseDocument(text) is not { } root)
                {
                    continue;
                }
                var p = new Parser(fr, cfg);
                foreach (var (k, v) in fr.Fields(root, "config.ScrapeConfigs"))
                {
                    if (k.Value != "scrape_configs")
                    {
                        fr.Unknown(k, "config.ScrapeConfigs");
                    }
                    p.ScrapeList(v);
                }
            }
        }
    }

    /// <summary>The parse of one document; a class so that the reader and the result travel together.</summary>
    private sealed class Parser(YamlReader r, PrometheusConfig cfg)
    {
        public void Top(YamlNode root)
        {
            YamlNode? global = null, scrape = null;
            var rest = new List<(YamlScalarNode, YamlNode)>();
            foreach (var (k, v) in r.Fields(root, "config.Config"))
            {
                switch (k.Value)
                {
                    case "global": global = v; break;
                    case "scrape_configs": scrape = v; break;
                    case "rule_files" or "scrape_config_files" or "alerting" or "remote_write" or "remote_read" or "storage"
                        or "runtime" or "tracing" or "otlp":
                        rest.Add((k, v));
                        break;
                    default: r.Unknown(k, "config.Config"); break;
                }
            }
            if (global is not null)
            {
                Global(global);
            }
            foreach (var (k, v) in rest)
            {
                switch (k.Value)
                {
                    case "rule_files":
                        foreach (var n in r.Seq(v, "[]string"))
                        {
                            cfg.RuleFiles.Add(RuleFile(n));
                        }
                        break;
                    case "scrape_config_files":
                        foreach (var n in r.Seq(v, "[]string"))
                        {
                            cfg.ScrapeConfigFiles.Add(RuleFile(n));
                        }
                        break;
                    case "alerting": cfg.Alerting = Alerting(v); break;
                    case "remote_write": RemoteWrites(v); break;
                    case "remote_read": RemoteReads(v); break;
                    case "storage": cfg.Storage = Storage(v); break;
                    default: cfg.Other[k.Value!] = YamlReader.Plain(v); break;
                }
            }
            if (scrape is not null)
            {
                ScrapeList(scrape);
            }
        }

        public void ScrapeList(YamlNode scrape)
        {
            foreach (var n in r.Seq(scrape, "[]*config.ScrapeConfig"))
            {
                if (YamlReader.IsNull(n))
                {
                    r.Fail(n, "empty or null scrape config section");
                }
                var (sc, nameNode) = Scrape(n);
                foreach (var other in cfg.ScrapeConfigs)
                {
                    if (other.JobName == sc.JobName)
                    {
                        r.Fail(nameNode, $"found multiple scrape configs with job name \"{sc.JobName}\"");
                    }
                }
                cfg.ScrapeConfigs.Add(sc);
                foreach (var sd in sc.UnsupportedDiscovery)
                {
                    cfg.UnsupportedDiscovery.Add($"{sd} in scrape job \"{sc.JobName}\"");
                }
            }
        }

        private string RuleFile(YamlNode n)
        {
            string s = r.Str(n);
            if (!IsValidGlob(s))
            {
                r.Fail(n, $"invalid rule file path \"{s}\"");
            }
            return r.Path(s);
        }

        private static bool IsValidGlob(string s)
        {
            int open = 0;
            foreach (char c in s)
            {
                if (c == '[')
                {
                    open++;
                }
                else if (c == ']')
                {
                    open--;
                }
            }
            return open == 0;
        }

        private void Global(YamlNode node)
        {
            const string T = "config.GlobalConfig";
            var g = cfg.Global;
            g.ScrapeInterval = TimeSpan.Zero;
            g.ScrapeTimeout = TimeSpan.Zero;
            g.EvaluationInterval = TimeSpan.Zero;
            YamlNode? timeoutNode = null;
            foreach (var (k, v) in r.Fields(node, T))
            {
                switch (k.Value)
                {
                    case "scrape_interval": g.ScrapeInterval = r.Duration(v); break;
                    case "scrape_timeout": g.ScrapeTimeout = r.Duration(v); timeoutNode = v; break;
                    case "evaluation_interval": g.EvaluationInterval = r.Duration(v); break;
                    case "rule_query_offset": g.RuleQueryOffset = r.Duration(v); break;
                    case "external_labels": g.ExternalLabels = ExternalLabels(v); break;
                    case "query_log_file": g.QueryLogFile = r.OptPath(v); break;
                    case "scrape_failure_log_file": g.ScrapeFailureLogFile = r.OptPath(v); break;
                    case "body_size_limit": g.BodySizeLimit = r.Size(v); break;
                    case "sample_limit": g.SampleLimit = r.UInt(v); break;
                    case "target_limit": g.TargetLimit = r.UInt(v); break;
                    case "label_limit": g.LabelLimit = r.UInt(v); break;
                    case "label_name_length_limit": g.LabelNameLengthLimit = r.UInt(v); break;
                    case "label_value_length_limit": g.LabelValueLengthLimit = r.UInt(v); break;
                    case "keep_dropped_targets": g.KeepDroppedTargets = r.UInt(v); break;
                    case "scrape_protocols": g.ScrapeProtocols = Protocols(v); break;
                    case "metric_name_validation_scheme": g.MetricNameValidationScheme = ValidationScheme(v); break;
                    case "metric_name_escaping_scheme" or "always_scrape_classic_histograms" or "convert_classic_histograms_to_nhcb"
                        or "scrape_native_histograms" or "extra_scrape_metrics":
                        g.Other[k.Value!] = YamlReader.Plain(v);
                        break;
                    default: r.Unknown(k, T); break;
                }
            }
            // The order of Prometheus's GlobalConfig.UnmarshalYAML: interval first, then the timeout against it.
            if (g.ScrapeInterval == TimeSpan.Zero)
            {
                g.ScrapeInterval = GlobalConfig.DefaultScrapeInterval;
            }
            if (g.ScrapeTimeout > g.ScrapeInterval)
            {
                r.Fail(timeoutNode ?? node, "global scrape timeout greater than scrape interval");
            }
            if (g.ScrapeTimeout == TimeSpan.Zero)
            {
                g.ScrapeTimeout = GlobalConfig.DefaultScrapeTimeout > g.ScrapeInterval ? g.ScrapeInterval : GlobalConfig.DefaultScrapeTimeout;
            }
            if (g.EvaluationInterval == TimeSpan.Zero)
            {
                g.EvaluationInterval = GlobalConfig.DefaultEvaluationInterval;
            }
        }

        private Labels ExternalLabels(YamlNode node) =>
            // Prometheus accepts any valid label name here (even __name__) and an empty value, which removes the label.
            r.LabelSet(node);

        private List<string> Protocols(YamlNode node)
        {
            var list = new List<string>();
            foreach (var n in r.Seq(node, "[]config.ScrapeProtocol"))
            {
                string p = r.Str(n);
                if (!ScrapeProtocols.Contains(p))
                {
                    r.Fail(n, $"unknown scrape protocol {p}, supported: [OpenMetricsText0.0.1 OpenMetricsText1.0.0 PrometheusProto PrometheusText0.0.4 PrometheusText1.0.0]");
                }
                if (list.Contains(p))
                {
                    r.Fail(n, $"duplicated protocol in scrape_protocols, got [{string.Join(' ', list)} {p}]");
                }
                list.Add(p);
            }
            return list;
        }

        private string ValidationScheme(YamlNode v)
        {
            string s = r.Str(v);
            if (s is not ("" or "utf8" or "legacy"))
            {
                r.Fail(v, $"unknown name validation method specified, must be either '', 'legacy' or 'utf8', got {s}");
            }
            return s;
        }

        private (ScrapeConfig, YamlNode) Scrape(YamlNode node)
        {
            const string T = "config.ScrapeConfig";
            var g = cfg.Global;
            var sc = new ScrapeConfig
            {
                SampleLimit = g.SampleLimit,
                TargetLimit = g.TargetLimit,
                LabelLimit = g.LabelLimit,
                LabelNameLengthLimit = g.LabelNameLengthLimit,
                LabelValueLengthLimit = g.LabelValueLengthLimit,
                BodySizeLimit = g.BodySizeLimit,
                KeepDroppedTargets = g.KeepDroppedTargets,
                ScrapeProtocols = [.. g.ScrapeProtocols],
            };
            YamlNode? nameNode = null, timeoutNode = null;
            foreach (var (k, v) in r.Fields(node, T))
            {
                switch (k.Value)
                {
                    case "job_name": sc.JobName = r.Str(v); nameNode = v; break;
                    case "honor_labels": sc.HonorLabels = r.Bool(v, false); break;
                    case "honor_timestamps": sc.HonorTimestamps = r.Bool(v, true); break;
                    case "track_timestamps_staleness": sc.TrackTimestampsStaleness = r.Bool(v, false); break;
                    case "scrape_interval": sc.ScrapeInterval = r.Duration(v); break;
                    case "scrape_timeout": sc.ScrapeTimeout = r.Duration(v); timeoutNode = v; break;
                    case "metrics_path": sc.MetricsPath = r.Str(v); break;
                    case "scheme": sc.Scheme = r.Str(v); break;
                    case "params": sc.Params = Params(v); break;
                    case "enable_compression": sc.EnableCompression = r.Bool(v, true); break;
                    case "body_size_limit": sc.BodySizeLimit = r.Size(v); break;
                    case "sample_limit": sc.SampleLimit = r.UInt(v); break;
                    case "target_limit": sc.TargetLimit = r.UInt(v); break;
                    case "label_limit": sc.LabelLimit = r.UInt(v); break;
                    case "label_name_length_limit": sc.LabelNameLengthLimit = r.UInt(v); break;
                    case "label_value_length_limit": sc.LabelValueLengthLimit = r.UInt(v); break;
                    case "keep_dropped_targets": sc.KeepDroppedTargets = r.UInt(v); break;
                    case "scrape_protocols": sc.ScrapeProtocols = Protocols(v); break;
                    case "fallback_scrape_protocol":
                        sc.FallbackScrapeProtocol = r.Str(v);
                        if (sc.FallbackScrapeProtocol.Length != 0 && !ScrapeProtocols.Contains(sc.FallbackScrapeProtocol))
                        {
                            r.Fail(v, $"unknown scrape protocol {sc.FallbackScrapeProtocol}");
                        }
                        break;
                    case "metric_name_validation_scheme": sc.Other[k.Value!] = ValidationScheme(v); break;
                    case "static_configs": sc.StaticConfigs = StaticConfigs(v); break;
                    case "file_sd_configs": sc.FileSdConfigs = FileSdConfigs(v); break;
                    case "relabel_configs": sc.RelabelConfigs = RelabelConfigs(v, "target relabeling rule in scrape config"); break;
                    case "metric_relabel_configs": sc.MetricRelabelConfigs = RelabelConfigs(v, "metric relabeling rule in scrape config"); break;
                    case "scrape_failure_log_file" or "scrape_classic_histograms" or "always_scrape_classic_histograms"
                        or "convert_classic_histograms_to_nhcb" or "scrape_native_histograms" or "native_histogram_bucket_limit"
                        or "native_histogram_min_bucket_factor" or "metric_name_escaping_scheme":
                        sc.Other[k.Value!] = YamlReader.Plain(v);
                        break;
                    default:
                        if (OtherSdConfigs.Contains(k.Value!))
                        {
                            foreach (var e in r.Seq(v, "discovery.Configs"))
                            {
                                if (YamlReader.IsNull(e))
                                {
                                    r.Fail(e, $"empty or null section in {k.Value}");
                                }
                            }
                            sc.OtherDiscovery[k.Value!] = YamlReader.Plain(v);
                            sc.UnsupportedDiscovery.Add(k.Value!);
                        }
                        else if (!HttpField(k, v, sc.HttpClient))
                        {
                            r.Unknown(k, T);
                        }
                        break;
                }
            }
            if (sc.JobName.Length == 0)
            {
                r.Fail(nameNode ?? node, "job_name is empty");
            }
            ValidateHttp(node, sc.HttpClient);
            // Prometheus's ScrapeConfig.Validate: inherit the interval, then check or infer the timeout.
            if (sc.ScrapeInterval == TimeSpan.Zero)
            {
                sc.ScrapeInterval = g.ScrapeInterval;
            }
            if (sc.ScrapeTimeout > sc.ScrapeInterval)
            {
                r.Fail(timeoutNode ?? node, $"scrape timeout greater than scrape interval for scrape config with job name \"{sc.JobName}\"");
            }
            if (sc.ScrapeTimeout == TimeSpan.Zero)
            {
                sc.ScrapeTimeout = g.ScrapeTimeout > sc.ScrapeInterval ? sc.ScrapeInterval : g.ScrapeTimeout;
            }
            return (sc, nameNode ?? node);
        }

        private Dictionary<string, List<string>> Params(YamlNode node)
        {
            var d = new Dictionary<string, List<string>>(StringComparer.Ordinal);
            foreach (var (k, v) in r.Fields(node, "url.Values"))
            {
                d[k.Value ?? string.Empty] = r.StrList(v);
            }
            return d;
        }

        public List<StaticConfig> StaticConfigs(YamlNode node)
        {
            var list = new List<StaticConfig>();
            foreach (var n in r.Seq(node, "discovery.StaticConfig"))
            {
                if (YamlReader.IsNull(n))
                {
                    r.Fail(n, "empty or null section in static_configs");
                }
                list.Add(TargetGroups.Group(r, n, checkAddresses: true));
            }
            return list;
        }

        private List<FileSdConfig> FileSdConfigs(YamlNode node)
        {
            const string T = "file.SDConfig";
            var list = new List<FileSdConfig>();
            foreach (var n in r.Seq(node, "[]*file.SDConfig"))
            {
                if (YamlReader.IsNull(n))
                {
                    r.Fail(n, "empty or null section in file_sd_configs");
                }
                var f = new FileSdConfig();
                foreach (var (k, v) in r.Fields(n, T))
                {
                    switch (k.Value)
                    {
                        case "files":
                            foreach (var fn in r.Seq(v, "[]string"))
                            {
                                string s = r.Str(fn);
                                if (!IsValidFileSdName(s))
                                {
                                    r.Fail(fn, $"path name \"{s}\" is not valid for file discovery");
                                }
                                f.Files.Add(r.Path(s));
                            }
                            break;
                        case "refresh_interval":
                            f.RefreshInterval = r.Duration(v);
                            if (f.RefreshInterval == TimeSpan.Zero)
                            {
                                f.RefreshInterval = FileSdConfig.DefaultRefreshInterval;
                            }
                            break;
                        default: r.Unknown(k, T); break;
                    }
                }
                if (f.Files.Count == 0)
                {
                    r.Fail(n, "file service discovery config must contain at least one path name");
                }
                list.Add(f);
            }
            return list;
        }

        /// <summary>Prometheus's <c>^[^*]*(\*[^/]*)?\.(json|yml|yaml|JSON|YML|YAML)$</c>: one star, only in the last element.</summary>
        private static bool IsValidFileSdName(string s)
        {
            int star = s.IndexOf('*', StringComparison.Ordinal);
            if (star >= 0 && (s.IndexOf('*', star + 1) >= 0 || s.IndexOf('/', star) >= 0))
            {
                return false;
            }
            int dot = s.LastIndexOf('.');
            return dot >= 0 && dot >= star && s.AsSpan(dot + 1) is "json" or "yml" or "yaml" or "JSON" or "YML" or "YAML";
        }

        public List<RelabelConfig> RelabelConfigs(YamlNode node, string what = "relabeling rule")
        {
            var list = new List<RelabelConfig>();
            foreach (var n in r.Seq(node, "[]*relabel.Config"))
            {
                if (YamlReader.IsNull(n))
                {
                    r.Fail(n, $"empty or null {what}");
                }
                list.Add(Relabel(n));
            }
            return list;
        }

        private RelabelConfig Relabel(YamlNode node)
        {
            const string T = "relabel.Config";
            var rc = new RelabelConfig();
            foreach (var (k, v) in r.Fields(node, T))
            {
                switch (k.Value)
                {
                    case "source_labels":
                        rc.SourceLabels = [];
                        foreach (var n in r.Seq(v, "model.LabelNames"))
                        {
                            rc.SourceLabels.Add(r.LabelName(n));
                        }
                        break;
                    case "separator": rc.Separator = r.Str(v); break;
                    case "regex":
                        string pattern = r.Str(v);
                        try
                        {
                            rc.Regex = pattern;
                        }
                        catch (ArgumentException e)
                        {
                            r.Fail(v, $"error parsing regexp: {e.Message}");
                        }
                        break;
                    case "modulus": rc.Modulus = r.ULong(v); break;
                    case "target_label": rc.TargetLabel = r.Str(v); break;
                    case "replacement": rc.Replacement = r.Str(v); break;
                    case "action":
                        string a = r.Str(v);
                        if (!RelabelConfig.TryParseAction(a, out var act))
                        {
                            r.Fail(v, $"unknown relabel action \"{a}\"");
                        }
                        rc.Action = act;
                        break;
                    default: r.Unknown(k, T); break;
                }
            }
            if (rc.Validate() is { } problem)
            {
                r.Fail(node, problem);
            }
            return rc;
        }

        /// <summary>Handles one field of Prometheus's <c>HTTPClientConfig</c>; false when the key is not one.</summary>
        private bool HttpField(YamlScalarNode k, YamlNode v, HttpClientConfig h)
        {
            switch (k.Value)
            {
                case "basic_auth": h.BasicAuth = BasicAuthOf(v); return true;
                case "authorization": h.Authorization = AuthorizationOf(v); return true;
                case "tls_config": h.TlsConfig = Tls(v); return true;
                case "bearer_token": h.BearerToken = r.OptStr(v); return true;
                case "bearer_token_file": h.BearerTokenFile = r.OptPath(v); return true;
                case "proxy_url": h.ProxyUrl = r.OptStr(v); return true;
                case "follow_redirects": h.FollowRedirects = r.Bool(v, true); return true;
                case "enable_http2": h.EnableHttp2 = r.Bool(v, true); return true;
                case "oauth2" or "no_proxy" or "proxy_from_environment" or "proxy_connect_header" or "http_headers":
                    h.Other[k.Value!] = YamlReader.Plain(v);
                    return true;
                default:
                    return false;
            }
        }

        private BasicAuth? BasicAuthOf(YamlNode node)
        {
            const string T = "config.BasicAuth";
            if (YamlReader.IsNull(node))
            {
                return null;
            }
            var b = new BasicAuth();
            bool usernameFile = false;
            foreach (var (k, v) in r.Fields(node, T))
            {
                switch (k.Value)
                {
                    case "username": b.Username = r.Str(v); break;
                    case "password": b.Password = r.OptStr(v); break;
                    case "password_file": b.PasswordFile = r.OptPath(v); break;
                    case "username_file": usernameFile = r.OptStr(v) is not null; break;
                    case "username_ref" or "password_ref": break;
                    default: r.Unknown(k, T); break;
                }
            }
            if (usernameFile && b.Username.Length != 0)
            {
                r.Fail(node, "at most one of basic_auth username & username_file must be configured");
            }
            if (!string.IsNullOrEmpty(b.Password) && b.PasswordFile is not null)
            {
                r.Fail(node, "at most one of basic_auth password & password_file must be configured");
            }
            return b;
        }

        private Authorization? AuthorizationOf(YamlNode node)
        {
            const string T = "config.Authorization";
            if (YamlReader.IsNull(node))
            {
                return null;
            }
            var a = new Authorization();
            foreach (var (k, v) in r.Fields(node, T))
            {
                switch (k.Value)
                {
                    case "type":
                        a.Type = r.Str(v);
                        if (a.Type.Length == 0)
                        {
                            a.Type = "Bearer";
                        }
                        if (string.Equals(a.Type, "basic", StringComparison.OrdinalIgnoreCase))
                        {
                            r.Fail(v, "authorization type cannot be set to \"basic\", use \"basic_auth\" instead");
                        }
                        break;
                    case "credentials": a.Credentials = r.OptStr(v); break;
                    case "credentials_file": a.CredentialsFile = r.OptPath(v); break;
                    case "credentials_ref": break;
                    default: r.Unknown(k, T); break;
                }
            }
            if (!string.IsNullOrEmpty(a.Credentials) && a.CredentialsFile is not null)
            {
                r.Fail(node, "at most one of authorization credentials & credentials_file must be configured");
            }
            return a;
        }

        private TlsConfig Tls(YamlNode node)
        {
            const string T = "config.TLSConfig";
            var t = new TlsConfig();
            foreach (var (k, v) in r.Fields(node, T))
            {
                switch (k.Value)
                {
                    case "ca_file": t.CaFile = r.OptPath(v); break;
                    case "cert_file": t.CertFile = r.OptPath(v); break;
                    case "key_file": t.KeyFile = r.OptPath(v); break;
                    case "server_name": t.ServerName = r.OptStr(v); break;
                    case "insecure_skip_verify": t.InsecureSkipVerify = r.Bool(v, false); break;
                    case "min_version": t.MinVersion = TlsVersion(v); break;
                    case "max_version": t.MaxVersion = TlsVersion(v); break;
                    case "ca" or "cert" or "key": t.Inline[k.Value!] = r.Str(v); break;
                    case "ca_ref" or "cert_ref" or "key_ref": break;
                    default: r.Unknown(k, T); break;
                }
            }
            if (t.Inline.ContainsKey("ca") && t.CaFile is not null)
            {
                r.Fail(node, "at most one of ca and ca_file must be configured");
            }
            if (t.Inline.ContainsKey("cert") && t.CertFile is not null)
            {
                r.Fail(node, "at most one of cert and cert_file must be configured");
            }
            if (t.Inline.ContainsKey("key") && t.KeyFile is not null)
            {
                r.Fail(node, "at most one of key and key_file must be configured");
            }
            bool hasCert = t.CertFile is not null || t.Inline.ContainsKey("cert");
            bool hasKey = t.KeyFile is not null || t.Inline.ContainsKey("key");
            if (hasCert != hasKey)
            {
                r.Fail(node, hasCert ? "exactly one of key or key_file must be configured when a client certificate is configured"
                    : "exactly one of cert or cert_file must be configured when a client key is configured");
            }
            return t;
        }

        private string? TlsVersion(YamlNode v)
        {
            string? s = r.OptStr(v);
            if (s is not null && s is not ("TLS10" or "TLS11" or "TLS12" or "TLS13"))
            {
                r.Fail(v, $"unknown TLS version: {s}");
            }
            return s;
        }

        /// <summary>Prometheus's <c>HTTPClientConfig.Validate</c>, including turning the legacy bearer token into an Authorization.</summary>
        private void ValidateHttp(YamlNode node, HttpClientConfig h)
        {
            bool token = !string.IsNullOrEmpty(h.BearerToken), tokenFile = h.BearerTokenFile is not null;
            bool oauth2 = h.Other.ContainsKey("oauth2") && h.Other["oauth2"] is not null;
            if (token && tokenFile)
            {
                r.Fail(node, "at most one of bearer_token & bearer_token_file must be configured");
            }
            if ((h.BasicAuth is not null ? 1 : 0) + (oauth2 ? 1 : 0) + (token || tokenFile ? 1 : 0) > 1)
            {
                r.Fail(node, "at most one of basic_auth, oauth2, bearer_token & bearer_token_file must be configured");
            }
            if (h.Authorization is not null)
            {
                if (token || tokenFile)
                {
                    r.Fail(node, "authorization is not compatible with bearer_token & bearer_token_file");
                }
                if (h.BasicAuth is not null || oauth2)
                {
                    r.Fail(node, "at most one of basic_auth, oauth2 & authorization must be configured");
                }
            }
            else if (token || tokenFile)
            {
                h.Authorization = new Authorization { Credentials = h.BearerToken, CredentialsFile = h.BearerTokenFile };
            }
        }

        private AlertingConfig Alerting(YamlNode node)
        {
            const string T = "config.AlertingConfig";
            var a = new AlertingConfig();
            foreach (var (k, v) in r.Fields(node, T))
            {
                switch (k.Value)
                {
                    case "alert_relabel_configs": a.AlertRelabelConfigs = RelabelConfigs(v); break;
                    case "alertmanagers":
                        foreach (var n in r.Seq(v, "[]*config.AlertmanagerConfig"))
                        {
                            a.Alertmanagers.Add(Alertmanager(n));
                        }
                        break;
                    default: r.Unknown(k, T); break;
                }
            }
            return a;
        }

        private AlertmanagerConfig Alertmanager(YamlNode node)
        {
            const string T = "config.AlertmanagerConfig";
            var am = new AlertmanagerConfig();
            foreach (var (k, v) in r.Fields(node, T))
            {
                switch (k.Value)
                {
                    case "scheme": am.Scheme = r.Str(v); break;
                    case "path_prefix": am.PathPrefix = r.Str(v); break;
                    case "timeout": am.Timeout = r.Duration(v); break;
                    case "api_version":
                        am.ApiVersion = r.Str(v);
                        if (am.ApiVersion is not ("v1" or "v2"))
                        {
                            r.Fail(v, $"expected Alertmanager api version to be one of [v1 v2] but got {am.ApiVersion}");
                        }
                        break;
                    case "static_configs": am.StaticConfigs = StaticConfigs(v); break;
                    case "file_sd_configs": am.FileSdConfigs = FileSdConfigs(v); break;
                    case "relabel_configs": am.RelabelConfigs = RelabelConfigs(v); break;
                    case "alert_relabel_configs": am.AlertRelabelConfigs = RelabelConfigs(v); break;
                    case "sigv4":
                        am.Other[k.Value!] = YamlReader.Plain(v);
                        break;
                    default:
                        if (OtherSdConfigs.Contains(k.Value!))
                        {
                            am.Other[k.Value!] = YamlReader.Plain(v);
                            cfg.UnsupportedDiscovery.Add($"{k.Value} in alerting.alertmanagers");
                        }
                        else if (!HttpField(k, v, am.HttpClient))
                        {
                            r.Unknown(k, T);
                        }
                        break;
                }
            }
            ValidateHttp(node, am.HttpClient);
            return am;
        }

        private void RemoteWrites(YamlNode node)
        {
            const string T = "config.RemoteWriteConfig";
            var names = new HashSet<string>(StringComparer.Ordinal);
            foreach (var n in r.Seq(node, "[]*config.RemoteWriteConfig"))
            {
                if (YamlReader.IsNull(n))
                {
                    r.Fail(n, "empty or null remote write config section");
                }
                var w = new RemoteWriteConfig();
                YamlNode? nameNode = null;
                foreach (var (k, v) in r.Fields(n, T))
                {
                    switch (k.Value)
                    {
                        case "url": w.Url = Url(v); break;
                        case "name": w.Name = r.Str(v); nameNode = v; break;
                        case "remote_timeout": w.RemoteTimeout = r.Duration(v); break;
                        case "headers": w.Headers = r.StrMap(v, "map[string]string"); break;
                        case "write_relabel_configs": w.WriteRelabelConfigs = RelabelConfigs(v); break;
                        case "send_exemplars": w.SendExemplars = r.Bool(v, false); break;
                        case "send_native_histograms": w.SendNativeHistograms = r.Bool(v, false); break;
                        case "protobuf_message": w.ProtobufMessage = r.Str(v); break;
                        case "queue_config" or "metadata_config" or "sigv4" or "azuread" or "google_iam" or "round_robin_dns":
                            w.Other[k.Value!] = YamlReader.Plain(v);
                            break;
                        default:
                            if (!HttpField(k, v, w.HttpClient))
                            {
                                r.Unknown(k, T);
                            }
                            break;
                    }
                }
                if (w.Url.Length == 0)
                {
                    r.Fail(n, "url for remote_write is empty");
                }
                if (w.Name.Length != 0 && !names.Add(w.Name))
                {
                    r.Fail(nameNode!, $"found multiple remote write configs with job name \"{w.Name}\"");
                }
                ValidateHttp(n, w.HttpClient);
                cfg.RemoteWrite.Add(w);
            }
        }

        private void RemoteReads(YamlNode node)
        {
            const string T = "config.RemoteReadConfig";
            var names = new HashSet<string>(StringComparer.Ordinal);
            foreach (var n in r.Seq(node, "[]*config.RemoteReadConfig"))
            {
                if (YamlReader.IsNull(n))
                {
                    r.Fail(n, "empty or null remote read config section");
                }
                var rr = new RemoteReadConfig();
                YamlNode? nameNode = null;
                foreach (var (k, v) in r.Fields(n, T))
                {
                    switch (k.Value)
                    {
                        case "url": rr.Url = Url(v); break;
                        case "name": rr.Name = r.Str(v); nameNode = v; break;
                        case "remote_timeout": rr.RemoteTimeout = r.Duration(v); break;
                        case "headers": rr.Headers = r.StrMap(v, "map[string]string"); break;
                        case "required_matchers": rr.RequiredMatchers = r.StrMap(v, "model.LabelSet"); break;
                        case "read_recent": rr.ReadRecent = r.Bool(v, false); break;
                        case "filter_external_labels": rr.FilterExternalLabels = r.Bool(v, true); break;
                        default:
                            if (!HttpField(k, v, rr.HttpClient))
                            {
                                r.Unknown(k, T);
                            }
                            break;
                    }
                }
                if (rr.Url.Length == 0)
                {
                    r.Fail(n, "url for remote_read is empty");
                }
                if (rr.Name.Length != 0 && !names.Add(rr.Name))
                {
                    r.Fail(nameNode!, $"found multiple remote read configs with job name \"{rr.Name}\"");
                }
                ValidateHttp(n, rr.HttpClient);
                cfg.RemoteRead.Add(rr);
            }
        }

        // Go's url.Parse accepts nearly anything, so Prometheus only insists that the URL is set.
        private string Url(YamlNode v) => r.Str(v);

        private StorageConfig Storage(YamlNode node)
        {
            var s = new StorageConfig();
            foreach (var (k, v) in r.Fields(node, "config.StorageConfig"))
            {
                switch (k.Value)
                {
                    case "tsdb":
                        foreach (var (tk, tv) in r.Fields(v, "config.TSDBConfig"))
                        {
                            switch (tk.Value)
                            {
                                case "out_of_order_time_window": s.OutOfOrderTimeWindow = r.Duration(tv); break;
                                default: r.Unknown(tk, "config.TSDBConfig"); break;
                            }
                        }
                        break;
                    case "exemplars":
                        foreach (var (ek, ev) in r.Fields(v, "config.ExemplarsConfig"))
                        {
                            switch (ek.Value)
                            {
                                case "max_exemplars": s.MaxExemplars = r.Long(ev, "int64"); break;
                                default: r.Unknown(ek, "config.ExemplarsConfig"); break;
                            }
                        }
                        break;
                    default: r.Unknown(k, "config.StorageConfig"); break;
                }
            }
            return s;
        }
    }
}
