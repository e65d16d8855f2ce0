using Ariane.Model;
using Ariane.Relabel;

namespace Ariane.Config;

/// <summary>A loaded <c>prometheus.yml</c>: every section Ariane acts on, plus the original text.</summary>
public sealed class PrometheusConfig
{
    /// <summary>The <c>global</c> section, with Prometheus's defaults filled in.</summary>
    public GlobalConfig Global { get; set; } = new();

    /// <summary>The scrape jobs, in file order, with global defaults inherited.</summary>
    public List<ScrapeConfig> ScrapeConfigs { get; set; } = [];

    /// <summary>Rule file paths or globs, resolved against the config file's folder.</summary>
    public List<string> RuleFiles { get; set; } = [];

    /// <summary>Paths or globs of <c>scrape_config_files</c>; their jobs are loaded into <see cref="ScrapeConfigs"/>.</summary>
    public List<string> ScrapeConfigFiles { get; set; } = [];

    /// <summary>The <c>alerting</c> section, when present.</summary>
    public AlertingConfig? Alerting { get; set; }

    /// <summary>The <c>remote_write</c> endpoints.</summary>
    public List<RemoteWriteConfig> RemoteWrite { get; set; } = [];

    /// <summary>The <c>remote_read</c> endpoints.</summary>
    public List<RemoteReadConfig> RemoteRead { get; set; } = [];

    /// <summary>The <c>storage</c> section, when present.</summary>
    public StorageConfig? Storage { get; set; }

    /// <summary>Other known top-level sections (<c>runtime</c>, <c>tracing</c>, <c>otlp</c>), kept as plain values.</summary>
    public Dictionary<string, object?> Other { get; set; } = new(StringComparer.Ordinal);

    /// <summary>The original YAML text, served by <c>/api/v1/status/config</c>.</summary>
    public string Source { get; set; } = string.Empty;

    /// <summary>
    /// The YAML with secrets (passwords, credentials, tokens, keys) replaced by <c>&lt;secret&gt;</c>, as Prometheus
    /// shows them; this, not <see cref="Source"/>, is what the status API and UI may serve.
    /// </summary>
    public string RedactedSource { get; set; } = string.Empty;

    /// <summary>The file the config came from, or null for an embedded or in-memory config.</summary>
    public string? FilePath { get; set; }

    /// <summary>Names of <c>*_sd_configs</c> that were accepted but are not implemented, with their job, for start-up warnings.</summary>
    public List<string> UnsupportedDiscovery { get; set; } = [];
}

/// <summary>The <c>global</c> section: defaults for every scrape job and rule group.</summary>
public sealed class GlobalConfig
{
    /// <summary>Prometheus's default scrape interval.</summary>
    public static readonly TimeSpan DefaultScrapeInterval = TimeSpan.FromMinutes(1);

    /// <summary>Prometheus's default scrape timeout.</summary>
    public static readonly TimeSpan DefaultScrapeTimeout = TimeSpan.FromSeconds(10);

    /// <summary>Prometheus's default rule evaluation interval.</summary>
    public static readonly TimeSpan DefaultEvaluationInterval = TimeSpan.FromMinutes(1);

    /// <summary>How often targets are scraped by default.</summary>
    public TimeSpan ScrapeInterval { get; set; } = DefaultScrapeInterval;

    /// <summary>How long a scrape may take by default (never more than the interval).</summary>
    public TimeSpan ScrapeTimeout { get; set; } = DefaultScrapeTimeout;

    /// <summary>How often rule groups are evaluated by default.</summary>
    public TimeSpan EvaluationInterval { get; set; } = DefaultEvaluationInterval;

    /// <summary>How far back rule evaluation is shifted by default.</summary>
    public TimeSpan RuleQueryOffset { get; set; }

    /// <summary>Labels added to series and alerts leaving this server (federation, remote write, Alertmanager).</summary>
    public Labels ExternalLabels { get; set; } = Labels.Empty;

    /// <summary>The file where queries are logged, or null.</summary>
    public string? QueryLogFile { get; set; }

