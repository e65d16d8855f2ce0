using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Text;

namespace Ariane.Tests.Support;

/// <summary>
/// Runs the real Ariane server as a child process on a free loopback port, the way a user runs it, and
/// stops it with SIGTERM or SIGKILL. Output is captured for assertions and failure messages.
/// </summary>
public sealed class ServerProcess : IAsyncDisposable
{
    private readonly Process _p;
    private readonly StringBuilder _out = new();
    private readonly StringBuilder _err = new();

    private ServerProcess(Process p, int port, string dataDir, ServerClientOptions? client)
    {
        _p = p;
        Port = port;
        DataDir = dataDir;
        string scheme = client?.Https == true ? "https" : "http";
        BaseAddress = new Uri($"{scheme}://127.0.0.1:{port}");
        Client = client?.Handler is { } h
            ? new HttpClient(h(), disposeHandler: true) { BaseAddress = BaseAddress, Timeout = TimeSpan.FromSeconds(30) }
            : new HttpClient { BaseAddress = BaseAddress, Timeout = TimeSpan.FromSeconds(30) };
        Client.DefaultRequestHeaders.Authorization = client?.Authorization;
    }

    /// <summary>The server's base URL: http, or https when started with <see cref="ServerClientOptions.Https"/>.</summary>
    public Uri BaseAddress { get; }

    /// <summary>The port listened on.</summary>
    public int Port { get; }

    /// <summary>The storage folder.</summary>
    public string DataDir { get; }

    /// <summary>A client for the server's HTTP API.</summary>
    public HttpClient Client { get; }

    /// <summary>The process id.</summary>
    public int Pid => _p.Id;

    /// <summary>Everything the server printed so far.</summary>
    public string Output
    {
        get
        {
            lock (_out)
            {
                return _out.ToString() + _err.ToString();
            }
        }
    }

    private static readonly Lazy<string> Binary = new(BuildBinary, LazyThreadSafetyMode.ExecutionAndPublication);

    /// <summary>
    /// The server binary users run: the NativeAOT build that the repository's <c>./ariane</c> launcher publishes into
    /// .build/server. The first call runs the launcher once (<c>--help</c>), which rebuilds it if a source changed.
    /// </summary>
    public static string ServerBinary => Binary.Value;

    private static string BuildBinary()
    {
        var dir = new DirectoryInfo(AppContext.BaseDirectory);
        while (dir is not null && !(File.Exists(Path.Combine(dir.FullName, "ariane")) && File.Exists(Path.Combine(dir.FullName, "Ariane.slnx"))))
        {
            dir = dir.Parent;
        }
        if (dir is null)
        {
            throw new InvalidOperationException($"no repository with the ariane launcher above {AppContext.BaseDirectory}");
        }
        var psi = new ProcessStartInfo(Path.Combine(dir.FullName, "ariane"))
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        psi.ArgumentList.Add("--help");
        using var p = Process.Start(psi)!;
        var stdout = p.StandardOutput.ReadToEndAsync();
        string stderr = p.StandardError.ReadToEnd();
        p.WaitForExit();
        if (p.ExitCode != 0)
        {
            throw new InvalidOperationException($"'./ariane --help' exited with {p.ExitCode}:\n{stderr}{stdout.GetAwaiter().GetResult()}");
        }
        return Path.Combine(dir.FullName, ".build", "server", "ariane");
    }

    /// <summary>A free TCP port on loopback.</summary>
    public static int FreePort()
    {
        using var l = new TcpListener(IPAddress.Loopback, 0);
        l.Start();
        return ((IPEndPoint)l.LocalEndpoint).Port;
    }

    /// <summary>Starts <c>ariane serve</c> with extra flags and waits until /-/ready answers 200.</summary>
    public static Task<ServerProcess> StartAsync(string dataDir, params string[] extraArgs) => StartAsync(dataDir, null, extraArgs);

    /// <summary>
    /// Starts <c>ariane serve</c> whose <see cref="Client"/> (readiness probe included) speaks as <paramref name="client"/>
    /// says (HTTPS, client certificate, credentials), for servers started with a web configuration file.
    /// </summary>
    public static async Task<ServerProcess> StartAsync(string dataDir, ServerClientOptions? client, params string[] extraArgs)
    {
        var s = Launch(dataDir, ["serve"], extraArgs, out _, client: client);
        await s.WaitReadyAsync(TimeSpan.FromSeconds(60));
        return s;
    }

    /// <summary>Starts the process on a port chosen beforehand (for a config that must name it) without waiting.</summary>
    public static ServerProcess Launch(string dataDir, string[] command, string[] extraArgs, int port, bool addDefaults = true) =>
        Launch(dataDir, command, extraArgs, out _, addDefaults, fixedPort: port);

