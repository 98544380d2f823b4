/**
 * Reads of the kernel in one process per tool: `ip -j -batch FILE` (and tc's) runs every
 * listing in the file and prints one JSON array per line, in order. Every child process
 * the agent starts holds its event loop while it is forked (tens of ms on a busy 2-core
 * node, and the agent's DNS answers wait meanwhile), so a reconcile reads the node's links,
 * neighbours, routes and netconf with one `ip`, not one per kind and device.
 */
import { rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { KernelError, KernelErrorCodes, runAs, type Runner } from "./exec.js";

export type JsonRow = Record<string, unknown>;

const isRow = (v: unknown): v is JsonRow => typeof v === "object" && v !== null && !Array.isArray(v);

/** One listing's JSON array of objects; anything else is not an answer ovl understands. */
export function parseJsonRows(text: string, what: string): JsonRow[] {
  if (!text.trim()) return [];
  let v: unknown;
  try {
    v = JSON.parse(text);
  } catch (err) {
    throw new KernelError(KernelErrorCodes.InvalidInput, `${what}: the answer is not JSON`, { cause: err });
  }
  if (!Array.isArray(v) || !v.every(isRow)) throw new KernelError(KernelErrorCodes.InvalidInput, `${what}: expected a JSON array of objects`);
  return v;
}

/**
 * The answers of a JSON batch, one array per line; exactly `count` of them (a listing
 * printed on several lines, or one missing, would shift every answer after it).
 */
export function parseBatchJson(stdout: string, count: number, what: string): JsonRow[][] {
  const lines = stdout.split("\n").filter((l) => l.trim());
  if (lines.length !== count) throw new KernelError(KernelErrorCodes.InvalidInput, `${what}: expected ${count} JSON answers, got ${lines.length}`);
  return lines.map((l) => parseJsonRows(l, what));
}

/**
 * Runs `lines` (read-only listings) through one `tool [...flags] -batch FILE` and returns
 * each one's rows. The lines are fixed words and validated device names; the file is
 * named per caller (`file`) in `dir`, which one reconcile at a time uses, and removed after.
 */
export async function readBatch(run: Runner, dir: string, file: string, tool: string, flags: readonly string[], lines: readonly string[], what: string): Promise<JsonRow[][]> {
  const path = join(dir, file);
  writeFileSync(path, lines.join("\n") + "\n");
  try {
    const { stdout } = await runAs(run, what, tool, [...flags, "-batch", path]);
    return parseBatchJson(stdout, lines.length, what);
  } finally {
    rmSync(path, { force: true });
  }
}
