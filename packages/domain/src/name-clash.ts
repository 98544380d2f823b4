/**
 * Whether a new container's names would make an answer ambiguous (decide refuses it): names
 * are unique across names and aliases of every container, whatever its state.
 */
import type { ClusterState } from "./state.js";
import { findContainer } from "./queries.js";

/** Who already holds `name`, as its name or as an alias, in any state (a failed container keeps its name until `ovl rm`). */
export function holderOf(state: ClusterState, name: string): { readonly container: string; readonly as: "name" | "alias" } | undefined {
  const byName = findContainer(state, name);
  if (byName) return { container: byName.name, as: "name" };
  for (const nodeName in state.nodes) {
    const containers = state.nodes[nodeName]!.containers;
    for (const key in containers) {
      if (containers[key]!.aliases?.includes(name)) return { container: key, as: "alias" };
    }
  }
  return undefined;
}

/** `held`: another container holds the name; otherwise the request names one twice. */
export interface NameClash {
  readonly held: boolean;
  readonly reason: string;
}

/**
 * Why a new container's names would be ambiguous, or null: a name given twice (its name
 * among its aliases, an alias repeated), or one that another container already holds as
 * its name or an alias. Any state counts, so a name answers one address or none.
 */
export function nameClash(state: ClusterState, name: string, aliases: readonly string[]): NameClash | null {
  const own = [name, ...aliases];
  const twice = own.find((n, i) => own.indexOf(n) !== i);
  if (twice !== undefined) return { held: false, reason: twice === name ? `alias ${twice} is the container's own name` : `alias ${twice} is given twice` };
  for (const n of own) {
    const holder = holderOf(state, n);
    if (holder) {
      const what = n === name ? "name" : "alias";
      return { held: true, reason: `${what} ${n} would be ambiguous: container ${holder.container} already answers to it (its ${holder.as}); remove it first (\`ovl rm ${holder.container}\`) or pick another ${what}` };
    }
  }
  return null;
}
