using System.IO.MemoryMappedFiles;

namespace Ariane.Tsdb.Blocks;

/// <summary>
/// A read-only memory map of a whole file. Spans handed out are valid until <see cref="Dispose"/>; the block
/// that owns the map disposes it only when no querier holds the block any more.
/// </summary>
internal sealed unsafe class MappedFile : IDisposable
{
    private readonly MemoryMappedFile? _map;
    private readonly MemoryMappedViewAccessor? _view;
    private readonly byte* _ptr;
    private int _disposed;

    public MappedFile(string path)
    {
        Path = path;
        using var fs = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete);
        Length = fs.Length;
        if (Length == 0)
        {
            return;
        }
        _map = MemoryMappedFile.CreateFromFile(fs, null, 0, MemoryMappedFileAccess.Read, HandleInheritability.None, leaveOpen: false);
        _view = _map.CreateViewAccessor(0, 0, MemoryMappedFileAccess.Read);
        byte* p = null;
        _view.SafeMemoryMappedViewHandle.AcquirePointer(ref p);
        _ptr = p + _view.PointerOffset;
    }

    public string Path { get; }

    public long Length { get; }

    /// <summary>The bytes [offset, offset + length); throws <see cref="CorruptBlockException"/> when outside the file.</summary>
    public ReadOnlySpan<byte> Span(long offset, int length)
    {
        if (offset < 0 || length < 0 || offset > Length - length)
        {
            throw new CorruptBlockException($"{Path}: range {offset}+{length} is outside the file ({Length} bytes)");
        }
        ObjectDisposedException.ThrowIf(Volatile.Read(ref _disposed) != 0, this);
        return new ReadOnlySpan<byte>(_ptr + offset, length);
    }

    /// <summary>From <paramref name="offset"/> to the end of the file, at most int.MaxValue bytes.</summary>
    public ReadOnlySpan<byte> Span(long offset) => Span(offset, (int)Math.Min(int.MaxValue, Length - offset));

    public void Dispose()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0)
        {
            return;
        }
        if (_view is not null)
        {
            _view.SafeMemoryMappedViewHandle.ReleasePointer();
            _view.Dispose();
        }
        _map?.Dispose();
    }
}
