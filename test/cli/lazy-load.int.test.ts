/**
 * `ovl ps` must start fast: it loads neither better-sqlite3 (coordinator), dockerode
 * (agent) nor ink/react (TUI). Checked on the real bundle by tracing every module resolved;
 * Ink and React are bundled into the TUI's chunk, so the chunks loaded are read for them too.
 */
import { test } from "uvu";
import * as assert from "uvu/assert";
import { execFile } from "node:child_process";
import { mkdtempSync, readFileSync, readdirSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { startNats, type TestNats } from "../support/nats.js";
import { OVL_BIN, ROOT, buildBundle, daemon, type Daemon } from "../support/ovl.js";

let nats: TestNats;
let dir: string;
let coordinator: Daemon;

test.before(async () => {
  await buildBundle();
  nats = await startNats();
  dir = mkdtempSync(join(tmpdir(), "ovl-cli-lazy-"));
  coordinator = daemon(["coordinator", "--db", join(dir, "c.db"), "--nats", nats.url]);
  await coordinator.waitFor(/coordinator serving/);
});

test.after(async () => {
  await coordinator?.stop();
  await nats?.stop();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

function traced(args: string[]): Promise<{ code: number; modules: string[] }> {
  const file = join(dir, `trace-${args[0]}-${Date.now()}.txt`);
  return new Promise((resolve) =>
    execFile(
      process.execPath,
      ["--import", join(import.meta.dirname, "trace-imports.mjs"), OVL_BIN, ...args],
      { env: { ...process.env, OVL_TRACE_FILE: file }, timeout: 20_000 },
      (err) => {
        let modules: string[] = [];
        try {
          modules = readFileSync(file, "utf8").split("\n").filter(Boolean);
        } catch {
          /* nothing traced */
        }
        resolve({ code: err ? Number((err as { code?: number }).code ?? -1) : 0, modules });
      },
    ),
  );
}

const heavy = /better-sqlite3|dockerode|docker-modem|\/ink\/|\/react\/|yoga-layout|\/tsx\//;
/** The bundle's chunks among `modules` that hold Ink (esbuild names each bundled module's path in a comment). */
const tuiChunks = (modules: string[]) =>
  modules.filter((m) => m.startsWith("file:") && m.includes("/dist/chunks/") && readFileSync(fileURLToPath(m), "utf8").includes("node_modules/ink/build/"));

test("ovl ps and ovl --help load no heavy module", async () => {
  const ps = await traced(["ps", "--nats", nats.url]);
  assert.is(ps.code, 0);
  assert.ok(ps.modules.some((m) => m.includes("/dist/ovl.mjs")), "the bundle ran");
  assert.ok(ps.modules.some((m) => m.includes("/dist/chunks/")), "its chunks were loaded (nats is one of them)");
  assert.equal(ps.modules.filter((m) => heavy.test(m)), []);
  assert.equal(tuiChunks(ps.modules), []);
  const help = await traced(["--help"]);
  assert.is(help.code, 0);
  assert.equal(help.modules.filter((m) => heavy.test(m) || m.includes("/node_modules/nats/")), []);
});

test("the check for the TUI's chunk finds Ink in the bundle", () => {
  const chunks = join(ROOT, "packages", "cli", "dist", "chunks");
  assert.ok(tuiChunks(readdirSync(chunks).map((f) => pathToFileURL(join(chunks, f)).href)).length > 0);
});

test("the coordinator subcommand does load better-sqlite3 (the trace sees it)", async () => {
  const r = await traced(["coordinator", "--db", join(dir, "c.db"), "--nats", "nats://127.0.0.1:1"]);
  assert.is(r.code, 1);
  assert.ok(r.modules.some((m) => m.includes("better-sqlite3")), "better-sqlite3 loaded before connecting");
});

test.run();