    /// <summary>Starts the process without waiting (for tests of start-up failures).</summary>
    public static ServerProcess Launch(string dataDir, string[] command, string[] extraArgs, out int port, bool addDefaults = true,
        ServerClientOptions? client = null, int fixedPort = 0)
    {
        port = fixedPort != 0 ? fixedPort : FreePort();
        var psi = new ProcessStartInfo(ServerBinary)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var c in command)
        {
            psi.ArgumentList.Add(c);
        }
        if (addDefaults)
        {
            psi.ArgumentList.Add($"--web.listen-address=127.0.0.1:{port}");
            psi.ArgumentList.Add($"--storage.tsdb.path={dataDir}");
            if (!Array.Exists(extraArgs, a => a.StartsWith("--storage.tsdb.retention", StringComparison.Ordinal)))
            {
                // Tests write samples at fixed 2023 timestamps next to the self-scrape's current ones; with the
                // default 15 days, a compaction pass would rightly delete them as too old.
                psi.ArgumentList.Add("--storage.tsdb.retention.time=100y");
            }
        }
        foreach (var a in extraArgs)
        {
            psi.ArgumentList.Add(a);
        }
        var p = Process.Start(psi)!;
        var s = new ServerProcess(p, port, dataDir, client);
        p.OutputDataReceived += (_, e) => { if (e.Data is not null) { lock (s._out) { s._out.AppendLine(e.Data); } } };
        p.ErrorDataReceived += (_, e) => { if (e.Data is not null) { lock (s._out) { s._err.AppendLine(e.Data); } } };
        p.BeginOutputReadLine();
        p.BeginErrorReadLine();
        return s;
    }

    /// <summary>Polls /-/ready until it answers 200 or the time is up.</summary>
    public async Task WaitReadyAsync(TimeSpan timeout)
    {
        var sw = Stopwatch.StartNew();
        while (sw.Elapsed < timeout)
        {
            if (_p.HasExited)
            {
                throw new InvalidOperationException($"server exited with {_p.ExitCode} before it was ready:\n{Output}");
            }
            try
            {
                using var r = await Client.GetAsync("/-/ready");
                if (r.StatusCode == HttpStatusCode.OK)
                {
                    return;
                }
            }
            catch (HttpRequestException)
            {
            }
            await Task.Delay(100);
        }
        throw new TimeoutException($"server not ready after {timeout}:\n{Output}");
    }

    /// <summary>Polls <paramref name="check"/> until it is true or the time is up (then fails with the server's output).</summary>
    public async Task EventuallyAsync(Func<Task<bool>> check, TimeSpan timeout, string what)
    {
        var sw = Stopwatch.StartNew();
        while (true)
        {
            if (await check())
            {
                return;
            }
            if (sw.Elapsed > timeout)
            {
                throw new TimeoutException($"not true after {timeout}: {what}\n--- server output ---\n{Output}");
            }
            await Task.Delay(200);
        }
    }

    /// <summary>Sends a signal (15 = TERM, 9 = KILL, 1 = HUP).</summary>
    public void Signal(int signal)
    {
        if (!_p.HasExited)
        {
            _ = Kill(_p.Id, signal);
        }
    }

    /// <summary>Waits for the process to exit and returns its exit code.</summary>
    public async Task<int> WaitExitAsync(TimeSpan timeout)
    {
        using var cts = new CancellationTokenSource(timeout);
        await _p.WaitForExitAsync(cts.Token);
        // The parameterless wait also waits for the redirected output to be read to its end.
        _p.WaitForExit();
        return _p.ExitCode;
    }

    [System.Runtime.InteropServices.DllImport("libc", EntryPoint = "kill", SetLastError = true)]
    private static extern int Kill(int pid, int sig);

    /// <inheritdoc/>
    public async ValueTask DisposeAsync()
    {
        if (!_p.HasExited)
        {
            Signal(9);
            try
            {
                await WaitExitAsync(TimeSpan.FromSeconds(10));
            }
            catch (OperationCanceledException)
            {
            }
        }
        _p.Dispose();
        Client.Dispose();
    }
}

/// <summary>How <see cref="ServerProcess.Client"/> talks to a server started with a web configuration file.</summary>
public sealed class ServerClientOptions
{
    /// <summary>Speak HTTPS to the server.</summary>
    public bool Https { get; init; }

    /// <summary>Makes the client's handler (server certificate validation, client certificate); null for the default.</summary>
    public Func<HttpMessageHandler>? Handler { get; init; }

    /// <summary>Sent with every request (basic auth).</summary>
    public System.Net.Http.Headers.AuthenticationHeaderValue? Authorization { get; init; }
}

/// <summary>A temporary folder removed at dispose.</summary>
public sealed class TempDir : IDisposable
{
    /// <summary>Creates an empty folder.</summary>
    public TempDir()
    {
        Path = System.IO.Path.Combine(System.IO.Path.GetTempPath(), "ariane-test-" + Guid.NewGuid().ToString("N")[..12]);
        Directory.CreateDirectory(Path);
    }

    /// <summary>The folder.</summary>
    public string Path { get; }

    /// <inheritdoc/>
    public void Dispose()
    {
        try
        {
            Directory.Delete(Path, recursive: true);
        }
        catch (IOException)
        {
        }
    }
}
