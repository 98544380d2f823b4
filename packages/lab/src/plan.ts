/**
 * The lab's address and path plan, pure:
 *   LAN 198.18.0.0/24 on bridge `ovllan0` (198.18.0.1 = broker and "outside" host),
 *   node i = namespace `ovl-lab-n<i>`, eth0 198.18.0.(10+i), root end `ovllan-n<i>`,
 *   node i's own Docker: bridge 198.19.(64+2(i-1)).1/24 and address pool
 *   198.19.(65+2(i-1)).0/24 in /26 networks, so nodes 1..20 use 198.19.64.0-198.19.103.255,
 *   inside 198.19.64.0/18 and away from the overlay (198.19.0.0/18) and Swarm (198.19.128.0/17).
 * With routed nodes (`ovl up --routed-nodes K`), the last K nodes sit on a second subnet of
 * the lab LAN, 198.18.1.0/24, behind a router namespace (ROUTER): node i there is
 * 198.18.1.(10+i), so an `auto` cluster reaches them through VXLAN and the rest directly.
 */
import { isAbsolute, join, normalize } from "node:path";
import { DEFAULT_LAB_DIR, DEFAULT_LAB_LAN_MTU, DEFAULT_LAB_NODES, LAB_BROKER_HOST } from "@ovl/domain";
import { invalidLab } from "./errors.js";

export const MAX_NODES = 20;
export const DEFAULT_NODES = DEFAULT_LAB_NODES;
export const LAN_BRIDGE = "ovllan0";
export const LAN_PREFIX = "198.18.0";
/** The lab LAN's second subnet, for routed nodes. */
export const ROUTED_PREFIX = "198.18.1";
/** `${LAN_PREFIX}.1`, the broker's address the CLI recognizes the lab by. */
export const LAN_GATEWAY = LAB_BROKER_HOST;
/** Where a lab registry listens (on the gateway, like the broker); every node trusts it over HTTP. */
export const LAB_REGISTRY = `${LAN_GATEWAY}:5000`;
/** The lab LAN's default MTU: an ordinary Ethernet LAN. `--lan-mtu 9000` makes a jumbo-frame LAN. */
export const LAN_MTU = DEFAULT_LAB_LAN_MTU;
/** VXLAN over IPv4 costs 50 bytes of every LAN frame. */
export const VXLAN_OVERHEAD = 50;
export const NS_PREFIX = "ovl-lab-";
export const LINK_PREFIX = "ovllan";
export const NATS_PORT = 4222;
export const NATS_MONITOR_PORT = 8222;
export { DEFAULT_LAB_DIR };
/** Sockets and pid files; fixed and short (unix socket paths are limited to 107 bytes). */
export const RUN_DIR = "/run/ovl-lab";
export const IMAGE = "ovl/busybox:latest";

/** Overlay settings the lab's cluster is created with (inside the test range 198.18.0.0/15, not the /16 default). */
export interface LabCluster {
  readonly cidr: string;
  readonly blockPrefix: number;
  readonly vni: number;
  readonly vxlanPort: number;
  readonly mtu: number;
}

export const LAB_CLUSTER: LabCluster = Object.freeze({
  cidr: "198.19.0.0/18",
  blockPrefix: 24,
  vni: 4242,
  vxlanPort: 4789,
  mtu: 1450,
});

/**
 * The router between the lab LAN and its second subnet: a namespace with one leg on the LAN
 * bridge (root end `ovllan-r1`, eth0 198.18.0.254) and a bridge of its own for the routed
 * nodes (198.18.1.1/24), forwarding between the two inside its namespace only. The broker's
 * host (the root namespace) and the nodes of the first subnet route 198.18.1.0/24 via it.
 */
export const ROUTER = Object.freeze({
  ns: `${NS_PREFIX}r1`,
  hostLink: `${LINK_PREFIX}-r1`,
  lanCidr: `${LAN_PREFIX}.254/24`,
  lanIp: `${LAN_PREFIX}.254`,
  bridge: "ovlr0",
  subnet: `${ROUTED_PREFIX}.0/24`,
  gateway: `${ROUTED_PREFIX}.1`,
});

