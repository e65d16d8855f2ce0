using Ariane.PromQL.Ast;
using Ariane.PromQL.Parser;
using FsCheck;
using FsCheck.Fluent;
using FsCheck.Xunit;

namespace Ariane.Tests.PromQL;

/// <summary>
/// Random, mutated and grammar-generated queries: the parser only ever throws <see cref="PromQLParseException"/>, and
/// every query it accepts prints to one that parses to an equal tree.
/// </summary>
public class PromQLParserPropertyTests
{
    private static readonly string[] Seeds = BuildSeeds();

    private static readonly string[] Pieces =
    [
        " ", "\n", "(", ")", "{", "}", "[", "]", ",", ":", "=", "!=", "=~", "!~", "+", "-", "*", "/", "%", "^", "==", "<", ">=",
        "@", "\"", "'", "`", "\\", "#", ".", "0x", "e", "5m", "1h30m", "1.5", "Inf", "NaN", "foo", "__name__", " and ", " or ",
        " unless ", " offset ", " bool ", " on(a) ", " ignoring(b) ", " group_left ", " group_right(c) ", " by (job) ",
        " without (x) ", "sum", "topk(", "rate(", "count_values(", "[5m]", "[1h:1m]", "[1h:]", " @ start()", " @ end()",
        " anchored", " smoothed", " fill(0) ", " fill_left(1) ", " fill_right(2) ", "step()", "range()", "min_of(", "max_of(",
        "{\"a.b\"}", "\u00e9", "\ud83d\ude00", "\ud800", "\u0000", "atan2", "info(", "label_replace(", "0", "-1",
    ];

    private static string[] BuildSeeds()
    {
        var seeds = new List<string>();
        foreach (var row in PromQLValidCases.All)
        {
            seeds.Add(row.Data.Item1);
        }
        foreach (var row in PromQLErrorCases.All)
        {
            seeds.Add(row.Data.Item1);
        }
        foreach (var c in EvalExpressionsParseTests.LoadAll())
        {
            seeds.Add(c.Expr);
        }
        return seeds.Distinct(StringComparer.Ordinal).ToArray();
    }

    /// <summary>True unless the parser throws the wrong exception or a printed query does not round-trip.</summary>
    internal static bool AcceptsOrRejectsCleanly(string query)
    {
        Expr e;
        try
        {
            e = PromQLParser.Parse(query);
        }
        catch (PromQLParseException ex)
        {
            if (!ex.Message.Contains(": parse error: ", StringComparison.Ordinal))
            {
                throw new InvalidOperationException("badly formatted error for " + query + ": " + ex.Message);
            }
            return true;
        }
        string printed = e.ToString();
        Expr again;
        try
        {
            again = PromQLParser.Parse(printed);
        }
        catch (PromQLParseException ex)
        {
            throw new InvalidOperationException($"accepted {Show(query)} but its printed form {Show(printed)} fails: {ex.Message}");
        }
        if (!AstEquality.AreEqual(e, again))
        {
            throw new InvalidOperationException($"accepted {Show(query)}, printed {Show(printed)}, which re-parses as {Show(again.ToString())}");
        }
        if (again.ToString() != printed)
        {
            throw new InvalidOperationException($"printing is not a fixed point: {Show(printed)} then {Show(again.ToString())}");
        }
        return true;
    }

    private static string Show(string s) => PromQLFormat.Quote(s);

    [Property(MaxTest = 1000)]
    public bool RandomStrings(string s) => AcceptsOrRejectsCleanly(s ?? "");

    [Property(MaxTest = 3000)]
    public Property MutatedQueries() => Prop.ForAll(
        Gen.Choose(0, Seeds.Length - 1).SelectMany(s => Gen.ArrayOf(Gen.Choose(0, 1 << 20)).Select(m => (Seed: s, Mutations: m))).ToArbitrary(),
        t =>
        {
            var q = new System.Text.StringBuilder(Seeds[t.Seed]);
            foreach (int r in t.Mutations.Take(6))
            {
                int pos = r % (q.Length + 1);
                string piece = Pieces[(r >> 7) % Pieces.Length];
                switch (r % 3)
                {
                    case 0:
                        q.Insert(pos, piece);
                        break;
                    case 1 when pos < q.Length:
                        q.Remove(pos, Math.Min(piece.Length, q.Length - pos)).Insert(pos, piece);
                        break;
                    default:
                        if (pos < q.Length)
                        {
                            q.Remove(pos, 1 + ((r >> 4) % Math.Min(4, q.Length - pos)));
                        }
                        break;
                }
            }
            return AcceptsOrRejectsCleanly(q.ToString());
        });

    [Property(MaxTest = 3000)]
    public Property GeneratedQueries() => Prop.ForAll(Generated(4).ToArbitrary(), q => AcceptsOrRejectsCleanly(q));

