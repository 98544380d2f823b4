/**
 * `ovl check` end to end on a 3-node lab brought up as `ovl up --lan-mtu 9000` does (locked,
 * real agents, kernel and broker, no --mtu): the cluster takes 8950 from the first node's
 * jumbo LAN, and the MTU probe sends 8950-byte packets. In `--mode vxlan`, because the faults
 * it makes are VXLAN's (a missing FDB entry, the VXLAN port dropped); on the lab's one subnet
 * the default auto would route every pair directly. Run as root, under the e2e lock.
 *
 * Steps, in order (each a test; a later one needs the earlier ones):
 *   1. lab up on a 9000-byte LAN, 3 nodes ready, the overlay at 8950, each node's kernel dumped
 *   2. healthy: `ovl check` exits 0 with every direction ok, `--json` gives 6 rows with all four
 *      probes ok (its time logged: benchmarks time it); the viewer is refused; no responder
 *      left listening and the kernel dumps unchanged
 *   3. n1's FDB entry for n2's gateway deleted by hand: the check names n1-n2 and nothing
 *      else. The agent heals the entry (its syncs), so the test deletes it again every 100 ms
 *      while the check runs
 *   4. VXLAN dropped on n3 by an nft rule of the test's own: the check names n1-n3 and n2-n3
 *      and nothing else; the rule removed, the check passes again
 *   5. the kernel dumps of every node equal those of step 1
 *   6. --containers with a1 on n1, b1 on n2, web on n3 (-p 8080:80): every container pair ok
 *      from inside the containers' namespaces (the node's ping, entered there), web's port
 *      answered from n1 and n2; n1's FDB entry for b1 deleted: exactly a1-b1 named
 * The lab comes down in test.after.
 */
import { test } from "uvu";
import * as assert from "uvu/assert";
import { LAB_CLUSTER, defaultOvlCommand, labDown, labIdentityEnv, labUpWhenFree, type LabInfo } from "@ovl/lab";
import { CHECK_PORT, macFor, type NodeRow, type PsRow } from "@ovl/domain";
import { IMAGE } from "@ovl/lab";
import { noRoot } from "../support/lab.js";
import { runningLab } from "../support/running-lab.js";
import { dumpDiff, exec, kernelDump, must, waitFor, type KernelDump } from "../support/overlay.js";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

const log = (l: string) => console.log(`    ${l}`);
const LAB_WAIT_MS = Number(process.env.OVL_E2E_LAB_WAIT_S ?? 600) * 1000;
const VX = "ovl-vx";
/** The test's own table, so removing it never touches ovl's. */
const DROP_TABLE = "ovlcheck_e2e";

process.env.OVL_FROM_SOURCE = "1";

const dir = mkdtempSync(join(tmpdir(), "ovl-check-e2e-"));
let info: LabInfo | null = null;
const before = new Map<string, KernelDump>();
const rows = new Map<string, NodeRow>();
const { lab, nodeOf, ovl, inNs } = runningLab(() => info);

interface Row {
  from: string;
  to: string;
  ok: boolean;
  ms?: number;
  reason?: string;
  probes?: Record<"icmp" | "udp" | "tcp" | "mtu", { ok: boolean; ms?: number; reason?: string }>;
}

async function checkJson(): Promise<{ code: number; rows: Row[]; ms: number }> {
  const t0 = Date.now();
  const r = await ovl("check", "--json");
  const ms = Date.now() - t0;
  assert.ok(r.code === 0 || r.code === 1, `ovl check --json exit ${r.code}: ${r.stderr}`);
  return { code: r.code, rows: JSON.parse(r.stdout) as Row[], ms };
}

const pairsOf = (rs: readonly Row[]): string[] => [...new Set(rs.filter((r) => !r.ok).map((r) => [r.from, r.to].sort().join("-")))].sort();

/**
 * Runs `f` while deleting an FDB entry again every 100 ms: the agent heals a deleted entry
 * (its syncs), often before a check started after one deletion reaches its probes.
 */
async function whileDeleting<T>(del: readonly string[], f: () => Promise<T>): Promise<T> {
  let done = false;
  const deleting = (async () => {
    while (!done) {
      await exec(del); // fails while the entry is absent: that is the point
      await new Promise((r) => setTimeout(r, 100));
    }
  })();
  try {
    return await f();
  } finally {
    done = true;
    await deleting;
  }
}

async function assertKernelAsBefore(): Promise<void> {
  for (const n of lab().nodes) assert.equal(dumpDiff(before.get(n.name)!, await kernelDump(n.ns)), [], `${n.name}'s kernel as before`);
}

