using System.Globalization;
using Ariane.Tsdb.Blocks;
using Ariane.Tsdb.Wal;

namespace Ariane.Tsdb;

/// <summary>One file of a backup: its name in the archive (relative to the data folder), its staged copy, and how many of its bytes belong to the backup.</summary>
public readonly record struct BackupFile(string Name, string Path, long Length);

/// <summary>
/// A consistent state of the database, frozen by hard links in a staging folder while ingestion goes on: every
/// block's files, the WAL checkpoint and the WAL segments, with the length each WAL segment had at the moment the
/// state was taken (the current segment keeps growing behind the link; only its first <see cref="BackupFile.Length"/>
/// bytes, whole records, belong to the backup). Disposing deletes the staging folder.
/// </summary>
public sealed class BackupSet : IDisposable
{
    internal BackupSet(string dir, List<BackupFile> files)
    {
        Dir = dir;
        Files = files;
        long n = 0;
        foreach (var f in files)
        {
            n += f.Length;
        }
        TotalBytes = n;
    }

    /// <summary>The staging folder.</summary>
    public string Dir { get; }

    /// <summary>The files, blocks first (oldest first), then the WAL checkpoint and segments in order.</summary>
    public IReadOnlyList<BackupFile> Files { get; }

    /// <summary>The bytes of all files.</summary>
    public long TotalBytes { get; }

    /// <summary>Deletes the staging folder (the links; the database's own files are untouched).</summary>
    public void Dispose()
    {
        try
        {
            if (Directory.Exists(Dir))
            {
                Directory.Delete(Dir, recursive: true);
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

public sealed partial class Db
{
    /// <summary>
    /// Freezes the current state of the database for a backup, without stopping ingestion: under the compaction
    /// lock (so no block is cut, compacted or deleted and no checkpoint is written meanwhile) every block file, the
    /// WAL checkpoint and every WAL segment is hard-linked into a staging folder under <c>snapshots/</c>, and the
    /// current segment's length is read while no commit is writing. Every sample whose commit returned before the
    /// call is in the set. The caller streams the files and disposes the set.
    /// </summary>
    public BackupSet PrepareBackup()
    {
        string name = "backup-" + _time.GetUtcNow().UtcDateTime.ToString("yyyyMMdd'T'HHmmss'Z'", CultureInfo.InvariantCulture) + "-" +
            Random.Shared.NextInt64().ToString("x16", CultureInfo.InvariantCulture) + UnfinishedSuffix;
        string staging = Path.Combine(_options.Path, SnapshotsDir, name);
        Directory.CreateDirectory(staging);
        var files = new List<(string Relative, string Path, long Length)>();
        try
        {
            lock (_compactLock)
            {
                ObjectDisposedException.ThrowIf(_disposed, this);
                foreach (var b in Volatile.Read(ref _blocks))
                {
                    HardLinks.LinkTree(b.Dir, Path.Combine(staging, b.Meta.Ulid), files);
                }
                Head.StageWal(Path.Combine(staging, "wal"), files);
            }
        }
        catch
        {
            TryDeleteDir(staging);
            throw;
        }
        var list = new List<BackupFile>(files.Count);
        foreach (var (rel, path, len) in files)
        {
            list.Add(new BackupFile(rel, path, len));
        }
        return new BackupSet(staging, list);
    }
}

public sealed partial class Head
{
    // Links the newest checkpoint and the segments into dest; the current segment's length is read with the commit
    // lock held for writing, when no commit is between its WAL write and its return (so the length ends on a record).
    internal void StageWal(string dest, List<(string Relative, string Path, long Length)> files)
    {
        ObjectDisposedException.ThrowIf(Volatile.Read(ref _disposed) != 0, this);
        string walDir = Path.Combine(_options.Path, "wal");
        int current;
        long currentLength;
        CommitLock.EnterWriteLock();
        try
        {
            current = _wal!.CurrentSegment;
            currentLength = new FileInfo(Path.Combine(walDir, WalWriter.SegmentName(current))).Length;
        }
        finally
        {
            CommitLock.ExitWriteLock();
        }
        Directory.CreateDirectory(dest);
        int checkpoint = -1;
        foreach (var dir in Directory.GetDirectories(walDir, CheckpointPrefix + "*"))
        {
            if (CheckpointNumber(dir) is int n && n > checkpoint)
            {
                checkpoint = n;
            }
        }
        if (checkpoint >= 0)
        {
            string cp = CheckpointPrefix + WalWriter.SegmentName(checkpoint);
            HardLinks.LinkTree(Path.Combine(walDir, cp), Path.Combine(dest, cp), files, "wal/" + cp);
        }
        foreach (int seg in WalReader.Segments(walDir))
        {
            if (seg > current || seg <= checkpoint)
            {
                continue;
            }
            string segName = WalWriter.SegmentName(seg);
            string target = Path.Combine(dest, segName);
            HardLinks.LinkFile(Path.Combine(walDir, segName), target);
            files.Add(("wal/" + segName, target, seg == current ? currentLength : new FileInfo(target).Length));
        }
        FileUtil.SyncDir(dest);
    }
}