export interface NodePlan {
  readonly index: number;
  /** The ovl node name, e.g. "n1". */
  readonly name: string;
  readonly ns: string;
  /** The other end of the node's LAN veth: in the root namespace on the LAN bridge, or (a routed node) in the router's namespace on its bridge. */
  readonly hostLink: string;
  readonly lanIp: string;
  readonly lanCidr: string;
  /** On the second subnet, behind ROUTER. */
  readonly routed: boolean;
  /** The node's default route: the broker's host, or the router for a routed node. */
  readonly lanGateway: string;
  readonly dockerBip: string;
  readonly dockerPool: string;
  readonly runDir: string;
  /** Removed by `down`: data roots, configs, the supervisor script. */
  readonly dataDir: string;
  /** Kept by `down`: `<logPrefix>-dockerd.log`, `-containerd.log`, `-supervisor.log`. */
  readonly logPrefix: string;
  readonly dockerSock: string;
  readonly dockerHost: string;
  readonly containerdSock: string;
}

export function parseNodeCount(raw: unknown): number {
  const n = typeof raw === "string" && /^\d+$/.test(raw) ? Number(raw) : raw;
  if (typeof n !== "number" || !Number.isInteger(n) || n < 1 || n > MAX_NODES) {
    throw invalidLab(`invalid node count ${JSON.stringify(raw)}: use a whole number from 1 to ${MAX_NODES}`);
  }
  return n;
}

/** The lab directory goes into generated scripts and configs: absolute and plain characters only. */
export function parseLabDir(raw: unknown): string {
  if (typeof raw !== "string" || !isAbsolute(raw) || !/^[A-Za-z0-9/._-]{2,120}$/.test(raw) || raw.split("/").includes("..")) {
    throw invalidLab(`invalid lab directory ${JSON.stringify(raw)}: use an absolute path of letters, digits, '/', '.', '_' and '-'`);
  }
  const dir = normalize(raw).replace(/\/$/, "");
  if (["/", "/var", "/var/lib", "/run", "/tmp", "/etc", "/usr", "/root", "/home"].includes(dir)) {
    throw invalidLab(`invalid lab directory ${JSON.stringify(raw)}: it is removed in part by \`ovl down\`; use a directory of its own`);
  }
  return dir;
}

/** Accepts "n3" or "ovl-lab-n3"; returns the node index. */
export function parseNodeRef(raw: unknown): number {
  const m = typeof raw === "string" ? /^(?:ovl-lab-)?n([1-9][0-9]?)$/.exec(raw) : null;
  const i = m ? Number(m[1]) : NaN;
  if (!(i >= 1 && i <= MAX_NODES)) {
    throw invalidLab(`invalid lab node ${JSON.stringify(raw)}: use n1 to n${MAX_NODES} (or ovl-lab-n1 ...)`);
  }
  return i;
}

/** Routed nodes: 0 to nodes - 1 (at least one node stays on the broker's subnet). */
export function parseRoutedCount(raw: unknown, nodes: number): number {
  const n = typeof raw === "string" && /^\d+$/.test(raw) ? Number(raw) : raw;
  if (typeof n !== "number" || !Number.isInteger(n) || n < 0 || n >= nodes) {
    throw invalidLab(`invalid routed node count ${JSON.stringify(raw)} for ${nodes} nodes: use 0 to ${nodes - 1} (at least one node stays on the broker's subnet)`);
  }
  return n;
}

export function nodePlan(index: number, labDir: string, routed = false): NodePlan {
  const name = `n${index}`;
  const runDir = join(RUN_DIR, name);
  const dockerSock = join(runDir, "docker.sock");
  const third = 64 + 2 * (index - 1);
  const prefix = routed ? ROUTED_PREFIX : LAN_PREFIX;
  return {
    index,
    name,
    ns: `${NS_PREFIX}${name}`,
    hostLink: `${LINK_PREFIX}-${name}`,
    lanIp: `${prefix}.${10 + index}`,
    lanCidr: `${prefix}.${10 + index}/24`,
    routed,
    lanGateway: routed ? ROUTER.gateway : LAN_GATEWAY,
    dockerBip: `198.19.${third}.1/24`,
    dockerPool: `base=198.19.${third + 1}.0/24,size=26`,
    runDir,
    dataDir: join(labDir, name),
    logPrefix: join(labDir, "logs", name),
    dockerSock,
    dockerHost: `unix://${dockerSock}`,
    containerdSock: join(runDir, "containerd", "containerd.sock"),
  };
}

