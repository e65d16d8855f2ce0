using Ariane.Storage;
using Ariane.Tsdb.Blocks;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace Ariane.Tsdb;

/// <summary>A block that failed to open and was moved aside.</summary>
public sealed record QuarantinedBlock(string Ulid, string Path, string Reason);

/// <summary>
/// The time-series database: the head (recent samples, WAL) plus immutable on-disk blocks. Appends go to the
/// head; queriers merge the blocks overlapping their range with the head. A background pass (every
/// <see cref="TsdbOptions.CompactionInterval"/>, or <see cref="Compact"/>) cuts the head's oldest
/// <see cref="TsdbOptions.BlockRange"/> into a block once the head spans 1.5 ranges, truncates the head and its
/// WAL, compacts blocks into larger ones level by level, and applies retention.
/// </summary>
public sealed partial class Db : IStorage, IDisposable
{
    /// <summary>The folder, inside the data folder, that blocks which fail to open are moved to (as Prometheus does).</summary>
    public const string QuarantineDir = "quarantine";
    private const string DeletionSuffix = ".tmp-for-deletion";

    private readonly TsdbOptions _options;
    private readonly TimeProvider _time;
    private readonly ILogger _log;
    private readonly Lock _compactLock = new();
    private readonly Lock _blocksLock = new();
    private readonly List<QuarantinedBlock> _quarantined = [];
    private Block[] _blocks;
    private ITimer? _timer;
    private DataDirLock? _lock;
    private bool _disposed;
    private long _compactions;
    private long _compactionsFailed;
    private long _headCompactions;
    private long _retentionTime;
    private long _retentionSize;

    private Db(TsdbOptions options, TimeProvider time, ILogger log, Block[] blocks)
    {
        _options = options;
        _time = time;
        _log = log;
        _blocks = blocks;
        Head = null!;
    }

    /// <summary>The head: recent samples and the WAL.</summary>
    public Head Head { get; private set; }

    /// <summary>The open blocks, oldest first (a snapshot).</summary>
    public IReadOnlyList<Block> Blocks => Volatile.Read(ref _blocks);

    /// <summary>Blocks moved aside because they failed to open.</summary>
    public IReadOnlyList<QuarantinedBlock> Quarantined
    {
        get
        {
            lock (_quarantined)
            {
                return [.. _quarantined];
            }
        }
    }

    /// <summary>Compactions (head and block) completed.</summary>
    public long Compactions => Interlocked.Read(ref _compactions);

    /// <summary>Compactions that failed.</summary>
    public long CompactionsFailed => Interlocked.Read(ref _compactionsFailed);

    /// <summary>Blocks cut from the head.</summary>
    public long HeadCompactions => Interlocked.Read(ref _headCompactions);

    /// <summary>Blocks deleted for being older than the retention time.</summary>
    public long TimeRetentionDeletions => Interlocked.Read(ref _retentionTime);

    /// <summary>Blocks deleted to stay under the retention size.</summary>
    public long SizeRetentionDeletions => Interlocked.Read(ref _retentionSize);

    /// <summary>Bytes of all blocks.</summary>
    public long BlocksSize
    {
        get
        {
            long n = 0;
            foreach (var b in Blocks)
            {
                n += b.Size;
            }
            return n;
        }
    }

