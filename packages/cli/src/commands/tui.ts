/** `ovl tui`: the full-screen terminal UI (packages/tui), on the same NATS as every command. */
import { tuiNatsUrl, type GlobalOptions } from "../context.js";
import { FailedError } from "../errors.js";
import { connectNats, timing } from "@ovl/client";

export async function tuiCommand(g: GlobalOptions): Promise<number> {
  if (!process.stdin.isTTY || !process.stdout.isTTY) {
    throw new FailedError("ovl tui needs a terminal: run it in an interactive shell (for scripts use `ovl ps --json`, `ovl nodes --json`, `ovl events --json`)");
  }
  timing(`tui: the command runs (node's bootstrap ended at ${performance.nodeTiming.bootstrapComplete.toFixed(0)})`);
  // Connecting overlaps loading the TUI's chunk (Ink, React): both are part of its start.
  const url = await tuiNatsUrl(g);
  const connecting = connectNats({ name: "ovl-tui", url });
  connecting.catch(() => undefined); // openTui reports a failure; this only keeps it handled meanwhile
  const { openTui } = await import("@ovl/tui");
  timing("tui: its chunk is loaded");
  await openTui({ url, connecting });
  return 0;
}
