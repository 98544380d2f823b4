/**
 * Waiting for the agent's fold without polling: the agent calls `applied()` right after it
 * folds each event, and a wait checks its condition then (and once at the start).
 */
export class FoldSignal {
  private readonly waiters = new Set<() => void>();

  /** The agent folded an event. */
  applied(): void {
    const due = [...this.waiters];
    this.waiters.clear();
    for (const check of due) check();
  }

  /** True once `cond()` holds, false when `timeoutMs` passed first. */
  until(cond: () => boolean, timeoutMs: number): Promise<boolean> {
    if (cond()) return Promise.resolve(true);
    return new Promise((resolve) => {
      const done = (ok: boolean) => {
        clearTimeout(timer);
        this.waiters.delete(check);
        resolve(ok);
      };
      const check = () => (cond() ? done(true) : void this.waiters.add(check));
      const timer = setTimeout(() => done(false), timeoutMs);
      this.waiters.add(check);
    });
  }
}
