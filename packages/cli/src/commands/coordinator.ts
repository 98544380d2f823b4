/**
 * `ovl coordinator`: sets up the streams when they are missing, then serves commands,
 * reports and queries until SIGTERM/SIGINT. Only the cluster flags given explicitly are
 * passed on, so a restart without them never conflicts with the cluster as created.
 */
import { dirname, join, resolve } from "node:path";
import { mkdirSync } from "node:fs";
import { whenAnswered } from "@ovl/broker-setup";
import { connectNats } from "@ovl/client";
import { isRoutingMode, parseCidr, type ClusterConfig } from "@ovl/domain";
import { out, resolveNatsUrl, type GlobalOptions } from "../context.js";
import { UsageError, asUsage } from "../errors.js";
import { describeStreams, ensureStreamsIfMissing } from "./broker.js";
import { untilSignal } from "./signals.js";

export interface CoordinatorFlags {
  /** @default $OVL_DATA_DIR/coordinator.db, else ./.ovl/coordinator.db */
  readonly db?: string;
  readonly cidr?: string;
  readonly blockPrefix?: number;
  readonly vni?: number;
  readonly vxlanPort?: number;
  readonly mtu?: number;
  /** Routing between nodes (vxlan, direct, auto); absent: auto for a new cluster, the history's for an existing one. */
  readonly mode?: string;
  /** Seconds without a heartbeat before a ready node is recorded lost. @default 30 */
  readonly lostAfter?: number;
}

/** The explicitly given cluster settings, validated (a CIDR with host bits set is refused). */
export function clusterFlags(f: CoordinatorFlags): Partial<ClusterConfig> {
  const cluster: { -readonly [K in keyof ClusterConfig]?: ClusterConfig[K] } = {};
  if (f.cidr !== undefined) {
    const cidr = asUsage(() => parseCidr(f.cidr));
    if (f.blockPrefix !== undefined && f.blockPrefix <= cidr.prefix) {
      throw new UsageError(`--block-prefix /${f.blockPrefix} must be longer than the cidr's /${cidr.prefix}`);
    }
    cluster.cidr = f.cidr;
  }
  if (f.blockPrefix !== undefined) cluster.blockPrefix = f.blockPrefix;
  if (f.vni !== undefined) cluster.vni = f.vni;
  if (f.vxlanPort !== undefined) cluster.vxlanPort = f.vxlanPort;
  if (f.mtu !== undefined) cluster.mtu = f.mtu;
  if (f.mode !== undefined) {
    if (!isRoutingMode(f.mode)) throw new UsageError(`--mode ${JSON.stringify(f.mode)}: use vxlan, direct or auto`);
    cluster.mode = f.mode;
  }
  return cluster;
}

export function dbPathOf(f: CoordinatorFlags, env: NodeJS.ProcessEnv = process.env): string {
  return resolve(f.db ?? join(env.OVL_DATA_DIR || ".ovl", "coordinator.db"));
}

const log = (line: string): void => {
  process.stderr.write(`${new Date().toISOString()} ${line}\n`);
};

export async function coordinatorCommand(g: GlobalOptions, f: CoordinatorFlags): Promise<number> {
  const cluster = clusterFlags(f);
  const dbPath = dbPathOf(f);
  mkdirSync(dirname(dbPath), { recursive: true });
  const { runCoordinator } = await import("@ovl/coordinator");
  const nc = await connectNats({ url: resolveNatsUrl(g), name: "ovl-coordinator", connectTimeoutMs: 10_000 });
  const signals = untilSignal();
  try {
    // Started with its broker, or during a leader election: wait for JetStream to answer.
    const jsm = await whenAnswered("reaching JetStream", () => nc.jetstreamManager(), log);
    const made = await whenAnswered("checking the streams", () => ensureStreamsIfMissing(jsm), log);
    if (made) log(`streams: ${describeStreams(made).trim().replaceAll("\n", "; ")}`);
    const handle = await runCoordinator({ nc, dbPath, cluster, log, mtuFromFirstNode: f.mtu === undefined, ...(f.lostAfter !== undefined ? { lostAfterMs: Math.round(f.lostAfter * 1000) } : {}) });
    await out(`coordinator serving on ${resolveNatsUrl(g)} (db ${dbPath}, stream at seq ${handle.seq()})\n`);
    const sig = await signals.received;
    log(`${sig}: stopping`);
    await handle.stop();
    return 0;
  } finally {
    signals.dispose();
    await nc.drain().catch(() => nc.close());
  }
}
