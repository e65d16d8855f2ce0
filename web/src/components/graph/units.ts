// Values as people read them, by unit: the graph's axis and tooltip and the query page's table all format through
// formatValue, so one number reads the same everywhere.
//
// Units: "" or undefined = a plain number with SI short suffixes (k, M, G, T, P, E); "bytes" = binary multiples
// (KiB, MiB, GiB...); "seconds" = ns/µs/ms/s/min/h/d; "percent" = a value already on 0–100; "percentunit" = a ratio on
// 0–1 shown as a percentage. NaN and ±Inf are written as Prometheus writes them.

/** The units formatValue knows, for a picker. */
export const UNITS: { value: string; label: string }[] = [
  { value: "", label: "Plain (k, M, G)" },
  { value: "bytes", label: "Bytes (KiB, MiB, GiB)" },
  { value: "seconds", label: "Seconds (ms, s, min, h)" },
  { value: "percent", label: "Percent (0–100)" },
  { value: "percentunit", label: "Percent (0–1)" },
];

/** A number without trailing zeros: about four significant digits, never exponent notation above 1e-6. */
export function plainNumber(x: number): string {
  if (x === 0) return "0";
  const a = Math.abs(x);
  let s: string;
  if (a >= 1e21) s = x.toExponential(3);
  else if (a >= 1000) s = x.toFixed(0);
  else if (a >= 100) s = x.toFixed(1);
  else if (a >= 10) s = x.toFixed(2);
  else if (a >= 1) s = x.toFixed(3);
  else if (a >= 1e-6) s = String(Number(x.toPrecision(4)));
  else s = x.toExponential(3);
  if (s.includes("e")) {
    const [m, e] = s.split("e");
    return trimZeros(m) + "e" + e;
  }
  return trimZeros(s);
}

function trimZeros(s: string): string {
  if (!s.includes(".")) return s;
  s = s.replace(/0+$/, "");
  return s.endsWith(".") ? s.slice(0, -1) : s;
}

const SI = ["", "k", "M", "G", "T", "P", "E"];
const BIN = ["B", "KiB", "MiB", "GiB", "TiB", "PiB", "EiB"];

function scaled(v: number, base: number, suffixes: string[], sep: string): string {
  const a = Math.abs(v);
  let i = 0;
  let x = v;
  while (i < suffixes.length - 1 && Math.abs(x) >= base && a >= base) {
    x /= base;
    i++;
  }
  // 999.96k rounds to "1000k": move up one more step instead.
  if (i < suffixes.length - 1 && Math.abs(Number(plainNumber(x))) >= base) {
    x /= base;
    i++;
  }
  const suffix = suffixes[i];
  return plainNumber(x) + (suffix ? sep + suffix : "");
}

function seconds(v: number): string {
  const a = Math.abs(v);
  if (a === 0) return "0s";
  if (a < 1e-6) return plainNumber(v * 1e9) + "ns";
  if (a < 1e-3) return plainNumber(v * 1e6) + "µs";
  if (a < 1) return plainNumber(v * 1e3) + "ms";
  if (a < 60) return plainNumber(v) + "s";
  if (a < 3600) return plainNumber(v / 60) + "min";
  if (a < 86400) return plainNumber(v / 3600) + "h";
  return plainNumber(v / 86400) + "d";
}

/** One value in the unit's words: formatValue(1536, "bytes") = "1.5 KiB", formatValue(0.25, "percentunit") = "25%". */
export function formatValue(v: number, unit?: string): string {
  if (Number.isNaN(v)) return "NaN";
  if (v === Infinity) return "+Inf";
  if (v === -Infinity) return "-Inf";
  switch (unit) {
    case "bytes":
      return scaled(v, 1024, BIN, " ");
    case "seconds":
      return seconds(v);
    case "percent":
      return plainNumber(v) + "%";
    case "percentunit":
      return plainNumber(v * 100) + "%";
    default:
      return Math.abs(v) < 1000 ? plainNumber(v) : scaled(v, 1000, SI, "");
  }
}
