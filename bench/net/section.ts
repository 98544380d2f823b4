/**
 * The network sections on one 3-node `auto` lab: ovl (its control plane and agents) on both
 * of its paths, direct from n1 to n2 and VXLAN from n1 to n3 (behind the lab's router, on
 * its second subnet: paths.ts), Docker Swarm (init on n1, n2 joins over the lab LAN)
 * and the LAN itself, side by side.
 *   1. lab up (ovl control plane included), swarm up, overlay network
 *   2. one container per node on each overlay; endpoints for the paths
 *   3. wire rows (paired rounds), then start rows (paired rounds)
 *   4. finally: swarm leave on every node, lab down
 */
import { routingModeOf, type RoutingMode } from "@ovl/domain";
import { LAN_MTU, labStatus, type LabInfo } from "@ovl/lab";
import { readRig } from "../lib/rig.js";
import { containerPid, docker, swarmDown, swarmUp, SWARM_DATA_PORT, SWARM_NET, SWARM_POOL, SWARM_SUBNET } from "./docker.js";
import { withLab } from "./lab.js";
import { connectClient, ovlContainer, waitNodesReady } from "./ovl.js";
import { floorDown, floorUp, FLOOR_VARIANT } from "./floor.js";
import { ovlVariant, peersByPath } from "./paths.js";
import { inNetns, inPidNet, type Endpoint } from "./probes.js";
import { candidateState, rttAbRows } from "./rtt-ab.js";
import { prepareProbe, startRow } from "./start.js";
import { wireRows, type Pair, type Paths } from "./wire.js";
import type { Section } from "../lib/report-types.js";
import type { Row } from "../lib/report-types.js";

export interface NetOptions {
  readonly rounds: number;
  readonly startRounds: number;
  readonly seconds: number;
  readonly log: (l: string) => void;
  /** The lab LAN's MTU (the overlays get 50 bytes less). @default 1500 */
  readonly lanMtu?: number;
  /** Measure the start rows too (once is enough: they do not depend on the MTU). @default true */
  readonly startRows?: boolean;
  /**
   * Use the lab that is up (`ovl up`, 2 nodes or more) instead of bringing one up and down:
   * what the bench adds to it (two containers, the swarm) is removed again. Without a lab
   * up, one is brought up as usual. @default false
   */
  readonly existingLab?: boolean;
  /**
   * The routing mode of a lab the section brings up. `auto` (the default): 3 nodes, the last
   * behind the lab's router on a second subnet, so that n1 reaches n2 directly and n3 through VXLAN in the same
   * rounds. `vxlan` or `direct`: 2 nodes, every peer that way.
   */
  readonly mode?: RoutingMode;
  /** Which rows: the wire rows, or the round trip's A/B of candidate costs (rtt-ab.ts). @default "wire" */
  readonly rows?: "wire" | "rtt";
  /** Section id and title suffix. @default "network" */
  readonly id?: string;
  /** Runs after the wire rows, with the same paths (profiles, device facts). */
  readonly diagnose?: (lab: LabInfo, paths: Paths) => Promise<void>;
}

/** The LAN row between n1 and a node behind the lab's router: the baseline of the VXLAN path to it. */
export const ROUTED_LAN = "LAN via router";

export async function swarmContainer(lab: LabInfo, k: number, ip: string): Promise<Endpoint> {
  const node = lab.nodes[k]!;
  const name = `bench-sw-ep${k + 1}`;
  await docker(node, "run", "-d", "--network", SWARM_NET, "--ip", ip, "--name", name, lab.image);
  return inPidNet(`swarm container on ${node.name}`, await containerPid(node, name), ip);
}

/**
 * Endpoints per variant (LAN, LAN via router, the floor, ovl direct, ovl VXLAN, Swarm: those the lab offers),
 * from n1. The floor (floor.ts) goes to ovl direct's peer, beside it; `undo` gets its removal.
 */
