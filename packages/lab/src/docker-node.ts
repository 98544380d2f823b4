/**
 * Each lab node runs its own containerd and dockerd inside its namespace.
 *
 * How it works: `ip netns exec` gives every command a private mount namespace, and runc
 * must see the mounts dockerd makes, so containerd and dockerd are children of ONE
 * supervisor (a generated /bin/sh script run as `ip netns exec <ns> /bin/sh <file>`). The
 * script mounts the cgroup hierarchies again (cgroups.ts), sets ip_forward to 0 as on a
 * fresh host (dockerd turns it on and sets FORWARD to DROP: the agents must cope), starts
 * containerd, waits for its socket, binds the node's own plugin directory over Docker's
 * /run/docker/plugins (so each dockerd finds its own node's agent as the plugin ovl), then
 * runs dockerd; on SIGTERM it stops dockerd, then containerd. Every value in the script is a path or address from plan.ts (validated), and
 * is single-quoted anyway.
 */
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { request } from "node:http";
import { join } from "node:path";
import { LabError, LabErrorCodes } from "./errors.js";
import { LAB_REGISTRY, type NodePlan } from "./plan.js";
import { recordPid, spawnDetached } from "./procs.js";
import type { ProcRecord } from "./state.js";

/** The node's own plugin directory, bound over /run/docker/plugins for its dockerd only. */
export const pluginDirOf = (node: NodePlan): string => join(node.runDir, "plugins");
/** Where the node's agent serves the Docker network plugin ovl. */
export const pluginSocketOf = (node: NodePlan): string => join(pluginDirOf(node), "ovl.sock");

const q = (s: string): string => `'${s.replace(/'/g, `'\\''`)}'`;

export function containerdConfig(node: NodePlan): string {
  return [
    "version = 2",
    `root = ${JSON.stringify(join(node.dataDir, "containerd"))}`,
    `state = ${JSON.stringify(join(node.runDir, "containerd"))}`,
    'disabled_plugins = ["io.containerd.grpc.v1.cri"]',
    "[grpc]",
    `  address = ${JSON.stringify(node.containerdSock)}`,
    "[ttrpc]",
    '  address = ""',
    "[debug]",
    '  address = ""',
    "[metrics]",
    '  address = ""',
    "",
  ].join("\n");
}

export function dockerdArgv(node: NodePlan): string[] {
  return [
    "dockerd",
    "--containerd", node.containerdSock,
    "--data-root", join(node.dataDir, "docker"),
    "--exec-root", join(node.runDir, "docker"),
    "--pidfile", join(node.runDir, "dockerd.pid"),
    "--host", node.dockerHost,
    "--config-file", join(node.dataDir, "daemon.json"),
    "--bip", node.dockerBip,
    "--default-address-pool", node.dockerPool,
    // A plain-HTTP registry may run on the lab's gateway (images pulled when missing).
    "--insecure-registry", LAB_REGISTRY,
    "--shutdown-timeout", "3",
    "--log-level", "warn",
  ];
}

export function supervisorScript(node: NodePlan, cgroupLines: readonly string[]): string {
  const run = node.runDir;
  const log = (n: string) => q(`${node.logPrefix}-${n}.log`);
  return `#!/bin/sh
# ovl lab node ${node.name} (generated): containerd + dockerd in one mount namespace.
set -u
${cgroupLines.join("\n")}
echo 0 > /proc/sys/net/ipv4/ip_forward
containerd --config ${q(join(node.dataDir, "containerd.toml"))} >>${log("containerd")} 2>&1 &
CPID=$!
echo $CPID > ${q(join(run, "containerd.pid"))}
i=0
while [ ! -S ${q(node.containerdSock)} ]; do
  i=$((i+1)); if [ $i -gt 300 ]; then echo "containerd did not start" >&2; kill $CPID; exit 1; fi
  sleep 0.1
done
# This node's dockerd finds this node's agent's plugin only (the mount stays in this namespace).
mkdir -p ${q(pluginDirOf(node))} /run/docker/plugins
mount --bind ${q(pluginDirOf(node))} /run/docker/plugins || { echo "cannot bind the plugin directory" >&2; kill $CPID; exit 1; }
${dockerdArgv(node).map(q).join(" ")} >>${log("dockerd")} 2>&1 &
DPID=$!
stop() { trap - TERM INT; kill -TERM $DPID 2>/dev/null; wait $DPID; kill -TERM $CPID 2>/dev/null; wait $CPID; exit 0; }
trap stop TERM INT
wait $DPID
echo "dockerd exited" >&2
kill -TERM $CPID 2>/dev/null; wait $CPID
`;
}

/** Writes the node's configs and script, and starts its supervisor. Returns the supervisor's record. */
export function startDockerNode(node: NodePlan, cgroupLines: readonly string[]): ProcRecord {
  mkdirSync(node.dataDir, { recursive: true });
  mkdirSync(join(node.runDir, "containerd"), { recursive: true });
  writeFileSync(join(node.dataDir, "containerd.toml"), containerdConfig(node));
  writeFileSync(join(node.dataDir, "daemon.json"), "{}\n");
  const script = join(node.dataDir, "supervise.sh");
  writeFileSync(script, supervisorScript(node, cgroupLines), { mode: 0o755 });
  const argv = ["ip", "netns", "exec", node.ns, "/bin/sh", script];
  return spawnDetached({ role: "supervisor", node: node.name, argv, log: `${node.logPrefix}-supervisor.log` });
}

/** GET /_ping on the node's Docker socket: true when dockerd answers OK. */
export function pingDocker(sock: string, timeoutMs = 2000): Promise<boolean> {
  return new Promise((resolve) => {
    const req = request({ socketPath: sock, path: "/_ping", timeout: timeoutMs }, (res) => {
      res.resume();
      resolve(res.statusCode === 200);
    });
    req.on("error", () => resolve(false));
    req.on("timeout", () => req.destroy());
    req.end();
  });
}

/** Waits until dockerd answers, failing early if the supervisor died; then records containerd and dockerd. */
export async function waitDockerNode(node: NodePlan, supervisorAlive: () => boolean, timeoutMs = 90_000): Promise<ProcRecord[]> {
  const until = Date.now() + timeoutMs;
  while (!(await pingDocker(node.dockerSock))) {
    const where = `see ${node.logPrefix}-dockerd.log and -containerd.log`;
    if (!supervisorAlive()) throw new LabError(LabErrorCodes.CommandFailed, `dockerd of lab node ${node.name} did not start: ${where}`);
    if (Date.now() > until) throw new LabError(LabErrorCodes.Timeout, `dockerd of lab node ${node.name} did not answer within ${timeoutMs} ms: ${where}`);
    await new Promise((r) => setTimeout(r, 100));
  }
  return (["containerd", "dockerd"] as const).flatMap((role) => {
    const pid = Number(readFileSync(join(node.runDir, `${role}.pid`), "utf8").trim());
    const rec = Number.isInteger(pid) && pid > 1 ? recordPid(role, pid, [role], node.name) : null;
    return rec ? [rec] : [];
  });
}
