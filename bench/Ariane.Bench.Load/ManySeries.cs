using System.Diagnostics;
using System.Globalization;

namespace Ariane.Bench.Load;

/// <summary>
/// The `series` command: many series with few samples each, for the start-up benchmark (a WAL holding a
/// million series). Series look like a Kubernetes fleet's: container_memory_working_set_bytes{namespace, pod,
/// container, node, instance, job} and friends, 8 labels, about 120 bytes of label text each.
/// </summary>
internal static class ManySeries
{
    private static readonly string[] Names =
    [
        "container_memory_working_set_bytes", "container_cpu_usage_seconds_total", "container_network_receive_bytes_total",
        "container_network_transmit_bytes_total", "container_fs_usage_bytes",
    ];

    public static async Task<int> Run(HttpClient http, string baseUrl, int count, int samples, long endMs, int perRequest)
    {
        string url = baseUrl.TrimEnd('/') + "/api/v1/write";
        var req = new Proto();
        var ts = new Proto();
        var lbl = new Proto();
        var sw = Stopwatch.StartNew();
        long sent = 0;
        for (int k = 0; k < samples; k++)
        {
            long t = endMs - (samples - 1 - k) * 15_000L;
            for (int from = 0; from < count; from += perRequest)
            {
                req.Clear();
                int to = Math.Min(count, from + perRequest);
                for (int i = from; i < to; i++)
                {
                    ts.Clear();
                    int pod = i / Names.Length;
                    Label(ts, lbl, "__name__", Names[i % Names.Length]);
                    Label(ts, lbl, "container", "app-" + (pod % 7).ToString(CultureInfo.InvariantCulture));
                    Label(ts, lbl, "instance", "10.1." + (pod / 250 % 250).ToString(CultureInfo.InvariantCulture) + "." + (pod % 250).ToString(CultureInfo.InvariantCulture) + ":10250");
                    Label(ts, lbl, "job", "kubelet");
                    Label(ts, lbl, "namespace", "team-" + (pod % 40).ToString(CultureInfo.InvariantCulture));
                    Label(ts, lbl, "node", "node-" + (pod / 30).ToString("D5", CultureInfo.InvariantCulture));
                    Label(ts, lbl, "pod", "svc-" + (pod % 300).ToString(CultureInfo.InvariantCulture) + "-" + pod.ToString("x8", CultureInfo.InvariantCulture));
                    Label(ts, lbl, "service", "svc-" + (pod % 300).ToString(CultureInfo.InvariantCulture));
                    ts.Tag(2, 2);
                    ts.Varint((ulong)(10 + Proto.VarintSize((ulong)t)));
                    ts.Tag(1, 1);
                    ts.Double(i * 1.5 + k);
                    ts.Tag(2, 0);
                    ts.Varint((ulong)t);
                    req.Bytes(1, ts.Span);
                }
                var body = Snappier.Snappy.CompressToArray(req.Span);
                using var content = new ByteArrayContent(body);
                content.Headers.ContentType = new System.Net.Http.Headers.MediaTypeHeaderValue("application/x-protobuf");
                content.Headers.ContentEncoding.Add("snappy");
                using var msg = new HttpRequestMessage(HttpMethod.Post, url) { Content = content };
                msg.Headers.Add("X-Prometheus-Remote-Write-Version", "0.1.0");
                using var resp = await http.SendAsync(msg);
                if (!resp.IsSuccessStatusCode)
                {
                    throw new InvalidOperationException($"POST {url} answered {(int)resp.StatusCode}: {(await resp.Content.ReadAsStringAsync()).Trim()}");
                }
                sent += to - from;
            }
        }
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"series={count} samples={sent} seconds={sw.Elapsed.TotalSeconds:F1}"));
        return 0;
    }

    private static void Label(Proto ts, Proto tmp, string name, string value)
    {
        tmp.Clear();
        tmp.String(1, name);
        tmp.String(2, value);
        ts.Bytes(1, tmp.Span);
    }
}
