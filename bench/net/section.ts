/**
 * The network sections on one 2-node lab: ovl (its control plane and agents), Docker Swarm
 * (init on n1, n2 joins over the lab LAN) and the LAN itself, side by side.
 *   1. lab up (ovl control plane included), swarm up, overlay network
 *   2. one container per node on each overlay; endpoints for the three paths
 *   3. wire rows (interleaved), then start rows (interleaved)
 *   4. finally: swarm leave on every node, lab down
 */
import { LAN_MTU, labStatus, type LabInfo } from "@ovl/lab";
import { readRig } from "../lib/rig.js";
import { containerPid, docker, swarmDown, swarmUp, SWARM_DATA_PORT, SWARM_NET, SWARM_POOL, SWARM_SUBNET } from "./docker.js";
import { withLab } from "./lab.js";
import { connectClient, ovlContainer, waitNodesReady } from "./ovl.js";
import { inNetns, inPidNet, type Endpoint } from "./probes.js";
import { prepareProbe, startRow } from "./start.js";
import { wireRows, type Paths } from "./wire.js";
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
  /** Section id and title suffix. @default "network" */
  readonly id?: string;
  /** Runs after the wire rows, with the same paths (profiles, device facts). */
  readonly diagnose?: (lab: LabInfo, paths: Paths) => Promise<void>;
}

export async function swarmContainer(lab: LabInfo, k: number, ip: string): Promise<Endpoint> {
  const node = lab.nodes[k]!;
  const name = `bench-sw-ep${k + 1}`;
  await docker(node, "run", "-d", "--network", SWARM_NET, "--ip", ip, "--name", name, lab.image);
  return inPidNet(`swarm container on ${node.name}`, await containerPid(node, name), ip);
}

async function measure(lab: LabInfo, o: NetOptions, errors: string[], notes: string[]): Promise<Row[]> {
  const [n1, n2] = lab.nodes as [LabInfo["nodes"][0], LabInfo["nodes"][0]];
  const client = await connectClient(lab);
  try {
    await waitNodesReady(client, [n1.name, n2.name], 60_000);
    const o1 = await ovlContainer(client, n1, "bench-ep1", lab.image);
    const o2 = await ovlContainer(client, n2, "bench-ep2", lab.image);
    await swarmUp(lab.nodes, lab.cluster.mtu);
    const s1 = await swarmContainer(lab, 0, "198.19.200.11");
    const s2 = await swarmContainer(lab, 1, "198.19.200.12");
    const paths: Paths = {
      ovl: [inPidNet("ovl container on n1", o1.pid, o1.ip), inPidNet("ovl container on n2", o2.pid, o2.ip)],
      LAN: [inNetns("lab node n1", n1.ns, n1.lanIp), inNetns("lab node n2", n2.ns, n2.lanIp)],
      Swarm: [s1, s2],
    };
    for (const [name, [a]] of Object.entries(paths)) notes.push(`${name}: from ${a.label} (${a.ip}) to ${paths[name]![1].label} (${paths[name]![1].ip})`);
    const tag = lab.lanMtu === LAN_MTU ? {} : { tag: { id: `mtu${lab.lanMtu}`, title: `LAN MTU ${lab.lanMtu}` } };
    const rows = await wireRows(paths, { rounds: o.rounds, seconds: o.seconds, pings: 50, rrCount: 2000, log: o.log, errors, ...tag });
    const swarmSetup = `Swarm: init on ${n1.name} (${n1.lanIp}), ${n2.name} joins over the lab LAN; address pool ${SWARM_POOL}, data-path port ${SWARM_DATA_PORT}, attachable overlay ${SWARM_NET} ${SWARM_SUBNET} with MTU ${lab.cluster.mtu}`;
    notes.push(...(await readRig(lab, [swarmSetup]).catch((e: Error) => [`rig: could not be read (${e.message})`])).map((l) => `rig: ${l}`));
    if (o.startRows === false) return rows;
    if (o.diagnose) await o.diagnose(lab, paths).catch((e: Error) => errors.push(`diagnostics: ${e.message}`));
    await prepareProbe(paths.ovl![0]);
    await prepareProbe(s1);
    let swarmK = 100;
    rows.push(await startRow({
      lab, client, target: n2, ovlProbe: paths.ovl![0], swarmProbe: s1, swarmIp: () => `198.19.200.${swarmK++}`, log: o.log, errors,
    }, o.startRounds));
    return rows;
  } finally {
    const problems = await swarmDown(lab.nodes);
    problems.forEach((p) => errors.push(`swarm leave: ${p}`));
    if (o.existingLab) {
      for (const name of ["bench-ep1", "bench-ep2"]) await client.rm(name).catch(() => undefined);
    }
    await client.close();
  }
}

/** The lab that is up, when it has two nodes or more and its processes run; else null. */
export function upLab(): LabInfo | null {
  const st = labStatus();
  return st.up && st.info && st.info.nodes.length >= 2 && st.procs.every((p) => p.alive) ? st.info : null;
}

export async function netSection(o: NetOptions): Promise<Section> {
  const errors: string[] = [];
  const notes: string[] = [];
  const lanMtu = o.lanMtu ?? LAN_MTU;
  const existing = o.existingLab ? upLab() : null;
  if (existing) o.log(`bench: using the lab that is up (${existing.nodes.length} nodes, ${existing.natsUrl})`);
  const body = (lab: LabInfo) => measure(lab, o, errors, notes);
  const rows = await (existing ? body(existing) : withLab(2, true, o.log, body, lanMtu)).catch((e: Error) => (errors.push(`network section aborted: ${e.message}`), [] as Row[]));
  const jumbo = (existing?.lanMtu ?? lanMtu) !== LAN_MTU;
  return {
    id: o.id ?? (jumbo ? "network-jumbo" : "network"),
    title: `Cross-node container networking: ovl, Docker Swarm overlay and the LAN${jumbo ? `, on a LAN with MTU ${lanMtu} (overlays ${lanMtu - 50})` : ""}`,
    method: "",
    rows,
    notes,
    errors,
  };
}
