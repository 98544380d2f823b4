/**
 * plan(desired, actual): the steps that make the kernel match, pure. Nothing that is already
 * right gets a step, so a second reconcile plans [] and interrupts no traffic. An object of
 * ovl's that cannot be fixed in place (a VXLAN device with another VNI, port or underlay)
 * is deleted and recreated, and the step says why ("vni: 1 vs 2"), as flannel's ensureLink.
 *
 * Order (the executor runs steps in the order given):
 * 1. sysctls, 2. bridge (before anything is enslaved to it), 3. VXLAN device, 4. veths of
 * containers no longer here, 5. FDB before neighbour entries when adding (the proxy answers
 * ARP from the neighbour table; the frame that follows needs the FDB entry), neighbour before
 * FDB when removing, 6. routes to the peers reached directly (after the bridge: their
 * source is its address; only when the caller read them: `actual.routes`), 7. the nft
 * table, 8. DOCKER-USER chain, then its rules, 9. the fast path's qdiscs and filters (only
 * when the caller read them: `actual.fastPath`).
 */
import { fastPathSteps } from "./fastpath.js";
import { renderNftTable, nftLoadScript, sameNftTable } from "./nft.js";
import { dockerUserRules, ownedRules, specLine } from "./iptables.js";
import { DOCKER_USER, SYSCTLS, proxyArpKey } from "./names.js";
import type { ActualBridge, ActualState, ActualVxlan, DesiredNode, DirectRoute, Step } from "./types.js";

function sysctlSteps(a: ActualState): Step[] {
  return a.sysctls[SYSCTLS.ipForward] === "1" ? [] : [{ op: "sysctl", key: SYSCTLS.ipForward, value: "1" }];
}

function diffs(pairs: [string, unknown, unknown][]): string[] {
  return pairs.filter(([, have, want]) => have !== want).map(([k, have, want]) => `${k}: ${String(have)} vs ${String(want)}`);
}

/** Returns the steps and whether the bridge is new (so its ports must be enslaved again). */
function bridgeSteps(d: DesiredNode["bridge"], a: ActualBridge | null): { steps: Step[]; fresh: boolean } {
  const steps: Step[] = [];
  let addrs = a?.addrs ?? [];
  const fresh = !a || a.kind !== "bridge";
  if (a && fresh) steps.push({ op: "link-del", name: d.name, why: `kind: ${a.kind} vs bridge` });
  if (fresh) {
    steps.push({ op: "bridge-add", name: d.name, mac: d.mac, mtu: d.mtu });
    addrs = [];
  } else {
    const why = diffs([["mac", a.mac, d.mac], ["mtu", a.mtu, d.mtu], ["nf_call", a.nfCalls.join(","), "0,0,0"]]);
    if (why.length) steps.push({ op: "bridge-set", name: d.name, mac: d.mac, mtu: d.mtu, why: why.join(", ") });
  }
  // Stale addresses go first: deleting a primary address also deletes the secondaries of
  // its subnet, and a new gateway in the same cluster cidr would be such a secondary.
  for (const cidr of addrs) if (cidr !== d.address) steps.push({ op: "addr-del", dev: d.name, cidr });
  if (!addrs.includes(d.address)) steps.push({ op: "addr-add", dev: d.name, cidr: d.address });
  if (fresh || !a.up) steps.push({ op: "link-set", name: d.name, up: true });
  return { steps, fresh };
}

/** proxy_arp on the bridge (direct paths): set on a new bridge, or when the read value is not 1. */
function proxyArpSteps(d: DesiredNode["bridge"], a: ActualState, bridgeFresh: boolean): Step[] {
  if (!d.proxyArp) return [];
  const have = a.sysctls[proxyArpKey(d.name)];
  return bridgeFresh || (have !== undefined && have !== "1") ? [{ op: "proxy-arp", dev: d.name }] : [];
}

const sameRoute = (a: DirectRoute, b: DirectRoute): boolean => a.dst === b.dst && a.via === b.via && a.dev === b.dev && a.src === b.src;

/**
 * Routes to the blocks of peers reached directly. A new bridge took the old ones with its
 * address (their source), so they are all made again.
 */
