import { describe, expect, it } from "vitest";
import type { QueryData } from "../../api";
import { quoteLabelValue, resultSummary, seriesCount, seriesParts, seriesText, tableRows } from "./series";

describe("series names", () => {
  it("splits the metric name from the labels, in the server's order", () => {
    expect(seriesParts({ __name__: "up", job: "node", instance: "a:9100" })).toEqual({
      name: "up",
      labels: ['job="node"', 'instance="a:9100"'],
    });
    expect(seriesParts({ job: "x" })).toEqual({ name: undefined, labels: ['job="x"'] });
  });
  it("quotes values as PromQL does", () => {
    expect(quoteLabelValue('a"b\\c\nd')).toBe('"a\\"b\\\\c\\nd"');
    expect(quoteLabelValue("")).toBe('""');
  });
  it("writes a selector", () => {
    expect(seriesText({ __name__: "up", job: "node" })).toBe('up{job="node"}');
    expect(seriesText({ __name__: "up" })).toBe("up");
    expect(seriesText({ job: "node", env: "dev" })).toBe('{job="node", env="dev"}');
    expect(seriesText({})).toBe("{}");
  });
});

describe("tableRows", () => {
  it("keeps values exact, NaN and infinities included", () => {
    const data: QueryData = {
      resultType: "vector",
      result: [
        { metric: { __name__: "a" }, value: [100, "0.1000000000000000055511151231257827"] },
        { metric: { __name__: "b" }, value: [100, "NaN"] },
        { metric: { __name__: "c" }, value: [100, "+Inf"] },
        { metric: { __name__: "d" }, value: [100, "-Inf"] },
        { metric: { __name__: "e" }, value: [100, "1e+21"] },
      ],
    };
    expect(tableRows(data).map((r) => r.value)).toEqual([
      "0.1000000000000000055511151231257827",
      "NaN",
      "+Inf",
      "-Inf",
      "1e+21",
    ]);
    expect(seriesCount(data)).toBe(5);
    expect(resultSummary(data)).toBe("5 series");
  });
  it("shows native histograms as count and sum", () => {
    const data: QueryData = {
      resultType: "vector",
      result: [
        {
          metric: { __name__: "h" },
          histogram: [100, { count: "12", sum: "3.5", buckets: [[0, "0", "1", "5"], [0, "1", "2", "7"]] }],
        },
      ],
    };
    expect(tableRows(data)[0]).toMatchObject({ value: "count: 12 sum: 3.5", buckets: 2, time: 100 });
  });
  it("shows a scalar and a string as one row without a series", () => {
    expect(tableRows({ resultType: "scalar", result: [5, "42"] })).toEqual([
      { key: 0, metric: undefined, value: "42", time: 5, kind: "scalar" },
    ]);
    expect(tableRows({ resultType: "string", result: [5, "hello"] })[0].value).toBe("hello");
    expect(resultSummary({ resultType: "scalar", result: [5, "42"] })).toBe("scalar result");
    expect(seriesCount({ resultType: "string", result: [5, "x"] })).toBe(0);
  });
  it("lists a range result's samples with their times", () => {
    const data: QueryData = {
      resultType: "matrix",
      result: [
        {
          metric: { __name__: "m" },
          values: [[1, "1"], [3, "NaN"]],
          histograms: [[2, { count: "4", sum: "8" }]],
        },
      ],
    };
    expect(tableRows(data)[0]).toMatchObject({ value: "1 @1.000\ncount: 4 sum: 8 @2.000\nNaN @3.000", time: 3, samples: 3 });
  });
  it("counts large results with separators", () => {
    const result = Array.from({ length: 10000 }, (_, i) => ({ metric: { i: String(i) }, value: [1, "1"] as [number, string] }));
    expect(resultSummary({ resultType: "vector", result })).toBe("10,000 series");
    expect(tableRows({ resultType: "vector", result })).toHaveLength(10000);
  });
});
