namespace Ariane.Server.Cli;

/// <summary>The settings of <c>ariane serve</c>, named after Prometheus's flags. Defaults live here.</summary>
public sealed class ServeOptions
{
    /// <summary><c>--config.file</c>: a prometheus.yml; empty means the embedded default config.</summary>
    public string ConfigFile { get; set; } = "";

    /// <summary><c>--storage.tsdb.path</c>.</summary>
    public string StoragePath { get; set; } = "./data";

    /// <summary><c>--web.listen-address</c>: loopback by default, so nothing is exposed unless asked.</summary>
    public string ListenAddress { get; set; } = "127.0.0.1:9095";

    /// <summary><c>--web.enable-lifecycle</c>: allow POST /-/reload and /-/quit.</summary>
    public bool EnableLifecycle { get; set; }

    /// <summary><c>--web.enable-admin-api</c>.</summary>
    public bool EnableAdminApi { get; set; }

    /// <summary><c>--web.enable-remote-write-receiver</c>: accept POST /api/v1/write.</summary>
    public bool EnableRemoteWriteReceiver { get; set; }

    /// <summary>
    /// The receiver's bounds on one request (<c>--web.remote-write-receiver.max-*</c>, see <see cref="RemoteWriteFlags"/>);
    /// the defaults are in <see cref="Ariane.Remote.RemoteWriteLimits"/>.
    /// </summary>
    public Ariane.Remote.RemoteWriteLimits RemoteWrite { get; set; } = Ariane.Remote.RemoteWriteLimits.Default;

    /// <summary><c>--web.allow-unauthenticated-public</c>: Ariane's own escape hatch to listen beyond loopback without authentication.</summary>
    public bool AllowUnauthenticatedPublic { get; set; }

    /// <summary>
    /// <c>--web.config.file</c>: the exporter-toolkit web configuration (TLS, basic auth, headers); empty means plain
    /// HTTP without authentication.
    /// </summary>
    public string WebConfigFile { get; set; } = "";

    /// <summary><c>--log.level</c>: debug, info, warn or error.</summary>
    public string LogLevel { get; set; } = "info";

    /// <summary><c>--log.format</c>: logfmt or json.</summary>
    public string LogFormat { get; set; } = "logfmt";

    /// <summary><c>--storage.tsdb.wal-sync-interval</c>: how often the WAL is fsynced (commits always reach the OS at once).</summary>
    public TimeSpan WalSyncInterval { get; set; } = TimeSpan.FromSeconds(1);

    /// <summary><c>--storage.tsdb.retention.time</c> (or the deprecated <c>--storage.tsdb.retention</c>); zero keeps blocks forever.</summary>
    public TimeSpan RetentionTime { get; set; } = TimeSpan.FromDays(15);

    /// <summary><c>--storage.tsdb.retention.size</c> in bytes; zero means no limit.</summary>
    public long RetentionSize { get; set; }

    /// <summary><c>--storage.tsdb.min-block-duration</c>: the range of a block cut from the head.</summary>
    public TimeSpan MinBlockDuration { get; set; } = TimeSpan.FromHours(2);

    /// <summary><c>--storage.tsdb.max-block-duration</c>; zero means 10% of the retention time, at most 31 days.</summary>
    public TimeSpan MaxBlockDuration { get; set; }

    /// <summary><c>--storage.tsdb.max-future-time</c>: how far ahead of the clock a sample may be (Ariane's own flag).</summary>
    public TimeSpan MaxFutureTime { get; set; } = Ariane.Tsdb.TsdbOptions.DefaultMaxFutureTime;

    /// <summary><c>--storage.tsdb.no-lockfile</c>: do not take the data folder's <c>lock</c> file.</summary>
    public bool NoLockfile { get; set; }

    /// <summary><c>--query.timeout</c>: the longest a query may run.</summary>
    public TimeSpan QueryTimeout { get; set; } = TimeSpan.FromMinutes(2);

    /// <summary><c>--query.lookback-delta</c>: how far back an instant selector looks for a sample.</summary>
    public TimeSpan QueryLookbackDelta { get; set; } = TimeSpan.FromMinutes(5);

    /// <summary><c>--query.max-samples</c>: the most samples one query may hold.</summary>
    public int QueryMaxSamples { get; set; } = 50_000_000;

    /// <summary><c>--query.max-concurrency</c>: queries evaluated at once; more wait in a queue.</summary>
    public int QueryMaxConcurrency { get; set; } = 20;

    /// <summary><c>--storage.remote.read-sample-limit</c>: the most samples one SAMPLES remote-read answer may hold (0: no limit).</summary>
    public long RemoteReadSampleLimit { get; set; } = 50_000_000;

    /// <summary><c>--storage.remote.read-concurrent-limit</c>: remote-read requests served at once (0: no limit).</summary>
    public int RemoteReadConcurrentLimit { get; set; } = 10;

    /// <summary><c>--storage.remote.read-max-bytes-in-frame</c>: the size a streamed remote-read frame is cut at.</summary>
    public int RemoteReadMaxBytesInFrame { get; set; } = 1_048_576;

    /// <summary>Prometheus flags that were given but do not apply yet, as name → value.</summary>
    public List<KeyValuePair<string, string>> IgnoredFlags { get; } = [];

    /// <summary>
    /// <c>--enable-feature=st-storage</c>: scrapes take OpenMetrics <c>_created</c> samples as their series' start
    /// timestamps (kept per sample, used by rate, increase, irate, resets and start_timestamp) instead of storing them
    /// as series.
    /// </summary>
    public bool StartTimestampStorage { get; set; }

    /// <summary>Every flag and its effective value, for /api/v1/status/flags.</summary>
    public SortedDictionary<string, string> AllFlags { get; } = new(StringComparer.Ordinal);
}
