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
