using Ariane.Model;
using Ariane.PromQL.Ast;
using Ariane.PromQL.Parser;

namespace Ariane.Tests.PromQL;

public class PromQLParserTests
{
    public static TheoryData<string, string> Valid => PromQLValidCases.All;

    public static TheoryData<string, string> Invalid => PromQLErrorCases.All;

    [Theory]
    [InlineData("mic_ offset 1.2034", "mic_ offset 1s203ms")] // found by MutatedQueries: the 0.4 ms were lost in print only
    [InlineData("mic_ offset -1.2036", "mic_ offset -1s203ms")]
    [InlineData("rate(x[90.0009])", "rate(x[1m30s])")]
    [InlineData("x[5m:1.5]", "x[5m:1s500ms]")]
    public void SecondsDurationsCountInWholeMillisecondsAndPrintBackExactly(string input, string printed)
    {
        var e = PromQLParser.Parse(input);
        Assert.Equal(printed, e.ToString());
        Assert.True(AstEquality.AreEqual(e, PromQLParser.Parse(printed)));
    }

    [Theory]
    [MemberData(nameof(Valid))]
    public void ParsesAndPrintsCanonically(string input, string printed)
    {
        var e = PromQLParser.Parse(input);
        Assert.Equal(printed, e.ToString());
        var again = PromQLParser.Parse(printed);
        Assert.True(AstEquality.AreEqual(e, again), $"{printed} re-parses to {again}");
    }

    [Theory]
    [MemberData(nameof(Invalid))]
    public void RejectsWithPrometheusMessage(string input, string message)
    {
        var ex = Assert.Throws<PromQLParseException>(() => PromQLParser.Parse(input));
        Assert.Equal(message, ex.Message);
    }

    [Theory]
    [InlineData("1 + 2 * 3", "1 + (2 * 3)")]
    [InlineData("1 * 2 + 3", "(1 * 2) + 3")]
    [InlineData("2 ^ 3 ^ 2", "2 ^ (3 ^ 2)")]
    [InlineData("1 - 2 - 3", "(1 - 2) - 3")]
    [InlineData("a / b * c % d atan2 e", "(((a / b) * c) % d) atan2 e")]
    [InlineData("-a ^ b", "-(a ^ b)")]
    [InlineData("-a * b", "(-a) * b")]
    [InlineData("a ^ -b * c", "(a ^ (-b)) * c")]
    [InlineData("a or b and c", "a or (b and c)")]
    [InlineData("a and b unless c", "(a and b) unless c")]
    [InlineData("a == b + c", "a == (b + c)")]
    [InlineData("a > b or c < d", "(a > b) or (c < d)")]
    [InlineData("a + b offset 5m", "a + (b offset 5m)")]
    [InlineData("-a offset 5m", "-(a offset 5m)")]
    [InlineData("a offset 100 + 2", "(a offset 100) + 2")]
    [InlineData("a offset -2 * 2", "(a offset -2) * 2")]
    [InlineData("a offset (2 * 2)", "a offset (2 * 2)")]
    [InlineData("a offset step() * 0", "(a offset step()) * 0")]
    public void PrecedenceAndAssociativity(string input, string parenthesised)
    {
        var a = Strip(PromQLParser.Parse(input));
        var b = Strip(PromQLParser.Parse(parenthesised));
        Assert.True(AstEquality.AreEqual(a, b), $"{input} parsed as {a}, expected {b}");
    }

    // Removes parentheses so shapes can be compared.
    private static Expr Strip(Expr e) => e switch
    {
        ParenExpr p => Strip(p.Expr),
        BinaryExpr b => new BinaryExpr(b.Op, Strip(b.Lhs), Strip(b.Rhs), b.ReturnBool, b.Matching),
        UnaryExpr u => Strip(u.Expr) is NumberLiteral n ? new NumberLiteral(u.Op == BinaryOp.Sub ? -n.Value : n.Value) : new UnaryExpr(u.Op, Strip(u.Expr)),
        _ => e,
    };

