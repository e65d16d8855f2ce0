using System.Globalization;
using Ariane.Model;
using Microsoft.Win32.SafeHandles;

namespace Ariane.Tsdb.Wal;

/// <summary>
/// Appends records to numbered segment files in the WAL folder. <see cref="Log"/> hands the bytes to the
/// operating system (a write system call, no user-space buffer) before it returns, so a killed process loses
/// nothing logged; <see cref="Sync"/> makes them survive a machine crash too. Thread safe.
/// </summary>
internal sealed class WalWriter : IDisposable
{
    /// <summary>Bytes of the segment header: "AWAL", a format version, three zero bytes.</summary>
    public const int SegmentHeaderSize = 8;

    /// <summary>The current format version.</summary>
    public const byte Version = 1;

    // Series records are batched in one record up to this size, then a new one starts.
    private const int MaxSeriesRecord = 1 << 20;

    private readonly string _dir;
    private readonly long _segmentSize;
    private readonly Lock _lock = new();
    private readonly WalBuffer _pending = new();
    private SafeFileHandle _handle;
    private int _segment;
    private long _offset;
    private bool _dirty;
    private bool _disposed;
    private long _bytesWritten;
    private long _fsyncs;

    public WalWriter(string dir, int firstSegment, long segmentSize)
    {
        _dir = dir;
        _segmentSize = segmentSize;
        _segment = firstSegment;
        _handle = CreateSegment(firstSegment);
        _offset = SegmentHeaderSize;
    }

    /// <summary>Bytes written to segment files, headers included.</summary>
    public long BytesWritten => Interlocked.Read(ref _bytesWritten);

    /// <summary>Completed fsync calls.</summary>
    public long Fsyncs => Interlocked.Read(ref _fsyncs);

    /// <summary>The segment being written.</summary>
    public int CurrentSegment
    {
        get
        {
            lock (_lock)
            {
                return _segment;
            }
        }
    }

    /// <summary>The file name of segment <paramref name="n"/>.</summary>
    public static string SegmentName(int n) => n.ToString("D8", CultureInfo.InvariantCulture);

    /// <summary>
    /// Queues a series definition; it is written before the next logged record, so it always precedes any
    /// samples that refer to it. Called while the series is created, before other appenders can see it.
    /// </summary>
    public void LogSeries(ulong seriesRef, Labels labels)
    {
        lock (_lock)
        {
            if (!_pending.InRecord)
            {
                _pending.BeginRecord(WalRecordType.Series);
            }
            _pending.WriteSeries(seriesRef, labels);
            if (_pending.OpenPayloadLength >= MaxSeriesRecord)
            {
                _pending.EndRecord();
            }
        }
    }

    /// <summary>Writes queued series records and then <paramref name="records"/> (whole framed records).</summary>
    public void Log(ReadOnlySpan<byte> records)
    {
        lock (_lock)
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            FlushPendingLocked();
            if (!records.IsEmpty)
            {
                WriteLocked(records);
            }
        }
    }

    /// <summary>
    /// Writes queued series, fsyncs and closes the current segment and starts the next one; returns its number.
    /// Everything logged before the call is in earlier segments, everything after in this one or later.
    /// </summary>
    public int Cut()
    {
        lock (_lock)
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            FlushPendingLocked();
            CutLocked();
            return _segment;
        }
    }

    private void FlushPendingLocked()
    {
        if (_pending.InRecord)
        {
            _pending.EndRecord();
        }
        if (_pending.Length > 0)
        {
            WriteLocked(_pending.Written);
            _pending.Clear();
        }
    }

    private void WriteLocked(ReadOnlySpan<byte> data)
    {
        if (_offset > SegmentHeaderSize && _offset + data.Length > _segmentSize)
        {
            CutLocked();
        }
        try
        {
            RandomAccess.Write(_handle, data, _offset);
        }
        catch (IOException)
        {
            // Leave no partial record behind (disk full, say): the next write starts where this one began.
            try
            {
                RandomAccess.SetLength(_handle, _offset);
            }
            catch (IOException)
            {
            }
            throw;
        }
        _offset += data.Length;
        _dirty = true;
        Interlocked.Add(ref _bytesWritten, data.Length);
    }

    private void CutLocked()
    {
        RandomAccess.FlushToDisk(_handle);
        Interlocked.Increment(ref _fsyncs);
        // The new segment first: if it cannot be made (a full disk), the current one stays open and later writes
        // go on there, so that ingestion resumes by itself when space returns.
        var next = CreateSegment(_segment + 1);
        _handle.Dispose();
        _segment++;
        _handle = next;
        _offset = SegmentHeaderSize;
        _dirty = false;
    }

    private SafeFileHandle CreateSegment(int n)
    {
        string path = Path.Combine(_dir, SegmentName(n));
        var h = File.OpenHandle(path, FileMode.Create, FileAccess.ReadWrite, FileShare.Read);
        try
        {
            ReadOnlySpan<byte> header = [(byte)'A', (byte)'W', (byte)'A', (byte)'L', Version, 0, 0, 0];
            RandomAccess.Write(h, header, 0);
            RandomAccess.FlushToDisk(h);
        }
        catch (IOException)
        {
            h.Dispose();
            File.Delete(path); // no segment without a header
            throw;
        }
        Interlocked.Add(ref _bytesWritten, SegmentHeaderSize);
        return h;
    }

    /// <summary>Fsyncs the current segment if anything was written since the last sync.</summary>
    public void Sync()
    {
        SafeFileHandle h;
        lock (_lock)
        {
            if (_disposed || !_dirty)
            {
                return;
            }
            h = _handle;
            _dirty = false;
        }
        // Outside the lock, so that commits are not held up by the disk. A segment cut meanwhile has
        // fsynced and closed this handle already.
        try
        {
            RandomAccess.FlushToDisk(h);
            Interlocked.Increment(ref _fsyncs);
        }
        catch (ObjectDisposedException)
        {
        }
        catch (IOException)
        {
            lock (_lock)
            {
                _dirty = true;
            }
            throw;
        }
    }

    /// <summary>Writes queued series, fsyncs and closes the segment.</summary>
    public void Dispose()
    {
        lock (_lock)
        {
            if (_disposed)
            {
                return;
            }
            try
            {
                FlushPendingLocked();
                RandomAccess.FlushToDisk(_handle);
                Interlocked.Increment(ref _fsyncs);
            }
            finally
            {
                _disposed = true;
                _handle.Dispose();
                _pending.Dispose();
            }
        }
    }
}
