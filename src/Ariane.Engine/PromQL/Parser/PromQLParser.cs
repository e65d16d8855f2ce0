using System.Globalization;
using Ariane.Model;
using Ariane.PromQL.Ast;

namespace Ariane.PromQL.Parser;

/// <summary>Which experimental PromQL features the parser accepts (all on by default).</summary>
public sealed record ParserOptions
{
    /// <summary>Everything enabled.</summary>
    public static readonly ParserOptions Default = new();

    /// <summary>Experimental functions and the <c>limitk</c>/<c>limit_ratio</c> aggregations.</summary>
    public bool EnableExperimentalFunctions { get; init; } = true;

    /// <summary>Duration expressions (<c>[5m+1m]</c>, <c>offset step()</c>).</summary>
    public bool EnableDurationExpressions { get; init; } = true;

    /// <summary>The <c>anchored</c> and <c>smoothed</c> range-selector modifiers.</summary>
    public bool EnableExtendedRangeSelectors { get; init; } = true;

    /// <summary>The <c>fill</c>, <c>fill_left</c>, <c>fill_right</c> binary-operator modifiers.</summary>
    public bool EnableBinopFillModifiers { get; init; } = true;
}

/// <summary>
/// Parses PromQL 3.x expressions into <see cref="Expr"/> trees: a hand-written recursive-descent (Pratt) parser
/// that reproduces Prometheus's grammar, precedence, static type checks and error messages.
/// </summary>
public static class PromQLParser
{
    /// <summary>Parses <paramref name="query"/>; throws <see cref="PromQLParseException"/> on any error.</summary>
    public static Expr Parse(string query, ParserOptions? options = null)
    {
        var p = new ParserState(query, options ?? ParserOptions.Default);
        try
        {
            return p.ParseQuery();
        }
        catch (InsufficientExecutionStackException)
        {
            // Nesting deep enough to exhaust the thread's stack is refused instead of crashing the process.
            throw PromQLParseException.At(query, 0, "expression is too deeply nested");
        }
    }

    /// <summary>Parses a series selector (no modifiers) into its matchers without the non-empty check.</summary>
    internal static VectorSelector ParseSelector(string input)
    {
        var p = new ParserState(input, ParserOptions.Default);
        return p.ParseSelectorOnly();
    }
}

internal sealed partial class ParserState
{
    private const int PrecOr = 1;
    private const int PrecAnd = 2;
    private const int PrecCmp = 3;
    private const int PrecAdd = 4;
    private const int PrecMul = 5;
    private const int PrecPow = 6;

    private const string RangeStartExpected = "number, duration, step(), or range()";

    private readonly Lexer _lex;
    private readonly string _input;
    private readonly ParserOptions _opts;
    private readonly List<(int Pos, string Msg)> _errors = [];
    private readonly HashSet<VectorSelector> _placeholders = new(ReferenceEqualityComparer.Instance);
    private Token _cur;
    private Token? _next;
    private int _nesting;

    /// <summary>
    /// The deepest expression tree accepted. Type checking, evaluation and printing recurse over the tree, so a
    /// hostile query nested deeper would exhaust a thread's stack and take the process down; no real query comes near.
    /// </summary>
    public const int MaxDepth = 500;
    private int _lastClosing;

    public ParserState(string input, ParserOptions opts)
    {
        _input = input;
        _opts = opts;
        _lex = new Lexer(input);
        _cur = _lex.Next();
    }

    // ---- token plumbing ----

    private Token Peek
    {
        get
        {
            if (_cur.Kind == TokenKind.Error)
            {
                Fail(_cur.Pos, _cur.Text);
            }
            return _cur;
        }
    }

    private Token PeekSecond()
    {
        _next ??= _lex.Next();
        return _next.Value;
    }

    private Token Advance()
    {
        var t = Peek;
        if (_next is { } n)
        {
            _cur = n;
            _next = null;
        }
        else
        {
            _cur = _lex.Next();
        }
        if (t.Kind is TokenKind.RightParen or TokenKind.RightBrace or TokenKind.RightBracket or TokenKind.Number or TokenKind.Duration)
        {
            _lastClosing = t.End;
        }
        return t;
    }

    private void AddError(int pos, string msg) => _errors.Add((pos, msg));

    private PromQLParseException FirstError(int pos, string msg)
    {
        if (_errors.Count > 0)
        {
            pos = _errors[0].Pos;
            msg = _errors[0].Msg;
        }
        return PromQLParseException.At(_input, pos, msg);
    }

    [System.Diagnostics.CodeAnalysis.DoesNotReturn]
    private void Fail(int pos, string msg) => throw FirstError(pos, msg);

    [System.Diagnostics.CodeAnalysis.DoesNotReturn]
    private void Unexpected(Token t, string context = "", string expected = "")
    {
        if (t.Kind == TokenKind.Error)
        {
            Fail(t.Pos, t.Text);
        }
        string msg = "unexpected " + t.Describe();
        if (context.Length > 0)
        {
            msg += " in " + context;
        }
        if (expected.Length > 0)
        {
            msg += ", expected " + expected;
        }
        Fail(t.Pos, msg);
    }

    private Token Expect(TokenKind kind, string context = "", string expected = "")
    {
        var t = Peek;
        if (t.Kind != kind)
        {
            Unexpected(t, context, expected);
        }
        return Advance();
    }

    // ---- entry points ----

    public Expr ParseQuery()
    {
        if (Peek.Kind == TokenKind.Eof)
        {
            Fail(0, "no expression found in input");
        }
        var e = ParseBinary(0);
        if (Peek.Kind != TokenKind.Eof)
        {
            Unexpected(Peek);
        }
        if (AstWalk.Depth(e) > MaxDepth)
        {
            throw PromQLParseException.At(_input, e.Position.Start, $"expression is too deeply nested (more than {MaxDepth} levels)");
        }
        if (_errors.Count > 0)
        {
            Fail(0, "");
        }
        Check(e);
        if (_errors.Count > 0)
        {
            Fail(0, "");
        }
        return e;
    }

