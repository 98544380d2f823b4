/**
 * The names the agents answer for, as a pure function of the state: every node computes the
 * same table from the same history. A container answers by its name and each of its
 * aliases, bare (`db`) and under its network (`db.ovl`), while it is pending (decided, its
 * address taken) or running; a failed or exited one does not answer, a removed one is gone
 * from the state, and a Docker IPAM reservation (`ipam-…`, its container not known yet)
 * names nothing. Containers of a lost node still answer: they keep running and talking
 * while their agent is cut off.
 */
import type { ClusterState, ContainerRecord, ContainerState } from "./state.js";
import { DEFAULT_NETWORK } from "./defaults.js";
import { attachmentsOf } from "./networks.js";

/** States whose containers answer: the name is theirs and the address is on the wire or about to be. */
export const ANSWERING_STATES: readonly ContainerState[] = ["pending", "running"];

/** The `aliases` field of a record or an event: absent, never empty, when there are none. */
export const withAliases = (aliases: readonly string[] | undefined): { aliases?: string[] } => (aliases && aliases.length > 0 ? { aliases: [...aliases] } : {});

/** The names a container holds: its own, then its aliases. */
export const namesOf = (c: Pick<ContainerRecord, "name" | "aliases">): readonly string[] => [c.name, ...(c.aliases ?? [])];

/** Lower-case query name, without the root's trailing dot. */
export const normalizeQueryName = (qname: string): string => qname.replace(/\.$/, "").toLowerCase();

/**
 * Every answering name of a network to its address there: `NAME` and `NAME.<network>` for
 * each name and alias of the containers on it (the agents serve the network `ovl`).
 * Decisions keep names unique (see `nameClash`), so each key has one address.
 */
export function nameRecords(state: ClusterState, network = DEFAULT_NETWORK): ReadonlyMap<string, string> {
  const records = new Map<string, string>();
  for (const nodeName in state.nodes) {
    const containers = state.nodes[nodeName]!.containers;
    for (const key in containers) {
      const c = containers[key]!;
      // An address Docker reserved before its container is known has no name to answer for.
      if (!ANSWERING_STATES.includes(c.state) || c.origin === "docker-ipam") continue;
      // Only containers on the network, at their address there.
      const on = attachmentsOf(c).find((a) => a.network === network);
      if (!on) continue;
      for (const n of namesOf(c)) {
        records.set(n, on.ip);
        records.set(`${n}.${network}`, on.ip);
      }
    }
  }
  return records;
}
