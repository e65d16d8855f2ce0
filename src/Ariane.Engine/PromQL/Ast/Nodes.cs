using System.Text;
using Ariane.Config;
using Ariane.Model;

namespace Ariane.PromQL.Ast;

/// <summary>The type of value a PromQL expression evaluates to.</summary>
public enum ExprType
{
    /// <summary>No value (never the type of a valid expression).</summary>
    None,
    /// <summary>A single float.</summary>
    Scalar,
    /// <summary>One sample per series at the evaluation time.</summary>
    InstantVector,
    /// <summary>A window of samples per series.</summary>
    RangeVector,
    /// <summary>A string literal.</summary>
    String,
}

/// <summary>A half-open range of character offsets into the query text (<c>End</c> is exclusive).</summary>
public readonly record struct PositionRange(int Start, int End);

/// <summary>Binary operators, also used for the unary <c>+</c>/<c>-</c> and inside duration expressions.</summary>
public enum BinaryOp
{
    /// <summary><c>+</c></summary>
    Add,
    /// <summary><c>-</c></summary>
    Sub,
    /// <summary><c>*</c></summary>
    Mul,
    /// <summary><c>/</c></summary>
    Div,
    /// <summary><c>%</c></summary>
    Mod,
    /// <summary><c>^</c>, right-associative.</summary>
    Pow,
    /// <summary><c>atan2</c></summary>
    Atan2,
    /// <summary><c>==</c></summary>
    Eql,
    /// <summary><c>!=</c></summary>
    Neq,
    /// <summary><c>&lt;</c></summary>
    Lss,
    /// <summary><c>&lt;=</c></summary>
    Lte,
    /// <summary><c>&gt;</c></summary>
    Gtr,
    /// <summary><c>&gt;=</c></summary>
    Gte,
    /// <summary><c>and</c></summary>
    And,
    /// <summary><c>or</c></summary>
    Or,
    /// <summary><c>unless</c></summary>
    Unless,
    /// <summary><c>&lt;/</c>: experimental native-histogram trim of the upper part.</summary>
    TrimUpper,
    /// <summary><c>&gt;/</c>: experimental native-histogram trim of the lower part.</summary>
    TrimLower,
}

/// <summary>Aggregation operators.</summary>
public enum AggregateOp
{
    /// <summary><c>sum</c></summary>
    Sum,
    /// <summary><c>avg</c></summary>
    Avg,
    /// <summary><c>min</c></summary>
    Min,
    /// <summary><c>max</c></summary>
    Max,
    /// <summary><c>count</c></summary>
    Count,
    /// <summary><c>group</c></summary>
    Group,
    /// <summary><c>stddev</c></summary>
    Stddev,
    /// <summary><c>stdvar</c></summary>
    Stdvar,
    /// <summary><c>topk</c> (scalar parameter).</summary>
    Topk,
    /// <summary><c>bottomk</c> (scalar parameter).</summary>
    Bottomk,
    /// <summary><c>quantile</c> (scalar parameter).</summary>
    Quantile,
    /// <summary><c>count_values</c> (string parameter).</summary>
    CountValues,
    /// <summary><c>limitk</c> (scalar parameter, experimental).</summary>
    Limitk,
    /// <summary><c>limit_ratio</c> (scalar parameter, experimental).</summary>
    LimitRatio,
}

/// <summary>Which side of a vector match may have many series.</summary>
public enum VectorMatchCardinality
{
    /// <summary>Plain one-to-one matching.</summary>
    OneToOne,
    /// <summary><c>group_left</c>: many on the left to one on the right.</summary>
    ManyToOne,
    /// <summary><c>group_right</c>: one on the left to many on the right.</summary>
    OneToMany,
    /// <summary>Set operators (<c>and</c>, <c>or</c>, <c>unless</c>).</summary>
    ManyToMany,
}

/// <summary>The <c>@ start()</c> / <c>@ end()</c> preprocessors (or none).</summary>
public enum AtModifier
{
    /// <summary>No preprocessor (a numeric timestamp may still be set).</summary>
    None,
    /// <summary><c>@ start()</c></summary>
    Start,
    /// <summary><c>@ end()</c></summary>
    End,
}

