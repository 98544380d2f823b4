/**
 * Names: how soon every node answers a new container's name, and how soon every node
 * answers that a removed one is gone, at N = 3 and N = 10 lab nodes, ovl beside Docker
 * Swarm's embedded DNS, in paired rounds (each round one ovl trial and one Swarm trial, the
 * order rotating).
 *
 * ovl: one probe container per node, and in each probe's network namespace a small client
 * (dns-probe.mjs) that asks its node's gateway every few ms, as a container does. A trial
 * starts a container on the next node (through the client library: no CLI start-up
 * counted), waits until every probe got its address, then removes it (`ovl rm`) and waits
 * until every probe gets NXDOMAIN.
 * Swarm: an attachable overlay (docker.ts), one probe container per node on it asking
 * Docker's embedded DNS (127.0.0.11) the same way; a trial is `docker run -d --network
 * <overlay> --name NAME` on the next node, then `docker rm -f NAME`, both made through the
 * Engine API (as the ovl arm uses the client library: no CLI start-up on either side).
 * The probes set ndots,
 * so Docker answers an unknown single-label name at once (an empty NOERROR) instead of
 * forwarding it out of the lab: "gone" is any answer without an address.
 *
 * "Running" is ContainerRunning's arrival for ovl and `docker run -d` returning for Swarm
 * (the container started). An ovl name answers from the moment the decision is folded,
 * before the container runs, so that row is often 0; the row from the request says when.
 * Stale answers: after a probe's resolver has said a name is gone, the probe keeps asking
 * for a while and counts every answer that still gives an address.
 */
import { fileURLToPath } from "node:url";
import Dockerode from "dockerode";
import { parseEnvelope, subjects } from "@ovl/domain";
import type { OvlClient } from "@ovl/client";
import type { LabInfo, LabNodeInfo } from "@ovl/lab";
import { containerPid, docker, swarmDown, swarmUp, SWARM_NET } from "./docker.js";
import { withLab } from "./lab.js";
import { connectClient, ovlContainer, waitNodesReady } from "./ovl.js";
import { startChild, type Child } from "../lib/proc.js";
import type { Row, Section } from "../lib/report-types.js";
import { makeRow, variant } from "../lib/rows.js";
import { epochMs, interleave } from "../lib/stats.js";

const PROBE = fileURLToPath(new URL("./dns-probe.mjs", import.meta.url));
const OVL = "ovl";
const SWARM = "swarm";
const ARMS = [OVL, SWARM] as const;
type Arm = (typeof ARMS)[number];
/** How long a probe keeps asking after "gone", counting stale answers. */
const WATCH_MS = 500;
const TARGET_MS = 200;

export interface NamesOptions {
  readonly trials: number;
  /** Lab sizes, one lab each. @default [3, 10] */
  readonly sizes?: readonly number[];
  readonly log: (l: string) => void;
}

/** The time each probe printed for `kind name`; the latest is when every node answered. */
async function everyNode(probes: readonly Child[], kind: "a" | "nx" | "gone", name: string): Promise<number> {
  const seen = await Promise.all(probes.map((p) => p.waitLine(new RegExp(`^${kind} ${name} `), 30_000)));
  return Math.max(...seen.map((s) => Number(s.line.split(" ")[2])));
}

/** Answers with an address after "gone", summed over the probes, once each has watched. */
async function staleAnswers(probes: readonly Child[], name: string): Promise<number> {
  const seen = await Promise.all(probes.map((p) => p.waitLine(new RegExp(`^stale ${name} `), 10_000)));
  return seen.reduce((sum, s) => sum + Number(s.line.split(" ")[2]), 0);
}

function runningAt(client: OvlClient, node: string, name: string): Promise<number> {
  const sub = client.nc.subscribe(subjects.containerEventSubject(node, name));
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => (sub.unsubscribe(), reject(new Error(`no ContainerRunning for ${name}`))), 30_000);
    void (async () => {
      for await (const m of sub) {
        const at = epochMs();
        try {
          if (parseEnvelope(m.data).type === "ContainerRunning") return (clearTimeout(timer), sub.unsubscribe(), resolve(at));
        } catch {
          // not an event
        }
      }
    })();
  });
}

interface Samples {
  fromRunning: number[];
  fromRequest: number[];
  removal: number[];
  stale: number;
  staleAsked: number;
  beforeRunning: number;
}
const emptySamples = (): Samples => ({ fromRunning: [], fromRequest: [], removal: [], stale: 0, staleAsked: 0, beforeRunning: 0 });

