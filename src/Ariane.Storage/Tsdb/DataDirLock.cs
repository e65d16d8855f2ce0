using System.Globalization;
using System.Runtime.InteropServices;
using System.Text;
using Microsoft.Win32.SafeHandles;

namespace Ariane.Tsdb;

/// <summary>The data folder is locked by another process (or by another open database in this one).</summary>
public sealed class DataDirLockedException(string message, int? holderPid) : IOException(message)
{
    /// <summary>The holder's process id as its lock file says, when it says one.</summary>
    public int? HolderPid { get; } = holderPid;
}

/// <summary>
/// The exclusive lock on a data folder, as Prometheus takes one: a <c>lock</c> file in the folder, held with
/// <c>flock(2)</c> while the database is open, so that a second server on the same folder (whose WAL would
/// otherwise interleave with the first's) or an offline tool that rewrites the folder refuses to start. The file
/// holds the holder's process id, which the refusal names. The kernel drops the lock with the process, also after
/// <c>kill -9</c>; the file itself stays (deleting it on release would let a waiting process lock a file no longer
/// in the folder while a third locks a new one).
/// </summary>
public sealed partial class DataDirLock : IDisposable
{
    /// <summary>The lock file's name, the same as Prometheus's.</summary>
    public const string FileName = "lock";

    private const int ORdWr = 2, OCreat = 0x40, OCloExec = 0x80000; // Linux (x86-64 and arm64)
    private const int LockEx = 2, LockNb = 4;
    private const int EWouldBlock = 11;

    private SafeFileHandle? _handle;

    private DataDirLock(string path, SafeFileHandle handle)
    {
        Path = path;
        _handle = handle;
    }

    /// <summary>The lock file.</summary>
    public string Path { get; }

    [LibraryImport("libc", EntryPoint = "open", StringMarshalling = StringMarshalling.Utf8, SetLastError = true)]
    private static partial int Open(string path, int flags, int mode);

    [LibraryImport("libc", EntryPoint = "flock", SetLastError = true)]
    private static partial int Flock(int fd, int operation);

    /// <summary>
    /// Takes the lock of <paramref name="dir"/> (which must exist) and writes this process's id into the lock file.
    /// </summary>
    /// <exception cref="DataDirLockedException">Another process (or another database of this one) holds it.</exception>
    /// <exception cref="IOException">The lock file cannot be opened or locked for another reason.</exception>
    public static DataDirLock Acquire(string dir)
    {
        string path = System.IO.Path.Combine(System.IO.Path.GetFullPath(dir), FileName);
        if (!OperatingSystem.IsLinux())
        {
            // FileShare.None is an exclusive lock where flock is not the mechanism (the PID is then not readable).
            try
            {
                var h = File.OpenHandle(path, FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.None);
                WritePid(h);
                return new DataDirLock(path, h);
            }
            catch (IOException e)
            {
                throw new DataDirLockedException($"the data folder {dir} is in use by another process (its lock file {path} is locked: {e.Message})", null);
            }
        }
        // open and flock directly, not through FileStream: FileStream itself takes a shared flock on open, which the
        // holder's exclusive one refuses, so the loser could not even read who holds the lock.
        int fd = Open(path, ORdWr | OCreat | OCloExec, Convert.ToInt32("644", 8));
        if (fd < 0)
        {
            throw new IOException($"cannot open the lock file {path}: {Marshal.GetPInvokeErrorMessage(Marshal.GetLastPInvokeError())}");
        }
        var handle = new SafeFileHandle(fd, ownsHandle: true);
        if (!TryFlock(fd, handle, out int errno, out int? pid))
        {
            handle.Dispose();
            if (errno == EWouldBlock)
            {
                string who = pid is { } p ? $"process {p.ToString(CultureInfo.InvariantCulture)}" : "another process";
                throw new DataDirLockedException(
                    $"the data folder {dir} is in use by {who} (it holds the lock file {path}); stop that process first, or give this one another --storage.tsdb.path",
                    pid);
            }
            throw new IOException($"cannot lock {path}: {Marshal.GetPInvokeErrorMessage(errno)} (on a file system without flock, --storage.tsdb.no-lockfile skips the lock)");
        }
        try
        {
            WritePid(handle);
        }
        catch
        {
            handle.Dispose();
            throw;
        }
        return new DataDirLock(path, handle);
    }

    /// <summary>How long a lock that names this very process is waited for (see <see cref="TryFlock"/>).</summary>
    private const int SelfHeldRetries = 200, SelfHeldRetryMilliseconds = 10;

    /// <summary>
    /// Takes the exclusive flock without blocking. When the holder is this process, it retries for up to two seconds:
    /// a database of this process that was just closed can still hold the lock for a moment, because a child process
    /// this process forked at that time (any <c>Process.Start</c>) shares the lock's open file until it executes its
    /// program, when <c>O_CLOEXEC</c> closes it. A database of this process that is really still open keeps the lock,
    /// and the caller gets the refusal after the wait.
    /// </summary>
    private static bool TryFlock(int fd, SafeFileHandle handle, out int errno, out int? pid)
    {
        for (int attempt = 0; ; attempt++)
        {
            if (Flock(fd, LockEx | LockNb) == 0)
            {
                errno = 0;
                pid = null;
                return true;
            }
            errno = Marshal.GetLastPInvokeError();
            pid = ReadPid(handle);
            if (errno != EWouldBlock || pid != Environment.ProcessId || attempt >= SelfHeldRetries)
            {
                return false;
            }
            Thread.Sleep(SelfHeldRetryMilliseconds);
        }
    }

    private static int? ReadPid(SafeFileHandle handle)
    {
        Span<byte> buf = stackalloc byte[32];
        try
        {
            int n = RandomAccess.Read(handle, buf, 0);
            return int.TryParse(Encoding.ASCII.GetString(buf[..n]).Trim(), NumberStyles.None, CultureInfo.InvariantCulture, out int pid) ? pid : null;
        }
        catch (IOException)
        {
            return null;
        }
    }

    private static void WritePid(SafeFileHandle handle)
    {
        byte[] text = Encoding.ASCII.GetBytes(Environment.ProcessId.ToString(CultureInfo.InvariantCulture) + "\n");
        RandomAccess.SetLength(handle, 0);
        RandomAccess.Write(handle, text, 0);
    }

    /// <summary>Releases the lock (closing the file releases it); the file stays.</summary>
    public void Dispose()
    {
        Interlocked.Exchange(ref _handle, null)?.Dispose();
    }
}
