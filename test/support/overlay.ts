/**
 * Helpers for the overlay end-to-end test (test/lab/overlay.e2e.test.ts): commands whose
 * failure is a value (a ping that loses packets is a result, not an exception), the `ovl`
 * CLI as a user runs it, bounded waits, a node's kernel state as comparable text, and the
 * "outside" TCP server that records who connects.
 */
import { execFile } from "node:child_process";
import { createServer, type Socket } from "node:net";

export interface Exec {
  /** Exit code, or a string (ETIMEDOUT, ENOENT) when the command did not finish normally. */
  readonly code: number | string;
  readonly stdout: string;
  readonly stderr: string;
}

/** execFile with an argument array, never a shell; never throws. */
export function exec(argv: readonly string[], opts: { timeoutMs?: number; env?: NodeJS.ProcessEnv } = {}): Promise<Exec> {
  const [cmd, ...args] = argv;
  return new Promise((resolve) => {
    execFile(cmd!, args, { timeout: opts.timeoutMs ?? 30_000, env: opts.env ?? process.env, maxBuffer: 32 * 1024 * 1024 }, (err, stdout, stderr) => {
      const code = err ? ((err as { code?: number | string }).code ?? (err.killed ? "KILLED" : 1)) : 0;
      resolve({ code: typeof code === "number" || typeof code === "string" ? code : 1, stdout, stderr });
    });
  });
}

/** Throws with the command's stderr when it failed: for steps that must succeed. */
export async function must(argv: readonly string[], opts: { timeoutMs?: number; env?: NodeJS.ProcessEnv } = {}): Promise<string> {
  const r = await exec(argv, opts);
  if (r.code !== 0) throw new Error(`${argv.join(" ")} failed (${r.code}): ${(r.stderr || r.stdout).trim()}`);
  return r.stdout;
}

/** The lab suites' name for the shared poll (what, timeoutMs, probe, everyMs). */
export { until as waitFor } from "./wait.js";

export interface PingStats {
  readonly sent: number;
  readonly received: number;
}

/** Reads busybox's or iputils' summary line; {0, 0} when there is none. */
export function pingStats(stdout: string): PingStats {
  const m = /(\d+) packets transmitted, (\d+) (?:packets )?received/.exec(stdout);
  return m ? { sent: Number(m[1]), received: Number(m[2]) } : { sent: 0, received: 0 };
}

/** The sections of a node's kernel state compared before it joined and after it left. */
export const DUMP_SECTIONS = ["links", "addresses", "routes", "routes6", "neighbours", "fdb", "iptables", "nft", "tc", "sysctls"] as const;
export type KernelDump = Record<(typeof DUMP_SECTIONS)[number], string[]>;

/** iptables-save prints a timestamp and counters: drop both so two dumps compare. */
const iptablesLines = (s: string): string[] =>
  s.split("\n").filter((l) => l && !l.startsWith("#")).map((l) => l.replace(/\[\d+:\d+\]/g, "[0:0]"));

/**
 * The sysctls ovl could touch: forwarding, the per-interface settings of the node's own
 * interfaces, and the bridge netfilter switches (present only with br_netfilter loaded).
 */
const SYSCTL_KEYS = /^net\.(ipv4\.ip_forward|ipv4\.conf\.(all|default|eth0|lo)\.|ipv6\.conf\.(all|default)\.forwarding|bridge\.)/;

const lines = (s: string): string[] => s.split("\n").map((l) => l.trimEnd()).filter(Boolean);

