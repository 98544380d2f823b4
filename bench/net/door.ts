/**
 * Docker's door, timed: `docker run -d --network ovl` on n2 (the network plugin the agents
 * serve) until the container answers a ping from an ovl container on n1, beside the start
 * row's Swarm and floor arms (start.ts): `docker run -d` on Swarm's attachable overlay until
 * it answers a Swarm container on n1, and `docker run -d --network none` until the command
 * returns. The three are measured in paired rounds (lib/paired.ts), with a fourth for
 * reference: `docker run -d` on a Docker bridge network the benchmark makes on n2 (a
 * user-defined network, as ovl is: Docker gives the container its endpoint, its veth and
 * its embedded DNS the same way) until the command returns. What the door costs above it
 * is ovl's; what the bridge costs above the floor is Docker's own for any network.
 *
 * The Docker network `ovl` takes no `--ip` (its IPAM pool is not a user-configured subnet),
 * so the pinger aims at the address the coordinator will decide: the node's lowest free one
 * (domain/docker-door.ts), checked afterwards in Docker's inspect. After each sample the
 * container is removed and the benchmark waits until its address is released in the
 * history, so the next sample's guess holds.
 */
import type { OvlClient } from "@ovl/client";
import type { LabInfo, LabNodeInfo } from "@ovl/lab";
import { docker, dockerArgv, swarmDown, swarmUp } from "./docker.js";
import { withLab } from "./lab.js";
import { connectClient, nextIp, ovlContainer, waitNodesReady } from "./ovl.js";
import { inPidNet } from "./probes.js";
import { swarmContainer, upLab } from "./section.js";
import { floorSample, prepareProbe, swarmSample, untilPinged, type StartContext } from "./start.js";
import type { Row, Section } from "../lib/report-types.js";
import { describePaired } from "../lib/paired.js";
import { makeRow, variant } from "../lib/rows.js";
import { interleave } from "../lib/stats.js";
import { timeCommand } from "../lib/proc.js";

export interface DoorOptions {
  readonly rounds: number;
  readonly log: (l: string) => void;
}

const DOOR = "docker --network ovl";
const SWARM = "swarm";
const FLOOR = "docker --network none";
const BRIDGE = "docker --network bridge";
/** The benchmark's own bridge network on the target node. */
const BRIDGE_NET = "bench-door-br";
/** The target: at most this many times the floor, and below Swarm. */
const FLOOR_TARGET = 1.3;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function until(what: string, timeoutMs: number, ok: () => Promise<boolean>): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (!(await ok().catch(() => false))) {
    if (Date.now() > end) throw new Error(`${what}: not after ${timeoutMs} ms`);
    await sleep(100);
  }
}

const hasDockerNetwork = (node: LabNodeInfo) => () => docker(node, "network", "inspect", "-f", "{{.Driver}}", "ovl").then((d) => d === "ovl");

async function doorSample(c: StartContext, k: number): Promise<number> {
  const name = `bench-door-${k}`;
  const ip = await nextIp(c.client, c.target.name);
  try {
    const r = await untilPinged(c.ovlProbe, ip, dockerArgv(c.target, "run", "-d", "--network", "ovl", "--name", name, c.lab.image), 60_000);
    const got = await docker(c.target, "inspect", "-f", "{{(index .NetworkSettings.Networks \"ovl\").IPAddress}}", name);
    if (got !== ip) throw new Error(`ovl gave ${name} ${got}, the benchmark pinged ${ip}`);
    c.log(`bench: door #${k}: reachable after ${r.ms.toFixed(0)} ms (docker run returned after ${r.cmdMs.toFixed(0)} ms; started at ${r.t0.toFixed(0)})`);
    return r.ms;
  } finally {
    await docker(c.target, "rm", "-f", name).catch((e: Error) => c.errors.push(`docker rm ${name}: ${e.message}`));
    await until(`${ip} free again after docker rm ${name}`, 30_000, async () => (await nextIp(c.client, c.target.name)) === ip)
      .catch((e: Error) => c.errors.push(e.message));
  }
}

async function bridgeSample(c: StartContext, k: number): Promise<number> {
  const name = `bench-br-${k}`;
  try {
    const { ms } = await timeCommand(dockerArgv(c.target, "run", "-d", "--network", BRIDGE_NET, "--name", name, c.lab.image), 60_000);
    c.log(`bench: door bridge #${k}: docker run --network ${BRIDGE_NET} returned after ${ms.toFixed(0)} ms`);
    return ms;
  } finally {
    await docker(c.target, "rm", "-f", name).catch((e: Error) => c.errors.push(`docker rm ${name}: ${e.message}`));
  }
}

