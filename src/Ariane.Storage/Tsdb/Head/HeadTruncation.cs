using System.Globalization;
using Ariane.Tsdb.Blocks;
using Ariane.Tsdb.Wal;
using Microsoft.Extensions.Logging;

namespace Ariane.Tsdb;

// Truncation after a block is cut from the head, and the WAL checkpoint that lets old segments go.
//
// A checkpoint is a folder wal/checkpoint.NNNNNNNN holding ordinary WAL segments: a series record for every
// series of the head and the head's samples at or after the truncation time, as they were in memory just
// after segment NNNNNNNN+1 was started. Every segment up to NNNNNNNN is then deleted. Replay reads the newest
// checkpoint, then the segments after it; a sample found in both (committed between the cut and the copy) is
// the same sample twice, which the head ignores.
public sealed partial class Head
{
    private const string CheckpointPrefix = "checkpoint.";
    private const string TruncatedAtFile = "truncated_at";

    /// <summary>WAL checkpoints written since open.</summary>
    public long Checkpoints { get; private set; }

    /// <summary>
    /// Forgets what is before <paramref name="mint"/> (now in blocks): refuses older appends, drops finished
    /// chunks that end before it, and replaces the WAL segments written so far by a checkpoint.
    /// Called by one thread at a time (the database's compaction).
    /// </summary>
    internal void Truncate(long mint)
    {
        RaiseMinValidTime(mint);
        long cur;
        while (mint > (cur = Interlocked.Read(ref _queryMinTime)) && Interlocked.CompareExchange(ref _queryMinTime, mint, cur) != cur)
        {
        }
        // The head's new oldest time is where its data now start, not just mint: after a gap (a series that sent a
        // sample years ago, then nothing) the next cut starts at the next data instead of walking the empty ranges.
        // Reset first, so that appends racing with the scan lower it themselves (they are all at or after mint).
        Interlocked.Exchange(ref _minT, long.MaxValue);
        var scan = (Mint: mint, NewMin: long.MaxValue);
        Series.ForEachLocked(ref scan, static (MemSeries s, ref (long Mint, long NewMin) scan) =>
        {
            s.TruncateChunksBefore(scan.Mint);
            s.TruncateOooBefore(scan.Mint);
            var snap = s.Snapshot();
            if (!snap.IsEmpty && snap.MaxT >= scan.Mint)
            {
                scan.NewMin = Math.Min(scan.NewMin, Math.Max(snap.MinT, scan.Mint));
            }
            if (s.HasOoo)
            {
                scan.NewMin = Math.Min(scan.NewMin, Math.Max(s.OooMinT, scan.Mint));
            }
        });
        long newMin = scan.NewMin;
        ResetOooMinTime();
        while (newMin < (cur = Interlocked.Read(ref _minT)) && Interlocked.CompareExchange(ref _minT, newMin, cur) != cur)
        {
        }
        TruncateDeleted(mint);
        int next;
        CommitLock.EnterWriteLock();
        try
        {
            next = _wal!.Cut();
        }
        finally
        {
            CommitLock.ExitWriteLock();
        }
        string walDir = Path.Combine(_options.Path, "wal");
        WriteCheckpoint(walDir, next - 1, mint);
        foreach (int seg in WalReader.Segments(walDir))
        {
            if (seg < next)
            {
                File.Delete(Path.Combine(walDir, WalWriter.SegmentName(seg)));
            }
        }
        foreach (var dir in Directory.GetDirectories(walDir, CheckpointPrefix + "*"))
        {
            if (CheckpointNumber(dir) is int n && n < next - 1)
            {
                Directory.Delete(dir, recursive: true);
            }
        }
        Checkpoints++;
    }