    public VectorSelector ParseSelectorOnly()
    {
        var t = Peek;
        VectorSelector vs;
        if (t.Kind == TokenKind.LeftBrace)
        {
            vs = ParseVectorSelector(null);
        }
        else if (IsMetricIdentifier(t.Kind))
        {
            vs = ParseVectorSelector(Advance());
        }
        else if (t.Kind == TokenKind.Eof)
        {
            Fail(t.Pos, "unexpected end of input");
            return null;
        }
        else
        {
            Unexpected(t);
            return null;
        }
        if (Peek.Kind != TokenKind.Eof)
        {
            Unexpected(Peek);
        }
        if (_errors.Count > 0)
        {
            Fail(0, "");
        }
        return vs;
    }

    // ---- expressions ----

    private static int BinaryPrecedence(TokenKind k) => k switch
    {
        TokenKind.Lor => PrecOr,
        TokenKind.Land or TokenKind.Lunless => PrecAnd,
        TokenKind.EqlC or TokenKind.Neq or TokenKind.Lte or TokenKind.Lss or TokenKind.Gte or TokenKind.Gtr
            or TokenKind.TrimUpper or TokenKind.TrimLower => PrecCmp,
        TokenKind.Add or TokenKind.Sub => PrecAdd,
        TokenKind.Mul or TokenKind.Div or TokenKind.Mod or TokenKind.Atan2 => PrecMul,
        TokenKind.Pow => PrecPow,
        _ => 0,
    };

    private static BinaryOp ToBinaryOp(TokenKind k) => k switch
    {
        TokenKind.Lor => BinaryOp.Or,
        TokenKind.Land => BinaryOp.And,
        TokenKind.Lunless => BinaryOp.Unless,
        TokenKind.EqlC => BinaryOp.Eql,
        TokenKind.Neq => BinaryOp.Neq,
        TokenKind.Lte => BinaryOp.Lte,
        TokenKind.Lss => BinaryOp.Lss,
        TokenKind.Gte => BinaryOp.Gte,
        TokenKind.Gtr => BinaryOp.Gtr,
        TokenKind.TrimUpper => BinaryOp.TrimUpper,
        TokenKind.TrimLower => BinaryOp.TrimLower,
        TokenKind.Add => BinaryOp.Add,
        TokenKind.Sub => BinaryOp.Sub,
        TokenKind.Mul => BinaryOp.Mul,
        TokenKind.Div => BinaryOp.Div,
        TokenKind.Mod => BinaryOp.Mod,
        TokenKind.Atan2 => BinaryOp.Atan2,
        _ => BinaryOp.Pow,
    };

    private Expr ParseBinary(int minPrec)
    {
        System.Runtime.CompilerServices.RuntimeHelpers.EnsureSufficientExecutionStack();
        if (++_nesting > MaxDepth)
        {
            throw PromQLParseException.At(_input, Peek.Pos, $"expression is too deeply nested (more than {MaxDepth} levels)");
        }
        try
        {
            return ParseBinaryLevel(minPrec);
        }
        finally
        {
            _nesting--;
        }
    }

    private Expr ParseBinaryLevel(int minPrec)
    {
        var lhs = ParseUnary();
        while (true)
        {
            int prec = BinaryPrecedence(Peek.Kind);
            if (prec == 0 || prec < minPrec)
            {
                return lhs;
            }
            var opTok = Advance();
            var op = ToBinaryOp(opTok.Kind);
            var (returnBool, matching) = ParseBinModifiers();
            var rhs = ParseBinary(op == BinaryOp.Pow ? prec : prec + 1);
            var bin = new BinaryExpr(op, lhs, rhs, returnBool, matching, new PositionRange(lhs.Position.Start, rhs.Position.End));
            if (!_opts.EnableBinopFillModifiers && (matching.FillLeft is not null || matching.FillRight is not null))
            {
                AddError(bin.Position.Start, "binop fill modifiers are experimental and not enabled");
            }
            lhs = bin;
        }
    }

    private (bool ReturnBool, VectorMatching Matching) ParseBinModifiers()
    {
        bool returnBool = false;
        if (Peek.Kind == TokenKind.Bool)
        {
            Advance();
            returnBool = true;
        }
        var card = VectorMatchCardinality.OneToOne;
        IReadOnlyList<string> matchingLabels = [];
        IReadOnlyList<string> include = [];
        bool on = false;
        if (Peek.Kind is TokenKind.On or TokenKind.Ignoring)
        {
            on = Advance().Kind == TokenKind.On;
            matchingLabels = ParseGroupingLabels();
            if (Peek.Kind is TokenKind.GroupLeft or TokenKind.GroupRight)
            {
                card = Advance().Kind == TokenKind.GroupLeft ? VectorMatchCardinality.ManyToOne : VectorMatchCardinality.OneToMany;
                if (Peek.Kind == TokenKind.LeftParen)
                {
                    include = ParseGroupingLabels();
                }
            }
        }
        double? fillLeft = null;
        double? fillRight = null;
        if (Peek.Kind == TokenKind.Fill)
        {
            Advance();
            fillLeft = fillRight = ParseFillValue();
        }
        else if (Peek.Kind is TokenKind.FillLeft or TokenKind.FillRight)
        {
            bool left = Advance().Kind == TokenKind.FillLeft;
            double v = ParseFillValue();
            if (left)
            {
                fillLeft = v;
            }
            else
            {
                fillRight = v;
            }
            if (Peek.Kind == (left ? TokenKind.FillRight : TokenKind.FillLeft))
            {
                Advance();
                double w = ParseFillValue();
                if (left)
                {
                    fillRight = w;
                }
                else
                {
                    fillLeft = w;
                }
            }
        }
        return (returnBool, new VectorMatching(card, matchingLabels, on, include, fillLeft, fillRight));
    }

    private double ParseFillValue()
    {
        Expect(TokenKind.LeftParen);
        bool neg = false;
        if (Peek.Kind is TokenKind.Add or TokenKind.Sub)
        {
            neg = Advance().Kind == TokenKind.Sub;
        }
        var t = Peek;
        double v;
        if (t.Kind == TokenKind.Number)
        {
            v = ParseNumber(Advance());
        }
        else if (t.Kind == TokenKind.Duration)
        {
            v = ParseDurationSeconds(Advance());
        }
        else
        {
            Unexpected(t);
            return 0;
        }
        Expect(TokenKind.RightParen);
        return neg ? -v : v;
    }

