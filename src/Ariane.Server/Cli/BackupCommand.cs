using System.CommandLine;
using System.Diagnostics;
using System.Formats.Tar;
using System.Globalization;
using System.IO.Compression;
using System.Text.Json;
using Ariane.Storage;

namespace Ariane.Server.Cli;

/// <summary>
/// <c>ariane backup</c> streams a consistent archive of a running server over its admin API into a file;
/// <c>ariane restore</c> makes a data folder from such a file. Both show progress on a terminal.
/// </summary>
internal static class BackupCommand
{
    public static Command Backup()
    {
        var server = ServerUrl.Option("The running server's URL (started with --web.enable-admin-api; the scheme may be left out).");
        var file = new Argument<string>("file") { Description = "The archive to write: a tar, or a gzip-compressed tar when the name ends in .gz or .tgz." };
        var secrets = new Option<bool>("--include-secrets") { Description = "Keep the configuration's secrets (passwords, tokens, keys inline and in the files it names) in the archive; without it they are replaced by <secret> and secret files are left out." };
        var cmd = new Command("backup", "Stream a consistent backup (blocks, WAL, the configuration and the files it names) of a running server into a file, without stopping it.") { server, file, secrets };
        cmd.SetAction((pr, ct) => RunBackupAsync(pr.GetValue(server)!, pr.GetValue(file)!, pr.GetValue(secrets), ct));
        return cmd;
    }

    public static Command Restore()
    {
        var file = new Argument<string>("file") { Description = "An archive written by 'ariane backup'." };
        var path = new Option<string>("--storage.tsdb.path") { Description = "The data folder to make; it must be missing or empty unless --force.", DefaultValueFactory = _ => new ServeOptions().StoragePath };
        var force = new Option<bool>("--force") { Description = "Replace the contents of a non-empty data folder (and an existing --config.file)." };
        var config = new Option<string>("--config.file") { Description = "Where to write the backed-up configuration file. Default: <data folder>/config/prometheus.yml." };
        var cmd = new Command("restore", "Make a data folder from an archive written by 'ariane backup'.") { file, path, force, config };
        cmd.SetAction((pr, ct) => RunRestoreAsync(pr.GetValue(file)!, pr.GetValue(path)!, pr.GetValue(force), pr.GetValue(config), ct));
        return cmd;
    }

    private static bool Gzipped(string file) =>
        file.EndsWith(".gz", StringComparison.OrdinalIgnoreCase) || file.EndsWith(".tgz", StringComparison.OrdinalIgnoreCase);

