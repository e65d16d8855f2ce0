import { describe, expect, it } from "vitest";
import { formatValue, plainNumber } from "./units";

describe("plainNumber", () => {
  it("keeps about four significant digits and drops trailing zeros", () => {
    expect(plainNumber(0)).toBe("0");
    expect(plainNumber(1)).toBe("1");
    expect(plainNumber(1.5)).toBe("1.5");
    expect(plainNumber(1.23456)).toBe("1.235");
    expect(plainNumber(12.3456)).toBe("12.35");
    expect(plainNumber(123.456)).toBe("123.5");
    expect(plainNumber(-42)).toBe("-42");
    expect(plainNumber(0.000123456)).toBe("0.0001235");
    expect(plainNumber(1e-9)).toBe("1e-9");
    expect(plainNumber(123456)).toBe("123456");
  });
});

describe("formatValue", () => {
  it("writes NaN and infinities as Prometheus does, whatever the unit", () => {
    for (const u of [undefined, "", "bytes", "seconds", "percent", "percentunit"]) {
      expect(formatValue(NaN, u)).toBe("NaN");
      expect(formatValue(Infinity, u)).toBe("+Inf");
      expect(formatValue(-Infinity, u)).toBe("-Inf");
    }
  });

  it("plain numbers get SI short suffixes from 1000 up", () => {
    expect(formatValue(0)).toBe("0");
    expect(formatValue(999)).toBe("999");
    expect(formatValue(0.5, "")).toBe("0.5");
    expect(formatValue(1000)).toBe("1k");
    expect(formatValue(1234)).toBe("1.234k");
    expect(formatValue(1_500_000)).toBe("1.5M");
    expect(formatValue(2.5e9)).toBe("2.5G");
    expect(formatValue(3e12)).toBe("3T");
    expect(formatValue(-4200)).toBe("-4.2k");
    expect(formatValue(999_999.9)).toBe("1M");
    expect(formatValue(5e20)).toBe("500E");
  });

  it("bytes use binary multiples", () => {
    expect(formatValue(0, "bytes")).toBe("0 B");
    expect(formatValue(512, "bytes")).toBe("512 B");
    expect(formatValue(1024, "bytes")).toBe("1 KiB");
    expect(formatValue(1536, "bytes")).toBe("1.5 KiB");
    expect(formatValue(8 * 1024 ** 3, "bytes")).toBe("8 GiB");
    expect(formatValue(1.25 * 1024 ** 2, "bytes")).toBe("1.25 MiB");
    expect(formatValue(-2048, "bytes")).toBe("-2 KiB");
  });

  it("seconds pick the unit a person would say", () => {
    expect(formatValue(0, "seconds")).toBe("0s");
    expect(formatValue(5e-9, "seconds")).toBe("5ns");
    expect(formatValue(2.5e-5, "seconds")).toBe("25µs");
    expect(formatValue(0.0123, "seconds")).toBe("12.3ms");
    expect(formatValue(1.5, "seconds")).toBe("1.5s");
    expect(formatValue(90, "seconds")).toBe("1.5min");
    expect(formatValue(7200, "seconds")).toBe("2h");
    expect(formatValue(3 * 86400, "seconds")).toBe("3d");
    expect(formatValue(-0.5, "seconds")).toBe("-500ms");
  });

  it("percent takes 0–100 as is, percentunit scales 0–1", () => {
    expect(formatValue(45.25, "percent")).toBe("45.25%");
    expect(formatValue(100, "percent")).toBe("100%");
    expect(formatValue(0.25, "percentunit")).toBe("25%");
    expect(formatValue(1, "percentunit")).toBe("100%");
    expect(formatValue(0.0012, "percentunit")).toBe("0.12%");
  });

  it("an unknown unit formats as plain", () => {
    expect(formatValue(2000, "furlongs")).toBe("2k");
  });
});