    private Expr ParseUnary()
    {
        if (Peek.Kind is TokenKind.Add or TokenKind.Sub)
        {
            var opTok = Advance();
            var operand = ParseBinary(PrecPow);
            if (operand is NumberLiteral nl)
            {
                double v = opTok.Kind == TokenKind.Sub ? -nl.Value : nl.Value;
                return new NumberLiteral(v, nl.IsDuration, new PositionRange(opTok.Pos, nl.Position.End));
            }
            return new UnaryExpr(opTok.Kind == TokenKind.Sub ? BinaryOp.Sub : BinaryOp.Add, operand, new PositionRange(opTok.Pos, operand.Position.End));
        }
        return ParsePostfix(ParsePrimary());
    }

    private static bool IsMetricIdentifier(TokenKind k) => k switch
    {
        TokenKind.Identifier or TokenKind.MetricIdentifier => true,
        TokenKind.Avg or TokenKind.Bottomk or TokenKind.By or TokenKind.Count or TokenKind.CountValues or TokenKind.Fill
            or TokenKind.FillLeft or TokenKind.FillRight or TokenKind.Group or TokenKind.Land or TokenKind.Lor
            or TokenKind.Lunless or TokenKind.Max or TokenKind.Min or TokenKind.Offset or TokenKind.Quantile
            or TokenKind.Stddev or TokenKind.Stdvar or TokenKind.Sum or TokenKind.Topk or TokenKind.Without
            or TokenKind.Start or TokenKind.End or TokenKind.Limitk or TokenKind.LimitRatio or TokenKind.Step
            or TokenKind.Range or TokenKind.Anchored or TokenKind.Smoothed or TokenKind.MaxOf or TokenKind.MinOf => true,
        _ => false,
    };

    private Expr ParsePrimary()
    {
        var t = Peek;
        switch (t.Kind)
        {
            case TokenKind.Number:
                Advance();
                return new NumberLiteral(ParseNumber(t), false, new PositionRange(t.Pos, t.End));
            case TokenKind.Duration:
                Advance();
                return new NumberLiteral(ParseDurationSeconds(t), true, new PositionRange(t.Pos, t.End));
            case TokenKind.String:
                Advance();
                return new StringLiteral(t.Value!, new PositionRange(t.Pos, t.End));
            case TokenKind.LeftParen:
                {
                    Advance();
                    var inner = ParseBinary(0);
                    var close = Expect(TokenKind.RightParen);
                    return new ParenExpr(inner, new PositionRange(t.Pos, close.End));
                }
            case TokenKind.LeftBrace:
                return ParseVectorSelector(null);
        }
        if (t.IsAggregator)
        {
            var k2 = PeekSecond().Kind;
            if (k2 is TokenKind.LeftParen or TokenKind.By or TokenKind.Without)
            {
                return ParseAggregate();
            }
        }
        else if (t.Kind is TokenKind.Identifier or TokenKind.Start or TokenKind.End or TokenKind.Step or TokenKind.Range
                 or TokenKind.MinOf or TokenKind.MaxOf)
        {
            if (PeekSecond().Kind == TokenKind.LeftParen)
            {
                return ParseCall();
            }
        }
        if (IsMetricIdentifier(t.Kind))
        {
            Advance();
            return ParseVectorSelector(t);
        }
        Unexpected(t);
        return null;
    }

    private VectorSelector ParseVectorSelector(Token? nameTok)
    {
        var matchers = new List<LabelMatcher>();
        int start = nameTok?.Pos ?? Peek.Pos;
        int end = nameTok?.End ?? Peek.Pos;
        if (nameTok is null || Peek.Kind == TokenKind.LeftBrace)
        {
            Expect(TokenKind.LeftBrace);
            end = ParseMatcherList(matchers);
        }
        string? name = nameTok?.Text;
        if (name is not null)
        {
            matchers.Add(LabelMatcher.Eq(Labels.MetricName, name));
        }
        return new VectorSelector(name, matchers.ToArray(), new PositionRange(start, end));
    }

    // After '{'; returns the end offset of the closing '}'.
    private int ParseMatcherList(List<LabelMatcher> matchers)
    {
        if (Peek.Kind == TokenKind.RightBrace)
        {
            return Advance().End;
        }
        while (true)
        {
            var t = Peek;
            if (t.Kind is TokenKind.Identifier or TokenKind.String)
            {
                Advance();
                string label = t.Kind == TokenKind.String ? t.Value! : t.Text;
                var op = Peek;
                if (op.Kind is TokenKind.Eql or TokenKind.Neq or TokenKind.EqlRegex or TokenKind.NeqRegex)
                {
                    Advance();
                    var val = Peek;
                    if (val.Kind != TokenKind.String)
                    {
                        Unexpected(val, "label matching", "string");
                    }
                    Advance();
                    var type = op.Kind switch
                    {
                        TokenKind.Eql => MatcherType.Equal,
                        TokenKind.Neq => MatcherType.NotEqual,
                        TokenKind.EqlRegex => MatcherType.Regex,
                        _ => MatcherType.NotRegex,
                    };
                    try
                    {
                        matchers.Add(new LabelMatcher(type, label, val.Value!));
                    }
                    catch (ArgumentException e)
                    {
                        Fail(t.Pos, "error parsing regexp: " + e.Message);
                    }
                }
                else if (t.Kind == TokenKind.String)
                {
                    matchers.Add(LabelMatcher.Eq(Labels.MetricName, label));
                }
                else
                {
                    Unexpected(op, "label matching", "label matching operator");
                }
            }
            else
            {
                Unexpected(t, "label matching", "identifier or \"}\"");
            }
            var sep = Peek;
            if (sep.Kind == TokenKind.Comma)
            {
                Advance();
                if (Peek.Kind == TokenKind.RightBrace)
                {
                    return Advance().End;
                }
                continue;
            }
            if (sep.Kind == TokenKind.RightBrace)
            {
                return Advance().End;
            }
            Unexpected(sep, "label matching", "\",\" or \"}\"");
        }
    }