export function routeSteps(want: readonly DirectRoute[], have: readonly DirectRoute[] | undefined, bridgeFresh: boolean): Step[] {
  if (have === undefined) return [];
  const current = bridgeFresh ? [] : have;
  const wanted = new Set(want.map((r) => r.dst));
  const steps: Step[] = current.filter((r) => !wanted.has(r.dst)).map((r): Step => ({ op: "route-del", dst: r.dst }));
  for (const r of want) if (!current.some((c) => sameRoute(c, r))) steps.push({ op: "route-replace", ...r });
  return steps;
}

function vxlanSteps(d: DesiredNode["vxlan"], a: ActualVxlan | null, bridge: string, bridgeFresh: boolean): { steps: Step[]; fresh: boolean } {
  const why = a
    ? diffs([["kind", a.kind, "vxlan"], ["vni", a.vni, d.vni], ["dstport", a.port, d.port], ["local", a.local, d.local], ["dev", a.dev, d.dev], ["learning", a.learning, false], ["proxy", a.proxy, true]])
    : [];
  const fresh = !a || why.length > 0;
  const steps: Step[] = [];
  if (a && fresh) steps.push({ op: "link-del", name: d.name, why: why.join(", ") });
  if (fresh) steps.push({ op: "vxlan-add", name: d.name, vni: d.vni, port: d.port, local: d.local, dev: d.dev, mtu: d.mtu });
  const mtu = fresh || a.mtu === d.mtu ? undefined : d.mtu;
  const master = fresh || bridgeFresh || a.master !== bridge ? bridge : undefined;
  const up = fresh || !a.up ? true : undefined;
  if (mtu !== undefined || master !== undefined || up) {
    steps.push({ op: "link-set", name: d.name, ...(mtu !== undefined ? { mtu } : {}), ...(master ? { master } : {}), ...(up ? { up } : {}) });
  }
  return { steps, fresh };
}

/** `freshBridges`: the bridges this plan makes again (their ports must be enslaved again). */
function vethSteps(d: DesiredNode, a: ActualState, freshBridges: ReadonlySet<string>): Step[] {
  const bridgeOf = new Map<string, string>(d.localContainers.map((c) => [c.veth, d.bridge.name]));
  for (const n of d.networks ?? []) for (const c of n.localContainers) bridgeOf.set(c.veth, n.bridge.name);
  return a.veths.flatMap((v): Step[] => {
    const bridge = bridgeOf.get(v.name);
    if (!bridge) return [{ op: "link-del", name: v.name, why: "no such container on this node" }];
    // A veth of a container that is here: only re-enslave it (the bridge was recreated).
    const master = freshBridges.has(bridge) || v.master !== bridge;
    return master || !v.up ? [{ op: "link-set", name: v.name, ...(master ? { master: bridge } : {}), up: true }] : [];
  });
}

type Entries = Pick<ActualState, "neigh" | "fdb">;

function peerSteps(dev: string, remotes: DesiredNode["remotes"], a: Entries, vxlanFresh: boolean): Step[] {
  const neigh = vxlanFresh ? [] : a.neigh;
  const fdb = vxlanFresh ? [] : a.fdb;
  const wantIps = new Set(remotes.map((r) => r.ip));
  const wantMacs = new Set(remotes.map((r) => r.mac));
  const steps: Step[] = [];
  for (const n of neigh) if (!wantIps.has(n.ip)) steps.push({ op: "neigh-del", dev, ip: n.ip });
  for (const f of fdb) if (!wantMacs.has(f.mac)) steps.push({ op: "fdb-del", dev, mac: f.mac, dst: f.dst });
  const adds: Step[] = [];
  for (const r of remotes) {
    const entries = fdb.filter((f) => f.mac === r.mac);
    if (!(entries.length === 1 && entries[0]!.dst === r.underlayIp)) {
      // More than one destination for a MAC (an appended entry): remove them all, then set one.
      if (entries.length > 1) for (const f of entries) steps.push({ op: "fdb-del", dev, mac: f.mac, dst: f.dst });
      adds.push({ op: "fdb-replace", dev, mac: r.mac, dst: r.underlayIp });
    }
  }
  for (const r of remotes) {
    if (!neigh.some((n) => n.ip === r.ip && n.mac === r.mac)) adds.push({ op: "neigh-replace", dev, ip: r.ip, mac: r.mac });
  }
  // All FDB entries, then all neighbour entries: each run of one kind is applied as one batch.
  return [...steps, ...adds];
}

