/**
 * The lab LAN: bridge `ovllan0` (198.18.0.1/24) in the root namespace and one namespace per
 * node, joined to it by a veth (root end `ovllan-n<i>`, node end `eth0`). The root namespace
 * gets nothing else: no forwarding, no NAT, so no lab packet leaves the machine; with routed
 * nodes, one route to their subnet via the router namespace, which forwards inside itself.
 * Creation is idempotent (an existing, matching object is kept); removal tolerates "gone".
 */
import { run, tryRun } from "@ovl/host";
import { LAN_BRIDGE, LAN_GATEWAY, LAN_MTU, LINK_PREFIX, NS_PREFIX, ROUTER, type NodePlan } from "./plan.js";

const ip = (...args: string[]): string[] => ["ip", ...args];

export async function linkExists(name: string, ns?: string): Promise<boolean> {
  const argv = ns ? ip("-n", ns, "link", "show", "dev", name) : ip("link", "show", "dev", name);
  return (await tryRun(argv)).ok;
}

export async function listNamespaces(): Promise<string[]> {
  const { stdout } = await run(ip("netns", "list"), { action: "list network namespaces" });
  return stdout.split("\n").map((l) => l.split(" ")[0] ?? "").filter(Boolean);
}

export const listLabNamespaces = async (): Promise<string[]> => (await listNamespaces()).filter((n) => n.startsWith(NS_PREFIX));

export async function listLabLinks(): Promise<string[]> {
  const { stdout } = await run(ip("-o", "link", "show"), { action: "list links" });
  return stdout
    .split("\n")
    .map((l) => /^\d+:\s+([^:@\s]+)/.exec(l)?.[1] ?? "")
    .filter((n) => n.startsWith(LINK_PREFIX));
}

export async function createLan(mtu: number = LAN_MTU): Promise<void> {
  if (!(await linkExists(LAN_BRIDGE))) {
    await run(ip("link", "add", LAN_BRIDGE, "mtu", String(mtu), "type", "bridge"), { action: `create bridge ${LAN_BRIDGE}` });
  }
  await run(ip("link", "set", LAN_BRIDGE, "mtu", String(mtu)), { action: `set the MTU of ${LAN_BRIDGE}` });
  await run(ip("addr", "replace", `${LAN_GATEWAY}/24`, "dev", LAN_BRIDGE), { action: `address bridge ${LAN_BRIDGE}` });
  await run(ip("link", "set", LAN_BRIDGE, "up"), { action: `bring up ${LAN_BRIDGE}` });
}

/** `ip` in the namespace `ns`, or in the root namespace. */
const ipIn = (ns: string | undefined, ...args: string[]): string[] => (ns ? ip("-n", ns, ...args) : ip(...args));

async function ensureNs(ns: string, action: string): Promise<void> {
  if (!(await listNamespaces()).includes(ns)) await run(ip("netns", "add", ns), { action });
}

/**
 * Steps in order: namespace, veth (created with its peer already inside), addresses, routes.
 * A routed node's veth has its other end on the router's bridge, in the router's namespace.
 * `routerUp`: the lab has routed nodes, so a node of the first subnet routes theirs via the router.
 */
export async function createNodeNs(node: NodePlan, mtu: number = LAN_MTU, routerUp = false): Promise<void> {
  const act = (what: string) => ({ action: `${what} for lab node ${node.name}` });
  const [outerNs, bridge] = node.routed ? [ROUTER.ns, ROUTER.bridge] : [undefined, LAN_BRIDGE];
  await ensureNs(node.ns, act("create namespace").action);
  if (!(await linkExists(node.hostLink, outerNs))) {
    await run(ipIn(outerNs, "link", "add", node.hostLink, "mtu", String(mtu), "type", "veth", "peer", "name", "eth0", "mtu", String(mtu), "netns", node.ns), act("create LAN veth"));
  }
  await run(ipIn(outerNs, "link", "set", node.hostLink, "mtu", String(mtu)), act("set the LAN MTU (outer end)"));
  await run(ip("-n", node.ns, "link", "set", "eth0", "mtu", String(mtu)), act("set the LAN MTU (eth0)"));
  await run(ipIn(outerNs, "link", "set", node.hostLink, "master", bridge, "up"), act(`attach veth to ${bridge}`));
  await run(ip("-n", node.ns, "link", "set", "lo", "up"), act("bring up lo"));
  await run(ip("-n", node.ns, "addr", "replace", node.lanCidr, "dev", "eth0"), act("address eth0"));
  await run(ip("-n", node.ns, "link", "set", "eth0", "up"), act("bring up eth0"));
  await run(ip("-n", node.ns, "route", "replace", "default", "via", node.lanGateway, "dev", "eth0"), act("default route"));
  if (routerUp && !node.routed) {
    await run(ip("-n", node.ns, "route", "replace", ROUTER.subnet, "via", ROUTER.lanIp, "dev", "eth0"), act("route to the routed subnet"));
  }
}

