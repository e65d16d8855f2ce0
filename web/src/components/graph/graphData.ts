// The graph's pure parts: a range query's series turned into uPlot's aligned columns (one time column on the query's
// step grid, one value column per series, null where a series has no sample so the line breaks there), stacking,
// the samples that stand alone between gaps (drawn as dots, a line cannot show them), series names and the time
// labels of the x axis and the tooltip (24-hour clock, year-first dates, local time or UTC).

import type { Labels, RangeSeries } from "../../api";

/** uPlot's columns: x = the step grid (unix seconds), ys[i] = series i's values (null = no sample). */
export interface AlignedData {
  x: Float64Array;
  ys: (number | null)[][];
  /** Per series, the indexes of samples with no neighbour on either side (null when there are none). */
  isolated: (number[] | null)[];
}

const IDENT = /^[a-zA-Z_][a-zA-Z0-9_]*$/;
const METRIC = /^[a-zA-Z_:][a-zA-Z0-9_:]*$/;

/** A label value or a name that needs quoting, in PromQL's double-quoted form. */
export function quote(s: string): string {
  return JSON.stringify(s);
}

/** `name{a="b", c="d"}` as PromQL writes it (names that are not identifiers are quoted, as Prometheus 3 does). */
export function seriesName(metric: Labels): string {
  const name = metric.__name__;
  const parts: string[] = [];
  let head = "";
  if (name !== undefined) {
    if (METRIC.test(name)) head = name;
    else parts.push(quote(name));
  }
  for (const k of Object.keys(metric).sort()) {
    if (k === "__name__") continue;
    parts.push(`${IDENT.test(k) ? k : quote(k)}=${quote(metric[k])}`);
  }
  if (parts.length === 0) return head || "{}";
  return `${head}{${parts.join(", ")}}`;
}

/**
 * Names that keep only what tells the series apart: labels with the same value in every series are left out (the
 * tooltip is narrow; the legend shows the full names). A single series keeps its full name.
 */
export function distinguishingNames(metrics: Labels[]): string[] {
  if (metrics.length < 2) return metrics.map(seriesName);
  const common = new Map<string, string>(Object.entries(metrics[0]));
  for (let i = 1; i < metrics.length && common.size > 0; i++) {
    const m = metrics[i];
    for (const [k, v] of common) if (m[k] !== v) common.delete(k);
  }
  if (common.size === 0) return metrics.map(seriesName);
  return metrics.map((m) => {
    const rest: Labels = {};
    for (const k of Object.keys(m)) if (!common.has(k)) rest[k] = m[k];
    return seriesName(rest);
  });
}

/** Log-scale grid lines: only at powers of ten when there are at least two of them (else all, to keep some). */
export function logGridFilter(splits: number[]): (number | null)[] {
  const pow10 = (v: number) => v > 0 && Math.abs(Math.log10(v) - Math.round(Math.log10(v))) < 1e-9;
  let n = 0;
  for (const v of splits) if (pow10(v)) n++;
  return n >= 2 ? splits.map((v) => (pow10(v) ? v : null)) : splits;
}

/** The number of points on the grid start, start+step, ..., <= end (at least 1; capped so a bad step cannot hang). */
export function gridLength(start: number, end: number, step: number): number {
  if (!(step > 0) || !(end >= start)) return 1;
  return Math.min(Math.floor((end - start) / step + 1e-9) + 1, 1_000_000);
}

/**
 * Puts every series on the step grid from start to end. Samples that are NaN or ±Inf (and, on a log scale, zero or
 * negative) are left out: they become gaps, never a crash or a line to infinity. A sample off the grid goes to the
 * nearest grid point.
 */
export function alignSeries(series: RangeSeries[], start: number, end: number, step: number, logScale = false): AlignedData {
  const n = gridLength(start, end, step);
  const x = new Float64Array(n);
  for (let i = 0; i < n; i++) x[i] = start + i * step;
  const ys: (number | null)[][] = new Array(series.length);
  const isolated: (number[] | null)[] = new Array(series.length);
  const s = step > 0 ? step : 1;
  for (let j = 0; j < series.length; j++) {
    const col: (number | null)[] = new Array(n).fill(null);
    const values = series[j].values;
    if (values) {
      for (let k = 0; k < values.length; k++) {
        const p = values[k];
        const idx = Math.round((p[0] - start) / s);
        if (idx < 0 || idx >= n) continue;
        const v = +p[1];
        if (!Number.isFinite(v) || (logScale && v <= 0)) continue;
        col[idx] = v;
      }
    }
    ys[j] = col;
    isolated[j] = isolatedPoints(col);
  }
  return { x, ys, isolated };
}

/** The indexes of values with a gap (or the edge) on both sides: a line through them has no length. */
export function isolatedPoints(col: (number | null)[]): number[] | null {
  let out: number[] | null = null;
  const n = col.length;
  for (let i = 0; i < n; i++) {
    if (col[i] === null) continue;
    if ((i === 0 || col[i - 1] === null) && (i === n - 1 || col[i + 1] === null)) (out ??= []).push(i);
  }
  return out;
}

