/**
 * Heartbeats: core publishes on ovl.hb.<node> (the OVL_HEARTBEATS stream keeps the last
 * one per node). Not history, so never in OVL_EVENTS. The body is validated by the shared
 * schema before it leaves, so a bad value is a bug found here, not in every reader.
 */
import { cpus, freemem, loadavg, totalmem } from "node:os";
import type { NatsConnection } from "nats";
import { encodeJson, parseHeartbeat, subjects, type Heartbeat } from "@ovl/domain";
import { AGENT_VERSION } from "./version.js";

export interface Metrics {
  readonly load1: number;
  readonly cores: number;
  readonly memFree: number;
  readonly memTotal: number;
}

export const hostMetrics = (): Metrics => ({ load1: loadavg()[0] ?? 0, cores: cpus().length || 1, memFree: freemem(), memTotal: totalmem() });

/** Pure: the heartbeat body for a node at a time. cpu is load per core, clamped to 0..1. */
export function heartbeatOf(node: string, time: Date, m: Metrics): Heartbeat {
  const cpu = Math.min(1, Math.max(0, m.load1 / Math.max(1, m.cores)));
  return {
    node,
    time: time.toISOString(),
    cpu: Math.round(cpu * 1000) / 1000,
    memFree: Math.max(0, Math.floor(m.memFree)),
    memTotal: Math.max(0, Math.floor(m.memTotal)),
    agentVersion: AGENT_VERSION,
  };
}

/** Publishes one heartbeat now and then every `everyMs`; the returned function stops it. */
export function startHeartbeats(nc: NatsConnection, node: string, everyMs: number, now: () => Date, log: (l: string) => void): () => void {
  const beat = () => {
    try {
      const bytes = encodeJson(heartbeatOf(node, now(), hostMetrics()));
      parseHeartbeat(bytes);
      nc.publish(subjects.heartbeatSubject(node), bytes);
    } catch (err) {
      log(`heartbeat not sent: ${(err as Error).message}`);
    }
  };
  beat();
  const timer = setInterval(beat, everyMs);
  return () => clearInterval(timer);
}
