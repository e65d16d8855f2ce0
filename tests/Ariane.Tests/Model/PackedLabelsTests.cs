using Ariane.Model;
using FsCheck.Xunit;

namespace Ariane.Tests.Model;

/// <summary>The packed form of a label set (the head's) behaves exactly as the plain form.</summary>
public class PackedLabelsTests
{
    private static readonly string[] Names = ["__name__", "a", "b", "instance", "job", "le", "zz"];
    private static readonly string[] Values = ["x", "y", "0.5", "+Inf", "node", "host-1:9100", "ünïcödé", "a\"b\\c\nd"];

    private static Labels Random(Random rng)
    {
        var nv = new List<string>();
        foreach (var n in Names)
        {
            if (rng.Next(3) > 0)
            {
                nv.Add(n);
                // Now and then a long value, so the packed bytes also go past the inline buffer.
                nv.Add(rng.Next(8) == 0 ? new string('v', rng.Next(1, 300)) + rng.Next(1000) : Values[rng.Next(Values.Length)]);
            }
        }
        return Labels.FromStrings(nv.ToArray());
    }

    [Property(MaxTest = 200)]
    public bool PackedAndPlainAgree(int seed)
    {
        var rng = new Random(seed);
        var a = Random(rng);
        var b = rng.Next(4) == 0 ? Labels.FromStrings(a.AsSpan().ToArray().SelectMany(l => new[] { l.Name, l.Value }).ToArray()) : Random(rng);
        var pa = a.Pack();
        var pb = b.Pack();
        if (!pa.IsPacked || !pb.IsPacked || pa.Pack() != pa || a.Unpacked() != a || pa.Unpacked().IsPacked)
        {
            return false;
        }
        foreach (var (x, y) in new[] { (a, b), (pa, pb), (pa, b), (a, pb) })
        {
            if (x.Equals(y) != a.Equals(b) || Math.Sign(x.CompareTo(y)) != Math.Sign(a.CompareTo(b)) ||
                x.Equals(y.AsSpan()) != a.Equals(b) || x.Hash != (ReferenceEquals(x, a) || ReferenceEquals(x, pa) ? a.Hash : b.Hash))
            {
                return false;
            }
        }
        foreach (var n in Names.Append("missing"))
        {
            if (pa.Get(n) != a.Get(n) || pa.Has(n) != a.Has(n))
            {
                return false;
            }
        }
        return pa.Count == a.Count && pa.ToString() == a.ToString() && pa.Name == a.Name &&
            pa.AsSpan().SequenceEqual(a.AsSpan()) && pa.AsList().SequenceEqual(a.AsList()) &&
            pa.Unpacked().AsSpan().SequenceEqual(a.AsSpan()) && pa.GetHashCode() == a.GetHashCode() &&
            pa.ToDictionary().Count == a.Count && pa.ToBuilder().Build().Equals(a) &&
            Enumerable.Range(0, a.Count).All(i => pa[i] == a[i]);
    }

    [Fact]
    public void PackedStringsAreShared()
    {
        var a = Labels.FromStrings("job", new string('n', 1) + "ode", "instance", "h1").Pack();
        var b = Labels.FromStrings("job", "no" + "de", "instance", "h2").Pack();
        Assert.Same(a.Get("job"), b.Unpacked()[1].Value);
    }
}
