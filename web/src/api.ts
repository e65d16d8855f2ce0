// The one typed client of Ariane's public HTTP API (Prometheus's /api/v1 shapes). Every page goes through it; a page
// that needs an endpoint not listed here adds it here, with its answer's type.

export interface ApiSuccess<T> {
  status: "success";
  data: T;
  warnings?: string[];
  infos?: string[];
}

export interface ApiFailure {
  status: "error";
  errorType: string;
  error: string;
}

/** An API answer that was not a success: the server's error type and message, or the HTTP status. */
export class ApiError extends Error {
  constructor(
    message: string,
    readonly errorType: string,
    readonly status: number,
  ) {
    super(message);
  }
}

export type Labels = Record<string, string>;

export interface BuildInfo {
  version: string;
  revision: string;
  branch: string;
  buildUser: string;
  buildDate: string;
  goVersion: string;
}

export interface RuntimeInfo {
  startTime: string;
  CWD: string;
  reloadConfigSuccess: boolean;
  lastConfigTime: string;
  corruptionCount?: number;
  goroutineCount?: number;
  GOMAXPROCS?: number;
  GOMEMLIMIT?: number;
  GOGC?: string;
  GODEBUG?: string;
  storageRetention: string;
}

export interface Target {
  discoveredLabels: Labels;
  labels: Labels;
  scrapePool: string;
  scrapeUrl: string;
  globalUrl?: string;
  lastError: string;
  lastScrape: string;
  lastScrapeDuration: number;
  health: "up" | "down" | "unknown";
  scrapeInterval?: string;
  scrapeTimeout?: string;
}

export interface DroppedTarget {
  discoveredLabels: Labels;
  scrapePool?: string;
}

export interface Targets {
  activeTargets: Target[];
  droppedTargets: DroppedTarget[];
  droppedTargetCounts?: Record<string, number>;
}

/** One sample: [unix seconds, value as text] (values such as "NaN" and "+Inf" stay exact). */
export type SamplePair = [number, string];

export interface HistogramBucket {
  0: number; // boundary rule: 0 open left, 1 open right, 2 open both, 3 closed both
  1: string; // lower
  2: string; // upper
  3: string; // count
}

export interface NativeHistogram {
  count: string;
  sum: string;
  buckets?: HistogramBucket[];
}

export interface InstantSeries {
  metric: Labels;
  value?: SamplePair;
  histogram?: [number, NativeHistogram];
}

export interface RangeSeries {
  metric: Labels;
  values?: SamplePair[];
  histograms?: [number, NativeHistogram][];
}

export type QueryData =
  | { resultType: "vector"; result: InstantSeries[] }
  | { resultType: "matrix"; result: RangeSeries[] }
  | { resultType: "scalar"; result: SamplePair }
  | { resultType: "string"; result: SamplePair };

/** A query answer with the server's warnings and infos kept (the query page shows them). */
export interface QueryAnswer<T> {
  data: T;
  warnings: string[];
  infos: string[];
}

export interface MetricMetadata {
  type: string;
  help: string;
  unit: string;
}

export interface TsdbStat {
  name: string;
  value: number;
}

export interface TsdbStatus {
  headStats: {
    numSeries: number;
    numLabelPairs: number;
    chunkCount: number;
    minTime: number;
    maxTime: number;
  };
  seriesCountByMetricName: TsdbStat[];
  labelValueCountByLabelName: TsdbStat[];
  memoryInBytesByLabelName: TsdbStat[];
  seriesCountByLabelValuePair: TsdbStat[];
  /** Ariane's addition: the on-disk blocks (times in ms) and the WAL's size. */
  blockStats?: {
    numBlocks: number;
    bytes: number;
    numSamples: number;
    minTime: number;
    maxTime: number;
    walBytes: number;
  };
  /** Ariane's addition: damaged blocks moved aside at start-up and not served. */
  quarantinedBlocks?: { ulid: string; path: string; reason: string }[];
}

export interface WalReplay {
  min: number;
  max: number;
  current: number;
}

/** The syntax tree /api/v1/parse_query answers (Prometheus 3's shape); each node has a "type". */
export interface AstNode {
  type: string;
  [key: string]: unknown;
}

