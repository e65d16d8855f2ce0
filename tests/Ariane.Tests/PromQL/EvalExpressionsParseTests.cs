using System.Text;
using Ariane.PromQL.Ast;
using Ariane.PromQL.Parser;
using Ariane.Tests.Support;

namespace Ariane.Tests.PromQL;

/// <summary>Every expression of every <c>eval</c> line in the PromQL conformance scripts parses, prints and re-parses.</summary>
public class EvalExpressionsParseTests
{
    internal sealed record EvalCase(string File, int Line, string Expr, bool ExpectFail);

    internal static List<EvalCase> LoadAll()
    {
        var dir = Path.Combine(TestPaths.Conformance, "promql", "testdata");
        var cases = new List<EvalCase>();
        foreach (var file in Directory.GetFiles(dir, "*.test").OrderBy(f => f, StringComparer.Ordinal))
        {
            var lines = File.ReadAllLines(file);
            for (int i = 0; i < lines.Length; i++)
            {
                string l = lines[i].Trim();
                if (!l.StartsWith("eval", StringComparison.Ordinal))
                {
                    continue;
                }
                var words = l.Split(' ', StringSplitOptions.RemoveEmptyEntries);
                // eval[_x] instant at T expr | eval[_x] range from A to B step S expr
                int skip = words[1] == "instant" ? 4 : 8;
                int idx = 0;
                int pos = 0;
                while (idx < skip)
                {
                    while (l[pos] == ' ')
                    {
                        pos++;
                    }
                    while (pos < l.Length && l[pos] != ' ')
                    {
                        pos++;
                    }
                    idx++;
                }
                string expr = l[pos..].Trim();
                bool fail = words[0] == "eval_fail";
                for (int j = i + 1; j < lines.Length && lines[j].Length > 0 && char.IsWhiteSpace(lines[j][0]); j++)
                {
                    if (lines[j].Trim().StartsWith("expect fail", StringComparison.Ordinal))
                    {
                        fail = true;
                    }
                }
                cases.Add(new EvalCase(Path.GetFileName(file), i + 1, expr, fail));
            }
        }
        return cases;
    }

    [Fact]
    public void EveryEvalExpressionParsesAndRoundTrips()
    {
        var cases = LoadAll();
        Assert.True(cases.Count > 2000, "found only " + cases.Count + " eval lines");
        int parsed = 0;
        var failures = new StringBuilder();
        var allowed = new StringBuilder();
        int allowedCount = 0;
        foreach (var c in cases)
        {
            Expr e;
            try
            {
                e = PromQLParser.Parse(c.Expr);
            }
            catch (PromQLParseException ex)
            {
                if (c.ExpectFail)
                {
                    allowedCount++;
                    allowed.AppendLine($"  {c.File}:{c.Line}: {c.Expr}  -- {ex.Message}");
                    continue;
                }
                failures.AppendLine($"{c.File}:{c.Line}: {c.Expr}\n    {ex.Message}");
                continue;
            }
            parsed++;
            string printed = e.ToString();
            try
            {
                var again = PromQLParser.Parse(printed);
                if (!AstEquality.AreEqual(e, again))
                {
                    failures.AppendLine($"{c.File}:{c.Line}: {c.Expr}\n    printed {printed} re-parses differently: {again}");
                }
            }
            catch (PromQLParseException ex)
            {
                failures.AppendLine($"{c.File}:{c.Line}: {c.Expr}\n    printed {printed} does not parse: {ex.Message}");
            }
        }
        SuiteReport.Write("promql-parser", $"""
            PromQL parser: {parsed}/{cases.Count} eval expressions of promql/testdata/*.test parse and round-trip through the printer;
            {(allowedCount == 0 ? "none rejected" : allowedCount + " rejected, all on lines that expect failure:\n" + allowed)}
            table tests: {PromQLValidCases.All.Count} valid queries with their canonical form, {PromQLErrorCases.All.Count} invalid ones with Prometheus's exact message
            """);
        Assert.True(failures.Length == 0, failures.ToString());
    }
}
