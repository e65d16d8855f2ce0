// The editor's completion source: codemirror-promql's PrometheusClient answered through the app's one API client
// (web/src/api.ts), not the package's own HTTP client. Answers are cached for a minute; a failed request completes
// nothing rather than showing an error while the user types.

import type { PrometheusClient } from "@prometheus-io/codemirror-promql";
import { EqlRegex, EqlSingle, Neq, NeqRegex } from "@prometheus-io/lezer-promql";
import { api } from "../../api";

/**
 * A label matcher as codemirror-promql hands it over: its type is a lezer-promql token id, its value the source text
 * between the quotes (escapes still written as typed).
 */
export interface MatcherLike {
  type: number;
  name: string;
  value: string;
}

function op(type: number): string {
  switch (type) {
    case Neq:
      return "!=";
    case EqlRegex:
      return "=~";
    case NeqRegex:
      return "!~";
    case EqlSingle:
    default:
      return "=";
  }
}

/**
 * The series selector for a completion request: the metric name and the matchers typed so far, leaving out the label
 * being completed and matchers with an empty value (`up{job="node",instance=""}` for labelName "instance" is
 * `up{job="node"}`). Undefined when there is nothing to select by.
 */
export function selectorFor(metricName: string | undefined, matchers?: MatcherLike[], labelName?: string): string | undefined {
  const parts = (matchers ?? [])
    .filter((m) => m.name !== labelName && m.value !== "")
    .map((m) => `${m.name}${op(m.type)}"${m.value.replace(/(^|[^\\])"/g, '$1\\"')}"`);
  if (!metricName && parts.length === 0) return undefined;
  if (parts.length === 0) return metricName;
  return `${metricName ?? ""}{${parts.join(",")}}`;
}

const ttlMs = 60_000;

export class ApiPrometheusClient implements PrometheusClient {
  private readonly cache = new Map<string, { at: number; value: Promise<unknown> }>();

  private cached<T>(key: string, load: () => Promise<T>, fallback: T): Promise<T> {
    const hit = this.cache.get(key);
    if (hit && Date.now() - hit.at < ttlMs) return hit.value as Promise<T>;
    const value = load().catch(() => {
      this.cache.delete(key);
      return fallback;
    });
    this.cache.set(key, { at: Date.now(), value });
    return value;
  }

  labelNames(metricName?: string): Promise<string[]> {
    const sel = selectorFor(metricName);
    return this.cached(`names\0${sel ?? ""}`, () => api.labelNames(sel ? [sel] : undefined), []);
  }

  labelValues(labelName: string, metricName?: string, matchers?: MatcherLike[]): Promise<string[]> {
    const sel = selectorFor(metricName, matchers, labelName);
    return this.cached(`values\0${labelName}\0${sel ?? ""}`, () => api.labelValues(labelName, sel ? [sel] : undefined), []);
  }

  metricMetadata(): Promise<Record<string, { type: string; help: string }[]>> {
    return this.cached("metadata", () => api.metadata(), {});
  }

  series(metricName: string, matchers?: MatcherLike[], labelName?: string): Promise<Map<string, string>[]> {
    const sel = selectorFor(metricName, matchers, labelName);
    if (!sel) return Promise.resolve([]);
    return this.cached(
      `series\0${sel}`,
      async () => (await api.series([sel])).map((labels) => new Map(Object.entries(labels))),
      [],
    );
  }

  metricNames(): Promise<string[]> {
    return this.cached("metricNames", () => api.labelValues("__name__"), []);
  }

  flags(): Promise<Record<string, string>> {
    return this.cached("flags", () => api.flags(), {});
  }
}
