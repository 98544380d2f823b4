/**
 * `ovl up`: the lab cluster, in numbered steps, each recorded in the state file as soon as
 * it exists so that a failure at any step is rolled back by `labDown` from that file.
 *   1. checks: root, packages, no lab already up
 *   2. LAN bridge and node namespaces
 *   3. each node's containerd + dockerd (started together, awaited together)
 *   4. the busybox image, built once, imported into every node
 *   5. control plane: broker, coordinator, agents (optional)
 */
import { takeClaim } from "./claim.js";
import { readFileSync, rmSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { join } from "node:path";
import { hostCgroupMountLines } from "./cgroups.js";
import { startDockerNode, waitDockerNode } from "./docker-node.js";
import { LabError, LabErrorCodes } from "./errors.js";
import { busyboxTarball, loadImage } from "./image.js";
import { createLan, createNodeNs, createRouter, listLabLinks, listLabNamespaces } from "./netns.js";
import { DEFAULT_LAB_DIR, DEFAULT_NODES, LAN_MTU, ROUTER, labPlan, parseBrokerCount, parseLabDir, parseLanMtu, parseNodeCount, parseRoutedCount, type NodePlan } from "./plan.js";
import { ensureHostPackages, requireRoot } from "./host.js";
import { startAgent, startBrokers, startCoordinator, waitBrokers, type ControlArgs } from "./control.js";
import { prepareLabAuth } from "./auth.js";
import { isAlive } from "./procs.js";
import { labDown } from "./down.js";
import { labInfo, type LabInfo } from "./info.js";
import { loadState, newState, saveState, stateFile, type LabState } from "./state.js";

export interface LabOptions {
  /** Number of nodes, 1 to 20. @default 3 */
  readonly nodes?: number;
  /** State, logs, data roots and the image cache. @default "/var/lib/ovl-lab" */
  readonly dir?: string;
  /** Progress lines. @default no output */
  readonly log?: (line: string) => void;
  /** argv prefix that runs ovl. @default [process.execPath, "<repo>/packages/cli/bin/ovl.mjs"] */
  readonly ovlCommand?: readonly string[];
  /** Start broker, coordinator and agents. @default true */
  readonly startControlPlane?: boolean;
  /** Start each node's dockerd and load the image. @default true */
  readonly docker?: boolean;
  /** Install missing Debian packages first. @default true */
  readonly ensurePackages?: boolean;
  /** @default ["coordinator"] */
  readonly coordinatorArgs?: readonly string[];
  /** @default (n) => ["agent", "--node", n.name, "--ip", n.lanIp] */
  readonly agentArgs?: (node: NodePlan) => readonly string[];
  /** NATS servers: 1, or a cluster of 3 or 5 (streams with 3 replicas) on 198.18.0.1. @default 1 */
  readonly brokers?: number;
  /** MTU of the lab LAN (1330 to 9000); pass coordinatorArgs with the overlay MTU to match (labClusterFor). @default 1500 */
  readonly lanMtu?: number;
  /** The last this many nodes on a second subnet (198.18.1.0/24) behind a router namespace; 0 to nodes - 1. @default 0 */
  readonly routedNodes?: number;
}

export const defaultOvlCommand = (): string[] => [
  process.execPath,
  join(fileURLToPath(new URL(".", import.meta.url)), "..", "..", "cli", "bin", "ovl.mjs"),
];

async function refuseIfUp(dir: string): Promise<void> {
  const found = [
    ...(loadState(dir) ? [stateFile(dir)] : []),
    ...(await listLabNamespaces()),
    ...(await listLabLinks()),
  ];
  if (found.length > 0) {
    throw new LabError(LabErrorCodes.LabExists, `a lab is already up (${found.join(", ")}): run \`ovl down\` first`);
  }
}

async function timed<T>(log: (l: string) => void, timings: Record<string, number>, phase: string, f: () => Promise<T>): Promise<T> {
  const t0 = performance.now();
  const out = await f();
  timings[phase] = Math.round(performance.now() - t0);
  log(`lab: ${phase} done in ${timings[phase]} ms`);
  return out;
}

async function upNetwork(state: LabState, plans: readonly NodePlan[], lanMtu: number): Promise<void> {
  await createLan(lanMtu);
  state.lan = true;
  saveState(state);
  const routerUp = plans.some((n) => n.routed);
  if (routerUp) {
    state.namespaces.push(ROUTER.ns);
    saveState(state);
    await createRouter(lanMtu);
  }
  for (const node of plans) {
    state.namespaces.push(node.ns);
    saveState(state);
    await createNodeNs(node, lanMtu, routerUp);
  }
}

async function upDocker(state: LabState, plans: readonly NodePlan[]): Promise<void> {
  const cgroupLines = hostCgroupMountLines();
  const sups = plans.map((node) => {
    const rec = startDockerNode(node, cgroupLines);
    state.procs.push(rec);
    return rec;
  });
  saveState(state);
  const recs = await Promise.all(plans.map((node, k) => waitDockerNode(node, () => isAlive(sups[k]!))));
  state.procs.push(...recs.flat());
  saveState(state);
}

async function upImage(dir: string, plans: readonly NodePlan[]): Promise<void> {
  const tar = await busyboxTarball(join(dir, "cache"));
  await Promise.all(plans.map((n) => loadImage(n.dockerHost, tar)));
}

async function upControl(state: LabState, plans: readonly NodePlan[], c: ControlArgs): Promise<void> {
  await prepareLabAuth(state.dir, plans.map((n) => n.name));
  const brokers = startBrokers(state.dir, c.brokers ?? 1);
  state.procs.push(...brokers);
  saveState(state);
  await waitBrokers(brokers, undefined, state.dir);
  state.procs.push(startCoordinator(state.dir, c));
  saveState(state);
  for (const node of plans) state.procs.push(startAgent(state.dir, node, c));
  saveState(state);
}

export async function labUp(opts: LabOptions = {}): Promise<LabInfo> {
  const nodes = parseNodeCount(opts.nodes ?? DEFAULT_NODES);
  const routed = parseRoutedCount(opts.routedNodes ?? 0, nodes);
  const brokers = parseBrokerCount(opts.brokers ?? 1);
  const lanMtu = parseLanMtu(opts.lanMtu ?? LAN_MTU);
  const dir = parseLabDir(opts.dir ?? DEFAULT_LAB_DIR);
  const log = opts.log ?? (() => {});
  requireRoot();
  if (opts.ensurePackages !== false) await ensureHostPackages({ log });
  await refuseIfUp(dir);
  takeClaim(dir); // from here on this up owns the lab names; a racing up fails above or here
  if (readFileSync("/proc/sys/net/ipv4/ip_forward", "utf8").trim() !== "0") {
    log("lab: warning: the root namespace forwards (ip_forward=1, not set by ovl): lab traffic to addresses beyond 198.18.0.1 could leave this machine");
  }
  rmSync(join(dir, "logs"), { recursive: true, force: true }); // one run's logs, not an append of all runs
  const plans = labPlan(nodes, dir, routed);
  const state = newState(dir, nodes, new Date(), lanMtu, routed);
  saveState(state);
  const timings: Record<string, number> = {};
  const step = <T>(phase: string, f: () => Promise<T>) => timed(log, timings, phase, f);
  try {
    await step("network", () => upNetwork(state, plans, lanMtu));
    if (opts.docker !== false) {
      await step("docker", () => upDocker(state, plans));
      await step("image", () => upImage(dir, plans));
    }
    const control = { ovlCommand: opts.ovlCommand ?? defaultOvlCommand(), coordinatorArgs: opts.coordinatorArgs, agentArgs: opts.agentArgs, brokers };
    if (opts.startControlPlane !== false) await step("control", () => upControl(state, plans, control));
  } catch (err) {
    log(`lab: up failed (${(err as Error).message}); tearing down what was made`);
    await labDown({ dir, log });
    throw err;
  }
  return { ...labInfo(state), timings };
}

/**
 * `labUp`, waiting while someone else's lab holds the machine (LAB_EXISTS), bounded by
 * `waitMs`; any other error, or the wait running out, is thrown. Tests and benchmarks share
 * the one lab a machine has this way, and never take down a lab they did not bring up.
 */
export async function labUpWhenFree(opts: LabOptions, waitMs: number, pollMs = 10_000): Promise<LabInfo> {
  const until = Date.now() + waitMs;
  for (;;) {
    try {
      return await labUp(opts);
    } catch (err) {
      if (!(err instanceof LabError && err.code === LabErrorCodes.LabExists) || Date.now() > until) throw err;
      opts.log?.(`lab: another lab is up (not ours), waiting: ${err.message}`);
      await new Promise((r) => setTimeout(r, pollMs));
    }
  }
}