    private static async Task<int> RunBackupAsync(string server, string file, bool includeSecrets, CancellationToken ct)
    {
        bool gzip = Gzipped(file);
        string part = file + ".part";
        var sw = Stopwatch.StartNew();
        if (ServerUrl.Parse(server) is not { } baseUri)
        {
            return await Fail($"invalid --server URL \"{server}\"").ConfigureAwait(false);
        }
        using var client = new HttpClient { BaseAddress = baseUri, Timeout = Timeout.InfiniteTimeSpan };
        HttpResponseMessage resp;
        try
        {
            string query = (gzip ? "?compress=gzip" : "") + (includeSecrets ? (gzip ? "&" : "?") + "include_secrets=true" : "");
            resp = await client.GetAsync("/api/v1/admin/tsdb/backup" + query, HttpCompletionOption.ResponseHeadersRead, ct).ConfigureAwait(false);
        }
        catch (HttpRequestException e)
        {
            return await Fail($"cannot reach {server}: {e.Message}").ConfigureAwait(false);
        }
        using (resp)
        {
            if (!resp.IsSuccessStatusCode)
            {
                string text = await resp.Content.ReadAsStringAsync(ct).ConfigureAwait(false);
                string message = ErrorText(text) ?? $"HTTP {(int)resp.StatusCode}: {text}";
                if (message == "admin APIs disabled")
                {
                    message += " (start the server with --web.enable-admin-api)";
                }
                return await Fail("the server refused the backup: " + message).ConfigureAwait(false);
            }
            var progress = new Progress("backup");
            int files = 0;
            long expectedFiles = -1;
            BackupManifest? manifest = null;
            try
            {
                var net = await resp.Content.ReadAsStreamAsync(ct).ConfigureAwait(false);
                var output = new FileStream(part, FileMode.Create, FileAccess.Write, FileShare.None, 1 << 16, FileOptions.Asynchronous);
                await using (output.ConfigureAwait(false))
                {
                    // Everything received goes to the file as it is; the archive is read on the way through to count
                    // its files and to check that it is complete.
                    var tee = new TeeStream(net, output, n => progress.Bytes += n);
                    Stream archive = gzip ? new GZipStream(tee, CompressionMode.Decompress, leaveOpen: true) : tee;
                    var reader = new TarReader(archive, leaveOpen: true);
                    await using (reader.ConfigureAwait(false))
                    {
                        while (await reader.GetNextEntryAsync(copyData: false, ct).ConfigureAwait(false) is { } entry)
                        {
                            if (expectedFiles < 0)
                            {
                                manifest = await BackupArchive.ReadManifestAsync(entry, ct).ConfigureAwait(false);
                                expectedFiles = manifest.Files;
                                // Bytes are counted as received (tar headers and padding, or gzip), so no total is shown
                                // for them; the files announced are.
                                progress.TotalFiles = expectedFiles;
                                continue;
                            }
                            files++;
                            progress.Files = files;
                            progress.Show(sw);
                        }
                    }
                    // The end-of-archive blocks and any padding after them belong in the file too.
                    var rest = new byte[1 << 16];
                    while (await archive.ReadAsync(rest, ct).ConfigureAwait(false) > 0)
                    {
                    }
                    while (await tee.ReadAsync(rest, ct).ConfigureAwait(false) > 0)
                    {
                    }
                    await output.FlushAsync(ct).ConfigureAwait(false);
                    output.Flush(flushToDisk: true);
                }
                if (expectedFiles < 0 || files != expectedFiles)
                {
                    throw new InvalidDataException($"the archive ended after {files} of {Math.Max(expectedFiles, 0)} files");
                }
            }
            catch (Exception e) when (e is IOException or HttpRequestException or InvalidDataException or FormatException or JsonException)
            {
                progress.Done();
                TryDelete(part);
                return await Fail("the backup did not complete: " + e.Message).ConfigureAwait(false);
            }
            File.Move(part, file, overwrite: true);
            progress.Done(sw);
            await Console.Out.WriteLineAsync($"backup: wrote {file}: {files} files, {Size(progress.Bytes)} in {sw.Elapsed.TotalSeconds:F1} s").ConfigureAwait(false);
            await TellSecretsAsync("backup", manifest!, includeSecrets).ConfigureAwait(false);
            return 0;
        }
    }

    // What a backup left out or masked of the configuration, said when backing up and again when restoring.
    private static async Task TellSecretsAsync(string what, BackupManifest m, bool includeSecrets)
    {
        if (!m.HasConfig)
        {
            return;
        }
        if (includeSecrets)
        {
            await Console.Out.WriteLineAsync($"{what}: the archive holds the configuration's secrets in plain text (--include-secrets): keep it where they may be read").ConfigureAwait(false);
        }
        if (m.SecretsRedacted)
        {
            await Console.Out.WriteLineAsync($"{what}: the configuration's secrets are replaced by <secret> in the archive (backup --include-secrets keeps them)").ConfigureAwait(false);
        }
        foreach (var (path, field) in m.OmittedSecretFiles)
        {
            await Console.Out.WriteLineAsync($"{what}: secret file left out of the archive (backup --include-secrets keeps it): {path} ({field})").ConfigureAwait(false);
        }
        foreach (string path in m.UnreadableFiles)
        {
            await Console.Out.WriteLineAsync($"{what}: file named by the configuration that the server could not read, not in the archive: {path}").ConfigureAwait(false);
        }
    }

