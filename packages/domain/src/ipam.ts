/**
 * Address management as pure functions of the state. Allocation is lowest-free, so a
 * replay of the same events gives the same addresses on every coordinator.
 */
import { blockAt, blockCount, formatCidr, gatewayOf, intToIp, parseCidr } from "./ip.js";
import { usedAddressesOf } from "./draft.js";
import { memberNodes } from "./queries.js";
import type { ClusterConfig, ClusterState, NodeRecord } from "./state.js";

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
  // Kept per record by a draft that indexes (draft.ts), built from the containers otherwise.
  const used = usedAddressesOf(node);
  if (!used) return null;
  const free = used.counts.indexOf(0);
  return free < 0 ? null : intToIp(used.first + free);
}

/** How many container addresses a block holds: all but network, gateway and broadcast. */
export function blockCapacity(blockPrefix: number): number {
  return Math.max(0, 2 ** (32 - blockPrefix) - 3);
}

export function freeAddresses(config: ClusterConfig, node: NodeRecord): number {
  return node.subnet ? blockCapacity(config.blockPrefix) - Object.keys(node.containers).length : 0;
}