/// <summary>Operators of a duration expression node (<see cref="DurationExpr"/>).</summary>
public enum DurationOp
{
    /// <summary><c>a + b</c>, or unary plus when <see cref="DurationExpr.Lhs"/> is null.</summary>
    Add,
    /// <summary><c>a - b</c>, or unary minus when <see cref="DurationExpr.Lhs"/> is null.</summary>
    Sub,
    /// <summary><c>a * b</c></summary>
    Mul,
    /// <summary><c>a / b</c></summary>
    Div,
    /// <summary><c>a % b</c></summary>
    Mod,
    /// <summary><c>a ^ b</c></summary>
    Pow,
    /// <summary><c>step()</c>: the query's resolution step.</summary>
    Step,
    /// <summary><c>range()</c>: the query's range (end - start).</summary>
    Range,
    /// <summary><c>min_of(a, b)</c></summary>
    MinOf,
    /// <summary><c>max_of(a, b)</c></summary>
    MaxOf,
}

/// <summary>A PromQL expression node; nodes are immutable once the parser returns them.</summary>
public abstract class Expr
{
    /// <summary>Where the node sits in the query text (character offsets).</summary>
    public PositionRange Position { get; internal set; }

    /// <summary>The type of value the expression evaluates to.</summary>
    public abstract ExprType Type { get; }

    /// <summary>Prometheus's canonical formatting of the expression; it re-parses to an equal tree.</summary>
    public override string ToString()
    {
        var sb = new StringBuilder();
        WriteTo(sb);
        return sb.ToString();
    }

    /// <summary>Appends the canonical formatting to <paramref name="sb"/>.</summary>
    public abstract void WriteTo(StringBuilder sb);
}

/// <summary>A float literal (<c>1</c>, <c>0x1f</c>, <c>1e3</c>, <c>Inf</c>, <c>NaN</c>), or a duration used as a number (<c>1h30m</c> = 5400).</summary>
public sealed class NumberLiteral : Expr
{
    /// <summary>Creates a literal.</summary>
    public NumberLiteral(double value, bool isDuration = false, PositionRange position = default)
    {
        Value = value;
        IsDuration = isDuration;
        Position = position;
    }

    /// <summary>The value (seconds for durations).</summary>
    public double Value { get; internal set; }

    /// <summary>True when written as a duration, which the printer keeps.</summary>
    public bool IsDuration { get; }

    /// <inheritdoc/>
    public override ExprType Type => ExprType.Scalar;

    /// <inheritdoc/>
    public override void WriteTo(StringBuilder sb)
    {
        System.Runtime.CompilerServices.RuntimeHelpers.EnsureSufficientExecutionStack();
        if (IsDuration)
        {
            if (Value < 0)
            {
                sb.Append('-');
                PromDuration.Append(sb, TimeSpan.FromTicks(PromQLFormat.SecondsToTicks(-Value)));
            }
            else
            {
                PromDuration.Append(sb, TimeSpan.FromTicks(PromQLFormat.SecondsToTicks(Value)));
            }
            return;
        }
        PromQLFormat.AppendFloat(sb, Value);
    }
}

/// <summary>A string literal (any quoting form), unescaped.</summary>
public sealed class StringLiteral : Expr
{
    /// <summary>Creates a literal.</summary>
    public StringLiteral(string value, PositionRange position = default)
    {
        Value = value;
        Position = position;
    }

    /// <summary>The unescaped value. Raw bytes that are not valid UTF-8 (from <c>\xNN</c> escapes) appear as lone surrogates U+DC80..U+DCFF.</summary>
    public string Value { get; }

    /// <inheritdoc/>
    public override ExprType Type => ExprType.String;

    /// <inheritdoc/>
    public override void WriteTo(StringBuilder sb) => PromQLFormat.AppendQuoted(sb, Value);
}

/// <summary>An instant vector selector with its modifiers.</summary>
public sealed class VectorSelector : Expr
{
    /// <summary>Creates a selector. When <paramref name="name"/> is set, the matchers include its <c>__name__</c> equality matcher (last).</summary>
    public VectorSelector(string? name, IReadOnlyList<LabelMatcher> matchers, PositionRange position = default)
    {
        Name = name;
        Matchers = matchers;
        Position = position;
    }

