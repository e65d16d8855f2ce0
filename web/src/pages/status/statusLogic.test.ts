import { describe, expect, it } from "vitest";
import type { Target, TsdbStatus } from "../../api";
import {
  cardinalityQuery,
  filterSortFlags,
  formatBytes,
  formatDuration,
  formatNumber,
  formatRate,
  formatShare,
  healthByJob,
  parseByteSize,
  parseLimit,
  parsePromDuration,
  parseRetention,
  pickSelf,
  promString,
  queryUrl,
  recentScrapeErrors,
  retentionLeft,
  seriesPerJob,
  share,
  splitLabelPair,
  storedFromTsdb,
  walReplayText,
} from "./statusLogic";

describe("formatting", () => {
  it("groups thousands and keeps at most the asked decimals", () => {
    expect(formatNumber(0)).toBe("0");
    expect(formatNumber(1247)).toBe("1,247");
    expect(formatNumber(1234567)).toBe("1,234,567");
    expect(formatNumber(12.345, 1)).toBe("12.3");
    expect(formatNumber(NaN)).toBe("NaN");
    expect(formatNumber(Infinity)).toBe("+Inf");
  });
  it("shows rates with a decimal only when small", () => {
    expect(formatRate(2.54)).toBe("2.5/s");
    expect(formatRate(267.16)).toBe("267/s");
    expect(formatRate(12345.6)).toBe("12,346/s");
  });
  it("shows bytes in binary units", () => {
    expect(formatBytes(0)).toBe("0 B");
    expect(formatBytes(1023)).toBe("1023 B");
    expect(formatBytes(425569)).toBe("415.6 KiB");
    expect(formatBytes(10 * 2 ** 30)).toBe("10 GiB");
  });
  it("shows spans by their two largest units", () => {
    expect(formatDuration(500)).toBe("0s");
    expect(formatDuration(45_000)).toBe("45s");
    expect(formatDuration(125_000)).toBe("2m 5s");
    expect(formatDuration(2 * 3_600_000 + 5 * 60_000 + 7000)).toBe("2h 5m");
    expect(formatDuration(86_400_000)).toBe("1d");
    expect(formatDuration(15 * 86_400_000 - 3_600_000)).toBe("14d 23h");
    expect(formatDuration(-5)).toBe("0s");
    expect(formatDuration(100 * 365 * 86_400_000 - 14_000)).toBe("99y 364d");
    expect(formatDuration(100 * 365 * 86_400_000)).toBe("100y");
  });
  it("shows shares as percentages", () => {
    expect(share(25, 100)).toBe(25);
    expect(share(5, 0)).toBe(0);
    expect(share(150, 100)).toBe(100);
    expect(formatShare(82.21)).toBe("82.2%");
    expect(formatShare(0.01)).toBe("<0.1%");
    expect(formatShare(9)).toBe("9.0%");
    expect(formatShare(0)).toBe("0.0%");
  });
});

