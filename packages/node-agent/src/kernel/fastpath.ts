/**
 * The fast path: container <-> ovl-vx without the bridge, by tc redirects (the bridge stays
 * the L2 segment, docs/architecture.md; this is a shortcut beside it).
 *
 * Why: a packet that crosses ovl-br runs Netfilter's bridge hooks (br_netfilter calls
 * iptables for bridged packets whenever the namespace's bridge-nf-call-iptables is 1, and
 * dockerd sets it), plus the bridge's forwarding, on both nodes. Measured on the lab: the
 * overlay's cross-node TCP throughput is 1.1-1.2x higher without those hops (docs/benchmarks.md).
 *
 * What it is, in the kernel (only the u32 classifier and the mirred action: what every
 * distribution kernel has, and all this machine's kernel has):
 * - every container veth's ingress (packets the container sends) is ovl's shared tc block
 *   TC_BLOCK, which holds two filters: pref 1, a destination in this node's block stays on
 *   the normal path (the bridge: local containers, the gateway, the block's broadcast);
 *   pref 2, any other destination in the cluster cidr is redirected to ovl-vx, which looks
 *   the destination MAC up in its FDB exactly as when the bridge hands it the frame.
 *   Everything else (ARP, traffic leaving the cluster) takes the bridge. In the `direct`
 *   routing mode the block holds only pref 1: cross-node packets take the bridge and the
 *   host's routing. In `auto` it holds pref 1 and, instead of pref 2, one redirect to ovl-vx
 *   per VXLAN peer's block (pref 2 + the block's number); direct peers' blocks take the bridge.
 * - ovl-vx's ingress (packets from other nodes) holds one filter per local container:
 *   destination = its address -> its veth. Its pref is the low 16 bits of the address,
 *   unique on the node while blocks are /16 or smaller (fastPathFits); larger blocks keep
 *   the bridge path for every packet.
 * - ovl-br's ingress holds the block too, so that the block and its two filters exist from
 *   the node's first reconcile, before any container (a block lives only while a device
 *   holds it). There it is inert: the frames the bridge passes up to the host are for the
 *   gateway's MAC (pref 1: stays) or leave the cluster (no match); a frame for the
 *   gateway's MAC with a remote container's address, which no container ovl wires sends
 *   (the cluster prefix is on-link), would be dropped by ovl-vx instead of routed.
 * Nothing in it is needed for correctness: without a filter the bridge carries the packet.
 * A filter whose target device is gone is not harmless (mirred drops), so a container's
 * filter is deleted before its veth and replaced when its veth is made again.
 */
import { writeFileSync, rmSync } from "node:fs";
import { join } from "node:path";
import { intToIp, ipToInt, parseCidr } from "@ovl/domain";
import { isAlreadyGone, runAs, type Runner } from "./exec.js";
import { parseJsonRows, readBatch, type JsonRow } from "./batch-read.js";
import { BRIDGE, TC_BLOCK, VETH_NAME, VXLAN } from "./names.js";
import type { ActualFastPath, DesiredNode, FastPathTarget, Step, TcFilter } from "./types.js";

export const LOCAL_PREF = 1;
export const REMOTE_PREF = 2;

/** Whether every local container's address maps to its own pref (blocks of /16 or smaller). */
export const fastPathFits = (subnet: string): boolean => parseCidr(subnet).prefix >= 16;

/** The pref of a container's filter on ovl-vx: the low 16 bits of its address (1-65535 for a container). */
export const vxPrefFor = (ip: string): number => ipToInt(ip) & 0xffff;

/** The container address a veth name encodes ("ovl" + 8 hex digits of the address). */
export const ipOfVeth = (veth: string): string => intToIp(parseInt(veth.slice(3), 16));

