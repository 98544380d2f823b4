/**
 * The defaults a person sees, in one place: the code that applies them and the CLI's help
 * texts read them from here. Constants only, so `ovl --help` can load this module alone
 * (`@ovl/domain/defaults`) without the schemas.
 */
import type { ClusterConfig } from "./state.js";

/** A /16 in /24 blocks (256 nodes), VNI 1 on the IANA VXLAN port, MTU 1450 (1500 - 50 for VXLAN). */
export const DEFAULT_CLUSTER: ClusterConfig = Object.freeze({
  cidr: "10.240.0.0/16",
  blockPrefix: 24,
  vni: 1,
  vxlanPort: 4789,
  mtu: 1450,
});

/** The cluster's own network, the one every history has without a NetworkCreated. */
export const DEFAULT_NETWORK = "ovl";

/**
 * The routing mode of a cluster created without `--mode`: direct to the peers on a node's
 * LAN subnet, VXLAN to the others. A history whose ClusterCreated has no mode is `vxlan`
 * (it was created before modes existed), whatever this default says.
 */
export const DEFAULT_ROUTING_MODE = "auto" as const;

/** The bounds of a cluster's overlay MTU (the schemas, `--mtu`): IPv4's minimum datagram to jumbo frames. */
export const MIN_CLUSTER_MTU = 576;
export const MAX_CLUSTER_MTU = 9000;

/** A ready node silent this long is recorded lost. */
export const DEFAULT_LOST_AFTER_MS = 30_000;

/** The local broker: where `ovl broker start` listens and where clients look first. */
export const DEFAULT_BROKER_HOST = "127.0.0.1";
export const DEFAULT_BROKER_PORT = 4222;
/** Route port of server 1 of a local cluster; server i listens on it + i - 1. */
export const DEFAULT_ROUTE_PORT = 6222;
export const DEFAULT_NATS_URL = `nats://${DEFAULT_BROKER_HOST}:${DEFAULT_BROKER_PORT}`;
/** The broker's home: store, generated config, identities, TLS files. */
export const DEFAULT_BROKER_DIR = "./.ovl/broker";

/** The local lab: its directory, node count and LAN MTU (an ordinary Ethernet LAN). */
export const DEFAULT_LAB_DIR = "/var/lib/ovl-lab";
export const DEFAULT_LAB_NODES = 3;
export const DEFAULT_LAB_LAN_MTU = 1500;
/** The lab LAN's gateway, where its brokers listen (198.18.0.0/15 is the benchmarking range, never a real LAN). */
export const LAB_BROKER_HOST = "198.18.0.1";
