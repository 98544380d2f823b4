/**
 * When `./ovl` rebuilds the bundle (pure: mtimes in, a reason or null out), what the newest
 * input is (a throwaway tree), and what the version says.
 */
import { test } from "uvu";
import * as assert from "uvu/assert";
import { mkdirSync, mkdtempSync, rmSync, utimesSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { buildVersion, versionLine } from "@ovl/domain";
// @ts-expect-error plain JavaScript (it runs before TypeScript can be loaded), no declarations
import { newestInput, staleReason } from "../../packages/cli/bundle.mjs";

test("stale: no bundle, or an input newer than it", () => {
  assert.is(staleReason(null, { path: "a.ts", mtimeMs: 1 }), "there is no bundle");
  assert.is(staleReason(1000, { path: "packages/domain/src/decide.ts", mtimeMs: 1001 }), "packages/domain/src/decide.ts is newer than the bundle");
  assert.is(staleReason(1000, { path: "package-lock.json", mtimeMs: 2000 }), "package-lock.json is newer than the bundle");
});

test("fresh: every input as old as the bundle or older, or none", () => {
  assert.is(staleReason(1000, { path: "a.ts", mtimeMs: 1000 }), null);
  assert.is(staleReason(1000, { path: "a.ts", mtimeMs: 10 }), null);
  assert.is(staleReason(1000, null), null);
});

test("the newest input: sources at any depth, package.json, the lock file; dist and node_modules are not inputs", () => {
  const root = mkdtempSync(join(tmpdir(), "ovl-bundle-"));
  try {
    const file = (rel: string, s: number) => {
      const p = join(root, rel);
      mkdirSync(join(p, ".."), { recursive: true });
      writeFileSync(p, "x");
      utimesSync(p, s, s);
    };
    file("packages/domain/src/a.ts", 100);
    file("packages/node-agent/src/kernel/deep.ts", 200);
    file("packages/cli/package.json", 150);
    file("packages/cli/dist/ovl.mjs", 900);
    file("packages/cli/node_modules/x.js", 950);
    file("package-lock.json", 50);
    assert.equal(newestInput(root), { path: "packages/node-agent/src/kernel/deep.ts", mtimeMs: 200_000 });
    file("package-lock.json", 300);
    assert.equal(newestInput(root), { path: "package-lock.json", mtimeMs: 300_000 });
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
});

test("the version: release and commit, at most 64 characters in a heartbeat", () => {
  assert.is(versionLine("0.1.0", "3f2a1b9c0d1e"), "ovl 0.1.0 (commit 3f2a1b9c0d1e)");
  assert.is(buildVersion("0.1.0", "3f2a1b9c0d1e-dirty"), "0.1.0+3f2a1b9c0d1e-dirty");
  assert.is(buildVersion("0.1.0", "x".repeat(80)).length, 64);
  assert.is(buildVersion(), "0.1.0+source", "from the sources: no build, no commit");
});

test.run();
