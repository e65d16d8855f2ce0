// The targets page's logic, kept free of React so it is unit-tested: URL state, filtering, grouping by scrape pool,
// the flat row list the virtual list renders, and the relative times and durations it shows.

import type { Labels, Target } from "../../api";

export type Health = "up" | "down" | "unknown";
export const healths: Health[] = ["up", "down", "unknown"];

/** What the user filters by; lives in the URL so a link reproduces the view. */
export interface TargetFilters {
  /** Health states shown; empty means all. */
  health: Health[];
  /** Scrape pools shown; empty means all. */
  pools: string[];
  /** Free text, matched case-insensitively against the endpoint, the labels and the last error. */
  text: string;
  /** Auto-refresh period in seconds; 0 is off. */
  refresh: number;
}

export const refreshChoices = [0, 5, 10, 30, 60];

/** Reads the filters from the URL's query (?health=up,down&pool=a&pool=b&q=text&refresh=10). */
export function parseFilters(q: URLSearchParams): TargetFilters {
  const health = (q.get("health") ?? "")
    .split(",")
    .map((h) => h.trim())
    .filter((h): h is Health => (healths as string[]).includes(h));
  const pools = q.getAll("pool").filter((p) => p !== "");
  const refresh = Number(q.get("refresh") ?? "0");
  return {
    health: [...new Set(health)],
    pools: [...new Set(pools)],
    text: q.get("q") ?? "",
    refresh: refreshChoices.includes(refresh) ? refresh : 0,
  };
}

/** Writes the filters back as a query; defaults are left out so a plain /targets stays plain. */
export function writeFilters(f: TargetFilters): URLSearchParams {
  const q = new URLSearchParams();
  if (f.health.length > 0) q.set("health", healths.filter((h) => f.health.includes(h)).join(","));
  for (const p of f.pools) q.append("pool", p);
  if (f.text !== "") q.set("q", f.text);
  if (f.refresh > 0) q.set("refresh", String(f.refresh));
  return q;
}

