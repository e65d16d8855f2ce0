using System.CommandLine;
using System.Globalization;
using System.Runtime.CompilerServices;
using Ariane.Config;
using Ariane.Model;
using Ariane.PromQL.Parser;
using Ariane.Remote;
using Ariane.Tsdb.Blocks;

namespace Ariane.Server.Cli;

/// <summary>What <c>ariane migrate prometheus</c> copies, from where, to where.</summary>
internal sealed class MigrateOptions
{
    /// <summary>Prometheus's base URL (its remote-read endpoint is <c>/api/v1/read</c> under it), or the endpoint itself.</summary>
    public required string Url { get; init; }

    /// <summary>First millisecond copied.</summary>
    public required long FromMs { get; init; }

    /// <summary>Last millisecond copied (inclusive).</summary>
    public required long ToMs { get; init; }

    /// <summary>The data folder the blocks are written into.</summary>
    public string StoragePath { get; init; } = new ServeOptions().StoragePath;

    /// <summary>Series selectors; a series matching any of them is copied.</summary>
    public IReadOnlyList<string> Match { get; init; } = [MigrateCommand.DefaultMatch];

    /// <summary>How much time one remote-read request covers and one block holds (aligned to multiples of it).</summary>
    public TimeSpan Window { get; init; } = TimeSpan.FromHours(2);

    /// <summary>Do not print the blocks written.</summary>
    public bool Quiet { get; init; }
}

/// <summary>
/// <c>ariane migrate prometheus --url URL --from T --to T</c>: copies a time range out of a running Prometheus through
/// its remote-read API into blocks in Ariane's data folder, one window (2 h by default, aligned like the head's
/// blocks) per request and per block, so memory holds one window at a time. A running Ariane loads the blocks at its
/// next compaction pass (within a minute), a stopped one when it starts; overlapping blocks are merged by compaction.
/// </summary>
internal static class MigrateCommand
{
    /// <summary>Every series.</summary>
    public const string DefaultMatch = "{__name__=~\".+\"}";

    public static Command Create()
    {
        var url = new Option<string>("--url") { Description = "The Prometheus server's URL (its remote-read API, /api/v1/read, is used).", Required = true };
        var from = new Option<string>("--from") { Description = "Start of the range to copy (RFC 3339 or Unix seconds).", Required = true };
        var to = new Option<string>("--to") { Description = "End of the range to copy (RFC 3339 or Unix seconds); default now." };
        var path = new Option<string>("--storage.tsdb.path") { Description = "Ariane's data folder, where the blocks are written.", DefaultValueFactory = _ => new ServeOptions().StoragePath };
        var match = new Option<string[]>("--match") { Description = "Series selector to copy (repeatable); default every series.", AllowMultipleArgumentsPerToken = false };
        var window = new Option<string>("--window") { Description = "Time range of one remote-read request and one block.", DefaultValueFactory = _ => "2h" };
        var quiet = new Option<bool>("--quiet", "-q") { Description = "Do not print the blocks written." };
        var prom = new Command("prometheus", "Copy a time range of samples out of a running Prometheus (remote read) into blocks in the data folder.")
        {
            url, from, to, path, match, window, quiet,
        };
        prom.SetAction(async (pr, ct) =>
        {
            var now = TimeProvider.System.GetUtcNow().ToUnixTimeMilliseconds();
            if (!TryParseTime(pr.GetValue(from)!, out long f))
            {
                await Console.Error.WriteLineAsync("error: invalid --from (want RFC 3339 or Unix seconds)").ConfigureAwait(false);
                return 2;
            }
            long t = now;
            if (pr.GetValue(to) is { Length: > 0 } ts && !TryParseTime(ts, out t))
            {
                await Console.Error.WriteLineAsync("error: invalid --to (want RFC 3339 or Unix seconds)").ConfigureAwait(false);
                return 2;
            }
            if (!PromDuration.TryParse(pr.GetValue(window)!, out var w) || w < TimeSpan.FromMinutes(1))
            {
                await Console.Error.WriteLineAsync("error: invalid --window (want a duration of at least 1m)").ConfigureAwait(false);
                return 2;
            }
            var o = new MigrateOptions
            {
                Url = pr.GetValue(url)!,
                FromMs = f,
                ToMs = t,
                StoragePath = pr.GetValue(path)!,
                Match = pr.GetValue(match) is { Length: > 0 } m ? m : [DefaultMatch],
                Window = w,
                Quiet = pr.GetValue(quiet),
            };
            var progress = Console.IsErrorRedirected ? null : Console.Error;
            return await RunAsync(o, Console.Out, Console.Error, progress, TimeProvider.System, ct).ConfigureAwait(false);
        });
        return new Command("migrate", "Copy data from another monitoring system into Ariane.") { prom };
    }

