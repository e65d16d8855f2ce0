import { describe, expect, it } from "vitest";
import type { RangeSeries } from "../../api";
import {
  PALETTE,
  alignSeries,
  distinguishingNames,
  logGridFilter,
  formatInstant,
  formatTicks,
  gridLength,
  isolatedPoints,
  seriesName,
  stackBelow,
  stackColumns,
} from "./graphData";

const s = (metric: Record<string, string>, values: [number, string][]): RangeSeries => ({ metric, values });

describe("seriesName", () => {
  it("writes name{labels} with sorted labels and quoted values", () => {
    expect(seriesName({ __name__: "up", job: "node", instance: "a:9100" })).toBe('up{instance="a:9100", job="node"}');
    expect(seriesName({ __name__: "up" })).toBe("up");
    expect(seriesName({ job: "x" })).toBe('{job="x"}');
    expect(seriesName({})).toBe("{}");
    expect(seriesName({ a: 'say "hi"\\' })).toBe('{a="say \\"hi\\"\\\\"}');
  });
  it("quotes names that are not identifiers (UTF-8 names)", () => {
    expect(seriesName({ __name__: "my.metric", "a.b": "c" })).toBe('{"my.metric", "a.b"="c"}');
  });
});

describe("alignSeries", () => {
  it("puts samples on the step grid with null where a series has none", () => {
    const d = alignSeries(
      [s({ a: "1" }, [[100, "1"], [110, "2"], [130, "4"]]), s({ a: "2" }, [[120, "3"]])],
      100,
      130,
      10,
    );
    expect(Array.from(d.x)).toEqual([100, 110, 120, 130]);
    expect(d.ys[0]).toEqual([1, 2, null, 4]);
    expect(d.ys[1]).toEqual([null, null, 3, null]);
  });
  it("leaves NaN and infinities out, and non-positive values on a log scale", () => {
    const series = [s({}, [[0, "NaN"], [1, "+Inf"], [2, "-Inf"], [3, "0"], [4, "-2"], [5, "5"]])];
    expect(alignSeries(series, 0, 5, 1).ys[0]).toEqual([null, null, null, 0, -2, 5]);
    expect(alignSeries(series, 0, 5, 1, true).ys[0]).toEqual([null, null, null, null, null, 5]);
  });
  it("snaps a sample slightly off the grid and drops samples outside it", () => {
    const d = alignSeries([s({}, [[99.9999, "1"], [105, "2"], [50, "9"], [200, "9"]])], 100.0001, 110, 5);
    expect(d.ys[0]).toEqual([1, 2]);
  });
  it("handles series without values and an empty result", () => {
    expect(alignSeries([{ metric: {} }], 0, 2, 1).ys[0]).toEqual([null, null, null]);
    expect(alignSeries([], 0, 2, 1).ys).toEqual([]);
  });
  it("finds the samples that stand alone between gaps", () => {
    const d = alignSeries([s({}, [[0, "1"], [2, "1"], [3, "1"], [5, "1"]])], 0, 5, 1);
    expect(d.isolated[0]).toEqual([0, 5]);
    expect(isolatedPoints([1, 2, 3])).toBeNull();
    expect(isolatedPoints([null, 1, null])).toEqual([1]);
  });
});

describe("gridLength", () => {
  it("counts the points start..end, guarding bad steps", () => {
    expect(gridLength(0, 3600, 15)).toBe(241);
    expect(gridLength(0, 10, 3)).toBe(4);
    expect(gridLength(0, 0.3, 0.1)).toBe(4);
    expect(gridLength(0, 10, 0)).toBe(1);
    expect(gridLength(10, 0, 1)).toBe(1);
  });
});

describe("stacking", () => {
  it("sums the shown series in order, gaps stay gaps and count as 0 above", () => {
    const ys = [
      [1, 1, null],
      [2, null, 2],
      [10, 10, 10],
      [3, 3, 3],
    ];
    const st = stackColumns(ys, [true, true, false, true]);
    expect(st[0]).toEqual([1, 1, null]);
    expect(st[1]).toEqual([3, null, 2]);
    expect(st[2]).toBe(ys[2]);
    expect(st[3]).toEqual([6, 4, 5]);
    expect(stackBelow([true, true, false, true])).toEqual([-1, 0, -1, 1]);
    expect(stackColumns([], [])).toEqual([]);
  });
});

describe("time labels", () => {
  it("shows HH:MM with the date under the first tick and where the day changes (UTC)", () => {
    const t0 = Date.UTC(2026, 11, 7, 22, 0) / 1000;
    expect(formatTicks([t0, t0 + 3600, t0 + 7200, t0 + 10800], 3600, true)).toEqual([
      "22:00\n2026-12-07",
      "23:00",
      "00:00\n2026-12-08",
      "01:00",
    ]);
  });
  it("adds seconds below a minute, and shows only dates for day-sized steps", () => {
    const t0 = Date.UTC(2026, 0, 2, 3, 4, 5) / 1000;
    expect(formatTicks([t0, t0 + 30], 30, true)).toEqual(["03:04:05\n2026-01-02", "03:04:35"]);
    expect(formatTicks([t0, t0 + 86400], 86400, true)).toEqual(["2026-01-02", "2026-01-03"]);
  });
  it("writes the tooltip's time in UTC or local time with the zone", () => {
    const t = Date.UTC(2026, 11, 7, 21, 31, 5) / 1000;
    expect(formatInstant(t, true)).toBe("2026-12-07 21:31:05 UTC");
    expect(formatInstant(t + 0.25, true)).toBe("2026-12-07 21:31:05.250 UTC");
    expect(formatInstant(t, false)).toMatch(/^\d{4}-\d\d-\d\d \d\d:\d\d:05 [+-]\d\d:\d\d$/);
  });
});

describe("palette", () => {
  it("has distinct colours", () => {
    expect(new Set(PALETTE).size).toBe(PALETTE.length);
  });
});

describe("distinguishingNames", () => {
  it("leaves out the labels every series shares", () => {
    expect(
      distinguishingNames([
        { __name__: "x", job: "node", mode: "idle" },
        { __name__: "x", job: "node", mode: "user" },
      ]),
    ).toEqual(['{mode="idle"}', '{mode="user"}']);
    expect(distinguishingNames([{ __name__: "a", job: "j" }, { __name__: "b", job: "j" }])).toEqual(["a", "b"]);
    expect(distinguishingNames([{ a: "1" }, { b: "1" }])).toEqual(['{a="1"}', '{b="1"}']);
    expect(distinguishingNames([{ __name__: "up", job: "x" }])).toEqual(['up{job="x"}']);
  });
});

describe("logGridFilter", () => {
  it("keeps only powers of ten when there are two or more", () => {
    expect(logGridFilter([1, 2, 5, 10, 20, 100])).toEqual([1, null, null, 10, null, 100]);
    expect(logGridFilter([2, 3, 4, 10])).toEqual([2, 3, 4, 10]);
  });
});