    [Fact]
    public void BuildsTheExpectedTree()
    {
        var e = PromQLParser.Parse("sum by (job) (rate(http_requests_total{code=~\"5..\"}[5m] offset 1m)) > bool on (job) group_left (team) fill(0) x");
        var bin = Assert.IsType<BinaryExpr>(e);
        Assert.Equal(BinaryOp.Gtr, bin.Op);
        Assert.True(bin.ReturnBool);
        Assert.NotNull(bin.Matching);
        Assert.Equal(VectorMatchCardinality.ManyToOne, bin.Matching!.Card);
        Assert.True(bin.Matching.On);
        Assert.Equal(["job"], bin.Matching.MatchingLabels);
        Assert.Equal(["team"], bin.Matching.Include);
        Assert.Equal(0.0, bin.Matching.FillLeft);
        Assert.Equal(0.0, bin.Matching.FillRight);
        var agg = Assert.IsType<AggregateExpr>(bin.Lhs);
        Assert.Equal(AggregateOp.Sum, agg.Op);
        Assert.Equal(["job"], agg.Grouping);
        Assert.False(agg.Without);
        var call = Assert.IsType<Call>(agg.Expr);
        Assert.Equal("rate", call.Func.Name);
        Assert.Equal(ExprType.InstantVector, call.Type);
        var ms = Assert.IsType<MatrixSelector>(call.Args[0]);
        Assert.Equal(ExprType.RangeVector, ms.Type);
        Assert.Equal(TimeSpan.FromMinutes(5), ms.Range);
        Assert.Equal(TimeSpan.FromMinutes(1), ms.VectorSelector.Offset);
        Assert.Equal("http_requests_total", ms.VectorSelector.Name);
        Assert.Equal(2, ms.VectorSelector.Matchers.Count);
        Assert.Equal(MatcherType.Regex, ms.VectorSelector.Matchers[0].Type);
        Assert.Equal(Labels.MetricName, ms.VectorSelector.Matchers[1].Name);
        Assert.Equal(0, e.Position.Start);
    }

    [Fact]
    public void SetOperatorsAreManyToManyAndScalarOpsHaveNoMatching()
    {
        var and = Assert.IsType<BinaryExpr>(PromQLParser.Parse("a and b"));
        Assert.Equal(VectorMatchCardinality.ManyToMany, and.Matching!.Card);
        var scalar = Assert.IsType<BinaryExpr>(PromQLParser.Parse("a + 1"));
        Assert.Null(scalar.Matching);
        Assert.Equal(ExprType.Scalar, PromQLParser.Parse("1 + 2").Type);
    }

    [Fact]
    public void ModifiersAndDurations()
    {
        var vs = Assert.IsType<VectorSelector>(PromQLParser.Parse("foo @ 1.5 offset -1h"));
        Assert.Equal(1500, vs.Timestamp);
        Assert.Equal(TimeSpan.FromHours(-1), vs.Offset);
        var sq = Assert.IsType<SubqueryExpr>(PromQLParser.Parse("foo[1h:] @ end()"));
        Assert.Equal(TimeSpan.FromHours(1), sq.Range);
        Assert.Equal(TimeSpan.Zero, sq.Step);
        Assert.Equal(AtModifier.End, sq.StartOrEnd);
        var m = Assert.IsType<MatrixSelector>(PromQLParser.Parse("foo[2m*(10+5)] anchored"));
        Assert.NotNull(m.RangeExpr);
        Assert.Equal(1800, m.RangeExpr!.Evaluate(0, 0));
        Assert.True(m.VectorSelector.Anchored);
        var step = Assert.IsType<MatrixSelector>(PromQLParser.Parse("foo[max_of(min_of(step()+1,1h),1ms)]"));
        Assert.Equal(16, step.RangeExpr!.Evaluate(15, 0));
        var off = Assert.IsType<VectorSelector>(PromQLParser.Parse("foo offset -min_of(step(), 1s)"));
        Assert.Equal(-1, off.OffsetExpr!.Evaluate(5, 0));
        var n = Assert.IsType<NumberLiteral>(PromQLParser.Parse("1h30m"));
        Assert.Equal(5400, n.Value);
        Assert.True(n.IsDuration);
    }

    [Fact]
    public void StringsUnescapeLikeGo()
    {
        Assert.Equal("a\nb\"c", Assert.IsType<StringLiteral>(PromQLParser.Parse("\"a\\nb\\\"c\"")).Value);
        Assert.Equal("it's", Assert.IsType<StringLiteral>(PromQLParser.Parse("'it\\'s'")).Value);
        Assert.Equal("\\d+", Assert.IsType<StringLiteral>(PromQLParser.Parse("`\\d+`")).Value);
        Assert.Equal("€", Assert.IsType<StringLiteral>(PromQLParser.Parse("\"\\xe2\\x82\\xac\"")).Value);
        var raw = Assert.IsType<StringLiteral>(PromQLParser.Parse("\"a\\xc5z\""));
        Assert.Equal("a\uDCC5z", raw.Value);
        Assert.Equal("\"a\\xc5z\"", raw.ToString());
    }