    private static bool IsGroupingLabelToken(TokenKind k) => k switch
    {
        TokenKind.Identifier or TokenKind.MetricIdentifier or TokenKind.Bool or TokenKind.By or TokenKind.GroupLeft
            or TokenKind.GroupRight or TokenKind.Fill or TokenKind.FillLeft or TokenKind.FillRight or TokenKind.Ignoring
            or TokenKind.Land or TokenKind.Lor or TokenKind.Lunless or TokenKind.Offset or TokenKind.On
            or TokenKind.Start or TokenKind.End or TokenKind.Atan2 or TokenKind.Step or TokenKind.Range
            or TokenKind.Anchored or TokenKind.Smoothed or TokenKind.MaxOf or TokenKind.MinOf or TokenKind.Without => true,
        _ => k > TokenKind.AggregatorsStart && k < TokenKind.AggregatorsEnd,
    };

    private List<string> ParseGroupingLabels()
    {
        var labels = new List<string>();
        Expect(TokenKind.LeftParen, "grouping opts", "\"(\"");
        if (Peek.Kind == TokenKind.RightParen)
        {
            Advance();
            return labels;
        }
        while (true)
        {
            var t = Peek;
            string label;
            if (t.Kind == TokenKind.String)
            {
                label = t.Value!;
            }
            else if (IsGroupingLabelToken(t.Kind))
            {
                label = t.Text;
            }
            else
            {
                Unexpected(t, "grouping opts", "label");
                return labels;
            }
            Advance();
            if (!IsValidUtf8LabelName(label))
            {
                AddError(t.Pos, "invalid label name for grouping: " + PromQLFormat.Quote(label));
            }
            labels.Add(label);
            var sep = Peek;
            if (sep.Kind == TokenKind.Comma)
            {
                Advance();
                if (Peek.Kind == TokenKind.RightParen)
                {
                    Advance();
                    return labels;
                }
                continue;
            }
            if (sep.Kind == TokenKind.RightParen)
            {
                Advance();
                return labels;
            }
            Unexpected(sep, "grouping opts", "\",\" or \")\"");
        }
    }

    internal static bool IsValidUtf8LabelName(string s)
    {
        if (s.Length == 0)
        {
            return false;
        }
        for (int i = 0; i < s.Length; i++)
        {
            if (char.IsHighSurrogate(s[i]) && i + 1 < s.Length && char.IsLowSurrogate(s[i + 1]))
            {
                i++;
                continue;
            }
            if (char.IsSurrogate(s[i]))
            {
                return false;
            }
        }
        return true;
    }

    // Parses '(' args ')' and returns the args and the end offset.
    private (List<Expr> Args, int End) ParseCallBody(string context = "")
    {
        var args = new List<Expr>();
        if (Peek.Kind != TokenKind.LeftParen)
        {
            Unexpected(Peek, context);
        }
        Advance();
        if (Peek.Kind == TokenKind.RightParen)
        {
            return (args, Advance().End);
        }
        while (true)
        {
            args.Add(ParseBinary(0));
            var t = Peek;
            if (t.Kind == TokenKind.Comma)
            {
                Advance();
                if (Peek.Kind == TokenKind.RightParen)
                {
                    AddError(t.Pos, "trailing commas not allowed in function call args");
                    return (args, Advance().End);
                }
                continue;
            }
            if (t.Kind == TokenKind.RightParen)
            {
                return (args, Advance().End);
            }
            Unexpected(t);
        }
    }

    private Call ParseCall()
    {
        var nameTok = Advance();
        string name = nameTok.Text;
        if (!Functions.TryGet(name, out var def))
        {
            AddError(nameTok.Pos, "unknown function with name " + PromQLFormat.Quote(name));
            def = new FunctionDef(name, [], -1, ExprType.InstantVector, false);
        }
        else if (def.Experimental && !_opts.EnableExperimentalFunctions)
        {
            AddError(nameTok.Pos, "function " + PromQLFormat.Quote(name) + " is not enabled");
        }
        var (args, end) = ParseCallBody();
        return new Call(def, args.ToArray(), new PositionRange(nameTok.Pos, end));
    }

    private static AggregateOp ToAggregateOp(TokenKind k) => k switch
    {
        TokenKind.Sum => AggregateOp.Sum,
        TokenKind.Avg => AggregateOp.Avg,
        TokenKind.Min => AggregateOp.Min,
        TokenKind.Max => AggregateOp.Max,
        TokenKind.Count => AggregateOp.Count,
        TokenKind.Group => AggregateOp.Group,
        TokenKind.Stddev => AggregateOp.Stddev,
        TokenKind.Stdvar => AggregateOp.Stdvar,
        TokenKind.Topk => AggregateOp.Topk,
        TokenKind.Bottomk => AggregateOp.Bottomk,
        TokenKind.Quantile => AggregateOp.Quantile,
        TokenKind.CountValues => AggregateOp.CountValues,
        TokenKind.Limitk => AggregateOp.Limitk,
        _ => AggregateOp.LimitRatio,
    };

    private Expr ParseAggregate()
    {
        var opTok = Advance();
        var op = ToAggregateOp(opTok.Kind);
        IReadOnlyList<string> grouping = [];
        bool without = false;
        bool modifierFirst = false;
        int end;
        List<Expr> args;
        if (Peek.Kind is TokenKind.By or TokenKind.Without)
        {
            without = Advance().Kind == TokenKind.Without;
            grouping = ParseGroupingLabels();
            modifierFirst = true;
        }
        (args, end) = ParseCallBody("aggregation");
        if (!modifierFirst && Peek.Kind is TokenKind.By or TokenKind.Without)
        {
            without = Advance().Kind == TokenKind.Without;
            grouping = ParseGroupingLabels();
            end = _lastClosing;
        }
        var pos = new PositionRange(opTok.Pos, end);
        Expr placeholder = new NumberLiteral(0, false, pos);
        if (args.Count == 0)
        {
            AddError(opTok.Pos, "no arguments for aggregate expression provided");
            return new AggregateExpr(op, placeholder, null, grouping, without, pos);
        }
        int desired = 1;
        Expr? param = null;
        if (AggregateExpr.TakesParam(op))
        {
            if (!_opts.EnableExperimentalFunctions && op is AggregateOp.Limitk or AggregateOp.LimitRatio)
            {
                AddError(opTok.Pos, PromQLFormat.AggregateText(op) + "() is experimental and must be enabled with --enable-feature=promql-experimental-functions");
                return new AggregateExpr(op, placeholder, null, grouping, without, pos);
            }
            desired = 2;
            param = args[0];
        }
        if (args.Count != desired)
        {
            AddError(opTok.Pos, $"wrong number of arguments for aggregate expression provided, expected {desired}, got {args.Count}");
            return new AggregateExpr(op, placeholder, param, grouping, without, pos);
        }
        return new AggregateExpr(op, args[desired - 1], param, grouping, without, pos);
    }

