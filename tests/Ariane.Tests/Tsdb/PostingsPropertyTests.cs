using Ariane.Model;
using Ariane.Tsdb;
using FsCheck.Xunit;

namespace Ariane.Tests.Tsdb;

/// <summary>Select over the postings index must agree with evaluating every matcher on every series.</summary>
public class PostingsPropertyTests
{
    private static readonly string[] Names = ["a", "b", "c"];
    private static readonly string[] Values = ["", "x", "y", "xy", "z"];
    private static readonly string[] Patterns = ["", ".*", ".+", "x", "x.*", "x|y", "|z", "y|", "[xz]", "nope"];

    [Property(MaxTest = 60)]
    public bool SelectAgreesWithBruteForce(int seed)
    {
        var rng = new Random(seed);
        using var h = new TempHead();
        var all = new List<Labels>();
        for (int i = 0; i < 40; i++)
        {
            var nv = new List<string> { "__name__", "m", "id", i.ToString() };
            foreach (var n in Names)
            {
                nv.Add(n);
                nv.Add(Values[rng.Next(Values.Length)]);
            }
            var l = Labels.FromStrings(nv.ToArray());
            all.Add(l);
            h.Add(l, (1, 1));
        }
        for (int q = 0; q < 20; q++)
        {
            var ms = new LabelMatcher[rng.Next(0, 4)];
            for (int k = 0; k < ms.Length; k++)
            {
                var type = (MatcherType)rng.Next(4);
                string name = rng.Next(6) == 0 ? "missing" : Names[rng.Next(Names.Length)];
                string value = type is MatcherType.Regex or MatcherType.NotRegex ? Patterns[rng.Next(Patterns.Length)] : Values[rng.Next(Values.Length)];
                ms[k] = new LabelMatcher(type, name, value);
            }
            var want = all.Where(l => ms.All(m => m.Matches(l.Get(m.Name)))).Select(l => l.ToString()).OrderBy(s => s, StringComparer.Ordinal).ToList();
            var got = TempHead.Dump(h.Head, 0, 10, ms).Select(d => d.Labels).OrderBy(s => s, StringComparer.Ordinal).ToList();
            if (!want.SequenceEqual(got))
            {
                return false;
            }
        }
        return true;
    }

    [Property(MaxTest = 100)]
    public bool PostingListKeepsTheSortedReferences(int seed)
    {
        // Mostly ascending references with small and huge gaps, some out of order, repeats and removals,
        // checked against a plain sorted list.
        var rng = new Random(seed);
        var list = new PostingList();
        var want = new List<ulong>();
        ulong next = (ulong)rng.Next(1, 100);
        for (int i = 0; i < 300; i++)
        {
            int op = rng.Next(20);
            if (op == 0 && want.Count > 0)
            {
                ulong r = rng.Next(2) == 0 ? want[rng.Next(want.Count)] : next + 1;
                list.Remove(r);
                int at = want.BinarySearch(r);
                if (at >= 0)
                {
                    want.RemoveAt(at);
                }
                continue;
            }
            ulong add = op switch
            {
                1 when want.Count > 0 => want[rng.Next(want.Count)],          // a repeat
                2 => (ulong)rng.NextInt64(1, (long)next + 1),                 // out of order
                3 => next += (ulong)rng.NextInt64(1, long.MaxValue / 600),    // a huge gap
                _ => next += (ulong)rng.Next(1, 300),
            };
            list.Add(add);
            int pos = want.BinarySearch(add);
            want.Insert(pos < 0 ? ~pos : pos + 1, add);
        }
        var got = new List<ulong>();
        list.AddTo(got);
        return list.Count == want.Count && got.SequenceEqual(want);
    }
}