    /// <summary>The file where scrape failures are logged, or null.</summary>
    public string? ScrapeFailureLogFile { get; set; }

    /// <summary>Default scrape body size limit in bytes (0 = <see cref="ScrapeConfig.DefaultBodySizeLimit"/>).</summary>
    public long BodySizeLimit { get; set; }

    /// <summary>Default per-scrape sample limit (0 = none).</summary>
    public int SampleLimit { get; set; }

    /// <summary>Default per-job target limit (0 = none).</summary>
    public int TargetLimit { get; set; }

    /// <summary>Default per-sample label count limit (0 = none).</summary>
    public int LabelLimit { get; set; }

    /// <summary>Default label name length limit (0 = none).</summary>
    public int LabelNameLengthLimit { get; set; }

    /// <summary>Default label value length limit (0 = none).</summary>
    public int LabelValueLengthLimit { get; set; }

    /// <summary>Default limit on dropped targets kept for the targets page (0 = none).</summary>
    public int KeepDroppedTargets { get; set; }

    /// <summary>Default scrape protocols in order of preference, or empty for Prometheus's default.</summary>
    public List<string> ScrapeProtocols { get; set; } = [];

    /// <summary>Default metric name validation scheme (<c>utf8</c> or <c>legacy</c>), or empty.</summary>
    public string MetricNameValidationScheme { get; set; } = string.Empty;

    /// <summary>Other known global fields, kept as plain values.</summary>
    public Dictionary<string, object?> Other { get; set; } = new(StringComparer.Ordinal);
}

/// <summary>One scrape job (<c>scrape_configs</c> entry): how and where to scrape, and how to relabel.</summary>
public sealed class ScrapeConfig
{
    /// <summary>The job name, the default <c>job</c> label; unique in the file.</summary>
    public string JobName { get; set; } = string.Empty;

    /// <summary>Scrape interval (inherits <see cref="GlobalConfig.ScrapeInterval"/>).</summary>
    public TimeSpan ScrapeInterval { get; set; }

    /// <summary>Scrape timeout (inherits the global one, capped at the interval when unset).</summary>
    public TimeSpan ScrapeTimeout { get; set; }

    /// <summary>The HTTP path to scrape.</summary>
    public string MetricsPath { get; set; } = "/metrics";

    /// <summary>The URL scheme, <c>http</c> or <c>https</c>.</summary>
    public string Scheme { get; set; } = "http";

    /// <summary>URL query parameters sent with each scrape.</summary>
    public Dictionary<string, List<string>> Params { get; set; } = new(StringComparer.Ordinal);

    /// <summary>When true, labels from the scraped data win over target labels.</summary>
    public bool HonorLabels { get; set; }

    /// <summary>When true (default), timestamps in the scraped data are kept.</summary>
    public bool HonorTimestamps { get; set; } = true;

    /// <summary>When true, explicit timestamps also get staleness markers.</summary>
    public bool TrackTimestampsStaleness { get; set; }

    /// <summary>Targets listed in the file.</summary>
    public List<StaticConfig> StaticConfigs { get; set; } = [];

    /// <summary>File-based discovery.</summary>
    public List<FileSdConfig> FileSdConfigs { get; set; } = [];

    /// <summary>Relabelling applied to discovered targets.</summary>
    public List<RelabelConfig> RelabelConfigs { get; set; } = [];

    /// <summary>Relabelling applied to scraped samples before they are stored.</summary>
    public List<RelabelConfig> MetricRelabelConfigs { get; set; } = [];

    /// <summary>Per-scrape sample limit (0 = none; inherits global).</summary>
    public int SampleLimit { get; set; }

    /// <summary>Target limit for the job (0 = none; inherits global).</summary>
    public int TargetLimit { get; set; }

    /// <summary>Label count limit per sample (0 = none; inherits global).</summary>
    public int LabelLimit { get; set; }

    /// <summary>Label name length limit (0 = none; inherits global).</summary>
    public int LabelNameLengthLimit { get; set; }

    /// <summary>Label value length limit (0 = none; inherits global).</summary>
    public int LabelValueLengthLimit { get; set; }

