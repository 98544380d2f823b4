/**
 * A real, throwaway dockerd for tests: its own containerd, data-root, exec-root and
 * socket, inside a network namespace the test made (as the lab does). The lab's
 * pieces are reused (packages/lab: the supervisor script that starts containerd and
 * dockerd from ONE `ip netns exec` shell and mounts /sys/fs/cgroup again, and the busybox
 * image built from Debian's busybox-static and `docker import`ed). Docker's own bridge and
 * pool sit in 198.19.64.0/18, away from the overlay. Stopped by the supervisor's PID
 * (SIGTERM: it stops dockerd, then containerd), its directories removed.
 */
import { spawn, type ChildProcess } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import Docker from "dockerode";
import { busyboxTarball, containerdConfig, hostCgroupMountLines, loadImage, nodePlan, pingDocker, supervisorScript, type NodePlan } from "@ovl/lab";
import { stopProcess } from "@ovl/host";

export const TEST_IMAGE = "ovl/busybox:latest";
const CACHE = "/var/cache/ovl-test";

export interface TestDocker {
  readonly ns: string;
  readonly sock: string;
  readonly docker: Docker;
  readonly proc: ChildProcess;
  /** Stops dockerd and containerd (SIGTERM to the supervisor) and starts them again. */
  restart(): Promise<void>;
  stop(): Promise<void>;
}

/** The lab's own plan for a node, pointed at this test's namespace, directories and Docker pools. */
function plan(ns: string, tag: string, dataDir: string, index: number): NodePlan {
  const base = nodePlan(index, dataDir);
  const runDir = `/run/ovl-t-${tag}`;
  const sock = join(runDir, "docker.sock");
  return {
    ...base,
    name: tag,
    ns,
    runDir,
    dataDir,
    logPrefix: join(dataDir, "log"),
    dockerSock: sock,
    dockerHost: `unix://${sock}`,
    containerdSock: join(runDir, "containerd", "containerd.sock"),
  };
}

/**
 * SIGTERM to the supervisor (it stops dockerd, then containerd) and a generous wait; then,
 * by the PIDs in their own pid files, SIGKILL whatever of ours still lives.
 */
async function stopSupervisor(p: NodePlan, child: ChildProcess, timeoutMs = 30_000): Promise<void> {
  const pids = ["dockerd", "containerd"].flatMap((n) => {
    const f = join(p.runDir, `${n}.pid`);
    const pid = existsSync(f) ? Number(readFileSync(f, "utf8").trim()) : NaN;
    return Number.isInteger(pid) && pid > 1 ? [pid] : [];
  });
  await stopProcess(child, { graceMs: timeoutMs });
  for (const pid of pids) await stopProcess(pid, { signal: "SIGKILL" });
}

function launch(p: NodePlan): ChildProcess {
  const script = join(p.dataDir, "supervise.sh");
  writeFileSync(script, supervisorScript(p, hostCgroupMountLines()), { mode: 0o755 });
  const child = spawn("ip", ["netns", "exec", p.ns, "/bin/sh", script], { stdio: ["ignore", "ignore", "pipe"] });
  child.stderr?.resume();
  return child;
}

async function waitUp(p: NodePlan, child: ChildProcess, timeoutMs = 60_000): Promise<void> {
  const until = Date.now() + timeoutMs;
  while (!(await pingDocker(p.dockerSock, 1000))) {
    if (child.exitCode !== null) throw new Error(`test dockerd exited; see ${p.dataDir}`);
    if (Date.now() > until) throw new Error(`test dockerd did not answer in ${timeoutMs} ms; see ${p.dataDir}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

/** Starts dockerd in `ns` (which the caller made) and loads the busybox test image. `index` picks Docker's pools (1..20). */
export async function startDocker(ns: string, tag: string, index = 20): Promise<TestDocker> {
  const dataDir = mkdtempSync(`/var/tmp/ovl-t-docker-${tag}-`);
  const p = plan(ns, tag, dataDir, index);
  mkdirSync(join(p.runDir, "containerd"), { recursive: true });
  writeFileSync(join(dataDir, "containerd.toml"), containerdConfig(p));
  writeFileSync(join(dataDir, "daemon.json"), "{}\n");
  let proc = launch(p);
  const cleanup = () => {
    rmSync(dataDir, { recursive: true, force: true });
    rmSync(p.runDir, { recursive: true, force: true });
  };
  try {
    await waitUp(p, proc);
    await loadImage(p.dockerHost, await busyboxTarball(CACHE), TEST_IMAGE);
  } catch (err) {
    await stopSupervisor(p, proc);
    cleanup();
    throw err;
  }
  const docker = new Docker({ socketPath: p.dockerSock });
  return {
    ns,
    sock: p.dockerSock,
    docker,
    get proc() {
      return proc;
    },
    async restart() {
      await stopSupervisor(p, proc);
      proc = launch(p);
      await waitUp(p, proc);
    },
    async stop() {
      await stopSupervisor(p, proc);
      cleanup();
    },
  };
}
