/**
 * What the benchmarks read of a process they started, from /proc: its CPU time (utime +
 * stime of /proc/PID/stat) and its memory (VmRSS, VmHWM of /proc/PID/status).
 */
import { execFileSync } from "node:child_process";
import { readFileSync } from "node:fs";

let ticks: number | undefined;
/** Clock ticks per second (getconf CLK_TCK; 100 on Linux), asked once. */
const clockTicks = (): number => (ticks ??= Number(execFileSync("getconf", ["CLK_TCK"], { encoding: "utf8" }).trim()) || 100);

/** CPU time (user + system) the process has used, in ms. */
export function cpuMs(pid: number): number {
  // After the ") " that ends the command name, which may hold spaces: utime and stime are fields 14 and 15.
  const fields = readFileSync(`/proc/${pid}/stat`, "utf8").split(") ")[1]!.split(" ");
  return ((Number(fields[11]) + Number(fields[12])) / clockTicks()) * 1000;
}

/** One memory figure of /proc/PID/status in bytes; NaN when the process has none (a zombie). */
function statusBytes(pid: number, field: "VmRSS" | "VmHWM"): number {
  const kb = new RegExp(`^${field}:\\s+(\\d+) kB`, "m").exec(readFileSync(`/proc/${pid}/status`, "utf8"))?.[1];
  return kb === undefined ? NaN : Number(kb) * 1024;
}

/** Resident set size now, in bytes. */
export const rssBytes = (pid: number): number => statusBytes(pid, "VmRSS");
/** The peak resident set size (high-water mark), in bytes. */
export const peakRssBytes = (pid: number): number => statusBytes(pid, "VmHWM");
