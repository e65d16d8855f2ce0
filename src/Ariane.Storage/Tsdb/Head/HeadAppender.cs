using System.Buffers;
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
    private readonly record struct Pending(MemSeries Series, long T, double V);

    // Samples records are split at this payload size so replay never needs a huge buffer.
    private const int MaxSamplesRecord = 1 << 20;

    [ThreadStatic]
    private static WalBuffer? t_buffer;

    private Pending[] _pending = [];
    private int _count;
    private bool _done;

    public AppendStatus Append(ref ulong seriesRef, Labels labels, long timestampMs, double value)
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
        switch (s.Check(timestampMs, value))
        {
            case SampleResult.OutOfOrder:
                head.CountRejected(SampleResult.OutOfOrder);
                return AppendStatus.OutOfOrder;
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
        _pending[_count++] = new Pending(s, timestampMs, value);
        return AppendStatus.Ok;
    }

    public Labels? SeriesLabels(ulong seriesRef) => seriesRef == 0 ? null : head.Series.GetByRef(seriesRef)?.Labels;

    private void Grow()
    {
        var b = ArrayPool<Pending>.Shared.Rent(Math.Max(64, _pending.Length * 2));
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
            ArrayPool<Pending>.Shared.Return(_pending);
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
                head.Wal.Log(buf.Written);
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
        int i = 0;
        while (i < _count)
        {
            buf.BeginRecord(WalRecordType.Samples);
            ulong baseRef = _pending[i].Series.Ref;
            long baseT = _pending[i].T;
            buf.WriteUvarint(baseRef);
            buf.WriteVarint(baseT);
            for (; i < _count && buf.OpenPayloadLength < MaxSamplesRecord; i++)
            {
                ref readonly var p = ref _pending[i];
                buf.WriteVarint((long)(p.Series.Ref - baseRef));
                buf.WriteVarint(p.T - baseT);
                buf.WriteUInt64(BitConverter.DoubleToUInt64Bits(p.V));
            }
            buf.EndRecord();
        }
    }

    private void Apply()
    {
        long appended = 0, mint = long.MaxValue, maxt = long.MinValue;
        for (int i = 0; i < _count; i++)
        {
            ref readonly var p = ref _pending[i];
            SampleResult r;
            lock (p.Series)
            {
                r = p.Series.Append(p.T, p.V);
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