/**
 * Stacks the shown series in order: each shown column becomes the running total of itself and the shown columns
 * before it (a missing sample counts as 0 for those above, and stays a gap in its own line). Hidden columns are
 * returned unchanged (they are not drawn).
 */
export function stackColumns(ys: (number | null)[][], shown: boolean[]): (number | null)[][] {
  if (ys.length === 0) return [];
  const n = ys[0].length;
  const acc = new Float64Array(n);
  const out: (number | null)[][] = new Array(ys.length);
  for (let j = 0; j < ys.length; j++) {
    const col = ys[j];
    if (!shown[j]) {
      out[j] = col;
      continue;
    }
    const st: (number | null)[] = new Array(n);
    for (let i = 0; i < n; i++) {
      const v = col[i];
      if (v === null) st[i] = null;
      else st[i] = acc[i] += v;
    }
    out[j] = st;
  }
  return out;
}

/** For a stacked graph: which shown series lies directly below each one (-1 for the lowest), for uPlot's bands. */
export function stackBelow(shown: boolean[]): number[] {
  const below: number[] = new Array(shown.length).fill(-1);
  let last = -1;
  for (let j = 0; j < shown.length; j++) {
    if (!shown[j]) continue;
    below[j] = last;
    last = j;
  }
  return below;
}

// ---- time labels ----------------------------------------------------------------------------------------------

const pad = (n: number) => String(n).padStart(2, "0");

interface Parts {
  y: number;
  mo: number;
  d: number;
  h: number;
  mi: number;
  s: number;
}

function parts(t: number, utc: boolean): Parts {
  const d = new Date(t * 1000);
  return utc
    ? { y: d.getUTCFullYear(), mo: d.getUTCMonth() + 1, d: d.getUTCDate(), h: d.getUTCHours(), mi: d.getUTCMinutes(), s: d.getUTCSeconds() }
    : { y: d.getFullYear(), mo: d.getMonth() + 1, d: d.getDate(), h: d.getHours(), mi: d.getMinutes(), s: d.getSeconds() };
}

const date = (p: Parts) => `${p.y}-${pad(p.mo)}-${pad(p.d)}`;

/**
 * The x axis's labels for uPlot's tick positions (unix seconds) `incr` apart: HH:MM (HH:MM:SS below a minute), the
 * date under the first tick and under every tick where the day changes; only the date when ticks are a day or more
 * apart. 24-hour clock, year-first dates.
 */
export function formatTicks(splits: number[], incr: number, utc: boolean): string[] {
  let prevDay = "";
  return splits.map((t) => {
    const p = parts(t, utc);
    const day = date(p);
    if (incr >= 86400 - 1) {
      prevDay = day;
      return day;
    }
    const clock = incr < 60 ? `${pad(p.h)}:${pad(p.mi)}:${pad(p.s)}` : `${pad(p.h)}:${pad(p.mi)}`;
    const label = day !== prevDay ? `${clock}\n${day}` : clock;
    prevDay = day;
    return label;
  });
}

/** The tooltip's time: "2026-12-07 21:31:05" and the zone ("UTC" or the local offset, "+01:00"). */
export function formatInstant(t: number, utc: boolean): string {
  const p = parts(t, utc);
  const ms = Math.round((t % 1) * 1000);
  const clock = `${pad(p.h)}:${pad(p.mi)}:${pad(p.s)}${ms > 0 && ms < 1000 ? "." + String(ms).padStart(3, "0") : ""}`;
  let zone = "UTC";
  if (!utc) {
    const off = -new Date(t * 1000).getTimezoneOffset();
    const abs = Math.abs(off);
    zone = `${off >= 0 ? "+" : "-"}${pad(Math.floor(abs / 60))}:${pad(abs % 60)}`;
  }
  return `${date(p)} ${clock} ${zone}`;
}

// ---- colours --------------------------------------------------------------------------------------------------

/**
 * Sixteen distinct colours of middle lightness: each keeps at least about 3:1 contrast against both Mantine's white
 * and its dark body (#242424), so lines read in both themes. Series past sixteen reuse them in order.
 */
export const PALETTE = [
  "#3b7ddd", // blue
  "#e8590c", // orange
  "#2f9e44", // green
  "#e03131", // red
  "#9c36b5", // purple
  "#0c8599", // teal
  "#d6336c", // pink
  "#b08800", // dark yellow
  "#5c7cfa", // indigo
  "#74b816", // lime
  "#a0522d", // brown
  "#1098ad", // cyan
  "#f76707", // bright orange
  "#7048e8", // violet
  "#40c057", // light green
  "#868e96", // grey
];

export function seriesColor(i: number): string {
  return PALETTE[i % PALETTE.length];
}
