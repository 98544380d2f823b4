/**
 * Keys that arrive faster than the TUI reads them (a held key, keys typed while it was
 * busy) come as one chunk: ink splits escape sequences (arrows, pages) into their own
 * inputs but hands a run of plain characters over as one `input` ("{{{{"). A command key
 * compared with `input === "{"` would then act once, or not at all. `useKeys` hands each
 * character to the handler on its own, so every key of a burst counts. Text fields keep
 * the chunk (a paste is text, see keys.ts `splitChunk`).
 */
import { useInput, type Key } from "ink";

/** The single keys of one input: each character of a plain run, or the input as it came. Pure. */
export function splitKeys(input: string, key: Key): Array<{ input: string; key: Key }> {
  const chars = [...input];
  if (chars.length <= 1 || key.ctrl || key.meta || input.includes("\u001B")) return [{ input, key }];
  return chars.map((ch) => ({ input: ch, key: { ...key, shift: ch !== ch.toLowerCase() } }));
}

/** ink's useInput, one call of `handler` per key of a burst. */
export function useKeys(handler: (input: string, key: Key) => void, options: { isActive: boolean }): void {
  useInput((input, key) => {
    for (const k of splitKeys(input, key)) handler(k.input, k.key);
  }, options);
}
