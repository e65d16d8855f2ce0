import { describe, expect, it } from "vitest";
import type { AstNode } from "../../api";
import fixtures from "./serialize.fixtures.json";
import { children, describe as kind, flatten, formatDuration, labelName, serialize } from "./serialize";

// The fixtures are the trees the server's /api/v1/parse_query answered for each expression (captured from a running
// Ariane); `text` is the PromQL serialize must write, which parses back to the same tree.
const cases = fixtures as { expr: string; text: string; ast: AstNode }[];

const sel = (name: string, extra: Partial<AstNode> = {}): AstNode => ({
  type: "vectorSelector",
  name,
  offset: 0,
  matchers: [{ name: "__name__", value: name, type: "=" }],
  timestamp: null,
  startOrEnd: null,
  anchored: false,
  smoothed: false,
  ...extra,
});

describe("serialize", () => {
  for (const c of cases) {
    it(`writes ${c.expr}`, () => {
      expect(serialize(c.ast)).toBe(c.text);
    });
  }

  it("covers every node type in the fixtures", () => {
    const types = new Set<string>();
    const walk = (n: unknown) => {
      if (n && typeof n === "object") {
        if ("type" in n && typeof (n as AstNode).type === "string" && !("value" in n)) types.add((n as AstNode).type);
        Object.values(n).forEach(walk);
      }
    };
    cases.forEach((c) => walk(c.ast));
    for (const t of [
      "aggregation",
      "binaryExpr",
      "call",
      "vectorSelector",
      "matrixSelector",
      "subquery",
      "numberLiteral",
      "stringLiteral",
      "parenExpr",
      "unaryExpr",
    ]) {
      expect(types).toContain(t);
    }
  });

  it("writes aggregations with by, without and a parameter", () => {
    const ast: AstNode = { type: "aggregation", op: "topk", expr: sel("up"), param: { type: "numberLiteral", val: "5" }, grouping: ["job", "a.b"], without: false };
    expect(serialize(ast)).toBe('topk by (job, "a.b") (5, up)');
    expect(serialize({ ...ast, without: true, grouping: ["x"] })).toBe("topk without (x) (5, up)");
    expect(serialize({ ...ast, param: null, op: "sum", grouping: [] })).toBe("sum(up)");
  });

  it("writes binary operators with matching, grouping and bool", () => {
    const bin = (matching: unknown, op = "/", bool = false): AstNode => ({ type: "binaryExpr", op, lhs: sel("a"), rhs: sel("b"), matching, bool });
    expect(serialize(bin(null))).toBe("a / b");
    expect(serialize(bin(null, ">", true))).toBe("a > bool b");
    expect(serialize(bin({ card: "one-to-one", labels: [], on: false, include: [] }))).toBe("a / b");
    expect(serialize(bin({ card: "one-to-one", labels: [], on: true, include: [] }))).toBe("a / on() b");
    expect(serialize(bin({ card: "one-to-one", labels: ["x", "y"], on: false, include: [] }))).toBe("a / ignoring(x, y) b");
    expect(serialize(bin({ card: "many-to-one", labels: ["x"], on: true, include: ["z"] }))).toBe("a / on(x) group_left(z) b");
    expect(serialize(bin({ card: "one-to-many", labels: [], on: false, include: [] }))).toBe("a / ignoring() group_right b");
    expect(serialize(bin({ card: "many-to-many", labels: ["x"], on: true, include: [] }, "and"))).toBe("a and on(x) b");
    expect(serialize(bin({ card: "one-to-one", labels: [], on: false, include: [], fillValues: { lhs: 0, rhs: 0 } }, "+"))).toBe("a + fill(0) b");
    expect(serialize(bin({ card: "one-to-one", labels: [], on: false, include: [], fillValues: { lhs: null, rhs: 1.5 } }, "+"))).toBe("a + fill_right(1.5) b");
  });

  it("writes selectors with offset, @ and matchers", () => {
    expect(serialize(sel("up", { offset: 300000 }))).toBe("up offset 5m");
    expect(serialize(sel("up", { offset: -60000, timestamp: 1700000000123 }))).toBe("up @ 1700000000.123 offset -1m");
    expect(serialize(sel("up", { startOrEnd: "start" }))).toBe("up @ start()");
    expect(serialize(sel("up", { matchers: [{ name: "job", value: "n\\a", type: "!~" }, { name: "__name__", value: "up", type: "=" }] }))).toBe('up{job!~"n\\\\a"}');
    expect(serialize({ ...sel(""), matchers: [{ name: "job", value: "x", type: "=" }] })).toBe('{job="x"}');
    expect(serialize({ ...sel("up"), type: "matrixSelector", range: 3600000 })).toBe("up[1h]");
  });

  it("writes subqueries, calls, literals, parentheses and unary minus", () => {
    const sq: AstNode = { type: "subquery", expr: sel("x"), range: 600000, step: 0, offset: 0, timestamp: null, startOrEnd: "end" };
    expect(serialize(sq)).toBe("x[10m:] @ end()");
    expect(serialize({ ...sq, step: 15000, startOrEnd: null, offset: 86400000 })).toBe("x[10m:15s] offset 1d");
    expect(serialize({ type: "call", func: { name: "time" }, args: [] })).toBe("time()");
    expect(serialize({ type: "stringLiteral", val: 'a"b' })).toBe('"a\\"b"');
    expect(serialize({ type: "numberLiteral", val: "-Inf" })).toBe("-Inf");
    expect(serialize({ type: "unaryExpr", op: "-", expr: { type: "parenExpr", expr: sel("a") } })).toBe("-(a)");
    expect(serialize(null)).toBe("");
  });
});

