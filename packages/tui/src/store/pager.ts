/**
 * Time travel further back than the events the TUI holds: the page of PAGE_EVENTS events
 * before its oldest, read from the stream, with the state at the page's start computed on
 * demand (the nearest snapshot at or before it, then the events up to it).
 */
import type { NatsConnection } from "nats";
import { SNAPSHOT_EVERY, emptyState, type ClusterState } from "@ovl/domain";
import { readRange, stateAt, type EventItem } from "@ovl/client";

/** Events per page: the snapshots' interval, so a page starts where one usually is. */
export const PAGE_EVENTS = SNAPSHOT_EVERY;

export interface Page {
  readonly seq: number;
  readonly state: ClusterState;
  /** The events after `seq` up to the page's end. */
  readonly items: readonly EventItem[];
}

export type Pager = (before: number) => Promise<Page>;

export function historyPager(nc: NatsConnection, log: (line: string) => void = () => undefined): Pager {
  return async (before) => {
    const from = Math.max(0, before - PAGE_EVENTS);
    const at = from > 0 ? await stateAt(nc, from, log) : { state: emptyState, seq: 0 };
    const items: EventItem[] = [];
    await readRange(nc, at.seq + 1, before, (i) => items.push(i), log);
    return { seq: at.seq, state: at.state, items };
  };
}
