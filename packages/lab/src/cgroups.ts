/**
 * `ip netns exec` remounts /sys, which hides /sys/fs/cgroup from everything it runs
 * (measured on Debian 12). dockerd and runc need it, so each node's supervisor mounts the
 * same cgroup hierarchies again, copied from the root namespace's mount table: a tmpfs plus
 * v1 controllers on a hybrid host, or one cgroup2 mount on a unified host.
 */
import { readFileSync } from "node:fs";

export interface MountEntry {
  readonly source: string;
  readonly target: string;
  readonly fstype: string;
  readonly options: string;
}

const unescape = (s: string): string => s.replace(/\\([0-7]{3})/g, (_, o: string) => String.fromCharCode(parseInt(o, 8)));
const SAFE = /^[A-Za-z0-9/._,=:+-]+$/;

/** Parses /proc/mounts text into entries (octal escapes decoded). */
export function parseMounts(text: string): MountEntry[] {
  return text
    .split("\n")
    .map((l) => l.split(" "))
    .filter((f) => f.length >= 4)
    .map(([source, target, fstype, options]) => ({ source: unescape(source!), target: unescape(target!), fstype: fstype!, options: options! }));
}

/** The cgroup mounts to repeat, in mount order; entries with odd characters are skipped. */
export function cgroupMounts(mounts: readonly MountEntry[]): MountEntry[] {
  return mounts.filter(
    (m) =>
      (m.target === "/sys/fs/cgroup" || m.target.startsWith("/sys/fs/cgroup/")) &&
      ["tmpfs", "cgroup", "cgroup2"].includes(m.fstype) &&
      [m.source, m.target, m.options].every((s) => SAFE.test(s)),
  );
}

/** Shell lines (for the generated supervisor script) that mount them again. */
export function cgroupMountLines(mounts: readonly MountEntry[]): string[] {
  return cgroupMounts(mounts).flatMap((m) => [
    `mkdir -p '${m.target}'`,
    `mountpoint -q '${m.target}' || mount -t ${m.fstype} -o '${m.options}' '${m.source}' '${m.target}'`,
  ]);
}

export const hostCgroupMountLines = (): string[] => cgroupMountLines(parseMounts(readFileSync("/proc/self/mounts", "utf8")));