    /// <summary>The metric name written before the braces, or null (a name given as <c>{"name"}</c> is only a matcher).</summary>
    public string? Name { get; }

    /// <summary>All matchers, including the one for <see cref="Name"/>.</summary>
    public IReadOnlyList<LabelMatcher> Matchers { get; }

    /// <summary>The literal <c>offset</c> (negative looks ahead), zero when absent or when <see cref="OffsetExpr"/> is set.</summary>
    public TimeSpan Offset { get; internal set; }

    /// <summary>The <c>offset</c> as a duration expression still to be computed, or null.</summary>
    public DurationExpr? OffsetExpr { get; internal set; }

    /// <summary>The <c>@</c> timestamp in milliseconds, or null.</summary>
    public long? Timestamp { get; internal set; }

    /// <summary><c>@ start()</c> or <c>@ end()</c>.</summary>
    public AtModifier StartOrEnd { get; internal set; }

    /// <summary>The experimental <c>anchored</c> modifier.</summary>
    public bool Anchored { get; internal set; }

    /// <summary>The experimental <c>smoothed</c> modifier.</summary>
    public bool Smoothed { get; internal set; }

    /// <summary>True for the label-selector argument of <c>info()</c>, which may match everything.</summary>
    public bool BypassEmptyMatcherCheck { get; internal set; }

    /// <inheritdoc/>
    public override ExprType Type => ExprType.InstantVector;

    /// <inheritdoc/>
    public override void WriteTo(StringBuilder sb)
    {
        System.Runtime.CompilerServices.RuntimeHelpers.EnsureSufficientExecutionStack();
        WriteSelector(sb);
        PromQLFormat.AppendAt(sb, Timestamp, StartOrEnd);
        if (Anchored)
        {
            sb.Append(" anchored");
        }
        else if (Smoothed)
        {
            sb.Append(" smoothed");
        }
        PromQLFormat.AppendOffset(sb, Offset, OffsetExpr);
    }

    internal void WriteSelector(StringBuilder sb)
    {
        sb.Append(Name);
        var parts = new List<string>(Matchers.Count);
        foreach (var m in Matchers)
        {
            if (Name is { Length: > 0 } && m.Name == Labels.MetricName && m.Type == MatcherType.Equal && m.Value == Name)
            {
                continue;
            }
            parts.Add(PromQLFormat.MatcherString(m));
        }
        if (parts.Count == 0)
        {
            return;
        }
        parts.Sort(StringComparer.Ordinal);
        sb.Append('{');
        for (int i = 0; i < parts.Count; i++)
        {
            if (i > 0)
            {
                sb.Append(',');
            }
            sb.Append(parts[i]);
        }
        sb.Append('}');
    }
}

/// <summary>A range vector selector: <c>selector[range]</c>. Offset, <c>@</c>, anchored and smoothed live on the inner selector.</summary>
public sealed class MatrixSelector : Expr
{
    /// <summary>Creates a range selector.</summary>
    public MatrixSelector(VectorSelector vectorSelector, TimeSpan range, DurationExpr? rangeExpr = null, PositionRange position = default)
    {
        VectorSelector = vectorSelector;
        Range = range;
        RangeExpr = rangeExpr;
        Position = position;
    }

    /// <summary>The selector whose samples are windowed (carries offset, <c>@</c>, anchored, smoothed).</summary>
    public VectorSelector VectorSelector { get; }

    /// <summary>The literal range (zero when <see cref="RangeExpr"/> is set).</summary>
    public TimeSpan Range { get; }

    /// <summary>The range as a duration expression still to be computed, or null.</summary>
    public DurationExpr? RangeExpr { get; }

    /// <inheritdoc/>
    public override ExprType Type => ExprType.RangeVector;

    /// <inheritdoc/>
    public override void WriteTo(StringBuilder sb)
    {
        System.Runtime.CompilerServices.RuntimeHelpers.EnsureSufficientExecutionStack();
        var vs = VectorSelector;
        vs.WriteSelector(sb);
        sb.Append('[');
        if (RangeExpr is not null)
        {
            RangeExpr.WriteTo(sb);
        }
        else
        {
            PromDuration.Append(sb, Range);
        }
        sb.Append(']');
        if (vs.Anchored)
        {
            sb.Append(" anchored");
        }
        else if (vs.Smoothed)
        {
            sb.Append(" smoothed");
        }
        PromQLFormat.AppendAt(sb, vs.Timestamp, vs.StartOrEnd);
        PromQLFormat.AppendOffset(sb, vs.Offset, vs.OffsetExpr);
    }
}