    /// <summary>
    /// Uncompressed body size limit in bytes as configured (inherits global); 0 (unset) means
    /// <see cref="DefaultBodySizeLimit"/>: see <see cref="EffectiveBodySizeLimit"/>.
    /// </summary>
    public long BodySizeLimit { get; set; }

    /// <summary>
    /// The limit when none is configured: 100 MiB of decompressed body. Prometheus has no default (0 is unlimited), but
    /// a scrape body is held whole while it is parsed, so an endless or gzip-bomb body would take the server's memory
    /// (it grew to 1 GiB per target and failed then). 100 MiB is several times the largest exporters in common use
    /// (a big cluster's kube-state-metrics serves tens of MiB) and bounds one hostile target to about 128 MiB of buffer;
    /// a job that needs more sets <c>body_size_limit</c> higher.
    /// </summary>
    public const long DefaultBodySizeLimit = 100L << 20;

    /// <summary>The body size limit a scrape applies: the configured one, or <see cref="DefaultBodySizeLimit"/> for 0.</summary>
    public long EffectiveBodySizeLimit => BodySizeLimit > 0 ? BodySizeLimit : DefaultBodySizeLimit;

    /// <summary>How many dropped targets to keep for the targets page (0 = all; inherits global).</summary>
    public int KeepDroppedTargets { get; set; }

    /// <summary>Whether to ask targets for gzip (default true).</summary>
    public bool EnableCompression { get; set; } = true;

    /// <summary>Scrape protocols in order of preference (inherits global; empty = Prometheus's default).</summary>
    public List<string> ScrapeProtocols { get; set; } = [];

    /// <summary>Protocol used when the target's content type is missing or unknown, or empty.</summary>
    public string FallbackScrapeProtocol { get; set; } = string.Empty;

    /// <summary>HTTP client settings: authentication, TLS, proxy.</summary>
    public HttpClientConfig HttpClient { get; set; } = new();

    /// <summary>Basic authentication, when set.</summary>
    public BasicAuth? BasicAuth => HttpClient.BasicAuth;

    /// <summary>The Authorization header, when set (a legacy <c>bearer_token</c> is turned into one).</summary>
    public Authorization? Authorization => HttpClient.Authorization;

    /// <summary>TLS settings, when set.</summary>
    public TlsConfig? TlsConfig => HttpClient.TlsConfig;

    /// <summary>The legacy <c>bearer_token</c>, as written.</summary>
    public string? BearerToken => HttpClient.BearerToken;

    /// <summary>Discovery mechanisms Ariane does not implement, by field name (<c>kubernetes_sd_configs</c>), kept raw.</summary>
    public Dictionary<string, object?> OtherDiscovery { get; set; } = new(StringComparer.Ordinal);

    /// <summary>Names of unimplemented discovery mechanisms used by this job.</summary>
    public List<string> UnsupportedDiscovery { get; set; } = [];

    /// <summary>Other known scrape fields Ariane accepts without acting on them, kept as plain values.</summary>
    public Dictionary<string, object?> Other { get; set; } = new(StringComparer.Ordinal);
}

/// <summary>One <c>static_configs</c> entry (or file_sd group): target addresses and labels shared by them.</summary>
public sealed class StaticConfig
{
    /// <summary>Target addresses (<c>host:port</c>), each becoming <c>__address__</c>.</summary>
    public List<string> Targets { get; set; } = [];

    /// <summary>Labels given to every target of the group.</summary>
    public Labels Labels { get; set; } = Labels.Empty;
}

/// <summary>One <c>file_sd_configs</c> entry: files (globs in the last path element) holding target groups.</summary>
public sealed class FileSdConfig
{
    /// <summary>Prometheus's default refresh interval for file discovery.</summary>
    public static readonly TimeSpan DefaultRefreshInterval = TimeSpan.FromMinutes(5);

    /// <summary>File paths or globs, resolved against the config file's folder.</summary>
    public List<string> Files { get; set; } = [];

