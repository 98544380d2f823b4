/**
 * Processes of the scale benchmark: agent hosts (scale/agents.ts) and a coordinator (the
 * coordinator engineer's bench/coordinator-serve.ts), each spoken to by lines.
 */
import { mkdirSync, rmSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { startChild, type Child } from "../lib/proc.js";

const here = (f: string): string => fileURLToPath(new URL(f, import.meta.url));
const TSX = [process.execPath, "--import", "tsx"];

export interface AgentHost {
  readonly child: Child;
  ask(line: string, key: string, timeoutMs?: number): Promise<any>;
}

/** OVL_BENCH_AGENT_PROF=<dir>: each agent host writes a V8 CPU profile there when it quits. */
const profile = (): string[] => {
  const dir = process.env.OVL_BENCH_AGENT_PROF;
  return dir && /^\/[\w./-]+$/.test(dir) ? ["--cpu-prof", `--cpu-prof-dir=${dir}`] : [];
};

/**
 * agents.ts bundled by esbuild, as the installed `ovl agent` is (packages/cli/build.mjs): an
 * agent process then starts in node's own time and holds no tsx loader thread, so joining
 * 50 processes takes seconds, not minutes of compiling, and their RSS is an agent's. Written
 * under node_modules/.cache so its external packages resolve; removed by the returned function.
 */
export async function bundleAgentHost(): Promise<{ script: string; remove: () => void }> {
  const { build } = await import("esbuild");
  const dir = fileURLToPath(new URL("../../node_modules/.cache/ovl-bench-scale/", import.meta.url));
  mkdirSync(dir, { recursive: true });
  const script = `${dir}agents-${process.pid}.mjs`;
  await build({
    entryPoints: [here("./agents.ts")], outfile: script, bundle: true, platform: "node", format: "esm", target: "node20",
    external: ["better-sqlite3", "dockerode", "tsx", "tsx/*"], logLevel: "warning",
    banner: { js: "import { createRequire as __ovlRequire } from 'node:module'; const require = __ovlRequire(import.meta.url);" },
  });
  return { script, remove: () => rmSync(script, { force: true }) };
}

/** `script`: the bundle from bundleAgentHost, or agents.ts itself run through tsx. */
export function startAgentHost(url: string, first: number, count: number, script?: string): AgentHost {
  const argv = script ? [process.execPath, ...profile(), script] : [process.execPath, ...profile(), ...TSX.slice(1), here("./agents.ts")];
  const child = startChild([...argv, url, String(first), String(count)], undefined, true);
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

/** "2026-01-02T03:04:05.123456789Z" (the server's stored time) as epoch ms with the fraction kept. */
export function parseNanoTime(ts: string): number {
  const m = /^(.*T\d\d:\d\d:\d\d)(?:\.(\d+))?Z$/.exec(ts);
  if (!m) return Date.parse(ts);
  return Date.parse(`${m[1]}Z`) + Number(`0.${m[2] ?? "0"}`) * 1000;
}