/// <summary>A subquery: <c>expr[range:step]</c> (step may be omitted) with its own offset and <c>@</c>.</summary>
public sealed class SubqueryExpr : Expr
{
    /// <summary>Creates a subquery.</summary>
    public SubqueryExpr(Expr expr, TimeSpan range, DurationExpr? rangeExpr, TimeSpan step, DurationExpr? stepExpr, PositionRange position = default)
    {
        Expr = expr;
        Range = range;
        RangeExpr = rangeExpr;
        Step = step;
        StepExpr = stepExpr;
        Position = position;
    }

    /// <summary>The inner instant-vector expression.</summary>
    public Expr Expr { get; }

    /// <summary>The literal range (zero when <see cref="RangeExpr"/> is set).</summary>
    public TimeSpan Range { get; }

    /// <summary>The range as a duration expression, or null.</summary>
    public DurationExpr? RangeExpr { get; }

    /// <summary>The literal step; zero means the default evaluation interval (unless <see cref="StepExpr"/> is set).</summary>
    public TimeSpan Step { get; }

    /// <summary>The step as a duration expression, or null.</summary>
    public DurationExpr? StepExpr { get; }

    /// <summary>The literal offset.</summary>
    public TimeSpan Offset { get; internal set; }

    /// <summary>The offset as a duration expression, or null.</summary>
    public DurationExpr? OffsetExpr { get; internal set; }

    /// <summary>The <c>@</c> timestamp in milliseconds, or null.</summary>
    public long? Timestamp { get; internal set; }

    /// <summary><c>@ start()</c> or <c>@ end()</c>.</summary>
    public AtModifier StartOrEnd { get; internal set; }

    /// <inheritdoc/>
    public override ExprType Type => ExprType.RangeVector;

    /// <inheritdoc/>
    public override void WriteTo(StringBuilder sb)
    {
        System.Runtime.CompilerServices.RuntimeHelpers.EnsureSufficientExecutionStack();
        Expr.WriteTo(sb);
        sb.Append('[');
        if (RangeExpr is not null)
        {
            RangeExpr.WriteTo(sb);
        }
        else
        {
            PromDuration.Append(sb, Range);
        }
        sb.Append(':');
        if (Step != TimeSpan.Zero)
        {
            PromDuration.Append(sb, Step);
        }
        else
        {
            StepExpr?.WriteTo(sb);
        }
        sb.Append(']');
        PromQLFormat.AppendAt(sb, Timestamp, StartOrEnd);
        PromQLFormat.AppendOffset(sb, Offset, OffsetExpr);
    }
}

/// <summary>A parenthesised expression.</summary>
public sealed class ParenExpr : Expr
{
    /// <summary>Creates the node.</summary>
    public ParenExpr(Expr expr, PositionRange position = default)
    {
        Expr = expr;
        Position = position;
    }

    /// <summary>The inner expression.</summary>
    public Expr Expr { get; }

    /// <inheritdoc/>
    public override ExprType Type => Expr.Type;

    /// <inheritdoc/>
    public override void WriteTo(StringBuilder sb)
    {
        System.Runtime.CompilerServices.RuntimeHelpers.EnsureSufficientExecutionStack();
        sb.Append('(');
        Expr.WriteTo(sb);
        sb.Append(')');
    }
}

/// <summary>Unary <c>-expr</c> or <c>+expr</c> (a sign on a number literal is folded into the literal instead).</summary>
public sealed class UnaryExpr : Expr
{
    /// <summary>Creates the node; <paramref name="op"/> is <see cref="BinaryOp.Add"/> or <see cref="BinaryOp.Sub"/>.</summary>
    public UnaryExpr(BinaryOp op, Expr expr, PositionRange position = default)
    {
        Op = op;
        Expr = expr;
        Position = position;
    }

    /// <summary><see cref="BinaryOp.Add"/> or <see cref="BinaryOp.Sub"/>.</summary>
    public BinaryOp Op { get; }

