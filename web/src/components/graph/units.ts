// PLACEHOLDER: replaced by the graph helper's version at merge

export function formatValue(v: number, unit?: string): string {
  return unit ? `${v} ${unit}` : String(v);
}
