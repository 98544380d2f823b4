/**
 * The rows each view lists, derived from a fold of the history (live or past) and the
 * latest heartbeats. Pure: the same state gives the same rows.
 */
import { nodeRows, psRows, type ClusterState, type Heartbeat, type NodeRow, type PsRow } from "@ovl/domain";
import type { EventItem } from "@ovl/client";
import { formatPorts, itemSeq, itemSubject, summarize } from "./format.js";
import { matchesFilter } from "./selection.js";
import type { History } from "./store/history.js";

const noBeats: ReadonlyMap<string, Heartbeat> = new Map();

/**
 * Nodes that have not left. Heartbeats are not history: in the past, metrics are
 * unknown, so they are only joined to the live state.
 */
/** `seq`: the history's last sequence while live (each node's lag is counted from it). */
export function nodeTable(state: ClusterState, heartbeats: ReadonlyMap<string, Heartbeat> | null, filter: string, seq?: number): NodeRow[] {
  return nodeRows(state, heartbeats ?? noBeats, seq === undefined ? {} : { seq }).filter((n) =>
    matchesFilter(`${n.name} ${n.ip} ${n.subnet ?? ""} ${n.status}`, filter),
  );
}

export function containerTable(state: ClusterState, filter: string): PsRow[] {
  return psRows(state).filter((c) =>
    matchesFilter(`${c.name} ${c.node} ${c.ip} ${c.image} ${c.origin ?? ""} ${c.state} ${formatPorts(c.ports)}`, filter),
  );
}

/** How many containers `state` holds: containerTable's length without a filter, without building its rows. */
export function containersIn(state: ClusterState): number {
  let n = 0;
  for (const node of Object.values(state.nodes)) n += Object.keys(node.containers).length;
  return n;
}

export function eventText(item: EventItem): string {
  return item.ok
    ? `${item.event.seq} ${item.event.type} ${item.event.subject} ${summarize(item.event)}`
    : `${item.seq} invalid ${item.subject} ${item.error}`;
}

/** The events held up to sequence `upto` that match the filter, newest first. */
export function eventList(history: History, upto: number, filter: string): EventItem[] {
  const list: EventItem[] = [];
  for (let i = history.indexOf(upto); i >= 0; i--) {
    const item = history.at(i)!;
    if (filter === "" || matchesFilter(eventText(item), filter)) list.push(item);
  }
  return list;
}

export { itemSeq, itemSubject };