/** Sockets on the check's port in a node's namespace (none between checks). */
async function listening(node: string): Promise<string> {
  return (await inNs(node, "ss", "-Hlnut", `sport = :${CHECK_PORT}`)).stdout.trim();
}

test.after(async () => {
  if (info) {
    const report = await labDown({ dir, log }).catch((err: Error) => ({ warnings: [err.message] }));
    report.warnings.forEach((w) => log(`lab down warning: ${w}`));
  }
  rmSync(dir, { recursive: true, force: true });
});

test("1. lab up (locked, as ovl up --lan-mtu 9000), 3 nodes ready, the overlay at 8950, kernels dumped", async () => {
  if (noRoot()) return;
  info = await labUpWhenFree({ nodes: 3, dir, ensurePackages: false, lanMtu: 9000, coordinatorArgs: ["coordinator", "--mode", "vxlan"], log }, LAB_WAIT_MS, 15_000);
  Object.assign(process.env, labIdentityEnv(dir, "operator"));
  await waitFor("3 nodes ready", 90_000, async () => {
    const r = await ovl("nodes", "--json");
    const ready = r.code === 0 ? (JSON.parse(r.stdout) as NodeRow[]).filter((n) => n.status === "ready" && n.gateway) : [];
    ready.forEach((n) => rows.set(n.name, n));
    return ready.length === 3;
  }, 500);
  for (const n of info.nodes) assert.match((await inNs(n.name, "ip", "-o", "link", "show", "ovl-br")).stdout, / mtu 8950 /, `${n.name}'s bridge at 8950`);
  // The first check after a join may race the agents' first sync; settle on a green one first.
  await waitFor("a first green check", 60_000, async () => (await checkJson()).code === 0, 1000);
  for (const n of info.nodes) before.set(n.name, await kernelDump(n.ns));
});

test("2. healthy lab: all green, --json rows, viewer refused, nothing left behind", async () => {
  if (noRoot()) return;
  const text = await ovl("check");
  assert.is(text.code, 0, `${text.stdout}\n${text.stderr}`);
  log(text.stdout.trim().split("\n").join("\n    "));
  assert.match(text.stdout, /^check: 3 nodes, 6 directions: all passed/);
  assert.match(text.stdout, /\nn1\s+-\s+ok [\d.]+ms\s+ok [\d.]+ms\n/);
  const j = await checkJson();
  assert.is(j.code, 0);
  log(`healthy: ovl check --json took ${j.ms} ms (the CLI's start included)`);
  assert.equal(j.rows.map((r) => `${r.from}>${r.to}`), ["n1>n2", "n1>n3", "n2>n1", "n2>n3", "n3>n1", "n3>n2"]);
  for (const r of j.rows) {
    assert.ok(r.ok && typeof r.ms === "number", `${r.from}>${r.to}: ${r.reason}`);
    for (const p of ["icmp", "udp", "tcp", "mtu"] as const) assert.ok(r.probes?.[p].ok, `${r.from}>${r.to} ${p}`);
  }
  const viewer = await exec([...defaultOvlCommand(), "check"], { timeoutMs: 60_000, env: { ...process.env, OVL_NATS_URL: lab().natsUrl, ...labIdentityEnv(dir, "viewer") } });
  assert.is(viewer.code, 1, `the viewer may not check: ${viewer.stdout}${viewer.stderr}`);
  assert.match(viewer.stderr, /not allowed to send to ovl\.agent\.n\d\.check/);
  for (const n of lab().nodes) assert.is(await listening(n.name), "", `nothing listens on ${CHECK_PORT} on ${n.name}`);
  await assertKernelAsBefore();
});

test("3. an FDB entry deleted on n1: exactly n1-n2 named", async () => {
  if (noRoot()) return;
  const mac = macFor(rows.get("n2")!.gateway!);
  const dst = nodeOf("n2").lanIp;
  const j = await whileDeleting(["ip", "netns", "exec", nodeOf("n1").ns, "bridge", "fdb", "del", mac, "dev", VX, "dst", dst], checkJson);
  const named = pairsOf(j.rows);
  const last = j.rows;
  assert.is(j.code, 1, "a failed pair fails the exit code");
  log(j.rows.filter((r) => !r.ok).map((r) => `${r.from}>${r.to}: ${r.reason}`).join(" | "));
  assert.equal(named, ["n1-n2"]);
  // The agent may heal the entry while the probes run (they run one after another): the
  // probes sent before the heal fail, the later ones may pass. Each failure names its probe.
  assert.match(last.find((r) => !r.ok)!.reason!, /(icmp: no reply|udp: no 64-byte echo|tcp: no answer|mtu 8950: no 8922-byte echo) in 2000 ms/);
  await waitFor("the agent heals the entry", 30_000, async () => (await inNs("n1", "bridge", "fdb", "show", "dev", VX)).stdout.includes(`${mac} dst ${dst}`), 500);
  await waitFor("green again", 20_000, async () => (await checkJson()).code === 0, 500);
});

