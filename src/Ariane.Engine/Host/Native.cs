using System.Runtime.InteropServices;
using System.Text;

namespace Ariane.Host;

/// <summary>The two libc calls the host collectors need: statvfs for file systems and uname for the machine.</summary>
internal static partial class Native
{
    /// <summary>glibc's and musl's struct statvfs on 64-bit Linux: eleven unsigned longs and six ints of padding.</summary>
    [StructLayout(LayoutKind.Sequential)]
    internal struct StatVfs
    {
        public ulong BlockSize;
        public ulong FragmentSize;
        public ulong Blocks;
        public ulong BlocksFree;
        public ulong BlocksAvailable;
        public ulong Files;
        public ulong FilesFree;
        public ulong FilesAvailable;
        public ulong FsId;
        public ulong Flag;
        public ulong NameMax;
        public long Spare0;
        public long Spare1;
        public long Spare2;
    }

    [LibraryImport("libc", EntryPoint = "statvfs", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    private static partial int StatVfsNative(string path, out StatVfs buffer);

    [LibraryImport("libc", EntryPoint = "uname", SetLastError = true)]
    private static unsafe partial int UnameNative(byte* buffer);

    public static bool TryStatVfs(string path, out StatVfs result)
    {
        result = default;
        if (!OperatingSystem.IsLinux() || !Environment.Is64BitProcess)
        {
            return false;
        }
        return StatVfsNative(path, out result) == 0;
    }

    /// <summary>uname(2)'s six fields: sysname, nodename, release, version, machine, domainname.</summary>
    public static unsafe string[]? Uname()
    {
        if (!OperatingSystem.IsLinux())
        {
            return null;
        }
        // struct utsname on Linux is six char[65] arrays.
        const int FieldLength = 65;
        byte* buffer = stackalloc byte[FieldLength * 6];
        if (UnameNative(buffer) != 0)
        {
            return null;
        }
        var fields = new string[6];
        for (int i = 0; i < 6; i++)
        {
            var span = new ReadOnlySpan<byte>(buffer + (i * FieldLength), FieldLength);
            int end = span.IndexOf((byte)0);
            fields[i] = Encoding.UTF8.GetString(end < 0 ? span : span[..end]);
        }
        return fields;
    }
}