const json = { Accept: "application/json" };

async function request<T>(path: string, init: RequestInit): Promise<ApiSuccess<T>> {
  const r = await fetch(path, init);
  let body: ApiSuccess<T> | ApiFailure;
  try {
    body = (await r.json()) as ApiSuccess<T> | ApiFailure;
  } catch {
    throw new ApiError(`${r.status} ${r.statusText}`, "http", r.status);
  }
  if (body.status !== "success") {
    throw new ApiError(body.error, body.errorType, r.status);
  }
  return body;
}

async function get<T>(path: string, signal?: AbortSignal): Promise<T> {
  return (await request<T>(path, { signal, headers: json })).data;
}

/** A POST with form parameters, as Prometheus's UI sends queries (no URL length limit). */
async function post<T>(path: string, params: Record<string, string>, signal?: AbortSignal): Promise<QueryAnswer<T>> {
  const body = await request<T>(path, {
    method: "POST",
    signal,
    headers: { ...json, "Content-Type": "application/x-www-form-urlencoded" },
    body: new URLSearchParams(params),
  });
  return { data: body.data, warnings: body.warnings ?? [], infos: body.infos ?? [] };
}

function qs(params: Record<string, string | string[] | undefined>): string {
  const u = new URLSearchParams();
  for (const [k, v] of Object.entries(params)) {
    if (v === undefined) continue;
    for (const one of Array.isArray(v) ? v : [v]) u.append(k, one);
  }
  const s = u.toString();
  return s ? "?" + s : "";
}

export const api = {
  buildInfo: (signal?: AbortSignal) => get<BuildInfo>("/api/v1/status/buildinfo", signal),
  runtimeInfo: (signal?: AbortSignal) => get<RuntimeInfo>("/api/v1/status/runtimeinfo", signal),
  flags: (signal?: AbortSignal) => get<Record<string, string>>("/api/v1/status/flags", signal),
  config: (signal?: AbortSignal) => get<{ yaml: string }>("/api/v1/status/config", signal),
  tsdbStatus: (limit?: number, signal?: AbortSignal) =>
    get<TsdbStatus>("/api/v1/status/tsdb" + qs({ limit: limit?.toString() }), signal),
  walReplay: (signal?: AbortSignal) => get<WalReplay>("/api/v1/status/walreplay", signal),
  /** Active targets only ("active"), or with the dropped ones too ("any"). */
  targets: (state: "active" | "any" | "dropped" = "active", signal?: AbortSignal) =>
    get<Targets>("/api/v1/targets" + qs({ state }), signal),
  scrapePools: (signal?: AbortSignal) => get<{ scrapePools: string[] }>("/api/v1/scrape_pools", signal),
  /** An instant query at `time` (unix seconds; the server's now when absent). */
  query: (query: string, time?: number, signal?: AbortSignal) =>
    post<QueryData>("/api/v1/query", { query, ...(time !== undefined ? { time: String(time) } : {}) }, signal),
  queryRange: (query: string, start: number, end: number, step: number, signal?: AbortSignal) =>
    post<QueryData>("/api/v1/query_range", { query, start: String(start), end: String(end), step: String(step) }, signal),
  parseQuery: (query: string, signal?: AbortSignal) => post<AstNode>("/api/v1/parse_query", { query }, signal),
  formatQuery: (query: string, signal?: AbortSignal) => post<string>("/api/v1/format_query", { query }, signal),
  labelNames: (match?: string[], signal?: AbortSignal) => get<string[]>("/api/v1/labels" + qs({ "match[]": match }), signal),
  labelValues: (name: string, match?: string[], signal?: AbortSignal) =>
    get<string[]>(`/api/v1/label/${encodeURIComponent(name)}/values` + qs({ "match[]": match }), signal),
  series: (match: string[], signal?: AbortSignal) => get<Labels[]>("/api/v1/series" + qs({ "match[]": match }), signal),
  metadata: (metric?: string, signal?: AbortSignal) =>
    get<Record<string, MetricMetadata[]>>("/api/v1/metadata" + qs({ metric }), signal),
};
