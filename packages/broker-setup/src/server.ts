/**
 * Starts a local nats-server for the embedded default (`ovl broker start`): the config is
 * rendered from the options plus what the broker's home directory holds (identities,
 * TLS), written under the store directory together with those options (broker.json), so
 * that `reloadBroker` can render it again after an identity is added and SIGHUP the server
 * without restarting it or dropping a connection. `stop()` ends exactly the PID it started.
 */
import { spawn } from "node:child_process";
import { accessSync, constants, existsSync, mkdirSync, readFileSync, statSync, writeFileSync } from "node:fs";
import { delimiter, join, resolve } from "node:path";
import { connect as tcpConnect, createServer } from "node:net";
import { DEFAULT_BROKER_DIR, OvlError, OvlErrorCodes } from "@ovl/domain";
import { stopProcess } from "@ovl/host";
import { DEFAULT_BROKER_HOST, DEFAULT_BROKER_PORT, DEFAULT_SERVER_NAME, renderServerConfig, type ClusterRoutes, type ServerConfigOptions } from "./config.js";
import { loadIdentities } from "./identities.js";
import { loadTls } from "./tls.js";
import { ensureLocked, insecureWarning, lockMode, routeHosts } from "./lock.js";
import { canSyncAlways, durabilityWarning, serverVersion } from "./version.js";

export interface BrokerOptions {
  /** @default "127.0.0.1" */
  readonly host?: string;
  /** @default 4222 */
  readonly port?: number;
  /** JetStream store and the generated config live here. @default "./.ovl/broker" */
  readonly storeDir?: string;
  /** Identities (identities.json) and TLS files (tls/) are read from here. @default storeDir */
  readonly home?: string;
  /** @default "ovl" */
  readonly serverName?: string;
  /** @default "<storeDir>/nats-server.log" */
  readonly logFile?: string;
  /** HTTP monitoring port; none when unset. */
  readonly httpPort?: number;
  /** Routes to the other servers of a cluster. */
  readonly cluster?: ClusterRoutes;
  /** The largest message the server takes, in bytes. @default MAX_PAYLOAD_BYTES (8 MB) */
  readonly maxPayload?: number;
  /** Time to wait for the server to accept connections. @default 10000 */
  readonly readyTimeoutMs?: number;
  /** Listen beyond loopback without making identities and TLS (warned at every start). @default false */
  readonly insecure?: boolean;
}

export interface Broker {
  readonly pid: number;
  readonly url: string;
  readonly configFile: string;
  readonly storeDir: string;
  readonly logFile: string;
  /** Durability and --insecure warnings (printed by `ovl broker start`). */
  readonly warnings: readonly string[];
  /** Identity and TLS files this start made (locked by default beyond loopback): paths only. */
  readonly created: readonly string[];
  /** SIGTERM, then SIGKILL after 5 s; resolves once the process is gone. */
  stop(): Promise<void>;
  /** SIGKILL at once (fault tests): resolves once the process is gone. */
  kill(): Promise<void>;
  /** The exit code (null when killed by a signal). */
  readonly exited: Promise<number | null>;
}

export const DEFAULT_STORE_DIR = DEFAULT_BROKER_DIR;
/** The render options a store directory's server was started with. */
const OPTIONS_FILE = "broker.json";
export const configFileOf = (storeDir: string): string => join(storeDir, "nats-server.conf");
export const pidFileOf = (storeDir: string): string => join(storeDir, "nats-server.pid");

/** The absolute path of an executable on PATH, or null. */
export function findOnPath(command: string, path = process.env.PATH ?? ""): string | null {
  for (const dir of path.split(delimiter).filter(Boolean)) {
    const candidate = join(dir, command);
    try {
      accessSync(candidate, constants.X_OK);
      return candidate;
    } catch {
      // not in this directory
    }
  }
  return null;
}

/** The last lines this run wrote to the log (nats-server appends across runs). */
export const logTail = (file: string, from: number, lines = 3): string => {
  try {
    return readFileSync(file).subarray(from).toString("utf8").trim().split("\n").slice(-lines).join(" | ");
  } catch {
    return "";
  }
};

/** Whether a NATS server sends its INFO line on host:port (true also with auth or TLS on). */
export function natsAnswers(host: string, port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const sock = tcpConnect({ host, port, timeout: 1000 });
    const done = (ok: boolean) => (sock.destroy(), resolve(ok));
    sock.once("data", (b) => done(b.toString().startsWith("INFO ")));
    sock.once("error", () => done(false));
    sock.once("timeout", () => done(false));
  });
}

