using System.Formats.Tar;
using System.Globalization;
using System.Text.Json;
using Ariane.Tsdb;

namespace Ariane.Storage;

/// <summary>
/// The layout of a backup archive, written once here for the server that writes it (<c>GET
/// /api/v1/admin/tsdb/backup</c>) and the CLI that reads it (<c>ariane backup</c>, <c>ariane restore</c>). A PAX tar:
/// first <see cref="ManifestName"/> (what follows, for progress and completeness checks), then the configuration file
/// as <see cref="ConfigName"/> and the files it names under <see cref="ConfigPrefix"/> (those outside its folder
/// under <see cref="ExternalPrefix"/> by absolute path), then the data folder's files under <see cref="DataPrefix"/>.
/// Secret-bearing entries are owner-only (<see cref="OwnerOnly"/>), the rest <see cref="Readable"/>. Stateless and
/// thread safe.
/// </summary>
public static class BackupArchive
{
    /// <summary>The first entry of every backup archive: what it holds, for restore and progress.</summary>
    public const string ManifestName = "backup.json";

    /// <summary>The archive folder holding the data folder's files.</summary>
    public const string DataPrefix = "data/";

    /// <summary>The archive folder holding the configuration and the files it names.</summary>
    public const string ConfigPrefix = "config/";

    /// <summary>The archive name of the server's configuration file.</summary>
    public const string ConfigName = "config/prometheus.yml";

    /// <summary>The archive folder for files the configuration names outside its own folder (by absolute path).</summary>
    public const string ExternalPrefix = "config/external/";

    /// <summary>The mode of entries anyone may read.</summary>
    public const UnixFileMode Readable = UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.GroupRead | UnixFileMode.OtherRead;

    /// <summary>The mode of entries that hold secrets, so that an unpacked copy does not hand them to every user.</summary>
    public const UnixFileMode OwnerOnly = UnixFileMode.UserRead | UnixFileMode.UserWrite;

    private const string FormatName = "ariane-backup";
    private const int FormatVersion = 1;

    /// <summary>
    /// The archive name of a file the configuration names: under <see cref="ConfigPrefix"/> at its path relative to
    /// <paramref name="configDir"/> (which ends with a separator) when it is inside it, so the restored configuration
    /// finds it, else under <see cref="ExternalPrefix"/> by absolute path.
    /// </summary>
    public static string ConfigEntryName(string path, string configDir) =>
        path.StartsWith(configDir, StringComparison.Ordinal)
            ? ConfigPrefix + path[configDir.Length..].Replace(Path.DirectorySeparatorChar, '/')
            : ExternalPrefix + path.TrimStart(Path.DirectorySeparatorChar).Replace(Path.DirectorySeparatorChar, '/');

    /// <summary>
    /// The path relative to the configuration's folder of a file the configuration names, from its archive name;
    /// null for one named outside that folder (kept under <see cref="ExternalPrefix"/>).
    /// </summary>
    public static string? ConfigRelative(string name) =>
        name.StartsWith(ExternalPrefix, StringComparison.Ordinal) || !name.StartsWith(ConfigPrefix, StringComparison.Ordinal)
            ? null
            : name[ConfigPrefix.Length..];

    /// <summary>Writes the archive of <paramref name="data"/> and <paramref name="config"/> to <paramref name="target"/>, which stays open.</summary>
    internal static async Task WriteAsync(Stream target, BackupSet data, BackupConfigPart? config, string producerVersion, DateTimeOffset now, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(data);
        var tar = new TarWriter(target, TarEntryFormat.Pax, leaveOpen: true);
        await using (tar.ConfigureAwait(false))
        {
            await WriteBytesAsync(tar, ManifestName, Manifest(data, config, producerVersion, now), now, Readable, ct).ConfigureAwait(false);
            if (config?.Config is { } file)
            {
                await WriteBytesAsync(tar, ConfigName, file, now, config.IncludesSecrets ? OwnerOnly : Readable, ct).ConfigureAwait(false);
            }
            foreach (var f in config?.Files ?? [])
            {
                await WriteBytesAsync(tar, f.Name, f.Data, f.Modified, f.Secret ? OwnerOnly : Readable, ct).ConfigureAwait(false);
            }
            foreach (var f in data.Files)
            {
                var stream = new PrefixStream(f.Path, f.Length);
                await using (stream.ConfigureAwait(false))
                {
                    var entry = new PaxTarEntry(TarEntryType.RegularFile, DataPrefix + f.Name)
                    {
                        DataStream = stream,
                        ModificationTime = File.GetLastWriteTimeUtc(f.Path),
                        Mode = Readable,
                    };
                    await tar.WriteEntryAsync(entry, ct).ConfigureAwait(false);
                }
            }
        }
    }

