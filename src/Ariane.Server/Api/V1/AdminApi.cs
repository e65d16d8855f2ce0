using System.Globalization;
using System.IO.Compression;
using Ariane.Config;
using Ariane.Model;
using Ariane.Server.Cli;
using Ariane.Server.Web;
using Ariane.Storage;

namespace Ariane.Server.Api.V1;

/// <summary>
/// <c>/api/v1/admin/tsdb/*</c>: Prometheus's <c>snapshot</c>, <c>delete_series</c> and <c>clean_tombstones</c> in its
/// shapes, and Ariane's <c>backup</c> stream (what <c>ariane backup</c> reads). All of them only with
/// <c>--web.enable-admin-api</c>.
/// </summary>
public static class AdminApi
{
    // Prometheus answers a disabled admin API with errorType "unavailable" and HTTP 500: its table of statuses has
    // no row for "unavailable", so it falls through to 500 (checked against Prometheus 2.42).
    private static readonly byte[] DisabledBody = """{"status":"error","errorType":"unavailable","error":"admin APIs disabled"}"""u8.ToArray();

    /// <summary>Maps the endpoints onto the app.</summary>
    public static void Map(IEndpointRouteBuilder app, IStorageAdmin storage, ServerState state)
    {
        var s = new AdminDeps(storage, state);
        string[] methods = ["POST", "PUT"];
        app.MapMethods("/api/v1/admin/tsdb/snapshot", methods, ctx => Admin(ctx, s, () => Snapshot(ctx, s)));
        app.MapMethods("/api/v1/admin/tsdb/delete_series", methods, ctx => Admin(ctx, s, () => DeleteSeries(ctx, s)));
        app.MapMethods("/api/v1/admin/tsdb/clean_tombstones", methods, ctx => Admin(ctx, s, () => CleanTombstones(ctx, s)));
        app.MapGet("/api/v1/admin/tsdb/backup", ctx => Admin(ctx, s, () => Backup(ctx, s)));
    }

    private static async Task Admin(HttpContext ctx, AdminDeps s, Func<Task> handler)
    {
        if (!s.Options.EnableAdminApi)
        {
            ctx.Response.StatusCode = 500;
            ctx.Response.ContentType = "application/json";
            await ctx.Response.Body.WriteAsync(DisabledBody, ctx.RequestAborted).ConfigureAwait(false);
            return;
        }
        await MetadataApi.Guard(ctx, handler).ConfigureAwait(false);
    }

    private static async Task Snapshot(HttpContext ctx, AdminDeps s)
    {
        bool skipHead = false;
        if (await ApiParams.GetAsync(ctx, "skip_head").ConfigureAwait(false) is { Length: > 0 } text && !TryParseGoBool(text, out skipHead))
        {
            throw new ApiException(ApiErrorType.BadData, $"invalid parameter \"skip_head\": unable to parse boolean: strconv.ParseBool: parsing \"{text}\": invalid syntax");
        }
        string name;
        try
        {
            name = await Task.Run(() => s.Storage.Snapshot(withHead: !skipHead), ctx.RequestAborted).ConfigureAwait(false);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new ApiException(ApiErrorType.Internal, "create snapshot: " + e.Message);
        }
        await ApiResponse.Success(ctx, w =>
        {
            w.WriteStartObject();
            w.WriteString("name"u8, name);
            w.WriteEndObject();
        }).ConfigureAwait(false);
    }

    // strconv.ParseBool's spellings.
    private static bool TryParseGoBool(string text, out bool value)
    {
        switch (text)
        {
            case "1" or "t" or "T" or "TRUE" or "true" or "True":
                value = true;
                return true;
            case "0" or "f" or "F" or "FALSE" or "false" or "False":
                value = false;
                return true;
            default:
                value = false;
                return false;
        }
    }

    private static async Task DeleteSeries(HttpContext ctx, AdminDeps s)
    {
        var matches = await ApiParams.GetAllAsync(ctx, "match[]").ConfigureAwait(false);
        if (matches.Count == 0)
        {
            throw new ApiException(ApiErrorType.BadData, "no match[] parameter provided");
        }
        long start = ApiParams.ParseTime(await ApiParams.GetAsync(ctx, "start").ConfigureAwait(false), "start", ApiParams.MinTimeMs);
        long end = ApiParams.ParseTime(await ApiParams.GetAsync(ctx, "end").ConfigureAwait(false), "end", ApiParams.MaxTimeMs);
        // Every selector is parsed before anything is deleted, so a bad one deletes nothing.
        List<LabelMatcher[]> sets = ApiParams.ParseMatchers(matches);
        await Task.Run(() =>
        {
            foreach (var set in sets)
            {
                s.Storage.DeleteSeries(start, end, set);
            }
        }, ctx.RequestAborted).ConfigureAwait(false);
        ctx.Response.StatusCode = 204;
    }

    private static async Task CleanTombstones(HttpContext ctx, AdminDeps s)
    {
        await Task.Run(s.Storage.CleanTombstones, ctx.RequestAborted).ConfigureAwait(false);
        ctx.Response.StatusCode = 204;
    }

