/**
 * What changed between two states of the cluster (`ovl diff A B`): nodes and containers
 * added, removed and changed, field by field. Pure. Containers are keyed by name (unique in
 * the cluster), so one moved to another node is a change of its `node`, not a removal and
 * an addition. `since` is left out: it moves with every state change that is shown anyway.
 */
import { allContainers } from "./queries.js";
import type { ClusterConfig, ClusterState, ContainerRecord, NodeRecord } from "./state.js";

export interface FieldChange {
  readonly field: string;
  readonly from: unknown;
  readonly to: unknown;
}

export interface Changed<T> {
  readonly name: string;
  readonly from: T;
  readonly to: T;
  readonly changes: readonly FieldChange[];
}

export interface DiffOf<T> {
  readonly added: readonly T[];
  readonly removed: readonly T[];
  readonly changed: readonly Changed<T>[];
}

/** A node as the diff shows it: its record without the containers (they are diffed apart). */
export type NodeSummary = Omit<NodeRecord, "containers">;

export interface StateDiff {
  /** The cluster's settings when they differ (created between A and B), else null. */
  readonly cluster: { readonly from: ClusterConfig | null; readonly to: ClusterConfig | null } | null;
  readonly nodes: DiffOf<NodeSummary>;
  readonly containers: DiffOf<ContainerRecord>;
}

const NODE_FIELDS = ["underlayIp", "status", "subnet", "gateway", "agentVersion", "reason", "lastSeen"] as const;
const CONTAINER_FIELDS = ["node", "ip", "mac", "image", "cmd", "ports", "state", "reason", "exitCode"] as const;

const same = (a: unknown, b: unknown): boolean => a === b || JSON.stringify(a) === JSON.stringify(b);

function fieldChanges<T extends object>(a: T, b: T, fields: readonly (keyof T & string)[]): FieldChange[] {
  return fields.filter((f) => !same(a[f], b[f])).map((f) => ({ field: f, from: a[f] ?? null, to: b[f] ?? null }));
}

const byName = (a: { readonly name: string }, b: { readonly name: string }): number => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0);

/** Added, removed and changed entries of two maps by name, each list in name order. */
export function diffMaps<T extends { readonly name: string }>(a: ReadonlyMap<string, T>, b: ReadonlyMap<string, T>, fields: readonly (keyof T & string)[]): DiffOf<T> {
  const added = [...b.values()].filter((x) => !a.has(x.name)).sort(byName);
  const removed = [...a.values()].filter((x) => !b.has(x.name)).sort(byName);
  const changed: Changed<T>[] = [];
  for (const from of a.values()) {
    const to = b.get(from.name);
    if (!to) continue;
    const changes = fieldChanges(from, to, fields);
    if (changes.length > 0) changed.push({ name: from.name, from, to, changes });
  }
  return { added, removed, changed: changed.sort(byName) };
}

function nodeSummaries(state: ClusterState): Map<string, NodeSummary> {
  const out = new Map<string, NodeSummary>();
  for (const n of Object.values(state.nodes)) {
    const { containers: _containers, ...summary } = n;
    out.set(n.name, summary);
  }
  return out;
}

const containerMap = (state: ClusterState): Map<string, ContainerRecord> => new Map(allContainers(state).map((c) => [c.name, c]));

export function diffStates(a: ClusterState, b: ClusterState): StateDiff {
  return {
    cluster: same(a.cluster, b.cluster) ? null : { from: a.cluster, to: b.cluster },
    nodes: diffMaps(nodeSummaries(a), nodeSummaries(b), NODE_FIELDS),
    containers: diffMaps(containerMap(a), containerMap(b), CONTAINER_FIELDS),
  };
}

/** True when nothing differs. */
export const isEmptyDiff = (d: StateDiff): boolean =>
  d.cluster === null && [d.nodes, d.containers].every((x) => x.added.length + x.removed.length + x.changed.length === 0);