    // ---- postfix modifiers: [range], [range:step], offset, @, anchored, smoothed ----

    private Expr ParsePostfix(Expr e)
    {
        while (true)
        {
            switch (Peek.Kind)
            {
                case TokenKind.LeftBracket:
                    e = ParseRangeOrSubquery(e);
                    break;
                case TokenKind.Offset:
                    Advance();
                    ApplyOffset(e, ParseOffsetDuration());
                    break;
                case TokenKind.At:
                    ParseAt(e);
                    break;
                case TokenKind.Anchored:
                    SetExtended(e, Advance(), anchored: true);
                    break;
                case TokenKind.Smoothed:
                    SetExtended(e, Advance(), anchored: false);
                    break;
                default:
                    return e;
            }
        }
    }

    private Expr ParseRangeOrSubquery(Expr e)
    {
        var lb = Advance();
        if (!IsDurationStart(Peek.Kind))
        {
            Unexpected(Peek, "subquery or range selector", RangeStartExpected);
        }
        var range = ParsePositiveDuration("subquery or range selector", RangeStartExpected);
        var t = Peek;
        if (t.Kind == TokenKind.RightBracket)
        {
            var rb = Advance();
            string? err = null;
            var vs = e as VectorSelector;
            if (vs is null)
            {
                err = "ranges only allowed for vector selectors";
            }
            else if (vs.Offset != TimeSpan.Zero || vs.OffsetExpr is not null)
            {
                err = "no offset modifiers allowed before range";
            }
            else if (vs.Timestamp is not null || vs.StartOrEnd != AtModifier.None)
            {
                err = "no @ modifiers allowed before range";
            }
            if (err is not null)
            {
                AddError(lb.Pos, err);
            }
            if (vs is null)
            {
                vs = new VectorSelector(null, [], e.Position);
                _placeholders.Add(vs);
            }
            var (lit, expr) = SplitDuration(range);
            return new MatrixSelector(vs, lit, expr, new PositionRange(e.Position.Start, rb.End));
        }
        if (t.Kind != TokenKind.Colon)
        {
            Unexpected(t, "subquery or range", "\":\" or \"]\"");
        }
        Advance();
        Expr? step = null;
        if (Peek.Kind != TokenKind.RightBracket)
        {
            if (!IsDurationStart(Peek.Kind))
            {
                Unexpected(Peek, "subquery selector", "number, duration, step(), range(), or \"]\"");
            }
            step = ParsePositiveDuration("subquery selector", "number, duration, step(), range(), or \"]\"");
            if (Peek.Kind != TokenKind.RightBracket)
            {
                Unexpected(Peek, "subquery selector", "\"]\"");
            }
        }
        var close = Advance();
        var (rl, re) = SplitDuration(range);
        var (sl, se) = step is null ? (TimeSpan.Zero, null) : SplitDuration(step);
        return new SubqueryExpr(e, rl, re, sl, se, new PositionRange(e.Position.Start, close.End));
    }

    private static (TimeSpan Literal, DurationExpr? Expr) SplitDuration(Expr d) => d switch
    {
        NumberLiteral n => (TimeSpan.FromTicks(PromQLFormat.SecondsToWholeMsTicks(n.Value)), null),
        DurationExpr de => (TimeSpan.Zero, de),
        _ => (TimeSpan.Zero, null),
    };

    private static bool IsDurationStart(TokenKind k) => k is TokenKind.Number or TokenKind.Duration or TokenKind.Add
        or TokenKind.Sub or TokenKind.LeftParen or TokenKind.Step or TokenKind.Range or TokenKind.MinOf or TokenKind.MaxOf;

    private Expr ParsePositiveDuration(string context, string expected)
    {
        var d = ParseDurationExpr(0, context, expected);
        // Durations count in whole milliseconds (see SecondsToWholeMsTicks): one under a millisecond is 0 too.
        if (d is NumberLiteral n && !(n.Value > 0 && PromQLFormat.SecondsToWholeMsTicks(n.Value) > 0))
        {
            AddError(n.Position.Start, "duration must be greater than 0");
            return new NumberLiteral(0, false, n.Position);
        }
        return d;
    }

    private void ApplyOffset(Expr e, Expr d)
    {
        TimeSpan lit = TimeSpan.Zero;
        DurationExpr? expr = null;
        if (d is NumberLiteral n)
        {
            lit = TimeSpan.FromTicks(PromQLFormat.SecondsToWholeMsTicks(n.Value));
        }
        else
        {
            expr = (DurationExpr)d;
        }
        switch (e)
        {
            case VectorSelector vs:
                SetOffset(e, vs.Offset, vs.OffsetExpr, () => { vs.Offset = lit; vs.OffsetExpr = expr; });
                vs.Position = vs.Position with { End = d.Position.End };
                break;
            case MatrixSelector ms:
                if (_placeholders.Contains(ms.VectorSelector))
                {
                    AddError(e.Position.Start, "ranges only allowed for vector selectors");
                    return;
                }
                var inner = ms.VectorSelector;
                SetOffset(e, inner.Offset, inner.OffsetExpr, () => { inner.Offset = lit; inner.OffsetExpr = expr; });
                ms.Position = ms.Position with { End = d.Position.End };
                break;
            case SubqueryExpr sq:
                SetOffset(e, sq.Offset, sq.OffsetExpr, () => { sq.Offset = lit; sq.OffsetExpr = expr; });
                sq.Position = sq.Position with { End = d.Position.End };
                break;
            default:
                AddError(e.Position.Start, "offset modifier must be preceded by an instant vector selector or range vector selector or a subquery");
                break;
        }
    }