    [Fact]
    public void GeneratorProducesMostlyValidQueries()
    {
        var samples = Generated(4).Sample(500, 0);
        int ok = 0;
        foreach (var q in samples)
        {
            try
            {
                PromQLParser.Parse(q);
                ok++;
            }
            catch (PromQLParseException)
            {
            }
        }
        Assert.True(ok > 100, $"only {ok}/500 generated queries parse");
    }

    private static Gen<string> Pick(params string[] xs) => Gen.Elements(xs);

    private static Gen<string> Selector() =>
        from name in Pick("foo", "bar:rate5m", "up", "sum", "offset", "", "", "a_b")
        from n in Gen.Choose(0, 3)
        from ms in Gen.ListOf(Matcher(), n)
        select name.Length == 0 && ms.Count == 0 ? "{x=\"y\"}" : name + (ms.Count > 0 || name.Length == 0 ? "{" + string.Join(", ", ms) + "}" : "");

    private static Gen<string> Matcher() =>
        from l in Pick("job", "instance", "\"a.b\"", "__name__", "le", "_x")
        from op in Pick("=", "!=", "=~", "!~")
        from v in Pick("\"a\"", "'b'", "`c.*`", "\"\"", "\"x\\ny\"", "\"\\u00e9\"", "\".+\"")
        select l + op + v;

    private static Gen<string> Duration() => Pick("5m", "1h", "30s", "1h30m", "90", "2d", "500ms", "1w", "1y");

    private static Gen<string> DurationExpr() => Gen.OneOf(
        Duration(),
        from a in Duration() from op in Pick("+", "-", "*") from b in Pick("1m", "2", "step()", "(1+1)") select a + op + b,
        Pick("step()", "min_of(step(), 1m)", "max_of(range(), 5m)", "(5m)", "-(-5m)"));

    private static Gen<string> Modifiers() =>
        from off in Pick("", "", " offset 5m", " offset -1h", " offset (1m+1s)", " offset step()")
        from at in Pick("", "", " @ 100", " @ start()", " @ end()", " @ -1.5")
        select at + off;

    private static Gen<string> Generated(int depth)
    {
        var leaf = Gen.OneOf(
            Selector().SelectMany(s => Modifiers().Select(m => s + m)),
            Pick("1", "2.5", "0x1f", "1e3", "-Inf", "NaN", "\"str\"", "5m", ".5"));
        if (depth == 0)
        {
            return leaf;
        }
        var sub = Generated(depth - 1);
        return Gen.OneOf(
            leaf,
            leaf,
            from a in sub
            from op in Pick("+", "-", "*", "/", "%", "^", "==", "!=", "<", ">=", "and", "or", "unless", "atan2", "> bool")
            from mod in Pick("", "", " on(job)", " ignoring(instance)", " on(job) group_left", " on(a) group_right(b, c)", " fill(0)", " fill_left(1) fill_right(-2)")
            from b in sub
            select a + " " + op + mod + " " + b,
            from f in Pick("rate", "increase", "delta", "max_over_time", "changes", "quantile_over_time(0.5, ")
            from s in Selector()
            from d in DurationExpr()
            from x in Pick("", " anchored", " smoothed")
            from m in Modifiers()
            select f.EndsWith(' ') ? f + s + "[" + d + "]" + x + m + ")" : f + "(" + s + "[" + d + "]" + x + m + ")",
            from f in Pick("abs", "sort", "vector", "scalar", "time", "histogram_quantile(0.9, ", "label_replace", "round", "info", "clamp")
            from a in sub
            select f switch
            {
                "time" => "time()",
                "label_replace" => "label_replace(" + a + ", \"dst\", \"$1\", \"src\", \"(.*)\")",
                "clamp" => "clamp(" + a + ", 0, 1)",
                "info" => "info(" + a + ", {k=\"v\"})",
                _ when f.EndsWith(' ') => f + a + ")",
                _ => f + "(" + a + ")",
            },
            from agg in Pick("sum", "avg", "count", "min", "max", "group", "stddev", "topk(2, ", "quantile(0.5, ", "count_values(\"v\", ", "limitk(1, ", "limit_ratio(0.1, ")
            from g in Pick("", " by (job)", " without (instance, \"a.b\")", " by ()")
            from before in Gen.Elements(true, false)
            from a in sub
            select agg.EndsWith(' ')
                ? (before ? agg[..agg.IndexOf('(')] + g + " " + agg[agg.IndexOf('(')..] + a + ")" : agg + a + ")" + g)
                : (before ? agg + g + " (" + a + ")" : agg + "(" + a + ")" + g),
            from a in sub
            from r in DurationExpr()
            from s in Pick("", "1m", "step()")
            from m in Modifiers()
            select "(" + a + ")[" + r + ":" + s + "]" + m,
            sub.Select(a => "(" + a + ")"),
            sub.Select(a => "-" + a));
    }
}