interface Bed {
  readonly lab: LabInfo;
  readonly client: OvlClient;
  readonly probes: Record<Arm, Child[]>;
  readonly log: (l: string) => void;
}

/** The node's dockerd over its Engine API socket. */
const engine = (node: LabNodeInfo): Dockerode => new Dockerode({ socketPath: node.dockerHost.replace(/^unix:\/\//, "") });

const ask = (probes: readonly Child[], line: string) => probes.forEach((p) => p.proc.stdin!.write(`${line}\n`));

/** One trial of an arm: the three times, or a throw (the round's samples are NaN). */
async function trial(bed: Bed, arm: Arm, k: number, out: Samples, round: number): Promise<void> {
  const node = bed.lab.nodes[k % bed.lab.nodes.length]!;
  const name = `${arm === OVL ? "nm" : "sw"}-${bed.lab.nodes.length}-${k}`;
  const probes = bed.probes[arm];
  let resolved: number, t0: number, tRun: number;
  if (arm === OVL) {
    const running = runningAt(bed.client, node.name, name);
    ask(probes, `a ${name}`);
    t0 = epochMs();
    await bed.client.run({ name, node: node.name, image: bed.lab.image, cmd: [], ports: [] });
    resolved = await everyNode(probes, "a", name);
    tRun = await running;
  } else {
    ask(probes, `a ${name}`);
    t0 = epochMs();
    // What `docker run -d --network X --name N IMAGE` asks of the Engine API.
    const made = await engine(node).createContainer({ name, Image: bed.lab.image, HostConfig: { NetworkMode: SWARM_NET } });
    await made.start();
    tRun = epochMs();
    resolved = await everyNode(probes, "a", name);
  }
  ask(probes, `${arm === OVL ? "nx" : "gone"} ${name}`);
  const t1 = epochMs();
  if (arm === OVL) await bed.client.rm(name);
  else await engine(node).getContainer(name).remove({ force: true });
  const gone = (await everyNode(probes, arm === OVL ? "nx" : "gone", name)) - t1;
  const stale = await staleAnswers(probes, name);
  out.fromRequest[round] = resolved - t0;
  out.fromRunning[round] = Math.max(0, resolved - tRun);
  if (resolved <= tRun) out.beforeRunning++;
  out.removal[round] = gone;
  out.stale += stale;
  bed.log(`bench: names N=${bed.lab.nodes.length} ${arm} #${k} on ${node.name}: every node answers ${(resolved - t0).toFixed(1)} ms after the request (${(resolved - tRun).toFixed(1)} ms from running); gone everywhere ${gone.toFixed(1)} ms after the removal; ${stale} stale answer(s) after gone`);
}

async function startProbes(bed: Omit<Bed, "probes">, intervalMs: number): Promise<Record<Arm, Child[]>> {
  const probes: Record<Arm, Child[]> = { ovl: [], swarm: [] };
  const rows = await waitNodesReady(bed.client, bed.lab.nodes.map((n) => n.name), 180_000);
  const probe = async (pid: number, resolver: string): Promise<Child> => {
    const p = startChild(["nsenter", `--net=/proc/${pid}/ns/net`, process.execPath, PROBE, resolver, String(intervalMs), String(WATCH_MS)], undefined, true);
    await p.waitLine(/^ready/, 10_000);
    return p;
  };
  for (const [i, node] of bed.lab.nodes.entries()) {
    const gateway = rows.find((r) => r.name === node.name)!.gateway!;
    const { pid } = await ovlContainer(bed.client, node, `probe-${node.name}`, bed.lab.image);
    probes.ovl.push(await probe(pid, gateway));
    const sw = `bench-names-sw-${node.name}`;
    await docker(node, "run", "-d", "--network", SWARM_NET, "--ip", `198.19.200.${11 + i}`, "--dns-opt", "ndots:1", "--name", sw, bed.lab.image);
    probes.swarm.push(await probe(await containerPid(node, sw), "127.0.0.11"));
  }
  return probes;
}

const p99 = (xs: readonly number[]): number | null => {
  const s = xs.filter(Number.isFinite).sort((a, b) => a - b);
  return s.length ? s[Math.ceil(0.99 * s.length) - 1]! : null;
};

function rowsFor(n: number, m: Record<Arm, Samples>, intervalMs: number): Row[] {
  const v = (pick: (s: Samples) => number[], extra?: (s: Samples) => Record<string, number>) => ARMS.map((a) => variant(a, pick(m[a]), extra?.(m[a])));
  const under = (xs: number[]) => (p99(xs) === null ? null : p99(xs)! < TARGET_MS);
  return [
    makeRow({
      id: `names-resolve-n${n}`, title: `A new container's name answered by every node (N = ${n}): from ContainerRunning / \`docker run\` returning (0: already answered)`, unit: "ms", higherIsBetter: false,
      variants: v((s) => s.fromRunning, (s) => ({ answeredBeforeRunning: s.beforeRunning })), ratiosOf: OVL, paired: true,
      target: { text: `ovl p99 under ${TARGET_MS} ms`, met: under(m.ovl.fromRunning) },
    }),
    makeRow({
      id: `names-resolve-request-n${n}`, title: `A new container's name answered by every node (N = ${n}): from the request (\`ovl run\` / \`docker run\`)`, unit: "ms", higherIsBetter: false,
      variants: v((s) => s.fromRequest), ratiosOf: OVL, paired: true,
    }),
    makeRow({
      id: `names-removed-n${n}`, title: `Gone on every node after the removal (N = ${n}): from \`ovl rm\` until NXDOMAIN / \`docker rm -f\` until no address; probes asking every ${intervalMs} ms`, unit: "ms", higherIsBetter: false,
      variants: v((s) => s.removal, (s) => ({ staleAnswersAfterGone: s.stale })), ratiosOf: OVL, paired: true,
      target: { text: `ovl p99 under ${TARGET_MS} ms and no stale answer after the removal is applied`, met: m.ovl.removal.some(Number.isFinite) ? under(m.ovl.removal)! && m.ovl.stale === 0 : null },
    }),
  ];
}

async function measure(lab: LabInfo, o: NamesOptions, errors: string[], notes: string[]): Promise<Row[]> {
  const n = lab.nodes.length;
  // Ten probes per arm asking every 2 ms would take the 2-core machine from the nodes.
  const intervalMs = n > 3 ? 5 : 2;
  const client = await connectClient(lab, "ovl-bench-names");
  let probes: Record<Arm, Child[]> = { ovl: [], swarm: [] };
  try {
    await swarmUp(lab.nodes, lab.cluster.mtu);
    probes = await startProbes({ lab, client, log: o.log }, intervalMs);
    const bed: Bed = { lab, client, probes, log: o.log };
    const m: Record<Arm, Samples> = { ovl: emptySamples(), swarm: emptySamples() };
    let k = 0;
    await interleave(o.trials, ARMS, async (arm, round) => {
      const at = k++;
      await trial(bed, arm, at, m[arm], round).catch(async (err: Error) => {
        for (const key of ["fromRunning", "fromRequest", "removal"] as const) m[arm][key][round] = NaN;
        if (arm === OVL) await client.rm(`nm-${n}-${at}`).catch(() => undefined);
        else await docker(lab.nodes[at % n]!, "rm", "-f", `sw-${n}-${at}`).catch(() => undefined);
        throw err;
      });
      return 0;
    }, (arm, e) => errors.push(`names N=${n} ${arm}: ${e.message}`));
    notes.push(`N = ${n}: probes ask every ${intervalMs} ms and watch ${WATCH_MS} ms after gone; stale answers after gone: ovl ${m.ovl.stale}, Swarm ${m.swarm.stale}; ovl answered before ContainerRunning in ${m.ovl.beforeRunning} of ${m.ovl.fromRunning.filter(Number.isFinite).length} trials`);
    return rowsFor(n, m, intervalMs);
  } finally {
    await Promise.all([...probes.ovl, ...probes.swarm].map((p) => p.stop()));
    (await swarmDown(lab.nodes)).forEach((p) => errors.push(`swarm leave: ${p}`));
    await client.close().catch(() => undefined);
  }
}

export async function namesSection(o: NamesOptions): Promise<Section> {
  const errors: string[] = [];
  const notes: string[] = [];
  const rows: Row[] = [];
  for (const n of o.sizes ?? [3, 10]) {
    await withLab(n, true, o.log, async (lab) => rows.push(...(await measure(lab, o, errors, notes))))
      .catch((e: Error) => errors.push(`names N=${n} aborted: ${e.message}`));
  }
  notes.unshift("Each node's probe asks its own node's resolver (ovl: the node's gateway; Swarm: Docker's embedded DNS) from a container's network namespace; a figure is the latest of the N first answers. Paired rounds: one ovl and one Swarm trial per round, the order rotating.");
  return { id: "names", title: "Names: every node answers from the history, beside Swarm's embedded DNS", method: "", rows, notes, errors };
}