    private void SetOffset(Expr e, TimeSpan existing, DurationExpr? existingExpr, Action set)
    {
        if (existing != TimeSpan.Zero || existingExpr is not null)
        {
            AddError(e.Position.Start, "offset may not be set multiple times");
            return;
        }
        set();
    }

    // offset_duration_expr: a single signed atom, or a parenthesised duration expression that may continue.
    private Expr ParseOffsetDuration()
    {
        const string ctx = "offset";
        var t = Peek;
        switch (t.Kind)
        {
            case TokenKind.Number or TokenKind.Duration:
                return DurationLiteral(Advance(), t.Pos);
            case TokenKind.Add or TokenKind.Sub:
                {
                    Advance();
                    bool neg = t.Kind == TokenKind.Sub;
                    var u = Peek;
                    switch (u.Kind)
                    {
                        case TokenKind.Number or TokenKind.Duration:
                            {
                                var lit = ParseLiteralValue(Advance());
                                double v = neg ? -lit.Value : lit.Value;
                                if (OutOfRange(v))
                                {
                                    AddError(t.Pos, "duration out of range");
                                    v = 0;
                                }
                                return new NumberLiteral(v, lit.IsDuration, new PositionRange(t.Pos, u.End));
                            }
                        case TokenKind.Step or TokenKind.Range or TokenKind.MinOf or TokenKind.MaxOf:
                            {
                                var inner = ParseDurationAtom(ctx, RangeStartExpected);
                                if (!neg)
                                {
                                    return inner;
                                }
                                var de = new DurationExpr(neg ? DurationOp.Sub : DurationOp.Add, null, inner, false, new PositionRange(t.Pos, inner.Position.End));
                                ExperimentalDuration(de);
                                return de;
                            }
                        case TokenKind.LeftParen:
                            {
                                var paren = ParseParenDuration(ctx, RangeStartExpected);
                                return ApplyUnaryDuration(t, paren);
                            }
                        default:
                            Unexpected(u, ctx, RangeStartExpected);
                            return null;
                    }
                }
            case TokenKind.Step or TokenKind.Range or TokenKind.MinOf or TokenKind.MaxOf:
                return ParseDurationAtom(ctx, RangeStartExpected);
            case TokenKind.LeftParen:
                {
                    var paren = ParseParenDuration(ctx, RangeStartExpected);
                    return ContinueDurationExpr(paren, 0, ctx, RangeStartExpected);
                }
            default:
                Unexpected(t, ctx, RangeStartExpected);
                return null;
        }
    }

    private void ParseAt(Expr e)
    {
        var at = Advance();
        var t = Peek;
        long? ts = null;
        AtModifier preproc = AtModifier.None;
        int end;
        if (t.Kind is TokenKind.Number or TokenKind.Duration or TokenKind.Add or TokenKind.Sub)
        {
            bool neg = false;
            if (t.Kind is TokenKind.Add or TokenKind.Sub)
            {
                neg = Advance().Kind == TokenKind.Sub;
                if (Peek.Kind is not (TokenKind.Number or TokenKind.Duration))
                {
                    Unexpected(Peek, "@", "timestamp");
                }
            }
            var numTok = Advance();
            double v = ParseLiteralValue(numTok).Value;
            if (neg)
            {
                v = -v;
            }
            end = numTok.End;
            if (double.IsInfinity(v) || double.IsNaN(v) || v >= 9.223372036854775807e18 || v <= -9.223372036854775808e18)
            {
                AddError(e.Position.Start, "timestamp out of bounds for @ modifier: " + GoPercentF(v));
            }
            else
            {
                ts = (long)Math.Round(v * 1000, MidpointRounding.AwayFromZero);
            }
        }
        else if (t.Kind is TokenKind.Start or TokenKind.End)
        {
            Advance();
            if (Peek.Kind != TokenKind.LeftParen)
            {
                Unexpected(Peek, "@", "timestamp");
            }
            Advance();
            end = Expect(TokenKind.RightParen).End;
            preproc = t.Kind == TokenKind.Start ? AtModifier.Start : AtModifier.End;
        }
        else
        {
            Unexpected(t, "@", "timestamp");
            return;
        }
        _ = at;
        void Set(Func<long?> getTs, Func<AtModifier> getPre, Action<long?, AtModifier> set)
        {
            if (getTs() is not null || getPre() != AtModifier.None)
            {
                AddError(e.Position.Start, "@ <timestamp> may not be set multiple times");
                return;
            }
            set(ts, preproc);
        }
        switch (e)
        {
            case VectorSelector vs:
                Set(() => vs.Timestamp, () => vs.StartOrEnd, (a, b) => { vs.Timestamp = a; vs.StartOrEnd = b; });
                vs.Position = vs.Position with { End = end };
                break;
            case MatrixSelector ms:
                var inner = ms.VectorSelector;
                if (_placeholders.Contains(inner))
                {
                    AddError(e.Position.Start, "ranges only allowed for vector selectors");
                    return;
                }
                Set(() => inner.Timestamp, () => inner.StartOrEnd, (a, b) => { inner.Timestamp = a; inner.StartOrEnd = b; });
                ms.Position = ms.Position with { End = end };
                break;
            case SubqueryExpr sq:
                Set(() => sq.Timestamp, () => sq.StartOrEnd, (a, b) => { sq.Timestamp = a; sq.StartOrEnd = b; });
                sq.Position = sq.Position with { End = end };
                break;
            default:
                AddError(e.Position.Start, "@ modifier must be preceded by an instant vector selector or range vector selector or a subquery");
                break;
        }
    }

