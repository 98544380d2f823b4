/**
 * The lab's control plane: a nats-server on 198.18.0.1:4222 (root namespace, on the LAN
 * bridge), one coordinator in the root namespace, one agent inside each node namespace.
 * The coordinator and agents are whatever `ovlCommand` runs (by default the repo's `ovl`),
 * so this module knows only argv: the CLI decides the subcommand flags.
 */
import { writeFileSync, mkdirSync } from "node:fs";
import { connect as tcpConnect } from "node:net";
import { join } from "node:path";
import { renderServerConfig } from "@ovl/broker-setup";
import { LabError, LabErrorCodes } from "./errors.js";
import { LAN_GATEWAY, NATS_MONITOR_PORT, NATS_PORT, natsUrlOf, type NodePlan } from "./plan.js";
import { isAlive, spawnDetached } from "./procs.js";
import type { ProcRecord } from "./state.js";

/**
 * The project's own server config (broker-setup), bound to the LAN gateway only. The lab
 * starts nats-server itself rather than through broker-setup's `startBroker`, because the
 * broker must outlive `ovl up` (detached, its PID in the state file).
 */
export function natsConfig(storeDir: string): string {
  return renderServerConfig({ host: LAN_GATEWAY, port: NATS_PORT, httpPort: NATS_MONITOR_PORT, serverName: "ovl_lab", storeDir, maxFileStore: 2 * 1024 ** 3 });
}

export function startBroker(labDir: string): ProcRecord {
  const dir = join(labDir, "nats");
  mkdirSync(dir, { recursive: true });
  const conf = join(dir, "nats.conf");
  writeFileSync(conf, natsConfig(join(dir, "store")));
  return spawnDetached({ role: "broker", argv: ["nats-server", "-c", conf], log: join(labDir, "logs", "nats.log") });
}

/** Resolves once the server sends its INFO line on the port. */
function natsAnswers(host: string, port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const sock = tcpConnect({ host, port, timeout: 1000 });
    const done = (ok: boolean) => (sock.destroy(), resolve(ok));
    sock.once("data", (b) => done(b.toString().startsWith("INFO ")));
    sock.once("error", () => done(false));
    sock.once("timeout", () => done(false));
  });
}

export async function waitBroker(rec: ProcRecord, timeoutMs = 15_000): Promise<void> {
  const until = Date.now() + timeoutMs;
  while (!(await natsAnswers(LAN_GATEWAY, NATS_PORT))) {
    if (!isAlive(rec)) throw new LabError(LabErrorCodes.CommandFailed, `nats-server exited at start: see ${rec.log}`);
    if (Date.now() > until) throw new LabError(LabErrorCodes.Timeout, `nats-server did not answer on ${natsUrlOf()} within ${timeoutMs} ms: see ${rec.log}`);
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
}

export const defaultAgentArgs = (n: NodePlan): string[] => ["agent", "--node", n.name, "--ip", n.lanIp];

export function startCoordinator(labDir: string, c: ControlArgs): ProcRecord {
  const env = { ...process.env, OVL_NATS_URL: natsUrlOf(), OVL_DATA_DIR: join(labDir, "coordinator") };
  const argv = [...c.ovlCommand, ...(c.coordinatorArgs ?? ["coordinator"])];
  return spawnDetached({ role: "coordinator", argv, env, log: join(labDir, "logs", "coordinator.log") });
}

/** The agent runs inside the node's namespace, with that node's Docker socket. */
export function startAgent(labDir: string, node: NodePlan, c: ControlArgs): ProcRecord {
  const env = { ...process.env, OVL_NATS_URL: natsUrlOf(), DOCKER_HOST: node.dockerHost, OVL_NODE: node.name, OVL_NODE_IP: node.lanIp };
  const argv = ["ip", "netns", "exec", node.ns, ...c.ovlCommand, ...(c.agentArgs ?? defaultAgentArgs)(node)];
  return spawnDetached({ role: "agent", node: node.name, argv, env, log: join(labDir, "logs", `agent-${node.name}.log`) });
}
