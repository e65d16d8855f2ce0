// How the table shows a result: series names readable (the metric name, then name="value" pieces), values as the
// server wrote them (exact text, "NaN" and "+Inf" included), native histograms as their count and sum.

import type { InstantSeries, Labels, NativeHistogram, QueryData } from "../../api";

/** A label value quoted as PromQL writes it: backslash, double quote and newline escaped. */
export function quoteLabelValue(v: string): string {
  return '"' + v.replace(/\\/g, "\\\\").replace(/"/g, '\\"').replace(/\n/g, "\\n") + '"';
}

/** The metric name (if any) and the other labels in the server's order, values quoted. */
export function seriesParts(metric: Labels): { name: string | undefined; labels: string[] } {
  const labels: string[] = [];
  for (const [k, v] of Object.entries(metric)) {
    if (k !== "__name__") labels.push(`${k}=${quoteLabelValue(v)}`);
  }
  return { name: metric.__name__, labels };
}

/** The series as one PromQL selector: `up{job="node"}`, `{job="node"}` without a name, `{}` for none. */
export function seriesText(metric: Labels): string {
  const { name, labels } = seriesParts(metric);
  if (labels.length === 0) return name ?? "{}";
  return `${name ?? ""}{${labels.join(", ")}}`;
}

/** A native histogram's summary for the table. */
export function histogramText(h: NativeHistogram): string {
  return `count: ${h.count} sum: ${h.sum}`;
}

/** One table row: a series, or the single value of a scalar or string result. */
export interface TableRow {
  key: number;
  metric: Labels | undefined;
  /** The exact value text; for a native histogram its count and sum. */
  value: string;
  /** For a native histogram, the number of buckets. */
  buckets?: number;
  /** The sample's time (unix seconds), for the row's tooltip. */
  time?: number;
  /** For a range result shown in the table: the number of samples. */
  samples?: number;
  /** For the single row of a scalar or string result. */
  kind?: "scalar" | "string";
}

export function instantRow(s: InstantSeries, key: number): TableRow {
  if (s.histogram) {
    return {
      key,
      metric: s.metric,
      value: histogramText(s.histogram[1]),
      buckets: s.histogram[1].buckets?.length ?? 0,
      time: s.histogram[0],
    };
  }
  return { key, metric: s.metric, value: s.value?.[1] ?? "", time: s.value?.[0] };
}

/** The rows of any query answer; a range result (from a range vector selector) lists its samples, "value @time". */
export function tableRows(data: QueryData): TableRow[] {
  switch (data.resultType) {
    case "vector":
      return data.result.map(instantRow);
    case "matrix":
      return data.result.map((s, key) => {
        const samples: [number, string][] = [
          ...(s.values ?? []),
          ...(s.histograms ?? []).map(([t, h]): [number, string] => [t, histogramText(h)]),
        ].sort((a, b) => a[0] - b[0]);
        return {
          key,
          metric: s.metric,
          value: samples.map(([t, v]) => `${v} @${t.toFixed(3)}`).join("\n"),
          time: samples[samples.length - 1]?.[0],
          samples: samples.length,
        };
      });
    case "scalar":
    case "string":
      return [{ key: 0, metric: undefined, value: data.result[1], time: data.result[0], kind: data.resultType }];
  }
}

/** How many series an answer holds (a scalar or string counts as none). */
export function seriesCount(data: QueryData): number {
  return data.resultType === "vector" || data.resultType === "matrix" ? data.result.length : 0;
}

/** "1 series", "10,000 series", "a scalar", "a string". */
export function resultSummary(data: QueryData): string {
  if (data.resultType === "scalar") return "scalar result";
  if (data.resultType === "string") return "string result";
  const n = data.result.length;
  return `${n.toLocaleString("en-US")} series`;
}
