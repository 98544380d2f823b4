/**
 * Parsers for `ovl run`'s Docker options, written as `docker run` takes them. Each returns
 * the typed value of container-options.ts or throws OvlError(INVALID_INPUT) naming the
 * value and the rule, so a bad value is refused before anything is appended.
 */
import { invalid } from "./errors.js";
import {
  ABSOLUTE_PATH_PATTERN,
  HOSTNAME_PATTERN,
  LABEL_KEY_PATTERN,
  MAX_CPUS,
  MAX_OPTIONS_BYTES,
  MIN_MEMORY_BYTES,
  USER_PATTERN,
  VOLUME_NAME_PATTERN,
  type ContainerOptions,
  type RestartPolicy,
  type VolumeMount,
} from "./container-options.js";

const q = JSON.stringify;
const ABSOLUTE = new RegExp(ABSOLUTE_PATH_PATTERN);
const VOLUME_NAME = new RegExp(VOLUME_NAME_PATTERN);

/** `-e KEY=VALUE`. A bare KEY (Docker would copy it from the caller's environment) is refused: history must say the value. */
export function parseEnv(raw: string): string {
  const eq = raw.indexOf("=");
  if (eq < 0) throw invalid(`invalid environment ${q(raw)}: expected KEY=VALUE (a value from your own environment: -e ${raw}="$${raw}")`);
  if (eq === 0) throw invalid(`invalid environment ${q(raw)}: the variable name is empty`);
  if (raw.includes("\0")) throw invalid(`invalid environment ${q(raw.slice(0, eq))}: NUL bytes are not allowed`);
  if (raw.length > 8192) throw invalid(`invalid environment ${q(raw.slice(0, eq))}: at most 8192 characters`);
  return raw;
}

/** An `--env-file`'s text as Docker reads it: KEY=VALUE lines, blank lines and `#` comments skipped. */
export function parseEnvFile(text: string, file: string): string[] {
  const out: string[] = [];
  for (const [i, line] of text.split(/\r?\n/).entries()) {
    const trimmed = line.trimStart();
    if (trimmed === "" || trimmed.startsWith("#")) continue;
    try {
      out.push(parseEnv(trimmed));
    } catch (err) {
      throw invalid(`${file} line ${i + 1}: ${(err as Error).message}`);
    }
  }
  return out;
}

/** `-v SOURCE:TARGET[:ro|:rw]`: SOURCE an absolute host path or a volume name of the node. */
export function parseVolume(spec: string): VolumeMount {
  const parts = spec.split(":");
  const rule = "expected SOURCE:TARGET[:ro] with SOURCE an absolute host path or a volume name and TARGET an absolute path";
  if (parts.length < 2 || parts.length > 3) throw invalid(`invalid volume ${q(spec)}: ${rule}`);
  const [source = "", target = "", mode] = parts;
  if (!ABSOLUTE.test(source) && !VOLUME_NAME.test(source)) throw invalid(`invalid volume ${q(spec)}: source ${q(source)} is neither an absolute path nor a volume name (letters, digits, _ . -)`);
  if (!ABSOLUTE.test(target)) throw invalid(`invalid volume ${q(spec)}: target ${q(target)} is not an absolute path`);
  if (target === "/") throw invalid(`invalid volume ${q(spec)}: the target cannot be /`);
  if (mode !== undefined && mode !== "ro" && mode !== "rw") throw invalid(`invalid volume ${q(spec)}: mode ${q(mode)} is neither ro nor rw`);
  return { source, target, ...(mode === "ro" ? { readOnly: true } : {}) };
}

/** `--restart no|always|unless-stopped|on-failure[:N]`. */
export function parseRestart(raw: string): RestartPolicy {
  const rule = "expected no, always, unless-stopped, on-failure or on-failure:N";
  const [policy, retries, extra] = raw.split(":");
  if (extra !== undefined) throw invalid(`invalid restart policy ${q(raw)}: ${rule}`);
  if (policy === "on-failure") {
    if (retries === undefined) return { policy };
    if (!/^\d{1,7}$/.test(retries) || Number(retries) > 1_000_000) throw invalid(`invalid restart policy ${q(raw)}: the retry count must be a whole number up to 1000000`);
    return { policy, maxRetries: Number(retries) };
  }
  if (policy === "no" || policy === "always" || policy === "unless-stopped") {
    if (retries !== undefined) throw invalid(`invalid restart policy ${q(raw)}: only on-failure takes a retry count`);
    return { policy };
  }
  throw invalid(`invalid restart policy ${q(raw)}: ${rule}`);
}

const UNITS: Record<string, number> = { "": 1, b: 1, k: 1024, m: 1024 ** 2, g: 1024 ** 3, t: 1024 ** 4 };

/** `--memory 512m`: bytes, with Docker's units b, k, m, g (powers of 1024). */
export function parseMemory(raw: string): number {
  const m = /^(\d+(?:\.\d+)?)([bkmgt]?)$/i.exec(raw.trim());
  if (!m) throw invalid(`invalid memory ${q(raw)}: expected a size like 512m or 1.5g (units b, k, m, g)`);
  const bytes = Math.floor(Number(m[1]) * UNITS[m[2]!.toLowerCase()]!);
  if (bytes < MIN_MEMORY_BYTES) throw invalid(`invalid memory ${q(raw)}: Docker needs at least 6m`);
  if (bytes > Number.MAX_SAFE_INTEGER) throw invalid(`invalid memory ${q(raw)}: too large`);
  return bytes;
}

