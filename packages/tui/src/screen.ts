/**
 * The alternate screen, entered and left by hand (ink 6 has no option for it; it came in
 * ink 7, which needs Node 22). Leaving must happen on every way out: quit, Ctrl-C, a
 * signal, process exit and a crash, or the user's shell is left on a blank screen.
 */
export const ENTER_ALT = "\x1b[?1049h\x1b[H";
/** Leave the alternate screen and show the cursor again (ink hides it). */
export const LEAVE_ALT = "\x1b[?1049l\x1b[?25h";

export interface AltScreen {
  /** Idempotent: the first call writes the sequence, later calls do nothing. */
  leave(): void;
}

export function enterAltScreen(out: NodeJS.WriteStream, proc: NodeJS.Process = process, onSignal: () => void = () => undefined): AltScreen {
  let inside = true;
  out.write(ENTER_ALT);
  const leave = () => {
    if (!inside) return;
    inside = false;
    out.write(LEAVE_ALT);
    proc.off("exit", leave);
    proc.off("uncaughtException", crash);
    proc.off("unhandledRejection", crash);
    for (const s of SIGNALS) proc.off(s, signal);
  };
  const crash = (err: unknown) => {
    leave();
    proc.stderr.write(`ovl tui crashed: ${(err as Error)?.stack ?? String(err)}\n`);
    proc.exit(1);
  };
  const signal = () => onSignal();
  proc.on("exit", leave);
  proc.on("uncaughtException", crash);
  proc.on("unhandledRejection", crash);
  for (const s of SIGNALS) proc.on(s, signal);
  return { leave };
}

/** Ctrl-C in raw mode is a key (ink handles it); these arrive from outside. */
const SIGNALS: NodeJS.Signals[] = ["SIGINT", "SIGTERM", "SIGHUP"];
