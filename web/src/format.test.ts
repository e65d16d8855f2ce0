import { describe, expect, it } from "vitest";
import { formatTime } from "./format";

describe("formatTime", () => {
  it("writes year first, a 24-hour clock and the zone's offset", () => {
    const d = new Date(2026, 11, 7, 21, 5, 9);
    expect(formatTime(d)).toMatch(/^2026-12-07 21:05:09 [+-]\d\d:\d\d$/);
  });
});