/** The blocks of the peers reached through VXLAN, from their gateways (every block has the node's size), sorted. */
function vxlanPeerBlocks(d: DesiredNode): string[] {
  const size = parseCidr(d.node.subnet).prefix;
  if (size - parseCidr(d.cluster.cidr).prefix > 15) return []; // more blocks than prefs: those peers keep the bridge path
  const mask = (0xffffffff << (32 - size)) >>> 0;
  const blocks = d.remotes.filter((r) => r.kind === "gateway").map((r) => `${intToIp((ipToInt(r.ip) & mask) >>> 0)}/${size}`);
  return [...new Set(blocks)].sort();
}

/**
 * A VXLAN peer block's pref in `auto`: 2 + the block's number in the cluster, so that it
 * stays the same while other peers come and go (one filter per pref, replaced whole).
 */
export const blockPref = (cidr: string, block: string): number => {
  const c = parseCidr(cidr);
  const b = parseCidr(block);
  return REMOTE_PREF + ((b.base - c.base) >>> (32 - b.prefix));
};

/** What ovl-vx's and the block's filters should be, for the veths that exist. Pure. */
export function desiredFilters(d: DesiredNode, vethsPresent: ReadonlySet<string>): { block: TcFilter[]; vx: TcFilter[] } {
  if (!d.fastPath) return { block: [], vx: [] }; // switched off: ovl's filters go, its empty qdiscs stay harmless
  // The redirect of the whole cluster cidr to ovl-vx holds only when every peer is reached
  // through VXLAN: a peer's block reached directly is routed by the host, so its packets
  // must reach the bridge (whose MAC the container was given by proxy ARP). In `auto` each
  // VXLAN peer's block gets a redirect of its own, so that those packets too pass neither
  // the bridge nor br_netfilter (measured: ~7% of the round trip, docs/benchmarks.md).
  const block: TcFilter[] = [
    { pref: LOCAL_PREF, dst: d.node.subnet, to: null },
    ...(d.cluster.mode === "vxlan" ? [{ pref: REMOTE_PREF, dst: d.cluster.cidr, to: d.vxlan.name }] : []),
    ...(d.cluster.mode === "auto" ? vxlanPeerBlocks(d).map((dst) => ({ pref: blockPref(d.cluster.cidr, dst), dst, to: d.vxlan.name })) : []),
  ];
  const vx = fastPathFits(d.node.subnet)
    ? d.localContainers.filter((c) => vethsPresent.has(c.veth)).map((c): TcFilter => ({ pref: vxPrefFor(c.ip), dst: `${c.ip}/32`, to: c.veth }))
    : [];
  return { block, vx };
}

const same = (a: TcFilter, b: TcFilter): boolean => a.pref === b.pref && a.dst === b.dst && a.to === b.to;

function filterSteps(target: FastPathTarget, want: readonly TcFilter[], have: readonly TcFilter[]): Step[] {
  const steps: Step[] = [];
  const wanted = new Map(want.map((f) => [f.pref, f]));
  const prefs = new Set(have.map((f) => f.pref));
  // A pref holds exactly one filter of ovl's; anything else there is replaced whole.
  for (const pref of prefs) {
    const mine = have.filter((f) => f.pref === pref);
    const w = wanted.get(pref);
    if (!w) steps.push({ op: "tc-filter-del", target, pref });
    else if (mine.length !== 1 || !same(mine[0]!, w)) steps.push({ op: "tc-filter", target, ...w });
  }
  for (const w of want) if (!prefs.has(w.pref)) steps.push({ op: "tc-filter", target, ...w });
  return steps;
}

/**
 * The steps that make the fast path match, pure. `vxlanFresh`: ovl-vx is (re)made by this
 * plan, so its qdisc and filters are gone and the block's redirect points at a dead device.
 */
