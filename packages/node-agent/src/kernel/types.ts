/**
 * The dataplane's vocabulary: what a node should look like (DesiredNode, pure data from the
 * cluster state), what it looks like (ActualState, read from the kernel), and the steps that
 * turn one into the other (Step, the only thing the executor runs). The names of the
 * objects themselves are in names.ts.
 */
import type { PortMapping, RoutingMode } from "@ovl/domain";

export interface RemoteEndpoint {
  /** Overlay address (a remote container or a remote node's gateway). */
  readonly ip: string;
  readonly mac: string;
  /** LAN address of the node that holds it: the VXLAN destination. */
  readonly underlayIp: string;
  readonly node: string;
  readonly kind: "gateway" | "container";
}

/** A peer's block routed on the LAN as it is (direct path): `ip route replace dst via via dev dev src src`. */
export interface DirectRoute {
  /** The peer's block. */
  readonly dst: string;
  /** The peer's LAN address. */
  readonly via: string;
  /** This node's LAN interface. */
  readonly dev: string;
  /** This node's gateway: the node's own packets to a peer's container leave with an overlay source, as on the VXLAN path. */
  readonly src: string;
}

export interface LocalContainer {
  readonly name: string;
  readonly ip: string;
  readonly mac: string;
  readonly veth: string;
  readonly ports: readonly PortMapping[];
}

/** One published port: host port (on hostIp, or every local address) to container address and port. */
export interface PublishedPort {
  readonly proto: "tcp" | "udp";
  readonly hostPort: number;
  readonly hostIp?: string;
  readonly ip: string;
  readonly port: number;
  readonly container: string;
}

export interface DesiredNode {
  readonly cluster: { readonly cidr: string; readonly prefix: number; readonly vni: number; readonly vxlanPort: number; readonly mtu: number; readonly mode: RoutingMode };
  readonly node: { readonly name: string; readonly underlayIp: string; readonly underlayIface: string; readonly subnet: string; readonly gateway: string };
  /**
   * ovl-br holds gateway/<cluster prefix>: the whole cluster is one L2 segment routed onto it.
   * proxyArp: the bridge answers ARP for the blocks of peers reached directly (routed via the LAN), so containers keep the cluster prefix on-link.
   */
  readonly bridge: { readonly name: string; readonly address: string; readonly mac: string; readonly mtu: number; readonly proxyArp: boolean };
  readonly vxlan: { readonly name: string; readonly vni: number; readonly port: number; readonly local: string; readonly dev: string; readonly mtu: number };
  /** The peers reached through VXLAN: their gateways and containers, sorted by ip. */
  readonly remotes: readonly RemoteEndpoint[];
  /** The peers reached directly: their blocks, sorted by dst. */
  readonly routes: readonly DirectRoute[];
  /** Sorted by ip; their veths are attached separately (attachContainer) and never removed by reconcile. */
  readonly localContainers: readonly LocalContainer[];
  readonly ports: readonly PublishedPort[];
  /** LAN addresses of the other nodes that have not left, sorted: the only sources of VXLAN packets accepted (vxlan-filter.ts). */
  readonly members: readonly string[];
  /** Whether cross-node packets take the tc fast path past the bridge (fastpath.ts); false: everything stays on the bridge. */
  readonly fastPath: boolean;
  /** The networks made with `ovl network create` that this node holds a block of, by VNI (networks.ts); absent: none. */
  readonly networks?: readonly DesiredNetwork[];
  /** The range of every network made with `ovl network create`, sorted (the isolation rules name them); absent: none. */
  readonly networkRanges?: readonly string[];
}

/** A network other than `ovl` on this node: its own bridge and VXLAN device, peers and containers, as `ovl`'s. */
export interface DesiredNetwork {
  readonly name: string;
  readonly cidr: string;
  readonly internal: boolean;
  /** This node's block of the network and its gateway (on the bridge, with the network's prefix). */
  readonly subnet: string;
  readonly gateway: string;
  readonly bridge: DesiredNode["bridge"];
  readonly vxlan: DesiredNode["vxlan"];
  readonly remotes: readonly RemoteEndpoint[];
  /** The containers' interfaces on this network (ports: the container's when this is its first network). */
  readonly localContainers: readonly LocalContainer[];
}

export interface AttachSpec {
  /** PID of a process inside the container's network namespace. */
  readonly pid: number;
  readonly ip: string;
  readonly mac: string;
  readonly veth: string;
  readonly gateway: string;
  readonly clusterPrefix: number;
  readonly mtu: number;
  /**
   * The caller has just started the container with network "none": make the pair without
   * reading the current wiring first (the full check runs if that fails). @default false
   */
  readonly fresh?: boolean;
  /** Also put the container on the fast path (fastpath.ts): false when its node's block is larger than /16. @default false */
  readonly fastPath?: boolean;
  /** The interface's name inside the container. @default "eth0" */
  readonly ifname?: string;
  /** The bridge the host end hangs on. @default BRIDGE */
  readonly bridge?: string;
  /** Whether this interface holds the default route (the first network's does). @default true */
  readonly defaultRoute?: boolean;
}

