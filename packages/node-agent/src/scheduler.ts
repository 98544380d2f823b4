/**
 * Runs one async job at a time: never two runs at once, so the runtime sees one view at a
 * time, and a request that arrives during a run makes exactly one more run after it.
 *
 * Leading edge, then debounce: a request after a quiet spell (no run started for
 * `debounceMs`) runs on the next turn of the event loop (setImmediate: the events already
 * read from the socket are folded first), so a lone `ovl run` costs no fixed wait. Requests
 * closer together than that (a replay, a `leave` that stops fifty containers) wait for the
 * rest of the period and become one run.
 *
 * A request may name a longer period (the agent's re-plans for another node's events: a
 * burst of them makes one run per period, not one per event) and a slack: its timer fires
 * `lateMs` after the period ends, and a request that comes once the period has ended (the
 * next event of the burst) runs on the next turn instead, in the same wake-up as that event:
 * a run on a timer of its own wakes the process once more, which costs more than the run. A
 * shorter request that comes while a longer one waits moves the run forward, never back.
 */
export interface Scheduler {
  /**
   * @param periodMs the debounce period of this request. @default debounceMs
   * @param lateMs how long after the period the timer fires, unless a request comes first. @default 0
   */
  schedule(periodMs?: number, lateMs?: number): void;
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
  /** When the pending run is due (now() time), while one waits. */
  let dueAt = Infinity;
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
    dueAt = Infinity;
    if (stopped) return;
    if (running) again = true;
    else running = runLoop();
  };
  return {
    schedule(periodMs = debounceMs, lateMs = 0) {
      if (stopped) return;
      if (running) return void (again = true); // one more run right after (no timer waits meanwhile)
      const t = now();
      const ms = delayFor(t, lastStart, periodMs);
      const wait = ms === 0 ? 0 : ms + lateMs;
      if (cancel) {
        if (t + wait >= dueAt) return; // the run that waits comes soon enough
        cancel();
      }
      dueAt = t + wait;
      if (wait === 0) {
        const h = setImmediate(fire);
        cancel = () => clearImmediate(h);
      } else {
        const h = setTimeout(fire, wait);
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
      dueAt = Infinity;
      if (running) await running;
    },
  };
}
