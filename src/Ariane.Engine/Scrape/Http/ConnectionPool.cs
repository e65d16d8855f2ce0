using System.Net.Sockets;

namespace Ariane.Scrape;

/// <summary>
/// The idle keep-alive connections of one scrape pool, per target (scheme://authority): a request takes the most
/// recently returned one that the target has not closed, a response read to its end gives it back, and connections
/// idle for longer than five minutes (targets that went away) are closed when one is returned, so no timer is needed.
/// </summary>
internal sealed class ConnectionPool(TimeProvider time) : IDisposable
{
    private static readonly long IdleTimeoutTicks = TimeSpan.FromMinutes(5).Ticks;

    private readonly Dictionary<string, Stack<HttpConnection>> _idle = new(StringComparer.Ordinal);
    private long _lastSweep;
    private bool _disposed;

    /// <summary>An idle connection to the target <paramref name="key"/> that is still open, marked reused; or null.</summary>
    public HttpConnection? TakeIdle(string key)
    {
        lock (_idle)
        {
            if (!_idle.TryGetValue(key, out var stack))
            {
                return null;
            }
            while (stack.TryPop(out var conn))
            {
                // Readable while idle means the target closed it (or sent something unasked): not reusable.
                bool closed;
                try
                {
                    closed = conn.Socket.Poll(0, SelectMode.SelectRead);
                }
                catch (Exception e) when (e is SocketException or ObjectDisposedException)
                {
                    closed = true;
                }
                if (closed)
                {
                    conn.Dispose();
                    continue;
                }
                conn.Reused = true;
                return conn;
            }
            return null;
        }
    }

    /// <summary>Gives back a connection whose response was read whole; closed instead once the pool is disposed.</summary>
    public void Release(HttpConnection conn)
    {
        long now = time.GetUtcNow().UtcTicks;
        conn.IdleSince = now;
        lock (_idle)
        {
            if (_disposed)
            {
                conn.Dispose();
                return;
            }
            if (!_idle.TryGetValue(conn.Key, out var stack))
            {
                _idle[conn.Key] = stack = new Stack<HttpConnection>(1);
            }
            stack.Push(conn);
            if (now - _lastSweep > IdleTimeoutTicks / 4)
            {
                _lastSweep = now;
                Sweep(now);
            }
        }
    }

    // Closes connections idle for longer than the idle timeout (targets that went away); no timer needed.
    private void Sweep(long now)
    {
        List<string>? empty = null;
        foreach (var (key, stack) in _idle)
        {
            if (stack.Count > 0 && now - stack.Peek().IdleSince > IdleTimeoutTicks)
            {
                foreach (var c in stack)
                {
                    c.Dispose();
                }
                stack.Clear();
            }
            if (stack.Count == 0)
            {
                (empty ??= []).Add(key);
            }
        }
        if (empty is not null)
        {
            foreach (var k in empty)
            {
                _idle.Remove(k);
            }
        }
    }

    /// <summary>Closes every idle connection; those still in use are closed when their response is disposed.</summary>
    public void Dispose()
    {
        lock (_idle)
        {
            _disposed = true;
            foreach (var stack in _idle.Values)
            {
                foreach (var c in stack)
                {
                    c.Dispose();
                }
            }
            _idle.Clear();
        }
    }
}
