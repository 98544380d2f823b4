/**
 * Phase times of a start, for measuring it: with OVL_TUI_TIMING=FILE each `timing(label)`
 * appends "<ms since process start> <label>" to FILE (the TUI owns the terminal, so not
 * stderr). Without it, a no-op.
 */
import { appendFileSync } from "node:fs";

const file = process.env.OVL_TUI_TIMING;

export function timing(label: string): void {
  if (file) appendFileSync(file, `${performance.now().toFixed(1)} ${label}\n`);
}
