using System.Text;
using Ariane.Exposition;

namespace Ariane.Host;

/// <summary>
/// node_exporter's filesystem collector: size, free and available bytes, inodes, read-only state and stat errors
/// for each mount in /proc/1/mounts (or /proc/mounts), with node_exporter's default exclusions.
/// </summary>
/// <remarks>
/// Unlike node_exporter, a hung network file system blocks the scrape: statvfs has no timeout, and node_exporter's
/// stuck-mount watcher is not reproduced.
/// </remarks>
internal sealed class FilesystemCollector : Collector
{
    private static readonly string[] LabelNames = ["device", "fstype", "mountpoint"];

    // node_exporter 1.5's --collector.filesystem.fs-types-exclude default.
    private static readonly HashSet<string> ExcludedTypes = new(StringComparer.Ordinal)
    {
        "autofs", "binfmt_misc", "bpf", "cgroup", "cgroup2", "configfs", "debugfs", "devpts", "devtmpfs", "fusectl",
        "hugetlbfs", "iso9660", "mqueue", "nsfs", "overlay", "proc", "procfs", "pstore", "rpc_pipefs", "securityfs",
        "selinuxfs", "squashfs", "sysfs", "tracefs",
    };

    private readonly string _initMounts;
    private readonly string _mounts;

    public FilesystemCollector(HostFiles files)
        : base(files)
    {
        _initMounts = files.Proc("1/mounts");
        _mounts = files.Proc("mounts");
    }

    public override string Name => "filesystem";

    public override void Update(TextExpositionWriter w)
    {
        var stats = new List<FsStat>();
        var seen = new HashSet<(string, string, string)>();
        // The mounts of pid 1 are the host's even when Ariane runs in its own mount namespace; hidepid may hide them.
        ReadOnlySpan<byte> text;
        try
        {
            text = Files.Read(_initMounts);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            text = Files.Read(_mounts);
        }
        while (Spans.NextLine(ref text, out ReadOnlySpan<byte> line))
        {
            if (!Spans.NextField(ref line, out ReadOnlySpan<byte> device)
                || !Spans.NextField(ref line, out ReadOnlySpan<byte> mountPoint)
                || !Spans.NextField(ref line, out ReadOnlySpan<byte> fsType)
                || !Spans.NextField(ref line, out ReadOnlySpan<byte> options))
            {
                continue;
            }
            string mp = StripRootFs(Unescape(mountPoint));
            string type = Spans.ToUtf8String(fsType);
            if (MountPointExcluded(mp) || ExcludedTypes.Contains(type))
            {
                continue;
            }
            string dev = Unescape(device);
            if (!seen.Add((dev, type, mp)))
            {
                continue;
            }
            string[] labels = [dev, type, mp];
            if (!Native.TryStatVfs(Files.Root(mp), out Native.StatVfs s))
            {
                stats.Add(new FsStat(labels, true, 0, 0, 0, 0, 0, false));
                continue;
            }
            double block = s.FragmentSize != 0 ? s.FragmentSize : s.BlockSize;
            stats.Add(new FsStat(labels, false, s.Blocks * block, s.BlocksFree * block, s.BlocksAvailable * block, s.Files, s.FilesFree, HasReadOnly(options)));
        }

        w.Family("node_filesystem_device_error", "gauge", "Whether an error occurred while getting statistics for the given device.");
        foreach (var s in stats)
        {
            w.Sample("node_filesystem_device_error", LabelNames, s.Labels, s.Error ? 1 : 0);
        }
        Write(w, stats, "node_filesystem_size_bytes", "Filesystem size in bytes.", static s => s.Size);
        Write(w, stats, "node_filesystem_free_bytes", "Filesystem free space in bytes.", static s => s.Free);
        Write(w, stats, "node_filesystem_avail_bytes", "Filesystem space available to non-root users in bytes.", static s => s.Avail);
        Write(w, stats, "node_filesystem_files", "Filesystem total file nodes.", static s => s.Files);
        Write(w, stats, "node_filesystem_files_free", "Filesystem total free file nodes.", static s => s.FilesFree);
        Write(w, stats, "node_filesystem_readonly", "Filesystem read-only status.", static s => s.ReadOnly ? 1 : 0);
    }

    private static void Write(TextExpositionWriter w, List<FsStat> stats, string name, string help, Func<FsStat, double> value)
    {
        w.Family(name, "gauge", help);
        foreach (FsStat s in stats)
        {
            // As in node_exporter, a file system that could not be stat'ed has only its device_error sample.
            if (!s.Error)
            {
                w.Sample(name, LabelNames, s.Labels, value(s));
            }
        }
    }

    private readonly record struct FsStat(string[] Labels, bool Error, double Size, double Free, double Avail, double Files, double FilesFree, bool ReadOnly);

    /// <summary>node_exporter 1.5's --collector.filesystem.mount-points-exclude default,
    /// <c>^/(dev|proc|run/credentials/.+|sys|var/lib/docker/.+|var/lib/containers/storage/.+)($|/)</c>.</summary>
    internal static bool MountPointExcluded(string mp) =>
        IsOrUnder(mp, "/dev") || IsOrUnder(mp, "/proc") || IsOrUnder(mp, "/sys")
        || StrictlyUnder(mp, "/run/credentials/") || StrictlyUnder(mp, "/var/lib/docker/")
        || StrictlyUnder(mp, "/var/lib/containers/storage/");

    private static bool IsOrUnder(string mp, string dir) =>
        mp.StartsWith(dir, StringComparison.Ordinal) && (mp.Length == dir.Length || mp[dir.Length] == '/');

    private static bool StrictlyUnder(string mp, string prefix) =>
        mp.Length > prefix.Length && mp.StartsWith(prefix, StringComparison.Ordinal);

    private string StripRootFs(string mp)
    {
        string root = Files.RootFs.TrimEnd('/');
        if (root.Length == 0 || !mp.StartsWith(root, StringComparison.Ordinal))
        {
            return mp;
        }
        if (mp.Length == root.Length)
        {
            return "/";
        }
        return mp[root.Length] == '/' ? mp[root.Length..] : mp;
    }

    private static bool HasReadOnly(ReadOnlySpan<byte> options)
    {
        foreach (Range r in options.Split((byte)','))
        {
            if (options[r].SequenceEqual("ro"u8))
            {
                return true;
            }
        }
        return false;
    }

    /// <summary>Undoes the octal escapes (<c>\040</c> for a space) that the kernel writes in mount fields.</summary>
    internal static string Unescape(ReadOnlySpan<byte> field)
    {
        if (field.IndexOf((byte)'\\') < 0)
        {
            return Encoding.UTF8.GetString(field);
        }
        Span<byte> buffer = field.Length <= 512 ? stackalloc byte[field.Length] : new byte[field.Length];
        int n = 0;
        for (int i = 0; i < field.Length; i++)
        {
            if (field[i] == '\\' && i + 3 < field.Length && IsOctal(field[i + 1]) && IsOctal(field[i + 2]) && IsOctal(field[i + 3]))
            {
                buffer[n++] = (byte)(((field[i + 1] - '0') << 6) | ((field[i + 2] - '0') << 3) | (field[i + 3] - '0'));
                i += 3;
            }
            else
            {
                buffer[n++] = field[i];
            }
        }
        return Encoding.UTF8.GetString(buffer[..n]);
    }

    private static bool IsOctal(byte b) => b is >= (byte)'0' and <= (byte)'7';
}
