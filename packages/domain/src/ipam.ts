/**
 * Address management as pure functions of the state. Allocation is lowest-free, so a
 * replay of the same events gives the same addresses on every coordinator.
 */
import { intToIp, parseCidr } from "./ip.js";
import { lowestFreeBlockOf, madeRanges } from "./networks.js";
import { usedAddressesOf } from "./draft.js";
import { memberNodes } from "./queries.js";
import type { ClusterConfig, ClusterState, NodeRecord } from "./state.js";

export interface Block {
  readonly subnet: string;
  readonly gateway: string;
}

/**
 * The lowest block of the cidr that no member node holds and no other network's range
 * overlaps, or null when all are taken.
 */
export function lowestFreeBlock(config: ClusterConfig, state: ClusterState): Block | null {
  const taken = new Set(memberNodes(state).flatMap((n) => (n.subnet ? [n.subnet] : [])));
  return lowestFreeBlockOf(parseCidr(config.cidr), config.blockPrefix, taken, madeRanges(state));
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
