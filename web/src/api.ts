// The one typed client of Ariane's public HTTP API (Prometheus's /api/v1 shapes). Every page goes through it.

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
  storageRetention: string;
}

export interface Target {
  discoveredLabels: Record<string, string>;
  labels: Record<string, string>;
  scrapePool: string;
  scrapeUrl: string;
  lastError: string;
  lastScrape: string;
  lastScrapeDuration: number;
  health: "up" | "down" | "unknown";
}

export interface Targets {
  activeTargets: Target[];
  droppedTargets: { discoveredLabels: Record<string, string> }[];
}

async function get<T>(path: string, signal?: AbortSignal): Promise<T> {
  const r = await fetch(path, { signal, headers: { Accept: "application/json" } });
  let body: ApiSuccess<T> | ApiFailure;
  try {
    body = (await r.json()) as ApiSuccess<T> | ApiFailure;
  } catch {
    throw new ApiError(`${r.status} ${r.statusText}`, "http", r.status);
  }
  if (body.status !== "success") {
    throw new ApiError(body.error, body.errorType, r.status);
  }
  return body.data;
}

export const api = {
  buildInfo: (signal?: AbortSignal) => get<BuildInfo>("/api/v1/status/buildinfo", signal),
  runtimeInfo: (signal?: AbortSignal) => get<RuntimeInfo>("/api/v1/status/runtimeinfo", signal),
  targets: (signal?: AbortSignal) => get<Targets>("/api/v1/targets?state=active", signal),
};
