/** The tests' one bounded poll. */

type Probe<T> = () => T | null | undefined | false | Promise<T | null | undefined | false>;

/**
 * Calls `probe` every `everyMs` until it returns a truthy value, and returns that, bounded
 * by `ms`. A throw counts as "not yet" (a server still starting, a request that timed out);
 * the last one is named when the time is up.
 */
export async function until<T>(what: string, ms: number, probe: Probe<T>, everyMs = 200): Promise<T> {
  const end = Date.now() + ms;
  let last: unknown;
  for (;;) {
    try {
      const v = await probe();
      if (v) return v;
    } catch (err) {
      last = err;
    }
    if (Date.now() > end) throw new Error(`timed out after ${ms} ms waiting for ${what}${last ? ` (last error: ${(last as Error).message})` : ""}`);
    await new Promise((r) => setTimeout(r, everyMs));
  }
}

/** Polls `check` every 20 ms until it holds, bounded by `ms` (until, for a yes/no check). */
export async function waitFor(what: string, check: () => boolean | Promise<boolean>, ms = 10_000): Promise<void> {
  await until(what, ms, check, 20);
}
