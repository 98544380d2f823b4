/** Questions asked of the state while deciding and for views; a draft's index answers some at once (draft.ts). */
import { nameIndexOf } from "./draft.js";
import type { ClusterState, ContainerRecord, NodeRecord } from "./state.js";

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
