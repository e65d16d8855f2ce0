using System.Reflection;
using System.Runtime;
using Ariane.Storage;

namespace Ariane.Server.Api.V1;

/// <summary>/api/v1/status/* and the health, readiness and lifecycle endpoints.</summary>
public static class StatusApi
{
    /// <summary>The version Ariane reports.</summary>
    public static string Version { get; } =
        typeof(StatusApi).Assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion.Split('+')[0] ?? "0.1.0";

    /// <summary>Maps the endpoints onto the app.</summary>
    public static void Map(IEndpointRouteBuilder app, IStorageStats storage, ServerState s)
    {
        app.MapGet("/api/v1/status/config", ctx => MetadataApi.Guard(ctx, () =>
            ApiResponse.Success(ctx, w =>
            {
                w.WriteStartObject();
                w.WriteString("yaml"u8, s.Config.RedactedSource);
                w.WriteEndObject();
            })));
        app.MapGet("/api/v1/status/flags", ctx => MetadataApi.Guard(ctx, () =>
            ApiResponse.Success(ctx, w =>
            {
                w.WriteStartObject();
                foreach (var (k, v) in s.Options.AllFlags)
                {
                    w.WriteString(k, v);
                }
                w.WriteEndObject();
            })));
        app.MapGet("/api/v1/status/buildinfo", ctx => MetadataApi.Guard(ctx, () =>
            ApiResponse.Success(ctx, w =>
            {
                w.WriteStartObject();
                w.WriteString("version"u8, Version);
                w.WriteString("revision"u8, BuildInfo.Revision);
                w.WriteString("branch"u8, BuildInfo.Branch);
                w.WriteString("buildUser"u8, BuildInfo.User);
                w.WriteString("buildDate"u8, BuildInfo.Date);
                w.WriteString("goVersion"u8, "dotnet" + Environment.Version);
                w.WriteEndObject();
            })));
        app.MapGet("/api/v1/status/runtimeinfo", ctx => MetadataApi.Guard(ctx, () =>
            ApiResponse.Success(ctx, w =>
            {
                w.WriteStartObject();
                w.WriteString("startTime"u8, ApiResponse.FormatTime(s.StartTime));
                w.WriteString("CWD"u8, Environment.CurrentDirectory);
                w.WriteBoolean("reloadConfigSuccess"u8, s.LastReloadSuccess);
                w.WriteString("lastConfigTime"u8, ApiResponse.FormatTime(s.LastConfigTime));
                w.WriteNumber("corruptionCount"u8, storage.Stats().WalCorruptionsRepaired);
                w.WriteNumber("goroutineCount"u8, ThreadPool.ThreadCount);
                w.WriteNumber("GOMAXPROCS"u8, Environment.ProcessorCount);
                w.WriteNumber("GOMEMLIMIT"u8, GC.GetGCMemoryInfo().TotalAvailableMemoryBytes);
                w.WriteString("GOGC"u8, GCSettings.IsServerGC ? "server" : "workstation");
                w.WriteString("GODEBUG"u8, "");
                w.WriteString("storageRetention"u8, StorageRetention(s.Options));
                w.WriteEndObject();
            })));
        app.MapGet("/api/v1/status/tsdb", ctx => MetadataApi.Guard(ctx, () => TsdbStatus.Write(ctx, storage)));

        // Alive is healthy while starting (as Prometheus, which answers during WAL replay); once ready, a module that
        // stopped doing its job (storage closed, scraping stopped) makes the answer 503 and names it.
        app.MapMethods("/-/healthy", ["GET", "HEAD"], ctx =>
            s.Ready && s.UnhealthyModules() is { } down
                ? Text(ctx, 503, "Ariane is Unhealthy: " + down + ".\n")
                : Text(ctx, 200, "Ariane is Healthy.\n"));
        app.MapMethods("/-/ready", ["GET", "HEAD"], ctx =>
            s.Ready ? Text(ctx, 200, "Ariane is Ready.\n") : Text(ctx, 503, "Service Unavailable"));
        app.MapMethods("/-/reload", ["POST", "PUT"], async ctx =>
        {
            if (!s.Options.EnableLifecycle)
            {
                await Text(ctx, 403, "Lifecycle API is not enabled.").ConfigureAwait(false);
                return;
            }
            string? err = await s.Reload().ConfigureAwait(false);
            if (err is null)
            {
                ctx.Response.StatusCode = 200;
            }
            else
            {
                await Text(ctx, 500, "failed to reload config: " + err).ConfigureAwait(false);
            }
        });
        app.MapMethods("/-/quit", ["POST", "PUT"], async ctx =>
        {
            if (!s.Options.EnableLifecycle)
            {
                await Text(ctx, 403, "Lifecycle API is not enabled.").ConfigureAwait(false);
                return;
            }
            await Text(ctx, 200, "Requesting termination... Goodbye!").ConfigureAwait(false);
            s.Quit();
        });
    }

    /// <summary>
    /// The retention as Prometheus's runtimeinfo shows it: the time (<c>15d</c>), the size (<c>10GiB</c>), or both
    /// joined by " or ", whichever limit is set.
    /// </summary>
    internal static string StorageRetention(Cli.ServeOptions o)
    {
        string r = o.RetentionTime > TimeSpan.Zero ? Ariane.Config.PromDuration.Format(o.RetentionTime) : "";
        if (o.RetentionSize > 0)
        {
            r += (r.Length > 0 ? " or " : "") + Ariane.Config.ByteSize.Format(o.RetentionSize);
        }
        return r;
    }

    private static Task Text(HttpContext ctx, int status, string text)
    {
        ctx.Response.StatusCode = status;
        ctx.Response.ContentType = "text/plain; charset=utf-8";
        return ctx.Response.WriteAsync(text);
    }
}

/// <summary>
/// Build metadata stamped at compile time by Ariane.Server.csproj (the git commit, branch, commit date, build user);
/// empty when the source was built outside a git checkout without <c>-p:ArianeRevision=...</c>.
/// </summary>
internal static class BuildInfo
{
    public static string Revision => Meta("Revision");

    public static string User => Meta("BuildUser");

    public static string Branch => Meta("Branch");

    public static string Date => Meta("BuildDate");

    private static string Meta(string key)
    {
        foreach (var a in typeof(BuildInfo).Assembly.GetCustomAttributes<AssemblyMetadataAttribute>())
        {
            if (a.Key == key)
            {
                return a.Value ?? "";
            }
        }
        return "";
    }
}