describe("retention", () => {
  it("parses Prometheus durations and sizes", () => {
    expect(parsePromDuration("15d")).toBe(15 * 86_400_000);
    expect(parsePromDuration("1h30m")).toBe(5_400_000);
    expect(parsePromDuration("500ms")).toBe(500);
    expect(parsePromDuration("2w")).toBe(14 * 86_400_000);
    expect(parsePromDuration("10GiB")).toBeUndefined();
    expect(parsePromDuration("")).toBeUndefined();
    expect(parseByteSize("10GiB")).toBe(10 * 2 ** 30);
    expect(parseByteSize("512MB")).toBe(512 * 2 ** 20);
    expect(parseByteSize("1GB512MB")).toBe(2 ** 30 + 512 * 2 ** 20);
    expect(parseByteSize("15d")).toBeUndefined();
  });
  it("reads runtimeinfo's storageRetention", () => {
    expect(parseRetention("15d")).toEqual({ timeMs: 15 * 86_400_000 });
    expect(parseRetention("15d or 10GiB")).toEqual({ timeMs: 15 * 86_400_000, bytes: 10 * 2 ** 30 });
    expect(parseRetention("10GiB")).toEqual({ bytes: 10 * 2 ** 30 });
    expect(parseRetention("")).toEqual({});
  });

  const tsdb = (over: Partial<TsdbStatus>): TsdbStatus => ({
    headStats: { numSeries: 10, numLabelPairs: 5, chunkCount: 10, minTime: 2_000_000, maxTime: 3_000_000 },
    seriesCountByMetricName: [],
    labelValueCountByLabelName: [],
    memoryInBytesByLabelName: [],
    seriesCountByLabelValuePair: [],
    ...over,
  });

  it("takes the oldest time over the head and the blocks, and blocks + WAL as used", () => {
    const s = storedFromTsdb(
      tsdb({ blockStats: { numBlocks: 2, bytes: 1000, numSamples: 9, minTime: 1_000_000, maxTime: 2_000_000, walBytes: 24 } }),
    );
    expect(s).toEqual({ oldestMs: 1_000_000, newestMs: 3_000_000, bytes: 1024, blockBytes: 1000, walBytes: 24 });
    // No blocks: their zero times are ignored; an empty head's sentinel bounds too.
    expect(storedFromTsdb(tsdb({ blockStats: { numBlocks: 0, bytes: 0, numSamples: 0, minTime: 0, maxTime: 0, walBytes: 5 } })).oldestMs).toBe(
      2_000_000,
    );
    const empty = storedFromTsdb(
      tsdb({ headStats: { numSeries: 0, numLabelPairs: 0, chunkCount: 0, minTime: 9.2e18, maxTime: -9.2e18 } }),
    );
    expect(empty.oldestMs).toBeUndefined();
    expect(empty.bytes).toBe(0);
  });

  it("compares the limits with what is stored", () => {
    const day = 86_400_000;
    const stored = { oldestMs: 0, newestMs: day, bytes: 2 ** 30, blockBytes: 2 ** 30, walBytes: 0 };
    expect(retentionLeft({ timeMs: 15 * day, bytes: 4 * 2 ** 30 }, stored, 3 * day)).toEqual({
      spanMs: 3 * day,
      timeLeftMs: 12 * day,
      timeUsed: 0.2,
      bytesLeft: 3 * 2 ** 30,
      bytesUsed: 0.25,
    });
    // Past the limit: nothing left, never negative.
    expect(retentionLeft({ timeMs: day }, stored, 3 * day)).toEqual({ spanMs: 3 * day, timeLeftMs: 0, timeUsed: 1 });
    // Nothing stored yet: the whole retention is left.
    expect(retentionLeft({ timeMs: day }, { bytes: 0, blockBytes: 0, walBytes: 0 }, 5)).toEqual({ timeLeftMs: day, timeUsed: 0 });
    expect(retentionLeft({}, stored, day)).toEqual({ spanMs: day });
  });
});

const target = (over: Partial<Target>): Target => ({
  discoveredLabels: {},
  labels: {},
  scrapePool: "job",
  scrapeUrl: "http://a/metrics",
  lastError: "",
  lastScrape: "2026-12-07T22:00:00Z",
  lastScrapeDuration: 0.01,
  health: "up",
  ...over,
});

describe("targets", () => {
  it("lists failed scrapes newest first, at most n", () => {
    const ts = [
      target({ scrapeUrl: "http://up/metrics" }),
      target({ scrapeUrl: "http://old/metrics", health: "down", lastError: "refused", lastScrape: "2026-12-07T22:00:01Z" }),
      target({ scrapeUrl: "http://new/metrics", health: "down", lastError: "404", lastScrape: "2026-12-07T22:00:05Z" }),
      target({ scrapeUrl: "http://mid/metrics", health: "down", lastError: "timeout", lastScrape: "2026-12-07T22:00:03Z" }),
    ];
    expect(recentScrapeErrors(ts, 5).map((t) => t.lastError)).toEqual(["404", "timeout", "refused"]);
    expect(recentScrapeErrors(ts, 2)).toHaveLength(2);
    expect(recentScrapeErrors([ts[0]], 5)).toEqual([]);
  });
  it("counts health per job, by name", () => {
    const ts = [
      target({ scrapePool: "b" }),
      target({ scrapePool: "a", health: "down" }),
      target({ scrapePool: "b", health: "unknown" }),
      target({ scrapePool: "b" }),
    ];
    expect(healthByJob(ts)).toEqual([
      { job: "a", up: 0, down: 1, unknown: 0 },
      { job: "b", up: 2, down: 0, unknown: 1 },
    ]);
  });
});

