namespace Ariane.Config;

/// <summary>One file a configuration names: its path (resolved, globs expanded), the field naming it, and whether it holds a secret.</summary>
public readonly record struct ReferencedFile(string Path, string Field, bool Secret);

/// <summary>
/// The files a configuration names (rule files, scrape config files, file_sd target files, TLS certificates and keys,
/// password, credential and token files), so that a backup can carry them with the configuration. Keys, passwords,
/// credentials and tokens are secrets; certificates, CA files, rules and targets are not.
/// </summary>
public static class ReferencedFiles
{
    /// <summary>The existing files <paramref name="cfg"/> names, each once, in the order first named.</summary>
    public static List<ReferencedFile> Of(PrometheusConfig cfg)
    {
        var list = new List<ReferencedFile>();
        var seen = new HashSet<string>(StringComparer.Ordinal);
        void Add(string? pattern, string field, bool secret)
        {
            if (string.IsNullOrEmpty(pattern))
            {
                return;
            }
            foreach (string f in FileGlob.Expand(pattern))
            {
                string full = System.IO.Path.GetFullPath(f);
                if (seen.Add(full))
                {
                    list.Add(new ReferencedFile(full, field, secret));
                }
            }
        }
        void Http(HttpClientConfig h)
        {
            Add(h.TlsConfig?.CaFile, "tls_config.ca_file", false);
            Add(h.TlsConfig?.CertFile, "tls_config.cert_file", false);
            Add(h.TlsConfig?.KeyFile, "tls_config.key_file", true);
            Add(h.BasicAuth?.PasswordFile, "basic_auth.password_file", true);
            Add(h.Authorization?.CredentialsFile, "authorization.credentials_file", true);
            // The loader turns bearer_token_file into authorization.credentials_file, as Prometheus does.
            Add(h.BearerTokenFile, "bearer_token_file", true);
        }
        foreach (string rf in cfg.RuleFiles)
        {
            Add(rf, "rule_files", false);
        }
        foreach (string sf in cfg.ScrapeConfigFiles)
        {
            Add(sf, "scrape_config_files", false);
        }
        foreach (var sc in cfg.ScrapeConfigs)
        {
            foreach (var fsd in sc.FileSdConfigs)
            {
                foreach (string f in fsd.Files)
                {
                    Add(f, "file_sd_configs.files", false);
                }
            }
            Http(sc.HttpClient);
        }
        if (cfg.Alerting is { } al)
        {
            foreach (var am in al.Alertmanagers)
            {
                foreach (var fsd in am.FileSdConfigs)
                {
                    foreach (string f in fsd.Files)
                    {
                        Add(f, "file_sd_configs.files", false);
                    }
                }
                Http(am.HttpClient);
            }
        }
        foreach (var rw in cfg.RemoteWrite)
        {
            Http(rw.HttpClient);
        }
        foreach (var rr in cfg.RemoteRead)
        {
            Http(rr.HttpClient);
        }
        return list;
    }
}