describe("formatDuration and labelName", () => {
  it("writes durations as Prometheus does", () => {
    expect(formatDuration(0)).toBe("0s");
    expect(formatDuration(1)).toBe("1ms");
    expect(formatDuration(1500)).toBe("1s500ms");
    expect(formatDuration(90000)).toBe("1m30s");
    expect(formatDuration(5400000)).toBe("1h30m");
    expect(formatDuration(7 * 86400000)).toBe("1w");
    expect(formatDuration(366 * 86400000)).toBe("1y1d");
    expect(formatDuration(-300000)).toBe("-5m");
  });
  it("quotes label names that are not identifiers", () => {
    expect(labelName("job")).toBe("job");
    expect(labelName("a.b")).toBe('"a.b"');
  });
});

describe("the explain tree", () => {
  const root = cases.find((c) => c.expr.startsWith("sum by (mode)"))!;

  it("lists each node's computing children, looking through parentheses", () => {
    const kids = children(root.ast);
    expect(kids.map(serialize)).toEqual(["sum by (mode) (rate(node_cpu_seconds_total[5m]))", "count(node_cpu_seconds_total)"]);
    const hq = cases.find((c) => c.expr.startsWith("histogram_quantile"))!;
    expect(children(hq.ast).map(serialize)).toEqual(["sum by (le) (rate(h_bucket[5m]))"]);
    const paren = cases.find((c) => c.expr === "(a + b) * c")!;
    expect(children(paren.ast).map(serialize)).toEqual(["a + b", "c"]);
  });

  it("describes each node's kind", () => {
    expect(kind(root.ast)).toBe("binary operator / on() group_left");
    expect(kind(children(root.ast)[0])).toBe("aggregation sum by (mode)");
    expect(kind(children(children(root.ast)[0])[0])).toBe("function rate()");
    expect(kind(children(children(children(root.ast)[0])[0])[0])).toBe("range selector [5m]");
    expect(kind(children(root.ast)[1])).toBe("aggregation count");
    expect(kind(children(children(root.ast)[1])[0])).toBe("vector selector");
    expect(kind({ type: "numberLiteral", val: "1" })).toBe("number");
  });

  it("flattens depth first, the root keeping the user's text", () => {
    const rows = flatten(root.ast, "  " + root.expr + "\n");
    expect(rows.map((r) => [r.depth, r.key, r.text])).toEqual([
      [0, "0", root.expr],
      [1, "0.0", "sum by (mode) (rate(node_cpu_seconds_total[5m]))"],
      [2, "0.0.0", "rate(node_cpu_seconds_total[5m])"],
      [3, "0.0.0.0", "node_cpu_seconds_total[5m]"],
      [1, "0.1", "count(node_cpu_seconds_total)"],
      [2, "0.1.0", "node_cpu_seconds_total"],
    ]);
    expect(rows.map((r) => r.last)).toEqual([true, false, true, true, true, true]);
  });
});