async function endpoints(lab: LabInfo, client: Awaited<ReturnType<typeof connectClient>>, made: string[], notes: string[], undo: (() => Promise<string[]>)[]): Promise<Paths> {
  const [n1, n2] = lab.nodes as [LabInfo["nodes"][0], LabInfo["nodes"][0]];
  const names = lab.nodes.map((n) => n.name);
  await waitNodesReady(client, names, 60_000);
  const { state } = await client.state();
  const peers = peersByPath(state, n1.name, names);
  notes.push(`ovl: cluster mode ${routingModeOf(state.cluster)}, MTU ${state.cluster?.mtu}; ${Object.entries(peers).map(([p, n]) => `${n1.name} reaches ${n} ${p === "direct" ? "directly" : "through VXLAN"} (${n} joined as ${state.nodes[n!]?.underlayIp}/${state.nodes[n!]?.lanPrefix ?? "?"})`).join("; ")}`);
  made.push("bench-ep1");
  const o1 = await ovlContainer(client, n1, "bench-ep1", lab.image);
  const from = inPidNet(`ovl container on ${n1.name}`, o1.pid, o1.ip);
  const paths: Record<string, Pair> = { LAN: [inNetns(`lab node ${n1.name}`, n1.ns, n1.lanIp), inNetns(`lab node ${n2.name}`, n2.ns, n2.lanIp)] };
  // A VXLAN peer behind the lab's router has its own LAN baseline: n1's packets to it cross
  // the router's forwarding, which the LAN row between n1 and n2 (one segment) never pays.
  const routedPeer = lab.nodes.find((n) => n.name === peers.vxlan && n.routed);
  if (routedPeer) paths[ROUTED_LAN] = [inNetns(`lab node ${n1.name}`, n1.ns, n1.lanIp), inNetns(`lab node ${routedPeer.name} (behind the router)`, routedPeer.ns, routedPeer.lanIp)];
  const directPeer = lab.nodes.find((n) => n.name === peers.direct);
  if (directPeer) {
    undo.push(() => floorDown([n1, directPeer]));
    paths[FLOOR_VARIANT] = await floorUp(n1, directPeer, lab.cluster.mtu);
    notes.push(`floor: ovl direct's topology by hand (bench/net/floor.ts): a namespace on ${n1.name} and one on ${directPeer.name}, each veth'd to its node (MTU ${lab.cluster.mtu}, the cluster's), the peer's /24 routed via its LAN address; no bridge, no tc, no ovl rules; one accept in Docker's DOCKER-USER and a notrack rule, as ovl has for its own traffic`);
  }
  for (const kind of ["direct", "vxlan"] as const) {
    const node = lab.nodes.find((n) => n.name === peers[kind]);
    if (!node) continue;
    const name = `bench-ep-${kind}`;
    made.push(name);
    const o = await ovlContainer(client, node, name, lab.image);
    paths[ovlVariant(kind)] = [from, inPidNet(`ovl container on ${node.name}`, o.pid, o.ip)];
  }
  await swarmUp(lab.nodes.slice(0, 2), lab.cluster.mtu);
  paths.Swarm = [await swarmContainer(lab, 0, "198.19.200.11"), await swarmContainer(lab, 1, "198.19.200.12")];
  for (const [name, [a, b]] of Object.entries(paths)) notes.push(`${name}: from ${a.label} (${a.ip}) to ${b.label} (${b.ip})`);
  return paths;
}

