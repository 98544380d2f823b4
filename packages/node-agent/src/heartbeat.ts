/**
 * Heartbeats: core publishes on ovl.hb.<node> (the OVL_HEARTBEATS stream keeps the last
 * one per node). Not history, so never in OVL_EVENTS. The body is validated by the shared
 * schema before it leaves, so a bad value is a bug found here, not in every reader.
 */
import { cpus, freemem, loadavg, totalmem } from "node:os";
import type { NatsConnection } from "nats";
import { encodeJson, parseHeartbeat, subjects, type ApplyReport, type Heartbeat } from "@ovl/domain";
import { AGENT_VERSION } from "./version.js";

export interface Metrics {
  readonly load1: number;
  readonly cores: number;
  readonly memFree: number;
  readonly memTotal: number;
}

export const hostMetrics = (): Metrics => ({ load1: loadavg()[0] ?? 0, cores: cpus().length || 1, memFree: freemem(), memTotal: totalmem() });

/** Pure: the heartbeat body for a node at a time. cpu is load per core, clamped to 0..1. */
export function heartbeatOf(node: string, time: Date, m: Metrics, applied?: ApplyReport): Heartbeat {
  const cpu = Math.min(1, Math.max(0, m.load1 / Math.max(1, m.cores)));
  return {
    node,
    time: time.toISOString(),
    cpu: Math.round(cpu * 1000) / 1000,
    memFree: Math.max(0, Math.floor(m.memFree)),
    memTotal: Math.max(0, Math.floor(m.memTotal)),
    agentVersion: AGENT_VERSION,
    ...applied,
  };
}

/** A beat sooner than the period, after the applied sequence moved: at most one per this. */
export const SOON_MS = 1000;

export interface HeartbeatHandle {
  stop(): void;
  /** Something worth saying (the applied sequence moved): beat within SOON_MS. */
  soon(): void;
}

/**
 * Publishes one heartbeat now and then every `everyMs`, and one within SOON_MS when asked
 * (`ovl status` sees a node converge within a second, not a period later).
 */
export function startHeartbeats(nc: NatsConnection, node: string, everyMs: number, now: () => Date, log: (l: string) => void, applied?: () => ApplyReport): HeartbeatHandle {
  let last = 0;
  let pending: NodeJS.Timeout | null = null;
  const beat = () => {
    last = Date.now();
    try {
      const bytes = encodeJson(heartbeatOf(node, now(), hostMetrics(), applied?.()));
      parseHeartbeat(bytes);
      nc.publish(subjects.heartbeatSubject(node), bytes);
    } catch (err) {
      log(`heartbeat not sent: ${(err as Error).message}`);
    }
  };
  beat();
  const timer = setInterval(beat, everyMs);
  return {
    stop: () => {
      clearInterval(timer);
      if (pending) clearTimeout(pending);
    },
    soon: () => {
      pending ??= setTimeout(() => {
        pending = null;
        beat();
      }, Math.max(0, last + SOON_MS - Date.now()));
    },
  };
}
