/**
 * The rows `ovl ps --json` and `ovl nodes --json` print: a contract scripts rely on
 * (docs/events.md and README.md show them). Pure functions of the state and the latest heartbeats.
 */
import type { PortMapping } from "./names.js";
import { allContainers } from "./queries.js";
import type { ClusterState, ContainerRecord, NodeStatus } from "./state.js";
import type { Heartbeat } from "./wire.js";
import { blockCapacity } from "./ipam.js";
import { attachmentsOf } from "./networks.js";
import { lagOf } from "./convergence.js";
import { pathSummary, routingModeOf } from "./routing.js";

export type ContainerView = "pending" | "running" | "failed" | "exited" | "lost";

export interface PsRow {
  readonly name: string;
  readonly node: string;
  readonly ip: string;
  readonly mac: string;
  readonly image: string;
  readonly cmd: readonly string[];
  readonly state: ContainerView;
  readonly ports: readonly PortMapping[];
  readonly since: string;
  readonly reason?: string;
  readonly exitCode?: number;
  /** Absent: made by `ovl run`; "docker": by Docker on the network ovl. */
  readonly origin?: string;
  /** Its networks and its address on each, the first one's being `ip`. */
  readonly networks: readonly { readonly network: string; readonly ip: string }[];
}

/**
 * A row's networks with its address on each, the first one's being `ip`. A row from a
 * coordinator that predates networks has none: it is on `ovl` at `ip`.
 */
export const rowAttachments = (r: Pick<PsRow, "ip" | "networks">): PsRow["networks"] => r.networks ?? [{ network: "ovl", ip: r.ip }];

export interface NodeRow {
  readonly name: string;
  readonly ip: string;
  readonly subnet: string | null;
  readonly gateway: string | null;
  readonly status: NodeStatus;
  readonly lastSeen: string | null;
  readonly cpu: number | null;
  readonly memFree: number | null;
  readonly memTotal: number | null;
  readonly containers: number;
  readonly freeAddresses: number;
  readonly agentVersion: string;
  readonly since: string;
  /** From the heartbeat: the sequence the node has applied, and how many events it is behind `seq`. */
  readonly appliedSeq: number | null;
  readonly lag: number | null;
  /** Append-to-applied p50/p99 of its recent events, ms. */
  readonly applyP50Ms: number | null;
  readonly applyP99Ms: number | null;
  /** How it reaches its peers (routing.ts `pathSummary`): "direct", "vxlan", "direct, vxlan to n4"; null without a block. */
  readonly path: string | null;
}

export function psRows(state: ClusterState): PsRow[] {
  return allContainers(state).map((c) => psRow(c, state.nodes[c.node]?.status));
}

/** One container's `ovl ps` row, given its node's status (a lost node's containers show "lost"). */
export function psRow(c: ContainerRecord, nodeStatus: NodeStatus | undefined): PsRow {
  const row: { -readonly [K in keyof PsRow]: PsRow[K] } = {
    name: c.name,
    node: c.node,
    ip: c.ip,
    mac: c.mac,
    image: c.image,
    cmd: c.cmd,
    state: nodeStatus === "lost" ? "lost" : c.state,
    ports: c.ports,
    since: c.since,
    networks: attachmentsOf(c).map(({ network, ip }) => ({ network, ip })),
  };
  if (c.reason !== undefined) row.reason = c.reason;
  if (c.exitCode !== undefined) row.exitCode = c.exitCode;
  if (c.origin !== undefined) row.origin = c.origin;
  return row;
}

/** `seq`: the last sequence of the history the rows are of (the lag is counted from it). */
export function nodeRows(state: ClusterState, heartbeats: ReadonlyMap<string, Heartbeat>, opts: { all?: boolean; seq?: number } = {}): NodeRow[] {
  const capacity = state.cluster ? blockCapacity(state.cluster.blockPrefix) : 0;
  const mode = routingModeOf(state.cluster);
  const withBlock = Object.values(state.nodes).filter((n) => n.status !== "left" && n.subnet);
  return Object.values(state.nodes)
    .filter((n) => opts.all || n.status !== "left")
    .sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0)) // not localeCompare: same order in every locale
    .map((n) => {
      const hb = n.status === "left" ? undefined : heartbeats.get(n.name);
      const containers = Object.keys(n.containers).length;
      return {
        name: n.name,
        ip: n.underlayIp,
        subnet: n.subnet,
        gateway: n.gateway,
        status: n.status,
        lastSeen: hb?.time ?? n.lastSeen ?? null,
        cpu: hb?.cpu ?? null,
        memFree: hb?.memFree ?? null,
        memTotal: hb?.memTotal ?? null,
        containers,
        freeAddresses: n.subnet ? capacity - containers : 0,
        agentVersion: hb?.agentVersion ?? n.agentVersion, // the beat says what runs now; the join, what ran then
        since: n.since,
        appliedSeq: hb?.appliedSeq ?? null,
        lag: opts.seq === undefined ? null : lagOf(hb?.appliedSeq, opts.seq),
        applyP50Ms: hb?.applyMs?.p50 ?? null,
        applyP99Ms: hb?.applyMs?.p99 ?? null,
        path: n.subnet && n.status !== "left" ? pathSummary(mode, n, withBlock) : null,
      };
    });
}
