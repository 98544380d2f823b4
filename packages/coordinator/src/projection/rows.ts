/**
 * ClusterState <-> rows, pure: the values the projection writes for a node or a container
 * (positional, in the tables' column order) and the records read back from rows.
 */
import type { ContainerRecord, NetworkRecord, NodeRecord } from "@ovl/domain";

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
  lan_prefix: number | null;
  blocks: string | null;
}

export interface NetworkRow {
  name: string;
  cidr: string;
  block_prefix: number;
  vni: number;
  internal: number;
  since: string;
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
  options: string | null;
  aliases: string | null;
  origin: string | null;
  networks: string | null;
}

/**
 * A record as the values of its row, in the table's column order (NodeRow, ContainerRow):
 * the writer binds these, as better-sqlite3 binds an array faster than named parameters.
 * lastSeen is absent, null (lost before any heartbeat) or a time: three cases, two columns.
 */
export const nodeValues = (n: NodeRecord): unknown[] => [
  n.name, n.underlayIp, n.agentVersion, n.status, n.subnet, n.gateway, n.since, n.reason ?? null, n.lastSeen === undefined ? 0 : 1, n.lastSeen ?? null,
  n.lanPrefix ?? null, n.blocks ? JSON.stringify(n.blocks) : null,
];

export const networkValues = (n: NetworkRecord): unknown[] => [n.name, n.cidr, n.blockPrefix, n.vni, n.internal ? 1 : 0, n.since];

export const rowToNetwork = (r: NetworkRow): NetworkRecord => ({ name: r.name, cidr: r.cidr, blockPrefix: r.block_prefix, vni: r.vni, internal: r.internal === 1, since: r.since });

export const containerValues = (c: ContainerRecord): unknown[] => [
  c.node, c.name, c.ip, c.mac, c.image, JSON.stringify(c.cmd), JSON.stringify(c.ports), c.state, c.reason ?? null, c.exitCode ?? null, c.since,
  c.options ? JSON.stringify(c.options) : null, c.aliases ? JSON.stringify(c.aliases) : null, c.origin ?? null,
  c.networks ? JSON.stringify(c.networks) : null,
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
  const options = r.options !== null ? { options: JSON.parse(r.options) as NonNullable<ContainerRecord["options"]> } : {};
  const aliases = r.aliases !== null ? { aliases: JSON.parse(r.aliases) as string[] } : {};
  const origin = r.origin ? { origin: r.origin as NonNullable<ContainerRecord["origin"]> } : {};
  const networks = r.networks ? { networks: JSON.parse(r.networks) as NonNullable<ContainerRecord["networks"]> } : {};
  return { ...base, ...options, ...aliases, ...origin, ...networks, ...(r.reason !== null ? { reason: r.reason } : {}), ...(r.exit_code !== null ? { exitCode: r.exit_code } : {}) };
}

export function rowToNode(r: NodeRow, containers: Record<string, ContainerRecord>): NodeRecord {
  const base = {
    name: r.name,
    underlayIp: r.underlay_ip,
    agentVersion: r.agent_version,
    status: r.status as NodeRecord["status"],
    subnet: r.subnet,
    gateway: r.gateway,
    ...(r.blocks ? { blocks: JSON.parse(r.blocks) as NonNullable<NodeRecord["blocks"]> } : {}),
    since: r.since,
    containers,
  };
  return {
    ...base,
    ...(r.lan_prefix !== null && r.lan_prefix !== undefined ? { lanPrefix: r.lan_prefix } : {}),
    ...(r.reason !== null ? { reason: r.reason } : {}),
    ...(r.has_last_seen ? { lastSeen: r.last_seen } : {}),
  };
}
