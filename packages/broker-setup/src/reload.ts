/**
 * Applying a changed identity list (or TLS files) to running servers without a restart:
 * the config is rendered again, written, and the server gets SIGHUP (nats-server re-reads
 * its config; existing connections stay, those whose identity was removed are closed).
 * This needs `store_dir` in the config and no `-sd` flag, which is how startBroker runs
 * it. The PID comes from the pid file the server itself writes, and is checked to be a
 * nats-server before it is signalled.
 */
import { existsSync, readFileSync, readdirSync, statSync, writeFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { OvlError, OvlErrorCodes } from "@ovl/domain";
import { configFileOf, pidFileOf, renderForStore } from "./server.js";

export interface ReloadResult {
  readonly storeDir: string;
  /** "reloaded", or "not running" (the config is written; it applies at the next start). */
  readonly outcome: "reloaded" | "not running";
  readonly pid?: number;
}

function runningPid(storeDir: string): number | null {
  const file = pidFileOf(storeDir);
  if (!existsSync(file)) return null;
  const pid = Number(readFileSync(file, "utf8").trim());
  if (!Number.isInteger(pid) || pid <= 1) return null;
  try {
    const comm = readFileSync(`/proc/${pid}/comm`, "utf8").trim();
    return comm === "nats-server" ? pid : null;
  } catch {
    return null;
  }
}

const logFileOf = (storeDir: string): string => {
  const opts = JSON.parse(readFileSync(join(storeDir, "broker.json"), "utf8")) as { logFile?: string };
  return opts.logFile ?? join(storeDir, "nats-server.log");
};

/** Waits for the server's log to say whether the reload worked. */
async function awaitReloadLog(logFile: string, from: number, timeoutMs: number): Promise<void> {
  const until = Date.now() + timeoutMs;
  for (;;) {
    const text = existsSync(logFile) ? readFileSync(logFile).subarray(from).toString("utf8") : "";
    if (/Reloaded server configuration/.test(text)) return;
    const failed = /Failed to reload server configuration: ?(.*)/.exec(text);
    if (failed) throw new OvlError(OvlErrorCodes.Internal, `nats-server refused the new config: ${failed[1]}`);
    if (Date.now() > until) throw new OvlError(OvlErrorCodes.Timeout, `nats-server did not confirm the reload within ${timeoutMs} ms (see ${logFile})`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

/** Renders and writes the config of one store directory, and reloads its server if it runs. */
export async function reloadBroker(storeDir: string, timeoutMs = 5000): Promise<ReloadResult> {
  writeFileSync(configFileOf(storeDir), renderForStore(storeDir));
  const pid = runningPid(storeDir);
  if (pid === null) return { storeDir, outcome: "not running" };
  const logFile = logFileOf(storeDir);
  const from = existsSync(logFile) ? statSync(logFile).size : 0;
  process.kill(pid, "SIGHUP");
  await awaitReloadLog(logFile, from, timeoutMs);
  return { storeDir, outcome: "reloaded", pid };
}

/** The store directories whose servers use this home: the home itself and its subdirectories. */
export function storeDirsOf(home: string): string[] {
  const candidates = [home, ...(existsSync(home) ? readdirSync(home).map((d) => join(home, d)) : [])];
  return candidates.filter((d) => {
    if (!existsSync(join(d, "broker.json"))) return false;
    const saved = JSON.parse(readFileSync(join(d, "broker.json"), "utf8")) as { home?: string };
    return saved.home === resolve(home);
  });
}

/** Reloads every server that reads its identities from `home` (one, or the three of a cluster). */
export async function reloadAll(home: string): Promise<ReloadResult[]> {
  const results: ReloadResult[] = [];
  for (const dir of storeDirsOf(home)) results.push(await reloadBroker(dir));
  return results;
}
