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
