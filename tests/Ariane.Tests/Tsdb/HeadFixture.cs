using Ariane.Model;
using Ariane.Storage;
using Ariane.Tests.Support;
using Ariane.Tsdb;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Time.Testing;

namespace Ariane.Tests.Tsdb;

/// <summary>A head in a temporary folder with a fake clock, deleted at the end of the test.</summary>
public sealed class TempHead : IDisposable
{
    public TempHead(long segmentSize = 128L << 20)
    {
        Dir = Path.Combine(Path.GetTempPath(), "ariane-tsdb-" + Guid.NewGuid().ToString("N"));
        Options = new TsdbOptions { Path = Dir, WalSegmentSize = segmentSize };
        Head = Head.Open(Options, Time, new ListLogger(Warnings, LogLevel.Warning));
    }

    public string Dir { get; }
    public string WalDir => Path.Combine(Dir, "wal");
    public TsdbOptions Options { get; }
    public FakeTimeProvider Time { get; } = new();
    public List<string> Warnings { get; } = [];
    public Head Head { get; private set; }

    public Head Reopen()
    {
        Head.Dispose();
        Warnings.Clear();
        Head = Head.Open(Options, Time, new ListLogger(Warnings, LogLevel.Warning));
        return Head;
    }

    /// <summary>Reopens without a clean shutdown of the old head (as after kill -9: what was written stays).</summary>
    public Head ReopenDirty()
    {
        Warnings.Clear();
        var old = Head;
        Head = Head.Open(Options, Time, new ListLogger(Warnings, LogLevel.Warning));
        return old;
    }

    public void Dispose()
    {
        Head.Dispose();
        try
        {
            Directory.Delete(Dir, true);
        }
        catch (IOException)
        {
        }
    }

    public static Labels L(params string[] nv) => Labels.FromStrings(nv);

    public void Add(Labels labels, params (long T, double V)[] samples)
    {
        var app = Head.Appender();
        ulong r = 0;
        foreach (var (t, v) in samples)
        {
            Assert.Equal(AppendStatus.Ok, app.Append(ref r, labels, t, v));
        }
        app.Commit();
    }

    public static List<(long T, double V)> Samples(ISeries s)
    {
        var it = s.Iterator();
        var list = new List<(long, double)>();
        while (it.Next())
        {
            list.Add((it.T, it.V));
        }
        return list;
    }

    /// <summary>Every series and its samples, in label order.</summary>
    public static List<(string Labels, List<(long T, double V)> Samples)> Dump(IStorage s, long mint = long.MinValue, long maxt = long.MaxValue, params LabelMatcher[] ms)
    {
        using var q = s.Querier(mint, maxt);
        var set = q.Select(true, ms);
        var list = new List<(string, List<(long, double)>)>();
        while (set.MoveNext())
        {
            list.Add((set.Current.Labels.ToString(), Samples(set.Current)));
        }
        return list;
    }
}
