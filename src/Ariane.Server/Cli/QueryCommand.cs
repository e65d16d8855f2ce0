using System.CommandLine;
using System.Globalization;
using System.Text;
using System.Text.Json;

namespace Ariane.Server.Cli;

/// <summary><c>ariane query instant|range</c>: runs PromQL against a running server's HTTP API, for scripts and terminals.</summary>
internal static class QueryCommand
{
    public static Command Create()
    {
        var server = ServerUrl.Option("The server's URL (the scheme may be left out: localhost:9095).");
        var format = new Option<string>("--format", "-o") { Description = "Output: table or json.", DefaultValueFactory = _ => "table" };
        format.AcceptOnlyFromAmong("table", "json");

        var expr = new Argument<string>("expr") { Description = "The PromQL expression." };
        var time = new Option<string>("--time") { Description = "Evaluation time (RFC 3339 or Unix seconds); default now." };
        var instant = new Command("instant", "Run an instant query.") { expr, time, server, format };
        instant.SetAction(async (pr, ct) =>
        {
            var args = new Dictionary<string, string> { ["query"] = pr.GetValue(expr)! };
            if (pr.GetValue(time) is { Length: > 0 } t)
            {
                args["time"] = t;
            }
            return await Run(pr.GetValue(server)!, "/api/v1/query", args, pr.GetValue(format)!, ct).ConfigureAwait(false);
        });

        var rexpr = new Argument<string>("expr") { Description = "The PromQL expression." };
        var start = new Option<string>("--start") { Description = "Start time (RFC 3339 or Unix seconds); default an hour ago." };
        var end = new Option<string>("--end") { Description = "End time; default now." };
        var step = new Option<string>("--step") { Description = "Resolution step (a duration such as 15s, or seconds); default 1m.", DefaultValueFactory = _ => "1m" };
        var range = new Command("range", "Run a range query.") { rexpr, start, end, step, server, format };
        range.SetAction(async (pr, ct) =>
        {
            var now = TimeProvider.System.GetUtcNow();
            var args = new Dictionary<string, string>
            {
                ["query"] = pr.GetValue(rexpr)!,
                ["start"] = pr.GetValue(start) is { Length: > 0 } s ? s : Seconds(now.AddHours(-1)),
                ["end"] = pr.GetValue(end) is { Length: > 0 } e ? e : Seconds(now),
                ["step"] = pr.GetValue(step)!,
            };
            return await Run(pr.GetValue(server)!, "/api/v1/query_range", args, pr.GetValue(format)!, ct).ConfigureAwait(false);
        });

        return new Command("query", "Run PromQL queries against a running server.") { instant, range };
    }

    private static string Seconds(DateTimeOffset t) => (t.ToUnixTimeMilliseconds() / 1000.0).ToString("0.###", CultureInfo.InvariantCulture);

    private static async Task<int> Run(string server, string path, Dictionary<string, string> args, string format, CancellationToken ct)
    {
        if (ServerUrl.Parse(server) is not { } baseUri)
        {
            await Console.Error.WriteLineAsync($"error: invalid --server URL \"{server}\"").ConfigureAwait(false);
            return 1;
        }
        using var client = new HttpClient { BaseAddress = baseUri, Timeout = TimeSpan.FromMinutes(5) };
        string body;
        try
        {
            using var content = new FormUrlEncodedContent(args);
            using var resp = await client.PostAsync(path, content, ct).ConfigureAwait(false);
            body = await resp.Content.ReadAsStringAsync(ct).ConfigureAwait(false);
        }
        catch (HttpRequestException e)
        {
            await Console.Error.WriteLineAsync($"error: cannot reach {server}: {e.Message}").ConfigureAwait(false);
            return 1;
        }
        JsonDocument doc;
        try
        {
            doc = JsonDocument.Parse(body);
        }
        catch (JsonException)
        {
            await Console.Error.WriteLineAsync("error: the server did not answer with JSON: " + body).ConfigureAwait(false);
            return 1;
        }
        using (doc)
        {
            var root = doc.RootElement;
            if (root.GetProperty("status").GetString() != "success")
            {
                await Console.Error.WriteLineAsync($"error: {root.GetProperty("errorType").GetString()}: {root.GetProperty("error").GetString()}").ConfigureAwait(false);
                return 1;
            }
            if (format == "json")
            {
                Console.WriteLine(body);
                return 0;
            }
            foreach (var key in new[] { "warnings", "infos" })
            {
                if (root.TryGetProperty(key, out var list))
                {
                    foreach (var w in list.EnumerateArray())
                    {
                        await Console.Error.WriteLineAsync(w.GetString()).ConfigureAwait(false);
                    }
                }
            }
            Console.Write(Table(root.GetProperty("data")));
            return 0;
        }
    }

    /// <summary>Renders a result as aligned text: one row per sample (vector) or per point (matrix).</summary>
    internal static string Table(JsonElement data)
    {
        string type = data.GetProperty("resultType").GetString()!;
        var result = data.GetProperty("result");
        var rows = new List<(string Series, string Time, string Value)>();
        static string Labels(JsonElement metric)
        {
            var sb = new StringBuilder();
            string name = metric.TryGetProperty("__name__", out var n) ? n.GetString()! : "";
            sb.Append(name).Append('{');
            bool first = true;
            foreach (var p in metric.EnumerateObject())
            {
                if (p.Name == "__name__")
                {
                    continue;
                }
                if (!first)
                {
                    sb.Append(", ");
                }
                first = false;
                sb.Append(p.Name).Append("=\"").Append(p.Value.GetString()).Append('"');
            }
            return sb.Append('}').ToString();
        }
        static string Time(JsonElement t) => DateTimeOffset.FromUnixTimeMilliseconds((long)Math.Round(t.GetDouble() * 1000))
            .UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss.fff'Z'", CultureInfo.InvariantCulture);
        switch (type)
        {
            case "scalar":
            case "string":
                rows.Add(("", Time(result[0]), result[1].GetString()!));
                break;
            case "vector":
                foreach (var s in result.EnumerateArray())
                {
                    var v = s.GetProperty("value");
                    rows.Add((Labels(s.GetProperty("metric")), Time(v[0]), v[1].GetString()!));
                }
                break;
            default:
                foreach (var s in result.EnumerateArray())
                {
                    string labels = Labels(s.GetProperty("metric"));
                    foreach (var v in s.GetProperty("values").EnumerateArray())
                    {
                        rows.Add((labels, Time(v[0]), v[1].GetString()!));
                    }
                }
                break;
        }
        int w1 = Math.Max(6, rows.Count == 0 ? 0 : rows.Max(r => r.Series.Length));
        var sbOut = new StringBuilder();
        sbOut.Append("SERIES".PadRight(w1)).Append("  ").Append("TIME".PadRight(24)).Append("  VALUE\n");
        foreach (var (series, t, value) in rows)
        {
            sbOut.Append(series.PadRight(w1)).Append("  ").Append(t.PadRight(24)).Append("  ").Append(value).Append('\n');
        }
        return sbOut.ToString();
    }
}
