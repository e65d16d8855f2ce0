using Ariane.Config;
using Microsoft.Extensions.Logging.Abstractions;

namespace Ariane.Server.Web;

/// <summary>
/// The web configuration file as it is now. The exporter-toolkit re-reads the file on every request and every new TLS
/// connection, so that new users and certificates apply at once; Ariane does the same but parses again only when the
/// file's modification time or length changed (one stat per call). A file that became invalid makes requests fail
/// (500, as the toolkit) until it is fixed; the error is logged once per change.
/// </summary>
public sealed class WebConfigSource
{
    private readonly string _path;
    private readonly Lock _gate = new();
    private volatile Snapshot _current;

    /// <summary>Starts from the configuration validated at start-up.</summary>
    public WebConfigSource(string path, WebConfig initial)
    {
        _path = path;
        _current = new Snapshot(Stamp(path), initial, null);
        Initial = initial;
    }

    /// <summary>Where a file that no longer loads is logged (<see cref="WebLog"/>); set once the host's loggers exist.</summary>
    public ILogger Log { get; set; } = NullLogger.Instance;

    /// <summary>The configuration read at start: it decides what cannot change on the fly (TLS on or off, HTTP/2, the rate limiter).</summary>
    public WebConfig Initial { get; }

    /// <summary>The configuration now, or null with the reason when the file no longer loads.</summary>
    public WebConfig? Current(out string? error)
    {
        var stamp = Stamp(_path);
        var snap = _current;
        if (snap.Stamp != stamp)
        {
            lock (_gate)
            {
                snap = _current;
                if (snap.Stamp != stamp)
                {
                    snap = Load(stamp);
                    _current = snap;
                }
            }
        }
        error = snap.Error;
        return snap.Config;
    }

    private Snapshot Load((long, long) stamp)
    {
        try
        {
            return new Snapshot(stamp, WebConfigLoader.LoadFile(_path), null);
        }
        catch (ConfigException e)
        {
            WebLog.WebConfigInvalid(Log, e.Message);
            return new Snapshot(stamp, null, e.Message);
        }
    }

    // The modification time and length: a rewrite changes at least one on any file system Linux offers (ns mtimes).
    internal static (long, long) Stamp(string path)
    {
        var fi = new FileInfo(path);
        return fi.Exists ? (fi.LastWriteTimeUtc.Ticks, fi.Length) : (-1, -1);
    }

    private sealed record Snapshot((long, long) Stamp, WebConfig? Config, string? Error);
}
