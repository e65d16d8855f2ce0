using System.Buffers;
using System.Text;
using Ariane.Exposition;
using Ariane.Model;
using Ariane.PromQL.Parser;
using Ariane.Server.Cli;
using Ariane.Storage;

namespace Ariane.Server.Api.V1;

/// <summary>
/// <c>GET /federate</c>: the latest sample of every series matching any <c>match[]</c> selector, as Prometheus's
/// federation serves it, so that another Prometheus (with <c>honor_labels: true</c>) can scrape Ariane. Each series
/// keeps its own labels; the configured external labels are added where the series lacks them (with an empty
/// <c>instance</c> always among them, as Prometheus does). Only samples within the lookback delta
/// (<c>--query.lookback-delta</c>, 5m) count, and a series whose latest sample is a staleness marker is left out.
/// Families are sorted by metric name, each with a <c># TYPE … untyped</c> line, in the text format 0.0.4 or, when the
/// client prefers it, OpenMetrics.
/// </summary>
public static class FederateApi
{
    /// <summary>The OpenMetrics content type answered when the client's Accept header prefers it.</summary>
    public const string OpenMetricsContentType = "application/openmetrics-text; version=1.0.0; charset=utf-8";

    /// <summary>Maps the endpoint onto the app.</summary>
    public static void Map(IEndpointRouteBuilder app, IQuerierSource storage, ServerState state)
    {
        var s = new FederateDeps(storage, state);
        app.MapGet("/federate", ctx => Federate(ctx, s));
    }

    private static async Task Federate(HttpContext ctx, FederateDeps s)
    {
        var selectors = await ApiParams.GetAllAsync(ctx, "match[]").ConfigureAwait(false);
        var sets = new List<LabelMatcher[]>(selectors.Count);
        foreach (var sel in selectors)
        {
            try
            {
                sets.Add(SelectorParser.Parse(sel ?? ""));
            }
            catch (PromQLParseException e)
            {
                // As Prometheus: a plain-text 400 with the parser's message (federation is a scrape, not an API call).
                ctx.Response.StatusCode = 400;
                ctx.Response.ContentType = "text/plain; charset=utf-8";
                await ctx.Response.WriteAsync(e.Message + "\n").ConfigureAwait(false);
                return;
            }
        }
        bool openMetrics = PrefersOpenMetrics(ctx.Request.Headers.Accept.ToString());
        long maxt = s.Time.GetUtcNow().ToUnixTimeMilliseconds();
        long mint = maxt - (long)s.Options.QueryLookbackDelta.TotalMilliseconds;

        var latest = new Dictionary<Labels, (long T, double V)>();
        if (sets.Count > 0)
        {
            using var q = s.Storage.Querier(mint, maxt);
            Ariane.Storage.ISampleIterator? it = null;
            foreach (var set in sets)
            {
                var ss = q.Select(false, set);
                while (ss.MoveNext())
                {
                    var series = ss.Current;
                    if (latest.ContainsKey(series.Labels))
                    {
                        continue;
                    }
                    it = series.Iterator(it);
                    bool any = false;
                    long t = 0;
                    double v = 0;
                    while (it.Next())
                    {
                        if (it.T > maxt)
                        {
                            break;
                        }
                        any = true;
                        t = it.T;
                        v = it.V;
                    }
                    // The exposition formats cannot carry a staleness marker: a series that went stale is left out.
                    if (any && !SampleValue.IsStaleNaN(v) && series.Labels.Name.Length > 0)
                    {
                        latest[series.Labels] = (t, v);
                    }
                }
            }
        }

        var ordered = new List<Labels>(latest.Keys);
        ordered.Sort(static (a, b) =>
        {
            int c = string.CompareOrdinal(a.Name, b.Name);
            return c != 0 ? c : a.CompareTo(b);
        });
        var external = ExternalLabels(s.Config.Global.ExternalLabels);

        ctx.Response.StatusCode = 200;
        ctx.Response.ContentType = openMetrics ? OpenMetricsContentType : TextExpositionWriter.ContentType;
        var output = ctx.Response.BodyWriter;
        var line = new StringBuilder(256);
        string lastName = "";
        foreach (var labels in ordered)
        {
            var (t, v) = latest[labels];
            string name = labels.Name;
            line.Clear();
            if (name != lastName)
            {
                line.Append("# TYPE ").Append(name).Append(openMetrics ? " unknown\n" : " untyped\n");
                lastName = name;
            }
            line.Append(name);
            bool first = true;
            foreach (var l in labels)
            {
                if (l.Name == Labels.MetricName || l.Value.Length == 0)
                {
                    continue;
                }
                AppendLabel(line, ref first, l.Name, l.Value);
            }
            foreach (var e in external)
            {
                if (!labels.Has(e.Name))
                {
                    AppendLabel(line, ref first, e.Name, e.Value);
                }
            }
            if (!first)
            {
                line.Append('}');
            }
            line.Append(' ').Append(TextExpositionWriter.FormatValue(v)).Append(' ');
            if (openMetrics)
            {
                // OpenMetrics timestamps are seconds; milliseconds make at most three decimals.
                line.Append((t / 1000.0).ToString("0.###", System.Globalization.CultureInfo.InvariantCulture));
            }
            else
            {
                line.Append(t);
            }
            line.Append('\n');
            Write(output, line);
            if (output.UnflushedBytes > 64 * 1024)
            {
                await output.FlushAsync(ctx.RequestAborted).ConfigureAwait(false);
            }
        }
        if (openMetrics)
        {
            line.Clear().Append("# EOF\n");
            Write(output, line);
        }
        await output.FlushAsync(ctx.RequestAborted).ConfigureAwait(false);
    }

