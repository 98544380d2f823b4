/**
 * Wiring one container into the overlay, given a PID inside its network namespace (Docker
 * runs it with network "none"): a veth pair whose peer is created directly inside that
 * namespace as eth0, the host end on ovl-br, and inside: MAC, address with the CLUSTER
 * prefix (one L2 segment), MTU, up, lo up, default route via the node's gateway.
 *
 * Idempotent: an existing pair whose peer is this namespace's eth0 and whose settings are
 * right is left alone ("unchanged"). When Docker restarts a container it gets a new
 * namespace; the old veth died with the old one, or, if the host end survives with its peer
 * elsewhere, it is deleted and the pair made again. A failure half way deletes the host end
 * (which takes the peer with it), so nothing half-wired is left behind.
 *
 * Cost, on the path of `ovl run` until the container answers: making a pair is two
 * processes, not eleven. `ip link add` creates the host end already on ovl-br and up, and
 * the peer inside the namespace with its MAC and MTU; one `ip -batch` inside the namespace
 * (nsenter) then sets the address, eth0 and lo up and the default route. A container the
 * caller has just started (`fresh`) skips the three reads of the current wiring; if its
 * pair cannot be made (a stale host end), the full check runs instead.
 */
import { rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { ipToInt, isIpv4 } from "@ovl/domain";
import { KernelError, KernelErrorCodes, runAs, type Runner } from "./exec.js";
import { inet4, isUp, type IpLink } from "./actual.js";
import { remove } from "./apply.js";
import { attachFastPath, detachFastPath } from "./fastpath.js";
import { BRIDGE, NET_BRIDGE, VETH_NAME, arpRetransArgs } from "./names.js";
import type { AttachSpec } from "./types.js";

const MAC = /^([0-9a-f]{2}:){5}[0-9a-f]{2}$/;
const invalid = (msg: string) => new KernelError(KernelErrorCodes.InvalidInput, msg);

export function parseVethName(raw: unknown): string {
  if (typeof raw !== "string" || !VETH_NAME.test(raw)) throw invalid(`invalid veth name ${JSON.stringify(raw)}: expected "ovl" and 8 hex digits`);
  return raw;
}

export function validateAttach(c: AttachSpec): AttachSpec {
  if (!Number.isInteger(c.pid) || c.pid <= 1) throw invalid(`invalid container pid ${JSON.stringify(c.pid)}: expected a process id above 1`);
  if (!isIpv4(c.ip)) throw invalid(`invalid container address ${JSON.stringify(c.ip)}`);
  if (!isIpv4(c.gateway)) throw invalid(`invalid gateway ${JSON.stringify(c.gateway)}`);
  if (typeof c.mac !== "string" || !MAC.test(c.mac)) throw invalid(`invalid MAC ${JSON.stringify(c.mac)}: expected six lower-case hex pairs`);
  if (!Number.isInteger(c.clusterPrefix) || c.clusterPrefix < 1 || c.clusterPrefix > 30) throw invalid(`invalid cluster prefix ${JSON.stringify(c.clusterPrefix)}`);
  if (!Number.isInteger(c.mtu) || c.mtu < 576 || c.mtu > 9000) throw invalid(`invalid MTU ${JSON.stringify(c.mtu)}: expected 576-9000`);
  const mask = (0xffffffff << (32 - c.clusterPrefix)) >>> 0;
  if (((ipToInt(c.ip) ^ ipToInt(c.gateway)) & mask) >>> 0 !== 0) throw invalid(`gateway ${c.gateway} is not in ${c.ip}/${c.clusterPrefix}`);
  parseVethName(c.veth);
  if (c.ifname !== undefined && !/^eth[0-9]$/.test(c.ifname)) throw invalid(`invalid interface name ${JSON.stringify(c.ifname)}: eth0-eth9`);
  if (c.bridge !== undefined && c.bridge !== BRIDGE && !NET_BRIDGE.test(c.bridge)) throw invalid(`invalid bridge ${JSON.stringify(c.bridge)}: ${BRIDGE} or a network's`);
  return c;
}

/** The interface inside, the bridge outside, and whether it holds the default route. */
const ifOf = (c: AttachSpec): string => c.ifname ?? "eth0";
const bridgeOf = (c: AttachSpec): string => c.bridge ?? BRIDGE;
const routes = (c: AttachSpec): boolean => c.defaultRoute !== false;

interface Seen {
  host: IpLink | null;
  eth0: IpLink | null;
  lo: IpLink | null;
  defaultVia: string | null;
}

async function links(run: Runner, what: string, argv: string[]): Promise<IpLink[]> {
  const out = (await runAs(run, what, argv[0]!, argv.slice(1))).stdout.trim();
  return out ? (JSON.parse(out) as IpLink[]) : [];
}

async function look(run: Runner, c: AttachSpec): Promise<Seen> {
  const all = await links(run, "list links", ["ip", "-j", "-d", "addr", "show"]);
  const inNs = ["nsenter", "-t", String(c.pid), "-n", "ip", "-j"];
  const inside = await links(run, `list links of container pid ${c.pid}`, [...inNs, "-d", "addr", "show"]);
  const defaults = (await links(run, `list routes of container pid ${c.pid}`, [...inNs, "route", "show", "default"])) as { gateway?: string }[];
  return {
    host: all.find((l) => l.ifname === c.veth) ?? null,
    eth0: inside.find((l) => l.ifname === ifOf(c)) ?? null,
    lo: inside.find((l) => l.ifname === "lo") ?? null,
    defaultVia: defaults[0]?.gateway ?? null,
  };
}

const paired = (s: Seen): boolean => !!s.host && !!s.eth0 && s.eth0.link_index === s.host.ifindex && s.host.link_index === s.eth0.ifindex;

function isRight(s: Seen, c: AttachSpec): boolean {
  const { host, eth0, lo } = s;
  if (!host || !eth0 || !lo) return false;
  const addrs = inet4(eth0);
  return host.master === bridgeOf(c) && isUp(host) && host.mtu === c.mtu && eth0.address === c.mac && eth0.mtu === c.mtu &&
    addrs.length === 1 && addrs[0] === `${c.ip}/${c.clusterPrefix}` && isUp(eth0) && isUp(lo) && (!routes(c) || s.defaultVia === c.gateway);
}

/** Runs `ip -batch` inside the container's namespace: one process for every change in there. */
async function inside(run: Runner, c: AttachSpec, scratchDir: string, lines: readonly string[], what: string): Promise<void> {
  // The lines hold validated data only (addresses, MAC, MTU, fixed device names).
  const file = join(scratchDir, `attach-${c.veth}.batch`);
  writeFileSync(file, lines.join("\n") + "\n");
  try {
    await runAs(run, `${what} in container pid ${c.pid}`, "nsenter", ["-t", String(c.pid), "-n", "ip", "-batch", file]);
  } finally {
    rmSync(file, { force: true });
  }
}

/** Inside the namespace: the address with the cluster prefix, eth0 and lo up, the default route, fast ARP retries. */
function addressLines(c: AttachSpec, staleAddrs: readonly string[]): string[] {
  const want = `${c.ip}/${c.clusterPrefix}`;
  const dev = ifOf(c);
  return [
    ...staleAddrs.filter((a) => a !== want).map((a) => `addr del ${a} dev ${dev}`),
    `addr replace ${want} dev ${dev}`,
    `link set ${dev} up`,
    "link set lo up",
    ...(routes(c) ? [`route replace default via ${c.gateway} dev ${dev}`] : []),
    arpRetransArgs(dev).join(" "),
  ];
}

async function configure(run: Runner, c: AttachSpec, scratchDir: string, eth0Addrs: readonly string[]): Promise<void> {
  await runAs(run, `put ${c.veth} on ${bridgeOf(c)}`, "ip", ["link", "set", c.veth, "mtu", String(c.mtu), "master", bridgeOf(c), "up"]);
  await inside(run, c, scratchDir, [`link set ${ifOf(c)} address ${c.mac} mtu ${c.mtu}`, ...addressLines(c, eth0Addrs)], `configure ${ifOf(c)}`);
}

/** The pair in one call: host end on the bridge and up, peer in the namespace as eth0 with its MAC. */
async function createPair(run: Runner, c: AttachSpec): Promise<void> {
  const mtu = String(c.mtu);
  await runAs(run, `create veth ${c.veth} for container pid ${c.pid}`, "ip", [
    "link", "add", c.veth, "mtu", mtu, "master", bridgeOf(c), "up", "type", "veth", "peer", "name", ifOf(c), "address", c.mac, "mtu", mtu, "netns", String(c.pid),
  ]);
}

/** Inside a pair just made; a failure deletes the host end, which takes the peer with it. */
async function configureNew(run: Runner, c: AttachSpec, scratchDir: string): Promise<void> {
  try {
    await inside(run, c, scratchDir, addressLines(c, []), `configure ${ifOf(c)}`);
  } catch (err) {
    await remove(run, `delete veth ${c.veth}`, "ip", ["link", "del", c.veth]).catch(() => undefined);
    throw err;
  }
}

/** Inside a pair just made, and (at the same time: the two are independent) its fast path. */
async function configureNewPair(run: Runner, c: AttachSpec, scratchDir: string): Promise<void> {
  await Promise.all([configureNew(run, c, scratchDir), c.fastPath ? attachFastPath(run, c, scratchDir) : undefined]);
}

/** A container just started with network "none": make the pair at once; false when it could not be made. */
async function attachFresh(run: Runner, c: AttachSpec, scratchDir: string): Promise<boolean> {
  try {
    await createPair(run, c);
  } catch {
    return false; // a stale host end, or an eth0 already there: the full check sorts it out
  }
  await configureNewPair(run, c, scratchDir);
  return true;
}

/** `scratchDir` holds the short-lived batch file of the commands run inside the namespace. */
export async function attachContainer(run: Runner, spec: AttachSpec, scratchDir: string): Promise<"attached" | "unchanged"> {
  const c = validateAttach(spec);
  if (c.fresh && (await attachFresh(run, c, scratchDir))) return "attached";
  const seen = await look(run, c);
  if (paired(seen)) {
    if (isRight(seen, c)) return "unchanged";
    await configure(run, c, scratchDir, inet4(seen.eth0!));
    return "attached";
  }
  if (seen.eth0) {
    throw new KernelError(KernelErrorCodes.Conflict, `container pid ${c.pid} already has an ${ifOf(c)} that is not the peer of ${c.veth}; ovl wires only containers started with network "none"`);
  }
  // The host end survived with its peer in an older namespace: Docker restarted the container.
  if (seen.host) await remove(run, `delete stale veth ${c.veth}`, "ip", ["link", "del", c.veth]);
  await createPair(run, c);
  await configureNewPair(run, c, scratchDir);
  return "attached";
}

export async function detachContainer(run: Runner, veth: string): Promise<void> {
  const name = parseVethName(veth);
  await detachFastPath(run, name); // first: a redirect toward a deleted veth drops instead of falling back to the bridge
  await remove(run, `delete veth ${name}`, "ip", ["link", "del", name]);
}
