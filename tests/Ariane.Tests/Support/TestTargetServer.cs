using System.Security.Cryptography.X509Certificates;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;

namespace Ariane.Tests.Support;

/// <summary>A real HTTP server on loopback whose paths answer as the test says: good exporters and hostile ones.</summary>
public sealed class TestTargetServer : IAsyncDisposable
{
    private readonly WebApplication _app;

    private TestTargetServer(WebApplication app, int port)
    {
        _app = app;
        Port = port;
    }

    /// <summary>The port.</summary>
    public int Port { get; }

    /// <summary>host:port, for static_configs.</summary>
    public string Address => $"127.0.0.1:{Port}";

    /// <summary>Starts a server with one handler per path; with <paramref name="tls"/>, over HTTPS with that certificate.</summary>
    public static async Task<TestTargetServer> StartAsync(Dictionary<string, RequestDelegate> routes, X509Certificate2? tls = null)
    {
        int port = ServerProcess.FreePort();
        var b = WebApplication.CreateSlimBuilder();
        b.Logging.ClearProviders();
        b.WebHost.UseKestrelHttpsConfiguration();
        b.WebHost.ConfigureKestrel(k => k.ListenLocalhost(port, o =>
        {
            if (tls is not null)
            {
                o.UseHttps(tls);
            }
        }));
        var app = b.Build();
        foreach (var (path, handler) in routes)
        {
            app.Map(path, handler);
        }
        await app.StartAsync();
        return new TestTargetServer(app, port);
    }

    /// <summary>A handler that answers with a fixed body and content type.</summary>
    public static RequestDelegate Text(Func<string> body, string contentType = "text/plain; version=0.0.4") => async ctx =>
    {
        ctx.Response.ContentType = contentType;
        await ctx.Response.WriteAsync(body());
    };

    /// <inheritdoc/>
    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
    }
}
