/**
 * `ovl diff A B`: what changed between two points of the history (sequences or times):
 * the cluster's settings, nodes and containers added, removed and changed. The state at
 * each point is the domain's fold of the history up to it; `--json` prints the diff as is.
 */
import type { AtTarget } from "@ovl/client";
import { diffStates, isEmptyDiff, type Changed, type ContainerRecord, type FieldChange, type NodeSummary, type StateDiff } from "@ovl/domain";
import { out, withClient, type GlobalOptions } from "../context.js";
import { UsageError, asUsage } from "../errors.js";
import { summaryValue } from "../format.js";

const show = (v: unknown): string => (v === null || v === undefined ? "-" : summaryValue(v));
const changes = (cs: readonly FieldChange[]): string => cs.map((c) => `${c.field}: ${show(c.from)} -> ${show(c.to)}`).join("; ");
const nodeLine = (n: NodeSummary): string => `${n.name}  ${n.underlayIp}  ${n.status}${n.subnet ? `  ${n.subnet}` : ""}`;
const ctrLine = (c: ContainerRecord): string => `${c.name}  ${c.node}  ${c.ip}  ${c.image}  ${c.state}`;

function section<T>(title: string, d: { added: readonly T[]; removed: readonly T[]; changed: readonly Changed<T>[] }, line: (x: T) => string): string[] {
  if (d.added.length + d.removed.length + d.changed.length === 0) return [];
  return [
    `${title}:`,
    ...d.added.map((x) => `  + ${line(x)}`),
    ...d.removed.map((x) => `  - ${line(x)}`),
    ...d.changed.map((c) => `  ~ ${c.name}  ${changes(c.changes)}`),
  ];
}

/** The diff for people: `+` added, `-` removed, `~` changed with each field's old and new value. Pure. */
export function diffText(d: StateDiff, a: number, b: number): string {
  const head = `seq ${a} -> seq ${b}`;
  if (isEmptyDiff(d)) return `${head}: no changes\n`;
  const cluster = d.cluster
    ? [`cluster: ${d.cluster.to ? Object.entries(d.cluster.to).map(([k, v]) => `${k}=${show(v)}`).join(" ") : "none"}${d.cluster.from ? "" : " (created)"}`]
    : [];
  return [head, ...cluster, ...section("nodes", d.nodes, nodeLine), ...section("containers", d.containers, ctrLine)].join("\n") + "\n";
}

/**
 * The sequence `target` stands for; one past the last event is refused (not clamped): the
 * state there is not known yet, and the last one would pass for it.
 */
function checkedSeq(target: AtTarget, seq: number): number {
  if (target.kind === "seq" && target.seq > seq) throw new UsageError(`seq ${target.seq} is past the end of the history (the last event is seq ${seq})`);
  return seq;
}

export async function diffCommand(g: GlobalOptions, rawA: string, rawB: string, opts: { json?: boolean }): Promise<number> {
  const { parseAt, sequenceAt, statesAt } = await import("@ovl/client");
  const now = new Date();
  const [atA, atB] = asUsage(() => [parseAt(rawA, now), parseAt(rawB, now)] as const);
  const text = await withClient(g, async (client) => {
    const a = checkedSeq(atA, await sequenceAt(client.nc, atA));
    const b = checkedSeq(atB, await sequenceAt(client.nc, atB));
    const states = await statesAt(client.nc, [a, b], (l) => process.stderr.write(`warning: ${l}\n`));
    const d = diffStates(states.get(a)!, states.get(b)!);
    return opts.json ? `${JSON.stringify({ from: a, to: b, ...d }, null, 2)}\n` : diffText(d, a, b);
  });
  await out(text);
  return 0;
}
