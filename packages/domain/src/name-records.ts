/**
 * The rules of the names the agents answer for (their index: node-agent dns/name-index.ts),
 * so that every node computes the same answers from the same history. A container answers
 * by its name and each of its aliases, bare (`db`) and under its network (`db.ovl`), while it is pending (decided, its
 * address taken) or running; a failed or exited one does not answer, a removed one is gone
 * from the state, and a Docker IPAM reservation (`ipam-…`, its container not known yet)
 * names nothing. Containers of a lost node still answer: they keep running and talking
 * while their agent is cut off.
 */
import type { ContainerRecord, ContainerState } from "./state.js";

/** States whose containers answer: the name is theirs and the address is on the wire or about to be. */
export const ANSWERING_STATES: readonly ContainerState[] = ["pending", "running"];

/** The `aliases` field of a record or an event: absent, never empty, when there are none. */
export const withAliases = (aliases: readonly string[] | undefined): { aliases?: string[] } => (aliases && aliases.length > 0 ? { aliases: [...aliases] } : {});

/** The names a container holds: its own, then its aliases. */
export const namesOf = (c: Pick<ContainerRecord, "name" | "aliases">): readonly string[] => [c.name, ...(c.aliases ?? [])];

/** Lower-case query name, without the root's trailing dot. */
export const normalizeQueryName = (qname: string): string => qname.replace(/\.$/, "").toLowerCase();