async function waitReady(host: string, port: number, exited: Promise<number | null>, deadlineMs: number, why: () => string): Promise<void> {
  let gone = false;
  void exited.then(() => (gone = true));
  const until = Date.now() + deadlineMs;
  while (!(await natsAnswers(host, port))) {
    if (gone) throw new OvlError(OvlErrorCodes.Unavailable, `nats-server exited at start: ${why() || "no output"}`);
    if (Date.now() > until) throw new OvlError(OvlErrorCodes.Timeout, `nats-server at ${host}:${port} did not accept connections within ${deadlineMs} ms: ${why()}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

/** Whether host:port can be bound now: another server there would answer our readiness probe. */
function portFree(host: string, port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const probe = createServer();
    probe.once("error", () => resolve(false));
    probe.listen(port, host, () => probe.close(() => resolve(true)));
  });
}

type StoredOptions = Omit<ServerConfigOptions, "identities" | "tls"> & { readonly home: string };

/** Renders the config of a store directory from its saved options and its home's files. */
export function renderForStore(storeDir: string): string {
  const file = join(storeDir, OPTIONS_FILE);
  if (!existsSync(file)) throw new OvlError(OvlErrorCodes.InvalidInput, `no broker was started from ${storeDir} (${OPTIONS_FILE} missing)`);
  const { home, ...opts } = JSON.parse(readFileSync(file, "utf8")) as StoredOptions;
  const tls = loadTls(home);
  return renderServerConfig({ ...opts, identities: loadIdentities(home), ...(tls ? { tls } : {}) });
}

/** The server process: its exit, a graceful stop (SIGTERM, SIGKILL after 5 s) and a kill, by its PID only. */
function spawnServer(bin: string, configFile: string) {
  const child = spawn(bin, ["-c", configFile], { stdio: ["ignore", "ignore", "pipe"] });
  let stderr = "";
  child.stderr?.on("data", (chunk: Buffer) => (stderr = (stderr + chunk.toString()).slice(-2000)));
  const exited = new Promise<number | null>((r) => child.once("exit", (code) => r(code)));
  const stop = async (): Promise<void> => void (await stopProcess(child, { graceMs: 5000 }));
  const kill = async (): Promise<void> => void (await stopProcess(child, { signal: "SIGKILL" }));
  return { pid: child.pid!, exited, stop, kill, stderr: () => stderr };
}

/** Starts nats-server with JetStream; throws UNAVAILABLE when it is missing or exits. */
export async function startBroker(opts: BrokerOptions = {}): Promise<Broker> {
  const bin = findOnPath("nats-server");
  if (!bin) throw new OvlError(OvlErrorCodes.Unavailable, "nats-server is not installed: apt-get install nats-server");
  const storeDir = resolve(opts.storeDir ?? DEFAULT_STORE_DIR);
  const host = opts.host ?? DEFAULT_BROKER_HOST;
  const port = opts.port ?? DEFAULT_BROKER_PORT;
  if (!(await portFree(host, port))) {
    throw new OvlError(OvlErrorCodes.Unavailable, `port ${port} on ${host} is already in use (another broker?); stop it or pick another port`);
  }
  const version = await serverVersion(bin);
  const logFile = resolve(opts.logFile ?? join(storeDir, "nats-server.log"));
  const stored: StoredOptions = {
    host, port, storeDir, logFile, home: resolve(opts.home ?? storeDir), pidFile: pidFileOf(storeDir),
    serverName: opts.serverName ?? DEFAULT_SERVER_NAME, syncAlways: canSyncAlways(version),
    ...(opts.httpPort !== undefined ? { httpPort: opts.httpPort } : {}), ...(opts.maxPayload !== undefined ? { maxPayload: opts.maxPayload } : {}), ...(opts.cluster ? { cluster: opts.cluster } : {}),
  };
  const peers = routeHosts(opts.cluster?.routes ?? []);
  const mode = lockMode([host, ...(opts.cluster ? [opts.cluster.host ?? "0.0.0.0"] : [])], opts.insecure ?? false);
  const created = mode === "locked" ? await ensureLocked(stored.home, [...new Set([host, ...peers])]) : [];
  mkdirSync(storeDir, { recursive: true });
  writeFileSync(join(storeDir, OPTIONS_FILE), JSON.stringify(stored, null, 2) + "\n");
  const configFile = configFileOf(storeDir);
  writeFileSync(configFile, renderForStore(storeDir));
  const logStart = existsSync(logFile) ? statSync(logFile).size : 0;
  const proc = spawnServer(bin, configFile);
  const { exited, stop, kill } = proc;
  try {
    await waitReady(host, port, exited, opts.readyTimeoutMs ?? 10_000, () => [proc.stderr().trim(), logTail(logFile, logStart)].filter(Boolean).join(" | "));
  } catch (err) {
    await stop();
    throw err;
  }
  const warnings = [durabilityWarning(version), mode === "insecure" ? insecureWarning(`${host}:${port}`) : null].filter((w): w is string => w !== null);
  return { pid: proc.pid, url: `nats://${host}:${port}`, configFile, storeDir, logFile, warnings, created, stop, kill, exited };
}
