using System.Text.Json;
using Ariane.Model;
using Ariane.PromQL.Ast;
using Ariane.PromQL.Engine;
using Ariane.PromQL.Parser;

namespace Ariane.Server.Api.V1;

/// <summary>/api/v1/parse_query: the expression's syntax tree as JSON, in the shape Prometheus 3.x gives its UI's tree view.</summary>
public static class ParseQueryApi
{
    /// <summary>Maps the endpoint.</summary>
    public static void Map(IEndpointRouteBuilder app)
    {
        app.MapMethods("/api/v1/parse_query", ["GET", "POST"], ctx => MetadataApi.Guard(ctx, async () =>
        {
            string? q = await ApiParams.GetAsync(ctx, "query").ConfigureAwait(false);
            Expr expr;
            try
            {
                expr = PromQLParser.Parse(q ?? "");
            }
            catch (PromQLParseException e)
            {
                throw new ApiException(ApiErrorType.BadData, "invalid parameter \"query\": " + e.Message);
            }
            await ApiResponse.Success(ctx, w => Write(w, expr)).ConfigureAwait(false);
        }));
    }

    /// <summary>Writes one node and its children.</summary>
    internal static void Write(Utf8JsonWriter w, Expr? node)
    {
        if (node is null)
        {
            w.WriteNullValue();
            return;
        }
        w.WriteStartObject();
        switch (node)
        {
            case AggregateExpr a:
                w.WriteString("type"u8, "aggregation");
                w.WriteString("op"u8, PromQLFormat.AggregateText(a.Op));
                w.WritePropertyName("expr"u8);
                Write(w, a.Expr);
                w.WritePropertyName("param"u8);
                Write(w, a.Param);
                Strings(w, "grouping"u8, a.Grouping);
                w.WriteBoolean("without"u8, a.Without);
                break;
            case BinaryExpr b:
                w.WriteString("type"u8, "binaryExpr");
                w.WriteString("op"u8, PromQLFormat.OpText(b.Op));
                w.WritePropertyName("lhs"u8);
                Write(w, b.Lhs);
                w.WritePropertyName("rhs"u8);
                Write(w, b.Rhs);
                w.WritePropertyName("matching"u8);
                if (b.Matching is { } m)
                {
                    w.WriteStartObject();
                    w.WriteString("card"u8, m.Card switch
                    {
                        VectorMatchCardinality.OneToOne => "one-to-one",
                        VectorMatchCardinality.ManyToOne => "many-to-one",
                        VectorMatchCardinality.OneToMany => "one-to-many",
                        _ => "many-to-many",
                    });
                    Strings(w, "labels"u8, m.MatchingLabels);
                    w.WriteBoolean("on"u8, m.On);
                    Strings(w, "include"u8, m.Include);
                    w.WriteStartObject("fillValues"u8);
                    NullableNumber(w, "lhs"u8, m.FillLeft);
                    NullableNumber(w, "rhs"u8, m.FillRight);
                    w.WriteEndObject();
                    w.WriteEndObject();
                }
                else
                {
                    w.WriteNullValue();
                }
                w.WriteBoolean("bool"u8, b.ReturnBool);
                break;
            case Call c:
                w.WriteString("type"u8, "call");
                w.WriteStartObject("func"u8);
                w.WriteString("name"u8, c.Func.Name);
                w.WriteStartArray("argTypes"u8);
                foreach (var t in c.Func.ArgTypes)
                {
                    w.WriteStringValue(PromQLFormat.InternalType(t));
                }
                w.WriteEndArray();
                w.WriteNumber("variadic"u8, c.Func.Variadic);
                w.WriteString("returnType"u8, PromQLFormat.InternalType(c.Func.ReturnType));
                w.WriteEndObject();
                w.WriteStartArray("args"u8);
                foreach (var arg in c.Args)
                {
                    Write(w, arg);
                }
                w.WriteEndArray();
                break;
            case MatrixSelector ms:
                w.WriteString("type"u8, "matrixSelector");
                Selector(w, ms.VectorSelector, (long)ms.Range.TotalMilliseconds);
                break;
            case SubqueryExpr sq:
                w.WriteString("type"u8, "subquery");
                w.WritePropertyName("expr"u8);
                Write(w, sq.Expr);
                w.WriteNumber("range"u8, (long)sq.Range.TotalMilliseconds);
                w.WriteNumber("offset"u8, (long)sq.Offset.TotalMilliseconds);
                w.WriteNumber("step"u8, (long)sq.Step.TotalMilliseconds);
                NullableTimestamp(w, sq.Timestamp);
                StartOrEnd(w, sq.StartOrEnd);
                break;
            case NumberLiteral n:
                w.WriteString("type"u8, "numberLiteral");
                w.WriteString("val"u8, ApiFormat.Value(n.Value));
                break;
            case ParenExpr p:
                w.WriteString("type"u8, "parenExpr");
                w.WritePropertyName("expr"u8);
                Write(w, p.Expr);
                break;
            case StringLiteral s:
                w.WriteString("type"u8, "stringLiteral");
                w.WriteString("val"u8, s.Value);
                break;
            case UnaryExpr u:
                w.WriteString("type"u8, "unaryExpr");
                w.WriteString("op"u8, PromQLFormat.OpText(u.Op));
                w.WritePropertyName("expr"u8);
                Write(w, u.Expr);
                break;
            case VectorSelector vs:
                w.WriteString("type"u8, "vectorSelector");
                Selector(w, vs, null);
                break;
            default:
                // Duration expressions stand only inside brackets and offsets; print them as text.
                w.WriteString("type"u8, "durationExpr");
                w.WriteString("text"u8, node.ToString());
                break;
        }
        w.WriteEndObject();
    }

