/**
 * Liveness: a ready node silent for `lostAfterMs` is recorded lost (LoseNode -> NodeLost).
 *
 * How it works:
 * 1. Every tick reads the latest heartbeat of each node (heartbeats.ts keeps it) and notes,
 *    on this process's monotonic clock, when a node's beat last changed and when its
 *    NodeJoined or NodeRecovered was last seen (a node back is fresh). Agents' clocks are never
 *    compared with ours: only "did a new beat arrive" matters.
 * 2. A node's silence is measured from the latest of: its last new beat, its last join,
 *    and the moment this coordinator began watching. So a coordinator that just started
 *    (beats read from OVL_HEARTBEATS may be old) or that just got its NATS connection back
 *    watches a full period before it declares anyone lost; while disconnected it declares
 *    nothing. The full period restarts at *this coordinator's* reconnect: agents reconnect
 *    on their own schedule (nats.js waits reconnectTimeWait, 2 s, between attempts to a
 *    server), which the default period (30 s) covers many times over.
 * 2b. A tick that comes late (more than two intervals after the previous one: the process
 *    was starved of CPU, collecting garbage or stopped) notes but declares nothing: the
 *    beats that arrived meanwhile still wait in the socket, and Node runs timers before it
 *    reads I/O, so they are seen before the next tick decides.
 * 3. The request id is derived from the node's join (`lost-<node>-<join time in ms>`), the
 *    same in every coordinator, so two coordinators declaring the same loss append it once
 *    (same Nats-Msg-Id, optimistic concurrency, then a no-op decision).
 */
import type { NatsConnection } from "nats";
import type { ClusterState, Heartbeat, NodeRecord, Reply } from "@ovl/domain";
import type { JobSpec } from "./pipeline/jobs.js";

export interface LivenessDeps {
  readonly state: () => ClusterState;
  readonly heartbeats: ReadonlyMap<string, Heartbeat>;
  readonly submit: (job: JobSpec) => Promise<Reply>;
  readonly lostAfterMs: number;
  readonly log: (line: string) => void;
  /** Monotonic milliseconds. @default performance.now */
  readonly clock?: () => number;
  /** @default min(1000, lostAfterMs / 4) */
  readonly intervalMs?: number;
}

export interface LivenessHandle {
  /** Starts a full period of watching again (after a reconnect). */
  restartWatch(): void;
  /** Declares nothing until restartWatch (while disconnected). */
  pause(): void;
  /** One check now; the names of the nodes declared lost by it. */
  tick(): string[];
  stop(): void;
}

/** The deterministic request id of a ready node's loss: one per join of the node. */
export function lostRequestId(node: Pick<NodeRecord, "name" | "since">): string {
  const ms = Date.parse(node.since);
  return `lost-${node.name}-${Number.isFinite(ms) ? ms : 0}`;
}

interface Seen {
  readonly mark: string;
  readonly at: number;
}

/** Records `mark` for a node at `now` when it differs from the one known; returns when it was seen. */
function note(map: Map<string, Seen>, node: string, mark: string | undefined, now: number): number {
  if (mark === undefined) return -Infinity;
  const known = map.get(node);
  if (known && known.mark === mark) return known.at;
  map.set(node, { mark, at: now });
  return now;
}

/** Pure: the ready nodes silent for at least `lostAfterMs` since `seenAt(node)`. */
export function silentNodes(state: ClusterState, seenAt: (n: NodeRecord) => number, now: number, lostAfterMs: number): NodeRecord[] {
  return Object.values(state.nodes).filter((n) => n.status === "ready" && now - seenAt(n) >= lostAfterMs);
}

/** Pure: whether a tick at `now` after one at `prev` is late (the process itself was stalled). */
export function lateTick(prev: number, now: number, intervalMs: number): boolean {
  return now - prev > 2 * intervalMs;
}

/** Submits the loss of `n` once per join; a refused or failed attempt is tried again on a later tick. */
function declareLost(d: LivenessDeps, asked: Set<string>, n: NodeRecord): void {
  const id = lostRequestId(n);
  if (asked.has(id)) return;
  asked.add(id);
  const lastSeen = d.heartbeats.get(n.name)?.time ?? null;
  d.log(`node ${n.name}: no heartbeat for ${Math.round(d.lostAfterMs / 1000)} s (last ${lastSeen ?? "never"}): declaring it lost`);
  const noop = (s: ClusterState, seq: number) => ({ node: n.name, status: s.nodes[n.name]?.status ?? "left", seq });
  const retry = (why: string) => (asked.delete(id), d.log(`declaring ${n.name} lost: ${why}`));
  d.submit({ id, command: { type: "LoseNode", data: { node: n.name, lastSeen } }, noop }).then(
    (reply) => void (reply.ok || retry(reply.error.message)),
    (err: Error) => retry(err.message),
  );
}

export function watchLiveness(d: LivenessDeps): LivenessHandle {
  const clock = d.clock ?? (() => performance.now());
  const beats = new Map<string, Seen>();
  const joins = new Map<string, Seen>();
  const asked = new Set<string>();
  const intervalMs = d.intervalMs ?? Math.max(10, Math.min(1000, d.lostAfterMs / 4));
  let watchFrom = clock();
  let lastTick = watchFrom;
  let paused = false;

  const seenAt = (n: NodeRecord, now: number): number =>
    Math.max(watchFrom, note(beats, n.name, d.heartbeats.get(n.name)?.time, now), note(joins, n.name, n.since, now));
  // What is known at start was seen at start, not at the first tick.
  for (const n of Object.values(d.state().nodes)) seenAt(n, watchFrom);

  const tick = (): string[] => {
    const now = clock();
    const prev = lastTick;
    lastTick = now;
    if (paused) return [];
    const silent = silentNodes(d.state(), (n) => seenAt(n, now), now, d.lostAfterMs);
    if (silent.length > 0 && lateTick(prev, now, intervalMs)) {
      d.log(`liveness: this check came ${Math.round(now - prev)} ms after the previous one (process stalled): deciding on the next one`);
      return [];
    }
    for (const n of silent) declareLost(d, asked, n);
    return silent.map((n) => n.name);
  };

  const timer = setInterval(tick, intervalMs);
  timer.unref();
  return {
    restartWatch: () => ((paused = false), (watchFrom = clock())),
    pause: () => void (paused = true),
    tick,
    stop: () => clearInterval(timer),
  };
}

/** Pauses on a lost NATS connection and watches a full period again once it is back. */
export function followConnection(nc: NatsConnection, live: LivenessHandle, log: (line: string) => void): () => void {
  let stopped = false;
  void (async () => {
    for await (const s of nc.status()) {
      if (stopped) break;
      if (s.type === "disconnect") {
        live.pause();
        log("NATS connection lost: declaring no node lost until a full period after it is back");
      } else if (s.type === "reconnect") {
        live.restartWatch();
        log(`NATS connection back: watching heartbeats for a full period before declaring any node lost`);
      }
    }
  })().catch(() => undefined);
  return () => void (stopped = true);
}
