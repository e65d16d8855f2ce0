using System.Globalization;
using System.Text;
using Ariane.Model;
using Ariane.PromQL.Parser;
using Ariane.Server.Logging;
using Ariane.Storage;
using Ariane.Tsdb;

namespace Ariane.Server.Cli;

internal static partial class TsdbCommand
{
    /// <summary>promtool's default <c>--match</c>: every series.</summary>
    public const string DefaultDumpMatch = "{__name__=~'(?s:.*)'}";

    /// <summary>
    /// <c>tsdb dump</c>: every sample of the matching series in [minTime, maxTime], one line each as promtool prints them
    /// (<c>{labels} value timestamp</c>), series in label order. Reads the blocks and the head: the WAL is copied to a
    /// temporary folder and replayed there, so the data folder is never written (a running server's folder is fine;
    /// a record being written at that moment is cut off in the copy, as a crash would).
    /// </summary>
    public static int Dump(string dir, long minTime, long maxTime, string match, TextWriter o, TextWriter err)
    {
        if (!CheckDir(dir, err))
        {
            return 1;
        }
        LabelMatcher[] matchers;
        try
        {
            matchers = SelectorParser.Parse(match, allowEmptyMatching: true);
        }
        catch (PromQLParseException e)
        {
            err.WriteLine("error: --match: " + e.Message);
            return 1;
        }
        var blocks = OpenBlocks(dir, err, out bool damaged);
        string? walCopy = null;
        Head? head = null;
        var queriers = new List<IQuerier>();
        try
        {
            long minValid = long.MinValue;
            foreach (var b in blocks)
            {
                minValid = Math.Max(minValid, b.Meta.MaxTime);
                if (b.Meta.Overlaps(minTime, maxTime))
                {
                    queriers.Add(b.Querier(minTime, maxTime));
                }
            }
            string wal = Path.Combine(dir, "wal");
            if (Directory.Exists(wal) && Directory.EnumerateFileSystemEntries(wal).Any())
            {
                walCopy = Directory.CreateTempSubdirectory("ariane-dump-").FullName;
                CopyDir(wal, Path.Combine(walCopy, "wal"));
                head = Head.Open(new TsdbOptions { Path = walCopy, WalSyncInterval = TimeSpan.Zero }, TimeProvider.System,
                    new TextWriterLogger(err, "warning: "), minValid);
                queriers.Add(head.Querier(minTime, maxTime));
            }
            if (queriers.Count == 0)
            {
                return damaged ? 1 : 0;
            }
            using var q = new MergeQuerier([.. queriers], disjoint: false);
            queriers.Clear();
            var set = q.Select(true, matchers);
            var line = new StringBuilder();
            ISampleIterator? it = null;
            while (set.MoveNext())
            {
                var s = set.Current;
                string labels = GoFormat.Labels(s.Labels);
                it = s.Iterator(it);
                while (it.Next())
                {
                    line.Clear();
                    line.Append(labels).Append(' ').Append(GoFormat.FloatG(it.V)).Append(' ').Append(it.T.ToString(CultureInfo.InvariantCulture)).Append('\n');
                    o.Write(line);
                }
            }
            return damaged ? 1 : 0;
        }
        catch (Tsdb.Blocks.CorruptBlockException e)
        {
            err.WriteLine("error: " + e.Message);
            return 1;
        }
        finally
        {
            foreach (var q in queriers)
            {
                q.Dispose();
            }
            head?.Dispose();
            foreach (var b in blocks)
            {
                b.Close();
            }
            if (walCopy is not null)
            {
                Directory.Delete(walCopy, recursive: true);
            }
        }
    }

    private static void CopyDir(string from, string to)
    {
        Directory.CreateDirectory(to);
        foreach (var f in Directory.GetFiles(from))
        {
            File.Copy(f, Path.Combine(to, Path.GetFileName(f)));
        }
        foreach (var d in Directory.GetDirectories(from))
        {
            CopyDir(d, Path.Combine(to, Path.GetFileName(d)));
        }
    }
}