async function measure(lab: LabInfo, o: NetOptions, errors: string[], notes: string[]): Promise<Row[]> {
  const [n1, n2] = lab.nodes as [LabInfo["nodes"][0], LabInfo["nodes"][0]];
  const client = await connectClient(lab);
  const made: string[] = [];
  const undo: (() => Promise<string[]>)[] = [];
  try {
    const paths = await endpoints(lab, client, made, notes, undo);
    const tag = lab.lanMtu === LAN_MTU ? {} : { tag: { id: `mtu${lab.lanMtu}`, title: `LAN MTU ${lab.lanMtu}` } };
    const ovlPath = paths["ovl VXLAN"] ? "ovl VXLAN" : Object.keys(paths).find((k) => k.startsWith("ovl"))!;
    const rows = o.rows === "rtt"
      ? await rttAbRows(lab, paths, ovlPath, { rounds: o.rounds, pings: 50, rrCount: 2000, log: o.log, errors }).finally(async () => notes.push(await candidateState(lab)))
      : await wireRows(paths, { rounds: o.rounds, seconds: o.seconds, pings: 50, rrCount: 2000, log: o.log, errors, ...tag });
    const swarmSetup = `Swarm (${n1.name} and ${n2.name} only): init on ${n1.name} (${n1.lanIp}), ${n2.name} joins over the lab LAN; address pool ${SWARM_POOL}, data-path port ${SWARM_DATA_PORT}, attachable overlay ${SWARM_NET} ${SWARM_SUBNET} with MTU ${lab.cluster.mtu}`;
    notes.push(...(await readRig(lab, [swarmSetup], [SWARM_NET]).catch((e: Error) => [`rig: could not be read (${e.message})`])).map((l) => `rig: ${l}`));
    if (o.startRows === false) return rows;
    if (o.diagnose) await o.diagnose(lab, paths).catch((e: Error) => errors.push(`diagnostics: ${e.message}`));
    const ovlProbe = (paths["ovl direct"] ?? paths["ovl VXLAN"])![0];
    const swarmProbe = paths.Swarm![0];
    await prepareProbe(ovlProbe);
    await prepareProbe(swarmProbe);
    let swarmK = 100;
    rows.push(await startRow({
      lab, client, target: n2, ovlProbe, swarmProbe, swarmIp: () => `198.19.200.${swarmK++}`, log: o.log, errors,
    }, o.startRounds));
    return rows;
  } finally {
    const problems = await swarmDown(lab.nodes);
    problems.forEach((p) => errors.push(`swarm leave: ${p}`));
    for (const u of undo) (await u().catch((e: Error) => [e.message])).forEach((p) => errors.push(`floor down: ${p}`));
    if (o.existingLab) {
      for (const name of made) await client.rm(name).catch(() => undefined);
    }
    await client.close();
  }
}

/** The lab that is up, when it has two nodes or more and its processes run; else null. */
export function upLab(): LabInfo | null {
  const st = labStatus();
  return st.up && st.info && st.info.nodes.length >= 2 && st.procs.every((p) => p.alive) ? st.info : null;
}

function freshLab<T>(o: NetOptions, lanMtu: number, body: (lab: LabInfo) => Promise<T>): Promise<T> {
  const mode = o.mode ?? "auto";
  return mode === "auto" ? withLab(3, true, o.log, body, lanMtu, { mode, routedNodes: 1 }) : withLab(2, true, o.log, body, lanMtu, { mode });
}

export async function netSection(o: NetOptions): Promise<Section> {
  const errors: string[] = [];
  const notes: string[] = [];
  const lanMtu = o.lanMtu ?? LAN_MTU;
  const existing = o.existingLab ? upLab() : null;
  if (existing) o.log(`bench: using the lab that is up (${existing.nodes.length} nodes, ${existing.natsUrl})`);
  const body = (lab: LabInfo) => measure(lab, o, errors, notes);
  const rows = await (existing ? body(existing) : freshLab(o, lanMtu, body)).catch((e: Error) => (errors.push(`network section aborted: ${e.message}`), [] as Row[]));
  const jumbo = (existing?.lanMtu ?? lanMtu) !== LAN_MTU;
  return {
    id: o.id ?? (jumbo ? "network-jumbo" : "network"),
    title: o.rows === "rtt" ? "The round trip: ovl's VXLAN path with one candidate cost switched off at a time, beside Swarm's" : `Cross-node container networking: ovl, Docker Swarm overlay and the LAN${jumbo ? `, on a LAN with MTU ${lanMtu} (overlays ${lanMtu - 50})` : ""}`,
    method: "",
    rows,
    notes,
    errors,
  };
}
