/**
 * The one before/after of the kernel suites. What a suite makes (namespaces, processes,
 * scratch dirs) goes in its bed's Scope, and the suite's after() closes it. A setup that
 * throws closes the scope at once, and every test of the suite then fails with its error:
 * an error thrown by a before() hook stops uvu's run of the suite without a word and with
 * exit code 0 (its runner returns from a finally block), so it is not thrown from there.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { Test } from "uvu";
import { Scope } from "../support/netns.js";

export interface KernelBed {
  readonly scope: Scope;
  /** A scratch dir under the system's temp dir, removed when the scope closes. */
  tempDir(prefix: string): string;
}

/** Registers before (running `setup` on a fresh bed) and after on `test`; returns the bed. */
export function kernelSuite(test: Test, setup: (bed: KernelBed) => Promise<void>): KernelBed {
  const scope = new Scope();
  const bed: KernelBed = {
    scope,
    tempDir: (prefix) => {
      const dir = mkdtempSync(join(tmpdir(), prefix));
      scope.defer(async () => rmSync(dir, { recursive: true, force: true }));
      return dir;
    },
  };
  let failed: { error: unknown } | null = null;
  test.before(async () => {
    try {
      await setup(bed);
    } catch (error) {
      failed = { error };
      await scope.close().catch(() => undefined);
    }
  });
  test.before.each(() => {
    if (failed) throw failed.error;
  });
  test.after(() => scope.close());
  return bed;
}
