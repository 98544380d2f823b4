/**
 * Detached processes, started with an argv and stopped by PID only: SIGTERM, then SIGKILL
 * after a timeout. A PID is signalled only while /proc says it is still the process we
 * started (same start time), so a recycled PID is never hit.
 */
import { spawn } from "node:child_process";
import { closeSync, mkdirSync, openSync, readFileSync } from "node:fs";
import { dirname } from "node:path";
import { stopProcess } from "@ovl/host";
import { LabError, LabErrorCodes } from "./errors.js";
import type { ProcRecord, ProcRole } from "./state.js";

/** Start time of a PID in clock ticks since boot (field 22 of /proc/<pid>/stat), or null. */
export function procStart(pid: number): number | null {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
    const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
    const state = fields[0];
    return state === "Z" || state === "X" ? null : Number(fields[19]);
  } catch {
    return null;
  }
}

export const isAlive = (rec: Pick<ProcRecord, "pid" | "start">): boolean => procStart(rec.pid) === rec.start;

export interface SpawnSpec {
  readonly role: ProcRole;
  readonly node?: string;
  readonly argv: readonly string[];
  readonly log: string;
  readonly env?: NodeJS.ProcessEnv;
}

/** Starts argv detached (own session), stdout and stderr appended to the log file. */
export function spawnDetached(spec: SpawnSpec): ProcRecord {
  const [cmd, ...args] = spec.argv;
  if (!cmd) throw new LabError(LabErrorCodes.InvalidInput, `empty command for ${spec.role}`);
  mkdirSync(dirname(spec.log), { recursive: true });
  const fd = openSync(spec.log, "a");
  try {
    const child = spawn(cmd, args, { detached: true, stdio: ["ignore", fd, fd], env: spec.env ?? process.env });
    child.on("error", () => {}); // ENOENT and the like: reported below by the missing pid
    child.unref();
    if (child.pid === undefined) throw new LabError(LabErrorCodes.CommandFailed, `could not start ${spec.role}: ${cmd} (see ${spec.log})`);
    const start = procStart(child.pid) ?? 0;
    return { role: spec.role, ...(spec.node ? { node: spec.node } : {}), pid: child.pid, start, argv: spec.argv, log: spec.log };
  } finally {
    closeSync(fd);
  }
}

/** Records a PID someone else started (dockerd, containerd, read from their pid files). */
export function recordPid(role: ProcRole, pid: number, argv: readonly string[], node?: string): ProcRecord | null {
  const start = procStart(pid);
  return start === null ? null : { role, ...(node ? { node } : {}), pid, start, argv };
}

/** SIGTERM, wait up to timeoutMs, then SIGKILL. Returns what still lives after the kill (should be []). */
export async function stopProcs(recs: readonly ProcRecord[], timeoutMs: number): Promise<ProcRecord[]> {
  const gone = await Promise.all(recs.map((r) => stopProcess(r.pid, { graceMs: timeoutMs, isAlive: () => isAlive(r) })));
  return recs.filter((_, i) => !gone[i]);
}
