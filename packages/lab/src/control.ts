/**
 * The lab's control plane: a nats-server on 198.18.0.1:4222 (or a cluster of 3 on ports
 * 4222-4224: startBrokers; root namespace, on the LAN bridge), one coordinator in the root namespace, one agent inside each node namespace.
 * The coordinator and agents are whatever `ovlCommand` runs (by default the repo's `ovl`),
 * so this module knows only argv: the CLI decides the subcommand flags.
 */
import { writeFileSync, mkdirSync } from "node:fs";
import { join } from "node:path";
import { ensureStreams, natsAnswers, renderServerConfig } from "@ovl/broker-setup";
import { connectNats } from "@ovl/client";
import { LabError, LabErrorCodes } from "./errors.js";
import { LAN_GATEWAY, NATS_MONITOR_PORT, NATS_PORT, brokerPlan, natsUrlOf, type BrokerPlan, type NodePlan } from "./plan.js";
import { isAlive, spawnDetached } from "./procs.js";
import { labAuth, labIdentityEnv, type LabAuth } from "./auth.js";
import type { ProcRecord } from "./state.js";
import { pluginSocketOf } from "./docker-node.js";

/**
 * The project's own server config (broker-setup), bound to the LAN gateway only. The lab
 * starts nats-server itself rather than through broker-setup's `startBroker`, because the
 * broker must outlive `ovl up` (detached, its PID in the state file).
 */
export function natsConfig(storeDir: string, auth?: LabAuth | null): string {
  return renderServerConfig({ host: LAN_GATEWAY, port: NATS_PORT, httpPort: NATS_MONITOR_PORT, serverName: "ovl_lab", storeDir, maxFileStore: 2 * 1024 ** 3, ...(auth ?? {}) });
}

export function startBroker(labDir: string): ProcRecord {
  const dir = join(labDir, "nats");
  mkdirSync(dir, { recursive: true });
  const conf = join(dir, "nats.conf");
  writeFileSync(conf, natsConfig(join(dir, "store"), labAuth(labDir)));
  return spawnDetached({ role: "broker", argv: ["nats-server", "-c", conf], log: join(labDir, "logs", "nats.log") });
}

/** The config of one server of the lab's cluster: routes to all, its own ports and store. */
export function clusterNatsConfig(b: BrokerPlan, all: readonly BrokerPlan[], auth?: LabAuth | null): string {
  return renderServerConfig({
    host: LAN_GATEWAY, port: b.port, httpPort: b.monitorPort, serverName: b.serverName, storeDir: join(b.dir, "store"), maxFileStore: 2 * 1024 ** 3, ...(auth ?? {}),
    cluster: { name: "ovl_lab", host: LAN_GATEWAY, port: b.routePort, routes: all.map((p) => `nats-route://${LAN_GATEWAY}:${p.routePort}`) },
  });
}

/**
 * The lab's brokers: one server (as startBroker), or a cluster of `count` (3 or 5) whose
 * records carry their server name in `node` ("b1", "b2", ...), so that a fault test can
 * find the stream leader's PID from stream info's `cluster.leader` (brokerRecordFor).
 */
export function startBrokers(labDir: string, count: number): ProcRecord[] {
  if (count === 1) return [startBroker(labDir)];
  const plans = brokerPlan(count, labDir);
  const auth = labAuth(labDir);
  return plans.map((b) => {
    mkdirSync(b.dir, { recursive: true });
    const conf = join(b.dir, "nats.conf");
    writeFileSync(conf, clusterNatsConfig(b, plans, auth));
    return spawnDetached({ role: "broker", node: `b${b.index}`, argv: ["nats-server", "-c", conf], log: join(labDir, "logs", `nats-b${b.index}.log`) });
  });
}

/** The record of the broker a server name (e.g. "ovl_lab_b2") belongs to, or null. */
export function brokerRecordFor(procs: readonly ProcRecord[], serverName: string): ProcRecord | null {
  const m = /^ovl_lab_b(\d)$/.exec(serverName);
  return m ? (procs.find((p) => p.role === "broker" && p.node === `b${m[1]}`) ?? null) : null;
}

/**
 * Waits for every broker to answer; for a cluster, also creates the streams with one
 * replica per server (retried while JetStream elects its meta leader), before any
 * coordinator would create them with one.
 */
