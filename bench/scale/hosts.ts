/**
 * Processes of the scale benchmark: agent hosts (scale/agents.ts) and a coordinator (the
 * coordinator engineer's bench/coordinator-serve.ts), each spoken to by lines.
 */
import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { startChild, type Child } from "../lib/proc.js";

const here = (f: string): string => fileURLToPath(new URL(f, import.meta.url));
const TSX = [process.execPath, "--import", "tsx"];

export interface AgentHost {
  readonly child: Child;
  ask(line: string, key: string, timeoutMs?: number): Promise<any>;
}

export function startAgentHost(url: string, first: number, count: number): AgentHost {
  const child = startChild([...TSX, here("./agents.ts"), url, String(first), String(count)], undefined, true);
  return {
    child,
    async ask(line, key, timeoutMs = 60_000) {
      const before = child.lines.length;
      child.proc.stdin?.write(`${line}\n`);
      const re = new RegExp(`^\\{"${key}"`);
      const until = Date.now() + timeoutMs;
      for (;;) {
        const hit = child.lines.slice(before).find((l) => re.test(l));
        if (hit) return JSON.parse(hit)[key];
        if (Date.now() > until) throw new Error(`agent host s${first}..: no ${key} answer within ${timeoutMs} ms`);
        if (child.proc.exitCode !== null) throw new Error(`agent host s${first}.. exited: ${child.lines.slice(-3).join(" | ")}`);
        await new Promise((r) => setTimeout(r, 20));
      }
    },
  };
}

export async function startCoordinator(url: string, db: string, cidr: string, blockPrefix: number): Promise<{ child: Child; readyMs: number; seq: number }> {
  const child = startChild([...TSX, here("../coordinator-serve.ts"), url, db, cidr, String(blockPrefix)]);
  const { line } = await child.waitLine(/^ready /, 15 * 60_000);
  const [, seq, ms] = line.split(" ");
  return { child, readyMs: Number(ms), seq: Number(seq) };
}

/** Resident set size of a process we started, from /proc. */
export function rssOf(pid: number | undefined): number {
  const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, "utf8"));
  return m ? Number(m[1]) * 1024 : NaN;
}

/** "2026-01-02T03:04:05.123456789Z" (the server's stored time) as epoch ms with the fraction kept. */
export function parseNanoTime(ts: string): number {
  const m = /^(.*T\d\d:\d\d:\d\d)(?:\.(\d+))?Z$/.exec(ts);
  if (!m) return Date.parse(ts);
  return Date.parse(`${m[1]}Z`) + Number(`0.${m[2] ?? "0"}`) * 1000;
}
