// The service-discovery page's logic, free of React: every discovered target of every pool (kept or dropped), the
// URL filters, grouping, and what each relabel step changed.

import type { Labels, RelabelRule, RelabelStep, Targets } from "../../api";
import { formatLabel, sortedLabels } from "../targets/targetsModel";

export type Show = "all" | "active" | "dropped";

export interface SdFilters {
  pools: string[];
  text: string;
  show: Show;
}

export function parseSdFilters(q: URLSearchParams): SdFilters {
  const show = q.get("show");
  return {
    pools: [...new Set(q.getAll("pool").filter((p) => p !== ""))],
    text: q.get("q") ?? "",
    show: show === "active" || show === "dropped" ? show : "all",
  };
}

export function writeSdFilters(f: SdFilters): URLSearchParams {
  const q = new URLSearchParams();
  for (const p of f.pools) q.append("pool", p);
  if (f.text !== "") q.set("q", f.text);
  if (f.show !== "all") q.set("show", f.show);
  return q;
}

/** One discovered target: its labels before relabelling and after (undefined when relabelling dropped it). */
export interface SdEntry {
  key: string;
  pool: string;
  discovered: Labels;
  labels: Labels | undefined;
  /** Lower-cased label text for the free-text filter; built on first use. */
  haystack?: string;
}

const labelText = (l: Labels) => {
  let s = "";
  for (const [n, v] of sortedLabels(l)) s += formatLabel(n, v) + ",";
  return s;
};

/** Active and dropped targets, in the API's order; only keys are computed on load. */
export function prepareSd(t: Targets): SdEntry[] {
  const out: SdEntry[] = [];
  const seen = new Map<string, number>();
  const add = (pool: string, discovered: Labels, labels: Labels | undefined) => {
    let key = `${pool}\u0000${discovered.__address__ ?? ""}\u0000${labels ? "active" : "dropped"}`;
    const n = seen.get(key) ?? 0;
    seen.set(key, n + 1);
    if (n > 0) key += `\u0000${n}`;
    out.push({ key, pool, discovered, labels });
  };
  for (const a of t.activeTargets) add(a.scrapePool, a.discoveredLabels, a.labels);
  for (const d of t.droppedTargets) add(d.scrapePool ?? d.discoveredLabels.job ?? "", d.discoveredLabels, undefined);
  return out;
}

function haystackOf(e: SdEntry): string {
  if (e.haystack === undefined) {
    e.haystack = `${labelText(e.discovered)}\n${e.labels ? labelText(e.labels) : ""}`.toLowerCase();
  }
  return e.haystack;
}

export function filterSd(entries: SdEntry[], f: SdFilters): SdEntry[] {
  const words = f.text.toLowerCase().split(/\s+/).filter((w) => w !== "");
  const pools = f.pools.length > 0 ? new Set(f.pools) : undefined;
  return entries.filter(
    (e) =>
      (!pools || pools.has(e.pool)) &&
      (f.show === "all" || (f.show === "active") === (e.labels !== undefined)) &&
      (words.length === 0 || words.every((w) => haystackOf(e).includes(w))),
  );
}

export interface SdGroup {
  pool: string;
  entries: SdEntry[];
  active: number;
  dropped: number;
}

/** Groups by pool in name order, the active targets before the dropped ones. */
export function groupSd(entries: SdEntry[]): SdGroup[] {
  const m = new Map<string, SdGroup>();
  for (const e of entries) {
    let g = m.get(e.pool);
    if (!g) {
      g = { pool: e.pool, entries: [], active: 0, dropped: 0 };
      m.set(e.pool, g);
    }
    g.entries.push(e);
    if (e.labels) g.active++;
    else g.dropped++;
  }
  for (const g of m.values()) g.entries.sort((a, b) => Number(a.labels === undefined) - Number(b.labels === undefined));
  return [...m.values()].sort((a, b) => (a.pool < b.pool ? -1 : a.pool > b.pool ? 1 : 0));
}

export type SdRow = { kind: "pool"; group: SdGroup; collapsed: boolean } | { kind: "entry"; entry: SdEntry };

export function buildSdRows(groups: SdGroup[], collapsed: ReadonlySet<string>): SdRow[] {
  const rows: SdRow[] = [];
  for (const g of groups) {
    const c = collapsed.has(g.pool);
    rows.push({ kind: "pool", group: g, collapsed: c });
    if (!c) for (const entry of g.entries) rows.push({ kind: "entry", entry });
  }
  return rows;
}

/** What a step changed: labels it set (new or with a new value) and labels it removed, with their old values. */
export function stepDiff(before: Labels, after: Labels): { changed: Set<string>; removed: Labels } {
  const changed = new Set<string>();
  const removed: Labels = {};
  for (const [n, v] of Object.entries(after)) if (before[n] !== v) changed.add(n);
  for (const [n, v] of Object.entries(before)) if (!(n in after)) removed[n] = v;
  return { changed, removed };
}

/** The fields of a rule that matter for its action, as [YAML name, value] (Prometheus's defaults left out). */
export function ruleFields(rule: RelabelRule): [string, string][] {
  const action = (rule.action ?? "replace").toLowerCase();
  const uses: Record<string, string[]> = {
    replace: ["source_labels", "separator", "regex", "target_label", "replacement"],
    keep: ["source_labels", "separator", "regex"],
    drop: ["source_labels", "separator", "regex"],
    keepequal: ["source_labels", "separator", "target_label"],
    dropequal: ["source_labels", "separator", "target_label"],
    hashmod: ["source_labels", "separator", "modulus", "target_label"],
    labelmap: ["regex", "replacement"],
    labeldrop: ["regex"],
    labelkeep: ["regex"],
    lowercase: ["source_labels", "separator", "target_label"],
    uppercase: ["source_labels", "separator", "target_label"],
  };
  const out: [string, string][] = [];
  for (const f of uses[action] ?? ["source_labels", "separator", "regex", "modulus", "target_label", "replacement"]) {
    switch (f) {
      case "source_labels":
        if (rule.source_labels && rule.source_labels.length > 0) out.push([f, `[${rule.source_labels.join(", ")}]`]);
        break;
      case "separator":
        if (rule.separator !== undefined && rule.separator !== ";" && (rule.source_labels?.length ?? 0) > 1)
          out.push([f, JSON.stringify(rule.separator)]);
        break;
      case "modulus":
        if (rule.modulus !== undefined) out.push([f, String(rule.modulus)]);
        break;
      default: {
        const v = rule[f as "regex" | "target_label" | "replacement"];
        if (v !== undefined && v !== "") out.push([f, v]);
      }
    }
  }
  return out;
}

/** The index of the step that dropped the target, or -1 when every step kept it. */
export function droppingStep(steps: RelabelStep[]): number {
  return steps.findIndex((s) => !s.keep);
}
