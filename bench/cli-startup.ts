/**
 * How long a person waits for `ovl`: wall time of `ovl --help` and `ovl ps` (against a
 * real nats-server and coordinator), with the bundle (dist/ovl.mjs, what `npm ci` builds)
 * and from the TypeScript sources through tsx (OVL_FROM_SOURCE=1), plus bare `node` as the
 * floor. Also checks that node_modules/.bin/ovl runs the bundle.
 *   npx tsx bench/cli-startup.ts [runs=10]
 */
import { execFile, execFileSync } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { startNats } from "../test/support/nats.js";
import { OVL_BIN, ROOT, buildBundle, daemon } from "../test/support/ovl.js";

const runs = Number(process.argv[2] ?? 10);

function timeOnce(argv: string[], env: NodeJS.ProcessEnv): Promise<number> {
  const t0 = performance.now();
  return new Promise((resolve, reject) =>
    execFile(argv[0]!, argv.slice(1), { env: { ...process.env, ...env }, timeout: 30_000 }, (err, _out, stderr) =>
      err ? reject(new Error(`${argv.join(" ")}: ${stderr}`)) : resolve(performance.now() - t0),
    ),
  );
}

async function measure(label: string, argv: string[], env: NodeJS.ProcessEnv = {}): Promise<void> {
  await timeOnce(argv, env); // warm the file cache
  const times: number[] = [];
  for (let i = 0; i < runs; i++) times.push(await timeOnce(argv, env));
  times.sort((a, b) => a - b);
  const median = times[Math.floor(times.length / 2)]!;
  console.log(`${label.padEnd(34)} median ${median.toFixed(0).padStart(5)} ms   min ${times[0]!.toFixed(0).padStart(5)}   max ${times.at(-1)!.toFixed(0).padStart(5)}   (n=${runs})`);
}

await buildBundle();
const binLink = join(ROOT, "node_modules", ".bin", "ovl");
console.log(`node_modules/.bin/ovl --version: ${execFileSync(binLink, ["--version"]).toString().trim()}`);
const nats = await startNats();
const dir = mkdtempSync(join(tmpdir(), "ovl-bench-cli-"));
const coordinator = daemon(["coordinator", "--db", join(dir, "c.db"), "--nats", nats.url]);
try {
  await coordinator.waitFor(/coordinator serving/);
  const node = process.execPath;
  await measure("node -e 0 (floor)", [node, "-e", "0"]);
  await measure("ovl --help (bundle)", [node, OVL_BIN, "--help"]);
  await measure("ovl --help (tsx, sources)", [node, OVL_BIN, "--help"], { OVL_FROM_SOURCE: "1" });
  await measure("ovl ps (bundle)", [node, OVL_BIN, "ps", "--nats", nats.url]);
  await measure("ovl ps (tsx, sources)", [node, OVL_BIN, "ps", "--nats", nats.url], { OVL_FROM_SOURCE: "1" });
  await measure("node_modules/.bin/ovl ps", [binLink, "ps", "--nats", nats.url]);
} finally {
  await coordinator.stop();
  await nats.stop();
  rmSync(dir, { recursive: true, force: true });
}
