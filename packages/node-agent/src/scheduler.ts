/**
 * Runs one async job at a time, debounced: a burst of events (a replay, a `leave` that
 * stops fifty containers) becomes one run, and a request that arrives during a run makes
 * exactly one more run after it. Never two runs at once, so the runtime sees one view at a time.
 */
export interface Scheduler {
  schedule(): void;
  /** Resolves once no run is pending or running. */
  idle(): Promise<void>;
  /** No new runs; resolves when the current one ends. */
  stop(): Promise<void>;
}

export function createScheduler(job: () => Promise<void>, debounceMs: number, onError: (err: unknown) => void): Scheduler {
  let timer: NodeJS.Timeout | null = null;
  let running: Promise<void> | null = null;
  let again = false;
  let stopped = false;

  const runLoop = async () => {
    do {
      again = false;
      try {
        await job();
      } catch (err) {
        onError(err);
      }
    } while (again && !stopped);
    running = null;
  };
  const fire = () => {
    timer = null;
    if (stopped) return;
    if (running) again = true;
    else running = runLoop();
  };
  return {
    schedule() {
      if (stopped || timer) return;
      timer = setTimeout(fire, debounceMs);
    },
    async idle() {
      while (timer || running) {
        if (running) await running;
        else await new Promise((r) => setTimeout(r, debounceMs));
      }
    },
    async stop() {
      stopped = true;
      if (timer) clearTimeout(timer);
      timer = null;
      if (running) await running;
    },
  };
}
