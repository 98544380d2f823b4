/** Key helpers shared by the input hooks (pure). */
import type { Key } from "ink";

/** Text typed (or pasted) into a field, or null when the key is not text. */
export function typedText(input: string, key: Key): string | null {
  if (key.ctrl || key.meta || key.escape || key.return || key.tab || key.backspace || key.delete) return null;
  if (key.upArrow || key.downArrow || key.leftArrow || key.rightArrow || key.pageUp || key.pageDown) return null;
  // Drop control characters a paste may carry.
  const text = input.replace(/[\u0000-\u001f\u007f]/g, "");
  return text === "" ? null : text;
}

/** Backspace: terminals send DEL (0x7f), which ink reports as `delete`. */
export const isErase = (key: Key): boolean => key.backspace || key.delete;

const CONTROL: Record<string, Partial<Key>> = {
  "\t": { tab: true },
  "\r": { return: true },
  "\n": { return: true },
  "\x7f": { delete: true },
  "\b": { backspace: true },
};

/**
 * Keys typed faster than the terminal is read arrive as one chunk ("web\tbusybox\r"), and
 * ink reports the chunk as one input. Text fields split it back into keys, so a tab or an
 * Enter inside the chunk still moves the focus or submits.
 */
export function splitChunk(input: string, key: Key): Array<{ input: string; key: Key }> {
  if (input.length <= 1 || !/[\t\r\n\x7f\b]/.test(input) || key.ctrl || key.meta) return [{ input, key }];
  const plain: Key = { ...key, tab: false, return: false, delete: false, backspace: false, shift: false };
  const out: Array<{ input: string; key: Key }> = [];
  for (const part of input.split(/([\t\r\n\x7f\b])/)) {
    if (part === "") continue;
    const control = CONTROL[part];
    out.push(control ? { input: "", key: { ...plain, ...control } } : { input: part, key: plain });
  }
  return out;
}
