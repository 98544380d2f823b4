/**
 * What a request's reply is, derived from the events it decided (their `req` field), as
 * a pure function of the event and the state after it. Because the reply is part of the
 * fold, every coordinator (and a rebuilt projection) holds the same row for a request,
 * so a retry is answered identically whoever serves it, also after the dedupe window.
 *
 * A decision of several events (a join: NodeJoined then SubnetAssigned; a leave: the
 * ContainerStopped of each container then NodeLeaving) leaves an "open" row after its
 * first events: the command that completes it. The final event replaces it by the reply.
 */
import { TAKEN_BY_DOCKER, networkRows, psRow, type NetworkRow, type ClusterState, type CommandData, type Envelope } from "@ovl/domain";

export type OpenDecision =
  | { readonly type: "JoinNode"; readonly data: CommandData<"JoinNode"> }
  | { readonly type: "LeaveNode"; readonly data: CommandData<"LeaveNode"> }
  | { readonly type: "ReleaseNode"; readonly data: CommandData<"ReleaseNode"> };

export interface RequestRow {
  readonly id: string;
  readonly seq: number;
  readonly reply: unknown;
  readonly open: OpenDecision | null;
}

/** The reply `ovl.rpt.<node>.join` gets: the node's block and the cluster's network. */
export function joinReply(state: ClusterState, node: string, seq: number): Record<string, unknown> {
  const n = state.nodes[node];
  return { node, subnet: n?.subnet ?? null, gateway: n?.gateway ?? null, cluster: state.cluster, seq };
}

/** `ovl run`'s reply: the container's `ovl ps` row and the sequence of its ContainerStarted. */
export function runReply(state: ClusterState, node: string, name: string, seq: number): unknown {
  const n = state.nodes[node];
  const c = n?.containers[name];
  if (!n || !c) return { name, node, seq };
  return { ...psRow(c, n.status), seq };
}

/** `ovl network create`'s reply carries the network's `ovl network ls` row as `network`. */
const networkRow = (state: ClusterState, network: string): NetworkRow | null => networkRows(state).find((r) => r.name === network) ?? null;

const done = (id: string, seq: number, reply: unknown): RequestRow => ({ id, seq, reply, open: null });
const open = (id: string, seq: number, decision: OpenDecision): RequestRow => ({ id, seq, reply: null, open: decision });

/** The requests row an applied event writes, or null when it writes none. */
export function requestRow(env: Envelope, seq: number, after: ClusterState): RequestRow | null {
  const id = env.req;
  if (id === undefined) return null;
  switch (env.type) {
    case "ClusterCreated":
      return done(id, seq, { cluster: env.data, seq });
    case "NodeJoined":
    case "NodeRecovered": {
      const { node, underlayIp, agentVersion, lanPrefix } = env.data;
      if (after.nodes[node]?.subnet) return done(id, seq, joinReply(after, node, seq));
      return open(id, seq, { type: "JoinNode", data: { node, underlayIp, agentVersion, ...(lanPrefix !== undefined ? { lanPrefix } : {}) } });
    }
    case "SubnetAssigned": {
      // A block of a network ends a join or an `ovl network create`: the reply serves both.
      const network = env.data.network;
      return done(id, seq, network === undefined ? joinReply(after, env.data.node, seq) : { ...joinReply(after, env.data.node, seq), network: networkRow(after, network) });
    }
    case "NodeLeaving":
      return done(id, seq, { node: env.data.node, status: "leaving", seq });
    case "NodeLeft":
      return done(id, seq, { node: env.data.node, status: "left", seq });
    case "NodeLost":
      return done(id, seq, { node: env.data.node, status: "lost", seq });
    case "ContainerStarted":
      return done(id, seq, runReply(after, env.data.node, env.data.name, seq));
    case "ContainerRunning":
    case "ContainerFailed":
    case "ContainerExited":
      return done(id, seq, { seq });
    case "ContainerStopped":
      return stoppedRow(env.data, id, seq);
    case "NetworkCreated":
      return done(id, seq, { network: networkRow(after, env.data.network), seq });
    case "NetworkRemoved":
      return done(id, seq, { network: env.data.network, seq });
  }
}

/**
 * The first part of a leave or a release (decide.ts) leaves the decision open; a Docker
 * claim's end of its reservation writes no row (the claim's reply is the container's
 * ContainerStarted row, just before it); any other stop (an `ovl rm`, a Docker-door
 * release) is a whole decision: without its row the job would be decided a second time
 * only to find nothing left to do.
 */
function stoppedRow(data: { name: string; node: string; ip: string; reason: string }, id: string, seq: number): RequestRow | null {
  if (data.reason.startsWith(`${TAKEN_BY_DOCKER} `)) return null;
  switch (data.reason) {
    case "node leaving":
      return open(id, seq, { type: "LeaveNode", data: { node: data.node } });
    case "node released":
      return open(id, seq, { type: "ReleaseNode", data: { node: data.node } });
    default:
      return done(id, seq, { name: data.name, node: data.node, ip: data.ip, seq });
  }
}
