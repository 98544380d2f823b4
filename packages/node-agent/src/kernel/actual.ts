/**
 * readActual(run): the kernel state plan() compares with, read with JSON output where the
 * tool has one (ip -j, bridge -j). Two exceptions, on purpose:
 * - the nft table is read as text, because nft.ts renders the exact listing and the
 *   comparison is then one string equality;
 * - DOCKER-USER is read from the whole `iptables -S` listing: iptables-nft 1.8.9 answers
 *   `-S DOCKER-USER` for a missing chain with a misleading "incompatible" error.
 * Only objects named by ovl are reported; everything else on the node is invisible here.
 */
import { isAlreadyGone, runAs, type Runner } from "./exec.js";
import { hasForwardJump, ruleLines } from "./iptables.js";
import { BRIDGE, DOCKER_USER, NET_BRIDGE, NET_VXLAN, NFT_TABLE, ROUTE_PROTO, SYSCTLS, VETH_NAME, VXLAN, proxyArpKey } from "./names.js";
import type { ActualBridge, ActualState, ActualVxlan, DirectRoute } from "./types.js";

/** The fields of `ip -j -d addr show` that ovl reads. */
export interface IpLink {
  ifname: string;
  ifindex?: number;
  flags?: string[];
  mtu?: number;
  address?: string;
  master?: string;
  link_index?: number;
  linkinfo?: { info_kind?: string; info_data?: Record<string, unknown> };
  addr_info?: { family?: string; local?: string; prefixlen?: number }[];
}

export const inet4 = (l: IpLink): string[] => (l.addr_info ?? []).filter((a) => a.family === "inet").map((a) => `${a.local}/${a.prefixlen}`);
export const isUp = (l: IpLink): boolean => (l.flags ?? []).includes("UP");

export function bridgeOf(l: IpLink): ActualBridge {
  const d = l.linkinfo?.info_data ?? {};
  const num = (k: string): number => Number(d[k] ?? -1);
  return {
    kind: l.linkinfo?.info_kind ?? "",
    mac: l.address ?? "",
    mtu: l.mtu ?? 0,
    up: isUp(l),
    nfCalls: [num("nf_call_iptables"), num("nf_call_ip6tables"), num("nf_call_arptables")],
    addrs: inet4(l),
  };
}

export function vxlanOf(l: IpLink): ActualVxlan {
  const d = l.linkinfo?.info_data ?? {};
  return {
    kind: l.linkinfo?.info_kind ?? "",
    vni: typeof d.id === "number" ? d.id : null,
    port: typeof d.port === "number" ? d.port : null,
    local: typeof d.local === "string" ? d.local : null,
    dev: typeof d.link === "string" ? d.link : null,
    learning: d.learning === true,
    proxy: d.proxy === true,
    mtu: l.mtu ?? 0,
    up: isUp(l),
    master: l.master ?? null,
  };
}

async function readJson<T>(run: Runner, what: string, cmd: string, argv: string[]): Promise<T[]> {
  const { stdout } = await runAs(run, what, cmd, argv);
  return stdout.trim() ? (JSON.parse(stdout) as T[]) : [];
}

async function readNft(run: Runner): Promise<string | null> {
  try {
    return (await runAs(run, `read nftables table ip ${NFT_TABLE}`, "nft", ["list", "table", "ip", NFT_TABLE])).stdout;
  } catch (err) {
    if (isAlreadyGone(err)) return null;
    throw err;
  }
}

export async function readSysctl(run: Runner, key: string): Promise<string> {
  return (await runAs(run, `read sysctl ${key}`, "sysctl", ["-n", key])).stdout.trim();
}

/** A read of ovl-vx's entries; a device that does not exist (yet) has none. */
async function readOfVxlan<T>(run: Runner, what: string, cmd: string, argv: string[]): Promise<T[]> {
  try {
    return await readJson<T>(run, what, cmd, argv);
  } catch (err) {
    if (isAlreadyGone(err)) return [];
    throw err;
  }
}

/** A device's sysctl, or "" when the device does not exist (yet). */
async function readDeviceSysctl(run: Runner, key: string): Promise<string> {
  try {
    return await readSysctl(run, key);
  } catch (err) {
    if (isAlreadyGone(err) || /cannot stat/i.test((err as { stderr?: string }).stderr ?? "")) return "";
    throw err;
  }
}

type RouteJson = { dst?: string; gateway?: string; dev?: string; prefsrc?: string };

/** ovl's routes, from `ip -j -4 route show table main proto ROUTE_PROTO`. */
export function parseRoutes(json: string): DirectRoute[] {
  const rows = json.trim() ? (JSON.parse(json) as RouteJson[]) : [];
  return rows.map((r) => ({ dst: r.dst ?? "", via: r.gateway ?? "", dev: r.dev ?? "", src: r.prefsrc ?? "" }));
}

export async function readRoutes(run: Runner): Promise<DirectRoute[]> {
  return parseRoutes((await runAs(run, "list ovl's routes", "ip", ["-j", "-4", "route", "show", "table", "main", "proto", String(ROUTE_PROTO)])).stdout);
}

/** The networks' bridges and VXLAN devices among the links (none: no fields, as before networks). */
function netDevices(links: readonly IpLink[]): Pick<ActualState, "netBridges" | "netVxlans"> {
  const bridges = links.filter((l) => NET_BRIDGE.test(l.ifname));
  const vxlans = links.filter((l) => NET_VXLAN.test(l.ifname));
  return {
    ...(bridges.length ? { netBridges: Object.fromEntries(bridges.map((l) => [l.ifname, bridgeOf(l)])) } : {}),
    ...(vxlans.length ? { netVxlans: Object.fromEntries(vxlans.map((l) => [l.ifname, vxlanOf(l)])) } : {}),
  };
}