    // The archive's manifest, or why the file is not an Ariane backup (not a tar or gzip-compressed tar, or a tar that
    // does not start with the manifest). Read before anything is written, so a wrong file changes nothing.
    private static async Task<(BackupManifest? Manifest, string? Why)> ReadArchiveManifestAsync(string file, CancellationToken ct)
    {
        var input = new FileStream(file, FileMode.Open, FileAccess.Read, FileShare.Read, 1 << 16, FileOptions.Asynchronous);
        await using (input.ConfigureAwait(false))
        {
            var head = new byte[2];
            int got = await input.ReadAsync(head, ct).ConfigureAwait(false);
            input.Position = 0;
            bool gzip = got == 2 && head[0] == 0x1f && head[1] == 0x8b;
            Stream archive = gzip ? new GZipStream(input, CompressionMode.Decompress, leaveOpen: true) : input;
            bool entryRead = false;
            try
            {
                var reader = new TarReader(archive, leaveOpen: true);
                await using (reader.ConfigureAwait(false))
                {
                    if (await reader.GetNextEntryAsync(copyData: false, ct).ConfigureAwait(false) is not { } first)
                    {
                        return (null, gzip ? "a gzip file without a tar archive in it" : "not a tar archive");
                    }
                    entryRead = true;
                    return (await BackupArchive.ReadManifestAsync(first, ct).ConfigureAwait(false), null);
                }
            }
            catch (Exception e) when (e is InvalidDataException or FormatException or JsonException or EndOfStreamException or KeyNotFoundException or InvalidOperationException)
            {
                return (null, entryRead ? e.Message.Replace("not an Ariane backup: ", "", StringComparison.Ordinal) : (gzip ? "a gzip file that does not hold a tar archive: " : "not a tar archive: ") + e.Message);
            }
            finally
            {
                if (gzip)
                {
                    await archive.DisposeAsync().ConfigureAwait(false);
                }
            }
        }
    }

