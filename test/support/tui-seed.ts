/**
 * A synthetic but valid history for TUI tests and the benchmark: a cluster, N nodes with
 * their blocks, C containers per node running, and bursts of container life cycles.
 * Appended straight to OVL_EVENTS (created with broker-setup's ensureStreams): the TUI
 * reads it exactly as it reads a coordinator's.
 */
import type { NatsConnection, PubAck } from "nats";
import { encodeEnvelope, envelope, macFor, subjectFor, type Envelope, type OvlEvent } from "@ovl/domain";
import { ensureStreams } from "@ovl/broker-setup";

export const SEED_CLUSTER = { cidr: "198.19.0.0/16", blockPrefix: 24, vni: 4242, vxlanPort: 4789, mtu: 1450 };

const nodeName = (i: number) => `n${i + 1}`;
const blockIp = (i: number, host: number) => `198.19.${i}.${host}`;

export function clusterEvents(nodes: number, perNode: number): OvlEvent[] {
  const events: OvlEvent[] = [{ type: "ClusterCreated", data: SEED_CLUSTER }];
  for (let i = 0; i < nodes; i++) {
    const node = nodeName(i);
    events.push({ type: "NodeJoined", data: { node, underlayIp: `198.18.0.${11 + i}`, agentVersion: "0.1.0" } });
    events.push({ type: "SubnetAssigned", data: { node, subnet: `198.19.${i}.0/24`, gateway: blockIp(i, 1) } });
  }
  for (let i = 0; i < nodes; i++) {
    for (let c = 0; c < perNode; c++) {
      const ip = blockIp(i, 2 + c);
      const name = `c${i + 1}-${c + 1}`;
      const node = nodeName(i);
      events.push({ type: "ContainerStarted", data: { name, node, ip, mac: macFor(ip), image: "busybox", cmd: ["sleep", "1d"], ports: [] } });
      events.push({ type: "ContainerRunning", data: { name, node, ip } });
    }
  }
  return events;
}

/** `count` events (a multiple of 4): containers started, running, exited and stopped, round-robin over the nodes. */
export function burstEvents(nodes: number, count: number, prefix = "b"): OvlEvent[] {
  const events: OvlEvent[] = [];
  for (let k = 0; events.length < count; k++) {
    const i = k % nodes;
    const node = nodeName(i);
    const ip = blockIp(i, 200);
    const name = `${prefix}${k}`;
    events.push({ type: "ContainerStarted", data: { name, node, ip, mac: macFor(ip), image: "busybox", cmd: [], ports: [{ host: 8080, container: 80, proto: "tcp" }] } });
    events.push({ type: "ContainerRunning", data: { name, node, ip } });
    events.push({ type: "ContainerExited", data: { name, node, ip, exitCode: 0 } });
    events.push({ type: "ContainerStopped", data: { name, node, ip, reason: "removed by benchmark" } });
  }
  return events.slice(0, count);
}

export async function ensureEventStreams(nc: NatsConnection): Promise<void> {
  await ensureStreams(await nc.jetstreamManager());
}

/** Appends with up to `window` acks in flight; returns the last sequence. */
export async function appendEvents(nc: NatsConnection, events: readonly OvlEvent[], window = 256, time = () => new Date().toISOString()): Promise<number> {
  const js = nc.jetstream();
  const inFlight = new Set<Promise<PubAck>>();
  let last = 0;
  for (const event of events) {
    const env: Envelope = envelope(event, time());
    const p = js.publish(subjectFor(event), encodeEnvelope(env));
    inFlight.add(p);
    void p.then((ack) => (last = Math.max(last, ack.seq)), () => undefined).finally(() => inFlight.delete(p));
    if (inFlight.size >= window) await Promise.race(inFlight);
  }
  const acks = await Promise.all(inFlight);
  for (const a of acks) last = Math.max(last, a.seq);
  return last;
}
