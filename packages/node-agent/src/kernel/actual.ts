/**
 * readActual(run, dir): the kernel state plan() compares with, read with JSON output where the
 * tool has one (ip -j, bridge -j). Two exceptions, on purpose:
 * - the nft table is read as text, because nft.ts renders the exact listing and the
 *   comparison is then one string equality;
 * - DOCKER-USER is read from the whole `iptables -S` listing: iptables-nft 1.8.9 answers
 *   `-S DOCKER-USER` for a missing chain with a misleading "incompatible" error.
 * Only objects named by ovl are reported; everything else on the node is invisible here.
 */
import { KernelError, KernelErrorCodes, isAlreadyGone, runAs, type Runner } from "./exec.js";
import { parseJsonRows, readBatch, type JsonRow } from "./batch-read.js";
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

type RouteJson = { dst?: string; gateway?: string; dev?: string; prefsrc?: string };

const routesOf = (rows: readonly RouteJson[]): DirectRoute[] => rows.map((r) => ({ dst: r.dst ?? "", via: r.gateway ?? "", dev: r.dev ?? "", src: r.prefsrc ?? "" }));

/** ovl's routes, from `ip -j -4 route show table main proto ROUTE_PROTO`. */
export function parseRoutes(json: string): DirectRoute[] {
  return routesOf(parseJsonRows(json, "list ovl's routes") as RouteJson[]);
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

type Neigh = { dst?: string; lladdr?: string; dev?: string };
type Fdb = { mac?: string; dst?: string; flags?: string[]; ifname?: string };
type Netconf = { family?: string; interface?: string; forwarding?: unknown; proxy_neigh?: unknown };
/** One device's permanent IPv4 neighbours and its own (`self`) FDB entries with a destination, from the node-wide listings. */
const neighOf = (neigh: readonly Neigh[], dev: string): ActualState["neigh"] =>
  neigh.filter((n) => n.dev === dev && n.lladdr && typeof n.dst === "string" && !n.dst.includes(":")).map((n) => ({ ip: n.dst!, mac: n.lladdr! }));
const fdbOf = (fdb: readonly Fdb[], dev: string): ActualState["fdb"] =>
  fdb.filter((f) => f.ifname === dev && f.mac && f.dst && (f.flags ?? []).includes("self")).map((f) => ({ mac: f.mac!, dst: f.dst! }));

/** A netconf flag as sysctl prints it ("1"/"0"); iproute2 prints booleans, older ones numbers. */
const flag = (v: unknown): string => (v === true || v === 1 ? "1" : v === false || v === 0 ? "0" : "");

/**
 * The sysctls ovl plans from, out of `ip -j netconf show`: net.ipv4.ip_forward is the
 * "all" entry's forwarding, a device's proxy_arp its proxy_neigh ("" when the device is
 * not there, as a sysctl read of a missing device is).
 */
export function sysctlsOf(netconf: readonly Netconf[], proxyArpDevs: readonly string[]): Record<string, string> {
  const inet = netconf.filter((n) => n.family === "inet");
  const of = (dev: string) => inet.find((n) => n.interface === dev);
  const out: Record<string, string> = { [SYSCTLS.ipForward]: flag(of("all")?.forwarding) };
  for (const dev of proxyArpDevs) {
    const v = flag(of(dev)?.proxy_neigh);
    if (v) out[proxyArpKey(dev)] = v;
  }
  return out;
}

/**
 * Reads every part of the node that ovl owns (without `firewall`: all but the nft table,
 * the iptables listing and the sysctls, which then come back empty). ovl's routes are read
 * with the firewall or with `routes`; the bridges' proxy_arp with the firewall when `proxyArp`.
 */
export interface ReadOptions {
  readonly firewall?: boolean;
  readonly routes?: boolean;
  readonly proxyArp?: boolean;
  /** The networks' devices whose entries (and, with the firewall and proxyArp, bridge's proxy_arp) are read. */
  readonly networks?: readonly { readonly bridge: string; readonly vxlan: string }[];
}

/** Links as ovl reads them; a link without a name is not an answer ovl understands. */
export function linksOf(rows: readonly JsonRow[]): IpLink[] {
  if (!rows.every((r) => typeof r.ifname === "string")) throw new KernelError(KernelErrorCodes.InvalidInput, `${IP_READ}: a link without ifname`);
  return rows as unknown as IpLink[];
}

const IP_READ = "read links, neighbours, routes and netconf";

/**
 * The reads, each one process for the whole node, at once: `ip` (links with details,
 * permanent neighbours, ovl's routes, netconf: one batch), `bridge fdb show`, and with the
 * firewall `iptables -S` and `nft list table`. A reconcile runs on every event on every
 * node; each process more held the agent's event loop while it was forked, and one per
 * kind and per device made a reconcile of a node with networks 8-14 of them. `dir` holds
 * the batch file.
 */
export async function readActual(run: Runner, dir: string, opts: ReadOptions = {}): Promise<ActualState> {
  // firewall: false leaves out the slowest reads (iptables-nft reads the whole ruleset);
  // the caller supplies those parts from an earlier read (kernel/index.ts).
  const firewall = opts.firewall !== false;
  const nets = opts.networks ?? [];
  const withRoutes = firewall || opts.routes === true;
  const ipLines = ["addr show", "neigh show nud permanent", ...(withRoutes ? [`route show table main proto ${ROUTE_PROTO}`] : []), ...(firewall ? ["netconf show"] : [])];
  const [ipRows, fdbRaw, listing, nft] = await Promise.all([
    readBatch(run, dir, "read-ip.batch", "ip", ["-j", "-d"], ipLines, IP_READ),
    runAs(run, "read the FDB", "bridge", ["-j", "fdb", "show"]).then((r) => parseJsonRows(r.stdout, "read the FDB") as Fdb[]),
    firewall ? runAs(run, "list iptables filter table", "iptables", ["-S"]).then((r) => r.stdout) : "",
    firewall ? readNft(run) : null,
  ]);
  const [linkRows, neighRows, ...rest] = ipRows as [JsonRow[], JsonRow[], ...JsonRow[][]];
  const links = linksOf(linkRows);
  const neighRaw = neighRows as Neigh[];
  const routes = withRoutes ? routesOf(rest.shift()! as RouteJson[]) : undefined;
  const proxyArpDevs = firewall && opts.proxyArp ? [BRIDGE, ...nets.map((n) => n.bridge)] : [];
  const sysctls = firewall ? sysctlsOf(rest.shift()! as Netconf[], proxyArpDevs) : { [SYSCTLS.ipForward]: "" };
  const present = new Set(links.map((l) => l.ifname));
  const br = links.find((l) => l.ifname === BRIDGE);
  const vx = links.find((l) => l.ifname === VXLAN);
  const filter = ruleLines(listing);
  return {
    bridge: br ? bridgeOf(br) : null,
    vxlan: vx ? vxlanOf(vx) : null,
    veths: links
      .filter((l) => VETH_NAME.test(l.ifname))
      .map((l) => ({ name: l.ifname, master: l.master ?? null, up: isUp(l), ...(l.ifindex !== undefined ? { ifindex: l.ifindex } : {}) }))
      .sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0)),
    neigh: vx ? neighOf(neighRaw, VXLAN) : [],
    fdb: vx ? fdbOf(fdbRaw, VXLAN) : [],
    nft,
    dockerUser: listing.split("\n").includes(`-N ${DOCKER_USER}`) ? filter.filter((l) => l.startsWith(`-A ${DOCKER_USER} `)) : null,
    forwardJump: hasForwardJump(filter),
    sysctls,
    ...(routes ? { routes } : {}),
    ...netDevices(links),
    ...(nets.length
      ? { netEntries: Object.fromEntries(nets.map((n) => [n.vxlan, present.has(n.vxlan) ? { neigh: neighOf(neighRaw, n.vxlan), fdb: fdbOf(fdbRaw, n.vxlan) } : { neigh: [], fdb: [] }])) }
      : {}),
  };
}
