/**
 * The cluster state: what every part of ovl folds the history into (evolve.ts), the
 * coordinator decides against, agents make their node from and the TUI shows. Plain
 * objects keyed by name, containers held under their node.
 */
import type { PortMapping } from "./names.js";
import type { ContainerOptions } from "./container-options.js";

/** Where a container came from when not `ovl run` (schema.ts OriginSchema checks it on the wire). */
export type Origin = "docker" | "docker-ipam";

export interface ClusterConfig {
  readonly cidr: string;
  readonly blockPrefix: number;
  readonly vni: number;
  readonly vxlanPort: number;
  readonly mtu: number;
  /** How nodes reach each other's blocks (routing.ts); absent: a cluster from before modes, `vxlan`. */
  readonly mode?: "vxlan" | "direct" | "auto";
}

export type NodeStatus = "ready" | "leaving" | "lost" | "left";
/** As recorded by events; "lost" for a container is derived from its node (see views). */
export type ContainerState = "pending" | "running" | "failed" | "exited";

/** A network a container is on and its address there. */
export interface Attachment {
  readonly network: string;
  readonly ip: string;
  readonly mac: string;
}

export interface ContainerRecord {
  readonly name: string;
  readonly node: string;
  readonly ip: string;
  readonly mac: string;
  readonly image: string;
  readonly cmd: readonly string[];
  readonly ports: readonly PortMapping[];
  /** Its `docker run` options; absent: Docker's defaults and ovl's (see container-options.ts). */
  readonly options?: ContainerOptions;
  /** Other names it answers to (`--alias`); absent when none. */
  readonly aliases?: readonly string[];
  /** Absent: made by `ovl run`; see OriginSchema. */
  readonly origin?: Origin;
  /** Its networks, the first one's address being `ip`; absent: the network `ovl` only (networks.ts `attachmentsOf`). */
  readonly networks?: readonly Attachment[];
  readonly state: ContainerState;
  /** Why it failed, or its exit code. */
  readonly reason?: string;
  readonly exitCode?: number;
  readonly since: string;
}

export interface NodeRecord {
  readonly name: string;
  readonly underlayIp: string;
  /** Prefix length of its LAN subnet, as its agent saw it at join; absent: an agent that did not say. */
  readonly lanPrefix?: number;
  readonly agentVersion: string;
  readonly status: NodeStatus;
  /** The node's block of the cluster cidr and its gateway (the bridge address). */
  readonly subnet: string | null;
  readonly gateway: string | null;
  /** Its blocks of the networks made with `ovl network create`, by network; absent: none. */
  readonly blocks?: Readonly<Record<string, NetworkBlock>>;
  readonly since: string;
  readonly reason?: string;
  readonly lastSeen?: string | null;
  readonly containers: Readonly<Record<string, ContainerRecord>>;
}

/** A node's block of a network and its gateway (the network's bridge address on that node). */
export interface NetworkBlock {
  readonly subnet: string;
  readonly gateway: string;
}

/** A network made with `ovl network create`; the cluster's own network `ovl` is not one of these. */
export interface NetworkRecord {
  readonly name: string;
  readonly cidr: string;
  readonly blockPrefix: number;
  readonly vni: number;
  /** No way out of the cluster and no published port. */
  readonly internal: boolean;
  readonly since: string;
}

export interface ClusterState {
  readonly cluster: ClusterConfig | null;
  readonly nodes: Readonly<Record<string, NodeRecord>>;
  /** Networks made with `ovl network create`, by name; absent: none (only `ovl`). */
  readonly networks?: Readonly<Record<string, NetworkRecord>>;
}

export const emptyState: ClusterState = Object.freeze({ cluster: null, nodes: Object.freeze({}) });
