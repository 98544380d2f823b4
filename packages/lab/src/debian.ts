/**
 * The Debian packages ovl needs, from packages/lab/debian-packages.txt: one file that the
 * bootstrap script, CI, the lab and the test runner all read (each its purposes).
 */
import { existsSync, readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { join } from "node:path";

export type PackagePurpose = "build" | "lab" | "test";

/**
 * Where the list is, seen from this module: the sources (packages/lab/src), a chunk of the
 * CLI bundle (packages/cli/dist/chunks) or the bundle's entry (packages/cli/dist), whichever
 * this code was loaded as.
 */
export function packagesFileFrom(moduleDir: string, exists: (path: string) => boolean = existsSync): string {
  const candidates = [join(moduleDir, "..", "debian-packages.txt"), join(moduleDir, "..", "..", "lab", "debian-packages.txt"), join(moduleDir, "..", "..", "..", "lab", "debian-packages.txt")];
  return candidates.find(exists) ?? candidates[0]!;
}

export const DEBIAN_PACKAGES_FILE = packagesFileFrom(fileURLToPath(new URL(".", import.meta.url)));

/** Lines "<package> <purpose>..." with `#` comments; the packages of any of the purposes, in file order. */
export function parsePackageList(text: string, purposes: readonly PackagePurpose[]): string[] {
  const out: string[] = [];
  for (const line of text.split("\n")) {
    const [name, ...tags] = line.replace(/#.*/, "").trim().split(/\s+/);
    if (name && tags.some((t) => (purposes as readonly string[]).includes(t))) out.push(name);
  }
  return out;
}

/** The packages of the given purposes. @default the lab's */
export const debianPackages = (...purposes: PackagePurpose[]): string[] =>
  parsePackageList(readFileSync(DEBIAN_PACKAGES_FILE, "utf8"), purposes.length ? purposes : ["lab"]);
