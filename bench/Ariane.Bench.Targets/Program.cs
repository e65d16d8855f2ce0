// Serves N synthetic node_exporter-like targets on consecutive loopback ports, each at /metrics, for the
// side-by-side ingestion benchmark (bench/ingest.sh). Every scrape moves every value, so the scrapers store
// real, changing samples. Labels are rendered once; a scrape costs one pass over a double[] and the writes.
// GET /stats on any of the ports counts the scrapes served so far.
//
//   ariane-bench-targets [--targets 100] [--series-per-target 1000] [--port-base 20000] [--seed 1]

using System.Buffers;
using System.Globalization;
using System.Net;
using Ariane.Bench.Targets;

int targets = 100;
int seriesPerTarget = 1000;
int portBase = 20000;
int seed = 1;
for (int i = 0; i < args.Length; i++)
{
    string value = i + 1 < args.Length ? args[i + 1] : "";
    switch (args[i])
    {
        case "--targets": targets = int.Parse(value, CultureInfo.InvariantCulture); i++; break;
        case "--series-per-target": seriesPerTarget = int.Parse(value, CultureInfo.InvariantCulture); i++; break;
        case "--port-base": portBase = int.Parse(value, CultureInfo.InvariantCulture); i++; break;
        case "--seed": seed = int.Parse(value, CultureInfo.InvariantCulture); i++; break;
        default:
            Console.Error.WriteLine($"unknown argument {args[i]}; usage: [--targets N] [--series-per-target N] [--port-base PORT] [--seed N]");
            return 2;
    }
}

if (targets < 1 || seriesPerTarget < 1 || portBase < 1 || portBase + targets > 65536)
{
    Console.Error.WriteLine("targets and series-per-target must be positive and the ports must fit below 65536");
    return 2;
}

var layout = SeriesLayout.Create(seriesPerTarget, seed);
var exporters = new SyntheticTarget[targets];
for (int t = 0; t < targets; t++)
{
    exporters[t] = new SyntheticTarget(layout, seed * 7919 + t);
}

// Scrapes served, for ingest.sh: the samples a scraper was given in a window, whatever it reports itself.
long scrapes = 0;

WebApplicationBuilder builder = WebApplication.CreateSlimBuilder(args: []);
builder.Logging.ClearProviders();
builder.WebHost.ConfigureKestrel(kestrel =>
{
    kestrel.AddServerHeader = false;
    for (int t = 0; t < targets; t++)
    {
        kestrel.Listen(IPAddress.Loopback, portBase + t);
    }
});

WebApplication app = builder.Build();
app.MapGet("/metrics", async (HttpContext context) =>
{
    int index = context.Connection.LocalPort - portBase;
    if ((uint)index >= (uint)targets)
    {
        context.Response.StatusCode = StatusCodes.Status404NotFound;
        return;
    }

    Interlocked.Increment(ref scrapes);
    byte[] buffer = exporters[index].Scrape(out int length);
    try
    {
        context.Response.ContentType = "text/plain; version=0.0.4; charset=utf-8";
        context.Response.ContentLength = length;
        await context.Response.Body.WriteAsync(buffer.AsMemory(0, length), context.RequestAborted).ConfigureAwait(false);
    }
    finally
    {
        ArrayPool<byte>.Shared.Return(buffer);
    }
});
app.MapGet("/stats", () => $"scrapes {Interlocked.Read(ref scrapes)}\nseries_per_target {seriesPerTarget}\ntargets {targets}\n");
app.MapGet("/", () => $"{targets} synthetic targets of {seriesPerTarget} series each at /metrics on ports {portBase}..{portBase + targets - 1}\n");

await app.StartAsync().ConfigureAwait(false);
Console.WriteLine($"serving {targets} targets x {seriesPerTarget} series = {(long)targets * seriesPerTarget} series on 127.0.0.1:{portBase}..{portBase + targets - 1}");
await app.WaitForShutdownAsync().ConfigureAwait(false);
return 0;
