/**
 * Other engineers' benchmarks, run as child processes when their files exist; their printed
 * figures go into the report verbatim (bench/coordinator.ts, bench/cli-startup.ts, bench/tui.ts).
 */
import { existsSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { startChild } from "./lib/proc.js";
import type { Section } from "./lib/report-types.js";

export interface External {
  readonly file: string;
  readonly title: string;
  readonly args: readonly string[];
  readonly quickArgs: readonly string[];
}

export const EXTERNALS: readonly External[] = [
  { file: "coordinator.ts", title: "Coordinator: decisions per second and projection rebuild (bench/coordinator.ts)", args: [], quickArgs: ["--starts", "2000", "--events", "20000"] },
  { file: "cli-startup.ts", title: "`ovl` command start-up (bench/cli-startup.ts)", args: [], quickArgs: ["5"] },
  { file: "tui.ts", title: "TUI (bench/tui.ts)", args: [], quickArgs: [] },
];

const strip = (s: string): string => s.replace(/\x1b\[[0-9;?]*[A-Za-z]/g, "");

export async function runExternal(e: External, quick: boolean, log: (l: string) => void, timeoutMs = 10 * 60_000): Promise<Section | null> {
  const path = fileURLToPath(new URL(`./${e.file}`, import.meta.url));
  if (!existsSync(path)) return null;
  log(`bench: running ${e.file}`);
  const child = startChild([process.execPath, "--import", "tsx", path, ...(quick ? e.quickArgs : e.args)]);
  const timer = setTimeout(() => void child.stop(), timeoutMs);
  const code = await child.exited;
  clearTimeout(timer);
  const out = child.lines.map(strip).filter((l) => l.trim() !== "");
  return {
    id: `external-${e.file}`, title: e.title, rows: [], errors: code === 0 ? [] : [`${e.file} exited ${code}`],
    method: ["Printed by the benchmark (verbatim):", "", "```", ...out.slice(-60), "```"].join("\n"), notes: [],
  };
}
