import { describe, expect, it } from "vitest";
import type { Targets } from "../../api";
import {
  buildSdRows,
  droppingStep,
  filterSd,
  groupSd,
  parseSdFilters,
  prepareSd,
  ruleFields,
  stepDiff,
  writeSdFilters,
} from "./sdModel";

const targets: Targets = {
  activeTargets: [
    {
      discoveredLabels: { __address__: "a:1", job: "web" },
      labels: { instance: "a:1", job: "web" },
      scrapePool: "web",
      scrapeUrl: "http://a:1/metrics",
      lastError: "",
      lastScrape: "",
      lastScrapeDuration: 0,
      health: "unknown",
    },
  ],
  droppedTargets: [
    { discoveredLabels: { __address__: "b:2", job: "web" }, scrapePool: "web" },
    { discoveredLabels: { __address__: "c:3", job: "db" } },
  ],
};

describe("service discovery model", () => {
  const all = prepareSd(targets);
  const none = { pools: [], text: "", show: "all" as const };

  it("lists active and dropped targets, a dropped one without a pool under its job", () => {
    expect(all.map((e) => [e.pool, e.labels ? "active" : "dropped"])).toEqual([
      ["web", "active"],
      ["web", "dropped"],
      ["db", "dropped"],
    ]);
  });
  it("filters by state, pool and text", () => {
    expect(filterSd(all, { ...none, show: "dropped" })).toHaveLength(2);
    expect(filterSd(all, { ...none, show: "active" })).toHaveLength(1);
    expect(filterSd(all, { ...none, pools: ["db"] })).toHaveLength(1);
    expect(filterSd(all, { ...none, text: '__address__="b:2"' })).toHaveLength(1);
    expect(filterSd(all, { ...none, text: "instance" })).toHaveLength(1);
  });
  it("groups by pool with counts and hides collapsed pools' rows", () => {
    const g = groupSd(all);
    expect(g.map((x) => [x.pool, x.active, x.dropped])).toEqual([
      ["db", 0, 1],
      ["web", 1, 1],
    ]);
    expect(buildSdRows(g, new Set(["web"])).map((r) => r.kind)).toEqual(["pool", "entry", "pool"]);
  });
  it("round-trips its URL state", () => {
    const f = { pools: ["web"], text: "b:2", show: "dropped" as const };
    expect(parseSdFilters(writeSdFilters(f))).toEqual(f);
    expect(writeSdFilters(parseSdFilters(new URLSearchParams("show=bogus"))).toString()).toBe("");
  });
});

describe("relabel steps", () => {
  it("tells what a step set and removed", () => {
    const d = stepDiff({ a: "1", b: "2", c: "3" }, { a: "1", b: "x", d: "4" });
    expect([...d.changed].sort()).toEqual(["b", "d"]);
    expect(d.removed).toEqual({ c: "3" });
  });
  it("shows only the fields an action uses, defaults left out", () => {
    expect(
      ruleFields({ action: "drop", source_labels: ["__address__"], separator: ";", regex: ".*:2", replacement: "$1", modulus: 0 }),
    ).toEqual([
      ["source_labels", "[__address__]"],
      ["regex", ".*:2"],
    ]);
    expect(
      ruleFields({ action: "replace", source_labels: ["a", "b"], separator: ",", regex: "(.*)", target_label: "t", replacement: "$1" }),
    ).toEqual([
      ["source_labels", "[a, b]"],
      ["separator", '","'],
      ["regex", "(.*)"],
      ["target_label", "t"],
      ["replacement", "$1"],
    ]);
    expect(ruleFields({ action: "labeldrop", regex: "tmp_.*", source_labels: [] })).toEqual([["regex", "tmp_.*"]]);
  });
  it("finds the dropping step", () => {
    expect(droppingStep([{ rule: {}, output: {}, keep: true }, { rule: {}, output: {}, keep: false }])).toBe(1);
    expect(droppingStep([{ rule: {}, output: {}, keep: true }])).toBe(-1);
  });
});
