// Time as operators read it: year first, 24-hour clock, in the browser's time zone (with the zone's offset), the same
// on every page whatever the browser's locale (prometheus#16162 asks for exactly this).

const pad = (n: number) => String(n).padStart(2, "0");

/** "2026-12-07 21:31:05 +01:00" in the browser's time zone. */
export function formatTime(d: Date): string {
  const off = -d.getTimezoneOffset();
  const sign = off >= 0 ? "+" : "-";
  const abs = Math.abs(off);
  return (
    `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())} ` +
    `${pad(d.getHours())}:${pad(d.getMinutes())}:${pad(d.getSeconds())} ` +
    `${sign}${pad(Math.floor(abs / 60))}:${pad(abs % 60)}`
  );
}
