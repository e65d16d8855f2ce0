import { describe, expect, it } from "vitest";
import { defaultPanel, effectiveStep, encodePanels, graphRedirectTarget, type PanelState, parsePanels } from "./urlState";

const q = (o: Record<string, string>) => new URLSearchParams(o).toString();

describe("parsePanels defaults", () => {
  it("gives one empty panel for an empty URL", () => {
    expect(parsePanels("")).toEqual([defaultPanel()]);
    expect(parsePanels("?foo=bar")).toEqual([defaultPanel()]);
  });
  it("defaults every setting a panel leaves out", () => {
    const [p] = parsePanels(q({ "g0.expr": "up" }));
    expect(p).toEqual({ ...defaultPanel(), expr: "up" });
    expect(p.tab).toBe("table");
    expect(p.range).toBe(3600);
    expect(p.end).toBeNull();
    expect(p.moment).toBeNull();
    expect(p.resolution).toEqual({ type: "auto", density: "medium" });
    expect(p.displayMode).toBe("lines");
  });
  it("keeps an empty expression as a panel", () => {
    expect(parsePanels("g0.expr=")).toEqual([defaultPanel()]);
  });
});

describe("parsePanels (Prometheus 3 names)", () => {
  it("reads every setting", () => {
    const [p] = parsePanels(
      q({
        "g0.expr": 'rate(node_cpu_seconds_total{mode="idle"}[1m])',
        "g0.show_tree": "1",
        "g0.tab": "graph",
        "g0.range_input": "1h30m",
        "g0.end_input": "2026-12-07 22:00:00",
        "g0.moment_input": "2026-12-07 21:00:00",
        "g0.res_type": "fixed",
        "g0.res_step": "15",
        "g0.display_mode": "stacked",
        "g0.show_exemplars": "0",
      }),
    );
    expect(p.expr).toBe('rate(node_cpu_seconds_total{mode="idle"}[1m])');
    expect(p.showTree).toBe(true);
    expect(p.tab).toBe("graph");
    expect(p.range).toBe(5400);
    expect(p.end).toBe(Date.UTC(2026, 11, 7, 22) / 1000);
    expect(p.moment).toBe(Date.UTC(2026, 11, 7, 21) / 1000);
    expect(p.resolution).toEqual({ type: "fixed", step: 15 });
    expect(p.displayMode).toBe("stacked");
  });
  it("reads a real Prometheus 3 link with several panels", () => {
    const link =
      "g0.expr=rate%28total_requests%5B1m%5D%29&g0.show_tree=0&g0.tab=graph&g0.range_input=1h&g0.res_type=auto" +
      "&g0.res_density=medium&g0.display_mode=stacked&g0.show_exemplars=0&g1.expr=rate%28successful_requests%5B1m%5D%29" +
      "&g1.show_tree=0&g1.tab=table&g1.range_input=2h&g1.res_type=auto&g1.res_density=high&g1.display_mode=lines";
    const ps = parsePanels(link);
    expect(ps.map((p) => p.expr)).toEqual(["rate(total_requests[1m])", "rate(successful_requests[1m])"]);
    expect(ps[0]).toMatchObject({ tab: "graph", range: 3600, displayMode: "stacked" });
    expect(ps[1]).toMatchObject({ tab: "table", range: 7200, resolution: { type: "auto", density: "high" } });
  });
  it("orders panels by number and skips gaps", () => {
    const ps = parsePanels("g2.expr=c&g0.expr=a&g10.expr=d&g1.tab=graph");
    expect(ps.map((p) => p.expr)).toEqual(["a", "c", "d"]);
  });
  it("reads a custom step", () => {
    expect(parsePanels("g0.expr=x&g0.res_type=custom&g0.res_step=0.5")[0].resolution).toEqual({
      type: "custom",
      step: 0.5,
    });
  });
  it("reads Ariane's own settings", () => {
    const [p] = parsePanels("g0.expr=x&g0.log_scale=1&g0.utc=1&g0.unit=bytes&g0.refresh=30s");
    expect(p).toMatchObject({ logScale: true, utc: true, unit: "bytes", refresh: 30 });
  });
});

describe("parsePanels (Prometheus 2 links)", () => {
  it("opens a Grafana 'Explore in Prometheus' link", () => {
    const [p] = parsePanels("g0.expr=up&g0.tab=1&g0.range_input=1h");
    expect(p).toEqual({ ...defaultPanel(), expr: "up", tab: "table", range: 3600 });
  });
  it("reads tab=0 as the graph, stacked=1 and step_input", () => {
    const [p] = parsePanels("g0.expr=up&g0.tab=0&g0.stacked=1&g0.step_input=30&g0.end_input=2020-01-02%2003:04");
    expect(p.tab).toBe("graph");
    expect(p.displayMode).toBe("stacked");
    expect(p.resolution).toEqual({ type: "custom", step: 30 });
    expect(p.end).toBe(Date.UTC(2020, 0, 2, 3, 4) / 1000);
  });
  it("lets Prometheus 3's names win over Prometheus 2's", () => {
    const [p] = parsePanels("g0.expr=up&g0.stacked=1&g0.display_mode=lines&g0.step_input=30&g0.res_type=auto");
    expect(p.displayMode).toBe("lines");
    expect(p.resolution).toEqual({ type: "auto", density: "medium" });
  });
  it("reads stacked=0 as lines", () => {
    expect(parsePanels("g0.expr=up&g0.stacked=0")[0].displayMode).toBe("lines");
  });
});