    private static byte[] Manifest(BackupSet set, BackupConfigPart? config, string producerVersion, DateTimeOffset now)
    {
        using var ms = new MemoryStream();
        using (var w = new Utf8JsonWriter(ms, new JsonWriterOptions { Indented = true }))
        {
            w.WriteStartObject();
            w.WriteString("format"u8, FormatName);
            w.WriteNumber("version"u8, FormatVersion);
            w.WriteString("arianeVersion"u8, producerVersion);
            w.WriteString("createdAt"u8, now.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss.FFFFFFF'Z'", CultureInfo.InvariantCulture));
            // Entries after this one, and their bytes: the restore checks it got them all.
            w.WriteNumber("files"u8, set.Files.Count + (config?.Config is null ? 0 : 1) + (config?.Files.Count ?? 0));
            w.WriteNumber("bytes"u8, set.TotalBytes + (config?.Bytes ?? 0));
            if (config?.Config is not null)
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
                foreach (var (path, field) in config.OmittedSecrets)
                {
                    w.WriteStartObject();
                    w.WriteString("path"u8, path);
                    w.WriteString("field"u8, field);
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

    private static async Task WriteBytesAsync(TarWriter tar, string name, byte[] data, DateTimeOffset modified, UnixFileMode mode, CancellationToken ct)
    {
        var ms = new MemoryStream(data, writable: false);
        await using (ms.ConfigureAwait(false))
        {
            var entry = new PaxTarEntry(TarEntryType.RegularFile, name)
            {
                DataStream = ms,
                ModificationTime = modified,
                Mode = mode,
            };
            await tar.WriteEntryAsync(entry, ct).ConfigureAwait(false);
        }
    }

    /// <summary>
    /// Reads the manifest from an archive's first entry. Throws <see cref="InvalidDataException"/> when the entry is
    /// not a manifest of a version this program reads, <see cref="JsonException"/> when it is not JSON.
    /// </summary>
    public static async Task<BackupManifest> ReadManifestAsync(TarEntry entry, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(entry);
        if (entry.Name != ManifestName || entry.DataStream is null)
        {
            throw new InvalidDataException($"not an Ariane backup: the first entry is {entry.Name}, not {ManifestName}");
        }
        using var doc = await JsonDocument.ParseAsync(entry.DataStream, cancellationToken: ct).ConfigureAwait(false);
        var root = doc.RootElement;
        if (root.ValueKind != JsonValueKind.Object || !root.TryGetProperty("format", out var f) || f.ValueKind != JsonValueKind.String ||
            f.GetString() != FormatName || !root.TryGetProperty("version", out var v) || v.ValueKind != JsonValueKind.Number || v.GetInt32() != FormatVersion)
        {
            throw new InvalidDataException("not an Ariane backup of a version this program reads");
        }
        var m = new BackupManifest
        {
            Files = root.GetProperty("files").GetInt64(),
            Bytes = root.GetProperty("bytes").GetInt64(),
            HasConfig = root.TryGetProperty("config", out _),
            SecretsRedacted = root.TryGetProperty("secretsRedacted", out var r) && r.ValueKind == JsonValueKind.True,
        };
        // Archives written before these lists existed have none of them.
        if (root.TryGetProperty("configFiles", out var cf))
        {
            foreach (var e in cf.EnumerateArray())
            {
                m.ConfigFiles.Add((e.GetProperty("name").GetString()!, e.GetProperty("path").GetString()!));
            }
        }
        if (root.TryGetProperty("omittedSecretFiles", out var om))
        {
            foreach (var e in om.EnumerateArray())
            {
                m.OmittedSecretFiles.Add((e.GetProperty("path").GetString()!, e.GetProperty("field").GetString()!));
            }
        }
        if (root.TryGetProperty("unreadableFiles", out var un))
        {
            foreach (var e in un.EnumerateArray())
            {
                m.UnreadableFiles.Add(e.GetString()!);
            }
        }
        return m;
    }
}

/// <summary>A file the configuration names, as it goes into the archive: its archive name, where it was, the field naming it.</summary>
public sealed record BackupConfigFile(string Name, string Path, string Field, bool Secret, byte[] Data, DateTimeOffset Modified);

/// <summary>
/// The configuration part of a backup, gathered by the server (which knows the configuration's format): the file as
/// archived (<paramref name="Config"/>, null without one), whether it keeps its secrets or had them replaced, the
/// files it names, the secret files left out and the files that could not be read.
/// </summary>
public sealed record BackupConfigPart(
    byte[]? Config,
    bool IncludesSecrets,
    bool Redacted,
    IReadOnlyList<BackupConfigFile> Files,
    IReadOnlyList<(string Path, string Field)> OmittedSecrets,
    IReadOnlyList<string> Unreadable)
{
    /// <summary>The bytes of the configuration file and the files it names.</summary>
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

/// <summary>What an archive's manifest says: the entries and bytes after it, and what the configuration part holds.</summary>
public sealed class BackupManifest
{
    /// <summary>Entries after the manifest.</summary>
    public long Files { get; init; }

    /// <summary>Bytes of those entries.</summary>
    public long Bytes { get; init; }

    /// <summary>Whether the archive holds a configuration file.</summary>
    public bool HasConfig { get; init; }

    /// <summary>Whether the configuration's secrets were replaced by <c>&lt;secret&gt;</c>.</summary>
    public bool SecretsRedacted { get; init; }

    /// <summary>Files the configuration names that are in the archive: archive name, original path.</summary>
    public List<(string Name, string Path)> ConfigFiles { get; } = [];

    /// <summary>Secret files the configuration names that were left out: path, field.</summary>
    public List<(string Path, string Field)> OmittedSecretFiles { get; } = [];

    /// <summary>Files the configuration names that the server could not read.</summary>
    public List<string> UnreadableFiles { get; } = [];
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
