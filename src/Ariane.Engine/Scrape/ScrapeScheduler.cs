using Microsoft.Extensions.Logging;

namespace Ariane.Scrape;

/// <summary>
/// Runs every scrape loop of a manager on a few dedicated threads, each scrape synchronously from start to commit,
/// instead of a timer and a chain of thread-pool continuations per loop.
/// <para>
/// One thread at a time keeps time: it sleeps until the earliest due scrape and then runs that scrape itself, so a
/// scrape costs one wake-up plus the socket reads it blocks on (with a timer per loop and asynchronous HTTP it cost
/// about thirteen thread switches, and on a virtual machine the switches were a third of the ingestion's CPU). While
/// it scrapes, the next due scrape is someone else's job only when it is due before this one is expected to end (twice
/// the loop's last duration plus a margin): then an idle thread is woken, or a new one started, to keep time. A target
/// that hangs therefore delays the others only if it had been fast until then, and by at most its scrape timeout.
/// Threads beyond the first that stay idle for a while end.
/// </para>
/// <para>
/// Due times are the <see cref="TimeProvider"/>'s monotonic timestamps (each loop's first one at its stable offset
/// within the interval on the wall clock); the threads sleep in real time, so a fake clock does not drive them (tests call
/// <see cref="ScrapeLoop.ScrapeOnce"/> directly).
/// </para>
/// </summary>
internal sealed class ScrapeScheduler : IDisposable
{
    private static readonly TimeSpan IdleThreadLifetime = TimeSpan.FromMinutes(2);
    private const int MaxThreads = 64;

    private readonly TimeProvider _time;
    private readonly ILogger _log;
    private readonly object _lock = new();
    private readonly PriorityQueue<ScrapeLoop, long> _due = new();
    private int _threads;
    private int _idle;
    private bool _timekeeper;     // a thread is sleeping until the earliest due scrape
    private long _timekeeperWake; // when it wakes (a TimeProvider timestamp), long.MaxValue when the queue was empty
    private bool _disposed;

    public ScrapeScheduler(TimeProvider time, ILogger log)
    {
        _time = time;
        _log = log;
    }

    /// <summary>Schedules <paramref name="loop"/>'s first scrape at <paramref name="dueTicks"/> (a <see cref="TimeProvider.GetTimestamp"/> value).</summary>
    public void Add(ScrapeLoop loop, long dueTicks)
    {
        lock (_lock)
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            Enqueue(loop, dueTicks);
            if (_threads == 0)
            {
                StartThread();
            }
        }
    }

    private void Enqueue(ScrapeLoop loop, long dueTicks)
    {
        _due.Enqueue(loop, dueTicks);
        if (_timekeeper && dueTicks < _timekeeperWake)
        {
            // Rare (a new loop due before anything else): wake everyone, the timekeeper among them, to look again.
            Monitor.PulseAll(_lock);
        }
    }

    private void StartThread()
    {
        _threads++;
        var t = new Thread(Run) { IsBackground = true, Name = "scrape" };
        t.Start();
    }

    private void Run()
    {
        ScrapeLoop? loop = null;
        while (true)
        {
            lock (_lock)
            {
                if (loop is not null)
                {
                    loop.Running = false;
                    if (!loop.Stopped)
                    {
                        Enqueue(loop, loop.NextDue(_time.GetTimestamp()));
                    }
                    loop.ScrapeEnded();
                    loop = null;
                }
                loop = TakeDue();
                if (loop is null)
                {
                    return; // disposed, or idle for long with other threads left
                }
                loop.Running = true;
            }
            try
            {
                loop.ScrapeScheduled();
            }
            catch (Exception e)
            {
                // A bug here must not end the thread: log it; the loop tries again next interval.
                ScrapeLog.ScrapeLoopError(_log, loop.Target.Url, e.Message);
            }
        }
    }

    /// <summary>Waits, under the lock, until a scrape is due and returns its loop; null when this thread should end.</summary>
    private ScrapeLoop? TakeDue()
    {
        while (!_disposed)
        {
            long now = _time.GetTimestamp();
#pragma warning disable CA2000 // the queue only schedules loops; their pool owns and disposes them
            if (_due.TryPeek(out var loop, out long due))
#pragma warning restore CA2000
            {
                if (loop.Stopped)
                {
                    _due.Dequeue();
                    continue;
                }
                if (due <= now)
                {
                    _due.Dequeue();
                    HandOverIfNeeded(loop, now);
                    return loop;
                }
            }
            else
            {
                due = long.MaxValue;
            }
            if (!_timekeeper)
            {
                _timekeeper = true;
                _timekeeperWake = due;
                // Round up so that the thread does not wake a little early and sleep again.
                int ms = due == long.MaxValue ? Timeout.Infinite : (int)Math.Min(int.MaxValue, Math.Ceiling((due - now) * 1000.0 / _time.TimestampFrequency));
                Monitor.Wait(_lock, ms);
                _timekeeper = false;
                continue;
            }
            _idle++;
            bool woken = Monitor.Wait(_lock, IdleThreadLifetime);
            _idle--;
            if (!woken && _threads > 1 && _timekeeper)
            {
                _threads--;
                return null;
            }
        }
        _threads--;
        return null;
    }

    /// <summary>
    /// Called by the thread that is about to run <paramref name="loop"/>: if no other thread keeps time and the next
    /// scrape is due before this one is expected to end, another thread must keep time meanwhile.
    /// </summary>
    private void HandOverIfNeeded(ScrapeLoop loop, long now)
    {
        if (_timekeeper || !_due.TryPeek(out _, out long next) || next - now > loop.ExpectedDuration)
        {
            return;
        }
        if (_idle > 0)
        {
            Monitor.Pulse(_lock);
        }
        else if (_threads < MaxThreads)
        {
            StartThread();
        }
    }

    /// <summary>
    /// Takes <paramref name="loop"/> off the schedule; its running scrape, if any, is cancelled by the caller's token and
    /// the returned task completes when it has ended.
    /// </summary>
    public Task RemoveAsync(ScrapeLoop loop)
    {
        lock (_lock)
        {
            loop.Stopped = true;
            return loop.Running ? loop.WhenScrapeEnds() : Task.CompletedTask;
        }
    }

    /// <summary>Ends the threads once their current scrapes are done (loops are stopped first by their pools).</summary>
    public void Dispose()
    {
        lock (_lock)
        {
            _disposed = true;
            _due.Clear();
            Monitor.PulseAll(_lock);
        }
    }
}