/** The node namespace's kernel state as sorted text lines per section. */
export async function kernelDump(ns: string): Promise<KernelDump> {
  const inNs = (...argv: string[]) => must(["ip", "netns", "exec", ns, ...argv]);
  const sysctl = await exec(["ip", "netns", "exec", ns, "sysctl", "-a"]); // a few keys refuse reading: stdout still holds the rest
  return {
    links: lines(await inNs("ip", "-o", "link", "show")).map((l) => l.replace(/^\d+:\s*/, "")).sort(),
    // "tentative" is the kernel's duplicate-address detection still running on a fresh
    // link-local address: a moment in time, not configuration.
    addresses: lines(await inNs("ip", "-o", "addr", "show")).map((l) => l.replace(/^\d+:\s*/, "").replace(/ tentative\b/, "")).sort(),
    routes: lines(await inNs("ip", "-4", "route", "show", "table", "all")).sort(),
    // The local route of a link-local address appears only once its duplicate-address
    // detection ends (the same moment as above); ovl programs no IPv6, and a device left
    // behind would show under links anyway.
    routes6: lines(await inNs("ip", "-6", "route", "show", "table", "all")).filter((l) => !/^local fe80::\S+ dev /.test(l)).sort(),
    neighbours: lines(await inNs("ip", "neigh", "show", "nud", "permanent")).sort(),
    fdb: lines(await inNs("bridge", "fdb", "show")).sort(),
    iptables: iptablesLines(await inNs("iptables-save")),
    nft: lines(await inNs("nft", "-s", "list", "ruleset")),
    // qdiscs of every device, and the fast path's filters (a listing of what does not exist is empty).
    tc: [
      ...lines(await inNs("tc", "qdisc", "show")).sort(),
      ...lines((await exec(["ip", "netns", "exec", ns, "tc", "filter", "show", "block", "7304812"])).stdout),
      ...lines((await exec(["ip", "netns", "exec", ns, "tc", "filter", "show", "dev", "ovl-vx", "ingress"])).stdout),
    ],
    sysctls: lines(sysctl.stdout).filter((l) => SYSCTL_KEYS.test(l)).sort(),
  };
}

/** Human-readable differences, one line each ("fdb: + 0a:58:... dst 198.18.0.12"); [] when equal. */
export function dumpDiff(before: KernelDump, after: KernelDump): string[] {
  const out: string[] = [];
  for (const s of DUMP_SECTIONS) {
    const a = new Set(before[s]);
    const b = new Set(after[s]);
    before[s].filter((l) => !b.has(l)).forEach((l) => out.push(`${s}: - ${l}`));
    after[s].filter((l) => !a.has(l)).forEach((l) => out.push(`${s}: + ${l}`));
    if (out.length === 0 && before[s].join("\n") !== after[s].join("\n")) out.push(`${s}: same lines, other order`);
  }
  return out;
}

/** GET a URL from inside a namespace with Node's own client: {status, body}, or {status: 0} when unreachable. */
export async function httpGet(ns: string, url: string, timeoutMs = 3000): Promise<{ status: number; body: string }> {
  const script = `const r=require("http").get(process.argv[1],{timeout:${timeoutMs}},(res)=>{let b="";res.on("data",(d)=>b+=d);res.on("end",()=>{console.log(JSON.stringify({status:res.statusCode,body:b}))})});r.on("timeout",()=>r.destroy(new Error("timeout")));r.on("error",(e)=>{console.log(JSON.stringify({status:0,body:e.message}))})`;
  const r = await exec(["ip", "netns", "exec", ns, process.execPath, "-e", script, url], { timeoutMs: timeoutMs + 5000 });
  try {
    return JSON.parse(r.stdout) as { status: number; body: string };
  } catch {
    return { status: 0, body: (r.stderr || r.stdout).trim() };
  }
}

export interface OutsideServer {
  readonly port: number;
  /** Remote addresses of the connections seen so far, in order. */
  readonly peers: string[];
  close(): Promise<void>;
}

/** A TCP server on host:0 that answers "ok" and records each peer's address. */
export function startOutsideServer(host: string): Promise<OutsideServer> {
  const peers: string[] = [];
  const sockets = new Set<Socket>();
  const server = createServer((sock) => {
    sockets.add(sock);
    peers.push(sock.remoteAddress ?? "?");
    sock.on("error", () => {});
    sock.on("close", () => sockets.delete(sock));
    sock.end("ok\n");
  });
  return new Promise((resolve, reject) => {
    server.once("error", reject);
    server.listen(0, host, () => {
      const port = (server.address() as { port: number }).port;
      const close = () =>
        new Promise<void>((done) => {
          sockets.forEach((s) => s.destroy());
          server.close(() => done());
        });
      resolve({ port, peers, close });
    });
  });
}
