/**
 * Was the machine busy with something else while a row was measured? The load average at
 * the row's start (before the row's own processes run) and the share of CPU time stolen by
 * the hypervisor during the row. A busy row is kept and flagged, never dropped: dropping it
 * would make the report look steadier than the machine was.
 */
import { cpus, loadavg } from "node:os";
import { readFileSync } from "node:fs";

export interface CpuTimes {
  readonly total: number;
  readonly steal: number;
}

/** Parses the aggregate "cpu" line of /proc/stat. */
export function parseProcStat(text: string): CpuTimes {
  const line = text.split("\n").find((l) => l.startsWith("cpu "));
  if (!line) return { total: 0, steal: 0 };
  const f = line.trim().split(/\s+/).slice(1).map(Number);
  // user nice system idle iowait irq softirq steal guest guest_nice: guest time is already in user.
  const total = f.slice(0, 8).reduce((a, b) => a + (Number.isFinite(b) ? b : 0), 0);
  return { total, steal: f[7] ?? 0 };
}

export interface BusyProbe {
  readonly load1: number;
  readonly cores: number;
  readonly cpu: CpuTimes;
}

export const busyStart = (): BusyProbe => ({
  load1: loadavg()[0] ?? 0,
  cores: cpus().length,
  cpu: parseProcStat(readFileSync("/proc/stat", "utf8")),
});

/** Load over half the cores before the row, or over 2% steal during it. */
export const LOAD_SHARE_LIMIT = 0.5;
export const STEAL_LIMIT = 0.02;

/** The warning for a row measured between `start` and `end`, or null when the machine was quiet. */
export function busyWarning(start: BusyProbe, end: CpuTimes): string | null {
  const dt = end.total - start.cpu.total;
  const steal = dt > 0 ? (end.steal - start.cpu.steal) / dt : 0;
  const busyLoad = start.load1 > start.cores * LOAD_SHARE_LIMIT;
  const busySteal = steal > STEAL_LIMIT;
  if (!busyLoad && !busySteal) return null;
  return `machine busy: load average ${start.load1.toFixed(2)} on ${start.cores} cores at the row's start, steal ${(steal * 100).toFixed(1)}% during it`;
}

/** Measures `body` and returns its result with the busy warning (null when quiet). */
export async function watchBusy<T>(body: () => Promise<T>): Promise<{ value: T; busy: string | null }> {
  const start = busyStart();
  const value = await body();
  return { value, busy: busyWarning(start, parseProcStat(readFileSync("/proc/stat", "utf8"))) };
}
