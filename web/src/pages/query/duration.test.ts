import { describe, expect, it } from "vitest";
import {
  autoStep,
  formatDuration,
  formatInputTime,
  formatUrlTime,
  parseDuration,
  parseInputTime,
  parseUrlTime,
  rangeSteps,
  stepRange,
} from "./duration";

describe("parseDuration", () => {
  it("reads Prometheus durations", () => {
    expect(parseDuration("5m")).toBe(300);
    expect(parseDuration("1h30m")).toBe(5400);
    expect(parseDuration("8w")).toBe(8 * 7 * 86400);
    expect(parseDuration("1y")).toBe(365 * 86400);
    expect(parseDuration("1d2h3m4s")).toBe(86400 + 7200 + 180 + 4);
    expect(parseDuration("500ms")).toBe(0.5);
    expect(parseDuration("1m500ms")).toBe(60.5);
    expect(parseDuration(" 2h ")).toBe(7200);
  });
  it("reads bare seconds and decimals", () => {
    expect(parseDuration("300")).toBe(300);
    expect(parseDuration("1.5h")).toBe(5400);
  });
  it("refuses what is not a duration", () => {
    for (const bad of ["", "h", "1", "0", "0s", "-1h", "1x", "1h1h", "1m1h", "1 h", "abc", "1h30"]) {
      expect(parseDuration(bad), bad).toBe(bad === "1" ? 1 : undefined);
    }
  });
});

describe("formatDuration", () => {
  it("writes the shortest form", () => {
    expect(formatDuration(300)).toBe("5m");
    expect(formatDuration(5400)).toBe("1h30m");
    expect(formatDuration(604800)).toBe("1w");
    expect(formatDuration(8 * 604800)).toBe("8w");
    expect(formatDuration(86400 + 1)).toBe("1d1s");
    expect(formatDuration(0.25)).toBe("250ms");
    expect(formatDuration(0)).toBe("0s");
    expect(formatDuration(NaN)).toBe("0s");
  });
  it("round-trips", () => {
    for (const s of [1, 59, 61, 3599, 3600, 5400, 86399, 1234567, 31536000 + 7]) {
      expect(parseDuration(formatDuration(s))).toBe(s);
    }
  });
});

describe("range picker", () => {
  it("lists 5m to 8w in order", () => {
    expect(formatDuration(rangeSteps[0])).toBe("5m");
    expect(formatDuration(rangeSteps[rangeSteps.length - 1])).toBe("8w");
    expect([...rangeSteps].sort((a, b) => a - b)).toEqual(rangeSteps);
  });
  it("steps up and down, also from a free value", () => {
    expect(stepRange(3600, 1)).toBe(7200);
    expect(stepRange(3600, -1)).toBe(1800);
    expect(stepRange(5400, 1)).toBe(7200);
    expect(stepRange(5400, -1)).toBe(3600);
    expect(stepRange(300, -1)).toBe(300);
    expect(stepRange(8 * 604800, 1)).toBe(8 * 604800);
  });
});

describe("autoStep", () => {
  it("is range/250 in whole seconds, at least 1", () => {
    expect(autoStep(3600)).toBe(14);
    expect(autoStep(86400)).toBe(346);
    expect(autoStep(60)).toBe(1);
    expect(autoStep(3600, "low")).toBe(36);
    expect(autoStep(3600, "high")).toBe(4);
  });
});

describe("URL times", () => {
  it("writes UTC year-first 24-hour times", () => {
    expect(formatUrlTime(0)).toBe("1970-01-01 00:00:00");
    expect(formatUrlTime(1796681966.7)).toBe("2026-12-07 22:19:27");
  });
  it("reads Prometheus 2 and 3 forms, RFC 3339 and unix seconds", () => {
    expect(parseUrlTime("2026-12-07 22:19:26")).toBe(1796681966);
    expect(parseUrlTime("2026-12-07 22:19")).toBe(1796681940);
    expect(parseUrlTime("2026-12-07")).toBe(1796601600);
    expect(parseUrlTime("2026-12-07T22:19:26Z")).toBe(1796681966);
    expect(parseUrlTime("2026-12-07T23:19:26+01:00")).toBe(1796681966);
    expect(parseUrlTime("2026-12-07T22:19:26.5Z")).toBe(1796681966.5);
    expect(parseUrlTime("1796681966")).toBe(1796681966);
    expect(parseUrlTime("1796681966.25")).toBe(1796681966.25);
  });
  it("refuses bad times", () => {
    for (const bad of ["", "now", "2026-13-01", "2026-02-31", "2026-12-07 25:00", "12/07/2026", "17"]) {
      expect(parseUrlTime(bad), bad).toBeUndefined();
    }
  });
  it("round-trips whole seconds", () => {
    for (const t of [0, 1796681966, 951782400]) expect(parseUrlTime(formatUrlTime(t))).toBe(t);
  });
});

describe("time pickers", () => {
  it("show and read UTC times", () => {
    expect(formatInputTime(1796681966, true)).toBe("2026-12-07 22:19:26");
    expect(parseInputTime("2026-12-07 22:19:26", true)).toBe(1796681966);
    expect(parseInputTime("2026-12-07 22:19", true)).toBe(1796681940);
  });
  it("show and read local times (round trip in the test's zone)", () => {
    for (const t of [1796681966, 1700000000, 951782400]) {
      expect(parseInputTime(formatInputTime(t, false), false)).toBe(t);
    }
    const local = new Date(2026, 11, 7, 22, 19, 26).getTime() / 1000;
    expect(parseInputTime("2026-12-07 22:19:26", false)).toBe(local);
  });
  it("take zoned and unix times as they are", () => {
    expect(parseInputTime("2026-12-07T22:19:26Z", false)).toBe(1796681966);
    expect(parseInputTime("1796681966", false)).toBe(1796681966);
  });
  it("refuse bad text", () => {
    for (const bad of ["", "now", "2026-13-01 00:00", "2026-12-07 24:00", "tomorrow"]) {
      expect(parseInputTime(bad, false), bad).toBeUndefined();
      expect(parseInputTime(bad, true), bad).toBeUndefined();
    }
  });
});