    /// <summary>The external labels sorted by name, with an empty <c>instance</c> when none is configured.</summary>
    private static List<Label> ExternalLabels(Labels configured)
    {
        var list = new List<Label>(configured.AsList());
        if (!configured.Has("instance"))
        {
            list.Add(new Label("instance", ""));
        }
        list.Sort(static (a, b) => string.CompareOrdinal(a.Name, b.Name));
        return list;
    }

    private static void AppendLabel(StringBuilder sb, ref bool first, string name, string value)
    {
        sb.Append(first ? '{' : ',').Append(name).Append("=\"");
        first = false;
        Labels.EscapeInto(sb, value);
        sb.Append('"');
    }

    private static void Write(IBufferWriter<byte> output, StringBuilder sb)
    {
        foreach (var chunk in sb.GetChunks())
        {
            var span = output.GetSpan(Encoding.UTF8.GetMaxByteCount(chunk.Length));
            output.Advance(Encoding.UTF8.GetBytes(chunk.Span, span));
        }
    }

    /// <summary>
    /// Whether the Accept header ranks OpenMetrics above the text format 0.0.4 (by q-value, then by order), as
    /// Prometheus's scrapers ask for it; anything else (no header, */*, protobuf) gets the text format.
    /// </summary>
    internal static bool PrefersOpenMetrics(string accept)
    {
        double om = -1, text = -1;
        int omAt = int.MaxValue, textAt = int.MaxValue, i = 0;
        foreach (var part in accept.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            var fields = part.Split(';', StringSplitOptions.TrimEntries);
            double q = 1;
            foreach (var f in fields[1..])
            {
                if (f.StartsWith("q=", StringComparison.Ordinal) && double.TryParse(f.AsSpan(2), System.Globalization.NumberStyles.Float, System.Globalization.CultureInfo.InvariantCulture, out double qv))
                {
                    q = qv;
                }
            }
            if (fields[0].Equals("application/openmetrics-text", StringComparison.OrdinalIgnoreCase) && q > om)
            {
                om = q;
                omAt = i;
            }
            else if ((fields[0].Equals("text/plain", StringComparison.OrdinalIgnoreCase) || fields[0] == "*/*") && q > text)
            {
                text = q;
                textAt = i;
            }
            i++;
        }
        return om > 0 && (om > text || (om == text && omAt < textAt));
    }
}

/// <summary>What the federation endpoint uses: queriers, and the settings, configuration (external labels) and clock.</summary>
internal sealed record FederateDeps(IQuerierSource Storage, ServerState State)
{
    public ServeOptions Options => State.Options;

    public Ariane.Config.PrometheusConfig Config => State.Config;

    public TimeProvider Time => State.Time;
}
