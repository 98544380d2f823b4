/**
 * The Debian packages ovl needs, from packages/lab/debian-packages.txt: one file that the
 * bootstrap script, CI, the lab and the test runner all read (each its purposes).
 */
import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { join } from "node:path";

export type PackagePurpose = "build" | "lab" | "test";

/** Two levels below packages/ both in the sources (lab/src) and in the CLI bundle (cli/dist/chunks). */
export const DEBIAN_PACKAGES_FILE = join(fileURLToPath(new URL(".", import.meta.url)), "..", "..", "lab", "debian-packages.txt");

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