    /// <summary>The operand.</summary>
    public Expr Expr { get; }

    /// <inheritdoc/>
    public override ExprType Type => Expr.Type;

    /// <inheritdoc/>
    public override void WriteTo(StringBuilder sb)
    {
        System.Runtime.CompilerServices.RuntimeHelpers.EnsureSufficientExecutionStack();
        sb.Append(Op == BinaryOp.Sub ? '-' : '+');
        Expr.WriteTo(sb);
    }
}

/// <summary>How the two sides of a vector/vector binary operation are matched.</summary>
public sealed class VectorMatching
{
    /// <summary>Creates the matching description.</summary>
    public VectorMatching(VectorMatchCardinality card, IReadOnlyList<string> matchingLabels, bool on, IReadOnlyList<string> include, double? fillLeft = null, double? fillRight = null)
    {
        Card = card;
        MatchingLabels = matchingLabels;
        On = on;
        Include = include;
        FillLeft = fillLeft;
        FillRight = fillRight;
    }

    /// <summary>The cardinality (many-to-many for set operators).</summary>
    public VectorMatchCardinality Card { get; internal set; }

    /// <summary>The <c>on(...)</c> or <c>ignoring(...)</c> labels.</summary>
    public IReadOnlyList<string> MatchingLabels { get; }

    /// <summary>True for <c>on</c>, false for <c>ignoring</c> (or neither).</summary>
    public bool On { get; }

    /// <summary>The extra labels of <c>group_left(...)</c>/<c>group_right(...)</c>.</summary>
    public IReadOnlyList<string> Include { get; }

    /// <summary>The experimental <c>fill</c>/<c>fill_left</c> value for series missing on the left side, or null.</summary>
    public double? FillLeft { get; }

    /// <summary>The experimental <c>fill</c>/<c>fill_right</c> value for series missing on the right side, or null.</summary>
    public double? FillRight { get; }
}

/// <summary>A binary operation with its modifiers.</summary>
public sealed class BinaryExpr : Expr
{
    /// <summary>Creates the node.</summary>
    public BinaryExpr(BinaryOp op, Expr lhs, Expr rhs, bool returnBool, VectorMatching? matching, PositionRange position = default)
    {
        Op = op;
        Lhs = lhs;
        Rhs = rhs;
        ReturnBool = returnBool;
        Matching = matching;
        Position = position;
    }

    /// <summary>The operator.</summary>
    public BinaryOp Op { get; }

    /// <summary>Left operand.</summary>
    public Expr Lhs { get; }

    /// <summary>Right operand.</summary>
    public Expr Rhs { get; }

    /// <summary>The <c>bool</c> modifier of comparisons.</summary>
    public bool ReturnBool { get; }

    /// <summary>Vector matching; null unless both operands are instant vectors.</summary>
    public VectorMatching? Matching { get; internal set; }

    /// <summary>True for <c>== != &lt; &lt;= &gt; &gt;=</c>.</summary>
    public static bool IsComparison(BinaryOp op) => op is BinaryOp.Eql or BinaryOp.Neq or BinaryOp.Lss or BinaryOp.Lte or BinaryOp.Gtr or BinaryOp.Gte;

    /// <summary>True for <c>and or unless</c>.</summary>
    public static bool IsSetOperator(BinaryOp op) => op is BinaryOp.And or BinaryOp.Or or BinaryOp.Unless;

    /// <inheritdoc/>
    public override ExprType Type => Lhs.Type == ExprType.Scalar && Rhs.Type == ExprType.Scalar ? ExprType.Scalar : ExprType.InstantVector;

