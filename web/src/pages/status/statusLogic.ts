// Pure logic of the home and status pages: number, byte and duration formatting, retention arithmetic, the PromQL
// behind each cardinality row's link, scrape-error selection and flag filtering/sorting. No React here (Vitest tests
// it in node: statusLogic.test.ts).

import type { InstantSeries, Target, TsdbStatus, WalReplay } from "../../api";

const intFormat = new Intl.NumberFormat("en-US", { maximumFractionDigits: 0 });

/** 1234567 -> "1,234,567"; fractions keep `digits` decimals at most (0 by default). Not finite: as the API spells it. */
export function formatNumber(n: number, digits = 0): string {
  if (!Number.isFinite(n)) return Number.isNaN(n) ? "NaN" : n > 0 ? "+Inf" : "-Inf";
  if (digits === 0) return intFormat.format(n);
  return new Intl.NumberFormat("en-US", { maximumFractionDigits: digits }).format(n);
}

/** A per-second rate: one decimal below 100 (so 2.5/s is not shown as 3/s), whole numbers above. */
export function formatRate(perSecond: number): string {
  return `${formatNumber(perSecond, Math.abs(perSecond) < 100 ? 1 : 0)}/s`;
}

const byteUnits = ["B", "KiB", "MiB", "GiB", "TiB", "PiB", "EiB"];

/** Bytes in binary units with one decimal: 0 -> "0 B", 425569 -> "415.6 KiB". */
export function formatBytes(bytes: number): string {
  if (!Number.isFinite(bytes)) return String(bytes);
  let v = Math.abs(bytes);
  let u = 0;
  while (v >= 1024 && u < byteUnits.length - 1) {
    v /= 1024;
    u++;
  }
  const sign = bytes < 0 ? "-" : "";
  return u === 0 ? `${sign}${v} B` : `${sign}${formatNumber(v, 1)} ${byteUnits[u]}`;
}

const durationUnits: [string, number][] = [
  ["y", 365 * 86_400_000],
  ["w", 7 * 86_400_000],
  ["d", 86_400_000],
  ["h", 3_600_000],
  ["m", 60_000],
  ["s", 1000],
  ["ms", 1],
];

/**
 * A span for people: its two largest units, without weeks ("14d 23h", "2h 5m", "45s", "99y 364d"); below a second
 * "0s"; negative spans are shown as "0s" (retention left once exceeded is none, not negative).
 */
export function formatDuration(ms: number): string {
  if (!Number.isFinite(ms)) return "∞";
  const units = [durationUnits[0], ...durationUnits.slice(2, 6)]; // y, d, h, m, s
  let rest = Math.floor(Math.max(0, ms) / 1000) * 1000;
  const first = units.findIndex(([, size]) => rest >= size);
  if (first < 0) return "0s";
  const parts: string[] = [];
  for (const [unit, size] of units.slice(first, first + 2)) {
    const n = Math.floor(rest / size);
    rest -= n * size;
    if (n > 0) parts.push(`${n}${unit}`);
  }
  return parts.join(" ");
}

/** Prometheus duration text ("15d", "1h30m", "90d", "2w", "500ms") to milliseconds; undefined when not one. */
export function parsePromDuration(text: string): number | undefined {
  const s = text.trim();
  if (s === "0") return 0;
  if (s === "") return undefined;
  const re = /(\d+)(ms|y|w|d|h|m|s)/y;
  let total = 0;
  let i = 0;
  while (i < s.length) {
    re.lastIndex = i;
    const m = re.exec(s);
    if (!m) return undefined;
    total += Number(m[1]) * durationUnits.find(([u]) => u === m[2])![1];
    i = re.lastIndex;
  }
  return total;
}

const sizeUnits: [string, number][] = [
  ["KiB", 2 ** 10],
  ["MiB", 2 ** 20],
  ["GiB", 2 ** 30],
  ["TiB", 2 ** 40],
  ["PiB", 2 ** 50],
  ["EiB", 2 ** 60],
  ["KB", 2 ** 10],
  ["MB", 2 ** 20],
  ["GB", 2 ** 30],
  ["TB", 2 ** 40],
  ["PB", 2 ** 50],
  ["EB", 2 ** 60],
  ["B", 1],
];

/** A size as the server prints it ("10GiB", "512MB" — Prometheus's units are all powers of 1024) to bytes. */
export function parseByteSize(text: string): number | undefined {
  const s = text.trim();
  if (s === "0") return 0;
  const re = /(\d+(?:\.\d+)?)([A-Za-z]+)/y;
  let total = 0;
  let i = 0;
  if (s === "") return undefined;
  while (i < s.length) {
    re.lastIndex = i;
    const m = re.exec(s);
    if (!m) return undefined;
    const unit = sizeUnits.find(([u]) => u === m[2]);
    if (!unit) return undefined;
    total += Number(m[1]) * unit[1];
    i = re.lastIndex;
  }
  return total;
}

