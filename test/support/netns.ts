/**
 * Throwaway network namespaces for kernel tests (flannel ns.SetUpNetlinkTest, CNI
 * testutils.NewNS): a scratch "LAN" (a namespace holding a bridge), node namespaces plugged
 * into it, "containers" that are `sleep` processes in fresh namespaces, and runners that
 * execute inside any of them. Everything made is registered in a Scope and removed by
 * scope.close(), also when the test failed; a process-exit hook removes what is left if
 * the test runner dies first. Addresses: 198.18.0.0/15 only.
 */
import { execFile, execFileSync, spawn, type ChildProcess } from "node:child_process";
import { readlinkSync, readFileSync } from "node:fs";
import { CommandError, type Runner, type RunResult } from "@ovl/node-agent";
import { stopProcess } from "@ovl/host";

/** execFile with an argument array; rejects with a CommandError, as the Runner contract says. */
export function sh(cmd: string, argv: readonly string[], timeout = 15_000): Promise<RunResult> {
  return new Promise((resolve, reject) => {
    execFile(cmd, [...argv], { timeout, encoding: "utf8" }, (err, stdout, stderr) => {
      if (!err) return resolve({ stdout, stderr });
      const code = (err as { code?: number | string }).code ?? null;
      reject(new CommandError([cmd, ...argv], code, stderr || stdout || err.message, undefined, { cause: err }));
    });
  });
}

/** A Runner inside a named namespace (`ip netns exec`): how tests hand the dataplane its node. */
export const inNetns = (ns: string): Runner => (cmd, argv) => sh("ip", ["netns", "exec", ns, cmd, ...argv]);
/** A Runner inside the namespace of a process (a "container"). */
export const inPid = (pid: number): Runner => (cmd, argv) => sh("nsenter", ["-t", String(pid), "-n", cmd, ...argv]);

const leftovers = new Set<string>();
const procs = new Set<ChildProcess>();
process.once("exit", () => {
  for (const p of procs) if (p.exitCode === null && p.signalCode === null) p.kill("SIGKILL");
  for (const ns of leftovers) {
    try {
      execFileSync("ip", ["netns", "del", ns], { stdio: "ignore" });
    } catch {
      /* already gone */
    }
  }
});

let scopes = 0;

/** What a test made, removed in reverse order by close(). */
export class Scope {
  private readonly undo: (() => Promise<unknown>)[] = [];
  /** A short prefix unique to this run, so parallel suites never share a name. */
  readonly tag = `k${process.pid % 100000}${String.fromCharCode(97 + (scopes++ % 26))}`;

  defer(fn: () => Promise<unknown>): void {
    this.undo.push(fn);
  }

  async netns(suffix: string): Promise<string> {
    const name = `${this.tag}-${suffix}`;
    await sh("ip", ["netns", "add", name]);
    leftovers.add(name);
    this.defer(async () => {
      await sh("ip", ["netns", "del", name]).catch(() => undefined);
      leftovers.delete(name);
    });
    await inNetns(name)("ip", ["link", "set", "lo", "up"]);
    return name;
  }

  /** Starts a process, killed by its PID on close(). */
  spawn(cmd: string, argv: readonly string[]): ChildProcess {
    const child = spawn(cmd, [...argv], { stdio: ["ignore", "pipe", "pipe"] });
    procs.add(child);
    this.defer(() => stopProcess(child, { graceMs: 2000 }).then(() => procs.delete(child)));
    return child;
  }

