/** `ovl tui`: the full-screen terminal UI (packages/tui), on the same NATS as every command. */
import { tuiNatsUrl, type GlobalOptions } from "../context.js";
import { FailedError } from "../errors.js";

export async function tuiCommand(g: GlobalOptions): Promise<number> {
  if (!process.stdin.isTTY || !process.stdout.isTTY) {
    throw new FailedError("ovl tui needs a terminal: run it in an interactive shell (for scripts use `ovl ps --json`, `ovl nodes --json`, `ovl events --json`)");
  }
  // React's production build, chosen when React loads: in the bundle the TUI's own
  // production.ts runs after its chunk's hoisted imports have loaded React (the development
  // build grew past 2 GB travelling through 30,000 events).
  process.env.NODE_ENV ??= "production";
  const { openTui } = await import("@ovl/tui");
  await openTui({ url: await tuiNatsUrl(g) });
  return 0;
}
