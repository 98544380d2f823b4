// Whether the CLI bundle (packages/cli/dist) is older than what it is built from, and the
// rebuild. `./ovl` asks before every command (OVL_ENSURE_BUNDLE=1), so that `git pull` and a
// restart run the new code: without it the bundle is rebuilt only by `npm ci`'s postinstall.
// The services (systemd units run bin/ovl.mjs directly, often as a user that may not write
// the checkout) do not ask; the upgrade procedure runs `./ovl --version` first
// (docs/operations.md). Plain JavaScript: it runs before any TypeScript can be loaded.
import { spawnSync } from "node:child_process";
import { readdirSync, statSync } from "node:fs";
import { join, relative } from "node:path";

/**
 * Pure: why the bundle must be rebuilt, or null when it is up to date. `bundleMs` is the
 * bundle's mtime (null: no bundle); `newest` the newest input file and its mtime.
 */
export function staleReason(bundleMs, newest) {
  if (bundleMs === null) return "there is no bundle";
  if (newest !== null && newest.mtimeMs > bundleMs) return `${newest.path} is newer than the bundle`;
  return null;
}

const mtime = (path) => {
  try {
    return statSync(path).mtimeMs;
  } catch {
    return null;
  }
};

function newestUnder(dir, best) {
  let entries;
  try {
    entries = readdirSync(dir, { withFileTypes: true });
  } catch {
    return best;
  }
  for (const e of entries) {
    const path = join(dir, e.name);
    if (e.isDirectory()) best = newestUnder(path, best);
    else if (e.isFile()) {
      const ms = mtime(path);
      if (ms !== null && (best === null || ms > best.mtimeMs)) best = { path, mtimeMs: ms };
    }
  }
  return best;
}

/** The newest input of the bundle: every package's src/ and package.json, the lock file, build.mjs. */
export function newestInput(root) {
  let best = null;
  const consider = (path) => {
    const ms = mtime(path);
    if (ms !== null && (best === null || ms > best.mtimeMs)) best = { path, mtimeMs: ms };
  };
  const packages = join(root, "packages");
  for (const pkg of readdirSync(packages)) {
    best = newestUnder(join(packages, pkg, "src"), best);
    consider(join(packages, pkg, "package.json"));
  }
  consider(join(root, "package-lock.json"));
  consider(join(root, "packages", "cli", "build.mjs"));
  return best && { path: relative(root, best.path), mtimeMs: best.mtimeMs };
}

export const bundlePath = (root) => join(root, "packages", "cli", "dist", "ovl.mjs");

/**
 * Rebuilds the bundle when it is stale. Returns "fresh" (nothing to do), "rebuilt", or
 * "failed" (the caller then runs the sources: new code, slower start).
 */
export function ensureFreshBundle(root, log = (line) => process.stderr.write(`${line}\n`)) {
  const why = staleReason(mtime(bundlePath(root)), newestInput(root));
  if (why === null) return "fresh";
  log(`ovl: rebuilding the command's bundle (${why})`);
  const r = spawnSync(process.execPath, [join(root, "packages", "cli", "build.mjs")], { cwd: root, stdio: ["ignore", "ignore", "pipe"], encoding: "utf8" });
  if (r.status === 0) return "rebuilt";
  log(`ovl: could not rebuild the bundle (${(r.stderr || r.error?.message || `exit ${r.status}`).trim().split("\n")[0]}); running from the sources`);
  return "failed";
}
