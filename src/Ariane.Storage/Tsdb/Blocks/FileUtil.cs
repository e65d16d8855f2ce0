namespace Ariane.Tsdb.Blocks;

internal static partial class Native
{
    public const int ORdOnly = 0;
    public const int ODirectory = 0x10000; // Linux x86-64 and arm64

    [System.Runtime.InteropServices.LibraryImport("libc", EntryPoint = "open", StringMarshalling = System.Runtime.InteropServices.StringMarshalling.Utf8)]
    public static partial int Open(string path, int flags);

    [System.Runtime.InteropServices.LibraryImport("libc", EntryPoint = "fsync")]
    public static partial int Fsync(int fd);

    [System.Runtime.InteropServices.LibraryImport("libc", EntryPoint = "close")]
    public static partial int Close(int fd);
}

/// <summary>Small file-system helpers for crash-safe writes.</summary>
internal static class FileUtil
{
    /// <summary>Writes a file under a temporary name, fsyncs it, renames it over <paramref name="path"/> and fsyncs the folder.</summary>
    public static void WriteAtomically(string path, ReadOnlySpan<byte> data)
    {
        string tmp = path + ".tmp";
        using (var f = new FileStream(tmp, FileMode.Create, FileAccess.Write, FileShare.None))
        {
            f.Write(data);
            f.Flush(flushToDisk: true);
        }
        File.Move(tmp, path, overwrite: true);
        SyncDir(Path.GetDirectoryName(Path.GetFullPath(path))!);
    }

    /// <summary>Fsyncs a folder so that renames and creations in it survive a power cut (no-op where unsupported).</summary>
    public static void SyncDir(string dir)
    {
        if (!OperatingSystem.IsLinux())
        {
            return;
        }
        int fd = Native.Open(dir, Native.ORdOnly | Native.ODirectory);
        if (fd < 0)
        {
            return; // some file systems refuse to open a folder; the files themselves are synced
        }
        _ = Native.Fsync(fd);
        _ = Native.Close(fd);
    }

    /// <summary>Total bytes of the files under <paramref name="dir"/>.</summary>
    public static long DirSize(string dir)
    {
        long n = 0;
        foreach (var f in new DirectoryInfo(dir).EnumerateFiles("*", SearchOption.AllDirectories))
        {
            n += f.Length;
        }
        return n;
    }
}
