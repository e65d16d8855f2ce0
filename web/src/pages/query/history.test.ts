import { describe, expect, it } from "vitest";
import { addToHistory, historyKey, loadHistory, matchHistory, recordHistory } from "./history";

function memory(initial?: string) {
  const m = new Map<string, string>(initial === undefined ? [] : [[historyKey, initial]]);
  return { getItem: (k: string) => m.get(k) ?? null, setItem: (k: string, v: string) => void m.set(k, v), m };
}

describe("addToHistory", () => {
  it("puts the newest first without duplicates", () => {
    expect(addToHistory([], "up")).toEqual(["up"]);
    expect(addToHistory(["a", "b", "c"], "b")).toEqual(["b", "a", "c"]);
    expect(addToHistory(["a"], "  up  ")).toEqual(["up", "a"]);
    expect(addToHistory(["a"], "   ")).toEqual(["a"]);
  });
  it("keeps the last 50", () => {
    let list: string[] = [];
    for (let i = 0; i < 60; i++) list = addToHistory(list, `q${i}`);
    expect(list).toHaveLength(50);
    expect(list[0]).toBe("q59");
    expect(list[49]).toBe("q10");
  });
});

describe("stored history", () => {
  it("records and loads", () => {
    const s = memory();
    recordHistory(s, "up");
    recordHistory(s, "rate(x[1m])");
    expect(loadHistory(s)).toEqual(["rate(x[1m])", "up"]);
  });
  it("survives missing, broken and foreign data", () => {
    expect(loadHistory(undefined)).toEqual([]);
    expect(loadHistory(memory())).toEqual([]);
    expect(loadHistory(memory("{not json"))).toEqual([]);
    expect(loadHistory(memory('{"a":1}'))).toEqual([]);
    expect(loadHistory(memory('["up", 3, null, "x"]'))).toEqual(["up", "x"]);
  });
  it("ignores a storage that refuses writes", () => {
    const s = { getItem: () => null, setItem: () => { throw new Error("quota"); } };
    expect(recordHistory(s, "up")).toEqual(["up"]);
  });
});

describe("matchHistory", () => {
  it("finds entries containing every typed word", () => {
    const list = ["rate(node_cpu_seconds_total[1m])", "up", "sum(rate(http_requests_total[5m]))"];
    expect(matchHistory(list, "rate")).toEqual([list[0], list[2]]);
    expect(matchHistory(list, "RATE cpu")).toEqual([list[0]]);
    expect(matchHistory(list, "")).toEqual(list);
    expect(matchHistory(list, "up")).toEqual([]); // the exact text typed is not offered again
  });
});