    /// <summary>How often files are re-read even without a change notification.</summary>
    public TimeSpan RefreshInterval { get; set; } = DefaultRefreshInterval;
}

/// <summary>HTTP client settings shared by scrape jobs, Alertmanagers and remote endpoints.</summary>
public sealed class HttpClientConfig
{
    /// <summary>Basic authentication, when set.</summary>
    public BasicAuth? BasicAuth { get; set; }

    /// <summary>The Authorization header, when set.</summary>
    public Authorization? Authorization { get; set; }

    /// <summary>TLS settings, when set.</summary>
    public TlsConfig? TlsConfig { get; set; }

    /// <summary>The legacy bearer token, as written.</summary>
    public string? BearerToken { get; set; }

    /// <summary>The legacy bearer token file, resolved.</summary>
    public string? BearerTokenFile { get; set; }

    /// <summary>An HTTP proxy URL, or null.</summary>
    public string? ProxyUrl { get; set; }

    /// <summary>Whether redirects are followed (default true).</summary>
    public bool FollowRedirects { get; set; } = true;

    /// <summary>Whether HTTP/2 may be used (default true).</summary>
    public bool EnableHttp2 { get; set; } = true;

    /// <summary>Other HTTP client fields (oauth2, http_headers, no_proxy...), kept as plain values.</summary>
    public Dictionary<string, object?> Other { get; set; } = new(StringComparer.Ordinal);
}

/// <summary>HTTP basic authentication credentials.</summary>
public sealed class BasicAuth
{
    /// <summary>The user name.</summary>
    public string Username { get; set; } = string.Empty;

    /// <summary>The password, when given inline.</summary>
    public string? Password { get; set; }

    /// <summary>A file holding the password, resolved against the config folder.</summary>
    public string? PasswordFile { get; set; }
}

/// <summary>An Authorization header: a type and credentials, inline or from a file.</summary>
public sealed class Authorization
{
    /// <summary>The scheme, <c>Bearer</c> by default.</summary>
    public string Type { get; set; } = "Bearer";

    /// <summary>The credentials, when given inline.</summary>
    public string? Credentials { get; set; }

    /// <summary>A file holding the credentials, resolved against the config folder.</summary>
    public string? CredentialsFile { get; set; }
}

/// <summary>TLS client settings.</summary>
public sealed class TlsConfig
{
    /// <summary>CA certificate file for verifying the server.</summary>
    public string? CaFile { get; set; }

    /// <summary>Client certificate file.</summary>
    public string? CertFile { get; set; }

    /// <summary>Client key file.</summary>
    public string? KeyFile { get; set; }

    /// <summary>Server name for SNI and verification.</summary>
    public string? ServerName { get; set; }

    /// <summary>Skips server certificate verification.</summary>
    public bool InsecureSkipVerify { get; set; }

    /// <summary>Minimum TLS version (<c>TLS12</c>, <c>TLS13</c>...), or null.</summary>
    public string? MinVersion { get; set; }

    /// <summary>Maximum TLS version, or null.</summary>
    public string? MaxVersion { get; set; }

    /// <summary>Inline CA/cert/key contents, when given instead of files.</summary>
    public Dictionary<string, string> Inline { get; set; } = new(StringComparer.Ordinal);
}

/// <summary>The <c>alerting</c> section: alert relabelling and the Alertmanagers to notify.</summary>
public sealed class AlertingConfig
{
    /// <summary>Relabelling applied to alerts before they are sent.</summary>
    public List<RelabelConfig> AlertRelabelConfigs { get; set; } = [];

    /// <summary>The Alertmanagers.</summary>
    public List<AlertmanagerConfig> Alertmanagers { get; set; } = [];
}

/// <summary>One <c>alertmanagers</c> entry: where to send alerts and how.</summary>
public sealed class AlertmanagerConfig
{
    /// <summary>The URL scheme.</summary>
    public string Scheme { get; set; } = "http";

    /// <summary>A path prefix before <c>/api/v2/alerts</c>.</summary>
    public string PathPrefix { get; set; } = string.Empty;

