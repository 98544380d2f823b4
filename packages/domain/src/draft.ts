/**
 * StateDraft: a fold that owns the maps it copied, for whoever folds a stream or a batch
 * (the coordinator, foldEvents, the agents), and the indexes it keeps for deciding, so that
 * a decision does not scan the cluster:
 * - which container names exist anywhere (`findContainer` answers "no such name" without
 *   visiting every node), kept per nodes map;
 * - which addresses of a node's block are held (`lowestFreeAddress` without rebuilding a
 *   bitmap of the block from the node's containers), kept per node record.
 *
 * Both are caches of pure functions of the state, never a second source of truth: a state
 * without an index is read as before, and an index is only ever attached to a map or record
 * whose content it describes. Only drafts that asked for them (`StateDraft.index()`, the
 * coordinator's speculative state) pay for their upkeep; other folds (agents, the TUI) do not.
 */
import type { OvlEvent } from "./events.js";
import { copyWith, evolveWith, type SetEntry, type Time } from "./evolve.js";
import { firstContainerIp, ipToInt, lastContainerIp, parseCidr } from "./ip.js";
import type { ClusterState, ContainerRecord, NodeRecord } from "./state.js";

/**
 * A fold that owns the maps it copied: `apply` writes into them in place, so catching up
 * on a batch copies each touched map once. Pure from outside: `state` hands the current
 * state out sealed (later applies copy again before writing), and the state it started
 * from is never written. `peek` is the current state without sealing it, valid until the
 * next `apply`: for reading right after an event (its reply row), not for keeping.
 */
export class StateDraft {
  #owned = new WeakSet<object>();
  #state: ClusterState;
  readonly #set: SetEntry = <T>(map: Readonly<Record<string, T>>, key: string, value: T | null, keepPlace = false): Record<string, T> => {
    if (!this.#owned.has(map)) {
      const copy = copyWith(map, key, value, keepPlace);
      this.#owned.add(copy);
      return copy;
    }
    const m = map as Record<string, T>;
    if (!keepPlace) delete m[key]; // and set again: the key moves last, exactly as in copyWith
    if (value !== null) m[key] = value;
    return m;
  };

  /** Container names across the nodes map of `#state`, kept up to date once `index()` asked for it. */
  #names: NameIndex | null = null;

  constructor(state: ClusterState) {
    this.#state = state;
  }

  /**
   * Keeps indexes for deciding against this draft's states (below): `findContainer` and
   * `lowestFreeAddress` then cost a map lookup instead of a scan. Costs a pass over the
   * containers now and a little per event after.
   */
  index(): this {
    if (!this.#names) {
      this.#names = buildNameIndex(this.#state.nodes);
      attachNameIndex(this.#state.nodes, this.#names);
    }
    return this;
  }

  apply(event: OvlEvent, { time }: Time): void {
    if (!this.#names) {
      this.#state = evolveWith(this.#set, this.#state, event, time);
      return;
    }
    const before = this.#state;
    // Read before the fold: it writes the maps it owns in place.
    const node = "node" in event.data ? event.data.node : null;
    const oldNode = node === null ? undefined : before.nodes[node];
    const oldContainers = oldNode?.containers;
    const name = event.type.startsWith("Container") ? (event.data as { readonly name: string }).name : null;
    const was = name === null ? undefined : oldContainers?.[name];
    this.#state = evolveWith(this.#set, before, event, time);
    const after = this.#state;
    const names = this.#names;
    if (after.nodes !== before.nodes) {
      detachNameIndex(before.nodes, names);
      attachNameIndex(after.nodes, names);
    }
    if (node === null) return;
    const newNode = after.nodes[node];
    if (name !== null) {
      // A container event changes at most that one entry of the node's map.
      const now = newNode?.containers[name];
      if ((was === undefined) !== (now === undefined)) countName(names, name, now === undefined ? -1 : 1);
      if (oldNode && newNode) carryUsedAddresses(oldNode, newNode, was, now);
    } else {
      // A node event replaces the node's map (joined afresh, left) or keeps it as it was.
      const newContainers = newNode?.containers;
      if (oldContainers !== newContainers) {
        if (oldContainers) for (const c in oldContainers) countName(names, c, -1);
        if (newContainers) for (const c in newContainers) countName(names, c, 1);
      }
      if (oldNode && newNode) carryUsedAddresses(oldNode, newNode, undefined, undefined);
    }
  }

  get peek(): ClusterState {
    return this.#state;
  }

  get state(): ClusterState {
    this.#owned = new WeakSet();
    return this.#state;
  }
}

