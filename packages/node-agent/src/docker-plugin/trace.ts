/**
 * A timing trace of the plugin's calls and of the steps inside them, for the benchmark and
 * for whoever wants to know where a `docker run` spends its time: one JSON line per span
 * appended to the file named by $OVL_DOCKER_PLUGIN_TRACE (none when unset: no cost).
 */
import { appendFileSync } from "node:fs";

export type Trace = <T>(what: string, op: () => Promise<T> | T) => Promise<T>;

/** Runs `op` without timing it. */
export const noTrace: Trace = async (_what, op) => op();

/** Times every span into `file` (the node's name on each line, as the lab's agents share one). */
export function fileTrace(file: string, node: string): Trace {
  return async (what, op) => {
    const t0 = performance.now();
    const at = Date.now();
    let ok = false;
    try {
      const r = await op();
      ok = true;
      return r;
    } finally {
      const ms = Math.round((performance.now() - t0) * 10) / 10;
      try {
        appendFileSync(file, `${JSON.stringify({ node, at, what, ms, ok })}\n`);
      } catch {
        // a trace that cannot be written must not fail Docker's call
      }
    }
  };
}

export const traceFromEnv = (node: string, env: NodeJS.ProcessEnv = process.env): Trace => {
  const file = env["OVL_DOCKER_PLUGIN_TRACE"];
  return file ? fileTrace(file, node) : noTrace;
};
