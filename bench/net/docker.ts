/**
 * The `docker` CLI against one lab node's dockerd (DOCKER_HOST), as a user would type it.
 * Docker Swarm is set up here too: init on node 1 advertising its LAN address, the others
 * join over the lab LAN; address pool and VXLAN port from the lab's plan (packages/lab/src/plan.ts).
 */
import { run, tryRun, type LabNodeInfo } from "@ovl/lab";

export const SWARM_POOL = "198.19.128.0/17";
/** Swarm's VXLAN port: not ovl's 4789. */
export const SWARM_DATA_PORT = 4790;
export const SWARM_NET = "benchov";
/** The overlay's subnet, inside the pool, given so that `--ip` can pick addresses. */
export const SWARM_SUBNET = "198.19.200.0/24";

export const dockerArgv = (node: LabNodeInfo, ...args: string[]): string[] => ["docker", "-H", node.dockerHost, ...args];

export async function docker(node: LabNodeInfo, ...args: string[]): Promise<string> {
  const { stdout } = await run(dockerArgv(node, ...args), { action: `docker ${args[0]} on ${node.name}`, timeoutMs: 120_000 });
  return stdout.trim();
}

export async function containerPid(node: LabNodeInfo, name: string): Promise<number> {
  const pid = Number(await docker(node, "inspect", "-f", "{{.State.Pid}}", name));
  if (!Number.isInteger(pid) || pid <= 1) throw new Error(`container ${name} on ${node.name} has no PID`);
  return pid;
}

/** `mtu`: the overlay network's MTU (Swarm's default is 1450 whatever the LAN; set it like ovl's). */
export async function swarmUp(nodes: readonly LabNodeInfo[], mtu: number): Promise<void> {
  const [lead, ...rest] = nodes;
  if (!lead) throw new Error("swarm needs a node");
  await docker(lead, "swarm", "init", "--advertise-addr", lead.lanIp, "--listen-addr", `${lead.lanIp}:2377`,
    "--default-addr-pool", SWARM_POOL, "--default-addr-pool-mask-length", "24", "--data-path-port", String(SWARM_DATA_PORT));
  const token = await docker(lead, "swarm", "join-token", "-q", "worker");
  for (const n of rest) await docker(n, "swarm", "join", "--token", token, "--advertise-addr", n.lanIp, "--listen-addr", `${n.lanIp}:2377`, `${lead.lanIp}:2377`);
  await docker(lead, "network", "create", "-d", "overlay", "--attachable", "--subnet", SWARM_SUBNET, "--opt", `com.docker.network.driver.mtu=${mtu}`, SWARM_NET);
}

/** Leaves the swarm on every node (workers first); problems are returned, not thrown. */
export async function swarmDown(nodes: readonly LabNodeInfo[]): Promise<string[]> {
  const problems: string[] = [];
  for (const n of [...nodes].reverse()) {
    const ids = await tryRun(dockerArgv(n, "ps", "-aq", "--filter", `network=${SWARM_NET}`));
    const list = ids.stdout.split("\n").filter(Boolean);
    if (list.length) await tryRun(dockerArgv(n, "rm", "-f", ...list));
    const r = await tryRun(dockerArgv(n, "swarm", "leave", "--force"), { timeoutMs: 30_000 });
    if (!r.ok && !/not part of a swarm/.test(r.stderr)) problems.push(`${n.name}: ${r.stderr.trim()}`);
  }
  return problems;
}