export interface Retention {
  /** The time limit in milliseconds, when one is set. */
  timeMs?: number;
  /** The size limit in bytes, when one is set. */
  bytes?: number;
}

/** runtimeinfo's storageRetention: "15d", "15d or 10GiB", "10GiB" or "" (no limit). */
export function parseRetention(text: string): Retention {
  const r: Retention = {};
  for (const part of text.split(" or ")) {
    const p = part.trim();
    if (p === "") continue;
    const t = parsePromDuration(p);
    if (t !== undefined) {
      r.timeMs = t;
      continue;
    }
    const b = parseByteSize(p);
    if (b !== undefined) r.bytes = b;
  }
  return r;
}

/** What the server stores (from /api/v1/status/tsdb): the oldest and newest sample times (ms) and bytes on disk. */
export interface Stored {
  oldestMs?: number;
  newestMs?: number;
  bytes: number;
  blockBytes: number;
  walBytes: number;
}

/** A head or block time that is a real time (the head's bounds are ±2^63 sentinels while it is empty). */
const realTime = (t: number | undefined) => t !== undefined && Number.isFinite(t) && Math.abs(t) < 1e15;

/** The oldest/newest times over the head and the on-disk blocks, and storage used (blocks + WAL). */
export function storedFromTsdb(t: TsdbStatus): Stored {
  const times: number[] = [];
  if (t.headStats.numSeries > 0) {
    if (realTime(t.headStats.minTime)) times.push(t.headStats.minTime);
    if (realTime(t.headStats.maxTime)) times.push(t.headStats.maxTime);
  }
  const b = t.blockStats;
  if (b && b.numBlocks > 0) {
    if (realTime(b.minTime)) times.push(b.minTime);
    if (realTime(b.maxTime)) times.push(b.maxTime);
  }
  const blockBytes = b?.bytes ?? 0;
  const walBytes = b?.walBytes ?? 0;
  return {
    oldestMs: times.length ? Math.min(...times) : undefined,
    newestMs: times.length ? Math.max(...times) : undefined,
    bytes: blockBytes + walBytes,
    blockBytes,
    walBytes,
  };
}

export interface RetentionLeft {
  /** How far back the data reaches (now − oldest sample), when anything is stored. */
  spanMs?: number;
  /** Time until the oldest data reaches the time limit (retention − span; 0 once reached). */
  timeLeftMs?: number;
  /** span / retention, 0..1. */
  timeUsed?: number;
  /** Bytes below the size limit (0 once reached). */
  bytesLeft?: number;
  /** used bytes / size limit, 0..1. */
  bytesUsed?: number;
}

/**
 * The retention left: the configured limits against what is stored. Time: the time limit minus how far back the
 * oldest stored sample is (until then nothing is deleted for age). Size: the size limit minus blocks + WAL bytes.
 */
export function retentionLeft(r: Retention, s: Stored, nowMs: number): RetentionLeft {
  const out: RetentionLeft = {};
  if (s.oldestMs !== undefined) out.spanMs = Math.max(0, nowMs - s.oldestMs);
  if (r.timeMs !== undefined && r.timeMs > 0) {
    const span = out.spanMs ?? 0;
    out.timeLeftMs = Math.max(0, r.timeMs - span);
    out.timeUsed = Math.min(1, span / r.timeMs);
  }
  if (r.bytes !== undefined && r.bytes > 0) {
    out.bytesLeft = Math.max(0, r.bytes - s.bytes);
    out.bytesUsed = Math.min(1, s.bytes / r.bytes);
  }
  return out;
}

/** The targets whose last scrape failed, newest failure first, at most `n`. */
export function recentScrapeErrors(targets: Target[], n: number): Target[] {
  return targets
    .filter((t) => (t.lastError ?? "") !== "")
    .sort((a, b) => Date.parse(b.lastScrape) - Date.parse(a.lastScrape) || a.scrapeUrl.localeCompare(b.scrapeUrl))
    .slice(0, n);
}

export interface JobHealth {
  job: string;
  up: number;
  down: number;
  unknown: number;
}

/** Up, down and not-yet-scraped targets per scrape pool (job), by name. */
export function healthByJob(targets: Target[]): JobHealth[] {
  const jobs = new Map<string, JobHealth>();
  for (const t of targets) {
    const j = jobs.get(t.scrapePool) ?? { job: t.scrapePool, up: 0, down: 0, unknown: 0 };
    j[t.health]++;
    jobs.set(t.scrapePool, j);
  }
  return [...jobs.values()].sort((a, b) => a.job.localeCompare(b.job));
}

