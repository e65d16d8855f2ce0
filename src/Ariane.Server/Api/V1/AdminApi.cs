using System.Formats.Tar;
using System.Globalization;
using System.IO.Compression;
using System.Text.Json;
using Ariane.Config;
using Ariane.Model;
using Ariane.Tsdb;

namespace Ariane.Server.Api.V1;

/// <summary>
/// <c>/api/v1/admin/tsdb/*</c>: Prometheus's <c>snapshot</c>, <c>delete_series</c> and <c>clean_tombstones</c> in its
/// shapes, and Ariane's <c>backup</c> stream (what <c>ariane backup</c> reads). All of them only with
/// <c>--web.enable-admin-api</c>.
/// </summary>
public static class AdminApi
{
    /// <summary>The first entry of every backup archive: what it holds, for restore and progress.</summary>
    public const string ManifestName = "backup.json";

    /// <summary>The archive folder holding the data folder's files.</summary>
    public const string DataPrefix = "data/";

    /// <summary>The archive name of the server's configuration file.</summary>
    public const string ConfigName = "config/prometheus.yml";

    // Prometheus answers a disabled admin API with errorType "unavailable" and HTTP 500: its table of statuses has
    // no row for "unavailable", so it falls through to 500 (checked against Prometheus 2.42).
    private static readonly byte[] DisabledBody = """{"status":"error","errorType":"unavailable","error":"admin APIs disabled"}"""u8.ToArray();

    /// <summary>Maps the endpoints onto the app.</summary>
    public static void Map(WebApplication app, ServerState s)
    {
        string[] methods = ["POST", "PUT"];
        app.MapMethods("/api/v1/admin/tsdb/snapshot", methods, ctx => Admin(ctx, s, () => Snapshot(ctx, s)));
        app.MapMethods("/api/v1/admin/tsdb/delete_series", methods, ctx => Admin(ctx, s, () => DeleteSeries(ctx, s)));
        app.MapMethods("/api/v1/admin/tsdb/clean_tombstones", methods, ctx => Admin(ctx, s, () => CleanTombstones(ctx, s)));
        app.MapGet("/api/v1/admin/tsdb/backup", ctx => Admin(ctx, s, () => Backup(ctx, s)));
    }

    private static async Task Admin(HttpContext ctx, ServerState s, Func<Task> handler)
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

    private static string DataDir(ServerState s) => Path.GetFullPath(s.Options.StoragePath);

