using System.CommandLine;
using Ariane.Config;

namespace Ariane.Server.Cli;

/// <summary>The command tree: serve, check, and (later) the tools in the manner of promtool.</summary>
public static class CliApp
{
    /// <summary>Parses the command line and runs the chosen command; returns the exit code.</summary>
    public static Task<int> RunAsync(string[] args)
    {
        var root = new RootCommand("Ariane: one server for metrics scraping, storage and querying, compatible with Prometheus's formats and APIs.");
        root.Subcommands.Add(ServeCommand());
        root.Subcommands.Add(CheckCommand());
        root.Subcommands.Add(QueryCommand.Create());
        root.Subcommands.Add(BackupCommand.Backup());
        root.Subcommands.Add(BackupCommand.Restore());
        root.Subcommands.Add(TsdbCommand.Create());
        root.Subcommands.Add(MigrateCommand.Create());
        // The server handles SIGTERM/SIGINT itself (graceful stop, exit 0); System.CommandLine's own handler would
        // cut that short and exit 143.
        return root.Parse(args).InvokeAsync(new InvocationConfiguration { ProcessTerminationTimeout = null });
    }

    private static Command ServeCommand()
    {
        var defaults = new ServeOptions();
        var config = new Option<string>("--config.file") { Description = "Prometheus configuration file (prometheus.yml). Default: an embedded config that scrapes Ariane itself and this host." };
        var path = new Option<string>("--storage.tsdb.path") { Description = "Base path for metrics storage.", DefaultValueFactory = _ => defaults.StoragePath };
        var listen = new Option<string>("--web.listen-address") { Description = "Address to listen on for the UI, API and telemetry (loopback by default).", DefaultValueFactory = _ => defaults.ListenAddress };
        var lifecycle = new Option<bool>("--web.enable-lifecycle") { Description = "Enable shutdown and reload via HTTP request (POST /-/quit, /-/reload)." };
        var admin = new Option<bool>("--web.enable-admin-api") { Description = "Enable API endpoints for admin control actions." };
        var rw = new Option<bool>("--web.enable-remote-write-receiver") { Description = "Enable the remote write receiver at POST /api/v1/write." };
        var publicOk = new Option<bool>("--web.allow-unauthenticated-public") { Description = "Allow listening on a non-loopback address without authentication." };
        var level = new Option<string>("--log.level") { Description = "Only log messages with the given severity or above: debug, info, warn, error.", DefaultValueFactory = _ => defaults.LogLevel };
        level.AcceptOnlyFromAmong("debug", "info", "warn", "error");
        var format = new Option<string>("--log.format") { Description = "Output format of log messages: logfmt, json.", DefaultValueFactory = _ => defaults.LogFormat };
        format.AcceptOnlyFromAmong("logfmt", "json");
        var qTimeout = new Option<string>("--query.timeout") { Description = "Maximum time a query may take before being aborted.", DefaultValueFactory = _ => "2m" };
        var qLookback = new Option<string>("--query.lookback-delta") { Description = "How far back an instant selector looks for the latest sample.", DefaultValueFactory = _ => "5m" };
        var qMaxSamples = new Option<int>("--query.max-samples") { Description = "Maximum number of samples a single query can load into memory.", DefaultValueFactory = _ => defaults.QueryMaxSamples };
        var qConcurrency = new Option<int>("--query.max-concurrency") { Description = "Maximum number of queries executed concurrently.", DefaultValueFactory = _ => defaults.QueryMaxConcurrency };
        var retTime = new Option<string>("--storage.tsdb.retention.time") { Description = "How long to retain samples in storage. With neither this nor --storage.tsdb.retention.size set, 15d." };
        var retOld = new Option<string>("--storage.tsdb.retention") { Description = "[DEPRECATED] Use --storage.tsdb.retention.time." };
        var retSize = new Option<string>("--storage.tsdb.retention.size") { Description = "Maximum number of bytes of storage blocks and WAL (units: B, KB, MB, GB, TB, PB, EB). The oldest blocks go first. 0 means no limit." };
        var minBlock = new Option<string>("--storage.tsdb.min-block-duration") { Description = "Time range of the blocks cut from the head.", DefaultValueFactory = _ => "2h" };
        var maxBlock = new Option<string>("--storage.tsdb.max-block-duration") { Description = "Largest time range of a compacted block. Default: 10% of the retention time, at most 31d." };
        var maxFuture = new Option<string>("--storage.tsdb.max-future-time") { Description = "Refuse samples dated further than this ahead of the server's clock (as Prometheus's fixed 10m for scrapes and remote write).", DefaultValueFactory = _ => "10m" };
        var noLock = new Option<bool>("--storage.tsdb.no-lockfile") { Description = "Do not create or take the lock file in the data folder." };
        var sync = new Option<string>("--storage.tsdb.wal-sync-interval") { Description = "How often the write-ahead log is fsynced to disk (commits always reach the OS at once).", DefaultValueFactory = _ => "1s" };

        var cmd = new Command("serve", "Start the server. Takes Prometheus's flag names; Prometheus flags that do not apply yet are accepted and reported as ignored.")
        {
            config, path, listen, lifecycle, admin, rw, publicOk, level, format, retTime, retOld, retSize, minBlock, maxBlock, sync,
            maxFuture, noLock,
            qTimeout, qLookback, qMaxSamples, qConcurrency,
        };
        cmd.TreatUnmatchedTokensAsErrors = false;
        cmd.SetAction(async (pr, ct) =>
        {
            var (ignored, errors) = PrometheusFlags.Classify(pr.UnmatchedTokens);
            if (errors.Count > 0)
            {
                foreach (var e in errors)
                {
                    await Console.Error.WriteLineAsync("error: " + e).ConfigureAwait(false);
                }
                await Console.Error.WriteLineAsync("Run './ariane serve --help' for the flags.").ConfigureAwait(false);
                return 2;
            }
            var o = new ServeOptions
            {
                ConfigFile = pr.GetValue(config) ?? "",
                StoragePath = pr.GetValue(path)!,
                ListenAddress = pr.GetValue(listen)!,
                EnableLifecycle = pr.GetValue(lifecycle),
                EnableAdminApi = pr.GetValue(admin),
                EnableRemoteWriteReceiver = pr.GetValue(rw),
                AllowUnauthenticatedPublic = pr.GetValue(publicOk),
                LogLevel = pr.GetValue(level)!,
                LogFormat = pr.GetValue(format)!,
            };
            if (!PromDuration.TryParse(pr.GetValue(sync)!, out var syncInterval) || syncInterval <= TimeSpan.Zero)
            {
                await Console.Error.WriteLineAsync("error: invalid --storage.tsdb.wal-sync-interval").ConfigureAwait(false);
                return 2;
            }
            o.WalSyncInterval = syncInterval;
            if (!PromDuration.TryParse(pr.GetValue(maxFuture)!, out var maxFutureTime) || maxFutureTime < TimeSpan.Zero)
            {
                await Console.Error.WriteLineAsync($"error: invalid --storage.tsdb.max-future-time \"{pr.GetValue(maxFuture)}\" (want a duration such as 10m)").ConfigureAwait(false);
                return 2;
            }
            o.MaxFutureTime = maxFutureTime;
            o.NoLockfile = pr.GetValue(noLock);
            if (StorageFlags(o, pr.GetValue(retTime) ?? pr.GetValue(retOld), pr.GetValue(retSize), pr.GetValue(minBlock)!, pr.GetValue(maxBlock)) is { } storageError)
            {
                await Console.Error.WriteLineAsync("error: " + storageError).ConfigureAwait(false);
                return 2;
            }
            if (!PromDuration.TryParse(pr.GetValue(qTimeout)!, out var timeout) || timeout <= TimeSpan.Zero
                || !PromDuration.TryParse(pr.GetValue(qLookback)!, out var lookback) || lookback <= TimeSpan.Zero)
            {
                await Console.Error.WriteLineAsync("error: invalid --query.timeout or --query.lookback-delta duration").ConfigureAwait(false);
                return 2;
            }
            if (pr.GetValue(qMaxSamples) <= 0 || pr.GetValue(qConcurrency) <= 0)
            {
                await Console.Error.WriteLineAsync("error: --query.max-samples and --query.max-concurrency must be positive").ConfigureAwait(false);
                return 2;
            }
            o.QueryTimeout = timeout;
            o.QueryLookbackDelta = lookback;
            o.QueryMaxSamples = pr.GetValue(qMaxSamples);
            o.QueryMaxConcurrency = pr.GetValue(qConcurrency);
            o.IgnoredFlags.AddRange(ApplyFeatures(o, ignored));
            foreach (var opt in cmd.Options)
            {
                if (opt.Name.StartsWith("--", StringComparison.Ordinal))
                {
                    var r = pr.GetResult(opt);
                    object? v = r is not null ? r.GetValueOrDefault<object?>() : opt.HasDefaultValue ? opt.GetDefaultValue() : null;
                    o.AllFlags[opt.Name[2..]] = v switch
                    {
                        bool b => b ? "true" : "false",
                        null => "",
                        _ => v.ToString() ?? "",
                    };
                }
            }
            foreach (var (k, v) in ignored)
            {
                o.AllFlags[k[2..]] = v;
            }
            return await ServerHost.RunAsync(o).ConfigureAwait(false);
        });
        return cmd;
    }

