using Ariane.Exposition;
using Ariane.Server;
using Ariane.Server.Modules;
using Microsoft.AspNetCore.Routing;

namespace Ariane.Tests.Server;

/// <summary>
/// Issue 11, item 2: a module's health reaches <c>/-/healthy</c>. The host names every module that reports itself
/// unhealthy, in start order, and nothing when all are healthy (the server test checks the 200 answer).
/// </summary>
public class ModuleHealthTests
{
    [Fact]
    public void AllHealthyNamesNone()
    {
        Assert.Null(ServerHost.UnhealthyModules([new Stub("storage", true), new Stub("scrape", true)]));
    }

    [Fact]
    public void NamesEveryUnhealthyModuleInStartOrder()
    {
        IServerModule[] modules = [new Stub("storage", false), new Stub("web", true), new Stub("scrape", false)];
        Assert.Equal("storage, scrape", ServerHost.UnhealthyModules(modules));
    }

    private sealed class Stub(string name, bool healthy) : IServerModule
    {
        public string Name => name;

        public bool Healthy => healthy;

        public void MapRoutes(IEndpointRouteBuilder routes)
        {
        }

        public Task StartAsync(CancellationToken ct) => Task.CompletedTask;

        public Task StopAsync(CancellationToken ct) => Task.CompletedTask;

        public void WriteMetrics(TextExpositionWriter w)
        {
        }
    }
}
