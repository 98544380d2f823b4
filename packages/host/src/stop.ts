/**
 * Stopping one process by its PID: a signal (SIGTERM), a grace time, then SIGKILL, and a
 * wait until it is gone. The lab, broker-setup, the tests and the benchmarks all stop
 * their processes this way, and never by name. A ChildProcess of ours is awaited through
 * its exit event; any other PID by polling `kill(pid, 0)`, where `isAlive` can add a check
 * that the PID still is the process we started (its start time), so a reused PID is left
 * alone.
 */
import type { ChildProcess } from "node:child_process";

export interface StopOptions {
  /** Time between the first signal and SIGKILL. @default 5000 */
  readonly graceMs?: number;
  /** The first signal; SIGKILL skips the grace time. @default "SIGTERM" */
  readonly signal?: NodeJS.Signals;
  /** How long to wait for the process to go after SIGKILL. @default 3000 */
  readonly killWaitMs?: number;
  /** For a PID: whether it still is our process. @default `kill(pid, 0)` succeeds */
  readonly isAlive?: () => boolean;
}

export type StopTarget = number | ChildProcess;

const POLL_MS = 50;
const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/** Whether a process with this PID exists (EPERM: it exists, owned by someone else). */
export function pidAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === "EPERM";
  }
}

/** Sends a signal, tolerating a process that is already gone. */
function send(pid: number, signal: NodeJS.Signals): void {
  try {
    process.kill(pid, signal);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== "ESRCH") throw err;
  }
}

const childGone = (c: ChildProcess): boolean => c.exitCode !== null || c.signalCode !== null || c.pid === undefined;

/** Resolves true once `gone()` holds (or `exited` settles), false after `ms`; leaves no timer behind. */
async function waitGone(gone: () => boolean, ms: number, exited?: Promise<unknown>): Promise<boolean> {
  if (exited) {
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<boolean>((r) => (timer = setTimeout(() => r(gone()), ms)));
    return Promise.race([exited.then(() => true), timeout]).finally(() => clearTimeout(timer));
  }
  const until = Date.now() + ms;
  while (!gone()) {
    if (Date.now() >= until) return false;
    await sleep(POLL_MS);
  }
  return true;
}

/**
 * Sends `signal` (SIGTERM), waits up to `graceMs`, then SIGKILL. Resolves true once the
 * process is gone, false when it still lives `killWaitMs` after the SIGKILL.
 */
export async function stopProcess(target: StopTarget, opts: StopOptions = {}): Promise<boolean> {
  const child = typeof target === "number" ? null : target;
  const pid = child ? child.pid : (target as number);
  const alive = child ? () => !childGone(child) : (opts.isAlive ?? (() => pidAlive(pid!)));
  if (pid === undefined || !alive()) return true;
  const exited = child ? new Promise<void>((r) => child.once("exit", () => r())) : undefined;
  const signal = opts.signal ?? "SIGTERM";
  send(pid, signal);
  if (signal !== "SIGKILL" && (await waitGone(() => !alive(), opts.graceMs ?? 5000, exited))) return true;
  if (alive()) send(pid, "SIGKILL");
  return waitGone(() => !alive(), opts.killWaitMs ?? 3000, exited);
}