    /// <summary>RFC 3339, or Unix seconds with an optional fraction, to milliseconds.</summary>
    internal static bool TryParseTime(string s, out long ms)
    {
        if (double.TryParse(s, NumberStyles.Float, CultureInfo.InvariantCulture, out double secs) && double.IsFinite(secs))
        {
            ms = (long)Math.Round(secs * 1000);
            return true;
        }
        if (DateTimeOffset.TryParse(s, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal | DateTimeStyles.AdjustToUniversal, out var dto))
        {
            ms = dto.ToUnixTimeMilliseconds();
            return true;
        }
        ms = 0;
        return false;
    }

    private static Uri ReadUrl(string url)
    {
        string u = url.TrimEnd('/');
        return new Uri(u.EndsWith("/api/v1/read", StringComparison.Ordinal) ? u : u + "/api/v1/read");
    }

    /// <summary>
    /// Copies the range window by window. Returns 0 when every window was copied; on an error the blocks written so far
    /// stay (each is complete) and the message says from which time to resume.
    /// </summary>
    public static async Task<int> RunAsync(MigrateOptions o, TextWriter output, TextWriter err, TextWriter? progress, TimeProvider time, CancellationToken ct)
    {
        if (o.ToMs < o.FromMs)
        {
            await err.WriteLineAsync("error: --to is before --from").ConfigureAwait(false);
            return 2;
        }
        var selectors = new List<LabelMatcher[]>();
        foreach (var m in o.Match)
        {
            try
            {
                selectors.Add(SelectorParser.Parse(m));
            }
            catch (PromQLParseException e)
            {
                await err.WriteLineAsync($"error: --match {m}: {e.Message}").ConfigureAwait(false);
                return 2;
            }
        }
        Uri url;
        try
        {
            url = ReadUrl(o.Url);
        }
        catch (UriFormatException e)
        {
            await err.WriteLineAsync($"error: --url {o.Url}: {e.Message}").ConfigureAwait(false);
            return 2;
        }
        if (Tsdb.ForeignDataDir.ForeignSigns(o.StoragePath) is { Count: > 0 } signs)
        {
            // Ariane's blocks in Prometheus's folder would be damaged blocks to Prometheus, and Ariane will not open it.
            await err.WriteLineAsync($"error: --storage.tsdb.path {o.StoragePath} is a Prometheus data folder (found {string.Join(", ", signs)}); migrate copies into Ariane's own folder: give a new one").ConfigureAwait(false);
            return 2;
        }
        Directory.CreateDirectory(o.StoragePath);
        using var http = new HttpClient { Timeout = TimeSpan.FromMinutes(10) };
        var client = new RemoteReadClient(http, url);
        long range = (long)o.Window.TotalMilliseconds;
        long first = o.FromMs - Mod(o.FromMs, range);
        // Nothing ahead of the clock's allowance is copied, as the server would not take it (see TsdbOptions.MaxFutureTime).
        long toMs = Math.Min(o.ToMs, Tsdb.TsdbOptions.LatestValidTime(time.GetUtcNow().ToUnixTimeMilliseconds(), Tsdb.TsdbOptions.DefaultMaxFutureTime));
        long windows = (toMs - first) / range + 1;
        long series = 0, samples = 0, blocks = 0, conflicts = 0, index = 0;
        var requests = new StrongBox<int>();
        bool header = true;
        for (long w = first; w <= toMs; w += range)
        {
            index++;
            long start = Math.Max(w, o.FromMs), end = Math.Min(w + range - 1, toMs);
            progress?.Write($"\rmigrate: window {index}/{windows} from {GoFormat.UtcTime(start)}: {blocks} blocks, {series} series, {samples} samples so far   ");
            var gathered = new List<SeriesSamples>();
            try
            {
                foreach (var matchers in selectors)
                {
                    await ReadSplitting(client, start, end, matchers, gathered, requests, ct).ConfigureAwait(false);
                }
            }
            catch (Exception e) when (e is RemoteReadException or HttpRequestException or TaskCanceledException)
            {
                progress?.Write("\n");
                await err.WriteLineAsync($"error: reading [{start}, {end}] from {url}: {e.Message}").ConfigureAwait(false);
                await err.WriteLineAsync($"The {blocks} block(s) written so far are complete and stay in {o.StoragePath}; to go on, run again with --from {start / 1000}.").ConfigureAwait(false);
                return 1;
            }
            long windowSamples = gathered.Sum(s => (long)s.Count);
            if (windowSamples == 0)
            {
                continue;
            }
            if (BlockBackfiller.WriteBlock(o.StoragePath, gathered, time) is { } b)
            {
                blocks++;
                series += b.Meta.NumSeries;
                samples += b.Meta.NumSamples;
                conflicts += b.ConflictingSamples;
                if (!o.Quiet)
                {
                    progress?.Write("\r\u001b[K");
                    var rows = new List<string[]>();
                    if (header)
                    {
                        rows.Add(TsdbCommand.BlockHeader);
                    }
                    rows.Add(TsdbCommand.BlockRow(b.Meta, DirSize(Path.Combine(o.StoragePath, b.Meta.Ulid)), false));
                    await output.WriteAsync(TsdbCommand.BlockTable(rows)).ConfigureAwait(false);
                    header = false;
                }
            }
        }
        progress?.Write("\r\u001b[K");
        if (conflicts > 0)
        {
            await err.WriteLineAsync($"warning: {conflicts} sample(s) repeated a timestamp of their series with another value; the first was kept").ConfigureAwait(false);
        }
        await err.WriteLineAsync($"migrate: copied {samples} samples of {series} series (summed over blocks) into {blocks} block(s) in {o.StoragePath}, with {requests.Value} remote-read request(s)").ConfigureAwait(false);
        return 0;
    }

