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
  async until(cond: () => boolean, timeoutMs: number): Promise<boolean> {
    return (await this.value(() => cond() || null, timeoutMs)) !== null;
  }

  /**
   * What `get()` gives once it gives something (it is asked now and after each folded
   * event); null when `timeoutMs` passed first, or once `cancel` settled (the answer came
   * another way: no waiter is left behind).
   */
  value<T>(get: () => T | null, timeoutMs: number, cancel?: Promise<unknown>): Promise<T | null> {
    const now = get();
    if (now !== null) return Promise.resolve(now);
    return new Promise((resolve) => {
      const done = (v: T | null) => {
        clearTimeout(timer);
        this.waiters.delete(check);
        resolve(v);
      };
      const check = () => {
        const v = get();
        if (v !== null) done(v);
        else this.waiters.add(check);
      };
      const timer = setTimeout(() => done(null), timeoutMs);
      this.waiters.add(check);
      cancel?.then(() => done(null), () => done(null));
    });
  }
}