    private static async Task<int> RunRestoreAsync(string file, string dir, bool force, string? configOut, CancellationToken ct)
    {
        dir = Path.GetFullPath(dir).TrimEnd('/');
        if (Directory.Exists(dir) && !IsEmpty(dir) && !force)
        {
            return await Fail($"refusing to restore into {dir}: the folder is not empty (--force replaces its contents)").ConfigureAwait(false);
        }
        if (!string.IsNullOrEmpty(configOut) && File.Exists(configOut) && !force)
        {
            return await Fail($"refusing to overwrite {configOut} (--force replaces it)").ConfigureAwait(false);
        }
        if (!File.Exists(file))
        {
            return await Fail($"{file}: no such file").ConfigureAwait(false);
        }
        // The lock first: a folder a server is running on is refused whatever the archive holds.
        Tsdb.DataDirLock? dirLock = null;
        if (Directory.Exists(dir))
        {
            // A server running on the folder would go on writing into what is replaced under it.
            try
            {
                dirLock = Tsdb.DataDirLock.Acquire(dir);
            }
            catch (IOException e)
            {
                return await Fail($"refusing to restore into {dir}: {e.Message}").ConfigureAwait(false);
            }
        }
        using var heldLock = dirLock;
        var (manifest, why) = await ReadArchiveManifestAsync(file, ct).ConfigureAwait(false);
        if (manifest is null)
        {
            return await Fail($"{file} is not a backup written by 'ariane backup': {why}; nothing was restored").ConfigureAwait(false);
        }
        // The files the configuration names go beside the restored configuration, at the paths it names them by. Beside
        // a --config.file they may meet files Ariane did not write: those are replaced only with --force.
        string? configOutDir = string.IsNullOrEmpty(configOut) ? null : Path.GetDirectoryName(Path.GetFullPath(configOut))!;
        if (configOutDir is not null && !force)
        {
            foreach (var (name, _) in manifest.ConfigFiles)
            {
                if (BackupArchive.ConfigRelative(name) is { } rel && File.Exists(Path.Combine(configOutDir, rel)))
                {
                    return await Fail($"refusing to overwrite {Path.Combine(configOutDir, rel)}, which the backed-up configuration names (--force replaces it)").ConfigureAwait(false);
                }
            }
        }
        var sw = Stopwatch.StartNew();
        // Everything is unpacked beside the target first, so a damaged archive leaves no half-restored folder.
        string tmp = dir + ".restore-tmp";
        TryDeleteDir(tmp);
        Directory.CreateDirectory(tmp);
        var progress = new Progress("restore");
        int files = 0;
        long expectedFiles = -1;
        bool hasConfig = false;
        try
        {
            var input = new FileStream(file, FileMode.Open, FileAccess.Read, FileShare.Read, 1 << 16, FileOptions.Asynchronous | FileOptions.SequentialScan);
            await using (input.ConfigureAwait(false))
            {
                var head = new byte[2];
                int got = await input.ReadAsync(head, ct).ConfigureAwait(false);
                input.Position = 0;
                Stream archive = got == 2 && head[0] == 0x1f && head[1] == 0x8b ? new GZipStream(input, CompressionMode.Decompress, leaveOpen: true) : input;
                var reader = new TarReader(archive, leaveOpen: true);
                await using (reader.ConfigureAwait(false))
                {
                    while (await reader.GetNextEntryAsync(copyData: false, ct).ConfigureAwait(false) is { } entry)
                    {
                        if (expectedFiles < 0)
                        {
                            var m = await BackupArchive.ReadManifestAsync(entry, ct).ConfigureAwait(false);
                            (expectedFiles, progress.TotalBytes) = (m.Files, m.Bytes);
                            progress.TotalFiles = expectedFiles;
                            continue;
                        }
                        if (entry.EntryType is not (TarEntryType.RegularFile or TarEntryType.V7RegularFile))
                        {
                            continue;
                        }
                        string dest;
                        if (entry.Name == BackupArchive.ConfigName)
                        {
                            hasConfig = true;
                            dest = Path.Combine(tmp, "config", "prometheus.yml");
                        }
                        else if (entry.Name.StartsWith(BackupArchive.ConfigPrefix, StringComparison.Ordinal))
                        {
                            // A file the configuration names, staged under config/ with the configuration.
                            dest = SafePath(tmp, entry.Name);
                        }
                        else if (entry.Name.StartsWith(BackupArchive.DataPrefix, StringComparison.Ordinal))
                        {
                            dest = SafePath(tmp, entry.Name[BackupArchive.DataPrefix.Length..]);
                        }
                        else
                        {
                            throw new InvalidDataException($"unexpected entry {entry.Name} in the archive");
                        }
                        Directory.CreateDirectory(Path.GetDirectoryName(dest)!);
                        var fso = new FileStreamOptions { Mode = FileMode.CreateNew, Access = FileAccess.Write, Share = FileShare.None, BufferSize = 1 << 16, Options = FileOptions.Asynchronous };
                        var mode = entry.Mode & (UnixFileMode.UserRead | UnixFileMode.GroupRead | UnixFileMode.OtherRead);
                        if (entry.Name.StartsWith(BackupArchive.ConfigPrefix, StringComparison.Ordinal) && (mode & UnixFileMode.UserRead) != 0 && !OperatingSystem.IsWindows())
                        {
                            // The configuration and its files keep the archive's mode: secret ones are owner-only.
                            fso.UnixCreateMode = mode | UnixFileMode.UserWrite;
                        }
                        var output = new FileStream(dest, fso);
                        await using (output.ConfigureAwait(false))
                        {
                            if (entry.DataStream is { } data)
                            {
                                var buf = new byte[1 << 16];
                                int n;
                                while ((n = await data.ReadAsync(buf, ct).ConfigureAwait(false)) > 0)
                                {
                                    await output.WriteAsync(buf.AsMemory(0, n), ct).ConfigureAwait(false);
                                    progress.Bytes += n;
                                    progress.Show(sw);
                                }
                            }
                            await output.FlushAsync(ct).ConfigureAwait(false);
                            output.Flush(flushToDisk: true);
                        }
                        File.SetLastWriteTimeUtc(dest, entry.ModificationTime.UtcDateTime);
                        files++;
                        progress.Files = files;
                        progress.Show(sw);
                    }
                }
            }
            if (expectedFiles < 0 || files != expectedFiles)
            {
                throw new InvalidDataException($"the archive is incomplete: {files} of {Math.Max(expectedFiles, 0)} files");
            }
        }
        catch (Exception e) when (e is IOException or InvalidDataException or FormatException or JsonException or UnauthorizedAccessException)
        {
            progress.Done();
            TryDeleteDir(tmp);
            return await Fail($"cannot restore {file}: {e.Message}").ConfigureAwait(false);
        }
        progress.Done(sw);

        string? configPath = null;
        var restoredConfigFiles = new List<(string Original, string Restored, bool External)>();
        if (hasConfig)
        {
            configPath = Path.Combine(dir, "config", "prometheus.yml");
            string configDir = configOutDir ?? Path.Combine(dir, "config");
            if (configOutDir is not null)
            {
                string staged = Path.Combine(tmp, "config", "prometheus.yml");
                Directory.CreateDirectory(configOutDir);
                File.Move(staged, configOut!, overwrite: true);
                configPath = configOut;
            }
            foreach (var (name, original) in manifest.ConfigFiles)
            {
                string staged = SafePath(tmp, name);
                if (!File.Exists(staged))
                {
                    continue;
                }
                if (BackupArchive.ConfigRelative(name) is { } rel)
                {
                    string target = Path.Combine(configDir, rel);
                    if (configOutDir is not null)
                    {
                        Directory.CreateDirectory(Path.GetDirectoryName(target)!);
                        File.Move(staged, target, overwrite: true); // an existing one only with --force, checked above
                    }
                    restoredConfigFiles.Add((original, target, false));
                }
                else
                {
                    // Named outside the configuration's folder: restored inside the data folder, never over the original.
                    restoredConfigFiles.Add((original, Path.Combine(dir, name), true));
                }
            }
            DeleteEmptyDirs(Path.Combine(tmp, "config"));
        }
        if (Directory.Exists(dir))
        {
            // Emptied and refilled rather than replaced, so that a mount point or a folder with special
            // permissions stays what it is.
            foreach (var e in Directory.EnumerateFileSystemEntries(dir))
            {
                if (Path.GetFileName(e) == Tsdb.DataDirLock.FileName)
                {
                    continue; // held until the folder is complete
                }
                if (Directory.Exists(e))
                {
                    Directory.Delete(e, recursive: true);
                }
                else
                {
                    File.Delete(e);
                }
            }
            foreach (var e in Directory.EnumerateFileSystemEntries(tmp))
            {
                string target = Path.Combine(dir, Path.GetFileName(e));
                if (Directory.Exists(e))
                {
                    Directory.Move(e, target);
                }
                else
                {
                    File.Move(e, target);
                }
            }
            Directory.Delete(tmp);
        }
        else
        {
            Directory.Move(tmp, dir);
        }
        await Console.Out.WriteLineAsync($"restore: {dir} holds {files} files, {Size(progress.Bytes)} from {file} in {sw.Elapsed.TotalSeconds:F1} s").ConfigureAwait(false);
        if (configPath is not null)
        {
            foreach (var (original, restored, external) in restoredConfigFiles)
            {
                await Console.Out.WriteLineAsync(!external
                    ? $"restore: restored {restored}, named by the configuration"
                    : $"restore: restored {original} as {restored}: it was outside the configuration's folder, so the configuration still names {original}").ConfigureAwait(false);
            }
            await TellSecretsAsync("restore", manifest, false).ConfigureAwait(false);
            if (manifest.SecretsRedacted || manifest.OmittedSecretFiles.Count > 0)
            {
                await Console.Out.WriteLineAsync($"restore: put the secrets back in {configPath} (and the secret files) before starting the server").ConfigureAwait(false);
            }
            await Console.Out.WriteLineAsync($"restore: the configuration is in {configPath}; start with: ariane serve --config.file {configPath} --storage.tsdb.path {dir}").ConfigureAwait(false);
        }
        return 0;
    }

