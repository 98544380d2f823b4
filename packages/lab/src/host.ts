/**
 * What the lab needs from the host: root, and Debian packages (debian-packages.txt, "lab").
 * `ensureHostPackages` asks dpkg-query which are installed and installs only the missing
 * ones with apt-get.
 */
import { LabError, LabErrorCodes } from "./errors.js";
import { run, tryRun } from "@ovl/host";
import { debianPackages } from "./debian.js";

export function requireRoot(): void {
  if (process.getuid?.() !== 0) {
    throw new LabError(LabErrorCodes.NotRoot, "the lab needs root (network namespaces, bridges, dockerd): run it with sudo or as root");
  }
}

export async function missingPackages(pkgs: readonly string[] = debianPackages("lab")): Promise<string[]> {
  const missing: string[] = [];
  for (const pkg of pkgs) {
    const r = await tryRun(["dpkg-query", "-W", "-f=${Status}", pkg]);
    if (!r.ok || !r.stdout.includes("install ok installed")) missing.push(pkg);
  }
  return missing;
}

export interface EnsureOptions {
  readonly log?: (line: string) => void;
  /** @default debianPackages("lab") */
  readonly packages?: readonly string[];
  /** Only report, install nothing. @default false */
  readonly checkOnly?: boolean;
}

/** Returns the packages it installed (empty when everything was there). */
export async function ensureHostPackages(opts: EnsureOptions = {}): Promise<string[]> {
  const log = opts.log ?? (() => {});
  const missing = await missingPackages(opts.packages);
  if (missing.length === 0) return [];
  if (opts.checkOnly) {
    throw new LabError(LabErrorCodes.MissingPackages, `missing packages: ${missing.join(" ")}: install them with apt-get install ${missing.join(" ")}`);
  }
  const env = { ...process.env, DEBIAN_FRONTEND: "noninteractive" };
  log(`installing missing packages: ${missing.join(" ")}`);
  log("apt-get update");
  await run(["apt-get", "update"], { env, timeoutMs: 600_000, action: "refresh the package lists" });
  log(`apt-get install -y --no-install-recommends ${missing.join(" ")}`);
  await run(["apt-get", "install", "-y", "--no-install-recommends", ...missing], { env, timeoutMs: 1_800_000, action: "install the lab's packages" });
  return missing;
}