    private void SetExtended(Expr e, Token tok, bool anchored)
    {
        string name = anchored ? "anchored" : "smoothed";
        if (!_opts.EnableExtendedRangeSelectors)
        {
            AddError(e.Position.Start, name + " modifier is experimental and not enabled");
            return;
        }
        VectorSelector? vs = e switch
        {
            VectorSelector v => v,
            MatrixSelector m => m.VectorSelector,
            _ => null,
        };
        if (e is MatrixSelector && vs is not null && _placeholders.Contains(vs))
        {
            return;
        }
        if (vs is null)
        {
            AddError(e.Position.Start, e is SubqueryExpr ? name + " modifier is not supported for subqueries" : name + " modifier not implemented");
            return;
        }
        if (anchored)
        {
            vs.Anchored = true;
        }
        else
        {
            vs.Smoothed = true;
        }
        if (vs.Anchored && vs.Smoothed)
        {
            AddError(e.Position.Start, "anchored and smoothed modifiers cannot be used together");
        }
        e.Position = e.Position with { End = tok.End };
    }

    // ---- duration expressions ----

    private static int DurationPrecedence(TokenKind k) => k switch
    {
        TokenKind.Add or TokenKind.Sub => 1,
        TokenKind.Mul or TokenKind.Div or TokenKind.Mod => 2,
        TokenKind.Pow => 3,
        _ => 0,
    };

    private Expr ParseDurationExpr(int minPrec, string context, string expected)
    {
        var lhs = ParseDurationUnary(context, expected);
        return ContinueDurationExpr(lhs, minPrec, context, expected);
    }

    private Expr ContinueDurationExpr(Expr lhs, int minPrec, string context, string expected)
    {
        while (true)
        {
            var t = Peek;
            int prec = DurationPrecedence(t.Kind);
            if (prec == 0 || prec < minPrec)
            {
                return lhs;
            }
            Advance();
            ExperimentalDuration(lhs);
            var rhs = ParseDurationExpr(t.Kind == TokenKind.Pow ? prec : prec + 1, context, expected);
            var pos = new PositionRange(lhs.Position.Start, rhs.Position.End);
            if (t.Kind is TokenKind.Div or TokenKind.Mod && rhs is NumberLiteral { Value: 0 })
            {
                AddError(t.Pos, t.Kind == TokenKind.Div ? "division by zero" : "modulo by zero");
                lhs = new NumberLiteral(0, false, pos);
                continue;
            }
            var op = t.Kind switch
            {
                TokenKind.Add => DurationOp.Add,
                TokenKind.Sub => DurationOp.Sub,
                TokenKind.Mul => DurationOp.Mul,
                TokenKind.Div => DurationOp.Div,
                TokenKind.Mod => DurationOp.Mod,
                _ => DurationOp.Pow,
            };
            lhs = new DurationExpr(op, lhs, rhs, false, pos);
        }
    }

    private Expr ParseDurationUnary(string context, string expected)
    {
        var t = Peek;
        if (t.Kind is TokenKind.Add or TokenKind.Sub)
        {
            Advance();
            var operand = ParseDurationExpr(3, context, expected);
            return ApplyUnaryDuration(t, operand);
        }
        return ParseDurationAtom(context, expected);
    }

    private Expr ApplyUnaryDuration(Token op, Expr e)
    {
        switch (e)
        {
            case DurationExpr de:
                if (op.Kind == TokenKind.Sub)
                {
                    return new DurationExpr(DurationOp.Sub, null, de, false, new PositionRange(op.Pos, de.Position.End));
                }
                return de;
            case NumberLiteral n:
                double v = op.Kind == TokenKind.Sub ? -n.Value : n.Value;
                if (OutOfRange(v))
                {
                    AddError(op.Pos, "duration out of range");
                    return new NumberLiteral(0, false, n.Position);
                }
                return new NumberLiteral(v, n.IsDuration, new PositionRange(op.Pos, n.Position.End));
            default:
                AddError(op.Pos, "expected number literal or duration expression");
                return new NumberLiteral(0);
        }
    }

    private Expr ParseDurationAtom(string context, string expected)
    {
        var t = Peek;
        switch (t.Kind)
        {
            case TokenKind.Number or TokenKind.Duration:
                return DurationLiteral(Advance(), t.Pos);
            case TokenKind.Step or TokenKind.Range:
                {
                    Advance();
                    if (Peek.Kind != TokenKind.LeftParen)
                    {
                        Unexpected(Peek, context, expected);
                    }
                    Advance();
                    if (Peek.Kind != TokenKind.RightParen)
                    {
                        Unexpected(Peek, context, expected);
                    }
                    var close = Advance();
                    var de = new DurationExpr(t.Kind == TokenKind.Step ? DurationOp.Step : DurationOp.Range, null, null, false, new PositionRange(t.Pos, close.End));
                    ExperimentalDuration(de);
                    return de;
                }
            case TokenKind.MinOf or TokenKind.MaxOf:
                {
                    Advance();
                    if (Peek.Kind != TokenKind.LeftParen)
                    {
                        Unexpected(Peek, context, expected);
                    }
                    Advance();
                    var a = ParseDurationExpr(0, context, expected);
                    if (Peek.Kind != TokenKind.Comma)
                    {
                        Unexpected(Peek, context, expected);
                    }
                    Advance();
                    var b = ParseDurationExpr(0, context, expected);
                    if (Peek.Kind != TokenKind.RightParen)
                    {
                        Unexpected(Peek, context, expected);
                    }
                    var close = Advance();
                    var de = new DurationExpr(t.Kind == TokenKind.MinOf ? DurationOp.MinOf : DurationOp.MaxOf, a, b, false, new PositionRange(t.Pos, close.End));
                    ExperimentalDuration(de);
                    return de;
                }
            case TokenKind.LeftParen:
                return ParseParenDuration(context, expected);
            default:
                Unexpected(t, context, expected);
                return null;
        }
    }

    private Expr ParseParenDuration(string context, string expected)
    {
        var open = Advance();
        var inner = ParseDurationExpr(0, context, expected);
        if (Peek.Kind != TokenKind.RightParen)
        {
            Unexpected(Peek, context, expected);
        }
        var close = Advance();
        ExperimentalDuration(inner);
        var pos = new PositionRange(open.Pos, close.End);
        if (inner is DurationExpr de)
        {
            de.Wrapped = true;
            de.Position = pos;
            return de;
        }
        return new DurationExpr(DurationOp.Add, null, inner, true, pos);
    }

