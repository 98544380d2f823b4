/**
 * A synthetic but valid history for the rebuild benchmarks (bench/coordinator.ts,
 * bench/rebuild.ts): `nodes` nodes with /24 blocks in 198.19.0.0/18, then containers cycling
 * through 200 address slots per node (started, running, stopped when the slot comes round
 * again), so the state stays the size of a busy cluster however long the history.
 */
import { randomBytes } from "node:crypto";
import type { NatsConnection } from "nats";
import { encodeEnvelope, envelope, macFor, subjectFor, type ClusterCreated, type OvlEvent } from "@ovl/domain";

export interface HistoryOptions {
  readonly nodes: number;
  /** A ClusterCreated first (a stream a coordinator could have written from empty). */
  readonly cluster?: ClusterCreated["data"];
}

/** About `total` events (the last container's pair may end one past it). */
export function* history(total: number, o: HistoryOptions): Generator<OvlEvent> {
  if (o.cluster) yield { type: "ClusterCreated", data: o.cluster };
  for (let n = 1; n <= o.nodes; n++) {
    yield { type: "NodeJoined", data: { node: `r${n}`, underlayIp: `198.18.1.${n}`, agentVersion: "bench" } };
    yield { type: "SubnetAssigned", data: { node: `r${n}`, subnet: `198.19.${n - 1}.0/24`, gateway: `198.19.${n - 1}.1` } };
  }
  const slots = new Map<string, string>();
  for (let k = 0, made = (o.cluster ? 1 : 0) + 2 * o.nodes; made < total; k++) {
    const n = (k % o.nodes) + 1;
    const ip = `198.19.${n - 1}.${(Math.floor(k / o.nodes) % 200) + 2}`;
    const old = slots.get(ip);
    if (old) yield { type: "ContainerStopped", data: { name: old, node: `r${n}`, ip, reason: "removed" } };
    const name = `h${k}`;
    slots.set(ip, name);
    yield { type: "ContainerStarted", data: { name, node: `r${n}`, ip, mac: macFor(ip), image: "busybox", cmd: ["sleep", "1"], ports: [] } };
    yield { type: "ContainerRunning", data: { name, node: `r${n}`, ip } };
    made += old ? 3 : 2;
  }
}

/**
 * Appends `events` to OVL_EVENTS, 256 acks in flight; `requestIds`: each event carries a
 * random request id, as clients make them (the fold then writes a requests row for each).
 * Returns how many were appended.
 */
export async function fillStream(nc: NatsConnection, events: Iterable<OvlEvent>, requestIds: boolean): Promise<number> {
  const js = nc.jetstream();
  const time = new Date().toISOString();
  let inflight: Promise<unknown>[] = [];
  let n = 0;
  for (const event of events) {
    const req = requestIds ? randomBytes(12).toString("base64url") : undefined;
    inflight.push(js.publish(subjectFor(event), encodeEnvelope(envelope(event, time, req)), { msgID: `fill-${n++}` }));
    if (inflight.length >= 256) {
      await Promise.all(inflight);
      inflight = [];
    }
  }
  await Promise.all(inflight);
  return n;
}
