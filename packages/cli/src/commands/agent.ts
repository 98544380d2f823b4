/**
 * `ovl agent`: one per machine. Finds its LAN address (--ip, --iface, or the route toward
 * the NATS server), then runs with the Linux + Docker runtime (Docker from DOCKER_HOST,
 * default the local socket), or with --simulate the RecordingRuntime: no kernel or Docker
 * changes at all, every container reported running (for benchmarks and tests).
 */
import { mkdirSync } from "node:fs";
import { join, resolve } from "node:path";
import { connectNats } from "@ovl/client";
import { parseIpv4, parseNodeName } from "@ovl/domain";
import { out, resolveNatsUrl, type GlobalOptions } from "../context.js";
import { UsageError, asUsage } from "../errors.js";
import { untilSignal } from "./signals.js";

export interface AgentFlags {
  readonly node: string;
  readonly ip?: string;
  readonly iface?: string;
  readonly stateDir?: string;
  readonly simulate?: boolean;
  /** false with --no-fast-path. */
  readonly fastPath?: boolean;
  /** --dns-upstream, repeatable: IP or IP:PORT. */
  readonly dnsUpstream?: readonly string[];
  /** The Docker plugin's socket (--docker-plugin); false with --no-docker-plugin. @default $OVL_DOCKER_PLUGIN, else DEFAULT_PLUGIN_SOCKET */
  readonly dockerPlugin?: string | false;
}

const IFACE = /^[A-Za-z0-9_.:-]{1,15}$/;

/** Validated flags; the state dir defaults to $OVL_DATA_DIR (else ./.ovl)/agent-<node>. */
export function agentFlags(f: AgentFlags, env: NodeJS.ProcessEnv = process.env): Required<Pick<AgentFlags, "node" | "stateDir">> & AgentFlags {
  const node = asUsage(() => parseNodeName(f.node));
  if (f.ip !== undefined && f.iface !== undefined) throw new UsageError("give --ip or --iface, not both");
  const ip = f.ip === undefined ? undefined : asUsage(() => parseIpv4(f.ip, "--ip address"));
  if (f.iface !== undefined && !IFACE.test(f.iface)) throw new UsageError(`invalid --iface ${JSON.stringify(f.iface)}: an interface name of 1 to 15 characters`);
  const stateDir = resolve(f.stateDir ?? join(env.OVL_DATA_DIR || ".ovl", `agent-${node}`));
  return { ...f, node, stateDir, ...(ip ? { ip } : {}) };
}

const log = (line: string): void => {
  process.stderr.write(`${new Date().toISOString()} ${line}\n`);
};

type AgentModule = typeof import("@ovl/node-agent");

type Runtime = { runtime: import("@ovl/node-agent").NodeRuntime; kernel?: import("@ovl/node-agent").KernelDataplane; docker?: import("dockerode") };

/** The Linux + Docker runtime (kernel dataplane + dockerode), or the SIMULATED one. */
async function makeRuntime(agent: AgentModule, f: AgentFlags & { stateDir: string }, iface: string): Promise<Runtime> {
  if (f.simulate) return { runtime: new agent.RecordingRuntime({ node: f.node, log }) };
  const { default: Docker } = await import("dockerode");
  // No options: docker-modem reads DOCKER_HOST (and DOCKER_TLS_VERIFY/CERT_PATH) like the docker CLI.
  const docker = new Docker();
  const kernel = agent.createKernelDataplane({ stateDir: join(f.stateDir, "kernel"), log });
  return { runtime: new agent.LinuxDockerRuntime({ kernel, docker, underlayIface: iface, node: f.node, log, fastPath: f.fastPath !== false }), kernel, docker };
}

/** Docker's door (the network plugin), served from before the join so that dockerd finds it; none when simulated or turned off. */
async function openDoor(agent: AgentModule, f: AgentFlags, nc: import("nats").NatsConnection, { kernel, docker }: Runtime, view: { handle: import("@ovl/node-agent").AgentHandle | null }) {
  if (f.simulate || f.dockerPlugin === false || !kernel || !docker) return null;
  return agent.openDockerDoor({
    nc,
    node: f.node,
    docker,
    socket: resolve(f.dockerPlugin ?? (process.env.OVL_DOCKER_PLUGIN || agent.DEFAULT_PLUGIN_SOCKET)),
    state: () => view.handle?.state() ?? { cluster: null, nodes: {} },
    seq: () => view.handle?.seq() ?? 0,
    hostPortInUse: (proto, port, hostIp) => kernel.isHostPortInUse(proto, port, hostIp),
    log,
  });
}

export async function agentCommand(g: GlobalOptions, raw: AgentFlags): Promise<number> {
  const f = agentFlags(raw);
  mkdirSync(f.stateDir, { recursive: true });
  const url = resolveNatsUrl(g);
  const agent = await import("@ovl/node-agent");
  // A simulated agent needs no real interface: --ip is taken as given.
  const underlay = f.simulate && f.ip
    ? { ip: f.ip, iface: f.iface ?? "lo", mtu: 1500 }
    : await agent.detectUnderlay(url, { ...(f.ip ? { ip: f.ip } : {}), ...(f.iface ? { iface: f.iface } : {}) });
  const made = await makeRuntime(agent, f, underlay.iface);
  const { runtime, docker } = made;
  const nc = await connectNats({ url, name: `ovl-agent ${f.node}`, client: `agent-${f.node}`, connectTimeoutMs: 10_000 });
  const signals = untilSignal();
  let served: { stop(): void } | null = null;
  const view: { handle: import("@ovl/node-agent").AgentHandle | null } = { handle: null };
  const door = await openDoor(agent, f, nc, made, view);
  try {
    // Names are served on the node's gateway by a real node only (a simulated one has no bridge).
    const dns = f.simulate ? {} : { dns: { upstreams: asUsage(() => agent.dnsUpstreams(f.dnsUpstream ?? [], log)) } };
    const handle = await agent.runAgent({ nc, node: f.node, underlayIp: underlay.ip, iface: underlay.iface, lanMtu: underlay.mtu, ...("prefix" in underlay && underlay.prefix !== undefined ? { lanPrefix: underlay.prefix } : {}), stateDir: f.stateDir, runtime, log, ...dns, ...(door ? { onApplied: (seq: number) => door.applied(seq) } : {}) });
    view.handle = handle;
    void door?.joined().catch((err: Error) => log(`docker plugin: ${err.message}`));
    // logs, exec and inspect of this node's containers and the overlay check, for clients anywhere (not simulated: no Docker).
    // One Docker client for the runtime, the door and these services.
    served = docker ? agent.serveAgentRequests({ nc, node: f.node, docker, log, state: () => handle.state() }) : null;
    const mode = f.simulate ? "SIMULATED (recording runtime: no Docker, no kernel changes)" : `docker ${process.env.DOCKER_HOST ?? "unix:///var/run/docker.sock"}`;
    await out(`agent ${f.node} joined as ${underlay.ip} on ${underlay.iface}; ${mode}\n`);
    const why = await Promise.race([signals.received, handle.done]);
    if (why === "left") {
      await door?.left();
      log(`node ${f.node} left the cluster; its network set-up is torn down`);
    } else {
      log(`${why}: stopping (containers and network stay as they are)`);
      await handle.stop();
    }
    return 0;
  } finally {
    served?.stop();
    await door?.stop();
    signals.dispose();
    await nc.drain().catch(() => nc.close());
  }
}
