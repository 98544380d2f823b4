/**
 * What ovl must give back on teardown, kept on disk so an agent restart does not forget it:
 * the original value of every sysctl ovl changed (recorded once, before the first change,
 * so a restarted agent never records its own "1" as the original), and whether ovl created
 * DOCKER-USER itself (then teardown removes it again, unless dockerd has adopted it).
 */
import { mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { KernelError, KernelErrorCodes } from "./exec.js";

export interface KernelStateFile {
  readonly sysctls: Readonly<Record<string, string>>;
  readonly createdDockerUser: boolean;
}

const EMPTY: KernelStateFile = { sysctls: {}, createdDockerUser: false };
const FILE = "kernel-state.json";

export interface StateStore {
  read(): KernelStateFile;
  update(change: (s: KernelStateFile) => KernelStateFile): void;
  remove(): void;
}

function parse(text: string, path: string): KernelStateFile {
  const raw = JSON.parse(text) as Partial<KernelStateFile>;
  const sysctls = raw.sysctls ?? {};
  const valid =
    typeof sysctls === "object" &&
    Object.entries(sysctls).every(([k, v]) => /^[a-z0-9_.]+$/.test(k) && typeof v === "string" && /^[0-9 \t-]{1,64}$/.test(v));
  if (!valid) throw new KernelError(KernelErrorCodes.InvalidInput, `corrupt ovl state file ${path}: bad sysctls entry`);
  return { sysctls, createdDockerUser: raw.createdDockerUser === true };
}

export function stateStore(dir: string): StateStore {
  const path = join(dir, FILE);
  const read = (): KernelStateFile => {
    try {
      return parse(readFileSync(path, "utf8"), path);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === "ENOENT") return EMPTY;
      throw err;
    }
  };
  return {
    read,
    update(change) {
      mkdirSync(dir, { recursive: true });
      // Write then rename, so a crash never leaves half a file (and the originals lost).
      writeFileSync(`${path}.tmp`, JSON.stringify(change(read()), null, 2) + "\n");
      renameSync(`${path}.tmp`, path);
    },
    remove: () => rmSync(path, { force: true }),
  };
}
