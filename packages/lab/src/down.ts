/**
 * `ovl down`: leaves the machine as it was before `ovl up`.
 *   1. stop the processes the state file recorded, by PID (control plane first, then each
 *      node's supervisor, which stops dockerd and then containerd; then any survivor)
 *   2. delete the lab namespaces and links: those recorded, and any found by name
 *      (`ovl-lab-*`, `ovllan*`) so that a lost state file still cleans up
 *   3. remove runtime files (/run/ovl-lab, empty dirs daemons made under /run) and the
 *      nodes' data roots; keep logs and the image cache
 * It kills only recorded PIDs, never by name: a process found in a lab namespace that the
 * lab did not record is reported, not killed.
 */
import { existsSync, readFileSync, readdirSync, rmSync, rmdirSync } from "node:fs";
import { join } from "node:path";
import { listLabNamespaces, pidsInNs, removeLan, removeNodeNs } from "./netns.js";
import { DEFAULT_LAB_DIR, LINK_PREFIX, NS_PREFIX, RUN_DIR, parseLabDir } from "./plan.js";
import { stopProcs } from "./procs.js";
import { checkClaimFor, releaseClaim } from "./claim.js";
import { loadState, removeState, RUN_LEFTOVERS, type LabState, type ProcRecord, type ProcRole } from "./state.js";

export interface DownOptions {
  /** @default "/var/lib/ovl-lab" */
  readonly dir?: string;
  readonly log?: (line: string) => void;
}

export interface DownReport {
  readonly stopped: number;
  readonly namespaces: string[];
  /** Things that could not be removed or stopped (empty when clean). */
  readonly warnings: string[];
}

const byRole = (procs: readonly ProcRecord[], ...roles: ProcRole[]) => procs.filter((p) => roles.includes(p.role));

async function stopAll(procs: readonly ProcRecord[], warn: (w: string) => void): Promise<void> {
  const phases: [ProcRole[], number][] = [
    [["agent", "coordinator"], 5000],
    [["broker"], 5000],
    [["supervisor"], 25_000],
    [["dockerd", "containerd"], 10_000],
  ];
  for (const [roles, timeout] of phases) {
    const left = await stopProcs(byRole(procs, ...roles), timeout);
    left.forEach((p) => warn(`${p.role} ${p.node ?? ""} PID ${p.pid} survived SIGKILL`));
  }
}

async function removeNamespaces(state: LabState | null, warn: (w: string) => void): Promise<string[]> {
  const all = [...new Set([...(state?.namespaces ?? []), ...(await listLabNamespaces())])];
  for (const ns of all) {
    const pids = await pidsInNs(ns);
    if (pids.length > 0) warn(`processes the lab did not record are still in ${ns}: PIDs ${pids.join(" ")} (not killed)`);
    const hostLink = `${LINK_PREFIX}-${ns.slice(NS_PREFIX.length)}`;
    (await removeNodeNs(ns, hostLink)).forEach(warn);
  }
  (await removeLan()).forEach(warn);
  return all;
}

const mountedUnder = (dir: string): boolean =>
  readFileSync("/proc/mounts", "utf8").split("\n").some((l) => (l.split(" ")[1] ?? "").startsWith(dir + "/") || l.split(" ")[1] === dir);

function removeTree(dir: string, warn: (w: string) => void): void {
  if (!existsSync(dir)) return;
  if (mountedUnder(dir)) return warn(`${dir} still has mounts; left in place`);
  rmSync(dir, { recursive: true, force: true });
}

function removeFiles(dir: string, state: LabState | null, warn: (w: string) => void): void {
  removeTree(RUN_DIR, warn);
  const nodeDirs = existsSync(dir) ? readdirSync(dir).filter((d) => /^n\d+$/.test(d)) : [];
  for (const d of [...nodeDirs, "nats", "coordinator"]) removeTree(join(dir, d), warn);
  const before = state?.runDirsBefore;
  for (const d of before ? RUN_LEFTOVERS.filter((x) => !before.includes(x)) : []) {
    try {
      rmdirSync(d);
    } catch {
      /* absent or not empty: not ours to remove */
    }
  }
}

export async function labDown(opts: DownOptions = {}): Promise<DownReport> {
  const dir = parseLabDir(opts.dir ?? DEFAULT_LAB_DIR);
  const log = opts.log ?? (() => {});
  checkClaimFor(dir);
  const warnings: string[] = [];
  const warn = (w: string) => (warnings.push(w), log(`lab: warning: ${w}`));
  let state: LabState | null = null;
  try {
    state = loadState(dir);
  } catch (err) {
    warn((err as Error).message);
  }
  if (!state) log(`lab: no state file in ${dir}; removing lab namespaces and links found by name`);
  await stopAll(state?.procs ?? [], warn);
  const namespaces = await removeNamespaces(state, warn);
  removeFiles(dir, state, warn);
  removeState(dir);
  releaseClaim(dir);
  log(`lab: down (${state?.procs.length ?? 0} processes stopped, ${namespaces.length} namespaces removed)`);
  return { stopped: state?.procs.length ?? 0, namespaces, warnings };
}