    // Removes the empty folders under root (root too, when it ends up empty).
    private static void DeleteEmptyDirs(string root)
    {
        if (!Directory.Exists(root))
        {
            return;
        }
        foreach (string d in Directory.GetDirectories(root))
        {
            DeleteEmptyDirs(d);
        }
        if (IsEmpty(root))
        {
            Directory.Delete(root);
        }
    }

    // The path of an archive entry under root, refusing names that would land outside it.
    private static string SafePath(string root, string name)
    {
        if (name.Length == 0 || name.StartsWith('/') || name.Contains('\\', StringComparison.Ordinal))
        {
            throw new InvalidDataException($"bad entry name {name} in the archive");
        }
        foreach (var part in name.Split('/'))
        {
            if (part is "" or "." or "..")
            {
                throw new InvalidDataException($"bad entry name {name} in the archive");
            }
        }
        return Path.Combine(root, name);
    }

    private static bool IsEmpty(string dir)
    {
        using var e = Directory.EnumerateFileSystemEntries(dir).GetEnumerator();
        return !e.MoveNext();
    }

    private static string? ErrorText(string body)
    {
        try
        {
            using var doc = JsonDocument.Parse(body);
            return doc.RootElement.TryGetProperty("error", out var e) ? e.GetString() : null;
        }
        catch (JsonException)
        {
            return null;
        }
    }

