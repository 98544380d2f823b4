/**
 * Which code runs, on the real bundle: `ovl --version` names the checkout's commit, a
 * bundle older than the sources is rebuilt when started as `./ovl` starts it, and `ovl
 * nodes` counts the coordinators serving with the version they beat (a restarted one is
 * the same coordinator, not one more).
 */
import { test } from "uvu";
import * as assert from "uvu/assert";
import { execFileSync } from "node:child_process";
import { mkdtempSync, rmSync, statSync, utimesSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { startNats, type TestNats } from "../support/nats.js";
import { ROOT, buildBundle, daemon, ovl, type Daemon } from "../support/ovl.js";

const BUNDLE = join(ROOT, "packages", "cli", "dist", "ovl.mjs");
let nats: TestNats;
let dir: string;
const daemons: Daemon[] = [];

test.before(async () => {
  await buildBundle();
  nats = await startNats();
  dir = mkdtempSync(join(tmpdir(), "ovl-cli-version-"));
});

test.after(async () => {
  for (const d of daemons) await d.stop();
  await nats?.stop();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

const head = execFileSync("git", ["-C", ROOT, "rev-parse", "--short=12", "HEAD"], { encoding: "utf8" }).trim();

test("ovl --version: the release and the commit the bundle was built from", async () => {
  const r = await ovl(["--version"]);
  assert.is(r.code, 0, r.stderr);
  assert.match(r.stdout.trim(), new RegExp(`^ovl 0\\.1\\.0 \\(commit ${head}(-dirty)?\\)$`));
});

test("started as ./ovl starts it, a bundle older than the sources is rebuilt first; a fresh one is not", async () => {
  const old = (Date.now() - 3_600_000) / 1000;
  utimesSync(BUNDLE, old, old);
  const r = await ovl(["--version"], { env: { OVL_ENSURE_BUNDLE: "1" }, timeoutMs: 60_000 });
  assert.is(r.code, 0, r.stderr);
  assert.match(r.stderr, /^ovl: rebuilding the command's bundle \(.+ is newer than the bundle\)$/m);
  assert.ok(statSync(BUNDLE).mtimeMs > Date.now() - 60_000, "the bundle was written again");
  const again = await ovl(["--version"], { env: { OVL_ENSURE_BUNDLE: "1" } });
  assert.is(again.stderr, "", "nothing to rebuild the second time");
  assert.is(again.stdout, r.stdout);
});

const coordinatorsLine = async (): Promise<string> => {
  const r = await ovl(["--nats", nats.url, "nodes"]);
  assert.is(r.code, 0, r.stderr);
  return r.stdout.split("\n").find((l) => l.startsWith("coordinators:")) ?? `(no coordinators line in ${JSON.stringify(r.stdout)})`;
};

test("ovl nodes: the coordinators serving and the code they run; a restarted one counts once", async () => {
  const start = async (db: string) => {
    const d = daemon(["--nats", nats.url, "coordinator", "--db", join(dir, db)]);
    daemons.push(d);
    await d.waitFor(/coordinator serving/, 30_000);
    return d;
  };
  const first = await start("a.db");
  const version = new RegExp(`^coordinators: 1 \\(0\\.1\\.0\\+${head}(-dirty)?\\)$`);
  assert.match(await coordinatorsLine(), version);
  await start("b.db");
  assert.match(await coordinatorsLine(), /^coordinators: 2 \(0\.1\.0\+[0-9a-f]{12}(-dirty)?\)$/);
  await first.stop();
  await start("a.db");
  assert.match(await coordinatorsLine(), /^coordinators: 2 /, "the restarted coordinator replaced its own beat");
});

test.run();
