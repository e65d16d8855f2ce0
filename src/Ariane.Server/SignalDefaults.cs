using System.Runtime.InteropServices;

namespace Ariane.Server;

/// <summary>Signal dispositions inherited from the parent that would keep the server from hearing its signals.</summary>
internal static partial class SignalDefaults
{
    private const int Sighup = 1;

    /// <summary>Sets SIGHUP back to its default disposition (on Linux; a no-op elsewhere or on failure).</summary>
    public static void RestoreSighup()
    {
        if (!OperatingSystem.IsLinux())
        {
            return;
        }
        try
        {
            _ = Signal(Sighup, IntPtr.Zero); // SIG_DFL
        }
        catch (Exception e) when (e is DllNotFoundException or EntryPointNotFoundException)
        {
            // Without libc's signal() the inherited disposition stays.
        }
    }

    [LibraryImport("libc", EntryPoint = "signal")]
    private static partial IntPtr Signal(int signum, IntPtr handler);
}
