/**
 * Runs the real `ovl` binary (node packages/cli/bin/ovl.mjs) as a person or a script would:
 * one-shot commands with their exit code and output, and long-running ones (coordinator,
 * agent, events --follow) as children stopped by PID.
 */
import { execFile, spawn, type ChildProcess } from "node:child_process";
import { fileURLToPath } from "node:url";
import { dirname, join } from "node:path";
import { stopProcess } from "@ovl/host";

export const ROOT = join(dirname(fileURLToPath(import.meta.url)), "..", "..");
export const OVL_BIN = join(ROOT, "packages", "cli", "bin", "ovl.mjs");

export interface Result {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
}

/** Runs `ovl ...args` to completion (bounded by timeoutMs). */
export function ovl(args: readonly string[], opts: { env?: NodeJS.ProcessEnv; timeoutMs?: number } = {}): Promise<Result> {
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      [OVL_BIN, ...args],
      // Listings of thousands of rows run to megabytes: the default 1 MiB would cut them.
      { env: { ...process.env, NO_COLOR: "1", ...opts.env }, timeout: opts.timeoutMs ?? 30_000, killSignal: "SIGKILL", maxBuffer: 256 * 1024 * 1024 },
      (err, stdout, stderr) => {
        const code = err ? (typeof (err as { code?: unknown }).code === "number" ? ((err as { code: number }).code) : -1) : 0;
        resolve({ code, stdout, stderr });
      },
    );
  });
}

export interface Daemon {
  readonly proc: ChildProcess;
  readonly output: () => string;
  /** Resolves when a stdout/stderr line matches, rejects on exit or after timeoutMs. */
  waitFor(pattern: RegExp, timeoutMs?: number): Promise<string>;
  /** SIGTERM (SIGKILL after 5 s); resolves with the exit code. */
  stop(): Promise<number | null>;
  readonly exited: Promise<number | null>;
}

export function daemon(args: readonly string[], env: NodeJS.ProcessEnv = {}): Daemon {
  const proc = spawn(process.execPath, [OVL_BIN, ...args], { env: { ...process.env, ...env }, stdio: ["ignore", "pipe", "pipe"] });
  let text = "";
  const listeners = new Set<() => void>();
  const onData = (chunk: Buffer) => {
    text += chunk.toString();
    listeners.forEach((l) => l());
  };
  proc.stdout!.on("data", onData);
  proc.stderr!.on("data", onData);
  const exited = new Promise<number | null>((r) => proc.once("exit", (code) => r(code)));
  return {
    proc,
    output: () => text,
    exited,
    waitFor(pattern, timeoutMs = 15_000) {
      return new Promise((resolve, reject) => {
        const check = () => {
          const line = text.split("\n").find((l) => pattern.test(l));
          if (line !== undefined) done(() => resolve(line));
        };
        const timer = setTimeout(() => done(() => reject(new Error(`timed out waiting for ${pattern}; output:\n${text}`))), timeoutMs);
        const onExit = () => done(() => reject(new Error(`ovl ${args[0]} exited waiting for ${pattern}; output:\n${text}`)));
        const done = (f: () => void) => {
          clearTimeout(timer);
          listeners.delete(check);
          proc.off("exit", onExit);
          f();
        };
        listeners.add(check);
        proc.once("exit", onExit);
        check();
      });
    },
    async stop() {
      await stopProcess(proc, { graceMs: 5000 });
      return exited;
    },
  };
}

/** Builds the bundle the binary loads, so the tests run the current sources. */
export async function buildBundle(): Promise<void> {
  await new Promise<void>((resolve, reject) =>
    execFile(process.execPath, [join(ROOT, "packages", "cli", "build.mjs")], (err, _o, stderr) => (err ? reject(new Error(stderr)) : resolve())),
  );
}

export const lines = (text: string): string[] => text.split("\n").filter((l) => l.trim() !== "");
