/**
 * Runs one async job at a time: never two runs at once, so the runtime sees one view at a
 * time, and a request that arrives during a run makes exactly one more run after it.
 *
 * Leading edge, then debounce: a request after a quiet spell (no run started for
 * `debounceMs`) runs on the next turn of the event loop (setImmediate: the events already
 * read from the socket are folded first), so a lone `ovl run` costs no fixed wait. Requests
 * closer together than that (a replay, a `leave` that stops fifty containers) wait for the
 * rest of the period and become one run.
 */
export interface Scheduler {
  schedule(): void;
  /** Resolves once no run is pending or running. */
  idle(): Promise<void>;
  /** No new runs; resolves when the current one ends. */
  stop(): Promise<void>;
}

/** How long a request waits: 0 after a quiet spell, else the rest of the period since the last run started. */
export function delayFor(now: number, lastStart: number, debounceMs: number): number {
  const since = now - lastStart;
  return since >= debounceMs ? 0 : debounceMs - since;
}

export function createScheduler(job: () => Promise<void>, debounceMs: number, onError: (err: unknown) => void, now: () => number = () => performance.now()): Scheduler {
  let cancel: (() => void) | null = null;
  let running: Promise<void> | null = null;
  let again = false;
  let stopped = false;
  let lastStart = -Infinity;

  const runLoop = async () => {
    do {
      again = false;
      lastStart = now();
      try {
        await job();
      } catch (err) {
        onError(err);
      }
    } while (again && !stopped);
    running = null;
  };
  const fire = () => {
    cancel = null;
    if (stopped) return;
    if (running) again = true;
    else running = runLoop();
  };
  return {
    schedule() {
      if (stopped || cancel) return;
      if (running) return void (again = true);
      const ms = delayFor(now(), lastStart, debounceMs);
      if (ms === 0) {
        const h = setImmediate(fire);
        cancel = () => clearImmediate(h);
      } else {
        const h = setTimeout(fire, ms);
        cancel = () => clearTimeout(h);
      }
    },
    async idle() {
      while (cancel || running) {
        if (running) await running;
        else await new Promise((r) => setTimeout(r, Math.max(1, debounceMs)));
      }
    },
    async stop() {
      stopped = true;
      cancel?.();
      cancel = null;
      if (running) await running;
    },
  };
}