describe("query links", () => {
  it("builds Prometheus 3 query page URLs", () => {
    expect(queryUrl("up")).toBe("/query?g0.expr=up&g0.tab=table");
    const u = new URLSearchParams(queryUrl('count({__name__="x"})', "graph").split("?")[1]);
    expect(u.get("g0.expr")).toBe('count({__name__="x"})');
    expect(u.get("g0.tab")).toBe("graph");
  });
  it("escapes label values and splits label pairs at the first =", () => {
    expect(promString('a"b\\c\nd')).toBe('"a\\"b\\\\c\\nd"');
    expect(splitLabelPair("instance=127.0.0.1:9912")).toEqual(["instance", "127.0.0.1:9912"]);
    expect(splitLabelPair("query=a=b")).toEqual(["query", "a=b"]);
  });
  it("queries what each cardinality row counts", () => {
    expect(cardinalityQuery.metric("up")).toBe('count({__name__="up"})');
    expect(cardinalityQuery.labelName("job")).toBe('count by (job) ({job!=""})');
    expect(cardinalityQuery.job("node")).toBe('count by (__name__) ({job="node"})');
    expect(cardinalityQuery.job("")).toBe('count by (__name__) ({job="", __name__=~".+"})');
    expect(cardinalityQuery.labelPair('path=/a"b')).toBe('count by (__name__) ({path="/a\\"b"})');
  });
  it("reads the limit from the URL, 10 unless offered", () => {
    expect(parseLimit("")).toBe(10);
    expect(parseLimit("?limit=50")).toBe(50);
    expect(parseLimit("?limit=7")).toBe(10);
    expect(parseLimit("?limit=abc")).toBe(10);
  });
});

describe("query answers", () => {
  it("orders series per job, most first", () => {
    expect(
      seriesPerJob([
        { metric: { job: "a" }, value: [1, "10"] },
        { metric: { job: "b" }, value: [1, "300"] },
        { metric: {}, value: [1, "10"] },
      ]),
    ).toEqual([
      { job: "b", series: 300 },
      { job: "", series: 10 },
      { job: "a", series: 10 },
    ]);
  });
  it("picks this server's self-metric series", () => {
    const a = { metric: { instance: "h:1" }, value: [1, "1"] as [number, string] };
    const b = { metric: { instance: "h:2" }, value: [1, "2"] as [number, string] };
    expect(pickSelf([a], "x")).toBe(a);
    expect(pickSelf([a, b], "h:2")).toBe(b);
    expect(pickSelf([a, b], "x")).toBeUndefined();
    expect(pickSelf([], "x")).toBeUndefined();
  });
  it("describes WAL replay", () => {
    expect(walReplayText({ min: 0, max: 0, current: 0 })).toBe("done");
    expect(walReplayText({ min: 0, max: 10, current: 10 })).toBe("done");
    expect(walReplayText({ min: 2, max: 10, current: 4 })).toBe("in progress: segment 4 of 2–10");
  });
});

describe("flags", () => {
  const flags = { "web.listen-address": "127.0.0.1:9095", "log.level": "info", "query.timeout": "2m", "a.b": "10" };
  it("filters by name or value, case-insensitively", () => {
    expect(filterSortFlags(flags, "LOG", "name", "asc")).toEqual([["log.level", "info"]]);
    expect(filterSortFlags(flags, "9095", "name", "asc")).toEqual([["web.listen-address", "127.0.0.1:9095"]]);
    expect(filterSortFlags(flags, " ", "name", "asc")).toHaveLength(4);
  });
  it("sorts by name or value, either way", () => {
    expect(filterSortFlags(flags, "", "name", "asc").map(([k]) => k)).toEqual([
      "a.b",
      "log.level",
      "query.timeout",
      "web.listen-address",
    ]);
    expect(filterSortFlags(flags, "", "name", "desc")[0][0]).toBe("web.listen-address");
    expect(filterSortFlags(flags, "", "value", "asc").map(([, v]) => v)).toEqual(["2m", "10", "127.0.0.1:9095", "info"]);
  });
});
