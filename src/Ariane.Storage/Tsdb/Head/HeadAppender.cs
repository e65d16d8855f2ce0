using Ariane.Model;
using Ariane.Storage;
using Ariane.Tsdb.Wal;

namespace Ariane.Tsdb;

/// <summary>
/// A batch of samples for the head. Append resolves the series (creating it if needed, as Prometheus does)
/// and checks the sample against the committed state; Commit logs the batch to the WAL and then applies it.
/// </summary>
internal sealed class HeadAppender(Head head) : IAppender
{
    private readonly record struct Pending(MemSeries Series, long T, double V, bool Ooo, long St);

    // Samples records are split at this payload size so replay never needs a huge buffer.
    private const int MaxSamplesRecord = 1 << 20;

    [ThreadStatic]
    private static WalBuffer? t_buffer;

    // The newest timestamp accepted, read from the clock once per batch (as Prometheus's time-limit appender does), so
    // that the per-sample check is a comparison.
    private readonly long _maxValid = head.MaxValidTime;

    private static int s_lastBatch;

    // Marks the series this batch holds pending in-order samples of (MemSeries.PendingBatch); ids wrap, which is safe
    // because a mark is trusted only when the pending slot it names holds that series.
    private readonly int _batch = Interlocked.Increment(ref s_lastBatch);

    private Pending[] _pending = [];
    private int _count;
    private int _oooCount;
    private int _stCount;
    private bool _done;

    public AppendStatus Append(ref ulong seriesRef, Labels labels, long timestampMs, double value) =>
        Append(ref seriesRef, labels, timestampMs, value, 0);

    public AppendStatus Append(ref ulong seriesRef, Labels labels, long timestampMs, double value, long startTimestampMs)
    {
        if (_done)
        {
            ThrowDone();
        }
        if (timestampMs < head.MinValidTime)
        {
            head.CountRejected(SampleResult.OutOfBounds);
            return AppendStatus.OutOfBounds;
        }
        if (timestampMs > _maxValid)
        {
            head.CountTooFarInFuture();
            return AppendStatus.TooFarInFuture;
        }
        var s = seriesRef != 0 ? head.Series.GetByRef(seriesRef) : null;
        if (s is null || s.Labels.Hash != labels.Hash)
        {
            if (!Head.ValidLabels(labels))
            {
                return AppendStatus.InvalidLabels;
            }
            s = head.GetOrCreate(labels);
            seriesRef = s.Ref;
        }
        bool ooo = false;
        var check = s.Check(timestampMs, value);
        if (check == SampleResult.Appended && s.PendingBatch == _batch)
        {
            // Newer than what is committed, but this batch may already hold newer samples of the series, which Check
            // cannot see: without this, the sample would be logged and then dropped at commit without a word.
            check = CheckPending(s, timestampMs, value);
        }
        switch (check)
        {
            case SampleResult.OutOfOrder:
                long window = head.OooWindowMs;
                if (window == 0)
                {
                    head.CountRejected(SampleResult.OutOfOrder);
                    return AppendStatus.OutOfOrder;
                }
                long newest = Math.Min(head.MaxTime, _maxValid); // a sample held from far ahead does not make all others too old
                if (newest != long.MinValue && timestampMs < newest - window)
                {
                    head.CountRejected(SampleResult.TooOld);
                    return AppendStatus.TooOld;
                }
                ooo = true;
                break;

            case SampleResult.DuplicateTimestamp:
                head.CountRejected(SampleResult.DuplicateTimestamp);
                return AppendStatus.DuplicateTimestamp;
            case SampleResult.SameSample:
                return AppendStatus.Ok;
        }
        if (_count == _pending.Length)
        {
            Grow();
        }
        // Out-of-order samples keep no start timestamp (see MemSeries.StartTimes).
        long st = ooo ? 0 : Chunks.StartTimes.Sanitize(timestampMs, startTimestampMs);
        _pending[_count++] = new Pending(s, timestampMs, value, ooo, st);
        if (ooo)
        {
            _oooCount++;
        }
        else
        {
            s.PendingBatch = _batch;
            s.PendingIndex = _count - 1;
        }
        if (st != 0)
        {
            _stCount++;
        }
        return AppendStatus.Ok;
    }

    // Checks a sample against the newest in-order sample this batch holds for the series, as MemSeries.Check does
    // against the committed ones.
    private SampleResult CheckPending(MemSeries s, long t, double v)
    {
        int i = s.PendingIndex;
        if ((uint)i >= (uint)_count || !ReferenceEquals(_pending[i].Series, s))
        {
            return SampleResult.Appended;
        }
        ref readonly var last = ref _pending[i];
        if (t > last.T)
        {
            return SampleResult.Appended;
        }
        if (t < last.T)
        {
            return SampleResult.OutOfOrder;
        }
        return BitConverter.DoubleToUInt64Bits(v) == BitConverter.DoubleToUInt64Bits(last.V) ? SampleResult.SameSample : SampleResult.DuplicateTimestamp;
    }

    public Labels? SeriesLabels(ulong seriesRef) => seriesRef == 0 ? null : head.Series.GetByRef(seriesRef)?.Labels;

