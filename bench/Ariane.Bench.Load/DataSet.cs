using System.Text;

namespace Ariane.Bench.Load;

/// <summary>
/// The deterministic data set of the query benchmark: a fleet of instances, each an HTTP service with request
/// counters and classic latency histograms plus node-like CPU counters and gauges. Every value at step k is a
/// function of the seed, the series and k (and the values before it), so every system gets the same samples.
/// One instance restarts half-way (its counters reset to zero), so rate/increase must handle resets.
/// </summary>
internal sealed class DataSet : SeriesData
{
    public static readonly string[] Jobs = ["api", "web", "auth", "billing", "search", "media"];
    public static readonly string[] Handlers = ["/", "/login", "/logout", "/api/items", "/api/orders", "/api/users", "/static", "/health"];
    public static readonly string[] Codes = ["200", "404", "500", "503"];
    public static readonly double[] Buckets = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];
    public static readonly string[] CpuModes = ["idle", "user", "system", "iowait", "irq", "softirq", "steal", "nice"];
    private static readonly double[] CpuModeShare = [0.62, 0.2, 0.08, 0.04, 0.01, 0.02, 0.02, 0.01];
    public static readonly string[] Devices = ["sda1", "sda2", "sdb1", "nvme0n1p1"];
    public const int Cpus = 4;
    public const int Queues = 20;

    private readonly double[] _values;
    private readonly int _instances;
    private readonly ulong _seed;
    // Index ranges of the families, laid out per instance.
    private readonly int _reqBase, _histBase, _cpuBase, _fsBase, _queueBase, _loadBase;
    private readonly int _restartInstance, _restartStep;

    public DataSet(int instances, long endMs, double hours, long intervalMs, ulong seed)
        : base(endMs, hours, intervalMs)
    {
        _instances = instances;
        _seed = seed;
        _restartInstance = instances / 2;
        _restartStep = Steps / 2;

        _reqBase = SeriesCount;
        for (int i = 0; i < instances; i++)
        {
            foreach (var h in Handlers)
            {
                foreach (var c in Codes)
                {
                    Add(i, "http_requests_total", "code", c, "handler", h);
                }
            }
        }

        _histBase = SeriesCount;
        for (int i = 0; i < instances; i++)
        {
            foreach (var h in Handlers)
            {
                foreach (var le in Buckets)
                {
                    Add(i, "http_request_duration_seconds_bucket", "handler", h, "le", Fmt(le));
                }

                Add(i, "http_request_duration_seconds_bucket", "handler", h, "le", "+Inf");
                Add(i, "http_request_duration_seconds_sum", "handler", h);
                Add(i, "http_request_duration_seconds_count", "handler", h);
            }
        }

        _cpuBase = SeriesCount;
        for (int i = 0; i < instances; i++)
        {
            for (int cpu = 0; cpu < Cpus; cpu++)
            {
                foreach (var m in CpuModes)
                {
                    Add(i, "node_cpu_seconds_total", "cpu", cpu.ToString(System.Globalization.CultureInfo.InvariantCulture), "mode", m);
                }
            }
        }

        _fsBase = SeriesCount;
        for (int i = 0; i < instances; i++)
        {
            foreach (var d in Devices)
            {
                Add(i, "node_filesystem_avail_bytes", "device", d);
            }
        }

        _queueBase = SeriesCount;
        for (int i = 0; i < instances; i++)
        {
            for (int q = 0; q < Queues; q++)
            {
                Add(i, "app_queue_depth", "queue", "q" + q.ToString(System.Globalization.CultureInfo.InvariantCulture));
            }
        }

        _loadBase = SeriesCount;
        for (int i = 0; i < instances; i++)
        {
            Add(i, "node_load1");
        }

        _values = new double[SeriesCount];
        for (int s = 0; s < _values.Length; s++)
        {
            _values[s] = Math.Floor(1000 * Uniform((ulong)s, ulong.MaxValue));
        }

        for (int i = 0; i < instances; i++)
        {
            for (int d = 0; d < Devices.Length; d++)
            {
                _values[_fsBase + i * Devices.Length + d] = 50e9 + Math.Floor(100e9 * Uniform((ulong)(i * 7 + d), 12345));
            }
        }
        // Histograms start empty so that bucket counts stay monotonic in le.
        for (int s = _histBase; s < _cpuBase; s++)
        {
            _values[s] = 0;
        }
    }

    /// <inheritdoc/>
    public override string CountQuery => "count({__name__=~\"http_.*|node_.*|app_.*\"})";

    public static string Fmt(double v) => v.ToString("R", System.Globalization.CultureInfo.InvariantCulture);

    private static string Instance(int i) => $"host-{i:D3}:9100";

    private void Add(int instance, string name, params string[] extra)
    {
        var pairs = new List<(string, string)>
        {
            ("__name__", name),
            ("instance", Instance(instance)),
            ("job", Jobs[instance % Jobs.Length]),
        };
        for (int k = 0; k < extra.Length; k += 2)
        {
            pairs.Add((extra[k], extra[k + 1]));
        }

        AddSeries(pairs);
    }

    private double Uniform(ulong key, ulong step) => Uniform(_seed, key, step);

    /// <inheritdoc/>
    public override ReadOnlySpan<double> Step(int k)
    {
        ulong uk = (ulong)k;
        double secs = IntervalMs / 1000.0;
        bool restart = k == _restartStep;
        for (int i = 0; i < _instances; i++)
        {
            bool reset = restart && i == _restartInstance;
            // Request counters: the rate depends on the code and drifts over the day.
            int s = _reqBase + i * Handlers.Length * Codes.Length;
            for (int h = 0; h < Handlers.Length; h++)
            {
                for (int c = 0; c < Codes.Length; c++, s++)
                {
                    double rate = c switch { 0 => 5 + 3 * h, 1 => 0.5, 2 => 0.1, _ => 0.03 };
                    rate *= 1 + 0.3 * Math.Sin(2 * Math.PI * (k + 40 * i) / 960.0);
                    double inc = Math.Floor(rate * secs * (0.5 + Uniform((ulong)s, uk)));
                    _values[s] = reset ? inc : _values[s] + inc;
                }
            }
            // Histograms: a batch of exponentially distributed latencies per handler.
            s = _histBase + i * Handlers.Length * (Buckets.Length + 3);
            for (int h = 0; h < Handlers.Length; h++)
            {
                int bucketsAt = s;
                if (reset)
                {
                    for (int b = 0; b < Buckets.Length + 3; b++)
                    {
                        _values[s + b] = 0;
                    }
                }

                int n = (int)(10 + 20 * Uniform((ulong)(s + 1_000_000), uk));
                double mean = 0.02 * (1 + h) * (1 + 0.5 * Math.Sin(2 * Math.PI * (k + 17 * i) / 480.0));
                double sum = 0;
                for (int o = 0; o < n; o++)
                {
                    double lat = -Math.Log(1 - Uniform((ulong)(s + 2_000_000 + o), uk)) * mean;
                    sum += lat;
                    for (int b = 0; b < Buckets.Length; b++)
                    {
                        if (lat <= Buckets[b])
                        {
                            _values[bucketsAt + b] += 1;
                        }
                    }
                }
                _values[bucketsAt + Buckets.Length] += n;           // +Inf
                _values[bucketsAt + Buckets.Length + 1] = Math.Round(_values[bucketsAt + Buckets.Length + 1] + sum, 6);
                _values[bucketsAt + Buckets.Length + 2] += n;       // _count
                s += Buckets.Length + 3;
            }
            // CPU seconds.
            s = _cpuBase + i * Cpus * CpuModes.Length;
            for (int cpu = 0; cpu < Cpus; cpu++)
            {
                for (int m = 0; m < CpuModes.Length; m++, s++)
                {
                    double inc = Math.Round(secs * CpuModeShare[m] * (0.7 + 0.6 * Uniform((ulong)s, uk)), 2);
                    _values[s] = reset ? inc : _values[s] + inc;
                }
            }
            // Gauges.
            s = _fsBase + i * Devices.Length;
            for (int d = 0; d < Devices.Length; d++, s++)
            {
                _values[s] = Math.Max(0, _values[s] + Math.Floor((Uniform((ulong)s, uk) - 0.52) * 1e8));
            }

            s = _queueBase + i * Queues;
            for (int q = 0; q < Queues; q++, s++)
            {
                _values[s] = Math.Round(50 + 40 * Math.Sin(2 * Math.PI * (k + 13 * q + 7 * i) / 240.0) + 10 * Uniform((ulong)s, uk));
            }

            s = _loadBase + i;
            _values[s] = Math.Round(2 + Math.Sin(2 * Math.PI * (k + i) / 360.0) + Uniform((ulong)s, uk), 2);
        }
        return _values;
    }
}

