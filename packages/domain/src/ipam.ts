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

/** Container addresses as integers, parsed once per (immutable) record. */
const ipInts = new WeakMap<object, number>();
function ipIntOf(c: { readonly ip: string }): number {
  let v = ipInts.get(c);
  if (v === undefined) ipInts.set(c, (v = ipToInt(c.ip)));
  return v;
}

/** The lowest address of the node's block not held by one of its containers. */
export function lowestFreeAddress(node: NodeRecord): string | null {
  if (!node.subnet) return null;
  const block = parseCidr(node.subnet);
  const first = firstContainerIp(block);
  const last = lastContainerIp(block);
  if (last < first) return null;
  const used = new Uint8Array(last - first + 1);
  for (const name in node.containers) {
    const i = ipIntOf(node.containers[name]!) - first;
    if (i >= 0 && i < used.length) used[i] = 1;
  }
  const free = used.indexOf(0);
  return free < 0 ? null : intToIp(first + free);
}

/** How many container addresses a block holds: all but network, gateway and broadcast. */
export function blockCapacity(blockPrefix: number): number {
  return Math.max(0, 2 ** (32 - blockPrefix) - 3);
}

export function freeAddresses(config: ClusterConfig, node: NodeRecord): number {
  return node.subnet ? blockCapacity(config.blockPrefix) - Object.keys(node.containers).length : 0;
}
