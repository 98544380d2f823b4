/**
 * Long-running children of a fault test or a benchmark, each killed or stopped by its own PID only: the real
 * `ovl coordinator` (from source, so it is this checkout's code) and simulated agents
 * (sim-agent.ts). `kill9` is the fault; `start` again is the supervisor bringing it back.
 */
import { spawn, type ChildProcess } from "node:child_process";
import { join } from "node:path";
import { stopProcess } from "@ovl/host";
import { OVL_BIN, ROOT } from "./ovl.js";
const SIM_AGENT = join(ROOT, "test", "support", "sim-agent.ts");

export interface Child {
  readonly name: string;
  pid(): number;
  /** Starts (again) and resolves once its ready line is printed. */
  start(): Promise<void>;
  kill9(): Promise<void>;
  stop(): Promise<void>;
  /** The last RSS line printed (agents) or sampled from /proc (any). */
  output(): string;
}

function waitLine(proc: ChildProcess, text: () => string, ready: RegExp, timeoutMs: number): Promise<void> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => done(new Error(`not ready within ${timeoutMs} ms: ${text().slice(-500)}`)), timeoutMs);
    const check = () => ready.test(text()) && done();
    const onExit = () => done(new Error(`exited before ready: ${text().slice(-500)}`));
    const done = (err?: Error) => {
      clearTimeout(timer);
      proc.stdout?.off("data", check);
      proc.off("exit", onExit);
      err ? reject(err) : resolve();
    };
    proc.stdout?.on("data", check);
    proc.once("exit", onExit);
    check();
  });
}

async function signal(proc: ChildProcess | null, sig: NodeJS.Signals): Promise<void> {
  if (proc) await stopProcess(proc, { signal: sig, graceMs: 5000 });
}

/** `command` runs `argv` (default: this Node); `ip netns exec` keeps the PID (it execs). */
export function child(name: string, argv: readonly string[], ready: RegExp, env: NodeJS.ProcessEnv = {}, command = process.execPath): Child {
  let proc: ChildProcess | null = null;
  let text = "";
  return {
    name,
    pid: () => proc?.pid ?? 0,
    output: () => text,
    async start() {
      text = "";
      proc = spawn(command, [...argv], { cwd: ROOT, env: { ...process.env, ...env }, stdio: ["ignore", "pipe", "pipe"] });
      const keep = (b: Buffer) => void (text = (text + b.toString()).slice(-20_000));
      proc.stdout!.on("data", keep);
      proc.stderr!.on("data", keep);
      await waitLine(proc, () => text, ready, 60_000);
    },
    kill9: () => signal(proc, "SIGKILL"),
    stop: () => signal(proc, "SIGTERM"),
  };
}

const FAULT_CLUSTER = ["--cidr", "198.19.0.0/18", "--block-prefix", "24"];

/** `cluster`: the cluster flags (--cidr, --block-prefix, ...); the lab passes its own. */
export function coordinatorProc(url: string, db: string, extra: readonly string[] = [], cluster: readonly string[] = FAULT_CLUSTER): Child {
  const argv = [OVL_BIN, "--nats", url, "coordinator", "--db", db, ...cluster, ...extra];
  return child(`coordinator ${db}`, argv, /coordinator serving/, { OVL_FROM_SOURCE: "1" });
}

export function simAgentProc(url: string, node: string, ip: string, stateDir: string): Child {
  return child(`agent ${node}`, ["--import", "tsx", SIM_AGENT, url, node, ip, stateDir], new RegExp(`agent ${node} running`));
}

/** Resident memory of a process in bytes (Linux /proc), or 0 when it is gone. */
export async function rssOf(pid: number): Promise<number> {
  const { readFile } = await import("node:fs/promises");
  try {
    const status = await readFile(`/proc/${pid}/status`, "utf8");
    const kb = /VmRSS:\s+(\d+) kB/.exec(status)?.[1];
    return kb ? Number(kb) * 1024 : 0;
  } catch {
    return 0;
  }
}