export function fastPathSteps(d: DesiredNode, a: ActualFastPath, veths: readonly { readonly name: string }[], fresh: { bridge: boolean; vxlan: boolean }): Step[] {
  const present = new Set(veths.map((v) => v.name).filter((n) => d.localContainers.some((c) => c.veth === n)));
  const want = desiredFilters(d, present);
  const steps: Step[] = [];
  // The bridge first: it holds the block, which must exist before its filters are set.
  if (!d.fastPath) return [...filterSteps("block", [], a.block), ...filterSteps("vx", [], a.vx)];
  if (fresh.bridge || a.clsact[d.bridge.name] !== TC_BLOCK) steps.push({ op: "tc-qdisc", dev: d.bridge.name, block: TC_BLOCK });
  if (fresh.vxlan || a.clsact[d.vxlan.name] !== null) steps.push({ op: "tc-qdisc", dev: d.vxlan.name, block: null });
  for (const v of present) if (a.clsact[v] !== TC_BLOCK) steps.push({ op: "tc-qdisc", dev: v, block: TC_BLOCK });
  // A new ovl-vx: the block's redirect points at the deleted one, and its own filters went with it.
  steps.push(...filterSteps("block", want.block, fresh.vxlan ? a.block.map((f) => (f.to === d.vxlan.name ? { ...f, to: "*" } : f)) : a.block));
  steps.push(...filterSteps("vx", want.vx, fresh.vxlan ? [] : a.vx));
  return steps;
}

const targetArgs = (t: FastPathTarget): string[] => (t === "block" ? ["block", String(TC_BLOCK)] : ["dev", VXLAN, "ingress"]);

/** `tc filter add` arguments of one of ovl's filters. */
export function filterAddArgs(target: FastPathTarget, f: TcFilter): string[] {
  const then = f.to === null ? ["flowid", ":1"] : ["action", "mirred", "egress", "redirect", "dev", f.to];
  return ["filter", "add", ...targetArgs(target), "pref", String(f.pref), "protocol", "ip", "u32", "match", "ip", "dst", f.dst, ...then];
}

export const filterDelArgs = (target: FastPathTarget, pref: number): string[] => ["filter", "del", ...targetArgs(target), "pref", String(pref)];

export const qdiscArgs = (dev: string, block: number | null): string[] => ["qdisc", "replace", "dev", dev, ...(block === null ? [] : ["ingress_block", String(block)]), "clsact"];

/** "Nothing there to delete", in tc's words (no clsact yet, no such pref, no such block). */
export const isTcGone = (err: unknown): boolean =>
  isAlreadyGone(err) || /Parent Qdisc doesn't exists|Cannot find specified filter chain|Cannot find block|Filter with specified priority\/protocol not found/i.test((err as { stderr?: string })?.stderr ?? "");

// --- reading -----------------------------------------------------------------------------

interface TcFilterJson {
  pref?: number;
  options?: { fh?: string; match?: { value?: string; mask?: string; off?: number }; flowid?: string; actions?: { kind?: string; to_dev?: string }[] };
}

/** A u32 key on the IPv4 destination (offset 16) as a cidr; null for anything else. */
function dstOf(m: { value?: string; mask?: string; off?: number } | undefined): string | null {
  if (!m || m.off !== 16 || !m.value || !m.mask) return null;
  const mask = parseInt(m.mask, 16) >>> 0;
  const prefix = Math.clz32(~mask >>> 0);
  if (mask !== (prefix ? (0xffffffff << (32 - prefix)) >>> 0 : 0)) return null; // not a prefix
  return `${intToIp((parseInt(m.value, 16) & mask) >>> 0)}/${prefix}`;
}

/** The filters of a `tc -j filter show` listing (the per-pref header lines carry no match and are skipped). */
export function parseFilters(json: string): TcFilter[] {
  return filtersOf(parseJsonRows(json, "list tc filters") as TcFilterJson[]);
}

function filtersOf(rows: readonly TcFilterJson[]): TcFilter[] {
  return rows.flatMap((r): TcFilter[] => {
    if (typeof r.pref !== "number" || !r.options?.match) return [];
    const mirred = (r.options.actions ?? []).find((x) => x.kind === "mirred");
    return [{ pref: r.pref, dst: dstOf(r.options.match) ?? "?", to: mirred ? (mirred.to_dev ?? "*") : null }];
  });
}

