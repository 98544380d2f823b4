/**
 * Address management as pure functions of the state. Allocation is lowest-free, so a
 * replay of the same events gives the same addresses on every coordinator.
 */
import { blockAt, blockCount, firstContainerIp, formatCidr, gatewayOf, intToIp, ipToInt, lastContainerIp, parseCidr } from "./ip.js";
import type { ClusterConfig, ClusterState, NodeRecord } from "./state.js";
import { memberNodes } from "./state.js";

export interface Block {
  readonly subnet: string;
  readonly gateway: string;
}

/** The lowest block of the cidr that no member node holds, or null when all are taken. */
export function lowestFreeBlock(config: ClusterConfig, state: ClusterState): Block | null {
  const cidr = parseCidr(config.cidr);
  const taken = new Set(memberNodes(state).flatMap((n) => (n.subnet ? [n.subnet] : [])));
  const count = blockCount(cidr, config.blockPrefix);
  for (let i = 0; i < count; i++) {
    const block = blockAt(cidr, config.blockPrefix, i);
    const subnet = formatCidr(block);
    if (!taken.has(subnet)) return { subnet, gateway: intToIp(gatewayOf(block)) };
  }
  return null;
}

/** The lowest address of the node's block not held by one of its containers. */
export function lowestFreeAddress(node: NodeRecord): string | null {
  if (!node.subnet) return null;
  const block = parseCidr(node.subnet);
  const used = new Set(Object.values(node.containers).map((c) => ipToInt(c.ip)));
  for (let ip = firstContainerIp(block); ip <= lastContainerIp(block); ip++) {
    if (!used.has(ip)) return intToIp(ip);
  }
  return null;
}

/** How many container addresses a block holds: all but network, gateway and broadcast. */
export function blockCapacity(blockPrefix: number): number {
  return Math.max(0, 2 ** (32 - blockPrefix) - 3);
}

export function freeAddresses(config: ClusterConfig, node: NodeRecord): number {
  return node.subnet ? blockCapacity(config.blockPrefix) - Object.keys(node.containers).length : 0;
}
