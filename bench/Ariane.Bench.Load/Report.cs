using System.Globalization;
using System.Text;
using System.Text.Json;

namespace Ariane.Bench.Load;

/// <summary>Reads DIR/SYSTEM/timings.tsv and qN.json of every system and prints the markdown tables.</summary>
internal static class Report
{
    public static int Write(string dir, string[] systems, string[] labels, string[] queries)
    {
        var ic = CultureInfo.InvariantCulture;
        var lat = new Dictionary<string, List<double>[]>();
        var alloc = new Dictionary<string, string[]>();
        var cpu = new Dictionary<string, string[]>();
        var failed = new Dictionary<string, string[]>();
        foreach (var sys in systems)
        {
            string file = Path.Combine(dir, sys, "timings.tsv");
            if (!File.Exists(file))
            {
                continue;
            }

            var l = new List<double>[queries.Length];
            var a = new string[queries.Length];
            var c = new string[queries.Length];
            var x = new string[queries.Length];
            foreach (var line in File.ReadAllLines(file))
            {
                var f = line.Split('\t');
                int qi = int.Parse(f[0], ic);
                if (f[1] == "-")
                {
                    // Not timed: the first run failed (e.g. "timed out after 120 s").
                    x[qi] = f.Length > 4 ? f[4] : "failed";
                    a[qi] = "-";
                    continue;
                }
                l[qi] = [.. Array.ConvertAll(f[1].Split(','), s => double.Parse(s, ic))];
                l[qi].Sort();
                a[qi] = f[2];
                c[qi] = f.Length > 3 ? f[3] : "-";
            }
            lat[sys] = l;
            alloc[sys] = a;
            cpu[sys] = c;
            failed[sys] = x;
        }
        string Label(string sys) => labels[Array.IndexOf(systems, sys)];
        double? P(string sys, int qi, double p) =>
            lat.TryGetValue(sys, out var l) && l[qi] is { Count: > 0 } v ? Percentile(v, p) : null;
        string Ms(double? v) => v is null ? "–" : v.Value.ToString(v.Value < 10 ? "F2" : "F1", ic);

        var sb = new StringBuilder();
        sb.Append("| # | query |");
        foreach (var s in systems)
        {
            sb.Append(ic, $" {Label(s)} p50 / p90 ms |");
        }

        foreach (var s in systems)
        {
            if (s != "victoriametrics")
            {
                sb.Append(ic, $" {Label(s)} ÷ VM (p50) |");
            }
        }

        sb.Append(" Ariane = Prometheus? |\n|---|---|");
        foreach (var _ in systems)
        {
            sb.Append("---:|");
        }

        foreach (var s in systems)
        {
            if (s != "victoriametrics")
            {
                sb.Append("---:|");
            }
        }

        sb.Append("---|\n");
        for (int qi = 0; qi < queries.Length; qi++)
        {
            sb.Append(ic, $"| q{qi} | `{queries[qi].Replace("|", "\\|", StringComparison.Ordinal)}` |");
            foreach (var s in systems)
            {
                if (failed.TryGetValue(s, out var fx) && fx[qi] is { } why)
                {
                    sb.Append(ic, $" {why} |");
                }
                else
                {
                    sb.Append(ic, $" {Ms(P(s, qi, 0.5))} / {Ms(P(s, qi, 0.9))} |");
                }
            }
            double? vm = P("victoriametrics", qi, 0.5);
            foreach (var s in systems)
            {
                if (s == "victoriametrics")
                {
                    continue;
                }

                double? v = P(s, qi, 0.5);
                string r = v is null || vm is null ? "–" : (v.Value / vm.Value).ToString("F2", ic);
                if (s == "ariane" && v is null && vm is not null && failed.TryGetValue(s, out var fa) && fa[qi] is not null)
                {
                    r = "**–** ✗";
                }

                if (s == "ariane" && v is not null && vm is not null)
                {
                    r = v <= vm ? $"**{r}** ✓" : $"**{r}** ✗";
                }

                sb.Append(ic, $" {r} |");
            }
            string eq = Path.Combine(dir, "prometheus", $"q{qi}.equivalent.json");
            string cmp = File.Exists(eq)
                ? $"{Compare(Path.Combine(dir, "ariane", $"q{qi}.json"), eq)}, against 2.42's `{Queries.Prometheus242Equivalent[qi]}`; as written: {Compare(Path.Combine(dir, "ariane", $"q{qi}.json"), Path.Combine(dir, "prometheus", $"q{qi}.json"))}"
                : Compare(Path.Combine(dir, "ariane", $"q{qi}.json"), Path.Combine(dir, "prometheus", $"q{qi}.json"));
            sb.Append(ic, $" {cmp} |\n");
        }
        sb.Append("\nServer CPU per query (`process_cpu_seconds_total` from /metrics around the timed rounds ÷ rounds, less what one read of /metrics costs; whole process, all threads; less sensitive than latency to other load on the machine, but at 10 ms resolution for the Go servers):\n\n| # |");
        foreach (var s in systems)
        {
            sb.Append(ic, $" {Label(s)} CPU ms / query |");
        }

        foreach (var s in systems)
        {
            if (s != "victoriametrics")
            {
                sb.Append(ic, $" {Label(s)} ÷ VM (CPU) |");
            }
        }

        sb.Append("\n|---|");
        foreach (var _ in systems)
        {
            sb.Append("---:|");
        }

        foreach (var s in systems)
        {
            if (s != "victoriametrics")
            {
                sb.Append("---:|");
            }
        }

        sb.Append('\n');
        double? Cpu(string sys, int qi) =>
            cpu.TryGetValue(sys, out var arr) && arr[qi] is { } v && v != "-" ? double.Parse(v, ic) : null;
        for (int qi = 0; qi < queries.Length; qi++)
        {
            sb.Append(ic, $"| q{qi} |");
            foreach (var s in systems)
            {
                sb.Append(ic, $" {Ms(Cpu(s, qi))} |");
            }

            double? vm = Cpu("victoriametrics", qi);
            foreach (var s in systems)
            {
                if (s == "victoriametrics")
                {
                    continue;
                }

                double? v = Cpu(s, qi);
                sb.Append(ic, $" {(v is null || vm is null || vm <= 0 ? "–" : (v.Value / vm.Value).ToString("F2", ic))} |");
            }
            sb.Append('\n');
        }
        sb.Append("\nAllocated bytes per query (the server's own allocation counter around the timed rounds ÷ rounds, less what one read of /metrics allocates), and the answer's size:\n\n| # |");
        foreach (var s in systems)
        {
            sb.Append(ic, $" {Label(s)} MB / query |");
        }

        foreach (var s in systems)
        {
            sb.Append(ic, $" {Label(s)} series × points |");
        }

        sb.Append("\n|---|");
        foreach (var _ in systems)
        {
            sb.Append("---:|---:|");
        }

        sb.Append('\n');
        for (int qi = 0; qi < queries.Length; qi++)
        {
            sb.Append(ic, $"| q{qi} |");
            foreach (var s in systems)
            {
                string a = alloc.TryGetValue(s, out var arr) ? arr[qi] ?? "-" : "-";
                sb.Append(ic, $" {(a == "-" ? "–" : (double.Parse(a, ic) / 1e6).ToString("F2", ic))} |");
            }
            foreach (var s in systems)
            {
                var m = Load(Path.Combine(dir, s, $"q{qi}.json"));
                sb.Append(ic, $" {(m is null ? "–" : $"{m.Count} × {(m.Count == 0 ? 0 : m.Values.Sum(v => v.Count) / m.Count)}")} |");
            }
            sb.Append('\n');
        }
        Console.Write(sb.ToString());
        return 0;
    }

