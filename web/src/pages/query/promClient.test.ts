import { EqlRegex, EqlSingle, Neq, NeqRegex } from "@prometheus-io/lezer-promql";
import { describe, expect, it } from "vitest";
import { selectorFor } from "./promClient";

describe("selectorFor", () => {
  it("selects by metric name alone", () => {
    expect(selectorFor("up")).toBe("up");
    expect(selectorFor("up", [])).toBe("up");
    expect(selectorFor(undefined)).toBeUndefined();
    expect(selectorFor("")).toBeUndefined();
  });
  it("adds the matchers typed so far, with their operators", () => {
    const ms = [
      { type: EqlSingle, name: "job", value: "node" },
      { type: Neq, name: "mode", value: "idle" },
      { type: EqlRegex, name: "cpu", value: "0|1" },
      { type: NeqRegex, name: "env", value: "dev.*" },
    ];
    expect(selectorFor("node_cpu_seconds_total", ms)).toBe(
      'node_cpu_seconds_total{job="node",mode!="idle",cpu=~"0|1",env!~"dev.*"}',
    );
  });
  it("leaves out the label being completed and empty values", () => {
    const ms = [
      { type: EqlSingle, name: "job", value: "node" },
      { type: EqlSingle, name: "instance", value: "a" },
      { type: EqlSingle, name: "env", value: "" },
    ];
    expect(selectorFor("up", ms, "instance")).toBe('up{job="node"}');
    expect(selectorFor(undefined, ms, "instance")).toBe('{job="node"}');
    expect(selectorFor("up", [{ type: EqlSingle, name: "job", value: "" }], "x")).toBe("up");
  });
  it("keeps the value's escapes as typed and quotes a bare double quote (from a '...' string)", () => {
    expect(selectorFor("m", [{ type: EqlSingle, name: "path", value: 'C:\\\\x\\"y' }])).toBe('m{path="C:\\\\x\\"y"}');
    expect(selectorFor("m", [{ type: EqlSingle, name: "q", value: 'a"b' }])).toBe('m{q="a\\"b"}');
  });
});