    private static async Task<int> Fail(string message)
    {
        await Console.Error.WriteLineAsync("error: " + message).ConfigureAwait(false);
        return 1;
    }

    private static void TryDelete(string file)
    {
        try
        {
            File.Delete(file);
        }
        catch (IOException)
        {
        }
    }

    private static void TryDeleteDir(string dir)
    {
        try
        {
            if (Directory.Exists(dir))
            {
                Directory.Delete(dir, recursive: true);
            }
        }
        catch (IOException)
        {
        }
    }

    internal static string Size(long bytes) => bytes switch
    {
        < 1 << 10 => bytes.ToString(CultureInfo.InvariantCulture) + " B",
        < 1 << 20 => (bytes / 1024.0).ToString("F1", CultureInfo.InvariantCulture) + " KiB",
        < 1 << 30 => (bytes / 1048576.0).ToString("F1", CultureInfo.InvariantCulture) + " MiB",
        _ => (bytes / 1073741824.0).ToString("F2", CultureInfo.InvariantCulture) + " GiB",
    };

    /// <summary>One line of progress on stderr, rewritten in place, only when stderr is a terminal.</summary>
    private sealed class Progress(string what)
    {
        private readonly bool _enabled = !Console.IsErrorRedirected;
        private TimeSpan _last = TimeSpan.FromSeconds(-1);
        private bool _shown;

        public long Bytes;
        public long TotalBytes;
        public long Files;
        public long TotalFiles;

        public void Show(Stopwatch sw)
        {
            if (!_enabled || sw.Elapsed - _last < TimeSpan.FromMilliseconds(200))
            {
                return;
            }
            _last = sw.Elapsed;
            Write(sw.Elapsed);
        }

        private void Write(TimeSpan elapsed)
        {
            string bytes = TotalBytes > 0 ? $"{Size(Bytes)} of {Size(TotalBytes)}" : Size(Bytes);
            string files = TotalFiles > 0 ? $"{Files} of {TotalFiles} files" : $"{Files} files";
            Console.Error.Write($"\r{what}: {bytes}, {files}, {elapsed.TotalSeconds:F0} s\u001b[K");
            _shown = true;
        }

        /// <summary>Ends the line, showing the final figures when a line was shown at all.</summary>
        public void Done(Stopwatch? sw = null)
        {
            if (_enabled && _shown)
            {
                if (sw is not null)
                {
                    Write(sw.Elapsed);
                }
                Console.Error.WriteLine();
            }
        }
    }

    /// <summary>A read-only stream that copies what it reads to another stream, counting the bytes.</summary>
    private sealed class TeeStream(Stream source, Stream copy, Action<int> counted) : ForwardReadStream
    {
        public override int Read(byte[] buffer, int offset, int count)
        {
            int n = source.Read(buffer, offset, count);
            copy.Write(buffer, offset, n);
            counted(n);
            return n;
        }

        public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
            ReadAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

        public override async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
        {
            int n = await source.ReadAsync(buffer, cancellationToken).ConfigureAwait(false);
            await copy.WriteAsync(buffer[..n], cancellationToken).ConfigureAwait(false);
            counted(n);
            return n;
        }
    }
}