    private static double Percentile(List<double> sorted, double p)
    {
        double pos = p * (sorted.Count - 1);
        int lo = (int)Math.Floor(pos);
        int hi = Math.Min(lo + 1, sorted.Count - 1);
        return sorted[lo] + (sorted[hi] - sorted[lo]) * (pos - lo);
    }

    /// <summary>A matrix answer as series (labels rendered sorted) → points; null if missing or not a success.</summary>
    private static Dictionary<string, List<(double T, double V)>>? Load(string file)
    {
        if (!File.Exists(file) || new FileInfo(file).Length == 0)
        {
            return null;
        }

        using var doc = JsonDocument.Parse(File.ReadAllText(file));
        if (doc.RootElement.GetProperty("status").GetString() != "success")
        {
            return null;
        }

        var map = new Dictionary<string, List<(double, double)>>(StringComparer.Ordinal);
        foreach (var series in doc.RootElement.GetProperty("data").GetProperty("result").EnumerateArray())
        {
            var labels = new List<string>();
            foreach (var p in series.GetProperty("metric").EnumerateObject())
            {
                labels.Add($"{p.Name}=\"{p.Value.GetString()}\"");
            }

            labels.Sort(StringComparer.Ordinal);
            var points = new List<(double, double)>();
            foreach (var pt in series.GetProperty("values").EnumerateArray())
            {
                points.Add((pt[0].GetDouble(), ParseValue(pt[1].GetString()!)));
            }

            map["{" + string.Join(", ", labels) + "}"] = points;
        }
        return map;
    }

