/**
 * The node's LAN address, interface and MTU (the underlay VXLAN rides on):
 * - --iface given: that interface's first IPv4 address (or --ip, which must be on it);
 * - --ip given: the interface that holds it (refused when no local interface does);
 * - neither: the interface the kernel would use toward the NATS server
 *   (`ip -j route get <server>`), with the source address it would pick; for a server on
 *   this very machine, see underlay-route.ts (its LAN address, or the default route's).
 */
import { lookup } from "node:dns/promises";
import { isIpv4, parseIpv4, urlHosts } from "@ovl/domain";
import { CommandError, parseIfaceName, runCommand, type Runner } from "./kernel/index.js";
import { AgentError, AgentErrorCodes } from "./errors.js";
import { preferredDefault, underlaySource, type DefaultRoute, type RouteGet } from "./underlay-route.js";

export interface Underlay {
  readonly ip: string;
  readonly iface: string;
  readonly mtu: number;
  /** Prefix length of the address on its interface: the node's LAN subnet (which peers it reaches directly). */
  readonly prefix?: number;
}

interface AddrLink {
  readonly ifname: string;
  readonly mtu: number;
  readonly addr_info?: readonly { readonly family: string; readonly local: string; readonly prefixlen?: number }[];
}

const fail = (msg: string, cause?: unknown) => new AgentError(AgentErrorCodes.Underlay, msg, cause ? { cause } : undefined);
const inet = (l: AddrLink): string[] => (l.addr_info ?? []).filter((a) => a.family === "inet").map((a) => a.local);
/** The underlay on `link` at `ip`, with the address's prefix length when the listing has it. */
const underlayAt = (link: AddrLink, ip: string): Underlay => {
  const prefix = (link.addr_info ?? []).find((a) => a.family === "inet" && a.local === ip)?.prefixlen;
  return { ip, iface: link.ifname, mtu: link.mtu, ...(typeof prefix === "number" ? { prefix } : {}) };
};

/** The host of the first server in a NATS URL list ("nats://u:p@host:4222,..."). */
export function natsHost(url: string): string {
  const host = urlHosts(url)[0];
  if (host) return host;
  throw fail(`invalid NATS URL ${JSON.stringify(url)}: expected nats://host:port`);
}

async function links(run: Runner, argv: string[], what: string): Promise<AddrLink[]> {
  try {
    const out = (await run("ip", argv)).stdout.trim();
    return out ? (JSON.parse(out) as AddrLink[]) : [];
  } catch (err) {
    if (err instanceof CommandError) throw fail(`${what}: ${err.stderr.trim().split("\n")[0] ?? err.message}`, err);
    throw err;
  }
}

async function fromIface(run: Runner, iface: string, ip?: string): Promise<Underlay> {
  const [link] = await links(run, ["-j", "addr", "show", "dev", parseIfaceName(iface)], `no interface ${iface} on this node (see \`ip link\`)`);
  if (!link) throw fail(`no interface ${iface} on this node (see \`ip link\`)`);
  const addrs = inet(link);
  if (ip !== undefined && !addrs.includes(ip)) throw fail(`address ${ip} is not on interface ${iface} (it has ${addrs.join(", ") || "no IPv4 address"})`);
  const chosen = ip ?? addrs[0];
  if (!chosen) throw fail(`interface ${iface} has no IPv4 address: give it one, or pick another with --iface`);
  return underlayAt(link, chosen);
}

async function fromIp(run: Runner, ip: string): Promise<Underlay> {
  const all = await links(run, ["-j", "addr", "show"], "cannot list interfaces");
  const link = all.find((l) => inet(l).includes(ip));
  if (!link) throw fail(`address ${ip} is not on any interface of this node (see \`ip addr\`); pass one of its LAN addresses with --ip`);
  return underlayAt(link, ip);
}

async function towardServer(run: Runner, natsUrl: string): Promise<Underlay> {
  const host = natsHost(natsUrl);
  const addr = isIpv4(host) ? host : await lookup(host, { family: 4 }).then((r) => r.address, (err) => { throw fail(`cannot resolve NATS host ${host}: ${(err as Error).message}`, err); });
  let route: RouteGet | undefined;
  try {
    route = (JSON.parse((await run("ip", ["-j", "route", "get", addr])).stdout) as RouteGet[])[0];
  } catch (err) {
    throw fail(`no route to the NATS server ${addr}: pass the LAN interface with --iface`, err);
  }
  const source = underlaySource(addr, route);
  switch (source.kind) {
    case "none":
      throw fail(`no route to the NATS server ${addr}: pass the LAN interface with --iface`);
    case "iface":
      return fromIface(run, source.iface, source.ip);
    case "ip":
      return fromIp(run, source.ip);
    case "default":
      return fromDefaultRoute(run, addr);
  }
}

async function fromDefaultRoute(run: Runner, addr: string): Promise<Underlay> {
  let routes: DefaultRoute[] = [];
  try {
    routes = JSON.parse((await run("ip", ["-j", "route", "show", "default"])).stdout || "[]") as DefaultRoute[];
  } catch {
    // no default route to read: the error below says what to pass
  }
  const best = preferredDefault(routes);
  if (!best) throw fail(`the NATS server ${addr} is on this machine and there is no default route to tell the LAN interface: pass --iface or --ip`);
  return fromIface(run, best.iface, best.ip);
}

export async function detectUnderlay(natsUrl: string, opts: { ip?: string; iface?: string; run?: Runner } = {}): Promise<Underlay> {
  const run = opts.run ?? runCommand;
  let ip: string | undefined;
  if (opts.ip !== undefined) {
    try {
      ip = parseIpv4(opts.ip);
    } catch (err) {
      throw fail(`invalid --ip ${JSON.stringify(opts.ip)}: expected an IPv4 address like 192.168.1.10`, err);
    }
  }
  if (opts.iface !== undefined) return fromIface(run, opts.iface, ip);
  if (ip !== undefined) return fromIp(run, ip);
  return towardServer(run, natsUrl);
}
