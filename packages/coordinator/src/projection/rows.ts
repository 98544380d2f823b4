/**
 * ClusterState <-> rows, pure. `rowChanges` finds what an event touched by reference:
 * evolve copies only what changes, so an untouched node or container keeps its object and
 * is skipped, and a batch writes only the rows that differ.
 */
import type { ClusterConfig, ClusterState, ContainerRecord, NodeRecord, OvlEvent } from "@ovl/domain";

export type RowOp =
  | { readonly op: "cluster"; readonly cfg: ClusterConfig }
  | { readonly op: "node"; readonly rec: NodeRecord }
  | { readonly op: "ctr"; readonly rec: ContainerRecord }
  | { readonly op: "ctr-del"; readonly node: string; readonly name: string };

function containerChanges(prev: NodeRecord | undefined, next: NodeRecord, ops: RowOp[]): void {
  const before = prev?.containers ?? {};
  if (before === next.containers) return;
  for (const [name, rec] of Object.entries(next.containers)) {
    if (before[name] !== rec) ops.push({ op: "ctr", rec });
  }
  for (const name of Object.keys(before)) {
    if (!Object.hasOwn(next.containers, name)) ops.push({ op: "ctr-del", node: next.name, name });
  }
}

/**
 * The rows an event changed. A container event touches one container of one node (the
 * fast path: a node holds up to a block's worth of containers); other events are compared
 * node by node.
 */
export function rowChangesFor(event: OvlEvent, before: ClusterState, after: ClusterState): RowOp[] {
  if (!event.type.startsWith("Container") || before.cluster !== after.cluster) return rowChanges(before, after);
  const { node, name } = event.data as { node: string; name: string };
  const prev = before.nodes[node];
  const next = after.nodes[node];
  if (prev === next || !next || !prev) return rowChanges(before, after);
  // A container event changes only the node's container map: the node's own row stays.
  const c = next.containers[name];
  if (c && prev?.containers[name] !== c) return [{ op: "ctr", rec: c }];
  if (!c && prev?.containers[name]) return [{ op: "ctr-del", node, name }];
  return [];
}

export function rowChanges(before: ClusterState, after: ClusterState): RowOp[] {
  const ops: RowOp[] = [];
  if (after.cluster && before.cluster !== after.cluster) ops.push({ op: "cluster", cfg: after.cluster });
  if (before.nodes === after.nodes) return ops;
  for (const [name, rec] of Object.entries(after.nodes)) {
    const prev = before.nodes[name];
    if (prev === rec) continue;
    ops.push({ op: "node", rec });
    containerChanges(prev, rec, ops);
  }
  return ops;
}

export interface NodeRow {
  name: string;
  underlay_ip: string;
  agent_version: string;
  status: string;
  subnet: string | null;
  gateway: string | null;
  since: string;
  reason: string | null;
  has_last_seen: number;
  last_seen: string | null;
}

export interface ContainerRow {
  node: string;
  name: string;
  ip: string;
  mac: string;
  image: string;
  cmd: string;
  ports: string;
  state: string;
  reason: string | null;
  exit_code: number | null;
  since: string;
}

/**
 * A record as the values of its row, in the table's column order (NodeRow, ContainerRow):
 * the writer binds these, as better-sqlite3 binds an array faster than named parameters.
 * lastSeen is absent, null (lost before any heartbeat) or a time: three cases, two columns.
 */
export const nodeValues = (n: NodeRecord): unknown[] => [
  n.name, n.underlayIp, n.agentVersion, n.status, n.subnet, n.gateway, n.since, n.reason ?? null, n.lastSeen === undefined ? 0 : 1, n.lastSeen ?? null,
];

export const containerValues = (c: ContainerRecord): unknown[] => [
  c.node, c.name, c.ip, c.mac, c.image, JSON.stringify(c.cmd), JSON.stringify(c.ports), c.state, c.reason ?? null, c.exitCode ?? null, c.since,
];

export function rowToContainer(r: ContainerRow): ContainerRecord {
  const base = {
    name: r.name,
    node: r.node,
    ip: r.ip,
    mac: r.mac,
    image: r.image,
    cmd: JSON.parse(r.cmd) as string[],
    ports: JSON.parse(r.ports) as ContainerRecord["ports"],
    state: r.state as ContainerRecord["state"],
    since: r.since,
  };
  return { ...base, ...(r.reason !== null ? { reason: r.reason } : {}), ...(r.exit_code !== null ? { exitCode: r.exit_code } : {}) };
}

export function rowToNode(r: NodeRow, containers: Record<string, ContainerRecord>): NodeRecord {
  const base = {
    name: r.name,
    underlayIp: r.underlay_ip,
    agentVersion: r.agent_version,
    status: r.status as NodeRecord["status"],
    subnet: r.subnet,
    gateway: r.gateway,
    since: r.since,
    containers,
  };
  return { ...base, ...(r.reason !== null ? { reason: r.reason } : {}), ...(r.has_last_seen ? { lastSeen: r.last_seen } : {}) };
}