    private static double ParseValue(string s) => s switch
    {
        "NaN" => double.NaN,
        "+Inf" or "Inf" => double.PositiveInfinity,
        "-Inf" => double.NegativeInfinity,
        _ => double.Parse(s, CultureInfo.InvariantCulture),
    };

    /// <summary>"yes" when both answers hold the same series with the same timestamps and values within 1e-6 relative.</summary>
    public static string Compare(string aFile, string bFile)
    {
        var a = Load(aFile);
        var b = Load(bFile);
        if (a is null || b is null)
        {
            return a is null ? "no Ariane answer" : "no Prometheus answer";
        }

        int onlyA = 0, onlyB = 0, pointDiff = 0, valueDiff = 0;
        double worst = 0;
        string? example = null;
        foreach (var (key, pa) in a)
        {
            if (!b.TryGetValue(key, out var pb)) { onlyA++; example ??= "only in Ariane: " + key; continue; }
            var byT = new Dictionary<double, double>();
            foreach (var (t, v) in pb)
            {
                byT[t] = v;
            }

            if (pa.Count != pb.Count) { pointDiff++; example ??= $"{key}: {pa.Count} vs {pb.Count} points"; }
            foreach (var (t, v) in pa)
            {
                if (!byT.TryGetValue(t, out var w))
                {
                    continue;
                }

                if (Same(v, w))
                {
                    continue;
                }

                valueDiff++;
                double rel = Math.Abs(v - w) / Math.Max(Math.Abs(v), Math.Abs(w));
                if (double.IsNaN(rel) || rel > worst) { worst = double.IsNaN(rel) ? double.PositiveInfinity : rel; example = $"{key} @{t}: {v} vs {w}"; }
            }
        }
        foreach (var key in b.Keys)
        {
            if (!a.ContainsKey(key)) { onlyB++; example ??= "only in Prometheus: " + key; }
        }

        if (onlyA + onlyB + pointDiff + valueDiff == 0)
        {
            return $"yes ({a.Count} series)";
        }

        return $"**no**: {onlyA} series only in Ariane, {onlyB} only in Prometheus, {pointDiff} with other timestamps, {valueDiff} values differ (e.g. {example})";
    }

    private static bool Same(double a, double b)
    {
        if (double.IsNaN(a) || double.IsNaN(b))
        {
            return double.IsNaN(a) && double.IsNaN(b);
        }

        if (a == b)
        {
            return true;
        }

        return Math.Abs(a - b) <= 1e-6 * Math.Max(Math.Abs(a), Math.Abs(b));
    }
}
