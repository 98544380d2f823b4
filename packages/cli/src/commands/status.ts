/**
 * `ovl status`: one line that says whether the cluster converged, the coordinators, the
 * broker, then per node its applied sequence, its lag in events and in time, and the p50/p99
 * of its recent append-to-applied times. `--json` prints the whole status object.
 */
import type { ClusterStatus, NodeConvergence } from "@ovl/client";
import { out, withClient, type GlobalOptions } from "../context.js";
import { age, coordinatorsLine, coordinatorsUnknownLine, humanBytes } from "@ovl/domain";
import { table } from "../format.js";

const ms = (v: number | null): string => (v === null ? "-" : v < 10_000 ? `${v}ms` : `${(v / 1000).toFixed(1)}s`);
const num = (v: number | null): string => (v === null ? "-" : String(v));

/** The domain's coordinators line, then how many have not applied the last event. */
function coordinatorsText(s: ClusterStatus): string {
  if (s.coordinatorsError !== undefined) return coordinatorsUnknownLine(s.coordinatorsError);
  const behind = s.coordinators.filter((c) => c.seq !== null && c.seq < s.seq).length;
  return `${coordinatorsLine(s.coordinators)}${behind ? `, ${behind} not yet at seq ${s.seq}` : ""}`;
}

function brokerLine(s: ClusterStatus): string {
  const b = s.broker;
  const st = b.stream;
  const replicas = st.replicas.map((r) => `${r.name} ${r.offline ? "offline" : r.current ? "current" : `behind by ${r.lag}`}`);
  const where = `${b.servers} server${b.servers === 1 ? "" : "s"}, connected to ${b.connectedTo.name} (nats-server ${b.connectedTo.version})`;
  const stream = `${st.name}: ${st.messages} events, ${humanBytes(st.bytes)}${st.leader ? `, leader ${st.leader}` : ""}${replicas.length ? `, replicas ${replicas.join(", ")}` : ""}`;
  return `broker: ${where}; ${stream}`;
}

function nodesTable(nodes: readonly NodeConvergence[], now: number): string {
  return table(
    ["NODE", "STATUS", "PATH", "VERSION", "APPLIED", "LAG", "LAG TIME", "P50", "P99", "SEEN"],
    nodes.map((n) => [n.name, n.status, n.path ?? "-", n.version, num(n.appliedSeq), num(n.lag), ms(n.lagMs), ms(n.applyP50Ms), ms(n.applyP99Ms), n.lastSeen ? `${age(n.lastSeen, now)} ago` : "-"]),
  );
}

/** The status for people. Pure. */
export function statusText(s: ClusterStatus): string {
  const now = Date.parse(s.time);
  const nodes = s.nodesError ? `nodes: unknown (${s.nodesError})\n` : s.nodes.length ? nodesTable(s.nodes, now) : "nodes: none (start one with `ovl agent --node NAME`)\n";
  return `cluster: ${s.convergence.line}\n${coordinatorsText(s)}\n${brokerLine(s)}\n\n${nodes}`;
}

export async function statusCommand(g: GlobalOptions, opts: { json?: boolean }): Promise<number> {
  const { readStatus } = await import("@ovl/client");
  const status = await withClient(g, (c) => readStatus(c));
  await out(opts.json ? `${JSON.stringify(status, null, 2)}\n` : statusText(status));
  return 0;
}