describe("parsePanels bad values", () => {
  it("falls back to the defaults", () => {
    const [p] = parsePanels(
      q({
        "g0.expr": "up",
        "g0.tab": "2",
        "g0.show_tree": "yes",
        "g0.range_input": "forever",
        "g0.end_input": "yesterday",
        "g0.moment_input": "2026-02-30 00:00:00",
        "g0.res_type": "fixed",
        "g0.res_step": "-5",
        "g0.step_input": "0",
        "g0.display_mode": "heatmap",
        "g0.log_scale": "true",
        "g0.unit": "furlongs",
        "g0.refresh": "7s",
      }),
    );
    expect(p).toEqual({ ...defaultPanel(), expr: "up" });
  });
  it("ignores an unknown density and a step that is not a number", () => {
    expect(parsePanels("g0.expr=x&g0.res_type=auto&g0.res_density=extreme")[0].resolution.type).toBe("auto");
    expect(parsePanels("g0.expr=x&g0.res_type=custom&g0.res_step=abc")[0].resolution).toEqual({
      type: "auto",
      density: "medium",
    });
  });
  it("ignores settings of a panel without an expression", () => {
    expect(parsePanels("g0.tab=graph")).toEqual([defaultPanel()]);
  });
});

describe("encodePanels", () => {
  const full: PanelState = {
    expr: 'sum by (job) (rate(x{a="b&c"}[5m])) / 2',
    tab: "graph",
    showTree: true,
    range: 5400,
    end: 1796681966,
    moment: 1796600000,
    resolution: { type: "custom", step: 7.5 },
    displayMode: "stacked",
    logScale: true,
    utc: true,
    unit: "percentunit",
    refresh: 60,
  };
  it("round-trips every setting", () => {
    expect(parsePanels(encodePanels([full]))).toEqual([full]);
    const panels = [full, defaultPanel("up"), { ...defaultPanel("a"), tab: "explain" as const }];
    expect(parsePanels(encodePanels(panels))).toEqual(panels);
  });
  it("round-trips every resolution", () => {
    for (const resolution of [
      { type: "auto", density: "low" },
      { type: "auto", density: "high" },
      { type: "fixed", step: 60 },
    ] as const) {
      const p = { ...defaultPanel("x"), resolution };
      expect(parsePanels(encodePanels([p]))).toEqual([p]);
    }
  });
  it("writes Prometheus 3's names and leaves Ariane's defaults out", () => {
    const s = encodePanels([defaultPanel("up")]);
    expect(s).toBe(
      "g0.expr=up&g0.show_tree=0&g0.tab=table&g0.range_input=1h&g0.res_type=auto&g0.res_density=medium&g0.display_mode=lines",
    );
  });
  it("writes times in UTC", () => {
    const s = new URLSearchParams(encodePanels([full]));
    expect(s.get("g0.end_input")).toBe("2026-12-07 22:19:26");
    expect(s.get("g0.range_input")).toBe("1h30m");
    expect(s.get("g0.refresh")).toBe("1m");
  });
});

describe("graphRedirectTarget", () => {
  it("translates a Prometheus 2 link to /query", () => {
    expect(graphRedirectTarget("?g0.expr=up&g0.tab=1&g0.range_input=1h")).toBe(
      "/query?g0.expr=up&g0.show_tree=0&g0.tab=table&g0.range_input=1h&g0.res_type=auto&g0.res_density=medium&g0.display_mode=lines",
    );
    const t = graphRedirectTarget("?g0.expr=rate(x[1m])&g0.tab=0&g0.stacked=1&g0.step_input=10&g1.expr=up");
    expect(parsePanels(t.slice("/query?".length))).toEqual([
      { ...defaultPanel("rate(x[1m])"), tab: "graph", displayMode: "stacked", resolution: { type: "custom", step: 10 } },
      defaultPanel("up"),
    ]);
  });
  it("goes to the empty page without panels", () => {
    expect(graphRedirectTarget("")).toBe("/query");
    expect(graphRedirectTarget("?utm=1")).toBe("/query");
  });
});

describe("effectiveStep", () => {
  it("is the auto step or the fixed one", () => {
    expect(effectiveStep(defaultPanel())).toBe(14);
    expect(effectiveStep({ ...defaultPanel(), range: 86400, resolution: { type: "auto", density: "low" } })).toBe(864);
    expect(effectiveStep({ ...defaultPanel(), resolution: { type: "fixed", step: 60 } })).toBe(60);
  });
});
