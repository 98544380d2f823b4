/**
 * The Linux dataplane of a node (docs/architecture.md), in flannel/CNI shape:
 *   desiredDataplane(state, node)  pure: bridge, VXLAN, peers, containers, published ports
 *   readActual(run, dir)           I/O: what the kernel holds under ovl's names
 *   plan(desired, actual): Step[]  pure: only the difference
 *   apply(steps)                   the one executor
 *
 * How it works: every node has a bridge ovl-br holding its gateway with the CLUSTER prefix,
 * so the whole cluster cidr is one L2 segment routed onto the bridge. A unicast VXLAN device
 * ovl-vx (nolearning, proxy) hangs on the bridge. For each remote container and remote
 * gateway, a permanent neighbour entry (ip -> mac) lets ovl-vx answer ARP itself, and a
 * static FDB entry (mac -> peer's LAN address) tells it where to send the frame: nothing is
 * ever flooded or learned, and no multicast is needed. Cost per host: two kernel entries per
 * remote address, programmed from events. In the direct and auto routing modes, a peer on
 * this node's LAN subnet is reached without VXLAN instead: one route for its block via its
 * LAN address, and ovl-br answers ARP for that block by proxy (docs/routing.md). Each network
 * made with `ovl network create` is built the same way beside it, with a bridge and VXLAN
 * device of its own (names.ts), and ovl's nft table keeps the networks apart (networks.ts).
 */
import { mkdirSync } from "node:fs";
import { run as defaultRun, type Runner } from "./exec.js";
import { readActual } from "./actual.js";
import { plan } from "./plan.js";
import { apply, ApplyError } from "./apply.js";
import { stateStore } from "./state-file.js";
import { attachContainer, detachContainer } from "./container.js";
import { teardown } from "./teardown.js";
import { readFastPath } from "./fastpath.js";
import { isHostPortInUse } from "./ports.js";
import { FOREIGN_COUNTER, foreignDrops } from "./vxlan-filter.js";
import type { ActualState, AttachSpec, DesiredNode, Step } from "./types.js";

export interface ReconcileOptions {
  /**
   * false: the firewall and sysctls were verified by an earlier reconcile for the same
   * firewall inputs, so only the links, neighbours, routes and FDB are read (2 processes, not 4);
   * the fast path's qdiscs and filters too unless the local containers or their veths changed.
   * The agent passes false for the reconciles events trigger and true for its periodic
   * one, which heals drift in every part. @default true
   */
  readonly full?: boolean;
}

export interface KernelDataplane {
  /** Applies only the difference between desired and the kernel; returns the steps applied ([] when already right). */
  reconcile(desired: DesiredNode, opts?: ReconcileOptions): Promise<Step[]>;
  /** Wires a container's namespace (by PID) to ovl-br; "unchanged" when it already was. `fresh`: just started, skip the check. */
  attachContainer(c: AttachSpec): Promise<"attached" | "unchanged">;
  /** Deletes a container's veth; a veth already gone is fine. */
  detachContainer(veth: string): Promise<void>;
  /** Removes everything ovl made on the node and restores the sysctls it changed. */
  teardown(): Promise<void>;
  isHostPortInUse(proto: "tcp" | "udp", port: number, hostIp?: string): Promise<boolean>;
}

export interface KernelDataplaneOptions {
  /** Where the original sysctl values and the nft script are kept (created if missing). */
  readonly stateDir: string;
  /** Runs OS commands. @default execFile in the current network namespace */
  readonly run?: Runner;
  /** One line per applied step. @default no logging */
  readonly log?: (line: string) => void;
}

type FirewallParts = Pick<ActualState, "nft" | "dockerUser" | "forwardJump" | "sysctls">;
interface VerifiedFirewall {
  readonly key: string;
  readonly parts: FirewallParts;
}

/** What the nft table, DOCKER-USER and the sysctls are planned from. Pure. */
export function firewallKey(d: DesiredNode): string {
  const nets = (d.networks ?? []).map((n) => [n.name, n.cidr, n.internal, n.bridge.name, n.gateway]);
  return JSON.stringify([d.cluster, d.bridge.name, d.ports, d.members, ...(d.networkRanges ? [d.networkRanges, nets] : [])]);
}

/**
 * What the fast path's filters are planned from: the cluster, the node's block and the
 * local containers with the veths they have now (a veth made again for a restarted
 * container has a new ifindex, and the redirect toward the old one must be replaced). Pure.
 */
export function fastPathKey(d: DesiredNode, veths: ActualState["veths"]): string {
  return JSON.stringify([d.cluster.cidr, d.node.subnet, d.localContainers.map((c) => c.veth), veths.map((v) => [v.name, v.ifindex ?? 0])]);
}

const firewallParts = (a: ActualState): FirewallParts => ({ nft: a.nft, dockerUser: a.dockerUser, forwardJump: a.forwardJump, sysctls: a.sysctls });
const FIREWALL_OPS: ReadonlySet<Step["op"]> = new Set(["nft-load", "iptables-chain", "iptables-insert", "iptables-delete", "sysctl", "proxy-arp"]);
const touchesFirewall = (s: Step): boolean => FIREWALL_OPS.has(s.op);
const isFastPathStep = (s: Step): boolean => s.op.startsWith("tc-");
const touchesFastPath = (s: Step): boolean => isFastPathStep(s) || s.op === "vxlan-add" || s.op === "bridge-add" || s.op === "link-del";
/** tc's words for a kernel without the u32 classifier, the mirred action or clsact. */
const KERNEL_LACKS_TC = /TC classifier not found|Failed to load TC action module|Unknown filter "u32"|Specified qdisc kind is unknown|Unknown qdisc "clsact"/i;

