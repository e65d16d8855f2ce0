// A PromQL syntax tree (the JSON /api/v1/parse_query answers, Prometheus 3's shape) written back as PromQL text, and
// the tree's parts the explain view shows: each node's children and a short description of its kind.
//
// Node shapes (see src/Ariane.Server/Api/V1/ParseQueryApi.cs):
//   aggregation  {op, expr, param, grouping[], without}
//   binaryExpr   {op, lhs, rhs, matching: null | {card, labels[], on, include[], fillValues: {lhs, rhs}}, bool}
//   call         {func: {name, ...}, args[]}
//   vectorSelector / matrixSelector {name, range?, offset (ms), matchers[{name, value, type}], timestamp (ms) | null,
//                                     startOrEnd: "start" | "end" | null, anchored, smoothed}
//   subquery     {expr, range, offset, step (ms), timestamp, startOrEnd}
//   numberLiteral {val (text)}, stringLiteral {val}, parenExpr {expr}, unaryExpr {op, expr}, durationExpr {text}

import type { AstNode } from "../../api";

interface Matcher {
  name: string;
  value: string;
  type: string;
}

interface Matching {
  card: string;
  labels: string[];
  on: boolean;
  include: string[];
  fillValues?: { lhs: number | null; rhs: number | null };
}

const IDENT = /^[a-zA-Z_][a-zA-Z0-9_]*$/;
const METRIC = /^[a-zA-Z_:][a-zA-Z0-9_:]*$/;

/** A PromQL double-quoted string. */
export function quoteString(s: string): string {
  return JSON.stringify(s);
}

/** A label name as PromQL writes it: bare when it is an identifier, else quoted (Prometheus 3's UTF-8 names). */
export function labelName(s: string): string {
  return IDENT.test(s) ? s : quoteString(s);
}

const UNITS: [string, number][] = [
  ["y", 365 * 24 * 3600 * 1000],
  ["w", 7 * 24 * 3600 * 1000],
  ["d", 24 * 3600 * 1000],
  ["h", 3600 * 1000],
  ["m", 60 * 1000],
  ["s", 1000],
  ["ms", 1],
];

/** Milliseconds as a PromQL duration: 5400000 = "1h30m", 0 = "0s", -300000 = "-5m". */
export function formatDuration(ms: number): string {
  if (ms === 0) return "0s";
  if (ms < 0) return "-" + formatDuration(-ms);
  let rest = Math.round(ms);
  let out = "";
  for (const [u, size] of UNITS) {
    if (rest >= size) {
      const n = Math.floor(rest / size);
      out += n + u;
      rest -= n * size;
    }
  }
  return out;
}

/** The "@ ..." modifier's time: unix seconds with the milliseconds when there are any. */
function atTime(ms: number): string {
  const s = ms / 1000;
  return Number.isInteger(s) ? String(s) : s.toFixed(3).replace(/0+$/, "");
}

function modifiers(n: AstNode): string {
  let out = "";
  const ts = n.timestamp as number | null | undefined;
  const soe = n.startOrEnd as string | null | undefined;
  if (ts !== null && ts !== undefined) out += ` @ ${atTime(ts)}`;
  else if (soe === "start" || soe === "end") out += ` @ ${soe}()`;
  const off = (n.offset as number | undefined) ?? 0;
  if (off !== 0) out += ` offset ${formatDuration(off)}`;
  return out;
}

function selector(n: AstNode): string {
  const name = (n.name as string) ?? "";
  const matchers = ((n.matchers as Matcher[]) ?? []).filter(
    (m) => !(name !== "" && m.name === "__name__" && m.type === "=" && m.value === name),
  );
  const inner = matchers.map((m) => `${labelName(m.name)}${m.type}${quoteString(m.value)}`).join(", ");
  let head = name;
  if (name !== "" && !METRIC.test(name)) {
    // A UTF-8 metric name goes inside the braces, quoted.
    return `{${[quoteString(name), ...(inner ? [inner] : [])].join(", ")}}`;
  }
  if (inner !== "" || head === "") head += `{${inner}}`;
  return head;
}

function number(val: string): string {
  if (val === "+Inf") return "Inf";
  return val;
}

function fill(v: number): string {
  return Number.isFinite(v) ? String(v) : v > 0 ? "Inf" : v < 0 ? "-Inf" : "NaN";
}

/** The modifiers between a binary operator and its right-hand side: " bool on(a) group_left(b) fill(0)". */
export function binaryModifiers(n: AstNode): string {
  let out = n.bool ? " bool" : "";
  const m = n.matching as Matching | null | undefined;
  if (!m) return out;
  const labels = (m.labels ?? []).map(labelName).join(", ");
  const grouped = m.card === "many-to-one" || m.card === "one-to-many";
  if (m.on) out += ` on(${labels})`;
  else if (labels !== "" || grouped) out += ` ignoring(${labels})`;
  if (grouped) {
    out += m.card === "many-to-one" ? " group_left" : " group_right";
    if (m.include && m.include.length > 0) out += `(${m.include.map(labelName).join(", ")})`;
  }
  const f = m.fillValues;
  if (f) {
    if (f.lhs !== null && f.lhs !== undefined && f.rhs !== null && f.rhs !== undefined && Object.is(f.lhs, f.rhs)) {
      out += ` fill(${fill(f.lhs)})`;
    } else {
      if (f.lhs !== null && f.lhs !== undefined) out += ` fill_left(${fill(f.lhs)})`;
      if (f.rhs !== null && f.rhs !== undefined) out += ` fill_right(${fill(f.rhs)})`;
    }
  }
  return out;
}