/** Devices with a clsact qdisc (ovl's names only), from `tc -j qdisc show`. */
export function parseClsact(json: string): Record<string, number | null> {
  return clsactOf(parseJsonRows(json, "list tc qdiscs") as QdiscJson[]);
}

type QdiscJson = { kind?: string; dev?: string; ingress_block?: number };

function clsactOf(rows: readonly QdiscJson[]): Record<string, number | null> {
  const out: Record<string, number | null> = {};
  for (const r of rows) {
    if (r.kind === "clsact" && r.dev && (r.dev === VXLAN || r.dev === BRIDGE || VETH_NAME.test(r.dev))) out[r.dev] = r.ingress_block ?? null;
  }
  return out;
}

const BLOCK_LINE = `filter show block ${TC_BLOCK}`;

/**
 * The qdiscs, the shared block's filters and ovl-vx's in one `tc -j -batch` process
 * (`vxPresent`: ovl-vx exists, so its listing can be asked for). The block's listing comes
 * first: a block no device holds yet is an error that stops the batch there, and the rest
 * is then read again without it (a second process only on a node the fast path has not
 * been set up on yet).
 */
export async function readFastPath(run: Runner, dir: string, vxPresent: boolean): Promise<ActualFastPath> {
  const rest = ["qdisc show", ...(vxPresent ? [`filter show dev ${VXLAN} ingress`] : [])];
  const read = (lines: string[]) => readBatch(run, dir, "read-tc.batch", "tc", ["-j"], lines, "list tc qdiscs and ovl's filters");
  let rows: JsonRow[][];
  try {
    rows = await read([BLOCK_LINE, ...rest]);
  } catch (err) {
    if (!isTcGone(err)) throw err;
    rows = [[], ...(await read(rest))];
  }
  const [block, qdiscs, vx] = rows as [JsonRow[], JsonRow[], JsonRow[] | undefined];
  return { clsact: clsactOf(qdiscs as QdiscJson[]), block: filtersOf(block as TcFilterJson[]), vx: filtersOf((vx ?? []) as TcFilterJson[]) };
}

// --- a container's own part, on its way in and out ---------------------------------------

/**
 * A container just wired: its veth joins the block (which the reconcile made and filled,
 * held by ovl-br), and ovl-vx's filter for its address (any older one, toward a veth that
 * died with an earlier namespace, goes first). One
 * `tc -batch` process; best effort: the bridge carries the container's packets meanwhile,
 * and the next reconcile sees the new veth and verifies all of it.
 */
export async function attachFastPath(run: Runner, c: { ip: string; veth: string }, scratchDir: string): Promise<void> {
  const pref = vxPrefFor(c.ip);
  const file = join(scratchDir, `fastpath-${c.veth}.batch`);
  const lines = [
    filterDelArgs("vx", pref),
    qdiscArgs(c.veth, TC_BLOCK),
    filterAddArgs("vx", { pref, dst: `${c.ip}/32`, to: c.veth }),
  ];
  writeFileSync(file, lines.map((l) => l.join(" ")).join("\n") + "\n");
  try {
    // -force: the delete of a filter that is not there must not stop the lines after it.
    await run("tc", ["-force", "-batch", file]).catch(() => undefined);
  } finally {
    rmSync(file, { force: true });
  }
}

/** Before a container's veth is deleted: its filter on ovl-vx (a redirect to a dead device drops). */
export async function detachFastPath(run: Runner, veth: string): Promise<void> {
  try {
    await runAs(run, `remove the ${VXLAN} filter of ${veth}`, "tc", filterDelArgs("vx", vxPrefFor(ipOfVeth(veth))));
  } catch (err) {
    if (!isTcGone(err)) throw err;
  }
}