    [Fact]
    public void EveryFunctionResolves()
    {
        foreach (var (name, def) in Functions.All)
        {
            Assert.Equal(name, def.Name);
        }
        Assert.True(Functions.TryGet("histogram_quantile", out var hq));
        Assert.Equal([ExprType.Scalar, ExprType.InstantVector], hq.ArgTypes);
        Assert.False(Functions.TryGet("holt_winters", out _));
    }

    [Theory]
    [InlineData("limitk(1, foo)", "1:1: parse error: limitk() is experimental and must be enabled with --enable-feature=promql-experimental-functions")]
    [InlineData("sort_by_label(foo, \"a\")", "1:1: parse error: function \"sort_by_label\" is not enabled")]
    [InlineData("foo[5m] anchored", "1:1: parse error: anchored modifier is experimental and not enabled")]
    [InlineData("foo[5m+1m]", "1:5: parse error: experimental duration expression is not enabled")]
    [InlineData("a + fill(0) b", "1:1: parse error: binop fill modifiers are experimental and not enabled")]
    public void ExperimentalFeaturesCanBeDisabled(string input, string message)
    {
        var off = new ParserOptions
        {
            EnableExperimentalFunctions = false,
            EnableDurationExpressions = false,
            EnableExtendedRangeSelectors = false,
            EnableBinopFillModifiers = false,
        };
        var ex = Assert.Throws<PromQLParseException>(() => PromQLParser.Parse(input, off));
        Assert.Equal(message, ex.Message);
        PromQLParser.Parse(input);
    }

    [Theory]
    [InlineData("foo{a=\"b\"} +", "1:13: parse error: unexpected end of input")]
    [InlineData("foo\n+ )", "2:4: parse error: unexpected right parenthesis ')'")]
    [InlineData("\"é\" + ", "1:8: parse error: unexpected end of input")]
    [InlineData("sum(foo) by (\"\")", "1:14: parse error: invalid label name for grouping: \"\"")]
    [InlineData("foo offset 5m offset 1m", "1:1: parse error: offset may not be set multiple times")]
    [InlineData("foo @ 1 @ 2", "1:1: parse error: @ <timestamp> may not be set multiple times")]
    [InlineData("foo anchored smoothed", "1:1: parse error: anchored and smoothed modifiers cannot be used together")]
    [InlineData("rate(foo[5m:1m] anchored)", "1:6: parse error: anchored modifier is not supported for subqueries")]
    [InlineData("foo + on(a) fill(1) 1", "1:1: parse error: vector matching only allowed between instant vectors")]
    [InlineData("a and fill(1) b", "1:1: parse error: filling in missing series not allowed for set operators")]
    [InlineData("foo[5m] + 1", "1:1: parse error: binary expression must contain only scalar and instant vector types")]
    [InlineData("label_join(foo)", "1:1: parse error: expected at least 3 argument(s) in call to \"label_join\", got 1")]
    [InlineData("sum(foo[5m])", "1:5: parse error: expected type instant vector in aggregation expression, got range vector")]
    [InlineData("rate(foo[5m]", "1:13: parse error: unclosed left parenthesis")]
    [InlineData("foo[5m", "1:7: parse error: unclosed left bracket")]
    [InlineData("foo{a=~\"(\"}", "1:5: parse error: error parsing regexp")]
    [InlineData("foo{a=~\"(?=x)\"}", "1:5: parse error: error parsing regexp")] // lookarounds are not RE2 (found by MutatedQueries)
    [InlineData("foo{a!~\"x(?<!y)\"}", "1:5: parse error: error parsing regexp")]
    [InlineData("foo{a=~\"(?>x)\"}", "1:5: parse error: error parsing regexp")]
    [InlineData("foo[0.0004]", "1:5: parse error: duration must be greater than 0")]
    [InlineData("foo[5m:0.0009]", "1:8: parse error: duration must be greater than 0")]
    public void MoreErrors(string input, string messagePrefix)
    {
        var ex = Assert.Throws<PromQLParseException>(() => PromQLParser.Parse(input));
        Assert.StartsWith(messagePrefix, ex.Message);
    }
}
