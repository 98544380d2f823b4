// Runs the test suites in order (unit, int, e2e) with uvu under tsx, each in its own
// process, and ends with the line CI reads: "N passed, N failed". A suite that crashes
// before its summary counts as one failure, so a broken file can never pass silently.
//   node test/run.mjs [unit|int|e2e ...]
import { spawn, spawnSync } from "node:child_process";
import { existsSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { dirname, join } from "node:path";

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

// The suites need nats-server, dockerd, iproute2, nftables... (Debian packages), plus a
// registry (image pull test) and openssl (TLS tests): install the missing ones the way
// `ovl up` does, when we may (root).
if (process.getuid?.() === 0) {
  const r = spawnSync(process.execPath, ["--import", "tsx", "-e", "const lab = await import('@ovl/lab'); await lab.ensureHostPackages({ log: console.log, packages: [...lab.HOST_PACKAGES, 'docker-registry', 'openssl'] })"], { cwd: root, stdio: "inherit" });
  if (r.status !== 0) console.log("test: could not install the Debian packages the tests need; continuing");
}

const kinds = process.argv.slice(2).length ? process.argv.slice(2) : ["unit", "int", "e2e"];

function runKind(kind) {
  return new Promise((resolve) => {
    const child = spawn(
      process.execPath,
      ["--import", "tsx", join(root, "node_modules/uvu/bin.js"), "test", `\\.${kind}\\.test\\.tsx?$`],
      { cwd: root, env: { ...process.env, NO_COLOR: "1", FORCE_COLOR: "0" }, stdio: ["ignore", "pipe", "inherit"] },
    );
    let out = "";
    child.stdout.on("data", (chunk) => {
      out += chunk;
      process.stdout.write(chunk);
    });
    child.on("close", (code) => {
      const clean = out.replace(/\x1b\[[0-9;]*m/g, "");
      const total = Number(/Total:\s+(\d+)/.exec(clean)?.[1] ?? NaN);
      const passed = Number(/Passed:\s+(\d+)/.exec(clean)?.[1] ?? NaN);
      const skipped = Number(/Skipped:\s+(\d+)/.exec(clean)?.[1] ?? 0);
      if (Number.isNaN(total) || Number.isNaN(passed)) {
        // No summary: no test files for this kind, or the runner crashed.
        const none = /No test files/i.test(clean) || clean.trim() === "";
        resolve({ passed: 0, failed: none && code === 0 ? 0 : 1, skipped: 0 });
        return;
      }
      const failed = total - passed; // uvu's Total leaves skipped tests out
      resolve({ passed, failed: failed > 0 ? failed : code === 0 ? 0 : 1, skipped });
    });
  });
}

let passed = 0;
let failed = 0;
let skipped = 0;
for (const kind of kinds) {
  console.log(`\n=== ${kind} tests ===`);
  const r = await runKind(kind);
  passed += r.passed;
  failed += r.failed;
  skipped += r.skipped;
}
console.log(`\n${passed} passed, ${failed} failed${skipped ? `, ${skipped} skipped` : ""}`);
process.exit(failed > 0 ? 1 : 0);