type Neigh = { dst: string; lladdr?: string };
type Fdb = { mac: string; dst?: string; flags?: string[] };
const neighOf = (neigh: Neigh[]): ActualState["neigh"] => neigh.filter((n) => n.lladdr).map((n) => ({ ip: n.dst, mac: n.lladdr! }));
const fdbOf = (fdb: Fdb[]): ActualState["fdb"] => fdb.filter((f) => f.dst && (f.flags ?? []).includes("self")).map((f) => ({ mac: f.mac, dst: f.dst! }));

/**
 * Reads every part of the node that ovl owns (without `firewall`: all but the nft table,
 * the iptables listing and the sysctls, which then come back empty). ovl's routes are read
 * with the firewall or with `routes`; the bridge's proxy_arp with the firewall when `proxyArp`. The six reads are independent processes and
 * run at once: a reconcile runs on every event, on every node, and its reads were most of
 * its time (~6 x 5-10 ms one after the other on an idle 2-core machine).
 */
export interface ReadOptions {
  readonly firewall?: boolean;
  readonly routes?: boolean;
  readonly proxyArp?: boolean;
  /** The networks' devices whose entries (and, with the firewall and proxyArp, bridge's proxy_arp) are read. */
  readonly networks?: readonly { readonly bridge: string; readonly vxlan: string }[];
}

/** The entries of each network's VXLAN device, and its bridge's proxy_arp when asked: two or three reads per network, at once. */
async function readNetworks(run: Runner, nets: NonNullable<ReadOptions["networks"]>, proxyArp: boolean) {
  return Promise.all(
    nets.map(async (n) => {
      const [neigh, fdb, arp] = await Promise.all([
        readOfVxlan<Neigh>(run, `read neighbours of ${n.vxlan}`, "ip", ["-j", "-4", "neigh", "show", "dev", n.vxlan, "nud", "permanent"]),
        readOfVxlan<Fdb>(run, `read FDB of ${n.vxlan}`, "bridge", ["-j", "fdb", "show", "dev", n.vxlan]),
        proxyArp ? readDeviceSysctl(run, proxyArpKey(n.bridge)) : "",
      ]);
      return { ...n, neigh: neighOf(neigh), fdb: fdbOf(fdb), arp };
    }),
  );
}

export async function readActual(run: Runner, opts: ReadOptions = {}): Promise<ActualState> {
  // firewall: false leaves out the three slowest reads (iptables-nft reads the whole ruleset);
  // the caller supplies those parts from an earlier read (kernel/index.ts).
  const firewall = opts.firewall !== false;
  const netsRead = readNetworks(run, opts.networks ?? [], firewall && opts.proxyArp === true);
  const [links, neighRaw, fdbRaw, listing, nft, ipForward, proxyArp, routes] = await Promise.all([
    readJson<IpLink>(run, "list links", "ip", ["-j", "-d", "addr", "show"]),
    readOfVxlan<Neigh>(run, `read neighbours of ${VXLAN}`, "ip", ["-j", "-4", "neigh", "show", "dev", VXLAN, "nud", "permanent"]),
    readOfVxlan<Fdb>(run, `read FDB of ${VXLAN}`, "bridge", ["-j", "fdb", "show", "dev", VXLAN]),
    firewall ? runAs(run, "list iptables filter table", "iptables", ["-S"]).then((r) => r.stdout) : "",
    firewall ? readNft(run) : null,
    firewall ? readSysctl(run, SYSCTLS.ipForward) : "",
    firewall && opts.proxyArp ? readDeviceSysctl(run, proxyArpKey(BRIDGE)) : "",
    firewall || opts.routes ? readRoutes(run) : undefined,
  ]);
  const nets = await netsRead;
  const present = new Set(links.map((l) => l.ifname));
  const netArp = Object.fromEntries(nets.filter((n) => n.arp).map((n) => [proxyArpKey(n.bridge), n.arp]));
  const br = links.find((l) => l.ifname === BRIDGE);
  const vx = links.find((l) => l.ifname === VXLAN);
  const neigh = vx ? neighOf(neighRaw) : [];
  const fdb = vx ? fdbOf(fdbRaw) : [];
  const filter = ruleLines(listing);
  return {
    bridge: br ? bridgeOf(br) : null,
    vxlan: vx ? vxlanOf(vx) : null,
    veths: links
      .filter((l) => VETH_NAME.test(l.ifname))
      .map((l) => ({ name: l.ifname, master: l.master ?? null, up: isUp(l), ...(l.ifindex !== undefined ? { ifindex: l.ifindex } : {}) }))
      .sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0)),
    neigh,
    fdb,
    nft,
    dockerUser: listing.split("\n").includes(`-N ${DOCKER_USER}`) ? filter.filter((l) => l.startsWith(`-A ${DOCKER_USER} `)) : null,
    forwardJump: hasForwardJump(filter),
    sysctls: { [SYSCTLS.ipForward]: ipForward, ...(proxyArp ? { [proxyArpKey(BRIDGE)]: proxyArp } : {}), ...netArp },
    ...(routes ? { routes } : {}),
    ...netDevices(links),
    ...(nets.length ? { netEntries: Object.fromEntries(nets.map((n) => [n.vxlan, present.has(n.vxlan) ? { neigh: n.neigh, fdb: n.fdb } : { neigh: [], fdb: [] }])) } : {}),
  };
}