export async function waitBrokers(recs: readonly ProcRecord[], timeoutMs = 30_000, labDir?: string): Promise<void> {
  const plans = brokerPlan(recs.length, "/");
  await Promise.all(recs.map((rec, k) => waitBroker(rec, timeoutMs, plans[k]!.port)));
  if (recs.length === 1) return;
  const admin = labDir ? labIdentityEnv(labDir, "admin") : {};
  const nc = await connectNats({
    url: natsUrlOf(recs.length), name: "ovl-lab setup", connectTimeoutMs: 10_000,
    ...(admin.OVL_NATS_CREDS ? { credsFile: admin.OVL_NATS_CREDS, tls: { caFile: admin.OVL_NATS_CA! } } : {}),
  });
  try {
    const until = Date.now() + timeoutMs;
    for (;;) {
      try {
        await ensureStreams(await nc.jetstreamManager(), { replicas: recs.length });
        return;
      } catch (err) {
        if (Date.now() > until) throw new LabError(LabErrorCodes.Timeout, `the lab's NATS cluster did not accept the streams within ${timeoutMs} ms: ${(err as Error).message}`, { cause: err });
        await new Promise((r) => setTimeout(r, 500));
      }
    }
  } finally {
    await nc.close();
  }
}


export async function waitBroker(rec: ProcRecord, timeoutMs = 15_000, port = NATS_PORT): Promise<void> {
  const until = Date.now() + timeoutMs;
  while (!(await natsAnswers(LAN_GATEWAY, port))) {
    if (!isAlive(rec)) throw new LabError(LabErrorCodes.CommandFailed, `nats-server exited at start: see ${rec.log}`);
    if (Date.now() > until) throw new LabError(LabErrorCodes.Timeout, `nats-server did not answer on ${LAN_GATEWAY}:${port} within ${timeoutMs} ms: see ${rec.log}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

export interface ControlArgs {
  /** argv prefix that runs ovl. */
  readonly ovlCommand: readonly string[];
  /** @default ["coordinator"] */
  readonly coordinatorArgs?: readonly string[];
  /** @default (n) => ["agent", "--node", n.name, "--ip", n.lanIp] */
  readonly agentArgs?: (node: NodePlan) => readonly string[];
  /** Brokers started by startBrokers: every process gets all their URLs. @default 1 */
  readonly brokers?: number;
}

export const defaultAgentArgs = (n: NodePlan): string[] => ["agent", "--node", n.name, "--ip", n.lanIp];

export function startCoordinator(labDir: string, c: ControlArgs): ProcRecord {
  const env = { ...process.env, OVL_NATS_URL: natsUrlOf(c.brokers ?? 1), OVL_DATA_DIR: join(labDir, "coordinator"), ...labIdentityEnv(labDir, "coordinator") };
  const argv = [...c.ovlCommand, ...(c.coordinatorArgs ?? ["coordinator"])];
  return spawnDetached({ role: "coordinator", argv, env, log: join(labDir, "logs", "coordinator.log") });
}

/** The agent runs inside the node's namespace, with that node's Docker socket. */
export function startAgent(labDir: string, node: NodePlan, c: ControlArgs): ProcRecord {
  const env = {
    ...process.env,
    OVL_NATS_URL: natsUrlOf(c.brokers ?? 1),
    DOCKER_HOST: node.dockerHost,
    // The node's dockerd sees this directory as /run/docker/plugins (docker-node.ts).
    OVL_DOCKER_PLUGIN: pluginSocketOf(node),
    OVL_NODE: node.name,
    OVL_NODE_IP: node.lanIp,
    ...labIdentityEnv(labDir, `agent-${node.name}`),
  };
  const argv = ["ip", "netns", "exec", node.ns, ...c.ovlCommand, ...(c.agentArgs ?? defaultAgentArgs)(node)];
  return spawnDetached({ role: "agent", node: node.name, argv, env, log: agentLogPath(labDir, node.name) });
}

/** Where a lab node's agent writes its log (`ovl up` quotes it when the node did not join). */
export const agentLogPath = (labDir: string, node: string): string => join(labDir, "logs", `agent-${node}.log`);