    private void WriteCheckpoint(string walDir, int number, long mint)
    {
        string final = Path.Combine(walDir, CheckpointPrefix + WalWriter.SegmentName(number));
        string tmp = final + ".tmp";
        if (Directory.Exists(tmp))
        {
            Directory.Delete(tmp, recursive: true);
        }
        Directory.CreateDirectory(tmp);
        using (var w = new WalWriter(tmp, 0, _options.WalSegmentSize))
        using (var buf = new WalBuffer(64 << 10))
        {
            ulong last = Series.LastRef;
            foreach (var s in Series.All(last))
            {
                w.LogSeries(s.Ref, s.Labels);
            }
            w.Log([]);
            SeriesIterator? it = null; // one for all series: it may hold decode buffers
            foreach (var s in Series.All(last))
            {
                var snap = s.SnapshotLocked(out var ooo);
                if ((snap.IsEmpty || snap.MaxT < mint) && ooo.T.Length == 0)
                {
                    continue;
                }
                if (it is null)
                {
                    it = new SeriesIterator(snap, mint, long.MaxValue);
                }
                else
                {
                    it.Reset(snap, mint, long.MaxValue);
                }
                bool open = false;
                long baseT = 0;
                bool withSt = snap.Starts is not null;
                while (it.Next())
                {
                    if (!open)
                    {
                        buf.BeginRecord(withSt ? WalRecordType.SamplesWithStartTimes : WalRecordType.Samples);
                        buf.WriteUvarint(s.Ref);
                        buf.WriteVarint(it.T);
                        baseT = it.T;
                        open = true;
                    }
                    // As the appender writes them: series and time relative to the record's first sample.
                    buf.WriteVarint(0);
                    buf.WriteVarint(it.T - baseT);
                    buf.WriteUInt64(BitConverter.DoubleToUInt64Bits(it.V));
                    if (withSt)
                    {
                        buf.WriteUvarint(WalStartTime.Code(it.T, it.ST));
                    }
                    if (buf.OpenPayloadLength > 1 << 20)
                    {
                        buf.EndRecord();
                        open = false;
                    }
                }
                if (open)
                {
                    buf.EndRecord();
                }
                if (ooo.T.Length > 0)
                {
                    WriteOoo(buf, s.Ref, ooo, mint);
                }
                if (buf.Length > 1 << 20)
                {
                    w.Log(buf.Written);
                    buf.Clear();
                }
            }
            w.Log(buf.Written);
            LogDeleted(w, mint);
        }
        // Where the head was cut: after a restart the head refuses (and replay skips) samples before it, whatever
        // blocks there are (a backfilled block newer than that must not hide the head's samples).
        FileUtil.WriteAtomically(Path.Combine(tmp, TruncatedAtFile), System.Text.Encoding.ASCII.GetBytes(mint.ToString(CultureInfo.InvariantCulture)));
        FileUtil.SyncDir(tmp);
        Directory.Move(tmp, final);
        FileUtil.SyncDir(walDir);
    }

    // Out-of-order samples at or after mint, as one record of their own type (replay keeps them apart).
    private static void WriteOoo(WalBuffer buf, ulong seriesRef, (long[] T, double[] V) ooo, long mint)
    {
        int i = 0;
        while (i < ooo.T.Length && ooo.T[i] < mint)
        {
            i++;
        }
        if (i == ooo.T.Length)
        {
            return;
        }
        buf.BeginRecord(WalRecordType.OutOfOrderSamples);
        buf.WriteUvarint(seriesRef);
        buf.WriteVarint(ooo.T[i]);
        long baseT = ooo.T[i];
        for (; i < ooo.T.Length; i++)
        {
            buf.WriteVarint(0);
            buf.WriteVarint(ooo.T[i] - baseT);
            buf.WriteUInt64(BitConverter.DoubleToUInt64Bits(ooo.V[i]));
        }
        buf.EndRecord();
    }

    private static int? CheckpointNumber(string dir)
    {
        string name = Path.GetFileName(dir);
        return name.Length == CheckpointPrefix.Length + 8
            && int.TryParse(name.AsSpan(CheckpointPrefix.Length), NumberStyles.None, CultureInfo.InvariantCulture, out int n) ? n : null;
    }

    // Replays the newest complete checkpoint (deleting older ones, unfinished ones and the segments it replaces);
    // returns its number, or -1 when there is none. Before replaying, sets the head's minimum valid time to where
    // the checkpoint cut it; with no checkpoint there was no cut, so nothing of the WAL is in a block yet.
    private static int ReplayCheckpoint(Head head, string walDir, ref ReplayHandler replay, ILogger log)
    {
        int best = -1;
        string? bestDir = null;
        foreach (var dir in Directory.GetDirectories(walDir, CheckpointPrefix + "*"))
        {
            if (CheckpointNumber(dir) is int n)
            {
                if (n > best)
                {
                    if (bestDir is not null)
                    {
                        Directory.Delete(bestDir, recursive: true);
                    }
                    best = n;
                    bestDir = dir;
                }
                else
                {
                    Directory.Delete(dir, recursive: true);
                }
            }
            else
            {
                Directory.Delete(dir, recursive: true); // an unfinished checkpoint (.tmp)
            }
        }
        if (bestDir is null)
        {
            head._minValidTime = head._queryMinTime = long.MinValue;
            return -1;
        }
        string at = Path.Combine(bestDir, TruncatedAtFile);
        if (File.Exists(at) && long.TryParse(File.ReadAllText(at).Trim(), NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out long t))
        {
            head._minValidTime = head._queryMinTime = t;
        }
        foreach (int seg in WalReader.Segments(walDir))
        {
            if (seg <= best)
            {
                File.Delete(Path.Combine(walDir, WalWriter.SegmentName(seg)));
            }
        }
        WalReader.Replay(bestDir, ref replay, log);
        return best;
    }
}
