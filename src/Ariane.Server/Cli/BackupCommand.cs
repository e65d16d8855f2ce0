using System.CommandLine;
using System.Diagnostics;
using System.Formats.Tar;
using System.Globalization;
using System.IO.Compression;
using System.Text.Json;
using Ariane.Server.Api.V1;
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
        var server = new Option<string>("--server") { Description = "The running server's URL (started with --web.enable-admin-api).", DefaultValueFactory = _ => "http://127.0.0.1:9095" };
        var file = new Argument<string>("file") { Description = "The archive to write: a tar, or a gzip-compressed tar when the name ends in .gz or .tgz." };
        var cmd = new Command("backup", "Stream a consistent backup (blocks, WAL, configuration) of a running server into a file, without stopping it.") { server, file };
        cmd.SetAction((pr, ct) => RunBackupAsync(pr.GetValue(server)!, pr.GetValue(file)!, ct));
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

    private static async Task<int> RunBackupAsync(string server, string file, CancellationToken ct)
    {
        bool gzip = Gzipped(file);
        string part = file + ".part";
        var sw = Stopwatch.StartNew();
        using var client = new HttpClient { BaseAddress = new Uri(server), Timeout = Timeout.InfiniteTimeSpan };
        HttpResponseMessage resp;
        try
        {
            resp = await client.GetAsync("/api/v1/admin/tsdb/backup" + (gzip ? "?compress=gzip" : ""), HttpCompletionOption.ResponseHeadersRead, ct).ConfigureAwait(false);
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
                                (expectedFiles, _) = await ReadManifestAsync(entry, ct).ConfigureAwait(false);
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
            return 0;
        }
    }

    private static async Task<(long Files, long Bytes)> ReadManifestAsync(TarEntry entry, CancellationToken ct)
    {
        if (entry.Name != AdminApi.ManifestName || entry.DataStream is null)
        {
            throw new InvalidDataException($"not an Ariane backup: the first entry is {entry.Name}, not {AdminApi.ManifestName}");
        }
        using var doc = await JsonDocument.ParseAsync(entry.DataStream, cancellationToken: ct).ConfigureAwait(false);
        var root = doc.RootElement;
        if (!root.TryGetProperty("format", out var f) || f.GetString() != "ariane-backup" || root.GetProperty("version").GetInt32() != 1)
        {
            throw new InvalidDataException("not an Ariane backup of a version this program reads");
        }
        return (root.GetProperty("files").GetInt64(), root.GetProperty("bytes").GetInt64());
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
                            (expectedFiles, progress.TotalBytes) = await ReadManifestAsync(entry, ct).ConfigureAwait(false);
                            progress.TotalFiles = expectedFiles;
                            continue;
                        }
                        if (entry.EntryType is not (TarEntryType.RegularFile or TarEntryType.V7RegularFile))
                        {
                            continue;
                        }
                        string dest;
                        if (entry.Name == AdminApi.ConfigName)
                        {
                            hasConfig = true;
                            dest = Path.Combine(tmp, "config", "prometheus.yml");
                        }
                        else if (entry.Name.StartsWith(AdminApi.DataPrefix, StringComparison.Ordinal))
                        {
                            dest = SafePath(tmp, entry.Name[AdminApi.DataPrefix.Length..]);
                        }
                        else
                        {
                            throw new InvalidDataException($"unexpected entry {entry.Name} in the archive");
                        }
                        Directory.CreateDirectory(Path.GetDirectoryName(dest)!);
                        var output = new FileStream(dest, FileMode.CreateNew, FileAccess.Write, FileShare.None, 1 << 16, FileOptions.Asynchronous);
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
        if (hasConfig)
        {
            configPath = Path.Combine(dir, "config", "prometheus.yml");
            if (!string.IsNullOrEmpty(configOut))
            {
                string staged = Path.Combine(tmp, "config", "prometheus.yml");
                Directory.CreateDirectory(Path.GetDirectoryName(Path.GetFullPath(configOut))!);
                File.Move(staged, configOut, overwrite: true);
                Directory.Delete(Path.Combine(tmp, "config"));
                configPath = configOut;
            }
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
            await Console.Out.WriteLineAsync($"restore: the configuration is in {configPath}; start with: ariane serve --config.file {configPath} --storage.tsdb.path {dir}").ConfigureAwait(false);
        }
        return 0;
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
