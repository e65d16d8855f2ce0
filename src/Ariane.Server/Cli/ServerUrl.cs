using System.CommandLine;

namespace Ariane.Server.Cli;

/// <summary>
/// The <c>--server</c> option of the client commands (query, backup): a URL whose scheme may be left out
/// (<c>localhost:9095</c> means <c>http://localhost:9095</c>), by default from the <c>ARIANE_SERVER</c> environment
/// variable, else the server's default address.
/// </summary>
internal static class ServerUrl
{
    /// <summary>The environment variable naming the server when <c>--server</c> is not given.</summary>
    public const string EnvironmentVariable = "ARIANE_SERVER";

    /// <summary>The server's own default listen address, as a URL.</summary>
    public const string Default = "http://127.0.0.1:9095";

    /// <summary>A <c>--server</c> option with the environment default.</summary>
    public static Option<string> Option(string description) => new("--server")
    {
        Description = description + $" Default: ${EnvironmentVariable}, else {Default}.",
        DefaultValueFactory = _ => Environment.GetEnvironmentVariable(EnvironmentVariable) is { Length: > 0 } env ? env : Default,
    };

    /// <summary>The URL for <paramref name="text"/>, with http:// added when it has no scheme; null when it is not a URL.</summary>
    public static Uri? Parse(string text)
    {
        text = text.Trim();
        if (!text.Contains("://", StringComparison.Ordinal))
        {
            text = "http://" + text;
        }
        return Uri.TryCreate(text, UriKind.Absolute, out var uri) && uri.Scheme is "http" or "https" && uri.Host.Length > 0 ? uri : null;
    }
}
