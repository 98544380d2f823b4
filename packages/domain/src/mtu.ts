/**
 * The overlay MTU of a new cluster when nobody chose one: what VXLAN leaves of the LAN MTU
 * of the first node to join, so a jumbo-frame LAN (9000) gets a jumbo overlay (8950)
 * without anyone typing `--mtu`. Pure.
 */
import { DEFAULT_CLUSTER, MAX_CLUSTER_MTU, MIN_CLUSTER_MTU } from "./defaults.js";
import { mtuOverhead, type RoutingMode } from "./routing.js";

/**
 * The cluster MTU for a first node whose LAN MTU is `lanMtu` (undefined: the agent could
 * not tell, so the default 1450), in a cluster of `mode`: the whole LAN MTU for `direct`
 * (nothing is encapsulated), 50 bytes less for `vxlan` and `auto`. Clamped to the schema's
 * bounds: a LAN too small even for 576 (+ 50) gets 576, and that node's join is then
 * refused naming both numbers.
 */
export function clusterMtuFor(lanMtu: number | undefined, mode: RoutingMode = "vxlan"): number {
  if (lanMtu === undefined) return DEFAULT_CLUSTER.mtu;
  return Math.min(MAX_CLUSTER_MTU, Math.max(MIN_CLUSTER_MTU, lanMtu - mtuOverhead(mode)));
}
