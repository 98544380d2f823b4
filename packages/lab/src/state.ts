/**
 * The lab state file (<labDir>/lab.json): what `ovl up` created, written after every step,
 * so that `ovl down` removes exactly that even after a crash halfway through `up`. It is
 * validated on read: a damaged file is an error, never a reason to kill the wrong PID.
 */
import { existsSync, mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { LabError, LabErrorCodes } from "./errors.js";
import { LAN_MTU } from "./plan.js";

export type ProcRole = "broker" | "coordinator" | "agent" | "supervisor" | "containerd" | "dockerd";

/** A process the lab started. `start` (jiffies since boot) guards against PID reuse. */
export interface ProcRecord {
  readonly role: ProcRole;
  readonly node?: string;
  readonly pid: number;
  readonly start: number;
  readonly argv: readonly string[];
  readonly log?: string;
}

export interface LabState {
  readonly version: 1;
  readonly createdAt: string;
  readonly dir: string;
  readonly nodes: number;
  /** MTU of the lab LAN (absent in states written before it was an option: 1500). */
  readonly lanMtu?: number;
  /** How many of the last nodes sit behind the router on the second subnet (absent: none). */
  readonly routed?: number;
  /** True once the bridge exists. */
  lan: boolean;
  /** Namespaces created so far, by node name. */
  namespaces: string[];
  procs: ProcRecord[];
  /** Which of RUN_LEFTOVERS existed before the lab; `down` removes the others if empty. */
  readonly runDirsBefore: string[];
}

/**
 * Directories that dockerd, containerd's shims and mount(8) create under /run whatever
 * their configured paths (plugin discovery, shim sockets, utab). Deepest first.
 */
export const RUN_LEFTOVERS = ["/run/docker/plugins", "/run/docker", "/run/containerd/s", "/run/containerd", "/run/mount"];

export const stateFile = (dir: string): string => join(dir, "lab.json");

export function newState(dir: string, nodes: number, now: Date, lanMtu: number = LAN_MTU, routed = 0): LabState {
  return {
    version: 1,
    createdAt: now.toISOString(),
    dir,
    nodes,
    lanMtu,
    ...(routed > 0 ? { routed } : {}),
    lan: false,
    namespaces: [],
    procs: [],
    runDirsBefore: RUN_LEFTOVERS.filter((d) => existsSync(d)),
  };
}

export function saveState(state: LabState): void {
  const file = stateFile(state.dir);
  mkdirSync(dirname(file), { recursive: true });
  writeFileSync(`${file}.tmp`, JSON.stringify(state, null, 2) + "\n");
  renameSync(`${file}.tmp`, file);
}

const isProc = (p: unknown): p is ProcRecord => {
  const r = p as ProcRecord;
  return !!r && Number.isInteger(r.pid) && r.pid > 1 && Number.isInteger(r.start) && typeof r.role === "string" && Array.isArray(r.argv);
};

export function loadState(dir: string): LabState | null {
  const file = stateFile(dir);
  if (!existsSync(file)) return null;
  let raw: unknown;
  try {
    raw = JSON.parse(readFileSync(file, "utf8"));
  } catch (err) {
    throw new LabError(LabErrorCodes.InvalidInput, `lab state ${file} is not JSON: remove it and run \`ovl down\` again`, { cause: err });
  }
  const s = raw as LabState;
  if (s?.version !== 1 || !Array.isArray(s.procs) || !s.procs.every(isProc) || !Array.isArray(s.namespaces)) {
    throw new LabError(LabErrorCodes.InvalidInput, `lab state ${file} is damaged: remove it and run \`ovl down\` again`);
  }
  return s;
}

export const removeState = (dir: string): void => rmSync(stateFile(dir), { force: true });
