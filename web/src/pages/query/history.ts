// The query history: the last 50 expressions executed, newest first, kept in the browser's localStorage and offered
// in the editor's completion and the history menu.

export const historyKey = "ariane.query.history";
export const historyLimit = 50;

/** The list with `expr` first (moved there if it was already in it), at most `limit` long; blank is not added. */
export function addToHistory(list: readonly string[], expr: string, limit = historyLimit): string[] {
  const e = expr.trim();
  if (e === "") return [...list];
  return [e, ...list.filter((x) => x !== e)].slice(0, limit);
}

/** The stored history; an empty list when there is none, it is not readable, or it is not a list of strings. */
export function loadHistory(storage: Pick<Storage, "getItem"> | undefined): string[] {
  try {
    const raw = storage?.getItem(historyKey);
    if (!raw) return [];
    const v: unknown = JSON.parse(raw);
    return Array.isArray(v) ? v.filter((x): x is string => typeof x === "string").slice(0, historyLimit) : [];
  } catch {
    return [];
  }
}

/** Adds an executed expression to the stored history and returns the new list (storage errors are ignored). */
export function recordHistory(storage: Pick<Storage, "getItem" | "setItem"> | undefined, expr: string): string[] {
  const list = addToHistory(loadHistory(storage), expr);
  try {
    storage?.setItem(historyKey, JSON.stringify(list));
  } catch {
    // Full or forbidden storage: the history is a convenience.
  }
  return list;
}

/** The history entries that contain every word typed so far (case-insensitive), newest first. */
export function matchHistory(list: readonly string[], typed: string, limit = 10): string[] {
  const words = typed.toLowerCase().split(/\s+/).filter(Boolean);
  return list.filter((e) => e !== typed && words.every((w) => e.toLowerCase().includes(w))).slice(0, limit);
}
