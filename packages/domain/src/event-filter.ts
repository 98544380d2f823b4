/**
 * `ovl events --type/--node/--container`: the one subject filter the server can apply (a
 * consumer takes one on server 2.9) and the exact test each event read must pass. The
 * subjects name the aggregate (`ovl.evt.node.<node>`, `ovl.evt.ctr.<node>.<name>`), so a
 * container, or types of one kind, narrow what the server sends; a node alone spans two
 * kinds of subject and is matched here. Pure.
 */
import type { StoredEvent } from "./events.js";
import { EVENTS_WILDCARD, clusterEventSubject, containerEventSubject, nodeEventSubject } from "./subjects.js";
import { EVENT_TYPES, type EventType } from "./schema.js";
import { parseContainerName, parseNodeName } from "./names.js";
import { OvlError, OvlErrorCodes } from "./errors.js";

export interface EventFilterInput {
  readonly types?: readonly string[];
  readonly node?: string;
  readonly container?: string;
}

export interface EventFilter {
  /** The subject filter for the consumer. */
  readonly subject: string;
  readonly matches: (e: StoredEvent) => boolean;
}

type Kind = "cluster" | "node" | "ctr";
const kindOf = (t: EventType): Kind => (t === "ClusterCreated" ? "cluster" : t.startsWith("Container") ? "ctr" : "node");

function parseTypes(raw: readonly string[]): EventType[] {
  const types = raw.flatMap((r) => r.split(",")).map((t) => t.trim()).filter(Boolean);
  for (const t of types) {
    if (!(EVENT_TYPES as readonly string[]).includes(t)) throw new OvlError(OvlErrorCodes.InvalidInput, `unknown event type ${JSON.stringify(t)}: one of ${EVENT_TYPES.join(", ")}`);
  }
  return types as EventType[];
}

export function eventFilter(input: EventFilterInput): EventFilter {
  const types = parseTypes(input.types ?? []);
  const node = input.node === undefined ? undefined : parseNodeName(input.node);
  const container = input.container === undefined ? undefined : parseContainerName(input.container);
  let kinds = new Set<Kind>(types.length ? types.map(kindOf) : ["cluster", "node", "ctr"]);
  if (node !== undefined) kinds.delete("cluster");
  if (container !== undefined) kinds = new Set([...kinds].filter((k) => k === "ctr"));
  if (kinds.size === 0) throw new OvlError(OvlErrorCodes.InvalidInput, `no event of type ${types.join(", ")} is about ${container !== undefined ? "a container" : "a node"}`);
  const only = kinds.size === 1 ? [...kinds][0] : undefined;
  const subject =
    only === "ctr" ? containerEventSubject(node ?? "*", container ?? "*")
    : only === "node" ? nodeEventSubject(node ?? "*")
    : only === "cluster" ? clusterEventSubject()
    : EVENTS_WILDCARD;
  const matches = (e: StoredEvent): boolean => {
    const data = e.data as { node?: string; name?: string };
    if (types.length && !types.includes(e.type)) return false;
    if (node !== undefined && data.node !== node) return false;
    return container === undefined || (kindOf(e.type) === "ctr" && data.name === container);
  };
  return { subject, matches };
}