    /// <summary>Timeout for sending alerts.</summary>
    public TimeSpan Timeout { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>The Alertmanager API version (<c>v2</c>).</summary>
    public string ApiVersion { get; set; } = "v2";

    /// <summary>Alertmanager addresses listed in the file.</summary>
    public List<StaticConfig> StaticConfigs { get; set; } = [];

    /// <summary>File-based discovery of Alertmanagers.</summary>
    public List<FileSdConfig> FileSdConfigs { get; set; } = [];

    /// <summary>Relabelling of discovered Alertmanagers.</summary>
    public List<RelabelConfig> RelabelConfigs { get; set; } = [];

    /// <summary>Relabelling of alerts sent to this Alertmanager.</summary>
    public List<RelabelConfig> AlertRelabelConfigs { get; set; } = [];

    /// <summary>HTTP client settings.</summary>
    public HttpClientConfig HttpClient { get; set; } = new();

    /// <summary>Other discovery mechanisms and fields, kept raw.</summary>
    public Dictionary<string, object?> Other { get; set; } = new(StringComparer.Ordinal);
}

/// <summary>One <c>remote_write</c> endpoint.</summary>
public sealed class RemoteWriteConfig
{
    /// <summary>The endpoint URL.</summary>
    public string Url { get; set; } = string.Empty;

    /// <summary>An optional unique name.</summary>
    public string Name { get; set; } = string.Empty;

    /// <summary>Timeout per request.</summary>
    public TimeSpan RemoteTimeout { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>Extra HTTP headers.</summary>
    public Dictionary<string, string> Headers { get; set; } = new(StringComparer.Ordinal);

    /// <summary>Relabelling applied to series before they are sent.</summary>
    public List<RelabelConfig> WriteRelabelConfigs { get; set; } = [];

    /// <summary>Whether exemplars are sent.</summary>
    public bool SendExemplars { get; set; }

    /// <summary>Whether native histograms are sent.</summary>
    public bool SendNativeHistograms { get; set; }

    /// <summary>The protobuf message (<c>prometheus.WriteRequest</c> for 1.0).</summary>
    public string ProtobufMessage { get; set; } = "prometheus.WriteRequest";

    /// <summary>HTTP client settings.</summary>
    public HttpClientConfig HttpClient { get; set; } = new();

    /// <summary>Other fields (queue_config, metadata_config, sigv4...), kept as plain values.</summary>
    public Dictionary<string, object?> Other { get; set; } = new(StringComparer.Ordinal);
}

/// <summary>One <c>remote_read</c> endpoint.</summary>
public sealed class RemoteReadConfig
{
    /// <summary>The endpoint URL.</summary>
    public string Url { get; set; } = string.Empty;

    /// <summary>An optional unique name.</summary>
    public string Name { get; set; } = string.Empty;

    /// <summary>Timeout per request.</summary>
    public TimeSpan RemoteTimeout { get; set; } = TimeSpan.FromMinutes(1);

    /// <summary>Extra HTTP headers.</summary>
    public Dictionary<string, string> Headers { get; set; } = new(StringComparer.Ordinal);

    /// <summary>Equality matchers a query must contain for this endpoint to be asked.</summary>
    public Dictionary<string, string> RequiredMatchers { get; set; } = new(StringComparer.Ordinal);

    /// <summary>Whether to read ranges that local storage should have complete data for.</summary>
    public bool ReadRecent { get; set; }

    /// <summary>Whether external labels are added as matchers (default true).</summary>
    public bool FilterExternalLabels { get; set; } = true;

    /// <summary>HTTP client settings.</summary>
    public HttpClientConfig HttpClient { get; set; } = new();
}

/// <summary>The <c>storage</c> section.</summary>
public sealed class StorageConfig
{
    /// <summary>How far out of order samples are accepted (<c>tsdb.out_of_order_time_window</c>).</summary>
    public TimeSpan OutOfOrderTimeWindow { get; set; }

    /// <summary>Maximum exemplars kept in memory (<c>exemplars.max_exemplars</c>), or null.</summary>
    public long? MaxExemplars { get; set; }
}
