/**
 * What the lab must leave as it found it, captured before and compared after: the root
 * namespace's Netfilter rules (iptables and nft dumps), ip_forward, the lab's namespaces,
 * links and mounts, /run's top level; the suite hooks that capture and tear down around it.
 * Plus a bounded wait for tests that talk to dockerd.
 */
import { execFile } from "node:child_process";
import { mkdtempSync, readFileSync, readdirSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import type { Test } from "uvu";
import { labDown } from "@ovl/lab";

const exec = promisify(execFile);

export interface HostSnapshot {
  readonly iptables: string;
  readonly nft: string;
  readonly ipForward: string;
  readonly labNamespaces: string[];
  readonly labLinks: string[];
  readonly labMounts: string[];
  readonly run: string[];
}

/** iptables-save prints a timestamp and counters: drop both so two dumps compare. */
const normalizeIptables = (s: string): string =>
  s
    .split("\n")
    .filter((l) => !l.startsWith("#"))
    .map((l) => l.replace(/\[\d+:\d+\]/g, "[0:0]"))
    .join("\n");

/** Mounts that belong to a lab (by path), so other suites' namespaces do not disturb the comparison. */
export const labMounts = (labDir: string): string[] =>
  readFileSync("/proc/mounts", "utf8")
    .split("\n")
    .filter((l) => /ovl-lab/.test(l) || l.includes(labDir));

export async function hostSnapshot(labDir: string): Promise<HostSnapshot> {
  const links = (await exec("ip", ["-o", "link", "show"])).stdout;
  return {
    iptables: normalizeIptables((await exec("iptables-save")).stdout),
    nft: (await exec("nft", ["list", "ruleset"])).stdout,
    ipForward: readFileSync("/proc/sys/net/ipv4/ip_forward", "utf8").trim(),
    labNamespaces: readdirSync("/run/netns").filter((n) => n.startsWith("ovl-lab-")),
    labLinks: links.split("\n").map((l) => /^\d+:\s+([^:@\s]+)/.exec(l)?.[1] ?? "").filter((n) => n.startsWith("ovllan")),
    labMounts: labMounts(labDir),
    run: readdirSync("/run").sort(),
  };
}

/**
 * A lab suite's scratch dir, and hooks on `suite`: the host is captured before the first test;
 * after the last, the suite's lab comes down (whatever is left of it) and the dir goes.
 * `before()` is the host as it was.
 */
export function labSuite(suite: Test, prefix: string): { readonly dir: string; readonly before: () => HostSnapshot } {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  let before: HostSnapshot | undefined;
  suite.before(async () => {
    before = await hostSnapshot(dir);
  });
  suite.after(async () => {
    await labDown({ dir }).catch(() => {});
    rmSync(dir, { recursive: true, force: true });
  });
  const captured = (): HostSnapshot => {
    if (!before) throw new Error("no host snapshot: the suite's before hook did not run");
    return before;
  };
  return { dir, before: captured };
}

/** PIDs whose command line mentions the lab (its dir or /run/ovl-lab): for assertions only. */
export function labProcesses(labDir: string): number[] {
  return readdirSync("/proc")
    .filter((d) => /^\d+$/.test(d))
    .filter((d) => {
      try {
        const cmd = readFileSync(`/proc/${d}/cmdline`, "utf8");
        return cmd.includes(labDir) || cmd.includes("/run/ovl-lab");
      } catch {
        return false;
      }
    })
    .map(Number)
    .filter((p) => p !== process.pid);
}

export async function withTimeout<T>(what: string, ms: number, p: Promise<T>): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what} took longer than ${ms} ms`)), ms);
  });
  try {
    return await Promise.race([p, timeout]);
  } finally {
    clearTimeout(timer);
  }
}

export const isRoot = (): boolean => process.getuid?.() === 0;

/**
 * The routing mode an end-to-end run puts its lab cluster in: OVL_E2E_MODE (vxlan, direct
 * or auto; unset: auto, with no --mode given, as a new cluster gets by default).
 */
export function e2eMode(env: NodeJS.ProcessEnv = process.env): "vxlan" | "direct" | "auto" {
  const raw = env.OVL_E2E_MODE ?? "auto";
  if (raw !== "vxlan" && raw !== "direct" && raw !== "auto") throw new Error(`OVL_E2E_MODE=${JSON.stringify(raw)}: use vxlan, direct or auto`);
  return raw;
}

/** The coordinator's --mode and --mtu for the run's mode on a LAN of `lanMtu`: a direct cluster takes the whole LAN MTU (the MTU rule). */
export function e2eClusterArgs(lanMtu: number, env: NodeJS.ProcessEnv = process.env): string[] {
  const mode = e2eMode(env);
  const mtu = mode === "direct" ? lanMtu : lanMtu - 50;
  return [...(env.OVL_E2E_MODE ? ["--mode", mode] : []), "--mtu", String(mtu)];
}

/** For a step that needs root: without it, says so and is true (the step then returns and passes). */
export const noRoot = (): boolean => !isRoot() && (console.log("    skipped: needs root"), true);