    private static void Selector(Utf8JsonWriter w, VectorSelector vs, long? range)
    {
        w.WriteString("name"u8, vs.Name ?? "");
        if (range is long r)
        {
            w.WriteNumber("range"u8, r);
        }
        w.WriteNumber("offset"u8, (long)vs.Offset.TotalMilliseconds);
        w.WriteStartArray("matchers"u8);
        foreach (var m in vs.Matchers)
        {
            w.WriteStartObject();
            w.WriteString("name"u8, m.Name);
            w.WriteString("value"u8, m.Value);
            w.WriteString("type"u8, m.Type switch
            {
                MatcherType.Equal => "=",
                MatcherType.NotEqual => "!=",
                MatcherType.Regex => "=~",
                _ => "!~",
            });
            w.WriteEndObject();
        }
        w.WriteEndArray();
        NullableTimestamp(w, vs.Timestamp);
        StartOrEnd(w, vs.StartOrEnd);
        w.WriteBoolean("anchored"u8, vs.Anchored);
        w.WriteBoolean("smoothed"u8, vs.Smoothed);
    }

    private static void Strings(Utf8JsonWriter w, ReadOnlySpan<byte> name, IReadOnlyList<string>? list)
    {
        w.WriteStartArray(name);
        foreach (var s in list ?? [])
        {
            w.WriteStringValue(s);
        }
        w.WriteEndArray();
    }

    private static void NullableNumber(Utf8JsonWriter w, ReadOnlySpan<byte> name, double? v)
    {
        if (v is double d && double.IsFinite(d))
        {
            w.WriteNumber(name, d);
        }
        else
        {
            w.WriteNull(name);
        }
    }

    private static void NullableTimestamp(Utf8JsonWriter w, long? ts)
    {
        if (ts is long t)
        {
            w.WriteNumber("timestamp"u8, t);
        }
        else
        {
            w.WriteNull("timestamp"u8);
        }
    }

    private static void StartOrEnd(Utf8JsonWriter w, AtModifier m)
    {
        switch (m)
        {
            case AtModifier.Start:
                w.WriteString("startOrEnd"u8, "start");
                break;
            case AtModifier.End:
                w.WriteString("startOrEnd"u8, "end");
                break;
            default:
                w.WriteNull("startOrEnd"u8);
                break;
        }
    }
}