    private static async Task Snapshot(HttpContext ctx, ServerState s)
    {
        bool skipHead = false;
        if (await ApiParams.GetAsync(ctx, "skip_head").ConfigureAwait(false) is { Length: > 0 } text && !TryParseGoBool(text, out skipHead))
        {
            throw new ApiException(ApiErrorType.BadData, $"invalid parameter \"skip_head\": unable to parse boolean: strconv.ParseBool: parsing \"{text}\": invalid syntax");
        }
        // The name as Prometheus makes it: UTC time, then 16 hex digits of a random non-negative 63-bit number.
        string name = s.Time.GetUtcNow().UtcDateTime.ToString("yyyyMMdd'T'HHmmss'Z'", CultureInfo.InvariantCulture) + "-" +
            Random.Shared.NextInt64().ToString("x16", CultureInfo.InvariantCulture);
        string dir = Path.Combine(DataDir(s), Db.SnapshotsDir, name);
        try
        {
            await Task.Run(() => s.Db.Snapshot(dir, withHead: !skipHead), ctx.RequestAborted).ConfigureAwait(false);
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

    private static async Task DeleteSeries(HttpContext ctx, ServerState s)
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
                s.Db.Delete(start, end, set);
            }
        }, ctx.RequestAborted).ConfigureAwait(false);
        ctx.Response.StatusCode = 204;
    }

    private static async Task CleanTombstones(HttpContext ctx, ServerState s)
    {
        await Task.Run(s.Db.CleanTombstones, ctx.RequestAborted).ConfigureAwait(false);
        ctx.Response.StatusCode = 204;
    }

    // A tar (gzip-compressed with ?compress=gzip) of backup.json, the configuration file and the data folder's
    // files as PrepareBackup froze them. The staging links are deleted when the stream ends, however it ends.
    private static async Task Backup(HttpContext ctx, ServerState s)
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
        var configSet = await Task.Run(() => ConfigFiles(s, includeSecrets), ctx.RequestAborted).ConfigureAwait(false);
        byte[]? config = configSet.Config;
        var log = ctx.RequestServices.GetRequiredService<ILoggerFactory>().CreateLogger("Ariane.admin");
        var start = s.Time.GetTimestamp();
        using var set = await Task.Run(s.Db.PrepareBackup, ctx.RequestAborted).ConfigureAwait(false);
        log.LogInformation("Backup started: {Files} files, {Bytes} bytes, staged in {Dir}", set.Files.Count, set.TotalBytes, set.Dir);

        var now = s.Time.GetUtcNow();
        string stamp = now.UtcDateTime.ToString("yyyyMMdd'T'HHmmss'Z'", CultureInfo.InvariantCulture);
        ctx.Response.StatusCode = 200;
        ctx.Response.ContentType = gzip ? "application/gzip" : "application/x-tar";
        ctx.Response.Headers.ContentDisposition = $"attachment; filename=\"ariane-backup-{stamp}.tar{(gzip ? ".gz" : "")}\"";
        var body = ctx.Response.Body;
        Stream target = gzip ? new GZipStream(body, CompressionLevel.Fastest, leaveOpen: true) : body;
        try
        {
            var tar = new TarWriter(target, TarEntryFormat.Pax, leaveOpen: true);
            await using (tar.ConfigureAwait(false))
            {
                var manifest = Manifest(set, configSet, now);
                await WriteBytesAsync(tar, ManifestName, manifest, now, ctx.RequestAborted).ConfigureAwait(false);
                if (config is not null)
                {
                    // Owner-only when it keeps its secrets, so an unpacked copy does not hand them to every user.
                    await WriteBytesAsync(tar, ConfigName, config, now, ctx.RequestAborted, includeSecrets ? OwnerOnly : Readable).ConfigureAwait(false);
                }
                foreach (var f in configSet.Files)
                {
                    await WriteBytesAsync(tar, f.Name, f.Data, f.Modified, ctx.RequestAborted, f.Secret ? OwnerOnly : Readable).ConfigureAwait(false);
                }
                foreach (var f in set.Files)
                {
                    var stream = new PrefixStream(f.Path, f.Length);
                    await using (stream.ConfigureAwait(false))
                    {
                        var entry = new PaxTarEntry(TarEntryType.RegularFile, DataPrefix + f.Name)
                        {
                            DataStream = stream,
                            ModificationTime = File.GetLastWriteTimeUtc(f.Path),
                            Mode = UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.GroupRead | UnixFileMode.OtherRead,
                        };
                        await tar.WriteEntryAsync(entry, ctx.RequestAborted).ConfigureAwait(false);
                    }
                }
            }
        }
        finally
        {
            if (gzip)
            {
                await target.DisposeAsync().ConfigureAwait(false);
            }
        }
        await body.FlushAsync(ctx.RequestAborted).ConfigureAwait(false);
        log.LogInformation("Backup sent: {Files} files, {Bytes} bytes in {Seconds:F1} s", set.Files.Count, set.TotalBytes, s.Time.GetElapsedTime(start).TotalSeconds);
    }

    /// <summary>A file the configuration names, as it goes into the archive.</summary>
    private sealed record ConfigFile(string Name, string Path, string Field, bool Secret, byte[] Data, DateTimeOffset Modified);

    /// <summary>The configuration part of a backup: the file itself, the files it names, and what was left out.</summary>
    private sealed record ConfigSet(byte[]? Config, bool Redacted, List<ConfigFile> Files, List<ReferencedFile> OmittedSecrets, List<string> Unreadable)
    {
        public long Bytes
        {
            get
            {
                long n = Config?.Length ?? 0;
                foreach (var f in Files)
                {
                    n += f.Data.Length;
                }
                return n;
            }
        }
    }

    /// <summary>The archive folder for files the configuration names outside its own folder (by absolute path).</summary>
    public const string ExternalPrefix = "config/external/";

    // The configuration file as it is on disk now, with its secrets masked unless asked for, and the files it names:
    // those in the configuration's folder under config/ at the same relative path (so the restored configuration
    // finds them), others under config/external/ by absolute path. Secret files go in only when asked for.
    private static ConfigSet ConfigFiles(ServerState s, bool includeSecrets)
    {
        var files = new List<ConfigFile>();
        var omitted = new List<ReferencedFile>();
        var unreadable = new List<string>();
        if (string.IsNullOrEmpty(s.Options.ConfigFile))
        {
            return new ConfigSet(null, false, files, omitted, unreadable);
        }
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
                omitted.Add(f);
                continue;
            }
            string name = f.Path.StartsWith(dir, StringComparison.Ordinal)
                ? "config/" + f.Path[dir.Length..].Replace(Path.DirectorySeparatorChar, '/')
                : ExternalPrefix + f.Path.TrimStart(Path.DirectorySeparatorChar).Replace(Path.DirectorySeparatorChar, '/');
            if (name == ConfigName)
            {
                continue;
            }
            try
            {
                files.Add(new ConfigFile(name, f.Path, f.Field, f.Secret, File.ReadAllBytes(f.Path), File.GetLastWriteTimeUtc(f.Path)));
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                unreadable.Add(f.Path);
            }
        }
        return new ConfigSet(config, redacted, files, omitted, unreadable);
    }

    private static byte[] Manifest(BackupSet set, ConfigSet config, DateTimeOffset now)
    {
        using var ms = new MemoryStream();
        using (var w = new Utf8JsonWriter(ms, new JsonWriterOptions { Indented = true }))
        {
            w.WriteStartObject();
            w.WriteString("format"u8, "ariane-backup");
            w.WriteNumber("version"u8, 1);
            w.WriteString("arianeVersion"u8, StatusApi.Version);
            w.WriteString("createdAt"u8, ApiResponse.FormatTime(now));
            // Entries after this one, and their bytes: the restore checks it got them all.
            w.WriteNumber("files"u8, set.Files.Count + (config.Config is null ? 0 : 1) + config.Files.Count);
            w.WriteNumber("bytes"u8, set.TotalBytes + config.Bytes);
            if (config.Config is not null)
            {
                w.WriteString("config"u8, ConfigName);
                // Whether the configuration's secrets were replaced by <secret> (a backup without include_secrets).
                w.WriteBoolean("secretsRedacted"u8, config.Redacted);
                w.WriteStartArray("configFiles"u8);
                foreach (var f in config.Files)
                {
                    w.WriteStartObject();
                    w.WriteString("name"u8, f.Name);
                    w.WriteString("path"u8, f.Path);
                    w.WriteString("field"u8, f.Field);
                    w.WriteEndObject();
                }
                w.WriteEndArray();
                w.WriteStartArray("omittedSecretFiles"u8);
                foreach (var f in config.OmittedSecrets)
                {
                    w.WriteStartObject();
                    w.WriteString("path"u8, f.Path);
                    w.WriteString("field"u8, f.Field);
                    w.WriteEndObject();
                }
                w.WriteEndArray();
                w.WriteStartArray("unreadableFiles"u8);
                foreach (string f in config.Unreadable)
                {
                    w.WriteStringValue(f);
                }
                w.WriteEndArray();
            }
            w.WriteEndObject();
        }
        return ms.ToArray();
    }

    private const UnixFileMode Readable = UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.GroupRead | UnixFileMode.OtherRead;

    private const UnixFileMode OwnerOnly = UnixFileMode.UserRead | UnixFileMode.UserWrite;

    private static async Task WriteBytesAsync(TarWriter tar, string name, byte[] data, DateTimeOffset now, CancellationToken ct, UnixFileMode mode = Readable)
    {
        var ms = new MemoryStream(data, writable: false);
        await using (ms.ConfigureAwait(false))
        {
            var entry = new PaxTarEntry(TarEntryType.RegularFile, name)
            {
                DataStream = ms,
                ModificationTime = now,
                Mode = mode,
            };
            await tar.WriteEntryAsync(entry, ct).ConfigureAwait(false);
        }
    }
}

