/**
 * Child processes the benchmark starts and must end: every one is tracked here and
 * stopped by its own PID (SIGTERM, then SIGKILL), never by name. `stopAll` runs in the
 * benchmark's finally, so nothing it started outlives it.
 */
import { spawn, type ChildProcess } from "node:child_process";
import { createInterface } from "node:readline";
import { epochMs } from "./stats.js";
import { stopProcess } from "@ovl/host";

export interface Child {
  readonly proc: ChildProcess;
  /** Lines seen so far on stdout and stderr. */
  readonly lines: string[];
  /** Resolves with the first line matching `re` and the epoch time it arrived. */
  waitLine(re: RegExp, timeoutMs: number): Promise<{ line: string; at: number }>;
  readonly exited: Promise<number | null>;
  stop(): Promise<void>;
}

const live = new Set<ChildProcess>();

/** `stdin`: keep a pipe to the child's stdin (for line protocols). */
export function startChild(argv: readonly string[], env?: NodeJS.ProcessEnv, stdin = false): Child {
  const proc = spawn(argv[0]!, argv.slice(1), { stdio: [stdin ? "pipe" : "ignore", "pipe", "pipe"], env: env ?? process.env });
  live.add(proc);
  const lines: string[] = [];
  const waiters: { re: RegExp; done: (l: string, at: number) => void }[] = [];
  const onLine = (line: string): void => {
    const at = epochMs();
    lines.push(line);
    for (const w of [...waiters]) if (w.re.test(line)) (waiters.splice(waiters.indexOf(w), 1), w.done(line, at));
  };
  createInterface({ input: proc.stdout! }).on("line", onLine);
  createInterface({ input: proc.stderr! }).on("line", onLine);
  const exited = new Promise<number | null>((resolve) => {
    proc.once("exit", (code) => (live.delete(proc), resolve(code)));
    proc.once("error", () => (live.delete(proc), resolve(null)));
  });
  const waitLine = (re: RegExp, timeoutMs: number) =>
    new Promise<{ line: string; at: number }>((resolve, reject) => {
      const hit = lines.find((l) => re.test(l));
      if (hit !== undefined) return resolve({ line: hit, at: epochMs() });
      const timer = setTimeout(() => reject(new Error(`${argv.join(" ")}: no line matching ${re} within ${timeoutMs} ms (last: ${lines.slice(-3).join(" | ")})`)), timeoutMs);
      waiters.push({ re, done: (line, at) => (clearTimeout(timer), resolve({ line, at })) });
      void exited.then(() => setTimeout(() => reject(new Error(`${argv.join(" ")} exited before ${re}: ${lines.slice(-3).join(" | ")}`)), 20));
    });
  return { proc, lines, waitLine, exited, stop: () => stopChild(proc, exited) };
}

async function stopChild(proc: ChildProcess, exited: Promise<unknown>): Promise<void> {
  if (!live.has(proc)) return;
  await stopProcess(proc, { graceMs: 3000 });
  await exited;
}

/** Stops every child still running (the benchmark's finally). */
export async function stopAll(): Promise<void> {
  await Promise.all([...live].map((p) => stopChild(p, new Promise((r) => p.once("exit", r)))));
}

/** Wall time of a command from spawn to exit, in ms; rejects on a non-zero exit. */
export async function timeCommand(argv: readonly string[], timeoutMs: number, env?: NodeJS.ProcessEnv): Promise<{ ms: number; out: string }> {
  const t0 = epochMs();
  const c = startChild(argv, env);
  const timer = setTimeout(() => void c.stop(), timeoutMs);
  const code = await c.exited;
  clearTimeout(timer);
  const ms = epochMs() - t0;
  if (code !== 0) throw new Error(`${argv.join(" ")} exited ${code}: ${c.lines.slice(-2).join(" | ")}`);
  return { ms, out: c.lines.join("\n") };
}
