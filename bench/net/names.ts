/**
 * Names: how soon every node answers a container's name, and how soon every node answers
 * NXDOMAIN after `ovl rm`. A 3-node lab with its own control plane (`ovl up`'s); one probe
 * container per node, and in each probe's network namespace a small client (dns-probe.mjs)
 * that asks its node's gateway every 2 ms, as a container does. Each trial starts a container
 * on the next node (through the client library: no CLI start-up counted), waits until every
 * probe got its address, then removes it and waits until every probe gets NXDOMAIN.
 *
 * A name answers from the moment the decision (ContainerStarted) is folded, before the
 * container runs: "from ContainerRunning" is then 0, and the row from the request says when.
 */
import { fileURLToPath } from "node:url";
import { parseEnvelope, subjects } from "@ovl/domain";
import type { OvlClient } from "@ovl/client";
import type { LabInfo } from "@ovl/lab";
import { withLab } from "./lab.js";
import { connectClient, ovlContainer, waitNodesReady } from "./ovl.js";
import { startChild, type Child } from "../lib/proc.js";
import type { Row, Section } from "../lib/report-types.js";
import { makeRow, variant } from "../lib/rows.js";
import { epochMs } from "../lib/stats.js";

const PROBE = fileURLToPath(new URL("./dns-probe.mjs", import.meta.url));
const NODES = 3;

export interface NamesOptions {
  readonly trials: number;
  readonly log: (l: string) => void;
}

/** The time each probe printed for `kind name`; the latest is when every node answered. */
async function everyNode(probes: readonly Child[], kind: "a" | "nx", name: string): Promise<number> {
  const seen = await Promise.all(probes.map((p) => p.waitLine(new RegExp(`^${kind} ${name} `), 30_000)));
  return Math.max(...seen.map((s) => Number(s.line.split(" ")[2])));
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

async function measure(lab: LabInfo, o: NamesOptions, errors: string[]): Promise<{ fromRequest: number[]; fromRunning: number[]; beforeRunning: number; removal: number[] }> {
  const client = await connectClient(lab, "ovl-bench-names");
  const probes: Child[] = [];
  const out = { fromRequest: [] as number[], fromRunning: [] as number[], beforeRunning: 0, removal: [] as number[] };
  try {
    const names = lab.nodes.map((n) => n.name);
    const rows = await waitNodesReady(client, names, 120_000);
    for (const node of lab.nodes) {
      const gateway = rows.find((r) => r.name === node.name)!.gateway!;
      const { pid } = await ovlContainer(client, node, `probe-${node.name}`, lab.image);
      const p = startChild(["nsenter", `--net=/proc/${pid}/ns/net`, process.execPath, PROBE, gateway], undefined, true);
      await p.waitLine(/^ready/, 10_000);
      probes.push(p);
    }
    const ask = (line: string) => probes.forEach((p) => p.proc.stdin!.write(`${line}\n`));
    for (let k = 0; k < o.trials; k++) {
      const node = names[k % names.length]!;
      const name = `name-${k}`;
      try {
        const running = runningAt(client, node, name);
        ask(`a ${name}`);
        const t0 = epochMs();
        await client.run({ name, node, image: lab.image, cmd: [], ports: [] });
        const resolved = await everyNode(probes, "a", name);
        const tRun = await running;
        out.fromRequest.push(resolved - t0);
        out.fromRunning.push(Math.max(0, resolved - tRun));
        if (resolved <= tRun) out.beforeRunning++;
        ask(`nx ${name}`);
        const t1 = epochMs();
        await client.rm(name);
        out.removal.push((await everyNode(probes, "nx", name)) - t1);
        o.log(`bench: names #${k} on ${node}: every node answers ${(resolved - t0).toFixed(1)} ms after the request (${(resolved - tRun).toFixed(1)} ms from ContainerRunning); NXDOMAIN everywhere ${out.removal.at(-1)!.toFixed(1)} ms after rm`);
      } catch (err) {
        errors.push(`names #${k}: ${(err as Error).message}`);
        await client.rm(name).catch(() => undefined);
      }
    }
  } finally {
    await Promise.all(probes.map((p) => p.stop()));
    await client.close().catch(() => undefined);
  }
  return out;
}

export async function namesSection(o: NamesOptions): Promise<Section> {
  const errors: string[] = [];
  const rows: Row[] = [];
  await withLab(NODES, true, o.log, async (lab) => {
    const m = await measure(lab, o, errors);
    rows.push(
      makeRow({
        id: "names-resolve", title: `A new container's name answered by every node (N = ${NODES}): from ContainerRunning (0: already answered)`, unit: "ms", higherIsBetter: false,
        variants: [variant("ovl", m.fromRunning, { answeredBeforeRunning: m.beforeRunning })],
        target: { text: "p99 under 200 ms", met: m.fromRunning.length ? [...m.fromRunning].sort((a, b) => a - b)[Math.ceil(0.99 * m.fromRunning.length) - 1]! < 200 : null },
      }),
      makeRow({
        id: "names-resolve-request", title: `A new container's name answered by every node (N = ${NODES}): from the \`ovl run\` request`, unit: "ms", higherIsBetter: false,
        variants: [variant("ovl", m.fromRequest)],
      }),
      makeRow({
        id: "names-removed", title: `NXDOMAIN on every node after \`ovl rm\` (N = ${NODES}): from the request`, unit: "ms", higherIsBetter: false,
        variants: [variant("ovl", m.removal)],
        target: { text: "p99 under 200 ms", met: m.removal.length ? [...m.removal].sort((a, b) => a - b)[Math.ceil(0.99 * m.removal.length) - 1]! < 200 : null },
      }),
    );
  }).catch((e: Error) => errors.push(`names section aborted: ${e.message}`));
  return {
    id: "names", title: "Names: every node answers from the history", method: "", rows,
    notes: ["Each node's probe asks its own gateway every 2 ms from a container's network namespace; the figure is the latest of the three first answers. Swarm's embedded DNS is not measured here."],
    errors,
  };
}