/** The nodes of a lab; the last `routed` of them behind the router. */
export function labPlan(nodes: number, labDir: string, routed = 0): NodePlan[] {
  const n = parseNodeCount(nodes);
  const firstRouted = n - parseRoutedCount(routed, n) + 1;
  return Array.from({ length: n }, (_, k) => nodePlan(k + 1, labDir, k + 1 >= firstRouted));
}

/**
 * The lab's brokers: one nats-server on 198.18.0.1:4222, or a JetStream cluster of 3 (or 5)
 * on the same address with ports 4222.., routes 6222.. and monitors 8222.. Why one address
 * and several ports rather than one server per node namespace: a node's namespace, agent
 * and dockerd stay what a real machine runs, the brokers outlive a node being torn down,
 * and killing the stream leader is killing one PID, which is what the fault tests need.
 */
export const NATS_ROUTE_PORT = 6222;

export interface BrokerPlan {
  readonly index: number;
  /** server_name, e.g. "ovl_lab_b2" (stream info's cluster.leader is one of these). */
  readonly serverName: string;
  readonly port: number;
  readonly routePort: number;
  readonly monitorPort: number;
  /** Config and store: <labDir>/nats (one server) or <labDir>/nats/b<i> (removed by `down` with it). */
  readonly dir: string;
}

/** A lab LAN MTU: 1280 (so that the overlay still carries IPv6's minimum) to 9000 (jumbo). */
export function parseLanMtu(raw: unknown): number {
  const n = typeof raw === "string" && /^\d+$/.test(raw) ? Number(raw) : raw;
  if (typeof n !== "number" || !Number.isInteger(n) || n < 1280 + VXLAN_OVERHEAD || n > 9000) {
    throw invalidLab(`invalid LAN MTU ${JSON.stringify(raw)}: use an integer from ${1280 + VXLAN_OVERHEAD} to 9000`);
  }
  return n;
}

/** The lab's overlay settings on a LAN of `lanMtu`: the overlay MTU is what VXLAN leaves of it. */
export function labClusterFor(lanMtu: number = LAN_MTU): LabCluster {
  return Object.freeze({ ...LAB_CLUSTER, mtu: parseLanMtu(lanMtu) - VXLAN_OVERHEAD });
}

export function parseBrokerCount(raw: unknown): number {
  const n = typeof raw === "string" && /^\d+$/.test(raw) ? Number(raw) : raw;
  if (n !== 1 && n !== 3 && n !== 5) throw invalidLab(`invalid broker count ${JSON.stringify(raw)}: use 1, or 3 or 5 for a cluster (an odd number keeps a majority)`);
  return n;
}

export function brokerPlan(count: number, labDir: string): BrokerPlan[] {
  const n = parseBrokerCount(count);
  if (n === 1) return [{ index: 1, serverName: "ovl_lab", port: NATS_PORT, routePort: NATS_ROUTE_PORT, monitorPort: NATS_MONITOR_PORT, dir: join(labDir, "nats") }];
  return Array.from({ length: n }, (_, k) => ({
    index: k + 1,
    serverName: `ovl_lab_b${k + 1}`,
    port: NATS_PORT + k,
    routePort: NATS_ROUTE_PORT + k,
    monitorPort: NATS_MONITOR_PORT + k,
    dir: join(labDir, "nats", `b${k + 1}`),
  }));
}

/** The URL(s) every lab process connects with: all brokers, comma-separated. */
export const natsUrlOf = (brokers = 1): string =>
  Array.from({ length: parseBrokerCount(brokers) }, (_, k) => `nats://${LAN_GATEWAY}:${NATS_PORT + k}`).join(",");
