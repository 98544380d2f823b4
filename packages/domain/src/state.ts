/**
 * The cluster state and the pure fold `evolve(state, event) -> state`, used alike by the
 * coordinator (deciding and its SQLite projection), the agents (desired dataplane) and
 * the TUI (live view and time travel).
 *
 * Containers are held under their node, so an event copies only its node's map (at most a
 * block's worth of entries) and the node map. The node map is a plain object keyed by name
 * (the API every reader uses), so `evolve` pays O(nodes) per event: V8 keeps such a map in
 * dictionary mode past a dozen keys, and copying 500 entries costs ~0.15 ms on the bench
 * machine. Whoever folds a stream (agents, coordinator, foldEvents) goes through StateDraft,
 * which copies each map once per batch and writes in place after that.
 */
import type { PortMapping } from "./names.js";
import type { OvlEvent } from "./events.js";
import { withOptions, type ContainerOptions } from "./container-options.js";
import { attachNameIndex, buildNameIndex, carryUsedAddresses, countName, detachNameIndex, nameIndexOf, type NameIndex } from "./lookup.js";

export interface ClusterConfig {
  readonly cidr: string;
  readonly blockPrefix: number;
  readonly vni: number;
  readonly vxlanPort: number;
  readonly mtu: number;
}

export type NodeStatus = "ready" | "leaving" | "lost" | "left";
/** As recorded by events; "lost" for a container is derived from its node (see views). */
export type ContainerState = "pending" | "running" | "failed" | "exited";

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
  readonly state: ContainerState;
  /** Why it failed, or its exit code. */
  readonly reason?: string;
  readonly exitCode?: number;
  readonly since: string;
}

export interface NodeRecord {
  readonly name: string;
  readonly underlayIp: string;
  readonly agentVersion: string;
  readonly status: NodeStatus;
  /** The node's block of the cluster cidr and its gateway (the bridge address). */
  readonly subnet: string | null;
  readonly gateway: string | null;
  readonly since: string;
  readonly reason?: string;
  readonly lastSeen?: string | null;
  readonly containers: Readonly<Record<string, ContainerRecord>>;
}

export interface ClusterState {
  readonly cluster: ClusterConfig | null;
  readonly nodes: Readonly<Record<string, NodeRecord>>;
}

export const emptyState: ClusterState = Object.freeze({ cluster: null, nodes: Object.freeze({}) });

type Time = { readonly time: string };

/**
 * A copy of a map with one entry set (or removed when `value` is null). A node's container
 * map holds up to a block's worth of entries; `{ ...map }` followed by `delete` turns it
 * into a dictionary-mode object, and spreading those again costs V8 ~1.5 ms at 190 entries
 * (measured on Node 20), against ~0.06 ms for this key loop. Replays stay cheap this way.
 */
function copyWith<T>(map: Readonly<Record<string, T>>, key: string, value: T | null, keepPlace = false): Record<string, T> {
  const copy: Record<string, T> = {};
  if (keepPlace) {
    for (const k in map) copy[k] = map[k]!;
    copy[key] = value!;
    return copy;
  }
  for (const k in map) if (k !== key) copy[k] = map[k]!;
  if (value !== null) copy[key] = value;
  return copy;
}

/**
 * How the fold writes one map entry. `evolve` copies (pure); a StateDraft writes in place
 * into the maps it copied itself, so a batch of events costs one copy per touched map,
 * not one per event (a node's map holds up to a block's worth of containers).
 */
type SetEntry = <T>(map: Readonly<Record<string, T>>, key: string, value: T | null, keepPlace?: boolean) => Record<string, T>;

function withNode(set: SetEntry, state: ClusterState, name: string, update: (node: NodeRecord) => NodeRecord): ClusterState {
  const node = state.nodes[name];
  if (!node) return state; // an event about an unknown node changes nothing
  return { ...state, nodes: set(state.nodes, name, update(node)) };
}

function withContainer(
  set: SetEntry,
  state: ClusterState,
  nodeName: string,
  name: string,
  update: (c: ContainerRecord) => ContainerRecord | null,
): ClusterState {
  return withNode(set, state, nodeName, (node) => {
    const current = node.containers[name];
    if (!current) return node;
    return { ...node, containers: set(node.containers, name, update(current)) };
  });
}