/**
 * The router namespace (plan.ts ROUTER), after the LAN bridge: its leg on the LAN, its own
 * bridge for the routed nodes, forwarding on in its namespace only, and the root
 * namespace's route to the routed subnet (so the broker answers routed nodes). The route
 * goes with the LAN bridge when `ovl down` deletes it.
 */
export async function createRouter(mtu: number = LAN_MTU): Promise<void> {
  const act = (what: string) => ({ action: `${what} for the lab router` });
  const r = ROUTER;
  await ensureNs(r.ns, act("create namespace").action);
  if (!(await linkExists(r.hostLink))) {
    await run(ip("link", "add", r.hostLink, "mtu", String(mtu), "type", "veth", "peer", "name", "eth0", "mtu", String(mtu), "netns", r.ns), act("create LAN veth"));
  }
  await run(ip("link", "set", r.hostLink, "mtu", String(mtu), "master", LAN_BRIDGE, "up"), act("attach veth to the LAN bridge"));
  await run(ip("-n", r.ns, "link", "set", "lo", "up"), act("bring up lo"));
  await run(ip("-n", r.ns, "addr", "replace", r.lanCidr, "dev", "eth0"), act("address eth0"));
  await run(ip("-n", r.ns, "link", "set", "eth0", "mtu", String(mtu), "up"), act("bring up eth0"));
  if (!(await linkExists(r.bridge, r.ns))) await run(ip("-n", r.ns, "link", "add", r.bridge, "mtu", String(mtu), "type", "bridge"), act(`create bridge ${r.bridge}`));
  await run(ip("-n", r.ns, "addr", "replace", `${r.gateway}/24`, "dev", r.bridge), act(`address ${r.bridge}`));
  await run(ip("-n", r.ns, "link", "set", r.bridge, "mtu", String(mtu), "up"), act(`bring up ${r.bridge}`));
  await run(["ip", "netns", "exec", r.ns, "sysctl", "-qw", "net.ipv4.ip_forward=1"], act("turn forwarding on"));
  await run(ip("route", "replace", r.subnet, "via", r.lanIp, "dev", LAN_BRIDGE), act("route the routed subnet from the root namespace"));
}

/** Deletes the namespace (its eth0 goes with it, and so does the root end of the veth). */
export async function removeNodeNs(ns: string, hostLink?: string): Promise<string[]> {
  const problems: string[] = [];
  if ((await listNamespaces()).includes(ns)) {
    const r = await tryRun(ip("netns", "del", ns));
    if (!r.ok) problems.push(r.stderr);
  }
  // The kernel deletes the root end of the veth with the namespace, asynchronously: a
  // failed delete of a link that is gone by now is success.
  if (hostLink && (await linkExists(hostLink))) {
    const r = await tryRun(ip("link", "del", hostLink));
    if (!r.ok && (await linkExists(hostLink))) problems.push(r.stderr);
  }
  return problems;
}

export async function removeLan(): Promise<string[]> {
  const problems: string[] = [];
  for (const link of await listLabLinks()) {
    const r = await tryRun(ip("link", "del", link));
    if (!r.ok && (await linkExists(link))) problems.push(r.stderr);
  }
  return problems;
}

/** PIDs of processes whose network namespace is this one (for warnings, never for killing). */
export async function pidsInNs(ns: string): Promise<number[]> {
  const r = await tryRun(ip("netns", "pids", ns));
  return r.ok ? r.stdout.split(/\s+/).filter(Boolean).map(Number) : [];
}