test("4. VXLAN dropped on n3: exactly n1-n3 and n2-n3 named; green once the rule is gone", async () => {
  if (noRoot()) return;
  const ns = nodeOf("n3").ns;
  await must(["ip", "netns", "exec", ns, "nft", "add", "table", "ip", DROP_TABLE]);
  try {
    await must(["ip", "netns", "exec", ns, "nft", "add", "chain", "ip", DROP_TABLE, "input", "{ type filter hook input priority -400; policy accept; }"]);
    await must(["ip", "netns", "exec", ns, "nft", "add", "rule", "ip", DROP_TABLE, "input", "udp", "dport", String(LAB_CLUSTER.vxlanPort), "drop"]);
    const j = await checkJson();
    assert.is(j.code, 1);
    assert.equal(pairsOf(j.rows), ["n1-n3", "n2-n3"]);
    log(`VXLAN dropped on n3: ovl check --json took ${j.ms} ms`);
    const text = await ovl("check");
    assert.is(text.code, 1);
    assert.match(text.stdout, /^check: 4 of 6 directions failed, pairs n1-n3, n2-n3/);
    assert.match(text.stdout, /\nn1 -> n3: icmp: no reply/);
  } finally {
    await must(["ip", "netns", "exec", ns, "nft", "delete", "table", "ip", DROP_TABLE]);
  }
  const again = await checkJson();
  assert.is(again.code, 0, JSON.stringify(again.rows.filter((r) => !r.ok)));
});

test("5. every node's kernel as before the checks", async () => {
  if (noRoot()) return;
  await assertKernelAsBefore();
});

test("6. --containers: every container pair from inside, the published port from the other nodes; a broken container pair named", async () => {
  if (noRoot()) return;
  const specs: Record<string, string[]> = { a1: ["--node", "n1"], b1: ["--node", "n2"], web: ["--node", "n3", "-p", "8080:80", "--", "httpd", "-f", "-p", "80", "-h", "/etc"] };
  for (const [name, args] of Object.entries(specs)) {
    const r = await ovl("run", name, "--image", IMAGE, ...args);
    assert.is(r.code, 0, `ovl run ${name}: ${r.stderr}`);
  }
  const ps = new Map((JSON.parse((await ovl("ps", "--json")).stdout) as PsRow[]).map((r) => [r.name, r]));
  assert.equal([...ps.values()].map((r) => r.state), ["running", "running", "running"]);
  const t0 = Date.now();
  const r = await ovl("check", "--containers", "--json");
  log(`ovl check --containers --json: ${Date.now() - t0} ms`);
  assert.is(r.code, 0, r.stdout + r.stderr);
  const rows = JSON.parse(r.stdout) as Array<{ kind: string; from: string; to?: string; ok: boolean; container?: string; address?: string }>;
  assert.equal(rows.filter((x) => x.kind === "node").length, 6);
  assert.equal(rows.filter((x) => x.kind === "container").map((x) => `${x.from}>${x.to}:${x.ok}`).sort(), ["a1>b1:true", "a1>web:true", "b1>a1:true", "b1>web:true", "web>a1:true", "web>b1:true"]);
  assert.equal(rows.filter((x) => x.kind === "port").map((x) => `${x.from}>${x.container}@${x.address}:${x.ok}`).sort(), [`n1>web@${nodeOf("n3").lanIp}:8080:true`, `n2>web@${nodeOf("n3").lanIp}:8080:true`]);
  const text = await ovl("check", "--containers");
  assert.match(text.stdout, /\ncontainers: 6 pairs probed from inside their namespaces, 2 published ports from other nodes: all passed\n/);

  const b1 = ps.get("b1")!;
  const j = await whileDeleting(["ip", "netns", "exec", nodeOf("n1").ns, "bridge", "fdb", "del", b1.mac, "dev", VX, "dst", nodeOf("n2").lanIp], () => ovl("check", "--containers", "--json"));
  assert.is(j.code, 1);
  const failed = (JSON.parse(j.stdout) as typeof rows).filter((x) => !x.ok).map((x) => `${x.kind} ${x.from}>${x.to ?? x.container}`).sort();
  // Both directions fail unless the agent healed the entry between the two probes: then one.
  assert.ok(failed.length > 0 && failed.every((f) => f === "container a1>b1" || f === "container b1>a1"), `failed: ${failed.join(", ")}`);
});

test.run();