    private void Grow()
    {
        var b = BufferPool<Pending>.Shared.Rent(Math.Max(64, _pending.Length * 2));
        Array.Copy(_pending, b, _count);
        Release();
        _pending = b;
    }

    private void Release()
    {
        if (_pending.Length > 0)
        {
            // Drop the series references before the array goes back to the pool.
            Array.Clear(_pending, 0, _count);
            BufferPool<Pending>.Shared.Return(_pending);
        }
        _pending = [];
    }

    public void Commit()
    {
        if (_done)
        {
            ThrowDone();
        }
        _done = true;
        try
        {
            var buf = t_buffer ??= new WalBuffer(64 << 10);
            buf.Clear();
            Encode(buf);
            head.CommitLock.EnterReadLock();
            try
            {
                // With no samples this still writes the series created by this batch, so that they are durable
                // like their samples would be.
                try
                {
                    head.Wal.Log(buf.Written);
                    head.WalWriteSucceeded();
                }
                catch (IOException e)
                {
                    // A full or failing disk: nothing of the batch is applied, and the WAL holds no part of it.
                    head.WalWriteFailed(e);
                    throw new IOException("write-ahead log write failed, the batch was not stored: " + e.Message, e);
                }
                Apply();
            }
            finally
            {
                head.CommitLock.ExitReadLock();
            }
            if (buf.Length > 4 << 20)
            {
                // Do not keep a huge buffer per thread after a rare huge batch.
                buf.Dispose();
                t_buffer = null;
            }
            head.CheckCompactable();
        }
        finally
        {
            Release();
        }
    }

    private void Encode(WalBuffer buf)
    {
        // A batch with start timestamps writes its in-order samples in records that carry them.
        var inOrder = _stCount > 0 ? WalRecordType.SamplesWithStartTimes : WalRecordType.Samples;
        if (_oooCount == 0)
        {
            Encode(buf, inOrder, ooo: false);
        }
        else
        {
            // Out-of-order samples go in records of their own type, so that replay puts them back where they were.
            if (_oooCount < _count)
            {
                Encode(buf, inOrder, ooo: false);
            }
            Encode(buf, WalRecordType.OutOfOrderSamples, ooo: true);
        }
    }

    private void Encode(WalBuffer buf, WalRecordType type, bool ooo)
    {
        int i = 0;
        bool all = _oooCount == 0;
        bool withSt = type == WalRecordType.SamplesWithStartTimes;
        while (true)
        {
            while (i < _count && !all && _pending[i].Ooo != ooo)
            {
                i++;
            }
            if (i >= _count)
            {
                return;
            }
            buf.BeginRecord(type);
            ulong baseRef = _pending[i].Series.Ref;
            long baseT = _pending[i].T;
            buf.WriteUvarint(baseRef);
            buf.WriteVarint(baseT);
            for (; i < _count && buf.OpenPayloadLength < MaxSamplesRecord; i++)
            {
                ref readonly var p = ref _pending[i];
                if (!all && p.Ooo != ooo)
                {
                    continue;
                }
                buf.WriteVarint((long)(p.Series.Ref - baseRef));
                buf.WriteVarint(p.T - baseT);
                buf.WriteUInt64(BitConverter.DoubleToUInt64Bits(p.V));
                if (withSt)
                {
                    buf.WriteUvarint(WalStartTime.Code(p.T, p.St));
                }
            }
            buf.EndRecord();
        }
    }

    private void Apply()
    {
        long appended = 0, mint = long.MaxValue, maxt = long.MinValue, oooAppended = 0, oooMin = long.MaxValue;
        long minValid = head.MinValidTime;
        for (int i = 0; i < _count; i++)
        {
            ref readonly var p = ref _pending[i];
            if (p.T < minValid)
            {
                // A block was cut over this time since Append checked it.
                head.CountRejected(SampleResult.OutOfBounds);
                continue;
            }
            SampleResult r;
            if (p.Ooo)
            {
                lock (p.Series)
                {
                    r = p.Series.AppendOoo(p.T, p.V);
                }
                if (r == SampleResult.Appended)
                {
                    oooAppended++;
                    oooMin = Math.Min(oooMin, p.T);
                }
                else if (r != SampleResult.SameSample)
                {
                    head.CountRejected(r);
                }
                continue;
            }
            lock (p.Series)
            {
                r = p.Series.Append(p.T, p.V, p.St);
            }
            if (r == SampleResult.Appended)
            {
                appended++;
                mint = Math.Min(mint, p.T);
                maxt = Math.Max(maxt, p.T);
            }
            else
            {
                // Another appender committed a newer sample for the series since Append checked.
                head.CountRejected(r);
            }
        }
        head.CountAppended(appended, mint, maxt, replay: false);
        head.CountOooAppended(oooAppended, oooMin, replay: false);
    }

    public void Rollback()
    {
        if (_done)
        {
            ThrowDone();
        }
        _done = true;
        Release();
    }

    private static void ThrowDone() => throw new InvalidOperationException("the appender was already committed or rolled back");
}