    // Reads [start, end]; when the server refuses for its sample limit, reads the two halves instead.
    private static async Task ReadSplitting(RemoteReadClient client, long start, long end, LabelMatcher[] matchers, List<SeriesSamples> into, StrongBox<int> requests, CancellationToken ct)
    {
        List<RemoteReadSeries> got;
        try
        {
            requests.Value++;
            got = await client.ReadAsync(start, end, matchers, ct).ConfigureAwait(false);
        }
        catch (RemoteReadException e) when (e.SampleLimitExceeded && end - start >= 2_000)
        {
            long mid = start + (end - start) / 2;
            await ReadSplitting(client, start, mid, matchers, into, requests, ct).ConfigureAwait(false);
            await ReadSplitting(client, mid + 1, end, matchers, into, requests, ct).ConfigureAwait(false);
            return;
        }
        foreach (var s in got)
        {
            var ss = new SeriesSamples(s.Labels);
            for (int i = 0; i < s.Timestamps.Length; i++)
            {
                // The server's querier may hand back samples just outside the asked range (whole chunks): keep the window's own.
                if (s.Timestamps[i] >= start && s.Timestamps[i] <= end)
                {
                    ss.Add(s.Timestamps[i], s.Values[i]);
                }
            }
            if (ss.Count > 0)
            {
                into.Add(ss);
            }
        }
    }

    private static long DirSize(string dir) => new DirectoryInfo(dir).EnumerateFiles("*", SearchOption.AllDirectories).Sum(f => f.Length);

    private static long Mod(long a, long m)
    {
        long r = a % m;
        return r < 0 ? r + m : r;
    }
}
