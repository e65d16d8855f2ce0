using System.CommandLine;
using Ariane.Config;
using Ariane.Rules;

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
        RejectFlagsAsArguments(root);
        if (args.Length > 1 && args[0] == "serve" && Array.Exists(args, a => a is "-h" or "--help" or "-?"))
        {
            return ServeHelpAsync(root, args);
        }
        // The server handles SIGTERM/SIGINT itself (graceful stop, exit 0); System.CommandLine's own handler would
        // cut that short and exit 143.
        return root.Parse(args).InvokeAsync(new InvocationConfiguration { ProcessTerminationTimeout = null });
    }

    // serve --help: System.CommandLine's help without the lines it adds for a command that takes unmatched tokens
    // (serve takes them to sort Prometheus's flags itself), followed by the Prometheus flags accepted and ignored.
    private static async Task<int> ServeHelpAsync(RootCommand root, string[] args)
    {
        var help = new StringWriter();
        int rc = await root.Parse(args).InvokeAsync(new InvocationConfiguration { Output = help, ProcessTerminationTimeout = null }).ConfigureAwait(false);
        var sb = new System.Text.StringBuilder();
        var lines = help.ToString().Replace("\r\n", "\n", StringComparison.Ordinal).Split('\n');
        for (int i = 0; i < lines.Length; i++)
        {
            string line = lines[i];
            if (line.StartsWith("Additional Arguments:", StringComparison.Ordinal))
            {
                // The heading, its one line of text and the blank line after it.
                while (i + 1 < lines.Length && lines[i + 1].Length > 0)
                {
                    i++;
                }
                i++;
                continue;
            }
            sb.Append(line.Replace(" [[--] <additional arguments>...]]", "", StringComparison.Ordinal)).Append('\n');
        }
        string text = sb.ToString().TrimEnd('\n') + "\n\n";
        var flags = new List<string>();
        foreach (string f in PrometheusFlags.WithValue)
        {
            flags.Add(f + " <value>");
        }
        foreach (string f in PrometheusFlags.Booleans)
        {
            if (!PrometheusFlags.WithValue.Contains(f))
            {
                flags.Add(f);
            }
        }
        flags.Sort(StringComparer.Ordinal);
        var outText = new System.Text.StringBuilder(text);
        // Accepted so that a Prometheus command line starts Ariane.
        outText.Append("Accepted Prometheus flags (not applied yet, each one given is logged as ignored; --enable-feature=st-storage applies):\n");
        foreach (string f in flags)
        {
            outText.Append("  ").Append(f).Append('\n');
        }
        await Console.Out.WriteAsync(outText.ToString()).ConfigureAwait(false);
        return rc;
    }

    /// <summary>
    /// System.CommandLine hands a token it does not know as an option (<c>--bogus</c>) to a free argument, so
    /// <c>check config --bogus</c> would look for a file named "--bogus". Every argument of the tree refuses such
    /// tokens as unknown flags; a PromQL expression may still start with a minus (<c>-up</c>, <c>-1</c>).
    /// </summary>
    internal static void RejectFlagsAsArguments(Command command)
    {
        foreach (var arg in command.Arguments)
        {
            bool expression = arg.Name == "expr";
            arg.Validators.Add(result =>
            {
                foreach (var token in result.Tokens)
                {
                    string v = token.Value;
                    bool flag = v.Length > 1 && v[0] == '-' && (!expression || (v.Length > 2 && v[1] == '-' && char.IsAsciiLetter(v[2])));
                    if (flag)
                    {
                        int eq = v.IndexOf('=', StringComparison.Ordinal);
                        result.AddError($"unknown flag {(eq > 0 ? v[..eq] : v)}");
                    }
                }
            });
        }
        foreach (var sub in command.Subcommands)
        {
            RejectFlagsAsArguments(sub);
        }
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
        var webConfig = new Option<string>("--web.config.file") { Description = "[EXPERIMENTAL] Path to a configuration file that can enable TLS or authentication (Prometheus's web configuration format)." };
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
        var rrSamples = new Option<long>("--storage.remote.read-sample-limit") { Description = "Maximum overall number of samples to return via the remote read interface, in a single query. 0 means no limit. Ignored for streamed responses.", DefaultValueFactory = _ => defaults.RemoteReadSampleLimit };
        var rrConcurrent = new Option<int>("--storage.remote.read-concurrent-limit") { Description = "Maximum number of concurrent remote read calls. 0 means no limit.", DefaultValueFactory = _ => defaults.RemoteReadConcurrentLimit };
        var rrFrame = new Option<int>("--storage.remote.read-max-bytes-in-frame") { Description = "Maximum number of bytes in a single frame for streaming remote read response types before marshalling.", DefaultValueFactory = _ => defaults.RemoteReadMaxBytesInFrame };
        var maxFuture = new Option<string>("--storage.tsdb.max-future-time") { Description = "Refuse samples dated further than this ahead of the server's clock (as Prometheus's fixed 10m for scrapes and remote write).", DefaultValueFactory = _ => "10m" };
        var noLock = new Option<bool>("--storage.tsdb.no-lockfile") { Description = "Do not create or take the lock file in the data folder." };
        var sync = new Option<string>("--storage.tsdb.wal-sync-interval") { Description = "How often the write-ahead log is fsynced to disk (commits always reach the OS at once).", DefaultValueFactory = _ => "1s" };

        var cmd = new Command("serve", "Start the server. Takes Prometheus's flag names; Prometheus flags that do not apply yet are accepted and reported as ignored.")
        {
            config, path, listen, lifecycle, admin, rw, publicOk, webConfig, level, format, retTime, retOld, retSize, minBlock, maxBlock, sync,
            maxFuture, noLock,
            qTimeout, qLookback, qMaxSamples, qConcurrency, rrSamples, rrConcurrent, rrFrame,
        };
        var rwFlags = new RemoteWriteFlags();
        rwFlags.AddTo(cmd);
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
                WebConfigFile = pr.GetValue(webConfig) ?? "",
                LogLevel = pr.GetValue(level)!,
                LogFormat = pr.GetValue(format)!,
            };
            if (!PromDuration.TryParse(pr.GetValue(sync)!, out var syncInterval) || syncInterval <= TimeSpan.Zero)
            {
                await Console.Error.WriteLineAsync("error: invalid --storage.tsdb.wal-sync-interval").ConfigureAwait(false);
                return 2;
            }
            o.WalSyncInterval = syncInterval;
            if (rwFlags.Apply(pr, o) is { } rwError)
            {
                await Console.Error.WriteLineAsync("error: " + rwError).ConfigureAwait(false);
                return 2;
            }
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
            if (pr.GetValue(rrSamples) < 0 || pr.GetValue(rrConcurrent) < 0 || pr.GetValue(rrFrame) <= 0)
            {
                await Console.Error.WriteLineAsync("error: --storage.remote.read-sample-limit and --storage.remote.read-concurrent-limit must not be negative, --storage.remote.read-max-bytes-in-frame must be positive").ConfigureAwait(false);
                return 2;
            }
            o.RemoteReadSampleLimit = pr.GetValue(rrSamples);
            o.RemoteReadConcurrentLimit = pr.GetValue(rrConcurrent);
            o.RemoteReadMaxBytesInFrame = pr.GetValue(rrFrame);
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
        var check = new Command("check", "Check the validity of configuration and rule files, as promtool check does.");
        Option<string> LintOption() => new Option<string>("--lint")
        {
            Description = "Lint checks of rule files: duplicate-rules, all or none.",
            DefaultValueFactory = _ => "duplicate-rules",
        }.AcceptOnlyFromAmong("duplicate-rules", "all", "none");
        Option<bool> LintFatalOption() => new("--lint-fatal") { Description = "Make lint findings exit with code 3." };

        var file = new Argument<string[]>("file") { Description = "prometheus.yml files to check.", Arity = ArgumentArity.OneOrMore };
        var cfgLint = LintOption();
        var cfgLintFatal = LintFatalOption();
        var cfg = new Command("config", "Check that configuration files, and the rule files they name, are valid; exit 1 on any error.") { file, cfgLint, cfgLintFatal };
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
                    continue;
                }
                // As promtool: the rule files of a valid config are checked next, each with its own report.
                bool legacy = result.Config!.Global.MetricNameValidationScheme == "legacy";
                // Named as promtool names them: joined to the configuration's path as given, so relative to here
                // when that path was relative.
                var shown = new List<string>();
                foreach (string rf in result.RuleFiles)
                {
                    shown.Add(Path.IsPathRooted(f) ? rf : Path.GetRelativePath(Environment.CurrentDirectory, rf));
                }
                rc = Worse(rc, CheckRuleFiles(shown, pr.GetValue(cfgLint) != "none", pr.GetValue(cfgLintFatal), legacy));
            }
            return rc;
        });
        check.Subcommands.Add(cfg);

        var ruleFiles = new Argument<string[]>("rule-files") { Description = "Rule files to check.", Arity = ArgumentArity.OneOrMore };
        var lint = LintOption();
        var lintFatal = LintFatalOption();
        var scheme = new Option<string>("--metric-name-validation-scheme")
        {
            Description = "How record, label and annotation names are checked: utf8 (any UTF-8 name, as Prometheus 3) or legacy ([a-zA-Z_:][a-zA-Z0-9_:]*, as Prometheus 2).",
            DefaultValueFactory = _ => "utf8",
        }.AcceptOnlyFromAmong("utf8", "legacy");
        var rules = new Command("rules", "Check that rule files are valid (structure, names, labels, PromQL expressions); exit 1 on any error.") { ruleFiles, lint, lintFatal, scheme };
        rules.SetAction(pr => CheckRuleFiles(pr.GetValue(ruleFiles)!, pr.GetValue(lint) != "none", pr.GetValue(lintFatal), pr.GetValue(scheme) == "legacy"));
        check.Subcommands.Add(rules);
        check.Subcommands.Add(CheckWebConfigCommand());
        return check;
    }

    // Failure (1) outranks a fatal lint finding (3), which outranks success.
    private static int Worse(int a, int b) => a == 1 || b == 1 ? 1 : Math.Max(a, b);

    // promtool check rules: "Checking <file>", then "  SUCCESS: N rules found" or "  FAILED:" and the errors; exit 1
    // when a file is invalid, 3 with --lint-fatal when one has lint findings, else 0.
    private static int CheckRuleFiles(IEnumerable<string> files, bool lint, bool lintFatal, bool legacyNames)
    {
        int rc = 0;
        foreach (string f in files)
        {
            var result = RuleFileLoader.LoadFile(f, legacyNames);
            var (stdout, stderr) = result.Report(f, lint);
            Console.Out.Write(stdout);
            Console.Out.Flush();
            Console.Error.Write(stderr);
            rc = Worse(rc, !result.Success ? 1 : lintFatal && stderr.Length > 0 ? 3 : 0);
        }
        return rc;
    }

    // promtool check web-config: the same validation as at start-up (certificates and keys loaded, hashes checked).
    private static Command CheckWebConfigCommand()
    {
        var files = new Argument<string[]>("file") { Description = "Web configuration files (--web.config.file) to check.", Arity = ArgumentArity.OneOrMore };
        var cmd = new Command("web-config", "Check that web configuration files are valid; exit 1 on any error.") { files };
        cmd.SetAction(pr =>
        {
            int rc = 0;
            foreach (var f in pr.GetValue(files)!)
            {
                try
                {
                    WebConfigLoader.LoadFile(f);
                    Console.Error.WriteLine($"{f} SUCCESS");
                }
                catch (ConfigException e)
                {
                    Console.Error.WriteLine($"{f} FAILED: {e.Message}");
                    rc = 1;
                }
            }
            return rc;
        });
        return cmd;
    }
}