    /// <inheritdoc/>
    public override void WriteTo(StringBuilder sb)
    {
        System.Runtime.CompilerServices.RuntimeHelpers.EnsureSufficientExecutionStack();
        if (Op == BinaryOp.Pow && Lhs is NumberLiteral { Value: double.PositiveInfinity, IsDuration: false })
        {
            // "+Inf ^ x" would re-parse as +(Inf ^ x): the unary sign binds looser than ^.
            sb.Append("Inf");
        }
        else
        {
            Lhs.WriteTo(sb);
        }
        sb.Append(' ').Append(PromQLFormat.OpText(Op));
        if (ReturnBool)
        {
            sb.Append(" bool");
        }
        var vm = Matching;
        if (vm is not null)
        {
            bool grouped = vm.Card is VectorMatchCardinality.ManyToOne or VectorMatchCardinality.OneToMany;
            if (vm.MatchingLabels.Count > 0 || vm.On || grouped)
            {
                sb.Append(vm.On ? " on (" : " ignoring (");
                PromQLFormat.AppendLabelList(sb, vm.MatchingLabels);
                sb.Append(')');
            }
            if (grouped)
            {
                sb.Append(vm.Card == VectorMatchCardinality.ManyToOne ? " group_left (" : " group_right (");
                PromQLFormat.AppendLabelList(sb, vm.Include);
                sb.Append(')');
            }
            if (vm.FillLeft is { } l && vm.FillRight is { } r && PromQLFormat.SameFloat(l, r))
            {
                sb.Append(" fill (");
                PromQLFormat.AppendFillValue(sb, l);
                sb.Append(')');
            }
            else
            {
                if (vm.FillLeft is { } fl)
                {
                    sb.Append(" fill_left (");
                    PromQLFormat.AppendFillValue(sb, fl);
                    sb.Append(')');
                }
                if (vm.FillRight is { } fr)
                {
                    sb.Append(" fill_right (");
                    PromQLFormat.AppendFillValue(sb, fr);
                    sb.Append(')');
                }
            }
        }
        sb.Append(' ');
        Rhs.WriteTo(sb);
    }
}

/// <summary>An aggregation: <c>sum by (job) (x)</c>, <c>topk(5, x)</c>, ...</summary>
public sealed class AggregateExpr : Expr
{
    /// <summary>Creates the node.</summary>
    public AggregateExpr(AggregateOp op, Expr expr, Expr? param, IReadOnlyList<string> grouping, bool without, PositionRange position = default)
    {
        Op = op;
        Expr = expr;
        Param = param;
        Grouping = grouping;
        Without = without;
        Position = position;
    }

    /// <summary>The aggregation operator.</summary>
    public AggregateOp Op { get; }

    /// <summary>The aggregated instant-vector expression.</summary>
    public Expr Expr { get; }

    /// <summary>The parameter of topk, bottomk, quantile, count_values, limitk, limit_ratio; otherwise null.</summary>
    public Expr? Param { get; }

    /// <summary>The <c>by</c> or <c>without</c> labels.</summary>
    public IReadOnlyList<string> Grouping { get; }

    /// <summary>True for <c>without</c>.</summary>
    public bool Without { get; }

    /// <summary>True for the operators that take a parameter.</summary>
    public static bool TakesParam(AggregateOp op) => op is AggregateOp.Topk or AggregateOp.Bottomk or AggregateOp.Quantile
        or AggregateOp.CountValues or AggregateOp.Limitk or AggregateOp.LimitRatio;

    /// <inheritdoc/>
    public override ExprType Type => ExprType.InstantVector;

    /// <inheritdoc/>
    public override void WriteTo(StringBuilder sb)
    {
        System.Runtime.CompilerServices.RuntimeHelpers.EnsureSufficientExecutionStack();
        sb.Append(PromQLFormat.AggregateText(Op));
        if (Without)
        {
            sb.Append(" without (");
            PromQLFormat.AppendLabelList(sb, Grouping);
            sb.Append(") ");
        }
        else if (Grouping.Count > 0)
        {
            sb.Append(" by (");
            PromQLFormat.AppendLabelList(sb, Grouping);
            sb.Append(") ");
        }
        sb.Append('(');
        if (Param is not null)
        {
            Param.WriteTo(sb);
            sb.Append(", ");
        }
        Expr.WriteTo(sb);
        sb.Append(')');
    }
}

/// <summary>A function call, with the definition it resolved to.</summary>
public sealed class Call : Expr
{
    /// <summary>Creates the node.</summary>
    public Call(FunctionDef func, IReadOnlyList<Expr> args, PositionRange position = default)
    {
        Func = func;
        Args = args;
        Position = position;
    }

    /// <summary>The called function.</summary>
    public FunctionDef Func { get; }

    /// <summary>The arguments.</summary>
    public IReadOnlyList<Expr> Args { get; }

