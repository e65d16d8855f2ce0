// Prometheus durations ("1h30m", "2w", "500ms") and the times the query page puts in its URL. Seconds everywhere.

const units: [string, number][] = [
  ["y", 365 * 24 * 3600],
  ["w", 7 * 24 * 3600],
  ["d", 24 * 3600],
  ["h", 3600],
  ["m", 60],
  ["s", 1],
  ["ms", 0.001],
];
const unitSeconds = new Map(units);

/**
 * A Prometheus duration in seconds: one or more number+unit pieces, largest unit first ("1h30m", "2w", "90s",
 * "1.5h" too), or a bare number of seconds ("300"). Undefined for anything else, for zero, and for negatives.
 */
export function parseDuration(text: string): number | undefined {
  const s = text.trim();
  if (s === "") return undefined;
  if (/^\d+(\.\d+)?$/.test(s)) {
    const n = Number(s);
    return n > 0 ? n : undefined;
  }
  const re = /(\d+(?:\.\d+)?)(ms|y|w|d|h|m|s)/y;
  let total = 0;
  let pos = 0;
  let lastUnit = Infinity;
  while (pos < s.length) {
    re.lastIndex = pos;
    const m = re.exec(s);
    if (!m) return undefined;
    const size = unitSeconds.get(m[2])!;
    if (size >= lastUnit) return undefined; // "1m1h" or "1h1h" are not durations
    lastUnit = size;
    total += Number(m[1]) * size;
    pos = re.lastIndex;
  }
  return total > 0 ? total : undefined;
}

/** Seconds as the shortest Prometheus duration: 5400 → "1h30m", 604800 → "1w", 0.25 → "250ms". */
export function formatDuration(seconds: number): string {
  if (!(seconds > 0) || !Number.isFinite(seconds)) return "0s";
  let ms = Math.round(seconds * 1000);
  let out = "";
  for (const [u, size] of units) {
    const sizeMs = Math.round(size * 1000);
    const n = Math.floor(ms / sizeMs);
    if (n > 0) {
      out += `${n}${u}`;
      ms -= n * sizeMs;
    }
  }
  return out || "0s";
}

/** The ranges offered in the range picker (free text like "1h30m" is accepted too). */
export const rangeSteps: number[] = [
  "5m", "15m", "30m", "1h", "2h", "6h", "12h", "1d", "2d", "1w", "2w", "4w", "8w",
].map((d) => parseDuration(d)!);

/** The next larger (dir 1) or smaller (dir -1) range in the picker's list, for the +/- buttons. */
export function stepRange(range: number, dir: 1 | -1): number {
  if (dir > 0) return rangeSteps.find((r) => r > range) ?? range;
  return [...rangeSteps].reverse().find((r) => r < range) ?? range;
}

/** Points per graph for each automatic resolution density. */
export const densityPoints = { low: 100, medium: 250, high: 1000 } as const;
export type Density = keyof typeof densityPoints;

/** The automatic step for a range: range / points, in whole seconds, at least one second. */
export function autoStep(range: number, density: Density = "medium"): number {
  return Math.max(1, Math.round(range / densityPoints[density]));
}

const pad = (n: number) => String(n).padStart(2, "0");

/** Unix seconds as the URL writes times, in UTC as Prometheus does: "2026-12-07 21:31:05". */
export function formatUrlTime(t: number): string {
  const d = new Date(Math.round(t) * 1000);
  return (
    `${d.getUTCFullYear()}-${pad(d.getUTCMonth() + 1)}-${pad(d.getUTCDate())} ` +
    `${pad(d.getUTCHours())}:${pad(d.getUTCMinutes())}:${pad(d.getUTCSeconds())}`
  );
}

/**
 * A time from the URL in unix seconds: "YYYY-MM-DD HH:mm[:ss[.fff]]" in UTC (Prometheus 2 and 3 write these), the
 * same with a "T" and an optional "Z" or offset (RFC 3339), or unix seconds. Undefined when it is none of those.
 */
export function parseUrlTime(text: string): number | undefined {
  const s = text.trim();
  if (/^\d{9,11}(\.\d+)?$/.test(s)) return Number(s);
  const m = /^(\d{4})-(\d{2})-(\d{2})(?:[ T](\d{2}):(\d{2})(?::(\d{2})(\.\d+)?)?)?(Z|[+-]\d{2}:?\d{2})?$/.exec(s);
  if (!m) return undefined;
  const [, y, mo, d, h = "0", mi = "0", sec = "0", frac = "", zone = "Z"] = m;
  const month = Number(mo), day = Number(d), hour = Number(h), minute = Number(mi), second = Number(sec);
  if (month < 1 || month > 12 || day < 1 || day > 31 || hour > 23 || minute > 59 || second > 60) return undefined;
  let t = Date.UTC(Number(y), month - 1, day, hour, minute, second) / 1000 + (frac ? Number(frac) : 0);
  if (zone !== "Z") {
    const zm = /^([+-])(\d{2}):?(\d{2})$/.exec(zone)!;
    const off = (Number(zm[2]) * 60 + Number(zm[3])) * 60;
    t -= zm[1] === "+" ? off : -off;
  }
  // Date.UTC rolls 2026-02-31 over into March: such a date is not a date.
  if (new Date(Date.UTC(Number(y), month - 1, day)).getUTCDate() !== day) return undefined;
  return t;
}

/** Unix seconds as the time pickers show them: "2026-12-07 22:19:26", in UTC or the browser's time zone. */
export function formatInputTime(t: number, utc: boolean): string {
  if (utc) return formatUrlTime(t);
  const d = new Date(Math.round(t) * 1000);
  return (
    `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())} ` +
    `${pad(d.getHours())}:${pad(d.getMinutes())}:${pad(d.getSeconds())}`
  );
}

/**
 * What the user typed in a time picker, in unix seconds: "YYYY-MM-DD HH:mm[:ss]" (or only the date) in UTC or the
 * browser's time zone; an RFC 3339 time with a zone or unix seconds as they are. Undefined when it is not a time.
 */
export function parseInputTime(text: string, utc: boolean): number | undefined {
  const s = text.trim();
  if (utc || /^\d+(\.\d+)?$/.test(s) || /(Z|[+-]\d{2}:?\d{2})$/.test(s)) return parseUrlTime(s);
  const m = /^(\d{4})-(\d{2})-(\d{2})(?:[ T](\d{2}):(\d{2})(?::(\d{2}))?)?$/.exec(s);
  if (!m || parseUrlTime(s) === undefined) return undefined; // parseUrlTime checks the fields' ranges
  const [, y, mo, d, h = "0", mi = "0", sec = "0"] = m;
  return new Date(Number(y), Number(mo) - 1, Number(d), Number(h), Number(mi), Number(sec)).getTime() / 1000;
}