    /// <summary>
    /// Opens the database in <see cref="TsdbOptions.Path"/>: removes leftovers of interrupted writes, opens every
    /// block (a block that fails its checks is moved to <c>quarantine/</c> and reported; the rest is served),
    /// replays the WAL into the head, and starts the background compaction timer. First it refuses a folder written by
    /// Prometheus (<see cref="ForeignDataDirectoryException"/>, nothing changed) and takes the folder's lock unless
    /// <see cref="TsdbOptions.NoLockfile"/> (<see cref="DataDirLockedException"/> when another process holds it).
    /// What it does and finds (damaged blocks, a cut WAL, compactions) goes to <paramref name="log"/> (<see cref="TsdbLog"/>).
    /// </summary>
    public static Db Open(TsdbOptions options, TimeProvider time, ILogger? log = null)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(time);
        if (options.BlockRange < TimeSpan.FromMilliseconds(1))
        {
            throw new ArgumentOutOfRangeException(nameof(options), "BlockRange must be positive");
        }
        // Before anything is created or locked: a folder another program wrote stays exactly as it is.
        ForeignDataDir.ThrowIfForeign(options.Path);
        Directory.CreateDirectory(options.Path);
        var dirLock = options.NoLockfile ? null : DataDirLock.Acquire(options.Path);
        try
        {
            return Open(options, time, log ?? NullLogger.Instance, dirLock);
        }
        catch
        {
            dirLock?.Dispose();
            throw;
        }
    }

    private static Db Open(TsdbOptions options, TimeProvider time, ILogger log, DataDirLock? dirLock)
    {
        RemoveUnfinishedSnapshots(options.Path, log);
        var db = new Db(options, time, log, []) { _lock = dirLock };
        var blocks = new List<Block>();
        foreach (var dir in Directory.GetDirectories(options.Path))
        {
            string name = System.IO.Path.GetFileName(dir);
            if (name.EndsWith(BlockWriter.TmpSuffix, StringComparison.Ordinal) || name.EndsWith(DeletionSuffix, StringComparison.Ordinal))
            {
                Directory.Delete(dir, recursive: true); // a block write or deletion a crash interrupted
                continue;
            }
            if (!Ulid.IsValid(name))
            {
                continue;
            }
            try
            {
                blocks.Add(Block.Open(dir));
            }
            catch (Exception e) when (e is CorruptBlockException or IOException or UnauthorizedAccessException)
            {
                db.Quarantine(dir, name, e.Message);
            }
        }
        // A compaction that wrote its block but was interrupted before deleting its parents: the parents go now.
        var parents = new HashSet<string>(StringComparer.Ordinal);
        foreach (var b in blocks)
        {
            foreach (var p in b.Meta.Parents)
            {
                parents.Add(p);
            }
        }
        var kept = new List<Block>();
        foreach (var b in blocks)
        {
            if (parents.Contains(b.Meta.Ulid))
            {
                b.Close();
                DeleteBlockDir(b.Dir);
                TsdbLog.CompactedBlockDeleted(log, b.Meta.Ulid);
            }
            else
            {
                kept.Add(b);
            }
        }
        kept.Sort(ByTime);
        db._blocks = [.. kept];
        long minValid = long.MinValue;
        foreach (var b in kept)
        {
            minValid = Math.Max(minValid, b.Meta.MaxTime);
        }
        // A block reaching far ahead of the clock (moved in, or cut before such samples were refused) must not make
        // the head refuse every sample until its end.
        minValid = Math.Min(minValid, TsdbOptions.LatestValidTime(time.GetUtcNow().ToUnixTimeMilliseconds(), options.MaxFutureTime));
        try
        {
            db.Head = Head.Open(options, time, log, minValid);
        }
        catch
        {
            foreach (var b in kept)
            {
                b.Close();
            }
            throw;
        }
        if (options.CompactionInterval > TimeSpan.Zero)
        {
            // As Prometheus: a commit that leaves the head spanning 1.5 block ranges starts a pass at once.
            db.Head.CompactableSpan = (long)options.BlockRange.TotalMilliseconds / 2 * 3;
            db.Head.Compactable = db.ScheduleCompaction;
            db._timer = time.CreateTimer(static s => ((Db)s!).TimerCompact(), db, options.CompactionInterval, options.CompactionInterval);
        }
        return db;
    }

    private void Quarantine(string dir, string ulid, string reason)
    {
        string qdir = System.IO.Path.Combine(_options.Path, QuarantineDir);
        string dest = System.IO.Path.Combine(qdir, ulid);
        try
        {
            Directory.CreateDirectory(qdir);
            if (Directory.Exists(dest))
            {
                dest += "-" + _time.GetUtcNow().ToUnixTimeMilliseconds().ToString(System.Globalization.CultureInfo.InvariantCulture);
            }
            Directory.Move(dir, dest);
            FileUtil.SyncDir(_options.Path);
        }
        catch (IOException e)
        {
            TsdbLog.QuarantineMoveFailed(_log, ulid, e.Message);
            dest = dir;
        }
        lock (_quarantined)
        {
            _quarantined.Add(new QuarantinedBlock(ulid, dest, reason));
        }
        TsdbLog.BlockQuarantined(_log, ulid, dest, reason);
    }

    /// <inheritdoc/>
    public IAppender Appender() => Head.Appender();

    /// <inheritdoc/>
    public IQuerier Querier(long mint, long maxt)
    {
        while (true)
        {
            var blocks = Volatile.Read(ref _blocks);
            var qs = new List<IQuerier>(4);
            bool disjoint = true, ok = true;
            long prevMax = long.MinValue;
            foreach (var b in blocks)
            {
                if (!b.Meta.Overlaps(mint, maxt))
                {
                    continue;
                }
                IQuerier q;
                try
                {
#pragma warning disable CA2000 // goes into qs: the returned MergeQuerier owns it, or the retry below disposes it
                    q = b.Querier(mint, maxt);
#pragma warning restore CA2000
                }
                catch (ObjectDisposedException)
                {
                    ok = false; // replaced by a compaction or deleted meanwhile: take the new list
                    break;
                }
                qs.Add(q);
                if (b.Meta.MinTime < prevMax)
                {
                    disjoint = false;
                }
                prevMax = Math.Max(prevMax, b.Meta.MaxTime);
            }
            if (!ok)
            {
                foreach (var q in qs)
                {
                    q.Dispose();
                }
                continue;
            }
            var head = Head;
            if (maxt >= head.QueryMinTime || qs.Count == 0)
            {
                if (head.QueryMinTime < prevMax)
                {
                    disjoint = false; // a block just cut, the head not truncated yet
                }
                qs.Add(head.Querier(mint, maxt));
            }
            return qs.Count == 1 ? qs[0] : new MergeQuerier([.. qs], disjoint);
        }
    }

    private int _scheduled;

    private void ScheduleCompaction()
    {
        if (Interlocked.Exchange(ref _scheduled, 1) == 0)
        {
            // Cleared only when the pass is over, so commits during a long pass queue nothing more; the pass
            // itself re-checks the head, and the timer catches anything that slips between.
            ThreadPool.UnsafeQueueUserWorkItem(static db =>
            {
                try
                {
                    db.TimerCompact();
                }
                finally
                {
                    Volatile.Write(ref db._scheduled, 0);
                }
            }, this, preferLocal: false);
        }
    }

    private void TimerCompact()
    {
        try
        {
            Compact();
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or CorruptBlockException or InvalidOperationException)
        {
            TsdbLog.CompactionFailed(_log, e.Message);
        }
    }

    /// <summary>
    /// Cuts blocks from the head while it spans more than 1.5 block ranges, then compacts blocks and applies
    /// retention. One pass at a time; safe to call from any thread.
    /// </summary>
    public void Compact()
    {
        lock (_compactLock)
        {
            if (_disposed)
            {
                return;
            }
            LoadNewBlocks();
            long range = (long)_options.BlockRange.TotalMilliseconds;
            bool more;
            do
            {
                // A few head blocks, then block compaction and retention, so that a head that grows faster than it
                // is cut (a backfill through remote write) does not starve the rest.
                more = false;
                for (int cuts = 0; ; cuts++)
                {
                    // The head's newest time counts only up to the clock's allowance: one sample dated far ahead would
                    // otherwise have the head cut, range after range, up to its time.
                    long hmin = Math.Max(Head.MinTime, Head.MinValidTime), hmax = Math.Min(Head.MaxTime, Head.MaxValidTime);
                    if (CompactionPlanner.NextHeadBlock(hmin, hmax, range) is not { } mint)
                    {
                        break;
                    }
                    if (cuts == 4)
                    {
                        more = true;
                        break;
                    }
                    CompactHead(mint, mint + range);
                }
                while (Plan() is { } group)
                {
                    CompactBlocks(group);
                }
                ApplyRetention();
            }
            while (more);
        }
    }

    /// <summary>
    /// Opens block folders that appeared in the data folder since the database opened (blocks made by
    /// <c>ariane tsdb create-blocks-from</c> or <c>ariane migrate</c> and moved in): they are served from now on,
    /// and overlapping ones are compacted with their neighbours. Runs at every compaction pass.
    /// </summary>
    public int LoadNewBlocks()
    {
        var known = new HashSet<string>(StringComparer.Ordinal);
        foreach (var b in Volatile.Read(ref _blocks))
        {
            known.Add(b.Meta.Ulid);
        }
        int added = 0;
        foreach (var dir in Directory.GetDirectories(_options.Path))
        {
            string name = System.IO.Path.GetFileName(dir);
            if (!Ulid.IsValid(name) || known.Contains(name) || !File.Exists(System.IO.Path.Combine(dir, BlockMeta.FileName)))
            {
                continue;
            }
            try
            {
                var b = Block.Open(dir);
                AddBlock(b);
                added++;
                TsdbLog.NewBlockLoaded(_log, name, b.Meta.MinTime, b.Meta.MaxTime, b.Meta.NumSeries);
            }
            catch (Exception e) when (e is CorruptBlockException or IOException or UnauthorizedAccessException)
            {
                Quarantine(dir, name, e.Message);
            }
        }
        return added;
    }

    /// <summary>Writes the head's samples in [mint, maxt) as a block and truncates the head at maxt.</summary>
    private void CompactHead(long mint, long maxt)
    {
        var start = _time.GetTimestamp();
        // First refuse new samples before maxt, and wait for commits already past their check to finish applying,
        // so that the block holds every sample of its range the head will ever have.
        Head.RaiseMinValidTime(maxt);
        Head.CommitLock.EnterWriteLock();
        Head.CommitLock.ExitWriteLock();
        BlockMeta? meta;
        try
        {
            using var q = Head.RawQuerier(mint, maxt - 1);
            meta = BlockWriter.Write(_options.Path, mint, maxt, q.Select(true), BlockLineage.Fresh, _time);
        }
        catch
        {
            Interlocked.Increment(ref _compactionsFailed);
            throw;
        }
        if (meta is not null)
        {
            AddBlock(Block.Open(System.IO.Path.Combine(_options.Path, meta.Ulid)));
        }
        Head.Truncate(maxt);
        Interlocked.Increment(ref _compactions);
        Interlocked.Increment(ref _headCompactions);
        if (meta is null)
        {
            TsdbLog.HeadTruncatedEmpty(_log, mint, maxt);
        }
        else
        {
            TsdbLog.HeadCompacted(_log, meta.Ulid, mint, maxt, meta.NumSeries, meta.NumSamples, (long)_time.GetElapsedTime(start).TotalMilliseconds);
        }
    }

    // The next group of blocks to compact (see CompactionPlanner.Plan), or null.
    private List<Block>? Plan()
    {
        var blocks = Volatile.Read(ref _blocks);
        var levels = CompactionPlanner.Levels((long)_options.BlockRange.TotalMilliseconds,
            (long)_options.MaxBlockRange.TotalMilliseconds, (long)_options.RetentionTime.TotalMilliseconds);
        if (CompactionPlanner.Plan(Metas(blocks), levels) is not { } run)
        {
            return null;
        }
        return [.. blocks.AsSpan(run)];
    }

    private static BlockMeta[] Metas(Block[] blocks)
    {
        var metas = new BlockMeta[blocks.Length];
        for (int i = 0; i < blocks.Length; i++)
        {
            metas[i] = blocks[i].Meta;
        }
        return metas;
    }

    private void CompactBlocks(List<Block> group)
    {
        var start = _time.GetTimestamp();
        long mint = long.MaxValue, maxt = long.MinValue;
        int level = 0;
        var sources = new SortedSet<string>(StringComparer.Ordinal);
        var parents = new List<string>();
        bool disjoint = true;
        long prevMax = long.MinValue;
        foreach (var b in group)
        {
            mint = Math.Min(mint, b.Meta.MinTime);
            maxt = Math.Max(maxt, b.Meta.MaxTime);
            level = Math.Max(level, b.Meta.Level);
            foreach (var s in b.Meta.Sources)
            {
                sources.Add(s);
            }
            parents.Add(b.Meta.Ulid);
            disjoint &= b.Meta.MinTime >= prevMax;
            prevMax = Math.Max(prevMax, b.Meta.MaxTime);
        }
        BlockMeta? meta;
        try
        {
            var qs = new IQuerier[group.Count];
            for (int i = 0; i < group.Count; i++)
            {
                qs[i] = group[i].Querier(mint, maxt - 1);
            }
            using var q = new MergeQuerier(qs, disjoint);
            meta = BlockWriter.Write(_options.Path, mint, maxt, q.Select(true), new BlockLineage(level + 1, [.. sources], parents), _time);
        }
        catch (CorruptBlockException e)
        {
            Interlocked.Increment(ref _compactionsFailed);
            // Find which block is damaged, move it aside, and let the next pass compact the rest.
            foreach (var b in group)
            {
                if (b.Verify() is { } problem)
                {
                    RemoveBlocks([b], deleteFiles: false);
                    Quarantine(b.Dir, b.Meta.Ulid, problem);
                }
            }
            TsdbLog.CompactionFailed(_log, e.Message);
            return;
        }
        catch
        {
            Interlocked.Increment(ref _compactionsFailed);
            throw;
        }
        if (meta is not null)
        {
            AddBlock(Block.Open(System.IO.Path.Combine(_options.Path, meta.Ulid)));
        }
        RemoveBlocks(group, deleteFiles: true);
        Interlocked.Increment(ref _compactions);
        TsdbLog.BlocksCompacted(_log, group.Count, meta?.Ulid ?? "none (all deleted)", mint, maxt, level + 1, (long)_time.GetElapsedTime(start).TotalMilliseconds);
    }

    // Deletes the blocks Retention picks: first by age, then the oldest while the blocks and the WAL exceed the size.
    private void ApplyRetention()
    {
        var blocks = Volatile.Read(ref _blocks);
        if (blocks.Length == 0)
        {
            return;
        }
        if (_options.RetentionTime > TimeSpan.Zero)
        {
            var picked = Retention.ByTime(Metas(blocks), Head.MaxTime, Head.MaxValidTime, (long)_options.RetentionTime.TotalMilliseconds);
            if (picked.Count > 0)
            {
                var doomed = new List<Block>(picked.Count);
                foreach (int i in picked)
                {
                    doomed.Add(blocks[i]);
                }
                Interlocked.Add(ref _retentionTime, doomed.Count);
                TsdbLog.TimeRetention(_log, doomed.Count, _options.RetentionTime);
                RemoveBlocks(doomed, deleteFiles: true);
            }
        }
        if (_options.RetentionSize > 0)
        {
            blocks = Volatile.Read(ref _blocks);
            var sizes = new long[blocks.Length];
            for (int i = 0; i < blocks.Length; i++)
            {
                sizes[i] = blocks[i].Size;
            }
            int n = Retention.BySize(sizes, WalSize(), _options.RetentionSize);
            if (n > 0)
            {
                Interlocked.Add(ref _retentionSize, n);
                TsdbLog.SizeRetention(_log, n, _options.RetentionSize);
                RemoveBlocks([.. blocks.AsSpan(0, n)], deleteFiles: true);
            }
        }
    }

    /// <summary>Bytes of the WAL folder (segments and checkpoint).</summary>
    public long WalSize()
    {
        string wal = System.IO.Path.Combine(_options.Path, "wal");
        return Directory.Exists(wal) ? FileUtil.DirSize(wal) : 0;
    }

    private void AddBlock(Block b)
    {
        lock (_blocksLock)
        {
            var list = new List<Block>(_blocks) { b };
            list.Sort(ByTime);
            Volatile.Write(ref _blocks, [.. list]);
        }
    }

    private void RemoveBlocks(List<Block> gone, bool deleteFiles)
    {
        lock (_blocksLock)
        {
            var list = new List<Block>(_blocks);
            list.RemoveAll(gone.Contains);
            Volatile.Write(ref _blocks, [.. list]);
        }
        foreach (var b in gone)
        {
            b.Close();
            if (deleteFiles)
            {
                DeleteBlockDir(b.Dir);
            }
        }
    }

    // Renames first, so that a crash half-way through the deletion leaves a folder that is recognisably garbage.
    private static void DeleteBlockDir(string dir)
    {
        string tmp = dir + DeletionSuffix;
        Directory.Move(dir, tmp);
        FileUtil.SyncDir(System.IO.Path.GetDirectoryName(dir)!);
        Directory.Delete(tmp, recursive: true);
    }

    // Blocks oldest first (by start, then by ULID), the order queriers and the planner expect.
    private static int ByTime(Block a, Block b) =>
        a.Meta.MinTime != b.Meta.MinTime ? a.Meta.MinTime.CompareTo(b.Meta.MinTime) : string.CompareOrdinal(a.Meta.Ulid, b.Meta.Ulid);

    /// <summary>Stops the compaction timer, waits for a running pass, closes the blocks and the head.</summary>
    public void Dispose()
    {
        _timer?.Dispose();
        lock (_compactLock)
        {
            if (_disposed)
            {
                return;
            }
            _disposed = true;
        }
        Head?.Dispose();
        foreach (var b in Volatile.Read(ref _blocks))
        {
            b.Close();
        }
        _lock?.Dispose(); // last: until the WAL is closed, no other process may open the folder
    }
}