/** Logs the drop counter when it grew since the last read (or restarted from zero with a table loaded again); returns it. */
function logDrops(now: number, before: number, log: (line: string) => void): number {
  if (now > 0 && now !== before) log(`dropped ${now} VXLAN packets from outside the cluster since ovl's nft table was loaded (nft list counter ip ovl ${FOREIGN_COUNTER})`);
  return now;
}

export function createKernelDataplane(opts: KernelDataplaneOptions): KernelDataplane {
  const run = opts.run ?? defaultRun;
  const log = opts.log ?? (() => undefined);
  const store = stateStore(opts.stateDir);
  mkdirSync(opts.stateDir, { recursive: true });
  // The firewall and sysctls as last read (or taken as known) and left unchanged by the plan.
  let verified: VerifiedFirewall | null = null;
  // The fast path's key (fastPathKey) when a reconcile last found it right; its three reads are skipped while it holds.
  let fastVerified: string | null = null;
  // Why the kernel refused the fast path (no u32 classifier or mirred action), once it did: the bridge carries everything.
  let fastPathOff: string | null = null;
  // The foreign-VXLAN drop counter as last read: a full reconcile logs it when it grew.
  let drops = 0;
  const ctx = { run, store, stateDir: opts.stateDir, log };
  /** The fast path's steps never fail a reconcile: without them the bridge carries the packets. */
  async function applyFastPath(steps: Step[]): Promise<Step[]> {
    try {
      return await apply(ctx, steps);
    } catch (err) {
      fastVerified = null;
      const why = (err as Error).message;
      if (KERNEL_LACKS_TC.test(why)) {
        fastPathOff = why;
        log(`fast path off, traffic keeps the bridge: the kernel refused tc's u32 classifier or mirred action (${why})`);
      } else log(`fast path incomplete, traffic keeps the bridge until the next reconcile: ${why}`);
      return err instanceof ApplyError ? [...err.applied] : [];
    }
  }
  return {
    async reconcile(desired, o = {}) {
      const key = firewallKey(desired);
      const known = o.full === false && verified?.key === key ? verified : null;
      // Routes change with peers' events in the direct and auto modes; a vxlan cluster has none and reads them only on a full reconcile.
      const read = await readActual(run, opts.stateDir, {
        firewall: !known,
        routes: desired.cluster.mode !== "vxlan",
        proxyArp: desired.bridge.proxyArp,
        networks: (desired.networks ?? []).map((n) => ({ bridge: n.bridge.name, vxlan: n.vxlan.name })),
      });
      if (!known) drops = logDrops(foreignDrops(read.nft) ?? 0, drops, log);
      const fastKey = fastPathKey(desired, read.veths);
      const skipFast = fastPathOff !== null || (o.full === false && fastVerified === fastKey);
      const fastPath = skipFast ? null : await readFastPath(run, opts.stateDir, read.vxlan !== null);
      const actual = { ...read, ...(known ? known.parts : {}), fastPath };
      const steps = plan(desired, actual);
      verified = steps.some(touchesFirewall) ? null : { key, parts: firewallParts(actual) };
      if (fastPath) fastVerified = steps.some(touchesFastPath) ? null : fastKey;
      if (!steps.length) return [];
      const [fast, rest] = [steps.filter(isFastPathStep), steps.filter((s) => !isFastPathStep(s))];
      let applied: Step[] = [];
      try {
        if (rest.length) applied = await apply(ctx, rest);
      } catch (err) {
        verified = null;
        fastVerified = null;
        throw err;
      }
      return fast.length ? [...applied, ...(await applyFastPath(fast))] : applied;
    },
    attachContainer: (c) => attachContainer(run, c, opts.stateDir),
    detachContainer: (veth) => detachContainer(run, veth),
    teardown: () => ((verified = null), (fastVerified = null), teardown(run, store, opts.stateDir, log)),
    isHostPortInUse: (proto, port, hostIp) => isHostPortInUse(run, proto, port, hostIp),
  };
}

export { desiredDataplane, parseIfaceName } from "./desired.js";
export { plan } from "./plan.js";
export { fastPathFits, fastPathSteps, readFastPath, parseFilters, parseClsact } from "./fastpath.js";
export { readActual } from "./actual.js";
export { apply, describeStep, ApplyError } from "./apply.js";
export { renderNftTable, nftLoadScript } from "./nft.js";
export { dockerUserRules } from "./iptables.js";
export { parseSs, clashes, type Listener } from "./ports.js";
export { run as runCommand, runAs, CommandError, KernelError, KernelErrorCodes, type KernelErrorCode, type Runner, type RunResult } from "./exec.js";
export { BRIDGE, VXLAN, VETH_NAME, NFT_TABLE, TC_BLOCK } from "./names.js";
export {
  type ActualFastPath,
  type ActualState,
  type AttachSpec,
  type DesiredNode,
  type LocalContainer,
  type PublishedPort,
  type RemoteEndpoint,
  type Step,
  type TcFilter,
} from "./types.js";
