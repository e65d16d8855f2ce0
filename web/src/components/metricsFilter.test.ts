import { describe, expect, it } from "vitest";
import { filterMetrics, fuzzyMatch, metricRows } from "./metricsFilter";

const rows = metricRows(
  ["up", "node_cpu_seconds_total", "process_cpu_seconds_total", "node_memory_MemAvailable_bytes", "scrape_duration_seconds", "up"],
  {
    node_cpu_seconds_total: [{ type: "counter", unit: "seconds", help: "Seconds the CPUs spent in each mode." }],
    up: [{ type: "gauge", unit: "", help: "Whether the target is up." }],
    scrape_duration_seconds: [{ type: "gauge", unit: "", help: "How long the scrape took (memory of it)." }],
  },
);

describe("metricRows", () => {
  it("lists each name once, sorted, with its metadata or blanks", () => {
    expect(rows.map((r) => r.name)).toEqual([
      "node_cpu_seconds_total",
      "node_memory_MemAvailable_bytes",
      "process_cpu_seconds_total",
      "scrape_duration_seconds",
      "up",
    ]);
    expect(rows[0]).toEqual({ name: "node_cpu_seconds_total", type: "counter", unit: "seconds", help: "Seconds the CPUs spent in each mode." });
    expect(rows[1]).toEqual({ name: "node_memory_MemAvailable_bytes", type: "", unit: "", help: "" });
    expect(metricRows([], undefined)).toEqual([]);
  });

  it("gives a histogram's and a summary's series their family's metadata (the API keys it by the family name)", () => {
    const hist = { type: "histogram", unit: "seconds", help: "Latencies." };
    const summ = { type: "summary", unit: "", help: "GC pauses." };
    const gauge = { type: "gauge", unit: "", help: "A gauge." };
    const r = metricRows(
      ["http_seconds_bucket", "http_seconds_count", "http_seconds_sum", "gc_count", "gc_sum", "gc_bucket", "g_count", "g_sum", "own_count"],
      { http_seconds: [hist], gc: [summ], g: [gauge], own_count: [gauge], own: [hist] },
    );
    const byName = Object.fromEntries(r.map((x) => [x.name, x]));
    for (const n of ["http_seconds_bucket", "http_seconds_count", "http_seconds_sum"]) expect(byName[n]).toEqual({ name: n, ...hist });
    expect(byName.gc_count).toEqual({ name: "gc_count", ...summ });
    expect(byName.gc_sum).toEqual({ name: "gc_sum", ...summ });
    // A summary has no buckets; a gauge has no _count/_sum series; a name's own metadata comes first.
    expect(byName.gc_bucket).toEqual({ name: "gc_bucket", type: "", unit: "", help: "" });
    expect(byName.g_count).toEqual({ name: "g_count", type: "", unit: "", help: "" });
    expect(byName.g_sum.type).toBe("");
    expect(byName.own_count).toEqual({ name: "own_count", ...gauge });
  });
});

describe("filterMetrics", () => {
  const names = (q: string) => filterMetrics(rows, q).map((r) => r.name);
  it("keeps everything for an empty query", () => {
    expect(names("  ")).toHaveLength(5);
  });
  it("ranks prefix, then substring, then letters in order, then help", () => {
    expect(names("cpu")).toEqual(["node_cpu_seconds_total", "process_cpu_seconds_total"]);
    expect(names("node")).toEqual(["node_cpu_seconds_total", "node_memory_MemAvailable_bytes"]);
    expect(names("nodcpu")).toEqual(["node_cpu_seconds_total"]);
    expect(names("memory")).toEqual(["node_memory_MemAvailable_bytes", "scrape_duration_seconds"]);
    expect(names("seconds")).toEqual(["node_cpu_seconds_total", "process_cpu_seconds_total", "scrape_duration_seconds"]);
  });
  it("is case-insensitive and needs every word", () => {
    expect(names("MEMAVAIL")).toEqual(["node_memory_MemAvailable_bytes"]);
    expect(names("cpu process")).toEqual(["process_cpu_seconds_total"]);
    expect(names("zzz")).toEqual([]);
    expect(names("cpu")).not.toContain("scrape_duration_seconds");
  });
});

describe("fuzzyMatch", () => {
  it("finds letters in order", () => {
    expect(fuzzyMatch("node_cpu", "ncpu")).toBe(true);
    expect(fuzzyMatch("node_cpu", "upc")).toBe(false);
    expect(fuzzyMatch("abc", "")).toBe(true);
  });
});