    // A tar (gzip-compressed with ?compress=gzip) of backup.json, the configuration file and the data folder's
    // files as PrepareBackup froze them. The staging links are deleted when the stream ends, however it ends.
    private static async Task Backup(HttpContext ctx, AdminDeps s)
    {
        string? compress = ctx.Request.Query["compress"];
        if (compress is { Length: > 0 } and not "gzip" and not "none")
        {
            throw new ApiException(ApiErrorType.BadData, $"invalid parameter \"compress\": want gzip or none, got \"{compress}\"");
        }
        bool gzip = compress == "gzip";
        bool includeSecrets = false;
        if (ctx.Request.Query["include_secrets"].ToString() is { Length: > 0 } inc && !TryParseGoBool(inc, out includeSecrets))
        {
            throw new ApiException(ApiErrorType.BadData, $"invalid parameter \"include_secrets\": unable to parse boolean: strconv.ParseBool: parsing \"{inc}\": invalid syntax");
        }
        var configPart = await Task.Run(() => ConfigFiles(s, includeSecrets), ctx.RequestAborted).ConfigureAwait(false);
        var log = ctx.RequestServices.GetRequiredService<ILoggerFactory>().CreateLogger("Ariane.admin");
        var start = s.Time.GetTimestamp();
        using var set = await Task.Run(s.Storage.PrepareBackup, ctx.RequestAborted).ConfigureAwait(false);
        WebLog.BackupStarted(log, set.FileCount, set.TotalBytes, set.StagingDir);

        var now = s.Time.GetUtcNow();
        string stamp = now.UtcDateTime.ToString("yyyyMMdd'T'HHmmss'Z'", CultureInfo.InvariantCulture);
        ctx.Response.StatusCode = 200;
        ctx.Response.ContentType = gzip ? "application/gzip" : "application/x-tar";
        ctx.Response.Headers.ContentDisposition = $"attachment; filename=\"ariane-backup-{stamp}.tar{(gzip ? ".gz" : "")}\"";
        var body = ctx.Response.Body;
        if (gzip)
        {
            var gz = new GZipStream(body, CompressionLevel.Fastest, leaveOpen: true);
            try
            {
                await set.WriteArchiveAsync(gz, configPart, StatusApi.Version, now, ctx.RequestAborted).ConfigureAwait(false);
            }
            finally
            {
                await gz.DisposeAsync().ConfigureAwait(false); // writes the gzip trailer before the body is flushed
            }
        }
        else
        {
            await set.WriteArchiveAsync(body, configPart, StatusApi.Version, now, ctx.RequestAborted).ConfigureAwait(false);
        }
        await body.FlushAsync(ctx.RequestAborted).ConfigureAwait(false);
        WebLog.BackupSent(log, set.FileCount, set.TotalBytes, s.Time.GetElapsedTime(start).TotalSeconds);
    }

    // The configuration file as it is on disk now, with its secrets masked unless asked for, and the files it names:
    // those in the configuration's folder under config/ at the same relative path (so the restored configuration
    // finds them), others under config/external/ by absolute path. Secret files go in only when asked for.
    private static BackupConfigPart? ConfigFiles(AdminDeps s, bool includeSecrets)
    {
        if (string.IsNullOrEmpty(s.Options.ConfigFile))
        {
            return null;
        }
        var files = new List<BackupConfigFile>();
        var omitted = new List<(string Path, string Field)>();
        var unreadable = new List<string>();
        string path = Path.GetFullPath(s.Options.ConfigFile);
        byte[] raw = File.ReadAllBytes(path);
        byte[] config = raw;
        bool redacted = false;
        if (!includeSecrets)
        {
            string text = System.Text.Encoding.UTF8.GetString(raw);
            string masked = ConfigRedactor.Redact(text);
            redacted = masked.Length > 0 && masked.Contains("<secret>", StringComparison.Ordinal);
            if (redacted)
            {
                config = System.Text.Encoding.UTF8.GetBytes(masked);
            }
        }
        // The files named by the configuration on disk (what is archived); the one in force if that no longer loads.
        PrometheusConfig named;
        try
        {
            named = ConfigLoader.LoadFile(path);
        }
        catch (ConfigException)
        {
            named = s.Config;
        }
        string dir = Path.GetDirectoryName(path)! + Path.DirectorySeparatorChar;
        foreach (var f in ReferencedFiles.Of(named))
        {
            if (f.Secret && !includeSecrets)
            {
                omitted.Add((f.Path, f.Field));
                continue;
            }
            string name = BackupArchive.ConfigEntryName(f.Path, dir);
            if (name == BackupArchive.ConfigName)
            {
                continue;
            }
            try
            {
                files.Add(new BackupConfigFile(name, f.Path, f.Field, f.Secret, File.ReadAllBytes(f.Path), File.GetLastWriteTimeUtc(f.Path)));
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                unreadable.Add(f.Path);
            }
        }
        return new BackupConfigPart(config, includeSecrets, redacted, files, omitted, unreadable);
    }
}

/// <summary>What the admin endpoints use: the storage's admin operations and the server's options, configuration and clock.</summary>
internal sealed record AdminDeps(IStorageAdmin Storage, ServerState State)
{
    public ServeOptions Options => State.Options;

    public PrometheusConfig Config => State.Config;

    public TimeProvider Time => State.Time;
}