function grouping(n: AstNode): string {
  const g = ((n.grouping as string[]) ?? []).map(labelName).join(", ");
  if (n.without) return ` without (${g})`;
  if (g !== "") return ` by (${g})`;
  return "";
}

/** The node as PromQL text that parses back to the same tree. */
export function serialize(n: AstNode | null | undefined): string {
  if (!n) return "";
  switch (n.type) {
    case "aggregation": {
      const param = n.param as AstNode | null;
      const args = (param ? serialize(param) + ", " : "") + serialize(n.expr as AstNode);
      const g = grouping(n);
      return g ? `${n.op}${g} (${args})` : `${n.op}(${args})`;
    }
    case "binaryExpr":
      return `${serialize(n.lhs as AstNode)} ${n.op}${binaryModifiers(n)} ${serialize(n.rhs as AstNode)}`;
    case "call": {
      const f = n.func as { name: string };
      return `${f.name}(${((n.args as AstNode[]) ?? []).map(serialize).join(", ")})`;
    }
    case "vectorSelector":
      return selector(n) + (n.anchored ? " anchored" : "") + (n.smoothed ? " smoothed" : "") + modifiers(n);
    case "matrixSelector":
      return (
        `${selector(n)}[${formatDuration(n.range as number)}]` +
        (n.anchored ? " anchored" : "") +
        (n.smoothed ? " smoothed" : "") +
        modifiers(n)
      );
    case "subquery": {
      const step = n.step as number;
      return `${serialize(n.expr as AstNode)}[${formatDuration(n.range as number)}:${step ? formatDuration(step) : ""}]${modifiers(n)}`;
    }
    case "numberLiteral":
      return number(String(n.val));
    case "stringLiteral":
      return quoteString(String(n.val));
    case "parenExpr":
      return `(${serialize(n.expr as AstNode)})`;
    case "unaryExpr":
      return `${n.op}${serialize(n.expr as AstNode)}`;
    case "durationExpr":
      return String(n.text ?? "");
    default:
      return `<unknown node ${String(n.type)}>`;
  }
}

const isLiteral = (n: AstNode | null | undefined) => !!n && (n.type === "numberLiteral" || n.type === "stringLiteral");

/** Parentheses only group: the explain tree shows what they contain instead. */
export function unwrapParens(n: AstNode): AstNode {
  let cur = n;
  while (cur.type === "parenExpr" && cur.expr) cur = cur.expr as AstNode;
  return cur;
}

/**
 * The nodes the explain tree shows under this one: operands and arguments that compute something (number and string
 * literals stay in the parent's text; parentheses are looked through).
 */
export function children(n: AstNode): AstNode[] {
  let out: (AstNode | null | undefined)[] = [];
  switch (n.type) {
    case "aggregation":
      out = [isLiteral(n.param as AstNode) ? null : (n.param as AstNode), n.expr as AstNode];
      break;
    case "binaryExpr":
      out = [n.lhs as AstNode, n.rhs as AstNode];
      break;
    case "call":
      out = ((n.args as AstNode[]) ?? []).filter((a) => !isLiteral(a));
      break;
    case "subquery":
    case "parenExpr":
    case "unaryExpr":
      out = [n.expr as AstNode];
      break;
  }
  return out.filter((c): c is AstNode => !!c).map(unwrapParens);
}

/** What kind of node this is, in words: "aggregation sum by (job)", "binary operator / on() group_left". */
export function describe(n: AstNode): string {
  switch (n.type) {
    case "aggregation":
      return `aggregation ${n.op}${grouping(n)}`;
    case "binaryExpr":
      return `binary operator ${n.op}${binaryModifiers(n)}`;
    case "call":
      return `function ${(n.func as { name: string }).name}()`;
    case "vectorSelector":
      return "vector selector";
    case "matrixSelector":
      return `range selector [${formatDuration(n.range as number)}]`;
    case "subquery":
      return `subquery [${formatDuration(n.range as number)}:${n.step ? formatDuration(n.step as number) : ""}]`;
    case "numberLiteral":
      return "number";
    case "stringLiteral":
      return "string";
    case "parenExpr":
      return "parentheses";
    case "unaryExpr":
      return `unary ${n.op}`;
    default:
      return String(n.type);
  }
}

/** One row of the explain tree: a node with its text, its depth and its place (a stable key), in display order. */
export interface TreeRow {
  key: string;
  depth: number;
  node: AstNode;
  text: string;
  kind: string;
  /** The last child of its parent (the tree's connector lines end here). */
  last: boolean;
}

/** The tree flattened in display order (depth first), the root's text being the expression as the user wrote it. */
export function flatten(root: AstNode, rootText?: string): TreeRow[] {
  const rows: TreeRow[] = [];
  const walk = (n: AstNode, depth: number, key: string, last: boolean, text?: string) => {
    rows.push({ key, depth, node: n, text: text ?? serialize(n), kind: describe(n), last });
    const kids = children(n);
    kids.forEach((c, i) => walk(c, depth + 1, `${key}.${i}`, i === kids.length - 1));
  };
  walk(unwrapParens(root), 0, "0", true, root.type === "parenExpr" ? undefined : rootText?.trim() || undefined);
  return rows;
}