/** `name="value"` as Prometheus writes a label (quotes, backslashes and newlines escaped). */
export function formatLabel(name: string, value: string): string {
  if (!/["\\\n]/.test(value)) return `${name}="${value}"`;
  return `${name}="${value.replace(/\\/g, "\\\\").replace(/"/g, '\\"').replace(/\n/g, "\\n")}"`;
}

/** The labels in name order. */
export function sortedLabels(labels: Labels): [string, string][] {
  return Object.entries(labels).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
}

/** A target with what the page computes once per answer: a stable key and, when first filtered, its search text. */
export interface PreparedTarget {
  key: string;
  target: Target;
  /** Lower-cased endpoint, labels (name="value") and error for the free-text filter; built on first use. */
  haystack?: string;
  /** The last scrape as epoch milliseconds, or undefined when the target was never scraped. */
  lastScrapeMs: number | undefined;
}

/** Epoch milliseconds of an RFC 3339 time, or undefined for a missing or zero time ("never scraped"). */
export function parseScrapeTime(s: string): number | undefined {
  if (!s) return undefined;
  const ms = Date.parse(s);
  // Go's and .NET's zero times (year 1) and the epoch mean "not yet".
  if (!Number.isFinite(ms) || ms <= 0) return undefined;
  return ms;
}

/**
 * Keys and scrape times, the only per-target work done on load (10,000 targets: the label text the free-text filter
 * searches is built only when someone types).
 */
export function prepareTargets(targets: Target[]): PreparedTarget[] {
  const seen = new Map<string, number>();
  return targets.map((t) => {
    let key = `${t.scrapePool}\u0000${t.scrapeUrl}`;
    const n = seen.get(key) ?? 0;
    seen.set(key, n + 1);
    if (n > 0) key += `\u0000${n}`;
    return { key, target: t, lastScrapeMs: parseScrapeTime(t.lastScrape) };
  });
}

function haystackOf(p: PreparedTarget): string {
  if (p.haystack === undefined) {
    const t = p.target;
    let labels = "";
    for (const [n, v] of sortedLabels(t.labels)) labels += formatLabel(n, v) + ",";
    p.haystack = `${t.scrapeUrl}\n${labels}\n${t.lastError}`.toLowerCase();
  }
  return p.haystack;
}

/** The targets the filters let through, in their original order. */
export function filterTargets(targets: PreparedTarget[], f: TargetFilters): PreparedTarget[] {
  const words = f.text.toLowerCase().split(/\s+/).filter((w) => w !== "");
  const health = f.health.length > 0 ? new Set(f.health) : undefined;
  const pools = f.pools.length > 0 ? new Set(f.pools) : undefined;
  return targets.filter(
    (p) =>
      (!health || health.has(p.target.health)) &&
      (!pools || pools.has(p.target.scrapePool)) &&
      (words.length === 0 || words.every((w) => haystackOf(p).includes(w))),
  );
}

/** One scrape pool's targets with its health counts (of the targets shown). */
export interface PoolGroup {
  pool: string;
  targets: PreparedTarget[];
  up: number;
  down: number;
  unknown: number;
}

/** Groups targets by scrape pool, pools in name order, targets in their original order. */
export function groupByPool(targets: PreparedTarget[]): PoolGroup[] {
  const m = new Map<string, PoolGroup>();
  for (const p of targets) {
    let g = m.get(p.target.scrapePool);
    if (!g) {
      g = { pool: p.target.scrapePool, targets: [], up: 0, down: 0, unknown: 0 };
      m.set(g.pool, g);
    }
    g.targets.push(p);
    g[p.target.health]++;
  }
  return [...m.values()].sort((a, b) => (a.pool < b.pool ? -1 : a.pool > b.pool ? 1 : 0));
}

/** The colour of a pool's "N / M up": green when all are up, red when any is down, grey when some are not scraped yet. */
export function poolColor(g: { up: number; down: number; unknown: number }): "green" | "red" | "gray" | "yellow" {
  const total = g.up + g.down + g.unknown;
  if (total === 0) return "gray";
  if (g.up === total) return "green";
  if (g.down === total) return "red";
  if (g.down > 0) return "yellow";
  return "gray";
}

export function healthColor(h: Health): "green" | "red" | "gray" {
  return h === "up" ? "green" : h === "down" ? "red" : "gray";
}

/** A row of the virtual list: a pool's header or one of its targets. */
export type Row = { kind: "pool"; group: PoolGroup; collapsed: boolean } | { kind: "target"; item: PreparedTarget; pool: string };

/** The flat list the virtualiser renders: each pool's header, then its targets unless the pool is collapsed. */
export function buildRows(groups: PoolGroup[], collapsed: ReadonlySet<string>): Row[] {
  const rows: Row[] = [];
  for (const g of groups) {
    const c = collapsed.has(g.pool);
    rows.push({ kind: "pool", group: g, collapsed: c });
    if (!c) {
      for (const item of g.targets) rows.push({ kind: "target", item, pool: g.pool });
    }
  }
  return rows;
}

/** "0.4 s ago", "3.2 s ago", "42 s ago", "5 min ago", "3 h ago", "2 d ago"; "in the future" for clock skew. */
export function formatAgo(thenMs: number | undefined, nowMs: number): string {
  if (thenMs === undefined) return "never";
  const s = (nowMs - thenMs) / 1000;
  if (s < -1) return "in the future";
  if (s < 10) return `${Math.max(0, s).toFixed(1)} s ago`;
  if (s < 120) return `${Math.round(s)} s ago`;
  if (s < 7200) return `${Math.round(s / 60)} min ago`;
  if (s < 172800) return `${Math.round(s / 3600)} h ago`;
  return `${Math.round(s / 86400)} d ago`;
}

/** A scrape duration in seconds as people read it: "850 µs", "12.3 ms", "1.52 s". */
export function formatDuration(seconds: number): string {
  if (!Number.isFinite(seconds) || seconds < 0) return "–";
  if (seconds === 0) return "0 s";
  if (seconds < 0.001) return `${Math.round(seconds * 1e6)} µs`;
  if (seconds < 1) {
    const ms = seconds * 1000;
    return `${ms < 10 ? ms.toFixed(2) : ms < 100 ? ms.toFixed(1) : Math.round(ms)} ms`;
  }
  return `${seconds < 10 ? seconds.toFixed(2) : seconds.toFixed(1)} s`;
}
