/**
 * What a running lab looks like to its users (tests, benchmarks, `ovl up` output), read
 * from the state file, and `inNode` to run a command inside a node's namespace.
 */
import { existsSync, readdirSync } from "node:fs";
import { run, type RunOptions, type RunResult } from "@ovl/host";
import { DEFAULT_LAB_DIR, IMAGE, LAN_MTU, labClusterFor, labPlan, type LabCluster, NS_PREFIX, natsUrlOf, nodePlan, parseLabDir, parseNodeRef } from "./plan.js";
import { isAlive } from "./procs.js";
import { loadState, type LabState, type ProcRecord } from "./state.js";

export interface LabNodeInfo {
  readonly name: string;
  readonly ns: string;
  readonly lanIp: string;
  /** Its LAN address with the subnet's prefix, e.g. 198.18.1.14/24. */
  readonly lanCidr: string;
  /** Behind the lab's router, on the second subnet. */
  readonly routed: boolean;
  readonly dockerHost: string;
  readonly dockerSock: string;
}

export interface LabInfo {
  readonly dir: string;
  readonly natsUrl: string;
  /** The overlay settings for this lab's LAN (its MTU follows the LAN's). */
  readonly cluster: LabCluster;
  readonly lanMtu: number;
  readonly image: string;
  readonly nodes: LabNodeInfo[];
  readonly procs: readonly ProcRecord[];
  /** Milliseconds per phase of `up` (network, docker, image, control). */
  readonly timings?: Record<string, number>;
}

export function labInfo(state: LabState): LabInfo {
  const nodes = labPlan(state.nodes, state.dir, state.routed ?? 0).map((n) => ({
    name: n.name,
    ns: n.ns,
    lanIp: n.lanIp,
    lanCidr: n.lanCidr,
    routed: n.routed,
    dockerHost: n.dockerHost,
    dockerSock: n.dockerSock,
  }));
  return { dir: state.dir, natsUrl: natsUrlOf(Math.max(1, state.procs.filter((p) => p.role === "broker").length)), cluster: labClusterFor(state.lanMtu ?? LAN_MTU), lanMtu: state.lanMtu ?? LAN_MTU, image: IMAGE, nodes, procs: state.procs };
}

export interface LabStatus {
  /** A state file exists. */
  readonly up: boolean;
  readonly info: LabInfo | null;
  readonly procs: (ProcRecord & { alive: boolean })[];
  /** Lab namespaces present now (with or without a state file). */
  readonly namespaces: string[];
}

/** Synchronous: reads the state file, /proc and /run/netns only. */
export function labStatus(opts: { dir?: string } = {}): LabStatus {
  const state = loadState(parseLabDir(opts.dir ?? DEFAULT_LAB_DIR));
  const namespaces = existsSync("/run/netns") ? readdirSync("/run/netns").filter((n) => n.startsWith(NS_PREFIX)) : [];
  return {
    up: state !== null,
    info: state ? labInfo(state) : null,
    procs: (state?.procs ?? []).map((p) => ({ ...p, alive: isAlive(p) })),
    namespaces,
  };
}

/** Runs argv inside a lab node's network namespace ("n1" or "ovl-lab-n1"); throws CommandError on failure. */
export function inNode(node: string, argv: readonly string[], opts: RunOptions = {}): Promise<RunResult> {
  const ns = nodePlan(parseNodeRef(node), DEFAULT_LAB_DIR).ns;
  if (argv.length === 0) throw new Error("inNode: empty argv");
  return run(["ip", "netns", "exec", ns, ...argv], { action: `run in lab node ${node}`, ...opts });
}