function doorRow(samples: Record<string, number[]>): Row {
  const row = makeRow({
    id: "door-start-to-ping", title: "`docker run -d --network ovl` until it answers a ping from another node (floor: until `docker run --network none` returns)", unit: "ms",
    higherIsBetter: false, variants: [DOOR, SWARM, FLOOR, BRIDGE].map((v) => variant(v, samples[v] ?? [])), ratiosOf: DOOR, paired: true,
  });
  const floor = row.paired?.[`${DOOR}/${FLOOR}`], swarm = row.paired?.[`${DOOR}/${SWARM}`];
  const met = floor && swarm && floor.rounds > 0 && swarm.rounds > 0 ? floor.median <= FLOOR_TARGET && swarm.median < 1 : null;
  return { ...row, target: { text: `at most ${FLOOR_TARGET}x the floor and below Swarm (medians of the per-round ratios)`, met } };
}

async function measure(lab: LabInfo, o: DoorOptions, errors: string[], notes: string[], existing: boolean): Promise<Row[]> {
  const [n1, n2] = lab.nodes as [LabNodeInfo, LabNodeInfo];
  const client: OvlClient = await connectClient(lab);
  try {
    await waitNodesReady(client, [n1.name, n2.name], 60_000);
    await until(`docker network ovl on ${n2.name}`, 60_000, hasDockerNetwork(n2));
    const o1 = await ovlContainer(client, n1, "bench-door-probe", lab.image);
    await swarmUp(lab.nodes, lab.cluster.mtu);
    const s1 = await swarmContainer(lab, 0, "198.19.200.11");
    const ovlProbe = inPidNet("ovl container on n1", o1.pid, o1.ip);
    await prepareProbe(ovlProbe);
    await prepareProbe(s1);
    let swarmK = 100;
    const c: StartContext = { lab, client, target: n2, ovlProbe, swarmProbe: s1, swarmIp: () => `198.19.200.${swarmK++}`, log: o.log, errors };
    await docker(n2, "network", "rm", BRIDGE_NET).catch(() => undefined); // a run that was cut short
    await docker(n2, "network", "create", "--driver", "bridge", BRIDGE_NET);
    const fns: Record<string, (c: StartContext, k: number) => Promise<number>> = { [DOOR]: doorSample, [SWARM]: swarmSample, [FLOOR]: floorSample, [BRIDGE]: bridgeSample };
    let k = 0;
    const samples = await interleave(o.rounds, [DOOR, SWARM, FLOOR, BRIDGE], (v) => fns[v]!(c, k++), (v, e) => errors.push(`door ${v}: ${e.message}`));
    const row = doorRow(samples);
    for (const v of row.variants) o.log(`bench: door ${v.name}: median ${v.summary.median.toFixed(0)} ms (min ${v.summary.min.toFixed(0)}, max ${v.summary.max.toFixed(0)}, n=${v.summary.n})`);
    for (const [name, p] of Object.entries(row.paired ?? {})) o.log(`bench: door ${name}: ${describePaired(p)}`);
    notes.push(`pingers: busybox ping every 10 ms from an ovl container (${o1.ip}) and a Swarm container (198.19.200.11) on ${n1.name}; the started containers run on ${n2.name}`);
    return [row];
  } finally {
    await docker(n2, "network", "rm", BRIDGE_NET).catch((e: Error) => errors.push(`docker network rm ${BRIDGE_NET}: ${e.message}`));
    (await swarmDown(lab.nodes)).forEach((p) => errors.push(`swarm leave: ${p}`));
    if (existing) await client.rm("bench-door-probe").catch(() => undefined);
    await client.close();
  }
}

export async function doorSection(o: DoorOptions): Promise<Section> {
  const errors: string[] = [];
  const notes: string[] = [];
  const existing = upLab();
  if (existing) o.log(`bench: using the lab that is up (${existing.nodes.length} nodes, ${existing.natsUrl})`);
  const rows = await (existing ? measure(existing, o, errors, notes, true) : withLab(2, true, o.log, (lab) => measure(lab, o, errors, notes, false)))
    .catch((e: Error) => (errors.push(`door section aborted: ${e.message}`), [] as Row[]));
  return { id: "door", title: "Docker's door: `docker run --network ovl` beside Swarm's overlay and `--network none`", method: "", rows, notes, errors };
}