/** `--cpus 1.5`: billionths of a CPU (Docker's NanoCpus). */
export function parseCpus(raw: string): number {
  if (!/^\d+(\.\d{1,9})?$/.test(raw.trim())) throw invalid(`invalid cpus ${q(raw)}: expected a number of CPUs like 0.5 or 2`);
  const [whole = "0", frac = ""] = raw.trim().split(".");
  const nano = Number(whole) * 1e9 + Number(frac.padEnd(9, "0"));
  if (nano <= 0 || nano > MAX_CPUS * 1e9) throw invalid(`invalid cpus ${q(raw)}: expected more than 0 and at most ${MAX_CPUS}`);
  return nano;
}

/** `--label KEY[=VALUE]`; ovl.* is reserved for ovl's own labels. */
export function parseLabel(raw: string): [string, string] {
  const eq = raw.indexOf("=");
  const [key, value] = eq < 0 ? [raw, ""] : [raw.slice(0, eq), raw.slice(eq + 1)];
  if (key.startsWith("ovl.")) throw invalid(`invalid label ${q(key)}: ovl.* labels are ovl's own`);
  if (!new RegExp(LABEL_KEY_PATTERN).test(key)) throw invalid(`invalid label ${q(key)}: keys are letters, digits and . _ / -, at most 128`);
  if (value.length > 4096 || value.includes("\0")) throw invalid(`invalid label ${q(key)}: the value has at most 4096 characters, no NUL`);
  return [key, value];
}

export function parseWorkdir(raw: string): string {
  if (!ABSOLUTE.test(raw)) throw invalid(`invalid workdir ${q(raw)}: expected an absolute path`);
  return raw;
}

export function parseUser(raw: string): string {
  if (!new RegExp(USER_PATTERN).test(raw)) throw invalid(`invalid user ${q(raw)}: expected NAME|UID[:GROUP|GID]`);
  return raw;
}

export function parseHostname(raw: string): string {
  if (!new RegExp(HOSTNAME_PATTERN).test(raw)) throw invalid(`invalid hostname ${q(raw)}: letters, digits and inner hyphens, at most 63`);
  return raw;
}

export function parseEntrypoint(raw: string): string {
  if (raw.includes("\0") || raw.length > 4096) throw invalid("invalid entrypoint: at most 4096 characters, no NUL");
  return raw;
}

/** The flags as the CLI collects them (strings, repeated ones as lists). */
export interface RawRunOptions {
  readonly env?: readonly string[];
  /** Lines already read from the --env-file files, by file name; they come before -e (as in Docker). */
  readonly envFiles?: readonly { readonly file: string; readonly text: string }[];
  readonly volume?: readonly string[];
  readonly restart?: string;
  readonly memory?: string;
  readonly cpus?: string;
  readonly label?: readonly string[];
  readonly entrypoint?: string;
  readonly workdir?: string;
  readonly user?: string;
  readonly hostname?: string;
}

const some = <T>(list: readonly T[]): readonly T[] | undefined => (list.length > 0 ? list : undefined);

/** All options, parsed; undefined when none was given (the event then carries none). */
export function parseRunOptions(raw: RawRunOptions): ContainerOptions | undefined {
  const env = [...(raw.envFiles ?? []).flatMap((f) => parseEnvFile(f.text, f.file)), ...(raw.env ?? []).map(parseEnv)];
  const volumes = (raw.volume ?? []).map(parseVolume);
  volumes.forEach((v, i) => {
    if (volumes.slice(0, i).some((w) => w.target === v.target)) throw invalid(`invalid volume: target ${v.target} is mounted twice`);
  });
  const labels = some((raw.label ?? []).map(parseLabel));
  const opts: ContainerOptions = {
    ...(some(env) ? { env } : {}),
    ...(some(volumes) ? { volumes } : {}),
    ...(raw.restart !== undefined ? { restart: parseRestart(raw.restart) } : {}),
    ...(raw.memory !== undefined ? { memory: parseMemory(raw.memory) } : {}),
    ...(raw.cpus !== undefined ? { nanoCpus: parseCpus(raw.cpus) } : {}),
    ...(labels ? { labels: labels.map(([k, v]) => `${k}=${v}`) } : {}),
    ...(raw.entrypoint !== undefined ? { entrypoint: parseEntrypoint(raw.entrypoint) } : {}),
    ...(raw.workdir !== undefined ? { workdir: parseWorkdir(raw.workdir) } : {}),
    ...(raw.user !== undefined ? { user: parseUser(raw.user) } : {}),
    ...(raw.hostname !== undefined ? { hostname: parseHostname(raw.hostname) } : {}),
  };
  if (Object.keys(opts).length === 0) return undefined;
  checkOptionsSize(opts);
  return opts;
}

export function checkOptionsSize(opts: ContainerOptions): void {
  const size = new TextEncoder().encode(JSON.stringify(opts)).byteLength;
  if (size > MAX_OPTIONS_BYTES) throw invalid(`the container's options take ${size} bytes; at most ${MAX_OPTIONS_BYTES} fit in its event`);
}