/// <summary>
/// The first <c>length</c> bytes of a file as a seekable, read-only stream: a WAL segment that keeps growing behind
/// its link is read only up to the length it had when the backup was taken.
/// </summary>
internal sealed class PrefixStream(string path, long length) : Stream
{
    private readonly FileStream _f = new(path, new FileStreamOptions { Mode = FileMode.Open, Access = FileAccess.Read, Share = FileShare.ReadWrite | FileShare.Delete, Options = FileOptions.Asynchronous | FileOptions.SequentialScan, BufferSize = 0 });

    public override bool CanRead => true;

    public override bool CanSeek => true;

    public override bool CanWrite => false;

    public override long Length => length;

    public override long Position
    {
        get => _f.Position;
        set => _f.Position = Math.Clamp(value, 0, length);
    }

    public override int Read(byte[] buffer, int offset, int count) => Read(buffer.AsSpan(offset, count));

    public override int Read(Span<byte> buffer)
    {
        long left = length - _f.Position;
        if (left <= 0)
        {
            return 0;
        }
        int n = _f.Read(buffer[..(int)Math.Min(buffer.Length, left)]);
        return n == 0 ? throw new EndOfStreamException($"{path} is shorter than {length} bytes") : n;
    }

    public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
        ReadAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

    public override async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
    {
        long left = length - _f.Position;
        if (left <= 0)
        {
            return 0;
        }
        int n = await _f.ReadAsync(buffer[..(int)Math.Min(buffer.Length, left)], cancellationToken).ConfigureAwait(false);
        return n == 0 ? throw new EndOfStreamException($"{path} is shorter than {length} bytes") : n;
    }

    public override long Seek(long offset, SeekOrigin origin) => Position = origin switch
    {
        SeekOrigin.Begin => offset,
        SeekOrigin.Current => _f.Position + offset,
        _ => length + offset,
    };

    public override void Flush()
    {
    }

    public override void SetLength(long value) => throw new NotSupportedException();

    public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();

    protected override void Dispose(bool disposing)
    {
        if (disposing)
        {
            _f.Dispose();
        }
        base.Dispose(disposing);
    }

    public override async ValueTask DisposeAsync()
    {
        await _f.DisposeAsync().ConfigureAwait(false);
        await base.DisposeAsync().ConfigureAwait(false);
    }
}
