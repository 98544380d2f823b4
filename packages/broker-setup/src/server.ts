/**
 * Starts a local nats-server for the embedded default (`ovl broker start`): the config is
 * written under the store directory, the server is spawned with an argument array, the
 * call returns once it accepts connections, and `stop()` ends exactly that PID.
 */
import { spawn } from "node:child_process";
import { accessSync, constants, existsSync, mkdirSync, readFileSync, statSync, writeFileSync } from "node:fs";
import { delimiter, join, resolve } from "node:path";
import { createServer } from "node:net";
import { connect } from "nats";
import { OvlError, OvlErrorCodes } from "@ovl/domain";
import { DEFAULT_BROKER_HOST, DEFAULT_BROKER_PORT, DEFAULT_SERVER_NAME, renderServerConfig } from "./config.js";

export interface BrokerOptions {
  /** @default "127.0.0.1" */
  readonly host?: string;
  /** @default 4222 */
  readonly port?: number;
  /** JetStream store and the generated config live here. @default "./.ovl/broker" */
  readonly storeDir?: string;
  /** @default "ovl" */
  readonly serverName?: string;
  /** @default "<storeDir>/nats-server.log" */
  readonly logFile?: string;
  /** Time to wait for the server to accept connections. @default 10000 */
  readonly readyTimeoutMs?: number;
}

export interface Broker {
  readonly pid: number;
  readonly url: string;
  readonly configFile: string;
  /** SIGTERM, then SIGKILL after 5 s; resolves once the process is gone. */
  stop(): Promise<void>;
  /** The exit code (null when killed by a signal). */
  readonly exited: Promise<number | null>;
}

export const DEFAULT_STORE_DIR = "./.ovl/broker";

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
const tail = (file: string, from: number): string => {
  try {
    return readFileSync(file).subarray(from).toString("utf8").trim().split("\n").slice(-3).join(" | ");
  } catch {
    return "";
  }
};

async function waitReady(url: string, exited: Promise<number | null>, deadlineMs: number, why: () => string): Promise<void> {
  let gone = false;
  void exited.then(() => (gone = true));
  const until = Date.now() + deadlineMs;
  for (;;) {
    if (gone) throw new OvlError(OvlErrorCodes.Unavailable, `nats-server exited at start: ${why() || "no output"}`);
    try {
      const nc = await connect({ servers: url, reconnect: false, timeout: 500 });
      await nc.close();
      return;
    } catch (err) {
      if (Date.now() > until) throw new OvlError(OvlErrorCodes.Timeout, `nats-server at ${url} did not accept connections within ${deadlineMs} ms: ${why() || (err as Error).message}`);
      await new Promise((r) => setTimeout(r, 50));
    }
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
  const logFile = resolve(opts.logFile ?? join(storeDir, "nats-server.log"));
  const text = renderServerConfig({ host, port, storeDir, serverName: opts.serverName ?? DEFAULT_SERVER_NAME, logFile });
  mkdirSync(storeDir, { recursive: true });
  const configFile = join(storeDir, "nats-server.conf");
  writeFileSync(configFile, text);
  const logStart = existsSync(logFile) ? statSync(logFile).size : 0;
  const child = spawn(bin, ["-c", configFile], { stdio: ["ignore", "ignore", "pipe"] });
  let stderr = "";
  child.stderr?.on("data", (chunk: Buffer) => (stderr = (stderr + chunk.toString()).slice(-2000)));
  const exited = new Promise<number | null>((r) => child.once("exit", (code) => r(code)));
  const url = `nats://${host}:${port}`;
  const stop = async (): Promise<void> => {
    if (child.exitCode !== null || child.signalCode !== null) return;
    child.kill("SIGTERM");
    const timer = setTimeout(() => child.kill("SIGKILL"), 5000);
    await exited;
    clearTimeout(timer);
  };
  try {
    await waitReady(url, exited, opts.readyTimeoutMs ?? 10_000, () => [stderr.trim(), tail(logFile, logStart)].filter(Boolean).join(" | "));
  } catch (err) {
    await stop();
    throw err;
  }
  return { pid: child.pid!, url, configFile, stop, exited };
}
