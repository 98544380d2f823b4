/** `ovl tui`: the full-screen terminal UI (packages/tui), on the same NATS as every command. */
import { resolveNatsUrl, type GlobalOptions } from "../context.js";
import { FailedError } from "../errors.js";

export async function tuiCommand(g: GlobalOptions): Promise<number> {
  if (!process.stdin.isTTY || !process.stdout.isTTY) {
    throw new FailedError("ovl tui needs a terminal: run it in an interactive shell (for scripts use `ovl ps --json`, `ovl nodes --json`, `ovl events --json`)");
  }
  const { openTui } = await import("@ovl/tui");
  await openTui({ url: resolveNatsUrl(g) });
  return 0;
}