/// <summary>A minimal protobuf writer (the fields the remote-write WriteRequest needs).</summary>
internal sealed class Proto
{
    private byte[] _buf = new byte[1 << 16];
    private int _len;

    public ReadOnlySpan<byte> Span => _buf.AsSpan(0, _len);
    public void Clear() => _len = 0;
    public byte[] ToArray() => _buf.AsSpan(0, _len).ToArray();

    private Span<byte> Grow(int n)
    {
        if (_len + n > _buf.Length)
        {
            Array.Resize(ref _buf, Math.Max(_buf.Length * 2, _len + n));
        }

        var span = _buf.AsSpan(_len, n);
        _len += n;
        return span;
    }

    public static int VarintSize(ulong v)
    {
        int n = 1;
        while (v >= 0x80) { v >>= 7; n++; }
        return n;
    }

    public void Varint(ulong v)
    {
        var span = Grow(VarintSize(v));
        int i = 0;
        while (v >= 0x80) { span[i++] = (byte)(v | 0x80); v >>= 7; }
        span[i] = (byte)v;
    }

    public void Tag(int field, int wireType) => Varint((ulong)((field << 3) | wireType));
    public void Double(double v) => BitConverter.TryWriteBytes(Grow(8), v);
    public void Raw(ReadOnlySpan<byte> b) => b.CopyTo(Grow(b.Length));

    public void Bytes(int field, ReadOnlySpan<byte> b)
    {
        Tag(field, 2);
        Varint((ulong)b.Length);
        Raw(b);
    }

    public void String(int field, string s) => Bytes(field, Encoding.UTF8.GetBytes(s));
}
