// The query page's state in its URL, so that a link reproduces the view. The parameter names are Prometheus 3's
// (g<N>.expr, g<N>.tab, g<N>.range_input, g<N>.end_input, g<N>.moment_input, g<N>.res_type, g<N>.res_step,
// g<N>.res_density, g<N>.display_mode, g<N>.show_tree), so Prometheus links open here; Prometheus 2's values are
// understood too (g<N>.tab=0|1, g<N>.stacked=1, g<N>.step_input), so old bookmarks and Grafana's "Explore in
// Prometheus" links (/graph?g0.expr=up&g0.tab=1&g0.range_input=1h) open. Ariane's own additions: g<N>.log_scale=1,
// g<N>.utc=1, g<N>.unit=<unit> and g<N>.refresh=<duration>, written only when not the default.

import { autoStep, type Density, densityPoints, formatDuration, formatUrlTime, parseDuration, parseUrlTime } from "./duration";

export type Tab = "table" | "graph" | "explain";
export const tabs: Tab[] = ["table", "graph", "explain"];

export type Resolution =
  | { type: "auto"; density: Density }
  /** "fixed" (Prometheus 3's preset steps) and "custom" (a typed step) both mean: this step, in seconds. */
  | { type: "fixed" | "custom"; step: number };

export type DisplayMode = "lines" | "stacked";

/** The units the graph's axis and tooltip can format values in ("" is plain numbers with SI prefixes). */
export const units = ["", "bytes", "seconds", "percent", "percentunit"] as const;
export type Unit = (typeof units)[number];

/** The auto-refresh intervals offered, in seconds (0 is off). */
export const refreshIntervals = [0, 5, 10, 30, 60, 300];

export interface PanelState {
  /** The expression last executed (the editor may hold newer text until the user runs it). */
  expr: string;
  tab: Tab;
  /** Prometheus 3's tree view beside the result: here the explain tree above the table or graph. */
  showTree: boolean;
  /** Graph range in seconds. */
  range: number;
  /** Graph end in unix seconds; null is "now" (re-evaluated at every run). */
  end: number | null;
  /** Table evaluation time in unix seconds; null is "now". */
  moment: number | null;
  resolution: Resolution;
  displayMode: DisplayMode;
  logScale: boolean;
  utc: boolean;
  unit: Unit;
  /** Auto-refresh interval in seconds, 0 for off. */
  refresh: number;
}

export const defaultRange = 3600;

export function defaultPanel(expr = ""): PanelState {
  return {
    expr,
    tab: "table",
    showTree: false,
    range: defaultRange,
    end: null,
    moment: null,
    resolution: { type: "auto", density: "medium" },
    displayMode: "lines",
    logScale: false,
    utc: false,
    unit: "",
    refresh: 0,
  };
}

/** The panels a query string describes: every g<N> with a g<N>.expr, by N; one empty panel when there is none. */
export function parsePanels(search: string | URLSearchParams): PanelState[] {
  const params = typeof search === "string" ? new URLSearchParams(search) : search;
  const indexes = new Set<number>();
  for (const key of params.keys()) {
    const m = /^g(\d+)\.expr$/.exec(key);
    if (m) indexes.add(Number(m[1]));
  }
  const panels = [...indexes].sort((a, b) => a - b).map((i) => parsePanel(params, i));
  return panels.length > 0 ? panels : [defaultPanel()];
}

function parsePanel(params: URLSearchParams, i: number): PanelState {
  const get = (name: string) => params.get(`g${i}.${name}`) ?? undefined;
  const p = defaultPanel(get("expr") ?? "");

  switch (get("tab")) {
    case "0": // Prometheus 2
    case "graph":
      p.tab = "graph";
      break;
    case "1": // Prometheus 2
    case "table":
      p.tab = "table";
      break;
    case "explain":
      p.tab = "explain";
      break;
  }
  p.showTree = get("show_tree") === "1";

  const range = parseDuration(get("range_input") ?? "");
  if (range !== undefined) p.range = range;
  const end = parseUrlTime(get("end_input") ?? "");
  if (end !== undefined) p.end = end;
  const moment = parseUrlTime(get("moment_input") ?? "");
  if (moment !== undefined) p.moment = moment;

  // Prometheus 2's step_input first; Prometheus 3's res_* win when present.
  const legacyStep = positive(get("step_input"));
  if (legacyStep !== undefined) p.resolution = { type: "custom", step: legacyStep };
  const resType = get("res_type");
  if (resType === "auto") {
    const density = get("res_density") ?? "medium";
    if (density in densityPoints) p.resolution = { type: "auto", density: density as Density };
  } else if (resType === "fixed" || resType === "custom") {
    const step = positive(get("res_step"));
    if (step !== undefined) p.resolution = { type: resType, step };
  }

  if (get("stacked") === "1") p.displayMode = "stacked"; // Prometheus 2
  const mode = get("display_mode");
  if (mode === "lines" || mode === "stacked") p.displayMode = mode;

  p.logScale = get("log_scale") === "1";
  p.utc = get("utc") === "1";
  const unit = get("unit");
  if (unit !== undefined && (units as readonly string[]).includes(unit)) p.unit = unit as Unit;
  const refresh = parseDuration(get("refresh") ?? "");
  if (refresh !== undefined && refreshIntervals.includes(refresh)) p.refresh = refresh;
  return p;
}

/** A positive number from text ("15", "0.5"), else undefined. */
function positive(text: string | undefined): number | undefined {
  if (text === undefined || !/^\s*\d+(\.\d+)?\s*$/.test(text)) return undefined;
  const n = Number(text);
  return n > 0 ? n : undefined;
}

/** The query string (without "?") for these panels; parsePanels reads it back to the same panels. */
export function encodePanels(panels: PanelState[]): string {
  const params = new URLSearchParams();
  panels.forEach((p, i) => {
    const add = (name: string, value: string) => params.append(`g${i}.${name}`, value);
    add("expr", p.expr);
    add("show_tree", p.showTree ? "1" : "0");
    add("tab", p.tab);
    add("range_input", formatDuration(p.range));
    if (p.end !== null) add("end_input", formatUrlTime(p.end));
    if (p.moment !== null) add("moment_input", formatUrlTime(p.moment));
    if (p.resolution.type === "auto") {
      add("res_type", "auto");
      add("res_density", p.resolution.density);
    } else {
      add("res_type", p.resolution.type);
      add("res_step", String(p.resolution.step));
    }
    add("display_mode", p.displayMode);
    if (p.logScale) add("log_scale", "1");
    if (p.utc) add("utc", "1");
    if (p.unit !== "") add("unit", p.unit);
    if (p.refresh > 0) add("refresh", formatDuration(p.refresh));
  });
  return params.toString();
}

/**
 * Where a Prometheus 2 /graph link goes: /query with the same panels in Prometheus 3's names. Parameters that are not
 * panel parameters are dropped.
 */
export function graphRedirectTarget(search: string): string {
  const params = new URLSearchParams(search);
  const hasPanels = [...params.keys()].some((k) => /^g\d+\.expr$/.test(k));
  return hasPanels ? `/query?${encodePanels(parsePanels(params))}` : "/query";
}

/** The step a range query uses for this panel, in seconds. */
export function effectiveStep(p: PanelState): number {
  if (p.resolution.type === "auto") return autoStep(p.range, p.resolution.density);
  return p.resolution.step;
}