function firewallSteps(d: DesiredNode, a: ActualState): Step[] {
  const steps: Step[] = [];
  const table = renderNftTable(d);
  if (!sameNftTable(a.nft, table)) steps.push({ op: "nft-load", script: nftLoadScript(table) });
  if (a.dockerUser === null || !a.forwardJump) steps.push({ op: "iptables-chain", chain: DOCKER_USER });
  const lanIface = d.node.underlayIface;
  const direct = d.cluster.mode === "vxlan" ? undefined : { cidr: d.cluster.cidr, lanIface };
  const rules = [
    ...dockerUserRules(d.bridge.name, direct),
    ...(d.networks ?? []).flatMap((n) => dockerUserRules(n.bridge.name, direct && { cidr: n.cidr, lanIface })),
  ];
  const have = a.dockerUser ?? [];
  const lines = new Set(rules.map((r) => specLine(DOCKER_USER, r)));
  // The rules of a network that is gone (only while networks are in the state: an older agent's rules are left as they were).
  if (d.networkRanges || have.some((l) => NET_RULE.test(l))) {
    for (const rule of ownedRules(have)) if (!lines.has(specLine(DOCKER_USER, rule))) steps.push({ op: "iptables-delete", chain: DOCKER_USER, rule });
  }
  for (const rule of rules) {
    if (!have.includes(specLine(DOCKER_USER, rule))) steps.push({ op: "iptables-insert", chain: DOCKER_USER, rule });
  }
  return steps;
}

/** A DOCKER-USER line of a network's bridge. */
const NET_RULE = / -[io] ovlb-\d+ /;

/** The networks' bridges and VXLAN devices: those of networks gone first, then each network's as `ovl`'s. */
function networkSteps(d: DesiredNode, a: ActualState): { steps: Step[]; freshBridges: Set<string>; peers: Step[] } {
  const nets = d.networks ?? [];
  const wanted = new Set(nets.flatMap((n) => [n.bridge.name, n.vxlan.name]));
  const steps: Step[] = [];
  for (const name of [...Object.keys(a.netVxlans ?? {}), ...Object.keys(a.netBridges ?? {})]) {
    if (!wanted.has(name)) steps.push({ op: "link-del", name, why: "no such network on this node" });
  }
  const freshBridges = new Set<string>();
  const peers: Step[] = [];
  for (const n of nets) {
    const bridge = bridgeSteps(n.bridge, a.netBridges?.[n.bridge.name] ?? null);
    if (bridge.fresh) freshBridges.add(n.bridge.name);
    const vxlan = vxlanSteps(n.vxlan, a.netVxlans?.[n.vxlan.name] ?? null, n.bridge.name, bridge.fresh);
    steps.push(...bridge.steps, ...proxyArpSteps(n.bridge, a, bridge.fresh), ...vxlan.steps);
    peers.push(...peerSteps(n.vxlan.name, n.remotes, a.netEntries?.[n.vxlan.name] ?? { neigh: [], fdb: [] }, vxlan.fresh));
  }
  return { steps, freshBridges, peers };
}

export function plan(d: DesiredNode, a: ActualState): Step[] {
  const bridge = bridgeSteps(d.bridge, a.bridge);
  const vxlan = vxlanSteps(d.vxlan, a.vxlan, d.bridge.name, bridge.fresh);
  const nets = networkSteps(d, a);
  if (bridge.fresh) nets.freshBridges.add(d.bridge.name);
  return [
    ...sysctlSteps(a),
    ...bridge.steps,
    ...proxyArpSteps(d.bridge, a, bridge.fresh),
    ...vxlan.steps,
    ...nets.steps,
    ...vethSteps(d, a, nets.freshBridges),
    ...peerSteps(d.vxlan.name, d.remotes, a, vxlan.fresh),
    ...nets.peers,
    ...routeSteps(d.routes, a.routes, nets.freshBridges.size > 0),
    ...firewallSteps(d, a),
    ...(a.fastPath ? fastPathSteps(d, a.fastPath, a.veths, { bridge: bridge.fresh, vxlan: vxlan.fresh }) : []),
  ];
}
