/**
 * The soak's lab bed (`npm run soak -- --lab`): the lab with 3 nodes (each its own dockerd),
 * one nats-server of the lab's, two `ovl coordinator` processes and one REAL agent per node
 * (`ovl agent` in the node's namespace: Docker and the kernel). n3 is the node that leaves
 * and joins again.
 *
 * What "nothing left behind" means here, checked after everything was removed (and n3 has
 * joined again): Docker holds no ovl container on any node, and each node's kernel state
 * (links, addresses, routes, permanent neighbours, FDB, iptables, nftables, sysctls: the
 * e2e suite's kernelDump) and the processes in its namespace equal what they were before the
 * churn started. The one difference allowed: the VXLAN device gets a new random MAC (and
 * link-local address) each time n3 joins, so that MAC is masked in both dumps.
 */
import { mkdirSync } from "node:fs";
import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { connect } from "nats";
import { OvlClient } from "@ovl/client";
import { labDown, labUpWhenFree, natsUrlOf, pidsInNs, startBrokers, stopProcs, waitBrokers, type LabInfo, type ProcRecord } from "@ovl/lab";
import { dumpDiff, kernelDump, type KernelDump } from "../test/support/overlay.js";
import { CLUSTER_ARGS, dockerLeft, labAgentProc } from "../test/support/fault-lab.js";
import { coordinatorProc, type Child } from "../test/support/procs.js";
import type { SoakBed } from "./soak.js";
import { pidAlive } from "@ovl/host";

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** The VXLAN device's MAC and the link-local address made from it, masked. Pure. */
export function maskVxlanMac(dump: KernelDump): KernelDump {
  const vx = dump.links.find((l) => /^ovl-vx[@:]/.test(l));
  const mac = vx ? /link\/ether ([0-9a-f:]{17})/.exec(vx)?.[1] : undefined;
  const mask = (l: string) => {
    let out = mac ? l.replaceAll(mac, "<vx-mac>") : l;
    if (/\bovl-vx\b/.test(out)) out = out.replace(/fe80::[0-9a-f:]+/g, "<vx-ll>");
    return out;
  };
  return Object.fromEntries(Object.entries(dump).map(([k, lines]) => [k, lines.map(mask).sort()])) as KernelDump;
}

/**
 * tsx's compiler service: a child of an agent run from source (OVL_FROM_SOURCE), started
 * and ended by tsx on its own schedule; the installed `ovl` (a bundle) has none.
 */
const TOOLING = new Set(["esbuild"]);

/** The command names of the processes in a namespace, sorted (PIDs change when n3 rejoins). */
async function processesIn(ns: string): Promise<string[]> {
  const names: string[] = [];
  for (const pid of await pidsInNs(ns)) {
    const comm = (await readFile(`/proc/${pid}/comm`, "utf8").catch(() => ""))?.trim();
    if (comm && !TOOLING.has(comm)) names.push(comm);
  }
  return names.sort();
}

interface NodeBaseline {
  readonly dump: KernelDump;
  readonly procs: string[];
}

async function baselineOf(info: LabInfo): Promise<Map<string, NodeBaseline>> {
  const out = new Map<string, NodeBaseline>();
  for (const n of info.nodes) out.set(n.name, { dump: maskVxlanMac(await kernelDump(n.ns)), procs: await processesIn(n.ns) });
  return out;
}

/** Differences from the baseline, per node, after giving the agents up to `ms` to settle. */
async function leftoversOf(info: LabInfo, base: Map<string, NodeBaseline>, ms: number): Promise<string[]> {
  const until = Date.now() + ms;
  for (;;) {
    const lines: string[] = [];
    const docker = await dockerLeft(info);
    if (docker > 0) lines.push(`${docker} ovl container(s) still in Docker`);
    for (const n of info.nodes) {
      const b = base.get(n.name)!;
      dumpDiff(b.dump, maskVxlanMac(await kernelDump(n.ns))).forEach((d) => lines.push(`${n.name} ${d}`));
      const procs = await processesIn(n.ns);
      if (procs.join(",") !== b.procs.join(",")) lines.push(`${n.name} processes: before [${b.procs.join(", ")}], after [${procs.join(", ")}]`);
    }
    if (lines.length === 0 || Date.now() > until) return lines;
    await sleep(1000);
  }
}

export async function labSoakBed(dir: string, log: (line: string) => void): Promise<SoakBed> {
  const labDir = join(dir, "lab");
  mkdirSync(labDir, { recursive: true });
  const info = await labUpWhenFree({ nodes: 3, dir: labDir, startControlPlane: false, ensurePackages: false, log }, 15 * 60_000);
  let brokers: ProcRecord[] = [];
  const children: Child[] = [];
  const clients: OvlClient[] = [];
  const close = async (): Promise<string[]> => {
    const problems: string[] = [];
    for (const cl of clients) await cl.close().catch(() => undefined);
    for (const ch of children) await ch.stop().catch(() => undefined);
    children.filter((ch) => ch.pid() && pidAlive(ch.pid())).forEach((ch) => problems.push(`${ch.name} (PID ${ch.pid()}) still running`));
    (await stopProcs(brokers, 10_000)).forEach((p) => problems.push(`broker PID ${p.pid} survived SIGKILL`));
    const down = await labDown({ dir: labDir, log }).catch((err: Error) => ({ warnings: [err.message] }));
    problems.push(...down.warnings.map((w) => `lab down: ${w}`));
    return problems;
  };
  try {
    brokers = startBrokers(labDir, 1);
    await waitBrokers(brokers);
    const url = natsUrlOf(1);
    const work = join(dir, "work");
    mkdirSync(work, { recursive: true });
    const coords = [1, 2].map((k) => coordinatorProc(url, join(work, `coordinator-${k}.db`), [], CLUSTER_ARGS));
    children.push(...coords);
    for (const c of coords) await c.start(); // one after the other: the first creates the streams and the cluster
    const agents = info.nodes.map((n) => labAgentProc(n, url, work));
    children.push(...agents);
    await Promise.all(agents.map((a) => a.start()));
    for (let k = 0; k < 3; k++) clients.push(new OvlClient(await connect({ servers: url, maxReconnectAttempts: -1 }), { timeoutMs: 30_000 }));
    const until = Date.now() + 60_000;
    while ((await clients[0]!.nodes()).filter((n) => n.subnet).length < info.nodes.length) {
      if (Date.now() > until) throw new Error("the lab's nodes did not all get a block within 60 s");
      await sleep(250);
    }
    await sleep(2000); // the agents have programmed their peers
    const base = await baselineOf(info);
    log(`baseline: ${info.nodes.map((n) => `${n.name} ${Object.values(base.get(n.name)!.dump).flat().length} kernel lines, processes [${base.get(n.name)!.procs.join(", ")}]`).join("; ")}`);
    return {
      clients,
      steady: [...coords, ...agents.slice(0, 2)],
      leaver: { node: info.nodes[2]!.name, agent: agents[2]! },
      nodes: info.nodes.map((n) => n.name),
      image: info.image,
      removeWhenRunning: true,
      leftovers: () => leftoversOf(info, base, 60_000),
      close,
    };
  } catch (err) {
    const problems = await close();
    problems.forEach((p) => log(`cleanup: ${p}`));
    throw err;
  }
}
