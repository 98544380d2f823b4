// Runs the test files in order (unit, int, e2e), each in its own process with uvu under tsx
// and a time bound, and ends with the line CI reads: "N passed, N failed".
//   node test/run.mjs [unit|int|e2e ...]
// A file that crashes before its summary, or outlives its bound, counts as one failure (at
// least): a broken or hung file can neither pass silently nor hold the whole run. A file
// that outlives its bound gets SIGTERM (its exit hooks remove the namespaces and servers it
// made: test/support/exit-on-signal.mjs), SIGKILL for its process group after a grace time,
// and a lab it left up is taken down.
import { spawn, spawnSync } from "node:child_process";
import { existsSync, readdirSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { dirname, join, relative } from "node:path";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
// A fresh checkout: install the dependencies first, as `./ovl` does.
if (!existsSync(join(root, "node_modules", ".package-lock.json"))) {
  console.log("test: installing npm dependencies (npm ci)");
  const r = spawnSync("npm", ["ci", "--no-audit", "--no-fund"], { cwd: root, stdio: "inherit" });
  if (r.status !== 0) {
    console.log("0 passed, 1 failed");
    process.exit(1);
  }
}

// The suites need the lab's Debian packages (nats-server, dockerd, iproute2, nftables...)
// and the tests' own (packages/lab/debian-packages.txt): install the missing ones the way
// `ovl up` does, when we may (root).
if (process.getuid?.() === 0) {
  const r = spawnSync(process.execPath, ["--import", "tsx", "-e", "const lab = await import('@ovl/lab'); await lab.ensureHostPackages({ log: console.log, packages: lab.debianPackages('lab', 'test') })"], { cwd: root, stdio: "inherit" });
  if (r.status !== 0) console.log("test: could not install the Debian packages the tests need; continuing");
}

const kinds = process.argv.slice(2).length ? process.argv.slice(2) : ["unit", "int", "e2e"];
/** Seconds one file may take, by kind; OVL_TEST_FILE_TIMEOUT_S overrides all. */
const BOUND_S = { unit: 120, int: 300, e2e: 900 };
const GRACE_MS = 20_000;
/**
 * End-to-end files run once more per routing mode other than the default (auto; OVL_E2E_MODE,
 * test/support/lab.ts), only those whose checks follow the path: the overlay suite
 * (reachability, ports, restarts, leave) in vxlan and direct, the lost-and-resumed suite in
 * vxlan, the networks suite (isolation by VNI and by rules) in vxlan (the lab is one LAN
 * subnet, so auto already takes the direct path to every peer there). The VXLAN half of auto
 * on the lab: test/lab/routing.e2e.test.ts (a node behind a router).
 */
const MODE_RUNS = { e2e: [["test/lab/overlay.e2e.test.ts", ["vxlan", "direct"]], ["test/lab/resume.e2e.test.ts", ["vxlan"]], ["test/lab/networks.e2e.test.ts", ["vxlan"]]] };

function filesOf(kind) {
  const pattern = new RegExp(`\\.${kind}\\.test\\.tsx?$`);
  const found = [];
  const walk = (dir) => {
    for (const entry of readdirSync(dir, { withFileTypes: true }).sort((a, b) => (a.name < b.name ? -1 : 1))) {
      const path = join(dir, entry.name);
      if (entry.isDirectory()) walk(path);
      else if (pattern.test(entry.name)) found.push(path);
    }
  };
  walk(join(root, "test"));
  return found;
}

/** uvu's summary of one file, or null when it printed none. */
function summaryOf(out) {
  const clean = out.replace(/\x1b\[[0-9;]*m/g, "");
  const total = Number(/Total:\s+(\d+)/.exec(clean)?.[1] ?? NaN);
  const passed = Number(/Passed:\s+(\d+)/.exec(clean)?.[1] ?? NaN);
  const skipped = Number(/Skipped:\s+(\d+)/.exec(clean)?.[1] ?? 0);
  if (Number.isNaN(total) || Number.isNaN(passed)) return null;
  return { passed, failed: total - passed, skipped }; // uvu's Total leaves skipped tests out
}

function takeDownLeftLab() {
  const r = spawnSync(process.execPath, ["--import", "tsx", "-e", "const lab = await import('@ovl/lab'); const dir = lab.claimHolder(); if (dir) { console.log('test: taking down the lab left in ' + dir); await lab.labDown({ dir, log: console.log }); }"], { cwd: root, stdio: "inherit", timeout: 120_000 });
  if (r.status !== 0) console.log("test: could not take down a lab left behind");
}

function runFile(file, boundS, mode) {
  return new Promise((resolve) => {
    const started = Date.now();
    const child = spawn(process.execPath, ["--import", "tsx", "--import", join(root, "test/support/exit-on-signal.mjs"), file], {
      cwd: root,
      env: { ...process.env, NO_COLOR: "1", FORCE_COLOR: "0", ...(mode ? { OVL_E2E_MODE: mode } : {}) },
      stdio: ["ignore", "pipe", "inherit"],
      detached: true, // its own process group, so a hung file's children go with it
    });
    let out = "";
    child.stdout.on("data", (chunk) => {
      out += chunk;
      process.stdout.write(chunk);
    });
    let timedOut = false;
    let killer;
    const bound = setTimeout(() => {
      timedOut = true;
      console.log(`\ntest: ${relative(root, file)} still running after ${boundS} s: ending it`);
      try {
        process.kill(child.pid, "SIGTERM");
      } catch {}
      killer = setTimeout(() => {
        try {
          process.kill(-child.pid, "SIGKILL");
        } catch {}
      }, GRACE_MS);
    }, boundS * 1000);
    child.on("close", (code, signal) => {
      clearTimeout(bound);
      clearTimeout(killer);
      // Whatever the file started in its group and left running goes too (it ended, they must).
      try {
        process.kill(-child.pid, "SIGKILL");
      } catch {}
      const s = summaryOf(out);
      const seconds = ((Date.now() - started) / 1000).toFixed(1);
      let result;
      if (timedOut) result = { passed: s?.passed ?? 0, failed: Math.max(1, s?.failed ?? 0), skipped: s?.skipped ?? 0 };
      else if (!s) result = { passed: 0, failed: 1, skipped: 0 };
      else result = { ...s, failed: s.failed > 0 ? s.failed : code === 0 ? 0 : 1 };
      const why = timedOut ? " (timed out)" : !s ? ` (no summary: exit ${code ?? signal})` : "";
      const name = `${relative(root, file)}${mode ? ` [${mode}]` : ""}`;
      console.log(`test: ${name}: ${result.passed} passed, ${result.failed} failed in ${seconds} s${why}`);
      if (timedOut) takeDownLeftLab();
      resolve({ ...result, file: name, bad: result.failed > 0 });
    });
  });
}

let passed = 0;
let failed = 0;
let skipped = 0;
const failing = [];
for (const kind of kinds) {
  console.log(`\n=== ${kind} tests ===`);
  const boundS = Number(process.env.OVL_TEST_FILE_TIMEOUT_S) || BOUND_S[kind] || 600;
  const runs = [...filesOf(kind).map((file) => [file, undefined]), ...(MODE_RUNS[kind] ?? []).flatMap(([file, modes]) => modes.map((m) => [join(root, file), m]))];
  for (const [file, mode] of runs) {
    const r = await runFile(file, boundS, mode);
    passed += r.passed;
    failed += r.failed;
    skipped += r.skipped;
    if (r.bad) failing.push(r.file);
  }
}
if (failing.length) console.log(`\nfailing files:\n${failing.map((f) => `  ${f}`).join("\n")}`);
console.log(`\n${passed} passed, ${failed} failed${skipped ? `, ${skipped} skipped` : ""}`);
process.exit(failed > 0 ? 1 : 0);
