/**
 * Selection by key, not by index: rows come and go while the cluster changes under the
 * cursor, and the selected container must stay selected when another one starts above it.
 */

/** The key `delta` rows away from `current` (an unknown or null key counts as the first row). */
export function moveSelection(current: string | null, keys: readonly string[], delta: number): string | null {
  if (keys.length === 0) return null;
  const at = current === null ? 0 : Math.max(0, keys.indexOf(current));
  const next = Math.min(keys.length - 1, Math.max(0, at + delta));
  return keys[next]!;
}

/** First visible row so that the selected one shows, roughly centred. */
export function scrollOffset(index: number, height: number, count: number): number {
  if (count <= height) return 0;
  return Math.max(0, Math.min(index - Math.floor(height / 2), count - height));
}

/** Row movement for the list keys, or null when the key is not a list key. */
export function listDelta(input: string, key: { upArrow: boolean; downArrow: boolean; pageUp: boolean; pageDown: boolean; home: boolean; end: boolean }, page: number): number | null {
  if (key.upArrow || input === "k") return -1;
  if (key.downArrow || input === "j") return 1;
  if (key.pageUp) return -page;
  if (key.pageDown) return page;
  if (key.home || input === "g") return -Infinity;
  if (key.end || input === "G") return Infinity;
  return null;
}

/** Case-insensitive "every word appears somewhere in the row". */
export function matchesFilter(text: string, filter: string): boolean {
  const words = filter.toLowerCase().split(/\s+/).filter(Boolean);
  if (words.length === 0) return true;
  const hay = text.toLowerCase();
  return words.every((w) => hay.includes(w));
}
