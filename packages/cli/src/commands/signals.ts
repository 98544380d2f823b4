/**
 * Long-running commands (broker, coordinator, agent, events --follow) stop on SIGINT or
 * SIGTERM: the first signal runs the stop function; a second one exits at once, so a stuck
 * shutdown can always be interrupted.
 */
export interface SignalWatch {
  /** Resolves with the signal that arrived. */
  readonly received: Promise<NodeJS.Signals>;
  dispose(): void;
}

export function untilSignal(onSignal?: (sig: NodeJS.Signals) => void): SignalWatch {
  let resolve!: (sig: NodeJS.Signals) => void;
  const received = new Promise<NodeJS.Signals>((r) => (resolve = r));
  let seen = false;
  const handler = (sig: NodeJS.Signals) => {
    if (seen) process.exit(130);
    seen = true;
    onSignal?.(sig);
    resolve(sig);
  };
  process.on("SIGINT", handler);
  process.on("SIGTERM", handler);
  return {
    received,
    dispose() {
      process.off("SIGINT", handler);
      process.off("SIGTERM", handler);
    },
  };
}