export interface ActualBridge {
  readonly mac: string;
  readonly mtu: number;
  readonly up: boolean;
  readonly kind: string;
  /** nf_call_iptables / ip6tables / arptables, in that order. */
  readonly nfCalls: readonly [number, number, number];
  /** IPv4 addresses as a.b.c.d/p. */
  readonly addrs: readonly string[];
}

export interface ActualVxlan {
  readonly kind: string;
  readonly vni: number | null;
  readonly port: number | null;
  readonly local: string | null;
  readonly dev: string | null;
  readonly learning: boolean;
  readonly proxy: boolean;
  readonly mtu: number;
  readonly up: boolean;
  readonly master: string | null;
}

/** A u32 filter as ovl writes it: one IPv4 destination match, then either a redirect or nothing (stay on the normal path). */
export interface TcFilter {
  readonly pref: number;
  readonly dst: string;
  /** The redirect's target device; null: no action; "*": a redirect whose device is gone. */
  readonly to: string | null;
}

export interface ActualFastPath {
  /** Devices with a clsact qdisc, and the shared block of its ingress (null: its own). */
  readonly clsact: Readonly<Record<string, number | null>>;
  /** The filters of ovl's shared block (empty when no device holds it). */
  readonly block: readonly TcFilter[];
  /** The filters on ovl-vx's ingress. */
  readonly vx: readonly TcFilter[];
}

export type FastPathTarget = "block" | "vx";

export interface ActualState {
  readonly bridge: ActualBridge | null;
  readonly vxlan: ActualVxlan | null;
  /** Host ends of container veths (names matching VETH_NAME). */
  readonly veths: readonly { readonly name: string; readonly master: string | null; readonly up: boolean; readonly ifindex?: number }[];
  /** Permanent neighbour entries on ovl-vx. */
  readonly neigh: readonly { readonly ip: string; readonly mac: string }[];
  /** Static unicast FDB entries of ovl-vx itself (flag self, with a dst). */
  readonly fdb: readonly { readonly mac: string; readonly dst: string }[];
  /** `nft list table ip ovl`, or null when the table does not exist. */
  readonly nft: string | null;
  /** `iptables -S DOCKER-USER` lines, or null when the chain does not exist. */
  readonly dockerUser: readonly string[] | null;
  /** Whether FORWARD jumps to DOCKER-USER. */
  readonly forwardJump: boolean;
  readonly sysctls: Readonly<Record<string, string>>;
  /** The fast path's qdiscs and filters (fastpath.ts); null when this reconcile did not read them. */
  readonly fastPath?: ActualFastPath | null;
  /** ovl's routes (protocol ROUTE_PROTO) in the main table; absent when this reconcile did not read them. */
  readonly routes?: readonly DirectRoute[];
  /** The networks' bridges and VXLAN devices (NET_BRIDGE, NET_VXLAN) by name; absent: none. */
  readonly netBridges?: Readonly<Record<string, ActualBridge>>;
  readonly netVxlans?: Readonly<Record<string, ActualVxlan>>;
  /** Permanent neighbour and static FDB entries of each network's VXLAN device that the caller asked for. */
  readonly netEntries?: Readonly<Record<string, { readonly neigh: ActualState["neigh"]; readonly fdb: ActualState["fdb"] }>>;
}

export type Step =
  | { readonly op: "sysctl"; readonly key: string; readonly value: string }
  | { readonly op: "link-del"; readonly name: string; readonly why: string }
  | { readonly op: "bridge-add"; readonly name: string; readonly mac: string; readonly mtu: number }
  | { readonly op: "bridge-set"; readonly name: string; readonly mac: string; readonly mtu: number; readonly why: string }
  | { readonly op: "addr-add" | "addr-del"; readonly dev: string; readonly cidr: string }
  | { readonly op: "vxlan-add"; readonly name: string; readonly vni: number; readonly port: number; readonly local: string; readonly dev: string; readonly mtu: number }
  | { readonly op: "link-set"; readonly name: string; readonly mtu?: number; readonly master?: string; readonly up?: true }
  | { readonly op: "neigh-replace"; readonly dev: string; readonly ip: string; readonly mac: string }
  | { readonly op: "neigh-del"; readonly dev: string; readonly ip: string }
  | { readonly op: "fdb-replace"; readonly dev: string; readonly mac: string; readonly dst: string }
  | { readonly op: "fdb-del"; readonly dev: string; readonly mac: string; readonly dst: string }
  | { readonly op: "nft-load"; readonly script: string }
  | { readonly op: "iptables-chain"; readonly chain: string }
  | { readonly op: "iptables-insert"; readonly chain: string; readonly rule: readonly string[] }
  | { readonly op: "iptables-delete"; readonly chain: string; readonly rule: readonly string[] }
  | { readonly op: "tc-qdisc"; readonly dev: string; readonly block: number | null }
  | { readonly op: "tc-filter"; readonly target: FastPathTarget; readonly pref: number; readonly dst: string; readonly to: string | null }
  | { readonly op: "tc-filter-del"; readonly target: FastPathTarget; readonly pref: number }
  | ({ readonly op: "route-replace" } & DirectRoute)
  | { readonly op: "route-del"; readonly dst: string }
  | { readonly op: "proxy-arp"; readonly dev: string };