  async close(): Promise<void> {
    const errors: unknown[] = [];
    for (const fn of this.undo.reverse()) await fn().catch((e) => errors.push(e));
    this.undo.length = 0;
    if (errors.length) throw errors[0];
  }
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** A "container": `sleep` in a fresh network namespace. Resolves once the process really is in it. */
export async function startContainer(scope: Scope): Promise<{ pid: number; run: Runner; proc: ChildProcess }> {
  const child = scope.spawn("unshare", ["--net", "sleep", "600"]);
  const pid = child.pid!;
  const own = readlinkSync("/proc/self/ns/net");
  // Until unshare has run, the PID is still in our namespace: wiring it then would put eth0 here.
  for (let i = 0; i < 200; i++) {
    try {
      if (readlinkSync(`/proc/${pid}/ns/net`) !== own && readFileSync(`/proc/${pid}/comm`, "utf8").trim() === "sleep") return { pid, run: inPid(pid), proc: child };
    } catch {
      /* not there yet */
    }
    await sleep(10);
  }
  throw new Error(`container process ${pid} never entered its own network namespace`);
}

export interface LanHost {
  readonly ns: string;
  readonly ip: string;
  /** Its interface on the LAN. */
  readonly iface: string;
  readonly run: Runner;
}

/** A LAN: namespace `lan` with bridge br0, and one namespace per host with `lan0` at ip/24. */
export async function makeLan(scope: Scope, hosts: readonly { name: string; ip: string }[]): Promise<Record<string, LanHost>> {
  const lan = await scope.netns("lan");
  const inLan = inNetns(lan);
  await inLan("ip", ["link", "add", "br0", "type", "bridge"]);
  await inLan("ip", ["link", "set", "br0", "up"]);
  const out: Record<string, LanHost> = {};
  for (const [i, h] of hosts.entries()) {
    const ns = await scope.netns(h.name);
    const port = `p${i}`;
    await inLan("ip", ["link", "add", port, "type", "veth", "peer", "name", "lan0", "netns", ns]);
    await inLan("ip", ["link", "set", port, "master", "br0", "up"]);
    const run = inNetns(ns);
    await run("ip", ["addr", "add", `${h.ip}/24`, "dev", "lan0"]);
    await run("ip", ["link", "set", "lan0", "up"]);
    out[h.name] = { ns, ip: h.ip, iface: "lan0", run };
  }
  // Wait for IPv6 duplicate address detection to finish, so "before" dumps are stable.
  for (let i = 0; i < 100; i++) {
    const busy = await Promise.all(Object.values(out).map(async (h) => (await h.run("ip", ["-o", "addr"])).stdout.includes("tentative")));
    if (!busy.includes(true)) break;
    await sleep(50);
  }
  return out;
}

/** A TCP server that answers every connection with the peer's address and closes; resolves when listening. */
export async function startWhoami(scope: Scope, prefix: readonly string[], port: number): Promise<void> {
  const js = `require("net").createServer((c)=>c.end(c.remoteAddress.replace(/^::ffff:/,"")+"\\n")).listen(${port},"0.0.0.0",()=>console.log("ready"))`;
  const child = scope.spawn(prefix[0]!, [...prefix.slice(1), process.execPath, "-e", js]);
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`whoami server on port ${port} did not start`)), 10_000);
    child.stdout!.on("data", (d: Buffer) => d.toString().includes("ready") && (clearTimeout(timer), resolve()));
    child.once("exit", (code) => (clearTimeout(timer), reject(new Error(`whoami server exited with ${code}`))));
  });
}

/** Connects (from inside a runner's namespace) and returns what the whoami server said. */
export async function whoami(run: Runner, ip: string, port: number): Promise<string> {
  const js = `const s=require("net").connect(${port},"${ip}");let b="";s.setTimeout(3000,()=>{console.error("timeout");process.exit(2)});s.on("data",(d)=>b+=d);s.on("end",()=>{process.stdout.write(b);process.exit(0)});s.on("error",(e)=>{console.error(e.message);process.exit(1)})`;
  return (await run(process.execPath, ["-e", js])).stdout.trim();
}

/** One ping, retried a few times (the first may wait for ARP); true when a reply came. */
export async function ping(run: Runner, ip: string, tries = 3): Promise<boolean> {
  for (let i = 0; i < tries; i++) {
    try {
      await run("busybox", ["ping", "-c", "1", "-W", "2", ip]);
      return true;
    } catch {
      await sleep(100);
    }
  }
  return false;
}

/** Everything the kernel tests compare: links, addresses, routes, permanent neighbours, FDB, rules, sysctls. */
export async function dumpNode(run: Runner, sysctls: readonly string[]): Promise<Record<string, string>> {
  const text = async (cmd: string, argv: string[]) => (await run(cmd, argv)).stdout;
  return {
    links: await text("ip", ["-o", "link", "show"]),
    addrs: await text("ip", ["-o", "addr", "show"]),
    routes: await text("ip", ["route", "show", "table", "all"]),
    neigh: await text("ip", ["neigh", "show", "nud", "permanent"]),
    fdb: await text("bridge", ["fdb", "show"]),
    iptables: await text("iptables", ["-S"]),
    nft: await text("nft", ["list", "ruleset"]),
    tc: await text("tc", ["qdisc", "show"]),
    sysctls: (await Promise.all(sysctls.map((k) => text("sysctl", [k])))).join(""),
  };
}
