/**
 * `ovl status`: the cluster at a glance, read by any identity that may query and read the
 * streams (operator, viewer).
 *   - nodes: the coordinators' nodes rows (each node's applied sequence and apply p50/p99 from
 *     its heartbeat); the lag is counted against the stream's last sequence, and its age is
 *     the store time of the first event the node has not applied (one MSG.GET per node behind);
 *   - coordinators: their presence beats (each says its version and the sequence it applied);
 *   - broker: `$SYS` is not open to ovl's identities, so the servers are what the connected
 *     server says (its name and version, the client URLs of its cluster) and what JetStream's
 *     stream info says of OVL_EVENTS (leader, replicas current or behind, messages, bytes).
 */
import type { NatsConnection } from "nats";
import { convergenceOf, lagOf, liveCoordinators, subjects, type Convergence, type NodeRow } from "@ovl/domain";
import type { OvlClient } from "./client.js";
import { readCoordinatorBeats } from "./presence.js";

export interface CoordinatorSeen {
  readonly id: string;
  readonly version: string;
  /** The sequence its projection had applied at its last beat; null from a coordinator that does not say. */
  readonly seq: number | null;
  readonly since: string;
}

export interface NodeConvergence {
  readonly name: string;
  readonly status: string;
  readonly version: string;
  readonly appliedSeq: number | null;
  readonly lag: number | null;
  /** How long the first event it has not applied has been in the stream; 0 when caught up. */
  readonly lagMs: number | null;
  readonly applyP50Ms: number | null;
  readonly applyP99Ms: number | null;
  readonly lastSeen: string | null;
  /** How it reaches its peers: "direct", "vxlan", "direct, vxlan to n4" (domain `pathSummary`). */
  readonly path: string | null;
}

export interface ReplicaStatus {
  readonly name: string;
  readonly current: boolean;
  readonly offline: boolean;
  /** Operations behind the leader. */
  readonly lag: number;
}

export interface BrokerStatus {
  readonly connectedTo: { readonly name: string; readonly version: string; readonly cluster: string | null };
  /** Client URLs the connected server knows for its cluster (itself included); 1 alone. */
  readonly servers: number;
  readonly stream: {
    readonly name: string;
    readonly messages: number;
    readonly bytes: number;
    readonly lastSeq: number;
    readonly leader: string | null;
    readonly replicas: readonly ReplicaStatus[];
  };
}

export interface ClusterStatus {
  readonly time: string;
  readonly seq: number;
  readonly convergence: Convergence;
  readonly nodes: readonly NodeConvergence[];
  readonly coordinators: readonly CoordinatorSeen[];
  readonly broker: BrokerStatus;
  /** Why the coordinators are unknown (their beats could not be read; `coordinators` is then []), else absent. */
  readonly coordinatorsError?: string;
  /** Why the nodes are unknown (no coordinator answered), else absent. */
  readonly nodesError?: string;
}

/**
 * The coordinators whose presence beat is fresh (OVL_HEARTBEATS, ovl.hb.coord.<id>), oldest
 * first; with `error` when the beats could not be read (then none is known, not none seen).
 */
export async function coordinatorsSeen(nc: NatsConnection, now = Date.now()): Promise<{ readonly seen: CoordinatorSeen[]; readonly error?: string }> {
  const read = await readCoordinatorBeats(nc);
  if (!read.read) return { seen: [], error: read.why };
  const seen = liveCoordinators(read.beats, now)
    .map((b) => ({ id: b.id, version: b.version, seq: b.seq ?? null, since: b.since ?? b.time }))
    .sort((a, b) => (a.since < b.since ? -1 : a.since > b.since ? 1 : 0));
  return { seen };
}

async function brokerStatus(nc: NatsConnection): Promise<BrokerStatus> {
  const jsm = await nc.jetstreamManager({ checkAPI: false });
  const info = await jsm.streams.info(subjects.STREAM_EVENTS);
  const server = nc.info;
  return {
    connectedTo: { name: server?.server_name ?? "?", version: server?.version ?? "?", cluster: server?.cluster ?? null },
    servers: Math.max(1, server?.connect_urls?.length ?? 1),
    stream: {
      name: subjects.STREAM_EVENTS,
      messages: info.state.messages,
      bytes: info.state.bytes,
      lastSeq: info.state.last_seq,
      leader: info.cluster?.leader ?? null,
      replicas: (info.cluster?.replicas ?? []).map((r) => ({ name: r.name, current: r.current, offline: r.offline, lag: r.lag ?? 0 })),
    },
  };
}

/** When the event at `seq` was stored; null when it is gone or cannot be read. */
async function storedAt(nc: NatsConnection, seq: number): Promise<number | null> {
  try {
    const jsm = await nc.jetstreamManager({ checkAPI: false });
    return (await jsm.streams.getMessage(subjects.STREAM_EVENTS, { seq })).time.getTime();
  } catch {
    return null;
  }
}

async function nodeConvergence(nc: NatsConnection, r: NodeRow, lastSeq: number, now: number): Promise<NodeConvergence> {
  const lag = lagOf(r.appliedSeq, lastSeq);
  const oldest = lag ? await storedAt(nc, r.appliedSeq! + 1) : null;
  return {
    name: r.name,
    status: r.status,
    version: r.agentVersion,
    appliedSeq: r.appliedSeq,
    lag,
    lagMs: lag === 0 ? 0 : oldest === null ? null : Math.max(0, now - oldest),
    applyP50Ms: r.applyP50Ms,
    applyP99Ms: r.applyP99Ms,
    lastSeen: r.lastSeen,
    path: r.path ?? null,
  };
}

export async function readStatus(client: OvlClient, now: () => Date = () => new Date()): Promise<ClusterStatus> {
  const [broker, seen, rows] = await Promise.all([
    brokerStatus(client.nc),
    coordinatorsSeen(client.nc),
    client.nodes({}, { timeoutMs: 3000 }).then((r) => ({ ok: true as const, rows: r }), (err: Error) => ({ ok: false as const, error: err.message })),
  ]);
  const seq = broker.stream.lastSeq;
  const t = now();
  const nodes = rows.ok ? await Promise.all(rows.rows.map((r) => nodeConvergence(client.nc, r, seq, t.getTime()))) : [];
  const convergence = rows.ok ? convergenceOf(nodes, seq) : { converged: false, behind: [], line: `unknown at seq ${seq}: ${rows.error}` };
  const errors = { ...(seen.error === undefined ? {} : { coordinatorsError: seen.error }), ...(rows.ok ? {} : { nodesError: rows.error }) };
  return { time: t.toISOString(), seq, convergence, nodes, coordinators: seen.seen, broker, ...errors };
}