/** Container name -> on how many nodes it exists, for the nodes map it is attached to. */
export type NameIndex = Map<string, number>;

const nameIndexes = new WeakMap<object, NameIndex>();

export const nameIndexOf = (nodes: object): NameIndex | undefined => nameIndexes.get(nodes);

export function buildNameIndex(nodes: Readonly<Record<string, NodeRecord>>): NameIndex {
  const index: NameIndex = new Map();
  for (const n in nodes) for (const c in nodes[n]!.containers) countName(index, c, 1);
  return index;
}

export function attachNameIndex(nodes: object, index: NameIndex): void {
  nameIndexes.set(nodes, index);
}

/** Detaches `index` from `nodes` if it is attached there (the map is about to be left behind). */
export function detachNameIndex(nodes: object, index: NameIndex): void {
  if (nameIndexes.get(nodes) === index) nameIndexes.delete(nodes);
}

export function countName(index: NameIndex, name: string, delta: number): void {
  const n = (index.get(name) ?? 0) + delta;
  if (n > 0) index.set(name, n);
  else index.delete(name);
}

/** The addresses of a node's block its containers hold (a count per address), for its record. */
export interface UsedAddresses {
  readonly subnet: string;
  readonly first: number;
  readonly counts: Uint16Array;
}

const usedIndexes = new WeakMap<NodeRecord, UsedAddresses>();

/** Container addresses as integers, parsed once per (immutable) record. */
const ipInts = new WeakMap<object, number>();
export function ipIntOf(c: { readonly ip: string }): number {
  let v = ipInts.get(c);
  if (v === undefined) ipInts.set(c, (v = ipToInt(c.ip)));
  return v;
}

/** The node's used addresses; built from its containers the first time, null without a block. */
export function usedAddressesOf(node: NodeRecord): UsedAddresses | null {
  if (!node.subnet) return null;
  const known = usedIndexes.get(node);
  if (known && known.subnet === node.subnet) return known;
  const block = parseCidr(node.subnet);
  const first = firstContainerIp(block);
  const last = lastContainerIp(block);
  const used: UsedAddresses = { subnet: node.subnet, first, counts: new Uint16Array(Math.max(0, last - first + 1)) };
  for (const name in node.containers) mark(used, node.containers[name]!, 1);
  usedIndexes.set(node, used);
  return used;
}

function mark(used: UsedAddresses, c: ContainerRecord, delta: number): void {
  const i = ipIntOf(c) - used.first;
  if (i >= 0 && i < used.counts.length) used.counts[i]! += delta;
}

/**
 * Carries the used addresses of `before` over to `after`, the same node after one event
 * changed (at most) its container `was` into `now`. Only when `before` has them and the block
 * is the same; a copy, since `before` may still be read.
 */
export function carryUsedAddresses(before: NodeRecord, after: NodeRecord, was: ContainerRecord | undefined, now: ContainerRecord | undefined): void {
  const used = usedIndexes.get(before);
  if (!used || before === after || after.subnet !== used.subnet || usedIndexes.has(after)) return;
  if (was === now) {
    if (before.containers === after.containers || was !== undefined) usedIndexes.set(after, used);
    return;
  }
  if (was && now && ipIntOf(was) === ipIntOf(now)) return void usedIndexes.set(after, used);
  const copy: UsedAddresses = { subnet: used.subnet, first: used.first, counts: used.counts.slice() };
  if (was) mark(copy, was, -1);
  if (now) mark(copy, now, 1);
  usedIndexes.set(after, copy);
}