/** The query page showing `expr` (Prometheus 3's URL parameters), in the table or graph tab. */
export function queryUrl(expr: string, tab: "table" | "graph" = "table"): string {
  return "/query?" + new URLSearchParams({ "g0.expr": expr, "g0.tab": tab }).toString();
}

/** A label value as a PromQL string literal (backslash, quote and newline escaped). */
export function promString(value: string): string {
  return `"${value.replace(/\\/g, "\\\\").replace(/"/g, '\\"').replace(/\n/g, "\\n")}"`;
}

/** "instance=127.0.0.1:9912" (the tsdb status' label pair) -> ["instance", "127.0.0.1:9912"]. Names hold no "=". */
export function splitLabelPair(pair: string): [string, string] {
  const i = pair.indexOf("=");
  return i < 0 ? [pair, ""] : [pair.slice(0, i), pair.slice(i + 1)];
}

/** The query behind each cardinality table's rows: what the row counts, shown on the query page. */
export const cardinalityQuery = {
  /** A metric's series count. */
  metric: (name: string) => `count({__name__=${promString(name)}})`,
  /** A label name's values, each with its series count. */
  labelName: (name: string) => `count by (${name}) ({${name}!=""})`,
  /** The metrics a label pair is on, each with its series count. */
  labelPair: (pair: string) => {
    const [name, value] = splitLabelPair(pair);
    return `count by (__name__) ({${name}=${promString(value)}})`;
  },
  /** A job's metrics, each with its series count ("" is the series without a job label). */
  job: (job: string) =>
    job === "" ? `count by (__name__) ({job="", __name__=~".+"})` : `count by (__name__) ({job=${promString(job)}})`,
  /** Series per job. */
  perJob: `count by (job) ({__name__=~".+"})`,
};

/** A row's share of a total as a percentage, 0..100 (0 when the total is not positive). */
export function share(value: number, total: number): number {
  if (!(total > 0)) return 0;
  return Math.max(0, Math.min(100, (value / total) * 100));
}

/** A percentage for a table cell, always one decimal so a column lines up: "82.2%", "9.0%", "<0.1%" for tiny shares. */
export function formatShare(pct: number): string {
  if (pct > 0 && pct < 0.1) return "<0.1%";
  return `${pct.toFixed(1)}%`;
}

/** The limits the cardinality page offers, and the one in its URL (?limit=), 10 when absent or not offered. */
export const tsdbLimits = [10, 20, 50, 100] as const;
export function parseLimit(search: string): number {
  const v = Number(new URLSearchParams(search).get("limit"));
  return (tsdbLimits as readonly number[]).includes(v) ? v : 10;
}

/** Series count per job from an instant vector `count by (job) (...)`, most series first. */
export function seriesPerJob(result: InstantSeries[]): { job: string; series: number }[] {
  return result
    .map((s) => ({ job: s.metric.job ?? "", series: Number(s.value?.[1] ?? 0) }))
    .sort((a, b) => b.series - a.series || a.job.localeCompare(b.job));
}

/**
 * This server's value among a self-metric's series (Ariane may scrape several Ariane servers): the series whose
 * instance is the browser's host, else the only one; undefined when there is none or it is ambiguous.
 */
export function pickSelf(result: InstantSeries[], host: string): InstantSeries | undefined {
  if (result.length === 1) return result[0];
  return result.find((s) => s.metric.instance === host);
}

/** WAL replay progress for people: done, or "segment current of min..max". */
export function walReplayText(w: WalReplay): string {
  if (w.max <= 0 || w.current >= w.max) return "done";
  return `in progress: segment ${w.current} of ${w.min}–${w.max}`;
}

export type SortKey = "name" | "value";
export type SortDir = "asc" | "desc";

/** Flags whose name or value contains the text (case-insensitive), sorted by name or value. */
export function filterSortFlags(
  flags: Record<string, string>,
  text: string,
  key: SortKey,
  dir: SortDir,
): [string, string][] {
  const q = text.trim().toLowerCase();
  const rows = Object.entries(flags).filter(
    ([k, v]) => q === "" || k.toLowerCase().includes(q) || v.toLowerCase().includes(q),
  );
  const i = key === "name" ? 0 : 1;
  rows.sort((a, b) => a[i].localeCompare(b[i], "en", { numeric: true }) || a[0].localeCompare(b[0]));
  if (dir === "desc") rows.reverse();
  return rows;
}
