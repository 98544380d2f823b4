/**
 * Runs of steps that go to the kernel in one process: consecutive steps for the same tool
 * (neighbours and routes through `ip -batch`, FDB entries through `bridge -batch`, tc's
 * qdiscs and filters through `tc -batch`). A node joining a cluster of 20 nodes x 10
 * containers has 440 entries; one process each took ~5 s, and each process held the
 * agent's event loop while it was forked. The steps are validated data (addresses, MACs,
 * prefs, fixed or validated device names), so a line cannot smuggle another command.
 *
 * The batch runs with -force (every line, past failures). It counts as done when it
 * succeeded, or when every line that failed is a removal whose target was already gone
 * (as step by step: removal tolerates "already gone"). Some failures end the tool at once
 * without naming the line (ip's neighbour commands exit); those count as not done, like
 * any other. Otherwise the caller runs the same
 * steps one by one (replace is idempotent, removal tolerant), so that the error names the
 * step that failed.
 */
import { rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { CommandError, isAlreadyGone, type Runner } from "./exec.js";
import { filterAddArgs, filterDelArgs, isTcGone, qdiscArgs } from "./fastpath.js";
import { ROUTE_PROTO } from "./names.js";
import type { Step } from "./types.js";

export type BatchTool = "ip" | "bridge" | "tc";
type Line = { readonly text: string; readonly removal: boolean };

/** The tool a step's commands go through when it is batched; null: it runs on its own. */
export function batchToolOf(s: Step): BatchTool | null {
  switch (s.op) {
    case "neigh-replace":
    case "neigh-del":
    case "route-replace":
    case "route-del":
      return "ip";
    case "fdb-replace":
    case "fdb-del":
      return "bridge";
    case "tc-qdisc":
    case "tc-filter":
    case "tc-filter-del":
      return "tc";
    default:
      return null;
  }
}

const isEntry = (s: Step): boolean => s.op === "neigh-replace" || s.op === "neigh-del" || s.op === "fdb-replace" || s.op === "fdb-del";

/**
 * The steps with each run of neighbour and FDB entries put in tool order (ip's, then
 * bridge's, each in the plan's order), so that a run over several devices (ovl-vx's and
 * every network's) is two processes, not two per device. Entries are independent of each
 * other; what must come after them (a route) stays after them. Pure.
 */
export function entriesByTool(steps: readonly Step[]): Step[] {
  const out: Step[] = [];
  for (let i = 0; i < steps.length; ) {
    let j = i;
    while (j < steps.length && isEntry(steps[j]!)) j++;
    if (j === i) {
      out.push(steps[i++]!);
      continue;
    }
    const run = steps.slice(i, j);
    out.push(...run.filter((s) => batchToolOf(s) === "ip"), ...run.filter((s) => batchToolOf(s) === "bridge"));
    i = j;
  }
  return out;
}

/** One kernel command of a step: its tool's arguments, and whether it removes (then "already gone" is success). */
export interface StepCommand {
  readonly tool: BatchTool;
  readonly args: readonly string[];
  readonly removal: boolean;
}

const put = (tool: BatchTool, args: readonly string[]): StepCommand => ({ tool, args, removal: false });
const del = (tool: BatchTool, args: readonly string[]): StepCommand => ({ tool, args, removal: true });

/**
 * The commands of a batchable step, the one source of both ways to run it: a batch line
 * each (batchLines), or one process each (apply.ts, when a batch did not do it all). Pure.
 */
export function stepCommands(s: Step): StepCommand[] {
  switch (s.op) {
    case "neigh-replace": return [put("ip", ["neigh", "replace", s.ip, "lladdr", s.mac, "dev", s.dev, "nud", "permanent"])];
    case "neigh-del": return [del("ip", ["neigh", "del", s.ip, "dev", s.dev])];
    case "route-replace": return [put("ip", ["route", "replace", s.dst, "via", s.via, "dev", s.dev, "src", s.src, "proto", String(ROUTE_PROTO)])];
    case "route-del": return [del("ip", ["route", "del", s.dst, "proto", String(ROUTE_PROTO)])];
    case "fdb-replace": return [put("bridge", ["fdb", "replace", s.mac, "dev", s.dev, "dst", s.dst, "self", "permanent"])];
    // The bridge also learned the MAC on its ovl-vx port; drop that too rather than wait 300 s for it to age out.
    case "fdb-del": return [del("bridge", ["fdb", "del", s.mac, "dev", s.dev, "dst", s.dst, "self"]), del("bridge", ["fdb", "del", s.mac, "dev", s.dev, "master"])];
    case "tc-qdisc": return [put("tc", qdiscArgs(s.dev, s.block))];
    // One filter per pref: whatever the pref holds goes, then ours.
    case "tc-filter": return [del("tc", filterDelArgs(s.target, s.pref)), put("tc", filterAddArgs(s.target, s))];
    case "tc-filter-del": return [del("tc", filterDelArgs(s.target, s.pref))];
    default: return [];
  }
}

/** A step's batch lines: its commands' arguments as `tool -batch` reads them. Pure. */
export const batchLines = (s: Step): Line[] => stepCommands(s).map((c) => ({ text: c.args.join(" "), removal: c.removal }));

/** "Already gone" for a removal by `tool`: tc says it its own way. */
export const goneFor = (tool: BatchTool) => (tool === "tc" ? isTcGone : isAlreadyGone);

/**
 * Whether a -force batch that exited non-zero did all it had to: each failed line (its
 * number in "Command failed FILE:N") is a removal, and each message is "already gone". Pure.
 */
export function onlyGoneFailed(tool: BatchTool, stderr: string, lines: readonly Line[]): boolean {
  const failed = [...stderr.matchAll(/^Command failed .*:(\d+)\s*$/gm)].map((m) => Number(m[1]));
  if (!failed.length || !failed.every((n) => lines[n - 1]?.removal === true)) return false;
  const gone = goneFor(tool);
  // tc follows each refusal with "We have an error talking to the kernel": no reason of its own.
  const said = stderr.split("\n").filter((l) => l.trim() && !/^Command failed |^We have an error talking to the kernel/.test(l));
  return said.every((l) => gone(new CommandError([tool], 1, l)));
}

/** Runs the steps' lines in one `tool -force -batch FILE`; true when that did all of them. */
export async function applyToolBatch(run: Runner, dir: string, tool: BatchTool, steps: readonly Step[]): Promise<boolean> {
  const lines = steps.flatMap(batchLines);
  const path = join(dir, "ovl.batch");
  writeFileSync(path, lines.map((l) => l.text).join("\n") + "\n");
  return run(tool, ["-force", "-batch", path])
    .then(
      () => true,
      (err: unknown) => err instanceof CommandError && onlyGoneFailed(tool, err.stderr, lines),
    )
    .finally(() => rmSync(path, { force: true }));
}
