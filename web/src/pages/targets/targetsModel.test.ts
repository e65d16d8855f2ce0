import { describe, expect, it } from "vitest";
import type { Target } from "../../api";
import {
  buildRows,
  filterTargets,
  formatAgo,
  formatDuration,
  formatLabel,
  groupByPool,
  parseFilters,
  parseScrapeTime,
  poolColor,
  prepareTargets,
  writeFilters,
} from "./targetsModel";

function target(pool: string, instance: string, health: Target["health"], lastError = ""): Target {
  return {
    discoveredLabels: { __address__: instance, job: pool },
    labels: { instance, job: pool },
    scrapePool: pool,
    scrapeUrl: `http://${instance}/metrics`,
    lastError,
    lastScrape: "2026-12-07T21:00:00Z",
    lastScrapeDuration: 0.01,
    health,
  };
}

const all = prepareTargets([
  target("node", "a:9100", "up"),
  target("api", "b:80", "down", "Connection refused"),
  target("node", "c:9100", "unknown"),
  target("api", "d:80", "up"),
]);

describe("URL state", () => {
  it("round-trips every filter", () => {
    const f = { health: ["down" as const, "up" as const], pools: ["api", "node"], text: "refused x", refresh: 10 };
    const q = writeFilters(f);
    expect(q.toString()).toBe("health=up%2Cdown&pool=api&pool=node&q=refused+x&refresh=10");
    expect(parseFilters(q)).toEqual({ ...f, health: ["up", "down"] });
  });
  it("leaves defaults out and ignores what it does not know", () => {
    expect(writeFilters(parseFilters(new URLSearchParams(""))).toString()).toBe("");
    const f = parseFilters(new URLSearchParams("health=up,bogus,up&refresh=7&pool="));
    expect(f).toEqual({ health: ["up"], pools: [], text: "", refresh: 0 });
  });
});

describe("filterTargets", () => {
  const none = { health: [], pools: [], text: "", refresh: 0 };
  it("lets everything through without filters", () => {
    expect(filterTargets(all, none)).toHaveLength(4);
  });
  it("filters by several healths and pools", () => {
    expect(filterTargets(all, { ...none, health: ["up", "unknown"] }).map((p) => p.target.labels.instance)).toEqual([
      "a:9100",
      "c:9100",
      "d:80",
    ]);
    expect(filterTargets(all, { ...none, pools: ["api"], health: ["down"] }).map((p) => p.target.labels.instance)).toEqual([
      "b:80",
    ]);
  });
  it("matches free text in the endpoint, the labels and the error, every word", () => {
    expect(filterTargets(all, { ...none, text: "REFUSED" })).toHaveLength(1);
    expect(filterTargets(all, { ...none, text: 'instance="a:9100"' })).toHaveLength(1);
    expect(filterTargets(all, { ...none, text: "http:// 9100" })).toHaveLength(2);
    expect(filterTargets(all, { ...none, text: "9100 refused" })).toHaveLength(0);
  });
});

describe("grouping and rows", () => {
  it("groups by pool in name order with health counts", () => {
    const g = groupByPool(all);
    expect(g.map((x) => [x.pool, x.up, x.down, x.unknown])).toEqual([
      ["api", 1, 1, 0],
      ["node", 1, 0, 1],
    ]);
  });
  it("hides a collapsed pool's targets but keeps its header", () => {
    const rows = buildRows(groupByPool(all), new Set(["api"]));
    expect(rows.map((r) => r.kind)).toEqual(["pool", "pool", "target", "target"]);
    expect(rows[0]).toMatchObject({ kind: "pool", collapsed: true });
  });
  it("gives duplicate targets distinct keys", () => {
    const twice = prepareTargets([target("a", "x:1", "up"), target("a", "x:1", "up")]);
    expect(new Set(twice.map((p) => p.key)).size).toBe(2);
  });
  it("colours a pool by its worst state", () => {
    expect(poolColor({ up: 2, down: 0, unknown: 0 })).toBe("green");
    expect(poolColor({ up: 0, down: 2, unknown: 0 })).toBe("red");
    expect(poolColor({ up: 1, down: 1, unknown: 0 })).toBe("yellow");
    expect(poolColor({ up: 1, down: 0, unknown: 1 })).toBe("gray");
  });
});

describe("formatting", () => {
  it("writes relative times", () => {
    const now = Date.parse("2026-12-07T21:00:00Z");
    expect(formatAgo(now - 3200, now)).toBe("3.2 s ago");
    expect(formatAgo(now - 42_000, now)).toBe("42 s ago");
    expect(formatAgo(now - 300_000, now)).toBe("5 min ago");
    expect(formatAgo(now - 3 * 3600_000, now)).toBe("3 h ago");
    expect(formatAgo(now - 3 * 86400_000, now)).toBe("3 d ago");
    expect(formatAgo(now + 500, now)).toBe("0.0 s ago");
    expect(formatAgo(now + 5000, now)).toBe("in the future");
    expect(formatAgo(undefined, now)).toBe("never");
  });
  it("treats zero times as never scraped", () => {
    expect(parseScrapeTime("0001-01-01T00:00:00Z")).toBeUndefined();
    expect(parseScrapeTime("")).toBeUndefined();
    expect(parseScrapeTime("2026-12-07T21:00:00.5Z")).toBe(Date.parse("2026-12-07T21:00:00.5Z"));
  });
  it("writes durations with units", () => {
    expect(formatDuration(0.00085)).toBe("850 µs");
    expect(formatDuration(0.0123)).toBe("12.3 ms");
    expect(formatDuration(0.004)).toBe("4.00 ms");
    expect(formatDuration(1.523)).toBe("1.52 s");
    expect(formatDuration(0)).toBe("0 s");
  });
  it("escapes label values as PromQL does", () => {
    expect(formatLabel("a", 'x"y\\z')).toBe('a="x\\"y\\\\z"');
  });
});