    private NumberLiteral DurationLiteral(Token t, int start)
    {
        var lit = ParseLiteralValue(t);
        if (OutOfRange(lit.Value))
        {
            AddError(start, "duration out of range");
            return new NumberLiteral(0, false, lit.Position);
        }
        return lit;
    }

    private NumberLiteral ParseLiteralValue(Token t) => t.Kind == TokenKind.Duration
        ? new NumberLiteral(ParseDurationSeconds(t), true, new PositionRange(t.Pos, t.End))
        : new NumberLiteral(ParseNumber(t), false, new PositionRange(t.Pos, t.End));

    private static bool OutOfRange(double seconds) => seconds > 9223372036.854775807 || seconds < -9223372036.854775808;

    private void ExperimentalDuration(Expr e)
    {
        if (!_opts.EnableDurationExpressions)
        {
            AddError(e.Position.Start, "experimental duration expression is not enabled");
        }
    }

    // ---- literals ----

    private double ParseNumber(Token t)
    {
        string s = t.Text;
        string lower = s.ToLowerInvariant();
        if (lower == "inf")
        {
            return double.PositiveInfinity;
        }
        if (lower == "nan")
        {
            return double.NaN;
        }
        string clean = s.Replace("_", "", StringComparison.Ordinal);
        if (clean.Length > 2 && clean[0] == '0' && clean[1] is 'x' or 'X')
        {
            if (ulong.TryParse(clean.AsSpan(2), NumberStyles.AllowHexSpecifier, CultureInfo.InvariantCulture, out ulong hv) && hv <= long.MaxValue)
            {
                return hv;
            }
            AddError(t.Pos, "error parsing number: strconv.ParseFloat: parsing " + PromQLFormat.Quote(s) + ": invalid syntax");
            return 0;
        }
        bool allDigits = clean.Length > 0;
        foreach (char c in clean)
        {
            if (!char.IsAsciiDigit(c))
            {
                allDigits = false;
                break;
            }
        }
        if (allDigits)
        {
            if (clean.Length > 1 && clean[0] == '0')
            {
                // Go's ParseInt with base 0 reads a leading zero as octal.
                long ov = 0;
                bool octal = true;
                foreach (char c in clean)
                {
                    if (c > '7' || ov > (long.MaxValue >> 3))
                    {
                        octal = false;
                        break;
                    }
                    ov = (ov << 3) + (c - '0');
                }
                if (octal)
                {
                    return ov;
                }
            }
            else if (long.TryParse(clean, NumberStyles.None, CultureInfo.InvariantCulture, out long lv))
            {
                return lv;
            }
        }
        if (double.TryParse(clean, NumberStyles.AllowDecimalPoint | NumberStyles.AllowExponent, CultureInfo.InvariantCulture, out double d))
        {
            if (double.IsInfinity(d))
            {
                AddError(t.Pos, "error parsing number: strconv.ParseFloat: parsing " + PromQLFormat.Quote(s) + ": value out of range");
                return 0;
            }
            return d;
        }
        AddError(t.Pos, "error parsing number: strconv.ParseFloat: parsing " + PromQLFormat.Quote(s) + ": invalid syntax");
        return 0;
    }

    private double ParseDurationSeconds(Token t)
    {
        if (!TryParseDuration(t.Text, out long ms, out string? err))
        {
            AddError(t.Pos, err!);
            return 0;
        }
        return ms / 1000.0;
    }

    /// <summary>Prometheus's <c>model.ParseDuration</c>: units y w d h m s ms, largest first, each at most once; result in milliseconds.</summary>
    internal static bool TryParseDuration(string s, out long ms, out string? error)
    {
        ms = 0;
        error = null;
        if (s == "0")
        {
            return true;
        }
        if (s.Length == 0)
        {
            error = "empty duration string";
            return false;
        }
        string invalid = "not a valid duration string: " + PromQLFormat.Quote(s);
        int i = 0;
        int lastUnit = 0;
        ulong total = 0;
        while (i < s.Length)
        {
            if (!char.IsAsciiDigit(s[i]))
            {
                error = invalid;
                return false;
            }
            int ds = i;
            while (i < s.Length && char.IsAsciiDigit(s[i]))
            {
                i++;
            }
            if (!ulong.TryParse(s.AsSpan(ds, i - ds), NumberStyles.None, CultureInfo.InvariantCulture, out ulong v))
            {
                error = invalid;
                return false;
            }
            int us = i;
            while (i < s.Length && !char.IsAsciiDigit(s[i]))
            {
                i++;
            }
            if (i == us)
            {
                error = invalid;
                return false;
            }
            string unit = s[us..i];
            (int order, ulong mult) = unit switch
            {
                "y" => (1, 1000UL * 60 * 60 * 24 * 365),
                "w" => (2, 1000UL * 60 * 60 * 24 * 7),
                "d" => (3, 1000UL * 60 * 60 * 24),
                "h" => (4, 1000UL * 60 * 60),
                "m" => (5, 1000UL * 60),
                "s" => (6, 1000UL),
                "ms" => (7, 1UL),
                _ => (0, 0UL),
            };
            if (order == 0)
            {
                error = "unknown unit " + PromQLFormat.Quote(unit) + " in duration " + PromQLFormat.Quote(s);
                return false;
            }
            if (order <= lastUnit)
            {
                error = invalid;
                return false;
            }
            lastUnit = order;
            // Prometheus checks against time.Duration's nanosecond range.
            const ulong maxMs = 9223372036854UL;
            if (v > maxMs / mult)
            {
                error = "duration out of range";
                return false;
            }
            total += v * mult;
            if (total > maxMs)
            {
                error = "duration out of range";
                return false;
            }
        }
        ms = (long)total;
        return true;
    }

    private static string GoPercentF(double v)
    {
        if (double.IsNaN(v))
        {
            return "NaN";
        }
        if (double.IsInfinity(v))
        {
            return v > 0 ? "+Inf" : "-Inf";
        }
        return v.ToString("F6", CultureInfo.InvariantCulture);
    }
}
