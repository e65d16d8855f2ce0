using System.Text;

namespace Ariane.Config;

/// <summary>The outcome of <c>ariane check config FILE</c>: errors, warnings and a promtool-style summary.</summary>
public sealed class ConfigCheckResult
{
    /// <summary>The file checked.</summary>
    public string File { get; init; } = string.Empty;

    /// <summary>The loaded config, or null when it failed to load.</summary>
    public PrometheusConfig? Config { get; init; }

    /// <summary>Problems that make the config unusable.</summary>
    public List<string> Errors { get; } = [];

    /// <summary>Things worth knowing that do not stop the server.</summary>
    public List<string> Warnings { get; } = [];

    /// <summary>The rule files found (globs expanded).</summary>
    public List<string> RuleFiles { get; } = [];

    /// <summary>True when there are no errors.</summary>
    public bool Success => Errors.Count == 0;

    /// <summary>A report in the manner of <c>promtool check config</c>.</summary>
    public string Summary()
    {
        var sb = new StringBuilder();
        sb.Append("Checking ").Append(File).Append('\n');
        foreach (string w in Warnings)
        {
            sb.Append("  WARNING: ").Append(w).Append('\n');
        }
        if (Success)
        {
            sb.Append("  SUCCESS: ").Append(RuleFiles.Count).Append(" rule files found\n");
            sb.Append(" SUCCESS: ").Append(File).Append(" is valid prometheus config file syntax\n");
        }
        else
        {
            foreach (string e in Errors)
            {
                sb.Append("  FAILED: ").Append(e).Append('\n');
            }
        }
        return sb.ToString();
    }
}

/// <summary>Checks a config file the way <c>promtool check config</c> does: syntax, referenced files and file_sd contents.</summary>
public static class ConfigChecker
{
    /// <summary>Loads <paramref name="path"/> and checks the files it refers to.</summary>
    public static ConfigCheckResult Check(string path)
    {
        PrometheusConfig cfg;
        try
        {
            cfg = ConfigLoader.LoadFile(path);
        }
        catch (ConfigException e)
        {
            var failed = new ConfigCheckResult { File = path };
            failed.Errors.Add(e.Message);
            return failed;
        }
        var res = new ConfigCheckResult { File = path, Config = cfg };
        foreach (string rf in cfg.RuleFiles)
        {
            var found = FileGlob.Expand(rf);
            if (found.Count == 0)
            {
                if (FileGlob.HasMeta(rf))
                {
                    res.Warnings.Add($"rule file glob \"{rf}\" matches no files");
                }
                else
                {
                    res.Errors.Add($"rule file \"{rf}\" does not exist");
                }
            }
            res.RuleFiles.AddRange(found);
        }
        foreach (var sc in cfg.ScrapeConfigs)
        {
            CheckHttpFiles(res, sc.HttpClient, $"scrape job \"{sc.JobName}\"");
            if (sc.Scheme is not ("http" or "https"))
            {
                // Prometheus loads such a config; its scrapes then fail. Say so before that happens.
                res.Warnings.Add($"scheme \"{sc.Scheme}\" in scrape job \"{sc.JobName}\" cannot be scraped (only http and https)");
            }
            foreach (var fsd in sc.FileSdConfigs)
            {
                CheckFileSd(res, fsd, sc.JobName);
            }
            foreach (string sd in sc.UnsupportedDiscovery)
            {
                res.Warnings.Add($"{sd} in scrape job \"{sc.JobName}\" is not supported by Ariane; its targets will not be discovered");
            }
        }
        if (cfg.Alerting is { } al)
        {
            foreach (var am in al.Alertmanagers)
            {
                CheckHttpFiles(res, am.HttpClient, "alertmanager config");
                foreach (var fsd in am.FileSdConfigs)
                {
                    CheckFileSd(res, fsd, "alertmanager");
                }
            }
        }
        foreach (var rw in cfg.RemoteWrite)
        {
            CheckHttpFiles(res, rw.HttpClient, $"remote write \"{rw.Url}\"");
        }
        foreach (var rr in cfg.RemoteRead)
        {
            CheckHttpFiles(res, rr.HttpClient, $"remote read \"{rr.Url}\"");
        }
        return res;
    }

    private static void CheckFileSd(ConfigCheckResult res, FileSdConfig fsd, string job)
    {
        foreach (string pattern in fsd.Files)
        {
            var files = FileGlob.Expand(pattern);
            if (files.Count == 0)
            {
                res.Warnings.Add($"file \"{pattern}\" for file_sd in scrape job \"{job}\" does not exist");
                continue;
            }
            foreach (string f in files)
            {
                try
                {
                    TargetGroups.ParseFile(f);
                }
                catch (Exception e) when (e is ConfigException or IOException or UnauthorizedAccessException)
                {
                    res.Errors.Add($"checking SD file \"{f}\": {e.Message}");
                }
            }
        }
    }

    private static void CheckHttpFiles(ConfigCheckResult res, HttpClientConfig h, string where)
    {
        Exists(res, h.BasicAuth?.PasswordFile, "password file", where);
        Exists(res, h.Authorization?.CredentialsFile, "credentials file", where);
        Exists(res, h.TlsConfig?.CaFile, "CA file", where);
        Exists(res, h.TlsConfig?.CertFile, "client cert file", where);
        Exists(res, h.TlsConfig?.KeyFile, "client key file", where);
    }

    private static void Exists(ConfigCheckResult res, string? file, string what, string where)
    {
        if (file is not null && !File.Exists(file))
        {
            res.Errors.Add($"error checking {what} \"{file}\" in {where}: file does not exist");
        }
    }
}