const omitted = <T extends object, K extends keyof T>(value: T, ...keys: K[]): Omit<T, K> => {
  const copy = { ...value };
  for (const k of keys) delete copy[k];
  return copy;
};

export function evolve(state: ClusterState, event: OvlEvent, { time }: Time): ClusterState {
  return evolveWith(copyWith, state, event, time);
}

function evolveWith(set: SetEntry, state: ClusterState, event: OvlEvent, time: string): ClusterState {
  switch (event.type) {
    case "ClusterCreated":
      return state.cluster ? state : { ...state, cluster: { ...event.data } };
    case "NodeJoined": {
      const { node, underlayIp, agentVersion } = event.data;
      const previous = state.nodes[node];
      // A lost node that rejoins keeps its block: it was never handed out meanwhile.
      const keepBlock = previous && previous.status !== "left";
      const record: NodeRecord = {
        name: node,
        underlayIp,
        agentVersion,
        status: "ready",
        subnet: keepBlock ? previous.subnet : null,
        gateway: keepBlock ? previous.gateway : null,
        since: time,
        containers: keepBlock ? previous.containers : {},
      };
      // keepPlace: a rejoining node keeps its place in the map, as `{ ...nodes, [node]: record }` would.
      return { ...state, nodes: set(state.nodes, node, record, true) };
    }
    case "SubnetAssigned":
      return withNode(set, state, event.data.node, (n) => ({ ...n, subnet: event.data.subnet, gateway: event.data.gateway }));
    case "NodeLeaving":
      return withNode(set, state, event.data.node, (n) => ({ ...n, status: "leaving", since: time, reason: event.data.reason }));
    case "NodeLeft":
      return withNode(set, state, event.data.node, (n) => ({
        ...omitted(n, "lastSeen"),
        status: "left",
        since: time,
        reason: event.data.reason,
        subnet: null,
        gateway: null,
        containers: {},
      }));
    case "NodeLost":
      return withNode(set, state, event.data.node, (n) => ({ ...n, status: "lost", since: time, lastSeen: event.data.lastSeen }));
    case "ContainerStarted": {
      const d = event.data;
      return withNode(set, state, d.node, (n) => ({
        ...n,
        containers: set(n.containers, d.name, { name: d.name, node: d.node, ip: d.ip, mac: d.mac, image: d.image, cmd: d.cmd, ports: d.ports, ...withOptions(d.options), state: "pending", since: time }),
      }));
    }
    case "ContainerRunning":
      return withContainer(set, state, event.data.node, event.data.name, (c) =>
        c.ip === event.data.ip ? { ...omitted(c, "reason", "exitCode"), state: "running", since: time } : c,
      );
    case "ContainerFailed":
      return withContainer(set, state, event.data.node, event.data.name, (c) =>
        c.ip === event.data.ip ? { ...omitted(c, "exitCode"), state: "failed", reason: event.data.reason, since: time } : c,
      );
    case "ContainerExited":
      return withContainer(set, state, event.data.node, event.data.name, (c) =>
        c.ip === event.data.ip ? { ...omitted(c, "reason"), state: "exited", exitCode: event.data.exitCode, since: time } : c,
      );
    case "ContainerStopped":
      return withContainer(set, state, event.data.node, event.data.name, (c) => (c.ip === event.data.ip ? null : c));
    default: {
      const never: never = event;
      return never;
    }
  }
}

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
   * Keeps indexes for deciding against this draft's states (lookup.ts): `findContainer` and
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
    const node = event.type === "ClusterCreated" ? null : event.data.node;
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

/** Every container of the cluster, ordered by node then name. */
export function allContainers(state: ClusterState): ContainerRecord[] {
  return Object.keys(state.nodes)
    .sort()
    .flatMap((n) => Object.keys(state.nodes[n]!.containers).sort().map((c) => state.nodes[n]!.containers[c]!));
}

export function findContainer(state: ClusterState, name: string): ContainerRecord | undefined {
  // A draft's index says at once that no node holds the name (the usual case when starting one).
  if (nameIndexOf(state.nodes)?.has(name) === false) return undefined;
  for (const node in state.nodes) {
    const c = state.nodes[node]!.containers[name];
    if (c) return c;
  }
  return undefined;
}

/** Nodes that hold a block: members that have not left. */
export function memberNodes(state: ClusterState): NodeRecord[] {
  return Object.values(state.nodes).filter((n) => n.status !== "left");
}
