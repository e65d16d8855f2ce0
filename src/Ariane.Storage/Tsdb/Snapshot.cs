using System.Runtime.InteropServices;
using Ariane.Tsdb.Blocks;
using Microsoft.Extensions.Logging;

namespace Ariane.Tsdb;

// Snapshots (the admin API's tsdb/snapshot) and the staging of backups: both hard-link the immutable files of the
// blocks into a folder of their own under <data>/snapshots/, taking the list of blocks under the compaction lock,
// so that what they hold is one consistent state of the database. A folder being filled ends in ".tmp" and is
// renamed when complete; opening the database deletes leftovers of interrupted ones.
public sealed partial class Db
{
    /// <summary>The folder under the data folder that holds snapshots.</summary>
    public const string SnapshotsDir = "snapshots";

    private const string UnfinishedSuffix = ".tmp";

    /// <summary>
    /// Writes a snapshot into <paramref name="dir"/> (which must not exist): a hard link of every file of every
    /// block and, when <paramref name="withHead"/>, the head's samples (deleted ones left out) as one more block,
    /// as Prometheus does. The folder is a data folder: <c>ariane serve --storage.tsdb.path</c> opens it.
    /// Built under <c>dir.tmp</c> and renamed when complete.
    /// </summary>
    public void Snapshot(string dir, bool withHead)
    {
        ArgumentException.ThrowIfNullOrEmpty(dir);
        dir = Path.GetFullPath(dir).TrimEnd('/');
        if (Directory.Exists(dir))
        {
            throw new IOException($"snapshot folder {dir} exists already");
        }
        string tmp = dir + UnfinishedSuffix;
        if (Directory.Exists(tmp))
        {
            Directory.Delete(tmp, recursive: true);
        }
        Directory.CreateDirectory(tmp);
        try
        {
            var start = _time.GetTimestamp();
            int blocks;
            BlockMeta? headBlock = null;
            lock (_compactLock)
            {
                ObjectDisposedException.ThrowIf(_disposed, this);
                var list = Volatile.Read(ref _blocks);
                foreach (var b in list)
                {
                    HardLinks.LinkTree(b.Dir, Path.Combine(tmp, b.Meta.Ulid), null);
                }
                blocks = list.Length;
                if (withHead)
                {
                    // What queries of the head see: from QueryMinTime on, out-of-order samples included.
                    long mint = Math.Max(Head.QueryMinTime, Math.Min(Head.MinTime, Head.OutOfOrderMinTime)), maxt = Head.MaxTime;
                    if (maxt != long.MinValue && mint <= maxt)
                    {
                        using var q = Head.Querier(mint, maxt);
                        headBlock = BlockWriter.Write(tmp, mint, maxt + 1, q.Select(true), BlockLineage.Fresh, _time);
                    }
                }
            }
            FileUtil.SyncDir(tmp);
            Directory.Move(tmp, dir);
            FileUtil.SyncDir(Path.GetDirectoryName(dir)!);
            long ms = (long)_time.GetElapsedTime(start).TotalMilliseconds;
            if (headBlock is null)
            {
                TsdbLog.SnapshotWritten(_log, dir, blocks, ms);
            }
            else
            {
                TsdbLog.SnapshotWrittenWithHead(_log, dir, blocks, headBlock.Ulid, headBlock.NumSeries, headBlock.NumSamples, ms);
            }
        }
        catch
        {
            TryDeleteDir(tmp);
            throw;
        }
    }

    // Deletes <data>/snapshots/*.tmp: snapshots and backup stagings a crash interrupted.
    private static void RemoveUnfinishedSnapshots(string dataDir, ILogger log)
    {
        string snaps = Path.Combine(dataDir, SnapshotsDir);
        if (!Directory.Exists(snaps))
        {
            return;
        }
        foreach (var d in Directory.GetDirectories(snaps, "*" + UnfinishedSuffix))
        {
            Directory.Delete(d, recursive: true);
            TsdbLog.UnfinishedSnapshotDeleted(log, d);
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
        catch (UnauthorizedAccessException)
        {
        }
    }
}

/// <summary>Hard links for snapshots and backups (a copy where the file system refuses a link).</summary>
internal static partial class HardLinks
{
    [LibraryImport("libc", EntryPoint = "link", StringMarshalling = StringMarshalling.Utf8, SetLastError = true)]
    private static partial int Link(string oldPath, string newPath);

    /// <summary>Links (or copies) <paramref name="source"/> to <paramref name="dest"/>, which must not exist.</summary>
    public static void LinkFile(string source, string dest)
    {
        if ((OperatingSystem.IsLinux() || OperatingSystem.IsMacOS()) && Link(source, dest) == 0)
        {
            return;
        }
        // Another file system, or one without hard links: a copy is as good, only bigger.
        File.Copy(source, dest);
        using var f = new FileStream(dest, FileMode.Open, FileAccess.ReadWrite);
        f.Flush(flushToDisk: true);
    }

    /// <summary>
    /// Links every file under <paramref name="source"/> into the same place under <paramref name="dest"/>, leaving
    /// out temporary files (<c>*.tmp</c>); each linked file's path relative to <paramref name="dest"/>'s parent and
    /// its length go to <paramref name="files"/> when given.
    /// </summary>
    public static void LinkTree(string source, string dest, List<(string Relative, string Path, long Length)>? files, string? relativeBase = null)
    {
        Directory.CreateDirectory(dest);
        relativeBase ??= Path.GetFileName(dest);
        foreach (var f in Directory.GetFiles(source))
        {
            string name = Path.GetFileName(f);
            if (name.EndsWith(".tmp", StringComparison.Ordinal))
            {
                continue;
            }
            string target = Path.Combine(dest, name);
            LinkFile(f, target);
            files?.Add((relativeBase + "/" + name, target, new FileInfo(target).Length));
        }
        foreach (var d in Directory.GetDirectories(source))
        {
            string name = Path.GetFileName(d);
            if (name.EndsWith(".tmp", StringComparison.Ordinal))
            {
                continue;
            }
            LinkTree(d, Path.Combine(dest, name), files, relativeBase + "/" + name);
        }
        FileUtil.SyncDir(dest);
    }
}