    /// <summary>
    /// Acts on the <c>--enable-feature</c> values Ariane implements (<c>st-storage</c>; <c>use-start-timestamps</c>,
    /// always on here) and returns the flags still to report as ignored (other features among them).
    /// </summary>
    internal static List<KeyValuePair<string, string>> ApplyFeatures(ServeOptions o, List<KeyValuePair<string, string>> ignored)
    {
        var rest = new List<KeyValuePair<string, string>>();
        foreach (var (flag, value) in ignored)
        {
            if (flag != "--enable-feature")
            {
                rest.Add(new(flag, value));
                continue;
            }
            var unknown = new List<string>();
            foreach (string f in value.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
            {
                switch (f)
                {
                    case "st-storage":
                        o.StartTimestampStorage = true;
                        break;
                    case "use-start-timestamps":
                        break;
                    default:
                        unknown.Add(f);
                        break;
                }
            }
            if (unknown.Count > 0)
            {
                rest.Add(new(flag, string.Join(',', unknown)));
            }
        }
        return rest;
    }

    // Retention and block ranges as Prometheus reads them; returns an error message or null.
    private static string? StorageFlags(ServeOptions o, string? time, string? size, string minBlock, string? maxBlock)
    {
        o.RetentionSize = 0;
        if (!string.IsNullOrEmpty(size))
        {
            if (!ByteSize.TryParse(size, out long bytes) || bytes < 0)
            {
                return $"invalid --storage.tsdb.retention.size \"{size}\" (want a size such as 512MB or 100GB)";
            }
            o.RetentionSize = bytes;
        }
        o.RetentionTime = TimeSpan.Zero;
        if (!string.IsNullOrEmpty(time))
        {
            if (!PromDuration.TryParse(time, out var t) || t < TimeSpan.Zero)
            {
                return $"invalid --storage.tsdb.retention.time \"{time}\" (want a duration such as 15d)";
            }
            o.RetentionTime = t;
        }
        if (o.RetentionTime == TimeSpan.Zero && o.RetentionSize == 0)
        {
            // As Prometheus: with neither limit set (0 counts as unset), 15 days.
            o.RetentionTime = TimeSpan.FromDays(15);
        }
        if (!PromDuration.TryParse(minBlock, out var min) || min <= TimeSpan.Zero)
        {
            return $"invalid --storage.tsdb.min-block-duration \"{minBlock}\"";
        }
        o.MinBlockDuration = min;
        o.MaxBlockDuration = TimeSpan.Zero;
        if (!string.IsNullOrEmpty(maxBlock))
        {
            if (!PromDuration.TryParse(maxBlock, out var max) || max < min)
            {
                return $"invalid --storage.tsdb.max-block-duration \"{maxBlock}\" (must be a duration at least --storage.tsdb.min-block-duration)";
            }
            o.MaxBlockDuration = max;
        }
        return null;
    }

    private static Command CheckCommand()
    {
        var check = new Command("check", "Check the validity of configuration files, as promtool check does.");
        var file = new Argument<string[]>("file") { Description = "prometheus.yml files to check.", Arity = ArgumentArity.OneOrMore };
        var cfg = new Command("config", "Check that configuration files are valid; exit 1 on any error.") { file };
        cfg.SetAction(pr =>
        {
            int rc = 0;
            foreach (var f in pr.GetValue(file)!)
            {
                var result = ConfigChecker.Check(f);
                (result.Success ? Console.Out : Console.Error).WriteLine(result.Summary());
                if (!result.Success)
                {
                    rc = 1;
                }
            }
            return rc;
        });
        check.Subcommands.Add(cfg);
        return check;
    }
}