    /// <inheritdoc/>
    public override ExprType Type => Func.ReturnType;

    /// <inheritdoc/>
    public override void WriteTo(StringBuilder sb)
    {
        System.Runtime.CompilerServices.RuntimeHelpers.EnsureSufficientExecutionStack();
        sb.Append(Func.Name).Append('(');
        for (int i = 0; i < Args.Count; i++)
        {
            if (i > 0)
            {
                sb.Append(", ");
            }
            Args[i].WriteTo(sb);
        }
        sb.Append(')');
    }
}

/// <summary>
/// An experimental duration expression (<c>[5m+1m]</c>, <c>offset -step()</c>, <c>min_of(range(), 1h)</c>), computed
/// before evaluation from the query's step and range; its leaves are <see cref="NumberLiteral"/>s in seconds.
/// </summary>
public sealed class DurationExpr : Expr
{
    /// <summary>Creates the node; unary forms have a null <paramref name="lhs"/>, <c>step()</c>/<c>range()</c> have neither.</summary>
    public DurationExpr(DurationOp op, Expr? lhs, Expr? rhs, bool wrapped = false, PositionRange position = default)
    {
        Op = op;
        Lhs = lhs;
        Rhs = rhs;
        Wrapped = wrapped;
        Position = position;
    }

    /// <summary>The operation.</summary>
    public DurationOp Op { get; }

    /// <summary>Left operand (null for unary and nullary forms).</summary>
    public Expr? Lhs { get; }

    /// <summary>Right operand (the operand of unary forms).</summary>
    public Expr? Rhs { get; }

    /// <summary>True when written in parentheses (kept so printing round-trips).</summary>
    public bool Wrapped { get; internal set; }

    /// <inheritdoc/>
    public override ExprType Type => ExprType.Scalar;

    /// <summary>Computes the value in seconds for a query with the given step and range (both in seconds).</summary>
    public double Evaluate(double stepSeconds, double rangeSeconds)
    {
        static double Eval(Expr? e, double step, double range) => e switch
        {
            NumberLiteral n => n.Value,
            DurationExpr d => d.Evaluate(step, range),
            _ => 0,
        };
        double r = Eval(Rhs, stepSeconds, rangeSeconds);
        if (Lhs is null)
        {
            return Op switch
            {
                DurationOp.Step => stepSeconds,
                DurationOp.Range => rangeSeconds,
                DurationOp.Sub => -r,
                _ => r,
            };
        }
        double l = Eval(Lhs, stepSeconds, rangeSeconds);
        return Op switch
        {
            DurationOp.Add => l + r,
            DurationOp.Sub => l - r,
            DurationOp.Mul => l * r,
            DurationOp.Div => l / r,
            DurationOp.Mod => l % r,
            DurationOp.Pow => Math.Pow(l, r),
            DurationOp.MinOf => Math.Min(l, r),
            DurationOp.MaxOf => Math.Max(l, r),
            _ => 0,
        };
    }

    /// <inheritdoc/>
    public override void WriteTo(StringBuilder sb)
    {
        System.Runtime.CompilerServices.RuntimeHelpers.EnsureSufficientExecutionStack();
        if (Wrapped)
        {
            sb.Append('(');
        }
        switch (Op)
        {
            case DurationOp.Step:
                sb.Append("step()");
                break;
            case DurationOp.Range:
                sb.Append("range()");
                break;
            case DurationOp.MinOf or DurationOp.MaxOf:
                sb.Append(Op == DurationOp.MinOf ? "min_of(" : "max_of(");
                Lhs?.WriteTo(sb);
                sb.Append(", ");
                Rhs?.WriteTo(sb);
                sb.Append(')');
                break;
            default:
                if (Lhs is null)
                {
                    if (Op == DurationOp.Sub)
                    {
                        sb.Append('-');
                    }
                    Rhs?.WriteTo(sb);
                }
                else
                {
                    Lhs.WriteTo(sb);
                    sb.Append(' ').Append(PromQLFormat.DurationOpText(Op)).Append(' ');
                    Rhs?.WriteTo(sb);
                }
                break;
        }
        if (Wrapped)
        {
            sb.Append(')');
        }
    }
}
