/**
 * What the name service needs from the fold, as a pure function of the state, computed once
 * per fold position: every answering name with the container's addresses on each of its
 * networks, every container address with its container's networks (to know who asks), and
 * the cluster's networks (the suffixes ovl answers for, and which of them are internal).
 */
import { ANSWERING_STATES, attachmentsOf, namesOf, networksOf, type Attachment, type ClusterState } from "@ovl/domain";

export interface NameIndex {
  /** Name or alias of a pending or running container -> its attachments, in its own order (its `ip` first). */
  readonly names: ReadonlyMap<string, readonly Attachment[]>;
  /** Address of any container of the fold, on any network -> the networks of that container, in its order. */
  readonly askers: ReadonlyMap<string, readonly string[]>;
  /** Every network of the cluster (`ovl` included). */
  readonly networks: ReadonlySet<string>;
  /** The networks made with `--internal`. */
  readonly internal: ReadonlySet<string>;
}

export const emptyNameIndex: NameIndex = { names: new Map(), askers: new Map(), networks: new Set(), internal: new Set() };

export function nameIndex(state: ClusterState): NameIndex {
  const names = new Map<string, readonly Attachment[]>();
  const askers = new Map<string, readonly string[]>();
  for (const nodeName in state.nodes) {
    const containers = state.nodes[nodeName]!.containers;
    for (const key in containers) {
      const c = containers[key]!;
      const on = attachmentsOf(c);
      // Whatever its state: an address names one container, the one that may be asking.
      const nets = on.map((a) => a.network);
      for (const a of on) askers.set(a.ip, nets);
      // An address Docker reserved before its container is known has no name to answer for.
      if (!ANSWERING_STATES.includes(c.state) || c.origin === "docker-ipam") continue;
      for (const n of namesOf(c)) names.set(n, on);
    }
  }
  const all = networksOf(state);
  return { names, askers, networks: new Set(all.map((n) => n.name)), internal: new Set(all.filter((n) => n.internal).map((n) => n.name)) };
}
