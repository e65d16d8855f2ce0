// The metrics explorer's list: every metric name with its metadata, filtered by what the user types. Substring matches
// of the name come first (those starting with the text before the others), then names that contain the typed letters
// in order ("nodcpu" finds node_cpu_seconds_total), then metrics whose help text mentions it.

import type { MetricMetadata } from "../api";

export interface MetricRow {
  name: string;
  type: string;
  unit: string;
  help: string;
}

/** The series a histogram or summary family writes under its own name plus a suffix, and the family types that do. */
const FAMILY_SUFFIXES: [suffix: string, types: string[]][] = [
  ["_bucket", ["histogram", "gaugehistogram"]],
  ["_count", ["histogram", "summary"]],
  ["_sum", ["histogram", "summary"]],
  ["_gcount", ["gaugehistogram"]],
  ["_gsum", ["gaugehistogram"]],
];

/** The metadata of `name`: its own, else its histogram's or summary's (the API keys those by the family's name). */
function metadataOf(name: string, metadata: Record<string, MetricMetadata[]> | undefined): MetricMetadata | undefined {
  const own = metadata?.[name]?.[0];
  if (own || !metadata) return own;
  for (const [suffix, types] of FAMILY_SUFFIXES) {
    if (!name.endsWith(suffix)) continue;
    const family = metadata[name.slice(0, -suffix.length)]?.[0];
    if (family && types.includes(family.type)) return family;
  }
  return undefined;
}

/**
 * One row per metric name (sorted), with the first metadata entry the server knows for it, or for the histogram or
 * summary it belongs to (foo_bucket, foo_count, foo_sum have the metadata of foo), else blanks.
 */
export function metricRows(names: string[], metadata: Record<string, MetricMetadata[]> | undefined): MetricRow[] {
  return [...new Set(names)].sort().map((name) => {
    const m = metadataOf(name, metadata);
    return { name, type: m?.type ?? "", unit: m?.unit ?? "", help: m?.help ?? "" };
  });
}

/** Whether the letters of `needle` appear in `hay` in order (both lower case). */
export function fuzzyMatch(hay: string, needle: string): boolean {
  let j = 0;
  for (let i = 0; i < hay.length && j < needle.length; i++) if (hay.charCodeAt(i) === needle.charCodeAt(j)) j++;
  return j === needle.length;
}

/**
 * The rows matching every word of `query` (case-insensitive), best first: name starts with the word, name contains
 * it, name contains its letters in order (words of four letters or more: shorter ones match almost anything), help
 * contains it. Within a rank, names stay sorted.
 */
export function filterMetrics(rows: MetricRow[], query: string): MetricRow[] {
  const words = query.toLowerCase().split(/\s+/).filter(Boolean);
  if (words.length === 0) return rows;
  const ranked: { row: MetricRow; rank: number }[] = [];
  for (const row of rows) {
    const name = row.name.toLowerCase();
    let help: string | undefined;
    let worst = 0;
    for (const w of words) {
      let rank: number;
      if (name.startsWith(w)) rank = 0;
      else if (name.includes(w)) rank = 1;
      else if (w.length >= 4 && fuzzyMatch(name, w)) rank = 2;
      else if ((help ??= row.help.toLowerCase()).includes(w)) rank = 3;
      else {
        worst = -1;
        break;
      }
      worst = Math.max(worst, rank);
    }
    if (worst >= 0) ranked.push({ row, rank: worst });
  }
  ranked.sort((a, b) => a.rank - b.rank || (a.row.name < b.row.name ? -1 : a.row.name > b.row.name ? 1 : 0));
  return ranked.map((r) => r.row);
}
